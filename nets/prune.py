"""Structured magnitude pruning of an AlphaGo Zero ``ResNet``: whole channels out, a smaller dense net.

Vocabulary:

=================  ================================================================================
word               meaning
=================  ================================================================================
trunk channel      one of the ``filters`` channels of the residual stream: written by the input
                   block and by every residual block's second conv (``x + bn2(conv2(...))``), read
                   by every block's first conv and by both heads
inner channel      one of the ``filters`` channels between a residual block's two convs
importance         of a trunk channel: the sum of ``|gamma|`` of the batch norms that write it (the
                   input block's and every block's ``bn2``); of an inner channel: ``|gamma|`` of
                   that block's ``bn1`` (network slimming, Liu et al. 2017, "Learning Efficient
                   Convolutional Networks through Network Slimming", ICCV)
fraction           share of the channels removed: ``keep = max(1, round(filters * (1 - fraction)))``
=================  ================================================================================

``prune_resnet(model, fraction)`` keeps the ``keep`` most important trunk channels (the same set
everywhere, since the residual adds tie them together) and, per block, the ``keep`` most important
inner channels, and copies the surviving weights into a fresh ``ResNet`` whose ``NetConfig`` has
``filters = keep``. The result is an ordinary dense net: ``nets.checkpoint`` saves and loads it, the
search uses it unchanged, and on the CPU it costs about ``(keep / filters)^2`` of the trunk's
multiply-adds. Pruning alone loses accuracy; ``selfplay/zero/distill.py`` fine-tunes the pruned net
on the original's outputs (``go-engine train prune``).
"""

from __future__ import annotations

from dataclasses import replace

import torch
from torch import nn

from nets.factory import build_model


def kept_channels(filters: int, fraction: float) -> int:
    """How many of ``filters`` channels survive pruning ``fraction`` of them (at least 1).

    Raises:
        ValueError: if ``fraction`` is not in ``[0, 1)``.
    """
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"prune fraction must be in [0, 1), got {fraction}")
    return max(1, round(filters * (1.0 - fraction)))


def _top(scores: torch.Tensor, k: int) -> torch.Tensor:
    """Indices of the ``k`` largest scores, in increasing index order (keeps the channel order)."""
    return torch.sort(torch.topk(scores, k).indices).values


def trunk_importance(model: nn.Module) -> torch.Tensor:
    """``float[filters]``: sum of ``|gamma|`` over the batch norms that write each trunk channel."""
    score = model.stem[1].weight.detach().abs().clone()
    for block in model.tower:
        score += block.bn2.weight.detach().abs()
    return score


def _take_bn(dst: nn.BatchNorm2d, src: nn.BatchNorm2d, idx: torch.Tensor) -> None:
    for name in ("weight", "bias", "running_mean", "running_var"):
        getattr(dst, name).data.copy_(getattr(src, name).detach()[idx])
    dst.num_batches_tracked.data.copy_(src.num_batches_tracked)


def prune_resnet(model: nn.Module, fraction: float) -> nn.Module:
    """A smaller dense copy of ``model`` with ``fraction`` of its trunk and inner channels removed.

    Args:
        model: a ``resnet``-kind model from ``nets.factory.build_model`` (not modified).
        fraction: share of the channels to remove, in ``[0, 1)``.

    Returns:
        A new model (eval mode, CPU) whose ``cfg`` is ``model.cfg`` with ``filters`` = the kept count.

    Raises:
        ValueError: for a model that is not a ``resnet`` or a fraction outside ``[0, 1)``.
    """
    cfg = getattr(model, "cfg", None)
    if cfg is None or cfg.kind != "resnet":
        raise ValueError("structured pruning needs an AlphaGo Zero resnet (kind 'resnet')")
    keep = kept_channels(cfg.filters, fraction)
    src = model.to("cpu")
    out = build_model(replace(cfg, filters=keep)).eval()
    trunk = _top(trunk_importance(src), keep)
    with torch.no_grad():
        out.stem[0].weight.copy_(src.stem[0].weight[trunk])
        _take_bn(out.stem[1], src.stem[1], trunk)
        for new, old in zip(out.tower, src.tower, strict=True):
            inner = _top(old.bn1.weight.detach().abs(), keep)
            new.conv1.weight.copy_(old.conv1.weight[inner][:, trunk])
            _take_bn(new.bn1, old.bn1, inner)
            new.conv2.weight.copy_(old.conv2.weight[trunk][:, inner])
            _take_bn(new.bn2, old.bn2, trunk)
        for head in ("policy_conv", "value_conv"):
            new_h, old_h = getattr(out, head), getattr(src, head)
            new_h[0].weight.copy_(old_h[0].weight[:, trunk])
            _take_bn(new_h[1], old_h[1], torch.arange(old_h[1].num_features))
        out.policy_fc.load_state_dict(src.policy_fc.state_dict())
        out.value_mlp.load_state_dict(src.value_mlp.state_dict())
    return out
