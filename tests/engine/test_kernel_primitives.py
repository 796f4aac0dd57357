"""The kernel primitives written once in ``engine._kernels``, against the naive oracle.

Each primitive replaced two to five copies in the board, playout, policy, rollout, feature and
search kernels (see ``docs/benchmarks.md``, "Kernel primitives"). Every name a kernel file used for
its copy is checked here on the same seeded random positions, so a copy that came back, or a
primitive that drifted, fails against the flood-fill answers of ``tests/engine/naive_board.py``.
"""

import numpy as np
import pytest

from engine import _kernels as K
from engine.board import Board, Rules
from engine.features import _kernels_features as KF
from engine.rollout import _kernels_playout as KP
from engine.rollout import _kernels_policy as KPOL
from engine.rollout import _kernels_rollout as KR
from engine.search import _kernels_mcts as KM
from tests.engine.naive_board import NaiveBoard, NaiveIllegal

SIZES = (5, 7, 9)


def _positions(seed, size, count=12):
    """Boards of a seeded random game (no own-eye fills), one every few moves."""
    rng = np.random.default_rng(seed)
    board = Board(size, Rules(komi=0.5, ko="simple"))
    out = []
    for step in range(6 * size * size):
        if board.is_over:
            break
        moves = [a for a in board.legal_moves() if a != board.pass_action and not board.is_eye(a, board.to_play)]
        board.play(int(rng.choice(moves)) if moves else board.pass_action)
        if step % max(1, size * size // count) == 0:
            out.append(board.copy())
    return out


def _naive(board):
    naive = NaiveBoard(board.size, ko="simple")
    naive.grid = [list(map(int, row)) for row in board.stones()]
    return naive


CASES = [board for i, size in enumerate(SIZES) for board in _positions(100 + i, size)]


def _empties(board):
    n = board.size
    return [a for a in range(n * n) if board.color_at(a) == 0]


def _loc(board, a):
    return board._loc(a)


@pytest.mark.parametrize("libs_after", [K.libs_after, KPOL.libs_after, KR.libs_after])
def test_libs_after_matches_the_flood_fill(libs_after):
    for board in CASES:
        naive = _naive(board)
        for a in _empties(board):
            r, c = divmod(a, board.size)
            for color in (1, 2):
                naive.allow_suicide = True
                grid, captured, _ = naive.result_of(r, c, color)
                libs = len(naive.chain(r, c, grid)[1]) if grid[r][c] == color else 0
                for cap in (1, 2, 3, 100):
                    want = cap if captured else min(libs, cap)
                    got = libs_after(board.pts.copy(), board.scal.copy(), _loc(board, a), color, cap)
                    assert got == want, (str(board), a, color, cap)


@pytest.mark.parametrize("chain_liberty", [K.chain_liberty, KPOL.chain_liberty, KR.chain_liberty])
def test_chain_liberty_is_a_liberty(chain_liberty):
    for board in CASES:
        naive = _naive(board)
        w = board.size + 1
        for a in range(board.size**2):
            if board.color_at(a) == 0:
                continue
            r, c = divmod(a, board.size)
            libs = {board._loc(rr * board.size + cc) for rr, cc in naive.chain(r, c)[1]}
            got = chain_liberty(board.pts, w, board.pts[K.HEAD, _loc(board, a)])
            assert got in libs


def test_chain_liberty_walks_match_the_flood_fill():
    """``count_libs_scratch``, ``mark_libs`` (through it) and ``chain_liberties``."""
    for board in CASES:
        naive = _naive(board)
        for a in range(board.size**2):
            if board.color_at(a) == 0:
                continue
            r, c = divmod(a, board.size)
            libs = {board._loc(rr * board.size + cc) for rr, cc in naive.chain(r, c)[1]}
            head = board.pts[K.HEAD, _loc(board, a)]
            assert K.count_libs_scratch(board.pts.copy(), board.scal.copy(), head) == len(libs)
            for room in (1, 2, 8):
                out = np.zeros(room, np.int64)
                k = KF.chain_liberties(board.pts.copy(), board.scal.copy(), head, out)
                assert k == min(room, len(libs)) and set(out[:k]) <= libs and len(set(out[:k])) == k


def _simple_legal(board, naive, a, color):
    """Empty, not the ko point of the side to move, not suicide (the rollouts' and features' rule)."""
    r, c = divmod(a, board.size)
    if board.color_at(a) != 0:
        return False
    if board.ko_action == a and color == board.to_play:
        return False
    try:
        naive.result_of(r, c, color)
    except NaiveIllegal:
        return False
    return True


def test_simple_legality_variants_match():
    """``simple_legal`` (features, policy), ``fill_legal_mask_simple`` (search) and the random pickers."""
    for board in CASES:
        naive = _naive(board)
        n = board.size
        want = {color: [_simple_legal(board, naive, a, color) for a in range(n * n)] for color in (1, 2)}
        for color in (1, 2):
            for a in range(n * n):
                for fn in (K.simple_legal, KF.simple_legal, KPOL.simple_legal):
                    assert fn(board.pts, board.scal, _loc(board, a), color) == want[color][a]
        mask = np.zeros(n * n + 1, np.int8)
        KM.fill_legal_mask_simple(board.pts, board.scal, mask)
        assert mask[: n * n].tolist() == [int(x) for x in want[board.to_play]] and mask[n * n] == 1
        rng = np.array([12345], np.uint64)
        for pick, avoid in ((KP.pick_random_move, False), (KPOL.random_move, True)):
            for _ in range(5):
                loc = pick(board.pts.copy(), board.scal.copy(), rng)
                if loc:
                    a = board._action(loc)
                    assert want[board.to_play][a] and not board.is_eye(a, board.to_play)
                    if avoid:
                        assert not K.big_self_atari(board.pts.copy(), board.scal.copy(), loc, board.to_play, n + 1)
                else:
                    assert not any(
                        want[board.to_play][a] and not board.is_eye(a, board.to_play) and not avoid
                        for a in range(n * n)
                    )


def test_move_effect_matches_the_flood_fill():
    """Captures, liberties and size of the chain a move makes (the Lee feature planes' counts)."""
    res = np.zeros(3, np.int64)
    for board in CASES:
        naive = _naive(board)
        for a in _empties(board):
            r, c = divmod(a, board.size)
            color = board.to_play
            if not _simple_legal(board, naive, a, color):
                continue
            grid, captured, _ = naive.result_of(r, c, color)
            stones, libs = naive.chain(r, c, grid)
            KF._move_effect(board.pts.copy(), board.scal.copy(), _loc(board, a), color, res)
            assert res.tolist() == [captured, len(libs), len(stones)]


def test_loc_action_formulas_round_trip():
    for n in (2, 9, 19):
        w = n + 1
        for a in range(n * n):
            r, c = divmod(a, n)
            loc = K.loc_of(r, c, w)
            assert loc == K.action_loc(a, n) == Board(n)._loc(a)
            assert K.loc_action(loc, n) == a and K.row_col(loc, w) == (r, c)


def test_area_score_and_ownership_agree_with_the_flood_fill():
    for board in CASES:
        naive = _naive(board)
        assert K.area_score(board.pts.copy(), board.scal.copy()) == naive.area_score()
        own = board.ownership()
        assert int((own == 1).sum() - (own == -1).sum()) == naive.area_score()


def test_hash_after_is_the_hash_the_move_makes():
    """Captures, suicides (of one or several chains) and quiet moves, for both colours."""
    for board in CASES:
        for a in _empties(board):
            loc = _loc(board, a)
            for color in (1, 2):
                pts, scal, hist = board.pts.copy(), board.scal.copy(), board.hist.copy()
                want_from = K.hash_after(board.pts, board.scal, board.zob, loc, color)
                K.play_unsafe(pts, scal, board.zob, hist, loc, color)
                assert want_from == scal[K.HASH], (str(board), a, color)
