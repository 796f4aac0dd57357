"""Ctrl-C, SIGTERM and SIGKILL on long ``go-engine`` commands, with real processes and real signals.

Each test starts a command in its own session (``start_new_session``: its pid is its process
group), waits until it has finished some work, signals it as a terminal (SIGINT to the group) or
a scheduler (SIGTERM to the main process alone) would, or kills the main process outright, and
checks that within ``STOP_SECONDS`` no process of the group is left (read from ``/proc``), that
the finished work is on disk, and that a second run resumes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.procs import group

ROOT = Path(__file__).resolve().parents[2]
STOP_SECONDS = 10.0
"""the issue's limit: no process of the command's group left after this long"""
WORK_SECONDS = 240.0
"""how long to wait for the first finished work (a shared 2-core machine can be slow)"""

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process groups from /proc")


# ---------------------------------------------------------------------- helpers
def start(args: list[str], log: Path) -> subprocess.Popen:
    """``python -m cli ARGS`` in a new session, stdout and stderr to ``log`` (.out / .err)."""
    return subprocess.Popen(
        [sys.executable, "-m", "cli", *args],
        cwd=ROOT,
        stdout=log.with_suffix(".out").open("w"),
        stderr=log.with_suffix(".err").open("w"),
        start_new_session=True,
    )


def wait_for_files(proc: subprocess.Popen, folder: Path, pattern: str, n: int) -> list[Path]:
    """Wait until ``folder`` holds ``n`` files matching ``pattern`` (fails if the command ends first)."""
    deadline = time.monotonic() + WORK_SECONDS
    while time.monotonic() < deadline:
        found = sorted(folder.glob(pattern)) if folder.exists() else []
        if len(found) >= n:
            return found
        assert proc.poll() is None, f"the command ended early with status {proc.returncode}"
        time.sleep(0.2)
    pytest.fail(f"no {n} {pattern} in {folder} after {WORK_SECONDS} s")


def stop(proc: subprocess.Popen, sig: int, whole_group: bool) -> float:
    """Send ``sig``; wait until the command and every process of its group are gone; returns the seconds."""
    t0 = time.monotonic()
    if whole_group:
        os.killpg(proc.pid, sig)
    else:
        os.kill(proc.pid, sig)
    while time.monotonic() - t0 < STOP_SECONDS:
        if proc.poll() is not None and not group(proc.pid):
            return time.monotonic() - t0
        time.sleep(0.05)
    left = group(proc.pid)
    for pid in left:  # do not leave them to the next test
        os.kill(pid, signal.SIGKILL)
    pytest.fail(f"after {STOP_SECONDS} s: status {proc.poll()}, processes left {left}")


def check_stopped(proc: subprocess.Popen, log: Path, code: int) -> str:
    """Status ``code``, one resume line on stderr and no traceback; returns stderr."""
    err = log.with_suffix(".err").read_text()
    assert proc.returncode == code, err[-2000:]
    assert "Traceback" not in err, err[-2000:]
    last = err.strip().splitlines()[-1]
    assert last.startswith("go-engine: stopped by") and "run:" in last, last
    return err


# ---------------------------------------------------------------------- self-play
def selfplay_args(out: Path, games: int = 200, workers: int = 2) -> list[str]:
    """A 5x5 self-play run of the rollout player (no net), one game per worker at a time."""
    args = ["selfplay", "--out", str(out), "--games", str(games), "--workers", str(workers), "--size", "5"]
    return [*args, "--playouts", "4", "--rollout-player", "--games-per-worker-batch", "1", "--seed", "3"]


def _resume_selfplay(out: Path, shards: list[Path]) -> None:
    """A second run over the first games plays only those without a shard."""
    from selfplay.zero.shards import read_shard

    indices = sorted(int(p.stem.split("-")[1]) for p in shards)
    for p in shards:  # every kept shard is whole (written atomically)
        assert len(read_shard(p)["z"]) > 0
    games = indices[-1] + 2
    args = selfplay_args(out, games, workers=0)
    res = subprocess.run([sys.executable, "-m", "cli", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    summary = json.loads(res.stdout)
    assert summary["skipped"] == len(indices)
    assert summary["games"] == games - len(indices)
    assert len(list((out / "shards").glob("*.npz"))) >= games


@pytest.mark.parametrize(
    "sig, whole_group, code",
    [
        (signal.SIGINT, True, 130),
        pytest.param(signal.SIGTERM, False, 143, marks=pytest.mark.slow),
        pytest.param(signal.SIGKILL, False, -signal.SIGKILL, marks=pytest.mark.slow),
    ],
    ids=["ctrl-c-to-group", "sigterm-to-parent", "sigkill-to-parent"],
)
def test_selfplay_stops_keeps_its_games_and_resumes(tmp_path, sig, whole_group, code):
    out = tmp_path / "run"
    proc = start(selfplay_args(out), tmp_path / "selfplay")
    try:
        wait_for_files(proc, out / "shards", "*.npz", 2)
        assert len(group(proc.pid)) >= 3  # the main process and its two workers
        stop(proc, sig, whole_group)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    if sig != signal.SIGKILL:
        err = check_stopped(proc, tmp_path / "selfplay", code)
        assert f"--out {out}" in err
    assert proc.returncode == code
    _resume_selfplay(out, sorted((out / "shards").glob("*.npz")))


# ---------------------------------------------------------------------- the zero loop
@pytest.mark.slow
def test_zero_stops_on_ctrl_c_and_resumes(tmp_path):
    run = tmp_path / "z"
    args = ["zero", "--run", str(run), "--games", "40", "--workers", "2", "--size", "5", "--playouts", "4"]
    args += ["--preset", "b2c16", "--bootstrap-games", "40", "--games-per-worker-batch", "1", "--eval-games", "2"]
    args += ["--anchor-games", "0", "--steps-per-generation", "2", "--train-batch", "8", "--generations", "1"]
    proc = start(args, tmp_path / "zero")
    try:
        wait_for_files(proc, run / "shards", "*.npz", 2)
        stop(proc, signal.SIGINT, True)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    check_stopped(proc, tmp_path / "zero", 130)
    kept = {p.name for p in (run / "shards").glob("*.npz")}
    assert len(kept) >= 2
    res = subprocess.run([sys.executable, "-m", "cli", *args], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-2000:]
    summary = json.loads((run / "selfplay-g0000.json").read_text())
    assert summary["skipped"] == len(kept)
    assert json.loads((run / "loop.json").read_text())["generation"] == 1


# ---------------------------------------------------------------------- a pool of labelling processes
@pytest.mark.slow
def test_value_search_pool_stops_on_ctrl_c_and_resumes(tmp_path):
    out = tmp_path / "labels"
    args = ["data", "value-search", "--games", str(ROOT / "tests" / "data" / "games"), "--size", "9"]
    args += ["--out", str(out), "--sims", "64", "--workers", "2", "--chunk", "4", "--perturb", "0"]
    proc = start(args, tmp_path / "vs")
    try:
        wait_for_files(proc, out, "round-*.npz", 1)
        stop(proc, signal.SIGINT, True)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    check_stopped(proc, tmp_path / "vs", 130)
    kept = len(list(out.glob("round-*.npz")))
    res = subprocess.run([sys.executable, "-m", "cli", *args], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-2000:]
    assert len(list(out.glob("round-*.npz"))) > kept


# ---------------------------------------------------------------------- A3C worker processes
@pytest.mark.slow
def test_a3c_stops_on_ctrl_c_and_resumes_with_resume(tmp_path):
    run = tmp_path / "a3c"
    args = ["train", "a3c", "--workers", "2", "--t-max", "5", "--blocks", "2", "--filters", "8"]
    args += ["--checkpoint-every", "40", "--eval-every", "0", "--run-dir", str(run), "--no-progress"]
    proc = start([*args, "--steps", "100000"], tmp_path / "a3c")
    try:
        wait_for_files(proc, run / "checkpoints", "step_*.safetensors", 1)
        assert len(group(proc.pid)) >= 3
        stop(proc, signal.SIGINT, True)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    err = check_stopped(proc, tmp_path / "a3c", 130)
    assert err.strip().endswith("--resume")
    from selfplay.rl.common import load_rl_checkpoint

    step = load_rl_checkpoint(run / "checkpoints" / "latest.safetensors").step
    t_resume = time.time() - 1.0  # file times have coarse resolution on some file systems
    res = subprocess.run(
        [sys.executable, "-m", "cli", *args, "--steps", str(step + 40), "--resume"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    new = {p.name for p in (run / "checkpoints").glob("step_*.safetensors") if p.stat().st_mtime > t_resume}
    # a resumed run only writes checkpoints past the kept one (a fresh one would write step_40 again)
    assert new and all(int(n[5:-12]) > step for n in new), (step, new)
    assert load_rl_checkpoint(run / "checkpoints" / "latest.safetensors").step >= step + 40


# ---------------------------------------------------------------------- the wrapper, in-process
def test_every_long_command_is_wrapped_but_the_engines():
    import click

    from cli.main import cli

    def walk(group, path=()):
        for name, cmd in group.commands.items():
            if isinstance(cmd, click.Group):
                yield from walk(cmd, (*path, name))
            else:
                yield (*path, name), getattr(cmd.callback, "_interruptible", False)

    wrapped = dict(walk(cli))
    assert not wrapped[("gtp",)]
    for must in [("selfplay",), ("zero",), ("match",), ("train", "zero"), ("train", "a3c"), ("data", "gnugo")]:
        assert wrapped[must], must


def test_a_stop_prints_the_resume_command_and_exits_130(monkeypatch):
    import click
    from click.testing import CliRunner

    from cli.interrupt import install

    @click.group()
    def top():
        pass

    @top.command()
    @click.option("--resume", is_flag=True)
    def learn(resume):
        raise KeyboardInterrupt

    install(top)
    monkeypatch.setattr(sys, "argv", ["go-engine", "learn"])
    old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        res = CliRunner().invoke(top, ["learn"])
    finally:
        for s, h in old.items():
            signal.signal(s, h)
    assert res.exit_code == 130
    assert res.output.strip().splitlines()[-1] == (
        "go-engine: stopped by Ctrl-C; finished work is kept; to resume, run: go-engine learn --resume"
    )
