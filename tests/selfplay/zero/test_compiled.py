"""Zero self-play on the compiled engine: files as the worker writes them, samples true to the SGF."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from engine.features import encode
from engine.sgf import record_to_board
from selfplay.config import SelfPlayConfig
from selfplay.records import read_sgf_file
from selfplay.zero.compiled import batch_config
from selfplay.zero.shards import list_shards, read_shard
from selfplay.zero.worker import run_selfplay
from tests.selfplay.zero.helpers import tiny_config


def test_compiled_is_the_default_engine():
    assert SelfPlayConfig().engine == "compiled"
    with pytest.raises(ValueError):
        SelfPlayConfig(engine="gpu")


def test_batch_config_takes_the_run_settings():
    cfg = tiny_config(playout_cap=True, fast_playouts=3, resign_threshold=0.1)
    b = batch_config(cfg)
    assert (b.size, b.komi, b.playouts, b.fast_playouts, b.playout_cap) == (5, 0.5, 8, 3, True)
    assert (b.resign_threshold, b.max_moves, b.c_puct) == (0.1, 30, cfg.mcts.c_puct)


def test_compiled_selfplay_writes_games_whose_samples_match_their_sgf(tmp_path):
    cfg = tiny_config(games=3, games_per_worker_batch=2)
    summary = run_selfplay(cfg, tmp_path, progress=False)
    assert summary.games == 3
    shards = list_shards(tmp_path / "shards")
    assert len(shards) == 3
    for path in shards:
        shard = read_shard(path)
        rec = read_sgf_file(tmp_path / "sgf" / path.name.replace(".npz", ".sgf"))
        full = record_to_board(rec)
        assert shard["meta"]["moves"] == len(rec.moves)
        winner = full.winner()
        assert shard["meta"]["winner"] == winner
        # samples are every move's position (no playout cap): rebuild each one from the SGF
        assert len(shard["z"]) == len(rec.moves)
        for m in range(len(rec.moves)):
            board = record_to_board(rec, moves=m)
            assert np.array_equal(shard["planes"][m], encode(board, "agz17").astype(np.uint8))
            assert abs(float(shard["pi"][m].sum()) - 1) < 1e-5
            assert not shard["pi"][m][board.legal_mask() == 0].any()
            want = 0 if winner == 0 else (1 if board.to_play == winner else -1)
            assert shard["z"][m] == want


def test_threads_engine_still_plays(tmp_path):
    cfg = tiny_config(games=1)
    cfg = replace(cfg, selfplay=replace(cfg.selfplay, engine="threads"))
    assert run_selfplay(cfg, tmp_path, progress=False).games == 1


def test_search_threads_write_the_same_kind_of_games(tmp_path):
    cfg = tiny_config(games=4, games_per_worker_batch=4, search_threads=2)
    assert run_selfplay(cfg, tmp_path, progress=False).games == 4
    for path in list_shards(tmp_path / "shards"):
        shard = read_shard(path)
        rec = read_sgf_file(tmp_path / "sgf" / path.name.replace(".npz", ".sgf"))
        assert shard["meta"]["moves"] == len(rec.moves) == len(shard["z"])
    with pytest.raises(ValueError, match="search_threads"):
        SelfPlayConfig(search_threads=2, engine="threads")


def _material(planes, legal):
    """Uniform priors; value from the stone count (agz17: plane 0 own stones, plane 8 the opponent's)."""
    diff = planes[:, 0].sum(axis=(1, 2)) - planes[:, 8].sum(axis=(1, 2))
    return (legal != 0).astype(np.float32), np.tanh(diff / 3).astype(np.float32)


def _uniform(planes, legal):
    return (legal != 0).astype(np.float32), np.zeros(len(planes), np.float32)


def test_a_compiled_match_scores_the_stronger_evaluator():
    """A stone-counting value beats value 0 at equal playouts, from either side; replays exactly."""
    from selfplay.zero.compiled import match_config, play_match

    cfg = tiny_config(games_per_worker_batch=4, max_moves=40)
    cfg = replace(cfg, eval=replace(cfg.eval, playouts=24, random_moves=2))
    m = match_config(cfg)
    assert (m.playouts, m.temperature_moves, m.dirichlet_eps, m.reuse_tree, m.playout_cap) == (24, 2, 0.0, False, False)
    games = list(range(8))
    seeds = [101 + i for i in games]
    strong = play_match(cfg, _material, _uniform, seeds, games)
    assert strong >= 6
    assert play_match(cfg, _material, _uniform, seeds, games) == strong
    assert play_match(cfg, _uniform, _material, seeds, games) <= 2


def test_the_loop_plays_net_matches_on_either_engine():
    """``loop.play_match`` between two nets: the compiled engine by default (replays exactly), or threads."""
    import tempfile
    from pathlib import Path

    import torch

    from nets.checkpoint import save_weights
    from nets.factory import build_model
    from selfplay.zero.loop import play_match

    cfg = tiny_config(games_per_worker_batch=4)
    with tempfile.TemporaryDirectory() as d:
        torch.manual_seed(0)
        paths = [save_weights(Path(d) / f"{i}.safetensors", build_model(cfg.net)) for i in range(2)]
        whole = play_match(cfg, paths[0], paths[1], 4, seed=3)
        assert 0 <= whole <= 4 and play_match(cfg, paths[0], paths[1], 4, seed=3) == whole
        threads = replace(cfg, selfplay=replace(cfg.selfplay, engine="threads"))
        assert 0 <= play_match(threads, paths[0], paths[1], 2, seed=3) <= 2
