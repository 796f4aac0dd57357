"""selfplay/rl/a3c.py and nets/models/actor_critic.py: returns and loss by hand, A2C/A3C plumbing, resume, Ray."""

from __future__ import annotations

import importlib.util
import math
import os

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from cli.main import cli
from nets.models.actor_critic import ActorCritic
from selfplay.rl.a3c import A3CConfig, a2c_loss, make_optimizer, nstep_returns, share_optimizer_state, train
from selfplay.rl.common import EnvSpec, load_rl_checkpoint, net_config
from tests.selfplay.rl.conftest import tiny_run


def tiny(tmp_path, **kw) -> A3CConfig:
    return tiny_run(A3CConfig, tmp_path, {"workers": 2, "total_steps": 80, "t_max": 5, "checkpoint_every": 40}, **kw)


# ------------------------------------------------------------------------------ returns and loss
def test_nstep_returns_by_hand():
    rewards = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 0.0]])
    dones = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 0.0]])
    boot = torch.tensor([0.5, -0.5])
    r = nstep_returns(rewards, dones, boot, 0.9)
    # env 0: the episode ends at t=1 (R_1 = 1, R_0 = 0.9), t=2 bootstraps; env 1: 0.9^k * -0.5
    expected = torch.tensor([[0.9, -0.5 * 0.9**3], [1.0, -0.5 * 0.9**2], [0.45, -0.45]])
    torch.testing.assert_close(r, expected)
    # self-play: each step flips the view (negamax)
    r = nstep_returns(torch.tensor([[0.0], [1.0]]), torch.tensor([[0.0], [1.0]]), torch.tensor([0.3]), 0.9, -1.0)
    torch.testing.assert_close(r, torch.tensor([[-0.9], [1.0]]))
    r = nstep_returns(torch.tensor([[0.0]]), torch.tensor([[0.0]]), torch.tensor([0.3]), 0.9, -1.0)
    torch.testing.assert_close(r, torch.tensor([[-0.27]]))


def test_a2c_loss_by_hand():
    logits = torch.tensor([[1.0, 2.0, 5.0], [0.0, 0.0, 0.0]], requires_grad=True)
    values = torch.tensor([0.5, 0.0], requires_grad=True)
    legal = torch.tensor([[1, 1, 0], [1, 1, 1]])  # action 2 of row 0 is illegal despite its logit
    loss, stats = a2c_loss(logits, values, legal, torch.tensor([1, 2]), torch.tensor([1.0, -1.0]), 0.01, 0.5)
    e = math.e
    p0 = np.array([1 / (1 + e), e / (1 + e)])
    logp_a = np.array([math.log(p0[1]), -math.log(3)])
    adv = np.array([0.5, -1.0])
    policy = -(logp_a * adv).mean()
    value = 0.5 * np.mean([0.25, 1.0])
    entropy = np.mean([-(p0 * np.log(p0)).sum(), math.log(3)])
    assert stats["policy_loss"] == pytest.approx(policy, rel=1e-5)
    assert stats["value_loss"] == pytest.approx(value, rel=1e-5)
    assert stats["entropy"] == pytest.approx(entropy, rel=1e-5)
    assert float(loss.detach()) == pytest.approx(policy + 0.5 * value - 0.01 * entropy, rel=1e-5)
    loss.backward()
    assert logits.grad[0, 2] == 0.0  # no gradient through an illegal action
    # the advantage is a constant for the policy term: d loss / d V = 0.5 * (V - R) / 2 only
    torch.testing.assert_close(values.grad, torch.tensor([0.5 * (0.5 - 1.0) / 2, 0.5 * (0.0 + 1.0) / 2]))


def test_actor_critic_shapes():
    net = ActorCritic(net_config(EnvSpec(size=5), blocks=2, filters=8, hidden=16))
    logits, value = net(torch.zeros(4, 4, 5, 5))
    assert logits.shape == (4, 26) and value.shape == (4,)
    assert bool((value.abs() <= 1).all())


def test_share_optimizer_state_changes_no_weight(tmp_path):
    cfg = tiny(tmp_path)
    net = ActorCritic(cfg.trunk())
    before = [p.detach().clone() for p in net.parameters()]
    opt = make_optimizer(cfg, net)
    share_optimizer_state(opt)
    for p, q in zip(before, net.parameters(), strict=True):
        torch.testing.assert_close(p, q)
    state = next(iter(opt.state.values()))
    assert float(state["step"]) == 0 and state["exp_avg"].is_shared()


# ------------------------------------------------------------------------------ plumbing
def test_sync_a2c_resume_is_exact(tmp_path):
    full = train(tiny(tmp_path / "full", sync=True))
    train(tiny(tmp_path / "split", sync=True, total_steps=40))
    resumed = train(tiny(tmp_path / "split", sync=True, resume=True))
    assert full["step"] == resumed["step"] == 80
    assert full["worker_pids"] == [os.getpid()]
    for pa, pb in zip(full["model"].parameters(), resumed["model"].parameters(), strict=True):
        torch.testing.assert_close(pa, pb, rtol=0, atol=0)


def test_a3c_two_workers_are_two_processes(tmp_path):
    out = train(tiny(tmp_path, total_steps=200))
    assert len(out["worker_pids"]) == 2 and os.getpid() not in out["worker_pids"]
    ck = load_rl_checkpoint(tmp_path / "run" / "checkpoints" / "latest.safetensors")
    assert ck.head == "actor_critic" and ck.step == out["step"] >= 60


def test_cli_smoke_a2c_selfplay(tmp_path):
    args = ["train", "a3c", "--sync", "--workers", "2", "--steps", "40", "--t-max", "5", "--mode", "selfplay"]
    args += ["--eval-every", "20", "--eval-games", "2", "--blocks", "2", "--filters", "8", "--checkpoint-every", "20"]
    result = CliRunner().invoke(cli, [*args, "--run-dir", str(tmp_path), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "done: step=40" in result.output
    assert (tmp_path / "checkpoints" / "step_20.safetensors").is_file()


@pytest.mark.skipif(importlib.util.find_spec("ray") is not None, reason="ray is installed")
def test_ray_address_without_ray_is_a_clear_error(tmp_path):
    with pytest.raises(RuntimeError, match="pip install"):
        train(tiny(tmp_path, ray_address="local"))


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray not installed")
def test_ray_actors_train(tmp_path):
    out = train(tiny(tmp_path, ray_address="local", total_steps=200))
    assert out["step"] >= 200 and len(out["worker_pids"]) == 2
