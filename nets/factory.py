"""``build_model(cfg)``: the one place that maps a ``NetConfig`` to its ``nn.Module``.

=========  =====================  =============================================================
kind       class                  ``forward(planes [B, in_planes, n, n])`` returns
=========  =====================  =============================================================
resnet     ``nets.models.resnet.ResNet``     ``(logits [B, n*n+1], values [B])``
policy     ``nets.models.policy.PolicyNet``  ``logits [B, n*n+1]``
value      ``nets.models.value.ValueNet``    ``values [B]``
=========  =====================  =============================================================

The reinforcement-learning nets read a ``kind="policy"`` trunk config and add their own heads;
``build_model(cfg, head)`` builds them by head name (``RL_HEADS``): ``"dqn"`` ->
``nets.models.dqn.DuelingQNet``, ``"actor_critic"`` -> ``nets.models.actor_critic.ActorCritic``.

``policy_value(model, planes)`` gives every kind the same ``(logits | None, values | None)``
shape, for code (the evaluator, generic trainers) that serves all of them. Every built model
keeps its config as ``model.cfg``.
"""

from __future__ import annotations

import torch
from torch import nn

from nets.config import NetConfig
from nets.models.actor_critic import ActorCritic
from nets.models.dqn import DuelingQNet
from nets.models.policy import PolicyNet
from nets.models.resnet import ResNet
from nets.models.value import ValueNet

_MODELS: dict[str, type[nn.Module]] = {"resnet": ResNet, "policy": PolicyNet, "value": ValueNet}
RL_HEADS: dict[str, type[nn.Module]] = {"dqn": DuelingQNet, "actor_critic": ActorCritic}
"""reinforcement-learning nets by head name (their configs are ``kind="policy"`` trunks)"""


def build_model(cfg: NetConfig, head: str | None = None) -> nn.Module:
    """A freshly initialised model of ``cfg.kind``, or of RL ``head`` (CPU, float32, train mode).

    Raises:
        TypeError: if ``cfg`` is not a ``NetConfig``.
        ValueError: for an unknown ``head``.
    """
    if not isinstance(cfg, NetConfig):
        raise TypeError(f"build_model needs a NetConfig, got {type(cfg).__name__}")
    if head:
        if head not in RL_HEADS:
            raise ValueError(f"unknown RL head {head!r}; known: {sorted(RL_HEADS)}")
        return RL_HEADS[head](cfg)
    return _MODELS[cfg.kind](cfg)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters (batch-norm running statistics are buffers, not counted)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def policy_value(model: nn.Module, planes: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    """Run ``model`` and return ``(logits [B, n*n+1] or None, values [B] or None)`` whatever its kind."""
    out = model(planes)
    kind = model.cfg.kind
    if kind == "resnet":
        return out
    return (out, None) if kind == "policy" else (None, out)
