"""selfplay/cluster.py on a real local Ray cluster with token authentication (``ray start --head``).

The head node runs in its own session with ``HOME`` in a temporary folder that holds a token
(``ray get-auth-token --generate``), so Ray turns token authentication on as it does by default.
``go-engine selfplay --ray-address`` then plays with the token found in ``~/.ray/auth_token``,
fails in one line without it, and its actors end when the driver is killed.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from selfplay.cluster import _is_auth_error, _reachable
from tests.procs import session

ROOT = Path(__file__).resolve().parents[2]
HAS_RAY = importlib.util.find_spec("ray") is not None and shutil.which("ray") is not None


def test_auth_errors_are_found_in_the_exception_chain():
    try:
        try:
            raise RuntimeError("RPC error: InvalidAuthToken: Authentication token is missing or incorrect")
        except RuntimeError as inner:
            raise ConnectionError("Failed to connect to Ray cluster at 1.2.3.4:6379") from inner
    except ConnectionError as e:
        assert _is_auth_error(e)
    assert not _is_auth_error(ConnectionError("Failed to connect to Ray cluster"))


def test_a_closed_port_is_reported_without_ray():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends
    assert _reachable(f"127.0.0.1:{port}", 1.0)
    assert _reachable("ray://head:10001") is None  # Ray client addresses are Ray's to resolve


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ray_home(prefix: str) -> tuple[Path, dict[str, str]]:
    """A temporary folder and an environment whose ``HOME`` there holds a Ray token; skips without Ray.

    With the token, Ray turns token authentication on, as it does by default.
    """
    if not HAS_RAY:
        pytest.skip("ray not installed (pip install 'go-engine[cluster]')")
    base = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))  # Ray's socket paths must stay short
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    env["HOME"] = str(base / "home")
    subprocess.run(["ray", "get-auth-token", "--generate"], env=env, check=True, capture_output=True, timeout=120)
    return base, env


@pytest.fixture(scope="module")
def head():
    """A Ray head node with token authentication on; yields ``(address, env with the token, session id)``."""
    base, env = ray_home("rt")
    port = _free_port()
    args = ["ray", "start", "--head", "--port", str(port), "--node-ip-address", "127.0.0.1", "--num-cpus", "2"]
    args += ["--include-dashboard=false", "--disable-usage-stats", "--temp-dir", str(base / "ray"), "--block"]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    address = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while _reachable(address, 1.0) and time.monotonic() < deadline:
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            time.sleep(0.5)
        time.sleep(2.0)  # the raylet registers after the GCS port opens
        yield address, env, proc.pid
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            pass
        for pid, _ in session(proc.pid):
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(base, ignore_errors=True)


def _selfplay(out: Path, address: str, games: int) -> list[str]:
    args = [sys.executable, "-m", "cli", "selfplay", "--out", str(out), "--games", str(games), "--workers", "1"]
    args += ["--size", "5", "--playouts", "4", "--rollout-player", "--games-per-worker-batch", "1"]
    return [*args, "--ray-address", address]


@pytest.mark.slow
def test_selfplay_on_a_cluster_with_token_auth(head, tmp_path):
    address, env, _ = head
    res = subprocess.run(_selfplay(tmp_path / "r", address, 2), cwd=ROOT, env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-3000:]
    assert len(list((tmp_path / "r" / "shards").glob("*.npz"))) == 2


@pytest.mark.slow
def test_a_missing_token_is_one_line(head, tmp_path):
    address, env, _ = head
    env = {**env, "HOME": str(tmp_path)}  # no ~/.ray/auth_token here
    t0 = time.monotonic()
    res = subprocess.run(_selfplay(tmp_path / "r", address, 2), cwd=ROOT, env=env, capture_output=True, text=True)
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: Ray at") and "token" in last and "RAY_AUTH_TOKEN" in last, last
    assert time.monotonic() - t0 < 60  # not Ray's 20 s of retries on top of the start


@pytest.mark.slow
def test_actors_end_when_the_driver_is_killed(head, tmp_path):
    address, env, sid = head
    out = tmp_path / "r"
    driver = subprocess.Popen(
        _selfplay(out, address, 200), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 240
        while not list((out / "shards").glob("*.npz")) if (out / "shards").exists() else True:
            assert time.monotonic() < deadline and driver.poll() is None
            time.sleep(0.2)
        actors = [pid for pid, cmd in session(sid) if "SelfPlayActor" in cmd]
        assert actors
        driver.kill()
        driver.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(p in {q for q, _ in session(sid)} for p in actors):
            time.sleep(0.1)
        assert not any(p in {q for q, _ in session(sid)} for p in actors), "an actor outlived its driver"
    finally:
        if driver.poll() is None:
            driver.kill()
