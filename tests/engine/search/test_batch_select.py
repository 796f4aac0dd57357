"""The compiled many-game search's selection: the walk over a node's children against the scan of its edges."""

import numpy as np
import pytest

from engine.search import _kernels_batch as KB
from engine.search.batch import BatchSearchConfig, ManyGames

from .test_batch import PlanesNet


def searched_trees(size: int, leaves: int = 1) -> ManyGames:
    """Two games' trees after a full search each, three moves into the game (reused, pruned, noised roots)."""
    cfg = BatchSearchConfig(size=size, playouts=48, leaves_per_game=leaves, resign_threshold=0.0)
    mg = ManyGames(cfg, 2, groups=1)
    net = PlanesNet(size)
    for g in range(2):
        mg.start(g, 11 + g, g)
    gs = mg.arena[9]
    while gs[:, KB.GS_NMOVES].min() < 3:
        k = mg.select(0)
        mg.finish(0, k, *net(*mg.batch(0, k)))
    mg.search(net)  # the searches of the fourth move to their end
    assert (gs[:, KB.GS_STATUS] == KB.PLAYING).all()
    return mg


def expanded_nodes(mg: ManyGames, g: int) -> list[int]:
    nodes, tinfo = mg.arena[4], mg.arena[8]
    return [i for i in range(int(tinfo[g, KB.T_NODES])) if nodes[g, i, KB.N_FIRST] >= 0]


def test_children_are_linked_in_edge_order_and_know_their_edge():
    mg = searched_trees(19)
    nodes, ei = mg.arena[4], mg.arena[7]
    for g in range(2):
        for node in expanded_nodes(mg, g):
            first, nch = nodes[g, node, KB.N_FIRST], nodes[g, node, KB.N_NCH]
            want = [int(ei[g, e, KB.E_CHILD]) for e in range(first, first + nch) if ei[g, e, KB.E_CHILD] >= 0]
            got, ch = [], nodes[g, node, KB.N_KIDS]
            while ch >= 0:
                assert ei[g, nodes[g, ch, KB.N_EDGE], KB.E_CHILD] == ch
                got.append(int(ch))
                ch = nodes[g, ch, KB.N_SIB]
            assert got == want


def test_cached_best_unvisited_edge_is_the_first_of_highest_prior():
    mg = searched_trees(19)
    nodes, ei, ep = mg.arena[4], mg.arena[7], mg.arena[15]
    for g in range(2):
        for node in expanded_nodes(mg, g):
            first, nch = nodes[g, node, KB.N_FIRST], nodes[g, node, KB.N_NCH]
            free = [e for e in range(first, first + nch) if ei[g, e, KB.E_CHILD] < 0]
            want = max(free, key=lambda e: (ep[g, e], -e)) if free else -1
            assert KB.best_unvisited(nodes, ep, ei, g, node) == want


@pytest.mark.parametrize("leaves", [1, 3])
def test_walk_and_scan_select_the_same_edge(leaves):
    mg = searched_trees(19, leaves)
    nodes, nodew, ef, ei, ep = (mg.arena[i] for i in (4, 5, 6, 7, 15))
    fp = mg.fp.copy()
    fp[KB.FP_VLOSS] = 0.0  # the walk is the selection without virtual loss
    for schedule in (0.0, 1.0):
        fp[KB.FP_SCHEDULE] = schedule
        for g in range(2):
            for node in expanded_nodes(mg, g):
                walked = KB.select_edge(nodes, nodew, ef, ei, ep, g, node, fp, True)
                assert walked == KB.select_edge(nodes, nodew, ef, ei, ep, g, node, fp, False)


def test_root_edges_keep_whole_records_after_reuse_pruning_and_noise():
    """Gumbel, forced playouts and the sample rows read every root edge's ``ef`` record."""
    mg = searched_trees(9)
    nodes, ef, ei, ep = mg.arena[4], mg.arena[6], mg.arena[7], mg.arena[15]
    for g in range(2):
        first, nch = nodes[g, 0, KB.N_FIRST], nodes[g, 0, KB.N_NCH]
        np.testing.assert_array_equal(ef[g, first : first + nch, KB.E_PRIOR], ep[g, first : first + nch])
        for e in range(first, first + nch):
            if ei[g, e, KB.E_CHILD] < 0:
                assert ef[g, e, KB.E_N] == 0 and ef[g, e, KB.E_U] == ep[g, e]
