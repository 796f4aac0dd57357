"""The compiled many-game search against ``MCTS``, and the games it plays: samples, results, seeds."""

from pathlib import Path

import numpy as np
import pytest

from engine.board import Board, Rules
from engine.config import MCTSConfig
from engine.features import encode
from engine.search import _kernels_batch as KB
from engine.search import _kernels_batch_game as KG
from engine.search.batch import BatchSearchConfig, ManyGames, NullEvaluator, paired
from engine.search.mcts import MCTS, LeafBatch
from engine.sgf import parse_sgf, record_to_board

DATA = Path(__file__).parents[2] / "data"
GAMES = [
    "seki/gnugo_9x9.sgf",
    "sgf/game_9x9.sgf",
    "games/gnugo_9x9_a.sgf",
    "sgf/handicap_9x9.sgf",
    "sgf/latin1_9x9.sgf",
]
PLAYOUTS = 40


class PlanesNet:
    """A fixed random linear 'network' on agz17 planes, one row at a time (so batching changes nothing)."""

    def __init__(self, size: int, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.wp = rng.normal(0, 0.3, (17 * size * size, size * size + 1)).astype(np.float32)
        self.wv = rng.normal(0, 0.05, 17 * size * size).astype(np.float32)

    def __call__(self, planes: np.ndarray, legal: np.ndarray):
        k = len(planes)
        priors = np.empty((k, self.wp.shape[1]), np.float32)
        values = np.empty(k, np.float32)
        for i in range(k):
            x = planes[i].reshape(-1)
            logits = x @ self.wp
            e = np.exp(logits - logits.max())
            priors[i] = e / e.sum()
            values[i] = np.tanh(x @ self.wv)
        return priors, values


class LeafNet:
    """The same net as an ``MCTS`` evaluator: planes from ``engine.features.encode`` of each leaf."""

    def __init__(self, net: PlanesNet):
        self.net = net

    def __call__(self, batch: LeafBatch):
        planes = np.stack([encode(batch.board(i), "agz17") for i in range(len(batch))])
        return self.net(planes, batch.legal)


def real_positions(limit: int = 130):
    """Positions (with their history) before every move of the stored 9x9 games."""
    out = []
    for name in GAMES:
        rec = parse_sgf((DATA / name).read_bytes())
        for m in range(len(rec.moves)):
            board = record_to_board(rec, moves=m)
            if not board.is_over:
                out.append(board)
    return out[:limit]


def test_enough_real_positions():
    assert len(real_positions()) >= 100


@pytest.mark.parametrize("superko_in_tree", [True, False])
def test_same_visit_counts_as_mcts_on_real_positions(superko_in_tree):
    """``MCTS`` checks superko at every leaf; without it the compiled search (simple ko below the
    root, stones and chains copied, not the history) still visits the same on these positions."""
    positions = real_positions()
    net = PlanesNet(9)
    mcfg = MCTSConfig(num_simulations=PLAYOUTS, virtual_loss=0, batch_size=1, reuse_tree=False)
    bcfg = BatchSearchConfig(
        size=9, playouts=PLAYOUTS, dirichlet_eps=0.0, superko_in_tree=superko_in_tree, reuse_tree=False
    )
    mg = ManyGames(bcfg, len(positions), groups=1, hist=1000)
    for g, board in enumerate(positions):
        mg.load(g, board)
    mg.search(net)
    differ = []
    for g, board in enumerate(positions):
        m = MCTS(mcfg, LeafNet(net), seed=0)
        m.search(board.copy(), num_simulations=PLAYOUTS)
        want = np.zeros(82, np.int64)
        for r in m.root_children():
            want[r.action] = r.visits
        if not np.array_equal(want, mg.root_visits(g)):
            differ.append(g)
    assert not differ, f"visit counts differ at {len(differ)} of {len(positions)} positions: {differ[:10]}"


def test_visit_counts_follow_the_evaluator():
    """The comparison above can fail: another net gives other visit counts."""
    board = real_positions()[30]
    counts = []
    for seed in (0, 1):
        mg = ManyGames(BatchSearchConfig(size=9, playouts=PLAYOUTS, dirichlet_eps=0.0), 1, groups=1, hist=1000)
        mg.load(0, board)
        mg.search(PlanesNet(9, seed))
        counts.append(mg.root_visits(0))
    assert counts[0].sum() == counts[1].sum() == PLAYOUTS - 1  # the root's own evaluation is one
    assert not np.array_equal(*counts)


def small_cfg(**kw) -> BatchSearchConfig:
    base = dict(size=5, komi=0.5, playouts=12, temperature_moves=4, resign_threshold=0.0, max_moves=40)
    return BatchSearchConfig(**{**base, **kw})


def play(cfg, games, slots, groups, net, seed=0, threads=1):
    out = {}
    mg = ManyGames(cfg, slots, groups=groups)
    seeds = lambda i: seed * 1000 + i + 1  # noqa: E731
    mg.play(net, games, seed_of=seeds, on_game=lambda f: out.update({f.game_id: f}), threads=threads)
    return out


def replay(cfg, moves) -> list[Board]:
    """The board before each move and after the last."""
    board = Board(cfg.size, Rules(komi=cfg.komi))
    boards = [board.copy()]
    for a in moves:
        board.play(int(a))
        boards.append(board.copy())
    return boards


def test_sample_rows_match_the_replayed_games():
    cfg = small_cfg(playout_cap=True, full_search_prob=0.5)
    games = play(cfg, 6, 4, 2, PlanesNet(5))
    assert sorted(games) == list(range(6))
    for f in games.values():
        boards = replay(cfg, f.moves)
        final = boards[-1]
        assert final.is_over or len(f.moves) == cfg.move_cap
        assert f.winner == final.winner()
        assert 0 < len(f.z) < len(f.moves)  # playout cap: only full searches are samples
        for r, m in enumerate(f.sample_moves):
            b = boards[m]
            assert np.array_equal(f.planes[r], encode(b, "agz17").astype(np.uint8)), f"game {f.game_id} row {r}"
            legal = b.legal_mask()
            assert abs(float(f.pi[r].sum()) - 1.0) < 1e-5
            assert not f.pi[r][legal == 0].any()
            assert f.to_play[r] == b.to_play
            want = 0 if f.winner == 0 else (1 if b.to_play == f.winner else -1)
            assert f.z[r] == want


def assert_games_follow_the_seed(cfg, games: int, slots: int) -> None:
    """The same games bit for bit on 4 slots in 2 groups and on ``slots`` in one; others with another seed."""
    net = PlanesNet(5, 3)
    a = play(cfg, games, 4, 2, net)
    b = play(cfg, games, slots, 1, net)
    c = play(cfg, games, 4, 2, net, seed=1)
    for i in range(games):
        assert np.array_equal(a[i].moves, b[i].moves)
        assert a[i].pi.tobytes() == b[i].pi.tobytes() and a[i].planes.tobytes() == b[i].planes.tobytes()
    assert any(not np.array_equal(a[i].moves, c[i].moves) for i in range(games))


def test_same_seed_same_games_bit_for_bit_whatever_the_slots():
    assert_games_follow_the_seed(small_cfg(dirichlet_eps=0.25, temperature_moves=6), games=5, slots=3)


class Gloomy(PlanesNet):
    """Every position is worth 0.99 to black (no passing: games last until someone resigns)."""

    def __call__(self, planes, legal):
        priors, _ = super().__call__(planes, legal)
        priors[:, -1] = 0.0
        white = planes[:, 16, 0, 0] == 0
        return priors, np.where(white, -0.99, 0.99).astype(np.float32)


def test_resignation_and_the_no_resign_holdout():
    """White always sees a lost game: it resigns, except in the holdout games, where it is remembered."""
    cfg = small_cfg(resign_threshold=0.1, resign_min_moves=3, resign_disabled_frac=0.5, max_moves=20)
    games = play(cfg, 12, 6, 2, Gloomy(5))
    resigned = [f for f in games.values() if f.resigned]
    held = [f for f in games.values() if f.resign_disabled]
    assert resigned and held
    for f in resigned:
        assert f.winner == 1 and len(f.moves) % 2 == 1 and len(f.moves) >= 3
    for f in held:
        assert not f.resigned and f.would_resign == 2


@pytest.mark.parametrize("extra", [{}, {"leaves_per_game": 4}, {"playout_cap": True, "full_search_prob": 0.5}])
def test_each_sample_keeps_the_root_value_of_its_search(extra):
    """Every leaf is worth 0.99 to black, at any depth, so each search's root value is +-0.99 by who moves."""
    cfg = small_cfg(resign_threshold=0.0, max_moves=16, **extra)
    games = play(cfg, 4, 4, 2, Gloomy(5))
    for f in games.values():
        assert f.q.dtype == np.float32 and len(f.q) == len(f.z) > 0
        want = np.where(f.to_play == 1, 0.99, -0.99)
        assert np.allclose(f.q, want, atol=1e-5), (f.q, f.to_play)
    mixed = play(cfg, 2, 2, 1, PlanesNet(5, 3))  # a net whose values vary: q in [-1, 1], not constant
    q = np.concatenate([f.q for f in mixed.values()])
    assert np.all(np.abs(q) <= 1.0) and np.ptp(q) > 0


def test_null_evaluator_plays_full_games_with_virtual_loss():
    cfg = small_cfg(leaves_per_game=4, playouts=16)
    games = play(cfg, 3, 3, 1, NullEvaluator(26))
    assert len(games) == 3
    for f in games.values():
        assert f.simulations >= 16 * len(f.moves) * 0.9


def test_arena_bytes_per_game_9x9_fits_1024_games_in_2_gib():
    mg = ManyGames(BatchSearchConfig(size=9, playouts=100), 8)
    per_game = (mg.arena_bytes() + mg.scratch_bytes()) / 8
    assert per_game * 1024 < 2 * 2**30


@pytest.mark.parametrize("bad", [dict(games=0), dict(games=2, groups=3)])
def test_bad_slots(bad):
    with pytest.raises(ValueError):
        ManyGames(BatchSearchConfig(size=5), **bad)


def test_gs_columns_are_distinct():
    assert len({KB.GS_STATUS, KB.GS_SIMS, KB.GS_ID, KB.GS_WINNER}) == 4


@pytest.mark.parametrize("alpha", [0.03, 0.3, 2.0])
def test_gamma_variates_have_the_right_mean_and_variance(alpha):
    rng = np.array([12345], np.uint64)
    x = np.array([KG.rand_gamma(rng, 0, alpha) for _ in range(20_000)])
    assert (x >= 0).all()
    assert abs(x.mean() - alpha) < 0.05 * alpha + 0.002
    assert abs(x.var() - alpha) < 0.1 * alpha + 0.002


def test_two_groups_evaluate_in_a_helper_thread_while_the_other_steps():
    import threading
    import time

    seen = []

    def slow(planes, legal):
        seen.append(threading.current_thread() is threading.main_thread())
        time.sleep(0.01)
        return np.ones((len(planes), 26), np.float32), np.zeros(len(planes), np.float32)

    mg = ManyGames(small_cfg(max_moves=6), 4, groups=2)
    stats = mg.play(slow, 4)
    assert stats.games == 4 and seen and not any(seen)
    one = ManyGames(small_cfg(max_moves=6), 4, groups=2)
    seen.clear()
    one.play(slow, 4, overlap=False)
    assert all(seen)


def test_search_threads_play_the_same_games_as_one_thread():
    """A game's course depends on its seed and its evaluations only, not on which thread stepped it."""
    cfg = small_cfg(dirichlet_eps=0.25, temperature_moves=6, playout_cap=True, full_search_prob=0.5)
    net = PlanesNet(5, 4)
    one = play(cfg, 9, 6, 2, net)
    three = play(cfg, 9, 6, 6, net, threads=3)
    assert sorted(one) == sorted(three) == list(range(9))
    for i in range(9):
        assert np.array_equal(one[i].moves, three[i].moves)
        assert one[i].pi.tobytes() == three[i].pi.tobytes() and one[i].planes.tobytes() == three[i].planes.tobytes()


def test_search_threads_step_in_parallel_and_call_the_evaluator_one_at_a_time():
    import threading
    import time

    callers, inside, overlaps = set(), [0], []
    guard = threading.Lock()

    def slow(planes, legal):
        with guard:
            inside[0] += 1
            overlaps.append(inside[0] > 1)
            callers.add(threading.current_thread().name)
        time.sleep(0.002)
        with guard:
            inside[0] -= 1
        return np.ones((len(planes), 26), np.float32), np.zeros(len(planes), np.float32)

    mg = ManyGames(small_cfg(max_moves=6), 6, groups=3)
    stats = mg.play(slow, 9, threads=3)
    assert stats.games == 9 and stats.leaves == sum(stats.batch_sizes) > 0
    assert len(callers) == 3 and threading.main_thread().name not in callers
    assert not any(overlaps)


def test_an_evaluator_with_lanes_gets_that_many_calls_at_once():
    import threading
    import time

    class TwoLanes:
        lanes = 2

        def __init__(self):
            self.inside, self.most, self.guard = 0, 0, threading.Lock()

        def evaluate_planes(self, planes, legal):
            with self.guard:
                self.inside += 1
                self.most = max(self.most, self.inside)
            time.sleep(0.003)
            with self.guard:
                self.inside -= 1
            return np.ones((len(planes), 26), np.float32), np.zeros(len(planes), np.float32)

    net = TwoLanes()
    mg = ManyGames(small_cfg(max_moves=6), 8, groups=4)
    stats = mg.play(net.evaluate_planes, 12, threads=4)  # a bound method: its object says the lanes
    assert stats.games == 12
    assert net.most == 2


def test_an_evaluator_error_in_a_search_thread_reaches_the_caller():
    def broken(planes, legal):
        raise RuntimeError("net exploded")

    mg = ManyGames(small_cfg(), 4, groups=2)
    with pytest.raises(RuntimeError, match="net exploded"):
        mg.play(broken, 4, threads=2)
    with pytest.raises(ValueError, match="threads"):
        mg.play(NullEvaluator(26), 4, threads=3)


def test_search_threads_stop_on_time():
    import time

    mg = ManyGames(small_cfg(playouts=50, max_moves=50), 8, groups=4)
    t = time.perf_counter()
    stats = mg.play(NullEvaluator(26), 10**6, seconds=0.5, threads=4)
    assert time.perf_counter() - t < 5 and stats.seconds >= 0.5 and stats.leaves > 0


def _leaning(first: bool):
    """Priors that put 0.9 on the lowest (``first``) or highest legal point, value 0; counts its rows."""
    seen = []

    def ev(planes, legal):
        seen.append(len(planes))
        pts = legal[:, :-1] != 0
        priors = np.where(legal != 0, 0.1 / legal.shape[1], 0.0).astype(np.float32)
        idx = np.argmax(pts, axis=1) if first else pts.shape[1] - 1 - np.argmax(pts[:, ::-1], axis=1)
        has = pts.any(axis=1)
        priors[np.flatnonzero(has), idx[has]] = 0.9
        return priors, np.zeros(len(planes), np.float32)

    return ev, seen


@pytest.mark.parametrize("threads", [1, 2])
def test_a_match_sends_each_root_player_its_own_evaluator(threads):
    """Player A leans to low points, B to high ones: A's moves (Black in even games) are the low ones."""
    cfg = small_cfg(temperature_moves=0, dirichlet_eps=0.0, reuse_tree=False, max_moves=16, playouts=8)
    a, seen_a = _leaning(first=True)
    b, seen_b = _leaning(first=False)
    games = 6
    mg = ManyGames(cfg, 4, groups=2, a_black=[i % 2 == 0 for i in range(games)])
    out = {}
    mg.play(paired(a, b), games, on_game=lambda f: out.update({f.game_id: f}), threads=threads)
    assert sorted(out) == list(range(games)) and sum(seen_a) > 0 and sum(seen_b) > 0
    for i, f in out.items():
        black, white = f.moves[0::2], f.moves[1::2]
        a_moves, b_moves = (black, white) if i % 2 == 0 else (white, black)
        a_pts, b_pts = a_moves[a_moves < 25], b_moves[b_moves < 25]
        assert len(a_pts) and len(b_pts) and a_pts.mean() < b_pts.mean(), (i, f.moves)


def test_a_match_keeps_no_tree():
    with pytest.raises(ValueError, match="reuse_tree"):
        ManyGames(small_cfg(), 2, groups=1, a_black=[True, False])
