"""The move a search too short to rank its moves plays: the best prior, never the first legal point."""

import numpy as np
import pytest

from engine.board import Board
from engine.config import MCTSConfig
from engine.search.mcts import MCTS, LeafBatch, RolloutEvaluator, RootChild, rank_children

SMALL = dict(max_nodes=20_000, max_edges=400_000)
FAVOURITE = 31  # a point far from the first legal one (9x9: D6)


class PeakedEvaluator:
    """Priors peaked on ``FAVOURITE`` (uniform elsewhere), value 0: a stand-in for a policy net."""

    def __call__(self, batch: LeafBatch):
        priors = batch.legal.astype(np.float32)
        priors[:, FAVOURITE] *= 20.0
        return priors, np.zeros(len(batch), np.float32)


def test_rank_children_orders_by_visits_then_q_then_prior():
    kids = [RootChild(0, 0, 0.0, 0.1), RootChild(1, 5, 0.2, 0.1), RootChild(2, 5, 0.4, 0.05), RootChild(3, 0, 0.0, 0.5)]
    assert [r.action for r in rank_children(kids)] == [2, 1, 3, 0]
    tied = [RootChild(4, 5, 0.2, 0.1), RootChild(5, 5, 0.2, 0.3)]
    assert [r.action for r in rank_children(tied)] == [5, 4]


def test_a_single_visit_does_not_outrank_the_prior():
    kids = [RootChild(0, 1, 1.0, 0.01), RootChild(7, 0, 0.0, 0.4)]
    assert rank_children(kids)[0].action == 7


def test_equal_priors_go_to_the_centre():
    kids = [RootChild(a, 0, 0.0, 0.2) for a in range(81)]
    assert rank_children(kids, 9)[0].action == 40  # E5


@pytest.mark.parametrize("sims", [1, 2])
def test_net_search_of_one_playout_plays_the_best_prior(sims):
    m = MCTS(MCTSConfig(**SMALL), PeakedEvaluator(), seed=0)
    b = Board(9)
    m.search(b, num_simulations=sims)
    assert m.root_children()[0].prior == max(r.prior for r in m.root_children())
    assert m.choose_action(b) == FAVOURITE


def test_net_search_with_no_time_still_has_root_priors():
    m = MCTS(MCTSConfig(**SMALL), PeakedEvaluator(), seed=0)
    b = Board(9)
    m.search(b, seconds=1e-9)
    assert m.root_children(), "the root is expanded even when the clock allows no simulation"
    assert m.choose_action(b) == FAVOURITE


@pytest.mark.parametrize("size", [9, 19])
def test_rollout_search_of_one_playout_plays_the_centre_not_a_corner(size):
    m = MCTS(MCTSConfig(**SMALL), RolloutEvaluator("heavy", True, seed=0), seed=0)
    b = Board(size)
    m.search(b, num_simulations=1)
    action = m.choose_action(b)
    assert action == (size * size) // 2  # tengen: heuristic priors are flat on the empty board


def test_player_measures_its_speed_for_the_time_managers_floor():
    from engine.search.player import MIN_PLAYOUTS, MCTSPlayer

    p = MCTSPlayer(MCTSConfig(**SMALL), seed=0)
    assert p.min_move_seconds() == 0.0  # nothing measured yet: no floor
    b = Board(9)
    p.warm_up(b)
    p.genmove(b, 1, seconds=0.2)
    assert p.rate > 0 and p.last_simulations > 0
    assert p.min_move_seconds() == pytest.approx(MIN_PLAYOUTS / p.rate)


def test_warm_up_leaves_the_search_and_its_generators_alone():
    from engine.search.player import MCTSPlayer

    cfg = MCTSConfig(num_simulations=200, **SMALL)
    a, b = MCTSPlayer(cfg, seed=3), MCTSPlayer(cfg, seed=3)
    board = Board(9)
    before = a.mcts.rng_state.copy()
    a.warm_up(board)
    assert (a.mcts.rng_state == before).all() and a.mcts.root_visits() == 0
    assert a.genmove(board, 1) == b.genmove(board, 1)
    assert [r.visits for r in a.mcts.root_children()] == [r.visits for r in b.mcts.root_children()]
