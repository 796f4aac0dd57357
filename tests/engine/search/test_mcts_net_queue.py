"""The fused rollout search feeding a network: node queue, prior replacement, value statistics."""

from __future__ import annotations

import numpy as np

from engine import _kernels as K
from engine.board import Board
from engine.config import MCTSConfig, RolloutSearchConfig
from engine.search import _kernels_mcts as KM
from engine.search.mcts import MCTS, RolloutEvaluator

FAVOURITE = 12  # the centre of 5x5


class ScriptedNets(RolloutEvaluator):
    """Heavy rollouts plus a fixed "network": logit 4 on FAVOURITE, 0 elsewhere; value 0.5."""

    def __init__(self, net_visits: int = 4, queue_size: int = 3, lam: float = 0.5):
        super().__init__("heavy", seed=0)
        self.net_visits, self.queue_size, self.lam = net_visits, queue_size, lam
        self.calls: list[int] = []

    def evaluate_nodes(self, pts, scal):
        n = int(scal[0, K.SIZE])
        self.calls.append(len(pts))
        logits = np.zeros((len(pts), n * n + 1))
        logits[:, FAVOURITE] = 4.0
        return logits, np.full(len(pts), 0.5)


def searched(evaluator: RolloutEvaluator, sims: int = 1500) -> MCTS:
    mix = {"net_visits": getattr(evaluator, "net_visits", 0), "lam": getattr(evaluator, "lam", 1.0)}
    mcts = MCTS(MCTSConfig(rollout=RolloutSearchConfig(**mix)), evaluator, seed=3)
    mcts.search(Board(5), num_simulations=sims)
    return mcts


def depth_of(nodes: np.ndarray, node: int, root: int) -> int:
    d = 0
    while node != root:
        node = int(nodes[KM.PARENT, node])
        d += 1
    return d


def test_busy_nodes_are_evaluated_in_batches_and_none_stay_queued():
    ev = ScriptedNets(net_visits=4, queue_size=3)
    mcts = searched(ev)
    nodes = mcts.tree[0]
    used = int(mcts.tree[4][KM.T_NODES])
    netq = nodes[KM.NETQ, :used]
    assert not np.any(netq == 1)
    evaluated = np.flatnonzero(netq == 2)
    assert mcts.root in evaluated and len(evaluated) > 5
    assert np.all(nodes[KM.NVIS, evaluated] >= ev.net_visits)
    assert np.all(nodes[KM.FIRST, evaluated] >= 0)
    assert ev.calls[0] == 1  # the root, at once
    assert all(1 <= c <= ev.queue_size for c in ev.calls) and sum(ev.calls) == len(evaluated)


def test_network_priors_replace_the_heuristic_ones():
    mcts = searched(ScriptedNets())
    nodes, _, ef, ei, _ = mcts.tree
    for node in np.flatnonzero(nodes[KM.NETQ, : mcts.tree[4][KM.T_NODES]] == 2):
        first, nch = nodes[KM.FIRST, node], nodes[KM.NCH, node]
        acts = ei[KM.EACT, first : first + nch]
        logits = np.where(acts == FAVOURITE, 4.0, 0.0)
        want = np.exp(logits) / np.exp(logits).sum()
        assert np.allclose(ef[KM.PRIOR, first : first + nch], want, atol=1e-6)


class BlackViewNets(ScriptedNets):
    """Value 0.5 for black whoever is to move: +0.5 to move as black, -0.5 as white."""

    def evaluate_nodes(self, pts, scal):
        logits, _ = super().evaluate_nodes(pts, scal)
        return logits, np.where(scal[:, K.TO_PLAY] == 1, 0.5, -0.5)


def test_value_statistics_count_simulations_from_the_movers_view():
    mcts = searched(BlackViewNets())
    nodes, _, ef, ei, tinfo = mcts.tree
    used = int(tinfo[KM.T_NODES])
    evaluated = np.flatnonzero(nodes[KM.NETQ, :used] == 2)
    mover_black = np.zeros(used, bool)  # colour of the player who moved into each node
    for node in range(1, used):
        mover_black[node] = depth_of(nodes, node, mcts.root) % 2 == 1  # black moves first at the root
    edges = [e for e in range(tinfo[KM.T_EDGES]) if ei[KM.CHILD, e] >= 0]
    child = ei[KM.CHILD, edges]
    vn, vw = ef[KM.VN, edges], ef[KM.VW, edges]
    sign = np.where(mover_black[child], 0.5, -0.5)
    assert np.allclose(vw, sign * vn, atol=1e-4)  # every backed-up value is black's +0.5
    assert np.all(vn <= ef[KM.EN, edges])  # one value per simulation at most
    root_edges = [e for e in edges if nodes[KM.PARENT, ei[KM.CHILD, e]] == mcts.root]
    assert ef[KM.VN, root_edges].sum() > 0
    into_evaluated = [e for e in edges if ei[KM.CHILD, e] in evaluated]
    assert all(ef[KM.VNET, e] == sign[edges.index(e)] for e in into_evaluated)
    assert max(ef[KM.VN, e] for e in into_evaluated) >= 1  # simulations passed them after their evaluation


def test_rollouts_only_search_feeds_no_network():
    mcts = searched(RolloutEvaluator("heavy", seed=0), sims=300)
    nodes, _, ef, _, tinfo = mcts.tree
    assert not np.any(nodes[KM.NETQ, : tinfo[KM.T_NODES]])
    assert not np.any(ef[KM.VN, : tinfo[KM.T_EDGES]])


def two_edge_root(n: int, vn: int) -> tuple:
    """A root with two edges of ``n`` rollouts each: rollouts prefer edge 0 (Q 0.6 against 0.4),
    ``vn`` value-net values prefer edge 1 (-0.8 against 0.9). Returns ``(tree arrays, fp)``."""
    nodes = np.zeros((KM.NODE_ROWS, 8), np.int64)
    nodew = np.zeros(8)
    ef = np.zeros((KM.EF_ROWS, 8), np.float32)
    ei = np.zeros((2, 8), np.int32)
    tinfo = np.zeros(3, np.int64)
    KM.tree_reset(nodes, nodew, tinfo)
    KM.expand_node(nodes, ef, ei, tinfo, 0, np.array([1, 1, 0], np.int8), np.array([0.5, 0.5, 0.0]))
    nodes[KM.NVIS, 0] = 2 * n
    for e, (q, vq) in enumerate(((0.6, -0.8), (0.4, 0.9))):
        ef[KM.EN, e], ef[KM.EW, e], ef[KM.EQ, e] = n, n * q, q
        ef[KM.EU, e] = 0.5 / (n + 1)
        ef[KM.VN, e], ef[KM.VW, e] = vn, vn * vq
    fp = np.zeros(KM.NFP)
    fp[KM.FP_CPUCT] = 0.1
    return (nodes, nodew, ef, ei), fp


def test_value_statistics_enter_q_with_weight_one_minus_lambda():
    tree, fp = two_edge_root(10, 2)
    fp[KM.FP_LAMBDA] = 1.0
    assert KM.select_edge(*tree, 0, fp) == 0
    fp[KM.FP_LAMBDA] = 0.5
    assert KM.select_edge(*tree, 0, fp) == 1


def test_value_weight_fades_with_the_edges_rollouts():
    """``mix_value``: the paper's fixed mix at ``m`` = 0; with ``m`` > 0 weight (1 - lam) m / (m + N)."""
    assert abs(KM.mix_value(0.6, -0.8, 10.0, 0.5, 0.0) - (0.5 * 0.6 + 0.5 * -0.8)) < 1e-12
    assert abs(KM.mix_value(0.6, -0.8, 10.0, 0.5, 10.0) - (0.6 + 0.25 * (-0.8 - 0.6))) < 1e-12
    assert KM.mix_value(0.6, -0.8, 10.0, 1.0, 10.0) == 0.6
    few, many = (KM.mix_value(0.0, 1.0, n, 0.5, 20.0) for n in (1.0, 1000.0))
    assert 0.45 < few < 0.5 and 0.0 < many < 0.01


def test_a_faded_value_net_no_longer_overrules_well_visited_rollouts():
    tree, fp = two_edge_root(1000, 200)
    fp[KM.FP_LAMBDA] = 0.5
    assert KM.select_edge(*tree, 0, fp) == 1  # the paper's mix follows the value net
    fp[KM.FP_VALUE_EQUIV] = 20.0
    assert KM.select_edge(*tree, 0, fp) == 0  # faded: 1000 rollouts decide
