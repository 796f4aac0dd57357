"""selfplay/rl/common.py: RL nets as safetensors, old .pt nets, and resuming an old run."""

from __future__ import annotations

import pytest
import torch

from nets.checkpoint import CheckpointError, load_weights, save_weights
from nets.factory import build_model
from selfplay.rl.common import (
    EnvSpec,
    build_rl_net,
    load_rl_checkpoint,
    net_config,
    restore_state,
    save_rl_checkpoint,
    save_rl_weights,
)


def _net(head):
    return build_rl_net(head, net_config(EnvSpec(size=5), blocks=2, filters=4, hidden=8)).eval()


def _same(a, b):
    x = torch.randn(2, a.cfg.in_planes, 5, 5, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        oa, ob = a(x), b(x)
    for u, v in zip(oa if isinstance(oa, tuple) else (oa,), ob if isinstance(ob, tuple) else (ob,), strict=True):
        torch.testing.assert_close(u, v, rtol=0, atol=0)


@pytest.mark.parametrize("head", ["dqn", "actor_critic"])
def test_rl_weights_are_safetensors_read_by_both_loaders(tmp_path, head):
    model = _net(head)
    path = save_rl_weights(tmp_path / "n.safetensors", model, head=head, step=5, trainer={"lr": 1}, extra={"x": 2})
    assert path.read_bytes()[8:9] == b"{"  # a safetensors header, not a zip/pickle
    generic = load_weights(path)
    assert generic.head == head and generic.meta["trainer"] == {"lr": 1}
    ck = load_rl_checkpoint(path)
    assert (ck.head, ck.step, ck.meta["x"]) == (head, 5, 2)
    _same(model, generic.model)
    _same(model, ck.model)


def test_old_pt_nets_still_load(tmp_path):
    model = _net("dqn")
    path = save_rl_checkpoint(tmp_path / "old.pt", model, None, head="dqn", step=3, trainer={})
    ck = load_rl_checkpoint(path)
    assert ck.head == "dqn" and ck.step == 3
    _same(model, ck.model)


def test_a_non_rl_safetensors_net_is_refused_clearly(tmp_path):
    cfg = net_config(EnvSpec(size=5), blocks=2, filters=4, hidden=8)
    path = save_weights(tmp_path / "policy.safetensors", build_model(cfg))
    with pytest.raises(CheckpointError, match="not a DQN or actor-critic net"):
        load_rl_checkpoint(path)


def test_restore_state_prefers_train_state_and_falls_back_to_an_old_latest_pt(tmp_path):
    model = _net("dqn")
    opt = torch.optim.Adam(model.parameters())
    save_rl_checkpoint(tmp_path / "latest.pt", model, opt, head="dqn", step=10, trainer={})
    assert restore_state(tmp_path, torch.optim.Adam(model.parameters())).step == 10
    save_rl_checkpoint(tmp_path / "train_state.pt", model, opt, head="dqn", step=20, trainer={})
    assert restore_state(tmp_path, torch.optim.Adam(model.parameters())).step == 20
