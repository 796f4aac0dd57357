"""Board tests: seeded random games against the naive oracle, then the golden diagram table.

Part 1 (property test, stumpy ``naive.py`` style): random legal and illegal move attempts on
sizes 2..19 under every rule variant; after every move the incremental kernel state is checked
against ``tests/engine/naive_board.py`` and against itself recomputed from scratch.

Part 2 (golden rows, sgfmill style): the data in ``tests/engine/board_cases.py``.

Part 3: bad input raises clear Python errors and leaves the board unchanged.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from engine import _kernels as K
from engine import coords
from engine.board import BLACK, EMPTY, WHITE, Board, IllegalMove, Rules
from tests.engine import board_cases
from tests.engine.naive_board import NaiveBoard

# ----------------------------------------------------------------------------- helpers


def state(board: Board) -> tuple[bytes, bytes, bytes]:
    """Byte images of everything a move may change: pts, scal and the used part of hist."""
    return board.pts.tobytes(), board.scal.tobytes(), board.hist[: board.scal[K.NHIST]].tobytes()


def loc_of(board: Board, r: int, c: int) -> int:
    return (r + 1) * (board.size + 1) + c + 1


def assert_consistent(board: Board, naive: NaiveBoard) -> None:
    """Kernel arrays agree with the oracle and with themselves recomputed from scratch."""
    n, pts, scal = board.size, board.pts, board.scal
    st = pts[K.STONES]
    assert board.stones().tolist() == naive.grid, f"stones differ\n{board}"
    # walls untouched, empties list exact, stone counts and hash recomputed from the stones
    on_board = {loc_of(board, r, c) for r in range(n) for c in range(n)}
    assert all(st[loc] == K.WALL for loc in range(pts.shape[1]) if loc not in on_board)
    empties = {loc for loc in on_board if st[loc] == EMPTY}
    listed = pts[K.EMPTIES, : scal[K.NEMPTY]]
    assert set(listed.tolist()) == empties and len(listed) == len(empties)
    assert all(pts[K.EPOS, loc] == i for i, loc in enumerate(listed))
    assert scal[K.COUNT_B] == int((st == BLACK).sum()) and scal[K.COUNT_W] == int((st == WHITE).sum())
    h = 0
    for loc in on_board:
        if st[loc] != EMPTY:
            h ^= int(board.zob[st[loc], loc])
    assert scal[K.HASH] == h, "incremental zobrist differs from the one recomputed from stones"
    # chains: HEAD/NEXT/GSIZE/LIBS against flood fill and the from-scratch liberty count
    done = set()
    for r in range(n):
        for c in range(n):
            loc = loc_of(board, r, c)
            if st[loc] == EMPTY or loc in done:
                continue
            stones, libs = naive.chain(r, c)
            want = {loc_of(board, *p) for p in stones}
            head = pts[K.HEAD, loc]
            assert pts[K.HEAD, head] == head and head in want
            ring, s = [], head
            while True:
                ring.append(int(s))
                s = pts[K.NEXT, s]
                if s == head or len(ring) > len(want):
                    break
            assert sorted(ring) == sorted(want), f"NEXT ring of chain at {(r, c)} is not the chain"
            assert all(pts[K.HEAD, s] == head for s in ring)
            assert pts[K.GSIZE, head] == len(want)
            assert pts[K.LIBS, head] == len(libs), f"incremental libs of chain at {(r, c)}"
            assert K.count_libs_scratch(pts, scal, head) == len(libs)
            done |= want


def oracle_mask(naive: NaiveBoard, color: int) -> np.ndarray:
    n = naive.n
    mask = [naive.is_legal(r, c, color) for r in range(n) for c in range(n)]
    return np.array([*mask, True], np.int8)


RULES = {
    "psk": Rules(komi=0.0),
    "psk-suicide": Rules(komi=0.0, allow_suicide=True),
    "simple": Rules(komi=0.0, ko="simple"),
    "simple-suicide": Rules(komi=0.0, ko="simple", allow_suicide=True),
}
# (size, moves per game, games per rule variant): small boards get many short games, big ones few
GAMES = [(2, 40, 12), (3, 100, 10), (5, 200, 6), (7, 250, 4), (9, 300, 3), (13, 250, 2), (19, 300, 1)]


def random_game(size: int, rules: Rules, seed: int, max_moves: int) -> Counter:
    """Play one seeded random game with all checks; returns a count of the events seen."""
    events = Counter()
    rng = np.random.default_rng(seed)
    board = Board(size, rules)
    naive = NaiveBoard(size, rules.allow_suicide, rules.ko)
    assert_consistent(board, naive)
    for _ in range(max_moves):
        color = board.to_play if rng.random() > 0.05 else 3 - board.to_play  # sometimes out of turn
        mask = board.legal_mask(color)
        np.testing.assert_array_equal(mask, oracle_mask(naive, color))
        # an illegal attempt must raise and change nothing
        illegal = np.flatnonzero(mask == 0)
        if len(illegal):
            bad = int(rng.choice(illegal))
            events.update(board.legality(int(a), color) for a in (illegal if size <= 5 else [bad]))
            before = state(board)
            with pytest.raises(IllegalMove):
                board.play(bad, color)
            assert state(board) == before
        # a legal move: play, check undo restores bytes, replay deterministically
        legal = np.flatnonzero(mask[:-1])
        action = int(rng.choice(legal)) if len(legal) and rng.random() > 0.01 else board.pass_action
        before = state(board)
        captured = board.play(action, color)
        after = state(board)
        board.undo()
        assert state(board) == before, "undo did not restore the arrays byte for byte"
        assert board.play(action, color) == captured and state(board) == after
        rc = coords.to_rowcol(action, size)
        assert naive.play(*(rc or (None, None)), color) == captured
        assert board.captures == naive.captures
        events["capture"] += captured > 0
        events["suicide played"] += action != board.pass_action and board.color_at(action) == EMPTY
        assert_consistent(board, naive)
        if rng.random() < 0.1:  # copies are independent both ways
            other = board.copy()
            moves = np.flatnonzero(other.legal_mask()[:-1])
            if len(moves):
                mine = state(board)
                other.play(int(rng.choice(moves)))
                assert state(board) == mine and len(other.moves) == len(board.moves) + 1
        if board.is_over:
            break
    assert K.area_score(board.pts, board.scal) == naive.area_score()
    assert board.area_score() == naive.area_score() - rules.komi
    return events


@pytest.mark.parametrize("rule_name", list(RULES))
@pytest.mark.parametrize(("size", "max_moves", "games"), GAMES, ids=[f"{g[0]}x{g[0]}" for g in GAMES])
def test_random_games_match_naive_oracle(size, max_moves, games, rule_name):
    events = Counter()
    for g in range(games):
        events += random_game(size, RULES[rule_name], seed=1000 * size + g, max_moves=max_moves)
    # the games must reach the rules under test, or the oracle comparison proves little
    assert events["capture"] > 0 and events["point is occupied"] > 0
    if size in (3, 5):
        ko_ban = "positional superko" if RULES[rule_name].ko == "positional" else "ko recapture"
        assert events[ko_ban] > 0, events
        assert events["suicide played" if RULES[rule_name].allow_suicide else "suicide"] > 0, events
