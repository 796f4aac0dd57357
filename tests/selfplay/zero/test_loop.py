"""The AlphaGo Zero loop: one tiny 5x5 generation end to end, and the Elo fit."""

from __future__ import annotations

import json
import math

import pytest
import torch
from sgfmill import sgf

from selfplay.elo import MatchRecord, fit_elo
from selfplay.zero.loop import ANCHOR, LoopState, run_zero
from tests.selfplay.zero.helpers import tiny_config


def test_elo_fit_matches_the_logistic_formula():
    elo = fit_elo([MatchRecord("a", "b", 7.5, 10)], anchor="b", prior=0)
    assert elo["b"] == 0.0
    assert elo["a"] == pytest.approx(400 * math.log10(3), abs=1e-6)


def test_elo_prior_keeps_sweeps_finite_and_orders_players():
    elo = fit_elo([MatchRecord("x", "y", 10, 10), MatchRecord("y", "z", 10, 10)], anchor="z")
    assert elo["x"] > elo["y"] > elo["z"] == 0.0 and math.isfinite(elo["x"])


def test_one_generation_end_to_end(tmp_path):
    torch.set_num_threads(1)
    state = run_zero(tiny_config(), tmp_path, progress=False)
    assert state.generation == 1 and state.train_step == 2
    assert (tmp_path / "models" / "gen_0001.safetensors").exists()
    assert len(list((tmp_path / "shards").glob("*.npz"))) == 2
    ratings = json.loads((tmp_path / "ratings.json").read_text())
    assert ratings["anchor"] == ANCHOR and "gen_0000" in ratings["ratings"] and "gen_0001" in ratings["ratings"]
    assert (tmp_path / "ratings.csv").read_text().startswith("player,elo,best")
    pytest.importorskip("matplotlib")
    assert (tmp_path / "ratings.png").stat().st_size > 0 and (tmp_path / "loss.png").stat().st_size > 0
    assert LoopState.load(tmp_path / "loop.json").history[0]["generation"] == 1


def test_bootstrap_generation_is_played_by_the_rollout_search(tmp_path):
    from dataclasses import replace

    from selfplay.zero.shards import read_shard

    torch.set_num_threads(1)
    cfg = tiny_config()
    cfg = replace(cfg, selfplay=replace(cfg.selfplay, bootstrap_games=3, bootstrap_playouts=40, playout_cap=True))
    state = run_zero(cfg, tmp_path, progress=False)
    assert state.generation == 1
    gen0 = sorted((tmp_path / "shards").glob("g0000-*.npz"))
    assert len(gen0) == 3  # bootstrap_games, not selfplay.games
    summary = json.loads((tmp_path / "selfplay-g0000.json").read_text())
    assert summary["games"] == 3 and summary["batching"][0]["leaves"] == 0  # no network call
    shard = read_shard(gen0[0])
    assert len(shard["z"]) > 0 and abs(float(shard["pi"][0].sum()) - 1) < 1e-5
    # 40 playouts spread over the root's moves (fewer than the legal moves would be a uniform net)
    assert shard["pi"][0].max() >= 2 / 40
    # the playout cap is for the nets' games: every bootstrap move is a full search and a sample
    for path in gen0:
        game = sgf.Sgf_game.from_bytes((tmp_path / "sgf" / f"{path.stem}.sgf").read_bytes())
        assert len(read_shard(path)["z"]) >= len(game.get_main_sequence()) - 1
