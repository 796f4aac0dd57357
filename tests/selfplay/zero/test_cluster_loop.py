"""``go-engine zero --ray-address`` on a real two-node Ray cluster on this machine.

A head node and a worker node (``ray start``, one CPU each, token authentication on as by
default) run the actors; the driver trains. A full generation (self-play, training, evaluation)
completes, and killing the worker node's raylet in the middle of self-play loses no finished game:
the games it sent back are in the run folder and the head node's actor plays the rest.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from selfplay.cluster import _reachable
from tests.procs import session
from tests.selfplay.test_cluster import ROOT, _free_port, ray_home

GAMES = 40


def _ray_start(args: list[str], env: dict) -> subprocess.Popen:
    base = ["ray", "start", "--num-cpus", "1", "--object-store-memory", str(80 * 2**20), "--disable-usage-stats"]
    return subprocess.Popen(
        [*base, *args, "--block"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )


def _stop(proc: subprocess.Popen) -> None:
    with_pids = [pid for pid, _ in session(proc.pid)]
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        pass
    for pid in with_pids + [pid for pid, _ in session(proc.pid)]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture()
def cluster():
    """Head + worker node (one CPU each); yields ``(address, env, head, worker)`` processes."""
    base, env = ray_home("rz")
    port = _free_port()
    address = f"127.0.0.1:{port}"
    head = _ray_start(
        ["--head", "--port", str(port), "--node-ip-address", "127.0.0.1", "--temp-dir", str(base / "ray")]
        + ["--include-dashboard=false", "--resources", '{"head": 1}'],
        env,
    )
    worker = None
    try:
        deadline = time.monotonic() + 180
        while _reachable(address, 1.0) and time.monotonic() < deadline:
            assert head.poll() is None, head.stderr.read().decode()[-2000:]
            time.sleep(0.5)
        time.sleep(2.0)
        w_env = {**env, "RAY_AUTH_MODE": "token"}  # `ray start --address` sends the token only then
        worker = _ray_start(["--address", address, "--node-ip-address", "127.0.0.1", "--resources", '{"w": 1}'], w_env)
        while time.monotonic() < deadline:  # the worker node's raylet, then its registration
            assert worker.poll() is None, worker.stderr.read().decode()[-2000:]
            if any("raylet" in cmd.split(" ")[0] for _, cmd in session(worker.pid)):
                break
            time.sleep(0.5)
        time.sleep(5.0)
        yield address, env, head, worker
    finally:
        for p in (worker, head):
            if p is not None:
                _stop(p)
        shutil.rmtree(base, ignore_errors=True)


def _ledger(run: Path) -> list[dict]:
    path = run / "logs" / "cluster-g0000.csv"
    if not path.exists():
        return []
    with path.open() as f:
        return list(csv.DictReader(f))


def _raylet(proc: subprocess.Popen) -> tuple[int, str]:
    """``(pid, node id)`` of the raylet started by ``ray start`` process ``proc``."""
    for pid, cmd in session(proc.pid):
        if "raylet" in cmd.split(" ")[0]:
            node = next(a.split("=", 1)[1] for a in cmd.split() if a.startswith("--node_id="))
            return pid, node
    raise AssertionError("no raylet in the worker node's session")


@pytest.mark.slow
def test_a_generation_survives_a_killed_node(cluster, tmp_path):
    address, env, _, worker = cluster
    run = tmp_path / "run"
    args = [sys.executable, "-m", "cli", "zero", "--run", str(run), "--generations", "1", "--games", str(GAMES)]
    args += ["--size", "5", "--komi", "0.5", "--preset", "b2c16", "--playouts", "4", "--batch-size", "2"]
    args += ["--games-per-worker-batch", "1", "--steps-per-generation", "2", "--train-batch", "8"]
    args += ["--eval-games", "2", "--anchor-games", "2", "--resign-threshold", "0", "--bootstrap-games", "0"]
    args += ["--ray-address", address, "--actors", "2"]
    driver = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        raylet, node = None, None
        deadline = time.monotonic() + 400
        while True:  # until the worker node has sent back a game
            assert driver.poll() is None, driver.stderr.read()[-3000:]
            assert time.monotonic() < deadline, "the worker node never played a game"
            if raylet is None:
                try:
                    raylet, node = _raylet(worker)
                except (AssertionError, StopIteration):
                    pass
            assert worker.poll() is None, worker.stderr.read().decode()[-2000:]
            played = [r for r in _ledger(run) if r["node"] == node]
            if node and played:
                break
            time.sleep(0.2)
        os.kill(raylet, signal.SIGKILL)
        before = _ledger(run)
        _, err = driver.communicate(timeout=600)
        assert driver.returncode == 0, err[-3000:]
    finally:
        if driver.poll() is None:
            driver.kill()
    mine = sum(r["node"] == node for r in before)
    print(f"kill after {len(before)} of {GAMES} games, {mine} of them from the killed node")  # pytest -s
    assert len(before) < GAMES, "the kill came after self-play"
    shards = {int(p.stem.split("-")[1]) for p in (run / "shards").glob("g0000-*.npz")}
    assert shards == set(range(GAMES))
    assert {int(r["game"]) for r in before if r["node"] == node} <= shards  # its finished games are kept
    after = _ledger(run)[len(before) :]
    assert after and all(r["node"] != node for r in after)  # the rest on the remaining node
    assert len({r["game"] for r in _ledger(run)}) == GAMES
    state = json.loads((run / "loop.json").read_text())
    assert state["generation"] == 1 and state["history"][0]["selfplay_games"] == GAMES
    assert (run / "models" / "gen_0001.safetensors").exists()
    assert any(m["a"] == "gen_0001" and m["b"] == "gen_0000" for m in state["matches"])


def test_a_match_split_into_tasks_scores_as_one():
    """The cluster plays a match as tasks of indices: the same games as one ``play_match`` call."""
    from selfplay.zero.loop import play_match
    from tests.selfplay.zero.helpers import tiny_config

    cfg = tiny_config()
    whole = play_match(cfg, None, None, 2, seed=5)
    parts = [play_match(cfg, None, None, 2, seed=5, indices=[i]) for i in (1, 0)]
    assert sum(parts) == whole and parts[0] != parts[1]  # Black won both: colours follow the index
