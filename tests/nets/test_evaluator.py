"""TorchEvaluator: symmetry handling, legal masking, kinds, and the engine.search.mcts.Evaluator protocol."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.board import Board
from engine.config import MCTSConfig
from engine.features import encode
from engine.search.mcts import MCTS, Evaluator
from engine.symmetry import N_SYMMETRIES, apply_actions, apply_planes, inverse
from nets.evaluator import TorchEvaluator
from nets.factory import build_model
from nets.presets import PRESETS, preset

SIZE = 5


def _position(moves=(6, 7, 12, 8, 18, 13, 0)) -> Board:
    b = Board(SIZE)
    for a in moves:
        b.play(a)
    return b


def _model(name: str = "b2c16"):
    model = build_model(PRESETS[name])
    with torch.no_grad():  # random, asymmetric BN statistics so transforms matter
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.normal_(0, 0.3)
                m.running_var.uniform_(0.5, 1.5)
    return model.eval()


def _raw(model, planes: np.ndarray, t: int):
    """Model output on planes transformed by t, mapped back: (logits, value)."""
    with torch.no_grad():
        logits, values = model(torch.from_numpy(apply_planes(planes, t)[None]))
    return apply_actions(logits[0].numpy(), inverse(t)), float(values[0])


def _masked_softmax(logits, legal):
    z = np.where(legal != 0, logits, -np.inf)
    p = np.exp(z - z.max())
    return p / p.sum()


def test_satisfies_the_mcts_protocol_and_runs_a_search():
    ev = TorchEvaluator(_model(), seed=0)
    assert isinstance(ev, Evaluator)
    mcts = MCTS(MCTSConfig(num_simulations=24, batch_size=4), ev, seed=0)
    done = mcts.search(_position())
    assert done == 24 and mcts.pending_virtual_loss() == 0
    assert sum(c.visits for c in mcts.root_children()) == mcts.root_visits() - 1


def test_without_symmetries_equals_the_raw_model():
    model, board = _model(), _position()
    ev = TorchEvaluator(model, symmetries=False)
    priors, values = ev.evaluate_boards([board])
    logits, value = _raw(model, encode(board), 0)
    np.testing.assert_allclose(priors[0], _masked_softmax(logits, board.legal_mask()), rtol=1e-5, atol=1e-7)
    assert values[0] == pytest.approx(value, abs=1e-6)


@pytest.mark.parametrize("t", range(N_SYMMETRIES))
def test_explicit_transform_equals_transforming_by_hand(t):
    model, board = _model(), _position()
    ev = TorchEvaluator(model, symmetries=False)
    planes, legal = encode(board)[None], board.legal_mask()[None]
    priors, values = ev.evaluate_planes(planes, legal, transforms=np.array([t]))
    logits, value = _raw(model, planes[0], t)
    np.testing.assert_allclose(priors[0], _masked_softmax(logits, legal[0]), rtol=1e-5, atol=1e-7)
    assert values[0] == pytest.approx(value, abs=1e-6)


def test_random_symmetry_picks_one_of_the_eight_per_position():
    model, board = _model(), _position()
    planes, legal = encode(board)[None], board.legal_mask()[None]
    ref = TorchEvaluator(model, symmetries=False)
    per_t = [ref.evaluate_planes(planes, legal, transforms=np.array([t]))[0][0] for t in range(N_SYMMETRIES)]
    ev = TorchEvaluator(model, symmetries=True, seed=0)
    seen = set()
    for _ in range(24):
        p = ev.evaluate_planes(planes, legal)[0][0]
        match = [t for t in range(N_SYMMETRIES) if np.allclose(p, per_t[t], atol=1e-6)]
        assert match
        seen.add(match[0])
    assert len(seen) > 2
    a = TorchEvaluator(model, seed=7).evaluate_boards([board] * 4)
    b = TorchEvaluator(model, seed=7).evaluate_boards([board] * 4)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


def test_symmetry_average_is_the_mean_and_is_equivariant():
    model, board = _model(), _position()
    planes, legal = encode(board)[None], board.legal_mask()[None]
    ev = TorchEvaluator(model, symmetries="all")
    priors, values = ev.evaluate_planes(planes, legal)
    probs = [_masked_softmax(*_raw(model, planes[0], t)[:1], np.ones(SIZE * SIZE + 1)) for t in range(8)]
    mean = np.mean(probs, axis=0) * (legal[0] != 0)
    np.testing.assert_allclose(priors[0], mean / mean.sum(), rtol=1e-5, atol=1e-7)
    assert values[0] == pytest.approx(np.mean([_raw(model, planes[0], t)[1] for t in range(8)]), abs=1e-6)
    for s in range(N_SYMMETRIES):  # averaged net: rotating the position rotates the priors
        p_s, v_s = ev.evaluate_planes(apply_planes(planes, s), apply_actions(legal, s))
        np.testing.assert_allclose(p_s[0], apply_actions(priors[0], s), rtol=1e-4, atol=1e-6)
        assert v_s[0] == pytest.approx(values[0], abs=1e-5)


@pytest.mark.parametrize("symmetries", [True, False, "all"])
def test_illegal_moves_get_zero_prior(symmetries):
    ko = Board.from_ascii(
        """
        . X O . .
        X O . O .
        . X O . .
        . . . . .
        . . . . .
        """
    )
    ko.play(7)  # black captures at the ko point: white may not retake at once
    boards = [_position(), ko]
    ev = TorchEvaluator(_model(), symmetries=symmetries, seed=1)
    priors, values = ev.evaluate_boards(boards)
    for b, p in zip(boards, priors, strict=True):
        legal = b.legal_mask()
        assert legal.sum() < SIZE * SIZE + 1
        assert np.all(p[legal == 0] == 0) and np.all(p[legal != 0] > 0)
        assert p.sum() == pytest.approx(1.0, abs=1e-5)
    assert priors.dtype == np.float32 and values.dtype == np.float32 and priors.shape == (2, SIZE * SIZE + 1)
    assert np.all(np.abs(values) <= 1)


def test_single_head_kinds_fill_in_the_missing_output():
    board = _position()
    legal = board.legal_mask()
    p, v = TorchEvaluator(_model_kind("policy4x16"), seed=0).evaluate_boards([board])
    assert np.all(v == 0) and np.all(p[0][legal == 0] == 0) and p.sum() == pytest.approx(1)
    p, v = TorchEvaluator(_model_kind("value4x16"), seed=0).evaluate_boards([board])
    np.testing.assert_allclose(p[0], legal / legal.sum(), rtol=1e-6)
    assert -1 <= v[0] <= 1


def _model_kind(name):
    return build_model(PRESETS[name]).eval()


def test_rejects_mismatched_features_boards_and_options():
    with pytest.raises(ValueError, match="planes"):
        TorchEvaluator(build_model(preset("b2c16", in_planes=4)), feature_set="agz17")
    TorchEvaluator(build_model(preset("b2c16", in_planes=4, feature_set="simple")))
    with pytest.raises(ValueError, match="symmetries"):
        TorchEvaluator(_model(), symmetries="some")
    with pytest.raises(ValueError, match="9x9"):
        TorchEvaluator(_model()).evaluate_boards([Board(9)])


def test_the_call_profile_adds_up_to_the_calls():
    import time

    ev = TorchEvaluator(_model())
    boards = [_position(), Board(SIZE)]
    t = time.perf_counter()
    for _ in range(5):
        ev.evaluate_boards(boards)
    wall = time.perf_counter() - t
    ms = ev.profile.ms_per_call()
    assert ev.profile.calls == 5 and ms["compute"] > 0
    assert 0 < 5 * sum(ms.values()) / 1000 <= wall


def test_empty_batch():
    p, v = TorchEvaluator(_model()).evaluate_boards([])
    assert p.shape == (0, SIZE * SIZE + 1) and v.shape == (0,)


CUDA = pytest.param(
    "cuda", marks=[pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")]
)


@pytest.mark.parametrize("device", ["cpu", CUDA])
def test_half_precision_matches_float32(device):
    model, boards = _model(), [_position(), Board(SIZE)]
    p_ref, v_ref = TorchEvaluator(model, symmetries=False).evaluate_boards(boards)
    half = TorchEvaluator(build_model(model.cfg), device=device, half=True, symmetries=False)
    half.model.load_state_dict(model.state_dict())
    half.model.eval()
    p, v = half.evaluate_boards(boards)
    assert p.dtype == np.float32 and v.dtype == np.float32
    assert next(half.model.parameters()).dtype == torch.float16
    assert next(half.model.parameters()).device.type == device
    np.testing.assert_allclose(p, p_ref, atol=2e-2)
    np.testing.assert_allclose(v, v_ref, atol=2e-2)
    for b, row in zip(boards, p, strict=True):
        assert np.all(row[b.legal_mask() == 0] == 0) and row.sum() == pytest.approx(1.0, abs=1e-5)
    p_all, _ = TorchEvaluator(half.model, device=device, half=True, symmetries="all").evaluate_boards(boards)
    assert np.all(p_all[0][boards[0].legal_mask() == 0] == 0)


def test_a_komi_net_sees_the_komi_of_the_searched_game():
    """agz17k: the komi plane comes from the board's komi, in the evaluator and inside a search."""
    torch.manual_seed(3)
    model = build_model(preset("b2c16", in_planes=18, feature_set="agz17k"))
    ev = TorchEvaluator(model, symmetries=False)
    values = {}
    for komi in (-7.5, 0.5, 7.5):
        board = _position()
        board.rules = type(board.rules)(komi=komi)
        _, v = ev.evaluate_boards([board])
        planes = encode(board, "agz17k")
        with torch.no_grad():
            want = model(torch.from_numpy(planes[None]))[1].item()
        assert v[0] == pytest.approx(want, abs=1e-5)
        search = MCTS(MCTSConfig(max_nodes=200, max_edges=5000), ev)
        search.search(board, num_simulations=1)
        values[komi] = (float(v[0]), search.root_value())
    assert len({v for v, _ in values.values()}) == 3  # the komi reaches the net
    for v, root in values.values():
        assert root == pytest.approx(v, abs=1e-5)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_lanes_from_several_threads_match_the_cpu():
    """Each thread's calls run on its own CUDA stream with pinned buffers; the answers stay its own."""
    from concurrent.futures import ThreadPoolExecutor

    torch.manual_seed(5)
    model = _model()
    cpu = TorchEvaluator(model, symmetries=False)
    gpu = TorchEvaluator(build_model(model.cfg), device="cuda", symmetries=False)
    gpu.model.load_state_dict(model.state_dict())
    assert gpu.lanes == 2 and cpu.lanes == 1
    rng = np.random.default_rng(0)
    jobs = []
    for b in (1, 7, 64, 33) * 4:
        planes = (rng.random((b, model.cfg.in_planes, SIZE, SIZE)) < 0.3).astype(np.float32)
        legal = (rng.random((b, SIZE * SIZE + 1)) < 0.7).astype(np.int8)
        legal[:, -1] = 1
        jobs.append((planes, legal, rng.integers(0, N_SYMMETRIES, b)))
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda j: gpu.evaluate_planes(*j), jobs))
    for (planes, legal, t), (p, v) in zip(jobs, got, strict=True):
        p_ref, v_ref = cpu.evaluate_planes(planes, legal, transforms=t)
        np.testing.assert_allclose(p, p_ref, atol=5e-3)  # cuDNN may convolve in TF32
        np.testing.assert_allclose(v, v_ref, atol=5e-3)
