"""Distillation and pruning with fine-tuning (``selfplay/zero/distill.py``, ``go-engine train distill|prune``)."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from cli.main import cli
from engine.board import Board
from engine.features import encode
from nets.checkpoint import load_checkpoint, load_weights, save_weights
from nets.factory import build_model
from nets.presets import preset
from selfplay.zero.distill import DistillConfig, distill, distill_loss, teacher_selfplay


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


@pytest.fixture
def teacher(tmp_path):
    torch.manual_seed(5)
    model = build_model(preset("b2c16", filters=8)).eval()
    with torch.no_grad():  # a peaked policy, so there is something to learn
        model.policy_fc.weight.mul_(5.0)
        model.policy_fc.bias.uniform_(-3.0, 3.0)
    planes, _, _ = teacher_selfplay(model, 4, 5, 0.5, 0, np.random.default_rng(1), "cpu")
    model.train()
    for m in model.modules():  # batch-norm statistics of real positions, as a trained net has
        if isinstance(m, torch.nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None
    with torch.no_grad():
        model(torch.from_numpy(planes.astype(np.float32)))
    return save_weights(tmp_path / "teacher.safetensors", model.eval())


def _cfg(**kw):
    # no symmetries: a random teacher is not equivariant, so its transformed labels would disagree
    base = dict(student="b2c16", games=6, komi=0.5, steps=30, batch_size=32, lr=3e-2, log_every=5, eval_every=10)
    base["symmetries"] = False
    base.update(kw)
    return DistillConfig(**base)


def _rows(folder):
    with open(folder / "log.csv") as f:
        return list(csv.DictReader(f))


def test_distill_loss_is_zero_at_the_teacher_and_matches_hand_kl():
    logits = torch.tensor([[0.0, 1.0, 2.0]])
    pi = torch.softmax(logits, 1)
    total, kl, mse = distill_loss(logits, torch.tensor([0.3]), pi, torch.tensor([0.3]))
    assert abs(float(total)) < 1e-6 and abs(float(kl)) < 1e-6 and float(mse) == 0.0
    q = torch.tensor([[0.5, 0.25, 0.25]])
    _, kl, mse = distill_loss(logits, torch.tensor([0.0]), q, torch.tensor([1.0]))
    hand = float((q * (q.log() - torch.log_softmax(logits, 1))).sum())
    assert float(kl) == pytest.approx(hand, rel=1e-5) and float(mse) == 1.0


def test_teacher_selfplay_plays_legal_games():
    model = build_model(preset("b2c16")).eval()
    planes, game, komi = teacher_selfplay(model, 3, 5, 0.5, 20, np.random.default_rng(0), "cpu")
    assert planes.shape[1:] == (17, 5, 5) and planes.dtype == np.uint8
    assert set(game.tolist()) == {0, 1, 2} and len(planes) == len(game) == len(komi) <= 60
    assert planes[0, :16].sum() == 0  # the first position is the empty board
    assert np.array_equal(komi, np.where(planes[:, 16, 0, 0] == 1, -0.5, 0.5))  # Black gives the komi


def test_a_komi_teacher_labels_and_teaches_through_its_komi_plane(tmp_path):
    torch.manual_seed(3)
    model = build_model(preset("b2c16", filters=8, in_planes=18, feature_set="agz17k")).eval()
    path = save_weights(tmp_path / "k.safetensors", model)
    res = distill(_cfg(komi=3.5, steps=10, games=4), path, tmp_path / "out")
    student = load_weights(res["weights"]).config
    assert (student.in_planes, student.feature_set) == (18, "agz17k")
    with np.load(tmp_path / "out" / "positions.npz") as d:
        planes, komi, pi = d["planes"], d["komi"], d["pi"]
    assert planes.shape[1] == 17 and set(np.unique(komi).tolist()) == {-3.5, 3.5}
    with torch.no_grad():  # row 0 (the empty board, Black to move) labelled as the teacher sees the real game
        logits, _ = model(torch.from_numpy(encode(Board(5, komi=3.5), "agz17k")[None]))
    assert np.allclose(pi[0], torch.softmax(logits, 1)[0].numpy(), atol=1e-5)


def test_student_learns_the_teacher_and_resumes(tmp_path, teacher):
    res = distill(_cfg(), teacher, tmp_path / "a")
    rows = _rows(tmp_path / "a")
    first, last = float(rows[0]["heldout_kl"]), float(res["heldout_kl"])
    assert last < 0.7 * first, (first, last)
    student = load_weights(res["weights"])
    assert student.config.filters == 16 and student.meta["trainer"] == "distill"
    # stop at 10 then resume: the same weights as 30 straight (positions cached, RNG in the checkpoint)
    distill(_cfg(), teacher, tmp_path / "b", stop_at=10)
    assert load_checkpoint(tmp_path / "b" / "checkpoint.pt").step == 10
    distill(_cfg(), teacher, tmp_path / "b")
    a, b = load_weights(tmp_path / "a" / "weights.safetensors"), load_weights(tmp_path / "b" / "weights.safetensors")
    for k, v in a.model.state_dict().items():
        assert torch.equal(v, b.model.state_dict()[k]), k


def test_prune_cli_fine_tunes_a_smaller_net(tmp_path, teacher):
    out = tmp_path / "p"
    args = ["train", "prune", "--net", str(teacher), "--fraction", "0.5", "--out", str(out), "--games", "4"]
    args += ["--komi", "0.5", "--steps", "30", "--batch", "32", "--lr", "0.01", "--no-symmetries", "--eval-every", "10"]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    net = load_weights(out / "weights.safetensors")
    assert net.config.filters == 4 and net.meta["prune"] == 0.5
    rows = _rows(out)
    assert rows[0]["step"] == "0" and float(rows[-1]["heldout_kl"]) < 0.8 * float(rows[0]["heldout_kl"])


def test_a_policy_net_is_no_teacher(tmp_path):
    path = save_weights(tmp_path / "p.safetensors", build_model(preset("policy4x16")))
    res = CliRunner().invoke(cli, ["train", "distill", "--teacher", str(path), "--out", str(tmp_path / "o")])
    assert res.exit_code == 1 and "must be an AlphaGo Zero resnet" in res.output
