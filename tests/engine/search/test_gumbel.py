"""Gumbel AlphaZero at the root of the compiled many-game search: schedule, choice, targets, seeds."""

import numpy as np
import pytest

from engine.board import Board, Rules
from engine.features import encode
from engine.search import _kernels_batch as KB
from engine.search import _kernels_batch_game as KG
from engine.search import _kernels_gumbel as GK
from engine.search.batch import BatchSearchConfig, ManyGames
from tests.engine.search.test_batch import PlanesNet, assert_games_follow_the_seed, play, replay, small_cfg


def schedule(m, budget):
    return [GK.considered_visit(m, budget, i) for i in range(budget)]


def mctx_schedule(m, n):
    """DeepMind mctx's ``get_sequence_of_considered_visits``, transcribed."""
    if m <= 1:
        return list(range(n))
    log2max = int(np.ceil(np.log2(m)))
    seq, visits, k = [], [0] * m, m
    while len(seq) < n:
        extra = max(1, int(n / (log2max * k)))
        for _ in range(extra):
            seq.extend(visits[:k])
            for i in range(k):
                visits[i] += 1
        k = max(2, k // 2)
    return seq[:n]


def halving_visits(m, n):
    """Each considered action's visits after ``n`` simulations of the schedule (best ranked first)."""
    visits = [0] * m
    for v in mctx_schedule(m, n):
        visits[visits.index(v)] += 1
    return visits


@pytest.mark.parametrize(("m", "n"), [(1, 5), (2, 7), (3, 8), (4, 8), (16, 32), (16, 8), (5, 100), (82, 200)])
def test_schedule_is_mctx_and_spends_exactly_the_budget(m, n):
    seq = schedule(m, n)
    assert seq == mctx_schedule(m, n)
    assert len(seq) == n


def test_halving_rounds_of_4_actions_and_8_simulations():
    assert schedule(4, 8) == [0, 0, 0, 0, 1, 1, 2, 2]


def ref_sigma(n, q, p, raw, c_visit=50.0, c_scale=1.0):
    vis = n > 0
    vmix = raw
    if vis.any():
        vmix = (raw + n.sum() * (p[vis] * q[vis]).sum() / p[vis].sum()) / (n.sum() + 1)
    comp = np.where(vis, q, vmix)
    norm = (comp - comp.min()) / max(comp.max() - comp.min(), 1e-8)
    return (c_visit + n.max()) * c_scale * norm, comp


def position(moves=(40, 41, 30)):
    b = Board(9, Rules(komi=7.5))
    for a in moves:
        b.play(a)
    return b


def held_search(board, net, **kw):
    cfg = BatchSearchConfig(size=9, root_search="gumbel", dirichlet_eps=0.0, **kw)
    mg = ManyGames(cfg, 1, groups=1, hist=100)
    mg.load(0, board, seed=7)
    mg.search(net)
    nodes, ef, ei = mg.arena[4], mg.arena[6], mg.arena[7]
    first, nch = int(nodes[0, 0, KB.N_FIRST]), int(nodes[0, 0, KB.N_NCH])
    return mg, ef[0, first : first + nch].astype(np.float64), ei[0, first : first + nch, KB.E_ACT]


@pytest.mark.parametrize(("m", "playouts"), [(4, 9), (16, 33), (8, 60)])
def test_root_visits_follow_sequential_halving(m, playouts):
    mg, re, _ = held_search(position(), PlanesNet(9, 1), playouts=playouts, gumbel_m=m)
    n = re[:, KB.E_N]
    assert n.sum() == playouts - 1  # the first simulation evaluates the root itself
    assert int(mg.arena[9][0, KB.GS_SIMS]) == playouts
    assert sorted(n[n > 0].astype(int).tolist()) == sorted(v for v in halving_visits(m, playouts - 1) if v)
    assert (re[:, KB.E_G] > GK.NOT_CONSIDERED / 2).sum() == m
    assert not n[re[:, KB.E_G] <= GK.NOT_CONSIDERED / 2].any()


def test_chosen_action_is_the_best_survivor_by_gumbel_logits_and_sigma_q():
    board, net = position(), PlanesNet(9, 2)
    mg, re, acts = held_search(board, net, playouts=40, gumbel_m=8)
    raw = float(net(encode(board, "agz17")[None], None)[1][0])
    n, q, p, gsc = re[:, KB.E_N], re[:, KB.E_Q], re[:, KB.E_PRIOR], re[:, KB.E_G]
    sig, _ = ref_sigma(n, q, p, raw)
    buf = np.zeros(82)
    e = KG.gumbel_choice(mg.arena, mg.fp, 0, buf)
    np.testing.assert_allclose(buf[: len(n)], sig, rtol=1e-4, atol=1e-3)  # float32 edge sums
    survivors = np.flatnonzero((gsc > GK.NOT_CONSIDERED / 2) & (n == n.max()))
    assert len(survivors) >= 1
    want = survivors[np.argmax(gsc[survivors] + sig[survivors])]
    assert e - int(mg.arena[4][0, 0, KB.N_FIRST]) == want


def test_improved_policy_sums_to_one_and_follows_completed_q():
    rng = np.random.default_rng(0)
    n = np.array([0, 3, 5, 1, 0, 2], np.float64)
    q = rng.uniform(-1, 1, 6)
    p = np.full(6, 1 / 6)
    sig = np.zeros(6)
    GK.sigma_completed(n, q, p, 0.1, 50.0, 1.0, sig)
    want, comp = ref_sigma(n, q, p, 0.1)
    np.testing.assert_allclose(sig, want)
    pol = np.zeros(6)
    GK.improved_policy(p, sig, pol)
    assert abs(pol.sum() - 1) < 1e-12
    order = np.argsort(comp)
    assert np.all(np.diff(pol[order]) >= -1e-15)  # equal priors: more mass where completed Q is higher
    assert pol[np.argmax(comp)] > pol[np.argmin(comp)]


class OneGoodMove(PlanesNet):
    """Uniform priors; the value says whoever holds one given point is winning."""

    def __init__(self, size, good):
        super().__init__(size)
        self.good = good

    def __call__(self, planes, legal):
        k = len(planes)
        priors = np.ones((k, self.wp.shape[1]), np.float32)
        values = np.zeros(k, np.float32)
        r, c = divmod(self.good, planes.shape[-1])
        for i in range(k):  # whoever holds the good point is winning
            values[i] = 0.9 if planes[i, 0, r, c] else (-0.9 if planes[i, 8, r, c] else 0.0)
        return priors, values


def test_gumbel_finds_the_move_the_value_prefers_and_the_target_favours_it():
    good = 22
    board = position(())
    mg, re, acts = held_search(board, OneGoodMove(9, good), playouts=120, gumbel_m=82)
    e = KG.gumbel_choice(mg.arena, mg.fp, 0, np.zeros(82))
    assert int(mg.arena[7][0, e, KB.E_ACT]) == good
    cfg = small_cfg(root_search="gumbel", gumbel_m=26, playouts=40, max_moves=1)
    f = play(cfg, 1, 1, 1, OneGoodMove(5, 7))[0]
    assert f.moves[0] == 7 and f.pi[0].argmax() == 7 and f.pi[0][7] > 0.5


def test_gumbel_games_sample_rows_are_distributions_over_legal_moves():
    cfg = small_cfg(root_search="gumbel", gumbel_m=8, playout_cap=True, full_search_prob=0.5, gumbel_c_scale=0.1)
    games = play(cfg, 4, 4, 2, PlanesNet(5))
    assert sorted(games) == list(range(4))
    for f in games.values():
        boards = replay(cfg, f.moves)
        assert 0 < len(f.z) < len(f.moves)
        for r, m in enumerate(f.sample_moves):
            legal = boards[m].legal_mask()
            assert abs(float(f.pi[r].sum()) - 1.0) < 1e-5
            assert not f.pi[r][legal == 0].any()
            assert (f.pi[r][legal != 0] > 0).sum() >= min(2, int(legal.sum()))


def test_gumbel_same_seed_same_games():
    assert_games_follow_the_seed(small_cfg(root_search="gumbel", gumbel_m=4, leaves_per_game=2), games=4, slots=2)


@pytest.mark.parametrize("bad", [dict(root_search="mcts"), dict(gumbel_m=0)])
def test_bad_gumbel_settings(bad):
    with pytest.raises(ValueError):
        BatchSearchConfig(**bad)
