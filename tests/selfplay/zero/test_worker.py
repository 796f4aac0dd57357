"""Self-play workers: the CLI smoke test, crash recovery with a real kill, Ray actors."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import threading
import time
from dataclasses import replace

import pytest
from click.testing import CliRunner

from selfplay.records import read_sgf_file
from selfplay.zero.shards import list_shards, load_window, read_shard
from selfplay.zero.worker import run_selfplay
from tests.selfplay.zero.helpers import tiny_config


def test_cli_selfplay_smoke(tmp_path):
    from cli.main import cli

    out = tmp_path / "run"
    args = "selfplay --size 5 --komi 0.5 --net-preset b2c16 --games 2 --playouts 8 --workers 1"
    res = CliRunner().invoke(cli, [*args.split(), "--out", str(out)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert '"games": 2' in res.output
    sgfs = sorted((out / "sgf").glob("*.sgf"))
    assert len(sgfs) == 2 and all(read_sgf_file(p).size == 5 for p in sgfs)
    assert len(list_shards(out / "shards")) == 2
    w = load_window(out / "shards", 10_000, "agz17")
    assert w.planes.shape[1:] == (17, 5, 5) and len(w) == len(w.pi) == len(w.z)
    assert (out / "models" / "gen_0000.safetensors").exists() and (out / "config.json").exists()


def test_killed_worker_is_restarted_and_finished_games_survive(tmp_path):
    cfg = tiny_config(games=8, workers=1, games_per_worker_batch=1, max_moves=40)
    cfg = replace(cfg, mcts=replace(cfg.mcts, num_simulations=16))
    out = {}
    runner = threading.Thread(target=lambda: out.setdefault("s", run_selfplay(cfg, tmp_path, progress=False)))
    runner.start()
    shards = tmp_path / "shards"
    deadline = time.monotonic() + 120
    while not list_shards(shards) and time.monotonic() < deadline:
        time.sleep(0.01)
    first = list_shards(shards)[0]
    before = first.read_bytes()
    (victim,) = mp.active_children()
    os.kill(victim.pid, signal.SIGKILL)
    runner.join(timeout=180)
    summary = out["s"]
    assert summary.restarts == 1
    assert summary.games == 8 and len(list_shards(shards)) == 8
    assert first.read_bytes() == before  # the finished game was not played again
    assert read_shard(first)["meta"]["game"] == 0
    assert "started" in (tmp_path / "logs" / "worker-0.log").read_text()


def test_in_process_resume_skips_written_games(tmp_path):
    cfg = tiny_config(games=2)
    assert run_selfplay(cfg, tmp_path, progress=False).games == 2
    again = run_selfplay(replace(cfg, selfplay=replace(cfg.selfplay, games=3)), tmp_path, progress=False)
    assert again.skipped == 2 and again.games == 1


@pytest.mark.slow
def test_ray_actors_play_games(tmp_path):
    pytest.importorskip("ray", reason="ray is not installed (pip install 'go-engine[cluster]')")
    cfg = tiny_config(games=2, workers=2, games_per_worker_batch=1)
    summary = run_selfplay(cfg, tmp_path, progress=False, ray_address="local")
    assert summary.games == 2 and len(list_shards(tmp_path / "shards")) == 2
