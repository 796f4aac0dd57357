"""engine/procs.py with real processes and real signals: orphans end, stop signals raise KeyboardInterrupt."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from engine import procs

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="signals and /proc as on Linux")

PARENT = textwrap.dedent(
    """
    import multiprocessing as mp, sys, time
    from engine import procs

    def child(guard):
        procs.worker_init(**guard)
        while True:
            time.sleep(0.1)

    if __name__ == "__main__":
        guard = procs.guard_args()
        guard["pdeathsig"] = sys.argv[1] == "1"
        p = mp.get_context("spawn").Process(target=child, args=(guard,))
        p.start()
        print(p.pid, flush=True)
        while True:
            time.sleep(0.1)
    """
)


def _wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not procs.pid_alive(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("pdeathsig", [True, False], ids=["pdeathsig", "watchdog-only"])
def test_a_worker_ends_when_its_parent_is_killed(tmp_path, pdeathsig):
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    parent = subprocess.Popen(
        [sys.executable, str(script), "1" if pdeathsig else "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        child = int(parent.stdout.readline())
        time.sleep(0.5)  # let the child set its guards up
        assert procs.pid_alive(child)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(5)
        # the watchdog polls every WATCH_INTERVAL; the parent-death signal is immediate
        assert _wait_gone(child, 5.0), "the orphan kept running"
    finally:
        try:
            os.killpg(parent.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


STOPPER = textwrap.dedent(
    """
    import time
    from engine import procs
    procs.catch_stop_signals()
    try:
        print("ready", flush=True)
        time.sleep(30)
    except KeyboardInterrupt:
        print("stopped", procs.exit_code(), flush=True)
    """
)


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_stop_signals_raise_keyboard_interrupt_even_when_sigint_was_ignored(sig, code):
    # a shell starts background jobs with SIGINT ignored; Ctrl-C to the group must still stop us
    p = subprocess.Popen(
        [sys.executable, "-c", STOPPER],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    assert p.stdout.readline().strip() == "ready"
    p.send_signal(sig)
    out, _ = p.communicate(timeout=10)
    assert out.split() == ["stopped", str(code)]


def test_worker_init_ignores_sigint_and_guard_args_name_this_process():
    guard = procs.guard_args()
    assert guard["parent_pid"] == os.getpid()
    assert procs.pid_alive(os.getpid())
    code = "from engine import procs; import os, signal, time; procs.worker_init(os.getppid()); "
    code += "os.kill(os.getpid(), signal.SIGINT); time.sleep(0.2); print('alive')"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() == "alive", out.stderr
