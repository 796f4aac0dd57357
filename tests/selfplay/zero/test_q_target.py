"""The search's root value as a value target: kept per sample, read by the window, mixed with z."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nets.checkpoint import load_weights
from selfplay.config import TrainConfig
from selfplay.zero.shards import load_window, read_shard, shard_name, value_target, write_shard
from selfplay.zero.train import train
from selfplay.zero.worker import run_selfplay
from tests.selfplay.zero.helpers import tiny_config, with_train


def shard(folder, g, n=8, q=None, seed=0):
    rng = np.random.default_rng(seed)
    planes = rng.integers(0, 2, (n, 17, 5, 5))
    extra = {} if q is None else {"q": np.full(n, q, np.float32)}
    write_shard(
        folder / "shards" / shard_name(0, g),
        planes,
        np.full((n, 26), 1 / 26, np.float32),
        rng.choice([-1, 1], n),
        np.ones(n),
        {"feature_set": "agz17"},
        **extra,
    )


def test_compiled_selfplay_keeps_each_sample_root_value(tmp_path):
    run_selfplay(tiny_config(games=2, games_per_worker_batch=2), tmp_path, progress=False)
    for path in sorted((tmp_path / "shards").iterdir()):
        d = read_shard(path)
        assert d["q"].dtype == np.float32 and d["q"].shape == d["z"].shape
        assert np.all(np.abs(d["q"]) <= 1.0)


def test_window_and_targets_mix_z_and_q_and_old_shards_keep_z(tmp_path):
    shard(tmp_path, 0)
    assert load_window(tmp_path / "shards", 100).q is None
    shard(tmp_path, 1, q=0.25, seed=1)
    w = load_window(tmp_path / "shards", 100)
    z = w.z.astype(np.float32)
    assert np.array_equal(w.q[:8], z[:8]) and np.all(w.q[8:] == 0.25)
    rows = np.array([0, 3, 8, 15])
    assert np.array_equal(value_target(w, rows, 0.0), z[rows])
    np.testing.assert_allclose(value_target(w, rows, 0.5), [z[0], z[3], 0.5 * z[8] + 0.125, 0.5 * z[15] + 0.125])
    with pytest.raises(ValueError, match="q_weight"):
        TrainConfig(q_weight=1.5)


@pytest.mark.parametrize("q_weight", [0.0, 1.0])
def test_the_value_head_follows_the_mixed_target(tmp_path, q_weight):
    """q is always 0.6 and z a coin flip: only q_weight 1 pulls the mean value to 0.6."""
    torch.set_num_threads(1)
    for g in range(3):
        shard(tmp_path, g, n=16, q=0.6, seed=g)
    kw = dict(steps=60, lr=0.01, lr_schedule="constant", optimizer="adamw", lr_milestones=(), q_weight=q_weight)
    train(with_train(tiny_config(), **kw), tmp_path, export=tmp_path / "net.safetensors")
    model = load_weights(tmp_path / "net.safetensors").model.eval()
    w = load_window(tmp_path / "shards", 100)
    with torch.no_grad():
        _, values = model(torch.from_numpy(w.planes.astype(np.float32)))
    mean = float(values.mean())
    assert float(w.z.mean()) < 0.0  # the seeds give z a mean far below q's
    assert (mean > 0.45) if q_weight else (mean < 0.2), mean
