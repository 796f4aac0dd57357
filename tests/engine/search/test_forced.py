"""KataGo's forced playouts and policy target pruning in the compiled many-game search."""

import math

import numpy as np
import pytest

from engine.search import _kernels_batch as KB
from engine.search import _kernels_forced as FK
from engine.search.batch import BatchSearchConfig, ManyGames
from tests.engine.search.test_batch import PlanesNet, play, replay, small_cfg
from tests.engine.search.test_gumbel import position


def test_forced_pick_takes_the_child_furthest_below_its_forced_visits():
    n = np.array([10.0, 0.0, 1.0, 5.0])
    prior = np.array([0.4, 0.05, 0.3, 0.25])
    # total 16: forced sqrt(2 p 16) = 3.58, 1.26, 3.10, 2.83 -> shortfalls -, 1.26, 2.10, -
    assert FK.forced_pick(n, np.zeros(4), prior, 2.0) == 2
    assert FK.forced_pick(n, np.array([0.0, 0.0, 3.0, 0.0]), prior, 2.0) == 1
    assert FK.forced_pick(n, np.zeros(4), prior, 0.0) == -1


def test_pruning_by_hand():
    n = np.array([20.0, 6.0, 2.0, 0.0, 2.0])
    q = np.array([0.5, 0.1, 0.3, 0.0, -0.5])
    prior = np.array([0.35, 0.25, 0.2, 0.1, 0.1])
    c_sqrt = 1.0 * math.sqrt(30)
    out = np.zeros(5)
    FK.pruned_visits(n, q, prior, c_sqrt, 2.0, out)
    best = 0.5 + c_sqrt * 0.35 / 21
    # child 1: at most sqrt(2 * 0.25 * 30) = 3.87 forced visits go, and only while its PUCT stays below best
    need1 = math.floor(c_sqrt * 0.25 / (best - 0.1) - 1) + 1
    assert 2 <= need1 < 6 and out[1] == max(math.ceil(6 - math.sqrt(15)), need1)
    assert out[0] == 20 and out[3] == 0
    assert 0.3 + c_sqrt * 0.2 / 3 > best and out[2] == 2  # its PUCT is above best already: kept whole
    assert out[4] == 0  # a bad child: every visit was forced, none is left
    assert np.all(out <= n)


def test_forced_playouts_give_every_root_child_its_share():
    cfg = dict(size=9, playouts=200, dirichlet_eps=0.0)
    counts = {}
    for k in (0.0, 2.0):
        mg = ManyGames(BatchSearchConfig(**cfg, forced_k=k), 1, groups=1, hist=100)
        mg.load(0, position(), seed=3)
        mg.search(PlanesNet(9, 4))
        nodes, ef = mg.arena[4], mg.arena[6]
        first, nch = int(nodes[0, 0, KB.N_FIRST]), int(nodes[0, 0, KB.N_NCH])
        re = ef[0, first : first + nch].astype(np.float64)
        n, p = re[:, KB.E_N], re[:, KB.E_PRIOR]
        counts[k] = np.floor(np.sqrt(2.0 * p * n.sum())) - 1 - n
    assert (counts[2.0] <= 0).all()  # every child got (about) sqrt(2 P N) visits
    assert (counts[0.0] > 0).any()  # plain PUCT leaves some below it (the test can fail)


def test_forced_games_write_pruned_targets_over_legal_moves_and_repeat_by_seed():
    cfg = small_cfg(forced_k=2.0, dirichlet_eps=0.25, dirichlet_alpha=0.3, playouts=24)
    a = play(cfg, 3, 3, 1, PlanesNet(5, 1))
    b = play(cfg, 3, 2, 2, PlanesNet(5, 1))
    for i, f in a.items():
        assert np.array_equal(f.moves, b[i].moves) and f.pi.tobytes() == b[i].pi.tobytes()
        boards = replay(cfg, f.moves)
        for r, m in enumerate(f.sample_moves):
            assert abs(float(f.pi[r].sum()) - 1) < 1e-5
            assert not f.pi[r][boards[m].legal_mask() == 0].any()


def test_forced_playouts_are_for_puct_roots_only():
    with pytest.raises(ValueError):
        BatchSearchConfig(root_search="gumbel", forced_k=2.0)
    with pytest.raises(ValueError):
        BatchSearchConfig(forced_k=-1.0)
