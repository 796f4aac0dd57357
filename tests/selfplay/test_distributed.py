"""Data-parallel training (``selfplay/distributed.py``): batch slices, and 2 real gloo processes vs 1."""

from __future__ import annotations

import csv
from dataclasses import replace

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from cli.main import cli
from nets.checkpoint import load_checkpoint
from selfplay.distributed import Dist, DistributedError, current, launch
from selfplay.zero.train import train
from tests.selfplay.zero.fake_games import write_fake_games
from tests.selfplay.zero.helpers import tiny_config, with_train


def test_slices_of_a_global_batch_cover_it_once():
    rows = np.arange(12)
    parts = [Dist(r, 3).slice(rows) for r in range(3)]
    np.testing.assert_array_equal(np.concatenate(parts), rows)
    np.testing.assert_array_equal(Dist().slice(rows), rows)
    with pytest.raises(ValueError, match="does not divide"):
        Dist(0, 5).slice(rows)


def test_single_process_helpers_are_no_ops():
    d = current()
    assert d == Dist() and d.is_main and not d.active
    model = torch.nn.Linear(2, 2)
    assert d.wrap(model, torch.device("cpu")) is model
    assert d.mean({"loss": 2.0}, ("loss",)) == {"loss": 2.0}
    assert launch(1, "cpu", max, 3, 4) == 4


def _learnable_run(folder, n_games=4, n=32):
    """Shards whose policy target is a fixed point, so the loss falls well above the noise."""

    def fixed_point(rng, n):
        pi = np.full((n, 26), 0.01, np.float32)
        pi[:, 12] = 1.0
        return pi

    write_fake_games(folder, n_games, n, seed=3, policy=fixed_point)


def _losses(run) -> list[float]:
    with open(run / "train" / "log.csv") as f:
        return [float(row["loss"]) for row in csv.DictReader(f)]


def _cfg(steps):
    return with_train(
        tiny_config(), steps=steps, batch_size=16, lr=0.02, lr_schedule="constant", log_every=1, checkpoint_every=3
    )


@pytest.mark.slow  # three launches: each process imports torch (about 25 s a launch on the shared VM)
def test_two_gloo_processes_match_one_and_resume_on_any_n(tmp_path):
    for name in ("one", "two", "mixed"):
        _learnable_run(tmp_path / name)
    one = train(_cfg(8), tmp_path / "one")
    two = launch(2, "cpu", train, _cfg(8), tmp_path / "two")
    assert two.step == one.step == 8
    l1, l2 = _losses(tmp_path / "one"), _losses(tmp_path / "two")
    assert len(l2) == 8  # rank 0 alone writes the log: one row per step
    assert l1[-1] < 0.8 * l1[0] and l2[-1] < 0.8 * l2[0]  # both learn
    rel = np.abs(np.array(l2) - np.array(l1)) / np.array(l1)
    assert rel.max() < 0.05, rel  # same global batches; only batch-norm statistics per slice differ
    # resume: 4 steps on 2 processes, then 4 more on 1, lands near 8 straight steps
    launch(2, "cpu", train, _cfg(8), tmp_path / "mixed", stop_at=4)
    assert load_checkpoint(tmp_path / "mixed" / "train" / "checkpoint.pt").step == 4
    mixed = train(_cfg(8), tmp_path / "mixed")
    assert mixed.step == 8
    lm = _losses(tmp_path / "mixed")
    assert len(lm) == 8 and abs(lm[-1] - l1[-1]) / l1[-1] < 0.05


@pytest.mark.slow
def test_a_failing_rank_is_one_clear_error(tmp_path):
    with pytest.raises(DistributedError, match="no training samples"):
        launch(2, "cpu", train, _cfg(2), tmp_path)


def test_cli_rejects_a_batch_that_does_not_split(tmp_path):
    _learnable_run(tmp_path)
    res = CliRunner().invoke(cli, ["train", "zero", "--run", str(tmp_path), "--batch", "9", "--nproc", "2"])
    assert res.exit_code == 2 and "must be a multiple of --nproc 2" in res.output


def _column(path, name) -> list[float]:
    with open(path) as f:
        return [float(row[name]) for row in csv.DictReader(f)]


@pytest.mark.slow
def test_sl_and_value_on_two_processes_match_one(tmp_path):
    """The Lee nets have no batch norm: 2 processes give the 1-process losses up to float sums."""
    from nets.checkpoint import save_weights
    from selfplay.lee.sl import SLConfig, train_sl
    from selfplay.lee.value import ValueConfig, train_value
    from tests.selfplay.lee.test_rl import tiny_policy
    from tests.selfplay.lee.test_sl import write_random_games

    games = write_random_games(tmp_path / "games")
    sl_cfg = SLConfig(preset="policy4x16", filters=8, steps=6, batch_size=8, lr=0.05, log_every=1, eval_every=3)
    train_sl(sl_cfg, games, tmp_path / "sl1")
    launch(2, "cpu", train_sl, sl_cfg, games, tmp_path / "sl2")
    one, two = _column(tmp_path / "sl1" / "log.csv", "loss"), _column(tmp_path / "sl2" / "log.csv", "loss")
    assert len(two) == 6 and np.allclose(one, two, rtol=1e-4), (one, two)
    # value: rank 0 generates the data while rank 1 waits, then both train on slices
    sl = save_weights(tmp_path / "p0.safetensors", tiny_policy(0))
    rl = save_weights(tmp_path / "p1.safetensors", tiny_policy(1))
    v_cfg = ValueConfig(positions=8, games_per_round=4, u_max=5, komi=0.5, preset="value4x16", filters=8)
    v_cfg = replace(v_cfg, steps=4, batch_size=4, lr=0.05, holdout=0.25, log_every=1, eval_every=2)
    train_value(v_cfg, sl, rl, tmp_path / "v1")
    metrics = launch(2, "cpu", train_value, v_cfg, sl, rl, tmp_path / "v2")
    assert metrics["step"] == 4
    one, two = _column(tmp_path / "v1" / "log.csv", "loss"), _column(tmp_path / "v2" / "log.csv", "loss")
    assert len(two) == 4 and np.allclose(one, two, rtol=1e-4), (one, two)
