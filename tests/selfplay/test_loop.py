"""The AlphaGo Zero loop: one tiny 5x5 generation end to end, and the Elo fit."""

from __future__ import annotations

import json
import math

import pytest
import torch

from selfplay.elo import MatchRecord, fit_elo
from selfplay.loop import ANCHOR, LoopState, run_zero
from tests.selfplay.zero_helpers import tiny_config


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
