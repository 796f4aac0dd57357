"""``nets.precision``: bf16 and int8 nets agree with fp32 on real positions; names and fallbacks.

The positions are every position of 12 GNU Go self-play games on 9x9 (tests/data/gnugo9, made by
``go-engine data gnugo --level 0``), 537 in all. Tolerances: on 10,000 such positions the shipped
9x9 net measured 98.6% (bf16) and about 97% (int8) policy top-1 agreement with fp32 and a value
MSE under 1e-4 (docs/benchmarks.md); here, on fewer positions, 95% / 93% and 1e-3.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.features import encode
from engine.sgf import record_to_board
from nets.checkpoint import load_weights
from nets.evaluator import TorchEvaluator
from nets.factory import policy_value
from nets.lee_player import SL_FILE, VALUE_FILE
from nets.precision import (
    CHOICES,
    PRECISIONS,
    calibration_planes,
    int8_engine,
    native_bf16,
    prepare_net,
    resolve_precision,
)
from nets.weights import shipped, shipped_lee
from selfplay.config import PRECISIONS as CONFIG_PRECISIONS
from selfplay.config import SelfPlayConfig
from selfplay.records import load_sgf_folder

GAMES = Path(__file__).parents[1] / "data" / "gnugo9"
needs_int8 = pytest.mark.skipif(int8_engine() is None, reason="no x86/fbgemm quantized engine in this torch")


def real_positions(*feature_sets: str) -> tuple[list[np.ndarray], np.ndarray]:
    """Planes (one array per feature set) and legal masks of every position of the test games."""
    records, _ = load_sgf_folder(GAMES)
    planes, legal = [[] for _ in feature_sets], []
    for rec in records:
        board = record_to_board(rec, moves=0)
        for color, action in rec.moves:
            board.to_play = color
            for acc, fs in zip(planes, feature_sets, strict=True):
                acc.append(encode(board, fs))
            legal.append(board.legal_mask())
            board.play(action, color)
    return [np.stack(p).astype(np.float32) for p in planes], np.stack(legal) != 0


@pytest.fixture(scope="module")
def zero9():
    return load_weights(shipped()[9][0]).model.eval()


@pytest.fixture(scope="module")
def positions(zero9):
    (planes,), legal = real_positions(zero9.cfg.feature_set)
    return planes, legal


def outputs(net, planes: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
    with torch.inference_mode():
        logits, values = policy_value(net, torch.from_numpy(planes))
    return (None if logits is None else logits.float().numpy()), (None if values is None else values.float().numpy())


def agreement(a: np.ndarray, b: np.ndarray, legal: np.ndarray) -> float:
    """Share of positions whose best legal move is the same under logits ``a`` and ``b``."""
    best = [np.argmax(np.where(legal, x, -np.inf), axis=1) for x in (a, b)]
    return float(np.mean(best[0] == best[1]))


def assert_close_to_fp32(model, fast, planes, legal, top1: float, mse: float = 1e-3) -> None:
    (ref_p, ref_v), (p, v) = outputs(model, planes), outputs(fast, planes)
    if ref_p is not None:
        assert p.shape == ref_p.shape and p.dtype == np.float32
        assert agreement(ref_p, p, legal) >= top1
    if ref_v is not None:
        assert v.shape == ref_v.shape and v.dtype == np.float32
        assert float(np.mean((v - ref_v) ** 2)) < mse


def test_the_test_games_are_many_real_positions(zero9, positions):
    planes, legal = positions
    assert len(planes) > 500 and planes.shape[1:] == (zero9.cfg.in_planes, 9, 9) and legal.shape == (len(planes), 82)


def test_bf16_agrees_with_fp32_on_real_positions(zero9, positions):
    fast = prepare_net(zero9, "bf16")
    assert fast.cfg == zero9.cfg and fast.precision == "bf16"
    assert_close_to_fp32(zero9, fast, *positions, top1=0.95)


@needs_int8
def test_int8_agrees_with_fp32_on_real_positions(zero9, positions):
    calibration = calibration_planes(zero9, count=128, games=8, seed=3)
    fast = prepare_net(zero9, "int8", calibration)
    assert fast.precision == "int8"
    assert_close_to_fp32(zero9, fast, *positions, top1=0.93)
    assert fast(torch.from_numpy(positions[0][:1]))[0].shape == (1, 82)  # any batch size


@needs_int8
@pytest.mark.slow
def test_int8_with_its_default_calibration(zero9, positions):
    assert_close_to_fp32(zero9, prepare_net(zero9, "int8"), *positions, top1=0.95)


def test_fp32_is_the_model_itself(zero9):
    assert prepare_net(zero9, "fp32") is zero9


@needs_int8
@pytest.mark.parametrize("precision", ["bf16", "int8"])
def test_lee_nets_agree_with_fp32(precision):
    folder = shipped_lee()[9][0]
    policy, value = (load_weights(folder / f).model.eval() for f in (SL_FILE, VALUE_FILE))
    (p_planes, v_planes), legal = real_positions(policy.cfg.feature_set, value.cfg.feature_set)
    cal = [None, None]
    if precision == "int8":
        cal = calibration_planes(policy, count=128, games=8, feature_sets=("aglee48", "aglee49"))
        assert [c.shape[1] for c in cal] == [48, 49]
    idx = slice(0, 200)  # the Lee encoding is slow; 200 positions suffice
    assert_close_to_fp32(policy, prepare_net(policy, precision, cal[0]), p_planes[idx], legal[idx], top1=0.9)
    assert_close_to_fp32(value, prepare_net(value, precision, cal[1]), v_planes[idx], legal[idx], top1=0.9, mse=3e-3)


def test_calibration_games_are_seeded_and_varied(zero9):
    a = calibration_planes(zero9, count=64, games=4, seed=1)
    assert a.shape == (64, zero9.cfg.in_planes, 9, 9) and a.dtype == np.float32
    assert np.array_equal(a, calibration_planes(zero9, count=64, games=4, seed=1))
    stones = a[:, 0].sum(axis=(1, 2)) + a[:, 8].sum(axis=(1, 2))
    assert len(np.unique(stones)) > 10  # positions from all phases of the games, not one


def test_a_value_net_calibrates_on_random_games():
    value = load_weights(shipped_lee()[9][0] / VALUE_FILE).model.eval()
    planes = calibration_planes(value, count=32, games=2, seed=0)
    assert planes.shape == (32, 49, 9, 9) and planes[:, :3].sum() > 0


def test_evaluator_runs_the_fast_net(zero9, positions):
    planes, legal = positions
    ref = TorchEvaluator(zero9, symmetries=False)
    fast = TorchEvaluator(load_weights(shipped()[9][0]).model, symmetries=False, precision="bf16")
    assert fast.precision == ("bf16" if native_bf16() else "fp32")
    (p0, v0), (p1, v1) = ref.evaluate_planes(planes[:64], legal[:64]), fast.evaluate_planes(planes[:64], legal[:64])
    assert np.allclose(p1.sum(axis=1), 1.0, atol=1e-5) and not p1[~legal[:64]].any()
    # bf16 keeps 8 bits of mantissa: on the shipped net (2026-12-05) the largest moves over the 525
    # positions are 0.060 in a value and 0.036 in a prior (the accuracy bounds are in the tests above)
    assert np.abs(v1 - v0).max() < 0.1 and np.abs(p1 - p0).max() < 0.1


def test_unknown_precision_is_a_clear_error(zero9):
    with pytest.raises(ValueError, match="unknown precision 'fp16'; choose one of auto, fp32, bf16, int8"):
        resolve_precision("fp16")
    with pytest.raises(ValueError, match="unknown precision"):
        TorchEvaluator(zero9, precision="int4")
    with pytest.raises(ValueError, match="precision must be one of"):
        SelfPlayConfig(precision="half")
    assert CONFIG_PRECISIONS == CHOICES and set(PRECISIONS) < set(CHOICES)


def test_auto_is_int8_where_torch_can_quantize():
    assert resolve_precision("auto") == ("int8" if int8_engine() is not None else "fp32")
    assert resolve_precision("auto", "cuda") == "fp32"


def test_off_the_cpu_the_fast_paths_fall_back_with_one_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="go_engine.nets"):
        assert resolve_precision("int8", "cuda:0") == "fp32"
    assert len(caplog.records) == 1 and "precision int8 unavailable" in caplog.text


def test_a_cpu_without_bfloat16_falls_back(monkeypatch, caplog):
    for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported"):
        monkeypatch.setattr(torch.cpu, name, lambda: False)
    with caplog.at_level(logging.WARNING, logger="go_engine.nets"):
        assert resolve_precision("bf16") == "fp32"
    assert len(caplog.records) == 1 and "no native bfloat16" in caplog.text


def test_a_torch_without_fx_quantization_falls_back(monkeypatch, caplog, zero9):
    monkeypatch.setitem(sys.modules, "torch.ao.quantization.quantize_fx", None)  # import fails
    with caplog.at_level(logging.WARNING, logger="go_engine.nets"):
        ev = TorchEvaluator(zero9, precision="int8")
    assert ev.precision == "fp32" and ev.net is ev.model
    assert len(caplog.records) == 1 and "quantized engine" in caplog.text
    assert resolve_precision("auto") == "fp32"  # auto's int8 needs the engine too
    with pytest.raises(RuntimeError, match="int8 needs"):
        prepare_net(zero9, "int8")
