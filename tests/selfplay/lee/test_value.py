"""Value trainer: one position per game from the right view, the loss, the CLI."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from engine.board import BLACK, EMPTY, WHITE
from selfplay.lee.value import ValueConfig, generate_round, value_loss
from tests.selfplay.lee.test_rl import tiny_policy

torch.set_num_threads(1)


def test_generate_round_one_position_per_game_from_the_movers_view():
    cfg = ValueConfig(u_max=6, komi=0.5, max_moves=30)
    rnd = generate_round(tiny_policy(0), tiny_policy(1), 8, 5, cfg, np.random.default_rng(3), torch.device("cpu"))
    assert len(rnd.z) + rnd.dropped == 8 and len(rnd.z) > 0
    assert rnd.planes.shape == (len(rnd.z), 49, 5, 5)
    assert np.all((1 <= rnd.u) & (rnd.u <= 6))
    # s_{U+1}: U moves played from the empty board, so black is to move exactly when U is even
    assert np.array_equal(rnd.to_play, np.where(rnd.u % 2 == 0, BLACK, WHITE))
    assert np.array_equal(rnd.planes[:, 48].reshape(len(rnd.z), -1).max(1) == 1, rnd.to_play == BLACK)
    # stones on the board after U moves (captures aside): at most U
    stones = rnd.planes[:, 0:2].reshape(len(rnd.z), -1).sum(1)
    assert np.all(stones <= rnd.u) and np.all(stones >= 1)
    expected = np.where(rnd.winner == EMPTY, 0, np.where(rnd.winner == rnd.to_play, 1, -1))
    assert np.array_equal(rnd.z, expected)


def test_value_loss_by_hand():
    v, z = torch.tensor([0.5, -0.25, 0.0]), torch.tensor([1.0, -1.0, 0.0])
    assert value_loss(v, z).item() == pytest.approx((0.25 + 0.5625 + 0.0) / 3)


def test_cli_value_smoke(tmp_path):
    from cli.main import cli
    from nets.checkpoint import save_weights

    sl = save_weights(tmp_path / "sl.safetensors", tiny_policy(0))
    rl = save_weights(tmp_path / "rl.safetensors", tiny_policy(1))
    out = tmp_path / "value"
    args = ["train", "value", "--sl", str(sl), "--rl", str(rl), "--out", str(out), "--positions", "6"]
    args += ["--games-per-round", "4", "--u-max", "5", "--preset", "value4x16", "--filters", "8", "--komi", "0.5"]
    res = CliRunner().invoke(cli, [*args, "--steps", "2", "--batch", "4", "--holdout", "0.34"])
    assert res.exit_code == 0, res.output
    assert (out / "weights.safetensors").is_file() and len(list((out / "data").glob("round-*.npz"))) >= 2
    rows = list(csv.DictReader((out / "log.csv").open()))
    assert rows[-1]["step"] == "2" and float(rows[-1]["heldout_mse"]) >= 0 and rows[-1]["mean_baseline_mse"] != ""
    # a second run reuses the data and the checkpoint: nothing to do
    rounds = sorted((out / "data").glob("round-*.npz"))
    res = CliRunner().invoke(cli, [*args, "--steps", "2", "--batch", "4", "--holdout", "0.34"])
    assert res.exit_code == 0, res.output
    assert sorted((out / "data").glob("round-*.npz")) == rounds
