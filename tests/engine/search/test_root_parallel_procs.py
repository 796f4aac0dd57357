"""Root-parallel search workers never outlive the process that started them (real processes, SIGKILL)."""

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

ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="signals as on Linux")

OWNER = textwrap.dedent(
    """
    import sys, threading, time
    from engine.config import MCTSConfig
    from engine.search.root_parallel import RootParallelSearch

    search = RootParallelSearch(MCTSConfig(num_simulations=16, max_nodes=4000, max_edges=80000), 1, threads=2)
    if sys.argv[1] == "thread":  # started from a helper thread that then ends (as GTP analysis may)
        t = threading.Thread(target=search.start)
        t.start()
        t.join()
    search.wait_ready()
    print(" ".join(str(w.proc.pid) for w in search.workers), flush=True)
    time.sleep(60)
    """
)


@pytest.mark.parametrize("where", ["main", pytest.param("thread", marks=pytest.mark.slow)])
def test_search_workers_end_when_their_owner_is_killed(where):
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER, where], cwd=ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        pids = [int(p) for p in owner.stdout.readline().split()]
        assert len(pids) == 2
        # workers started from a thread that has ended are still alive (no early parent-death signal)
        assert all(procs.pid_alive(p) for p in pids)
        os.kill(owner.pid, signal.SIGKILL)
        owner.wait(5)
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline and any(procs.pid_alive(p) for p in pids):
            time.sleep(0.05)
        assert not any(procs.pid_alive(p) for p in pids), "a search worker outlived its owner"
    finally:
        try:
            os.killpg(owner.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
