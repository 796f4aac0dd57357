"""Net architectures: configs, presets, output shapes, pinned parameter counts, a training step."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from nets.config import NetConfig
from nets.factory import build_model, count_parameters, policy_value
from nets.presets import PRESETS, preset

NETS = Path(__file__).resolve().parents[2] / "nets"


# ------------------------------------------------------------------ hand-computed parameter counts
def resnet_params(p: int, c: int, blocks: int, n: int, pf: int = 2, vf: int = 1, hidden: int = 256) -> int:
    """AlphaGo Zero net: convs before BN have no bias; BN has weight + bias per channel."""
    a = n * n + 1
    stem = 3 * 3 * p * c + 2 * c
    tower = blocks * 2 * (3 * 3 * c * c + 2 * c)
    policy = c * pf + 2 * pf + (pf * n * n) * a + a
    value = c * vf + 2 * vf + (vf * n * n) * hidden + hidden + hidden * 1 + 1
    return stem + tower + policy + value


def lee_policy_params(p: int, k: int, layers: int, n: int) -> int:
    """AlphaGo Lee policy: 5x5 layer, layers-2 3x3 layers (with biases), 1x1 no bias, n*n biases, pass."""
    first = 5 * 5 * p * k + k
    middle = (layers - 2) * (3 * 3 * k * k + k)
    last = k * 1 + n * n
    return first + middle + last + 1


def lee_value_params(p: int, k: int, layers: int, n: int, hidden: int = 256) -> int:
    """AlphaGo Lee value: the policy's layers 1..L-1, an extra 3x3, 1x1 (bias), FC hidden, FC 1."""
    trunk = 5 * 5 * p * k + k + (layers - 2) * (3 * 3 * k * k + k)
    extra = 3 * 3 * k * k + k
    head = k * 1 + 1
    mlp = n * n * hidden + hidden + hidden * 1 + 1
    return trunk + extra + head + mlp


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("b20c256", resnet_params(p=17, c=256, blocks=19, n=19)),
        ("b10c128", resnet_params(p=17, c=128, blocks=9, n=19)),
        ("b6c64", resnet_params(p=17, c=64, blocks=5, n=9)),
        ("sl13x192", lee_policy_params(p=48, k=192, layers=13, n=19)),
        ("value13x192", lee_value_params(p=49, k=192, layers=13, n=19)),
    ],
)
def test_parameter_counts_of_published_presets(name, expected):
    assert count_parameters(build_model(PRESETS[name])) == expected


def test_published_shapes_are_as_in_the_papers():
    agz = PRESETS["b20c256"]
    assert (agz.blocks + 1, agz.filters, agz.in_planes, agz.board_size, agz.n_actions) == (20, 256, 17, 19, 362)
    lee = PRESETS["sl13x192"]
    assert (lee.kind, lee.blocks, lee.filters, lee.in_planes, lee.first_kernel) == ("policy", 13, 192, 48, 5)
    assert PRESETS["value13x192"].in_planes == 49
    # 20-block Zero is about 23M parameters (the order of magnitude quoted for Leela Zero's 20x256).
    assert 22e6 < count_parameters(build_model(agz)) < 24e6


# ------------------------------------------------------------------ shapes
@pytest.mark.parametrize("name", ["b2c16", "policy4x16", "value4x16", "b6c64"])
def test_output_shapes(name):
    cfg = PRESETS[name]
    model = build_model(cfg).eval()
    x = torch.randn(3, cfg.in_planes, cfg.board_size, cfg.board_size)
    logits, values = policy_value(model, x)
    if cfg.kind in ("resnet", "policy"):
        assert logits.shape == (3, cfg.n_actions)
    else:
        assert logits is None
    if cfg.kind in ("resnet", "value"):
        assert values.shape == (3,)
        assert bool(((values >= -1) & (values <= 1)).all())
    else:
        assert values is None


@pytest.mark.parametrize("size", [5, 7, 9])
def test_board_size_is_a_parameter(size):
    model = build_model(preset("b2c16", board_size=size)).eval()
    logits, values = model(torch.zeros(2, 17, size, size))
    assert logits.shape == (2, size * size + 1) and values.shape == (2,)


def test_policy_pass_logit_is_a_learned_position_independent_parameter():
    model = build_model(PRESETS["policy4x16"])
    with torch.no_grad():
        model.pass_logit.fill_(1.5)
    logits = model(torch.randn(4, 17, 5, 5))
    assert torch.allclose(logits[:, -1], torch.full((4,), 1.5))


# ------------------------------------------------------------------ training step
@pytest.mark.parametrize("name", ["b2c16", "policy4x16", "value4x16"])
def test_forward_backward_step(name):
    cfg = PRESETS[name]
    model = build_model(cfg).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    x = torch.randn(8, cfg.in_planes, cfg.board_size, cfg.board_size)
    target_pi = torch.softmax(torch.randn(8, cfg.n_actions), 1)
    target_z = torch.randint(0, 2, (8,)).float() * 2 - 1
    before = [p.detach().clone() for p in model.parameters()]
    logits, values = policy_value(model, x)
    loss = torch.zeros(())
    if logits is not None:
        loss = loss - (target_pi * torch.log_softmax(logits, 1)).sum(1).mean()
    if values is not None:
        loss = loss + ((target_z - values) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    for p in model.parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all()
    opt.step()
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))


# ------------------------------------------------------------------ config
def test_config_round_trips_through_a_dict():
    cfg = PRESETS["value13x192"]
    assert NetConfig.from_dict(cfg.to_dict()) == cfg


@pytest.mark.parametrize(
    "bad",
    [dict(kind="mlp"), dict(filters=0), dict(board_size=-1), dict(first_kernel=4), dict(kind="policy", blocks=1)],
)
def test_config_rejects_bad_values(bad):
    with pytest.raises(ValueError):
        NetConfig(**bad)


def test_config_rejects_unknown_keys():
    with pytest.raises(ValueError, match="unknown NetConfig keys"):
        NetConfig.from_dict({"kind": "resnet", "channels": 3})


def test_preset_overrides_and_unknown_names():
    assert preset("b6c64", board_size=7).board_size == 7
    assert PRESETS["b6c64"].board_size == 9
    with pytest.raises(KeyError, match="b6c64"):
        preset("b7c7")


def test_build_model_keeps_config_and_rejects_non_configs():
    cfg = PRESETS["b2c16"]
    assert build_model(cfg).cfg is cfg
    with pytest.raises(TypeError):
        build_model(cfg.to_dict())


# ------------------------------------------------------------------ architecture rules
def test_config_modules_do_not_import_torch():
    code = "import sys, nets.config, nets.presets; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=NETS.parent)


@pytest.mark.parametrize("module", ["layers", "resnet", "policy", "value"])
def test_model_files_stay_small(module):
    assert len((NETS / "models" / f"{module}.py").read_text().splitlines()) <= 150
