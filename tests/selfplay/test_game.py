"""Self-play games and multi-game batching: one network call per step for all live games."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.board import BLACK, EMPTY
from engine.search.multi import MultiGameSearch
from nets.evaluator import TorchEvaluator
from nets.factory import build_model
from selfplay.game import selfplay_game
from selfplay.zero.models import make_batch_fn
from selfplay.zero.worker import game_seed
from tests.selfplay.zero.helpers import tiny_config


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


class CountingNet(torch.nn.Module):
    """The real net, counting forward calls and their batch sizes."""

    def __init__(self, net):
        super().__init__()
        self.net, self.cfg, self.calls = net, net.cfg, []

    def forward(self, x):
        self.calls.append(len(x))
        return self.net(x)


def test_multigame_batching_calls_the_net_once_per_step():
    cfg = tiny_config()
    torch.manual_seed(0)
    counting = CountingNet(build_model(cfg.net))
    ev = TorchEvaluator(counting, symmetries=True, seed=0)
    search = MultiGameSearch(make_batch_fn({None: ev}), slots=3)
    results = search.run(3, lambda i, make_eval: selfplay_game(cfg, make_eval(), game_seed(0, 0, i)))
    st = search.stats
    assert len(results) == 3
    assert len(counting.calls) == st.steps  # one forward per rendezvous step
    assert st.max_games_per_step == 3  # all three games' leaves went into one call
    assert st.requests > st.steps  # without batching there would be one call per request
    assert sum(counting.calls) == st.leaves


def test_selfplay_game_samples_and_outcome():
    cfg = tiny_config()
    torch.manual_seed(0)
    ev = TorchEvaluator(build_model(cfg.net), seed=0)
    res = selfplay_game(cfg, ev, seed=5)
    t = res.positions
    assert t == len(res.pi) == len(res.planes) == len(res.to_play) > 0
    assert res.planes.dtype == np.uint8 and res.planes.shape[1:] == (17, 5, 5)
    np.testing.assert_allclose(res.pi.sum(1), 1.0, rtol=1e-5)
    if res.winner == EMPTY:
        assert (res.z == 0).all()
    else:  # z from the view of the player to move
        np.testing.assert_array_equal(res.z, np.where(res.to_play == res.winner, 1, -1))
    assert res.record.size == 5 and len(res.record.moves) == res.moves
    assert res.to_play[0] == BLACK


def test_selfplay_game_is_deterministic_for_a_seed():
    cfg = tiny_config()
    torch.manual_seed(0)
    model = build_model(cfg.net)
    a = selfplay_game(cfg, TorchEvaluator(model, seed=0), seed=3)
    b = selfplay_game(cfg, TorchEvaluator(model, seed=0), seed=3)
    assert a.record.moves == b.record.moves
    np.testing.assert_array_equal(a.pi, b.pi)


def test_playout_cap_records_only_full_searches():
    from dataclasses import replace

    cfg = tiny_config()
    cfg = replace(cfg, selfplay=replace(cfg.selfplay, playout_cap=True, full_search_prob=0.3, fast_playouts=2))
    torch.manual_seed(0)
    res = selfplay_game(cfg, TorchEvaluator(build_model(cfg.net), seed=0), seed=2)
    assert res.positions < res.moves


def test_multigame_propagates_errors():
    def boom(batches, tags):
        raise RuntimeError("net failed")

    cfg = tiny_config()
    search = MultiGameSearch(boom, slots=2)
    with pytest.raises(RuntimeError):
        search.run(2, lambda i, make_eval: selfplay_game(cfg, make_eval(), i))
