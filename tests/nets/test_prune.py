"""Structured pruning (``nets/prune.py``): dead channels go without changing the outputs; files load."""

from __future__ import annotations

import pytest
import torch

from nets.checkpoint import load_weights, save_weights
from nets.factory import build_model
from nets.presets import preset
from nets.prune import kept_channels, prune_resnet, trunk_importance


def _net(seed=0):
    torch.manual_seed(seed)
    model = build_model(preset("b2c16", blocks=2)).eval()
    with torch.no_grad():  # non-trivial batch-norm statistics and scales
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    return model


def test_kept_channels():
    assert kept_channels(64, 0.5) == 32 and kept_channels(64, 0.0) == 64 and kept_channels(3, 0.9) == 1
    with pytest.raises(ValueError, match="fraction"):
        kept_channels(64, 1.0)


def test_fraction_zero_is_the_same_net():
    model = _net()
    x = torch.rand(4, 17, 5, 5)
    same = prune_resnet(model, 0.0)
    for a, b in zip(model(x), same(x), strict=True):
        torch.testing.assert_close(a, b)


def test_dead_channels_are_the_ones_removed_and_outputs_do_not_change():
    model = _net(1)
    dead_trunk, dead_inner = [1, 4, 6, 9, 10, 12, 13, 15], [0, 2, 3, 5, 7, 8, 11, 14]
    with torch.no_grad():  # zero scale and shift: these channels are exactly 0 after the ReLU
        for bn in [model.stem[1]] + [b.bn2 for b in model.tower]:
            bn.weight[dead_trunk], bn.bias[dead_trunk] = 0.0, 0.0
        for b in model.tower:
            b.bn1.weight[dead_inner], b.bn1.bias[dead_inner] = 0.0, 0.0
    assert trunk_importance(model)[dead_trunk].sum() == 0
    small = prune_resnet(model, 0.5)
    assert small.cfg.filters == 8 and small.cfg.blocks == model.cfg.blocks
    assert small.tower[0].conv1.weight.shape == (8, 8, 3, 3)
    x = torch.rand(6, 17, 5, 5)
    for a, b in zip(model(x), small(x), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)
    bigger_cut = prune_resnet(model, 0.75)  # now live channels go: the outputs move
    assert not torch.allclose(model(x)[0], bigger_cut(x)[0], atol=1e-3)


def test_pruned_net_saves_and_loads(tmp_path):
    small = prune_resnet(_net(), 0.5)
    path = save_weights(tmp_path / "p.safetensors", small)
    loaded = load_weights(path)
    assert loaded.config.filters == 8
    x = torch.rand(2, 17, 5, 5)
    torch.testing.assert_close(loaded.model(x)[0], small(x)[0])


def test_only_resnets_prune():
    with pytest.raises(ValueError, match="resnet"):
        prune_resnet(build_model(preset("policy4x16")), 0.5)
