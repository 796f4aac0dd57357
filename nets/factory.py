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

*Subnormal* floats (magnitude below 1.2e-38) cost an x86 core a microcode assist per operation:
a trained net whose weight decay left 15% of its weights subnormal ran its fp32 forward pass 17x
slower (docs/benchmarks.md). Importing this module therefore sets the CPU to flush them to zero
(``flush_subnormals``: FTZ/DAZ, inherited by the threads the process starts afterwards, torch's
intra-op pool among them), and ``zero_subnormals`` clears them from loaded weights, so threads
started before the import run at full speed too. Values that small change no output.
"""

from __future__ import annotations

from dataclasses import replace

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


def flush_subnormals() -> bool:
    """Make this thread (and the threads it starts) treat subnormal floats as zero; False if unsupported."""
    return torch.set_flush_denormal(True)


def zero_subnormals(t: torch.Tensor) -> torch.Tensor:
    """``t`` with its subnormal entries set to 0 (other tensors and dtypes unchanged)."""
    if not t.is_floating_point():
        return t
    return t.masked_fill(t.abs() < torch.finfo(t.dtype).tiny, 0)


flush_subnormals()


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


GROWABLE = ("in_planes", "feature_set", "ownership_head", "score_head")
"""the ``NetConfig`` fields ``widen_input`` may change: input planes appended, auxiliary heads added"""


def widen_input(model: nn.Module, cfg: NetConfig) -> nn.Module:
    """A ``cfg`` net that computes what ``model`` does: its weights, zeros for the planes it adds.

    ``cfg`` must be ``model.cfg`` with more input planes appended (``agz17`` -> ``agz17k``: the
    komi plane) and/or KataGo's auxiliary heads switched on (``ownership_head``, ``score_head``).
    The first layer's weights for the new planes start at zero, so the net ignores them until
    training teaches it their meaning; new heads start freshly initialised and change neither the
    policy nor the value, so the grown net plays exactly as ``model`` did.

    Raises:
        ValueError: if ``cfg`` differs from ``model.cfg`` in more than ``GROWABLE``, has fewer
            planes, or drops a head.
    """
    old = model.cfg
    kept = {f: getattr(old, f) for f in GROWABLE}
    drops = [h for h in ("ownership_head", "score_head") if getattr(old, h) and not getattr(cfg, h)]
    if replace(cfg, **kept) != old or cfg.in_planes < old.in_planes or drops:
        raise ValueError(f"cannot widen a {old} net into {cfg}: only input planes and aux heads may be added")
    new = build_model(cfg)
    state = new.state_dict()
    for name, w in model.state_dict().items():
        if state[name].shape == w.shape:
            state[name] = w.clone()
        else:  # the first layer: [out, in_planes, k, k]
            state[name] = torch.zeros_like(state[name])
            state[name][:, : w.shape[1]] = w
    new.load_state_dict(state)
    return new.eval()


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
