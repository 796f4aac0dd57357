"""The batched search's compiled leaf encoder against the Python replay of each leaf (``LeafBatch``)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from engine.board import Board, Rules
from engine.config import MCTSConfig
from engine.features import encode
from engine.search.mcts import MCTS, LeafBatch, UniformEvaluator
from nets.evaluator import TorchEvaluator
from nets.factory import build_model
from nets.presets import preset
from tests.engine.random_play import play_random


class ComparingEvaluator(UniformEvaluator):
    """Uniform priors; checks every batch's compiled planes against the Python replay."""

    def __init__(self, channels: int = 17):
        self.channels, self.batches, self.leaves, self.deep = channels, 0, 0, 0

    def __call__(self, batch: LeafBatch):
        k, n = len(batch), batch.size
        if batch.encoder is not None:
            fast = np.full((k, self.channels, n, n), 7.0, np.float32)
            batch.agz17(fast)
            slow = np.full_like(fast, 7.0)
            dataclasses.replace(batch, encoder=None).agz17(slow)
            np.testing.assert_array_equal(fast, slow)
            assert (fast[:, 17:] == 7.0).all()  # planes past the 17th are the caller's
            self.batches += 1
            self.leaves += k
            self.deep += sum(len(p) >= 8 for p in batch.paths)
        priors, values = super().__call__(batch)
        first = np.argmax(batch.legal[:k, :-1] != 0, axis=1)  # a peaked prior: the search goes deep
        priors[np.arange(k), first] += 50.0
        return priors, values


@pytest.mark.parametrize(("size", "opening"), [(7, 0), (7, 3), (7, 12), (7, 40), (3, 2)])
def test_compiled_planes_equal_the_python_replay(size, opening):
    """Leaves at every depth, from roots with short and full histories, captures and passes included."""
    rng = np.random.default_rng(opening)
    board = play_random(Board(size, Rules(komi=7.5)), opening, rng)
    ev = ComparingEvaluator(channels=18)
    m = MCTS(MCTSConfig(num_simulations=600, batch_size=8, max_nodes=20_000, max_edges=400_000), ev, seed=opening)
    m.search(board)
    assert ev.batches > 20 and ev.leaves > 300
    assert size > 3 or ev.deep > 0  # on 3x3 the tree is deeper than the eight planes of history


def test_compiled_planes_through_a_game_with_tree_reuse():
    """Search, play the best move, search again (the subtree is reused) for a whole short game."""
    ev = ComparingEvaluator()
    m = MCTS(MCTSConfig(num_simulations=120, batch_size=8, max_nodes=20_000, max_edges=400_000), ev, seed=1)
    board = Board(7, Rules(komi=7.5))
    for _ in range(40):
        if board.is_over:
            break
        m.search(board)
        board.play(m.choose_action(board))
    assert board.move_number >= 20


@pytest.mark.parametrize("net", ["b2c16", "b2c16k"])
def test_net_evaluator_reads_the_compiled_planes(net):
    """TorchEvaluator on a batch (compiled planes, komi plane) equals it on the rebuilt boards."""
    cfg = preset("b2c16")
    if net == "b2c16k":
        cfg = dataclasses.replace(cfg, feature_set="agz17k", in_planes=18)
    model = build_model(cfg).eval()
    ev = TorchEvaluator(model, symmetries=False)
    seen = []

    def both(batch: LeafBatch):
        fast = ev(batch)
        slow = ev.evaluate_boards([batch.board(i) for i in range(len(batch))], legal=batch.legal)
        np.testing.assert_allclose(fast[0], slow[0], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(fast[1], slow[1], rtol=1e-5, atol=1e-6)
        seen.append(len(batch))
        return fast

    board = play_random(Board(5, Rules(komi=-7.5)), 9, np.random.default_rng(5))
    with torch.no_grad():
        MCTS(MCTSConfig(num_simulations=64, batch_size=8), both, seed=2).search(board)
    assert sum(seen) >= 60
    assert encode(board, cfg.feature_set).shape[0] == cfg.in_planes
