"""The AlphaGo Zero trainer: the loss against hand computation, the schedule, augmentation, exact resume."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from engine.symmetry import apply_actions, apply_planes
from nets.checkpoint import load_checkpoint
from selfplay.zero.train import augment, lr_at, train, zero_loss
from tests.selfplay.zero.fake_games import write_fake_games
from tests.selfplay.zero.helpers import tiny_config, with_train


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


def test_zero_loss_by_hand():
    logits = torch.tensor([[0.0, math.log(3.0)], [math.log(2.0), 0.0]])  # p = (1/4, 3/4), (2/3, 1/3)
    values = torch.tensor([0.5, -1.0])
    pi = torch.tensor([[0.0, 1.0], [0.5, 0.5]])
    z = torch.tensor([1.0, 1.0])
    w = torch.tensor([[1.0, 2.0]])
    out = zero_loss(logits, values, pi, z, [w], c=0.1)
    value = ((1 - 0.5) ** 2 + (1 + 1) ** 2) / 2  # 2.125
    policy = (-math.log(3 / 4) - 0.5 * math.log(2 / 3) - 0.5 * math.log(1 / 3)) / 2
    l2 = 0.1 * (1 + 4)
    assert out.value.item() == pytest.approx(value)
    assert out.policy.item() == pytest.approx(policy, rel=1e-6)
    assert out.l2.item() == pytest.approx(l2)
    assert out.total.item() == pytest.approx(value + policy + l2, rel=1e-6)
    assert zero_loss(logits, values, pi, z).l2.item() == 0.0


def test_lr_schedules():
    tc = tiny_config().train
    step = replace(tc, steps=100, lr=1.0, lr_schedule="step", lr_milestones=(0.5, 0.75))
    assert [lr_at(step, s) for s in (0, 49, 50, 75, 99)] == pytest.approx([1, 1, 0.1, 0.01, 0.01])
    cos = replace(step, lr_schedule="cosine")
    assert lr_at(cos, 0) == 1.0 and lr_at(cos, 50) == pytest.approx(0.5)
    warm = replace(step, warmup_steps=4)
    assert lr_at(warm, 0) == 0.25


def test_augment_applies_the_same_symmetry_to_planes_and_pi():
    rng = np.random.default_rng(0)
    planes = rng.integers(0, 2, (3, 17, 5, 5)).astype(np.uint8)
    pi = rng.random((3, 26)).astype(np.float32)
    trans = np.array([0, 3, 5])
    x, p = augment(planes, pi, trans)
    for i, t in enumerate(trans):
        np.testing.assert_array_equal(x[i], apply_planes(planes[i : i + 1].astype(np.float32), int(t))[0])
        np.testing.assert_array_equal(p[i], apply_actions(pi[i : i + 1], int(t))[0])
    assert p[:, -1].tolist() == pi[:, -1].tolist()  # pass stays


def _fake_run(folder, n_games=3, n=12):
    write_fake_games(folder, n_games, n, seed=1, policy=lambda rng, n: rng.random((n, 26)).astype(np.float32))


def test_resume_is_bit_exact(tmp_path):
    cfg = with_train(tiny_config(), steps=4, checkpoint_every=1)
    for name in ("a", "b"):
        _fake_run(tmp_path / name)
    train(cfg, tmp_path / "a", stop_at=2)
    assert load_checkpoint(tmp_path / "a" / "train" / "checkpoint.pt").step == 2
    ra = train(cfg, tmp_path / "a")
    rb = train(cfg, tmp_path / "b")
    assert ra.step == rb.step == 4
    sa = load_checkpoint(ra.checkpoint).model.state_dict()
    sb = load_checkpoint(rb.checkpoint).model.state_dict()
    assert sa.keys() == sb.keys()
    for k in sa:
        assert torch.equal(sa[k], sb[k]), k
    rows = (tmp_path / "a" / "train" / "log.csv").read_text().splitlines()
    assert rows[0].startswith("step,loss,value_loss") and len(rows) == 5


def test_train_lowers_the_loss_and_exports(tmp_path):
    cfg = with_train(
        tiny_config(), steps=30, lr=0.05, lr_schedule="constant", log_every=1, optimizer="adamw", lr_milestones=()
    )
    _fake_run(tmp_path, n_games=1, n=8)
    res = train(cfg, tmp_path, export=tmp_path / "net.safetensors")
    rows = (tmp_path / "train" / "log.csv").read_text().splitlines()[1:]
    first, last = float(rows[0].split(",")[1]), float(rows[-1].split(",")[1])
    assert last < first
    assert res.exported.exists()
