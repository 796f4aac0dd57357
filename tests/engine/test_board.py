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


# ----------------------------------------------------------------------------- golden diagram rows


def rows_of(diagram: str) -> list[str]:
    return [r.replace(" ", "") for r in diagram.strip().splitlines() if r.strip()]


def embed(diagram: str, size: int) -> str:
    """The diagram in the top-left corner of an empty ``size`` board."""
    rows = rows_of(diagram)
    assert len(rows) <= size
    return "\n".join([r.ljust(size, ".") for r in rows] + ["." * size] * (size - len(rows)))


def shift(vertex: str, small: int, size: int) -> str:
    """A vertex of the ``small`` diagram moved with it to the top-left corner of a ``size`` board."""
    if vertex.lower() == "pass":
        return vertex
    return f"{vertex[0]}{int(vertex[1:]) + size - small}"


def as_ascii(board: Board) -> str:
    return "\n".join("".join(".XO"[v] for v in row) for row in board.stones())


GOLDEN = [(case, size) for case in board_cases.CASES for size in case.sizes]


@pytest.mark.parametrize(("case", "size"), GOLDEN, ids=[f"{c.name} [{s}x{s}]" for c, s in GOLDEN])
def test_golden_case(case, size):
    small = len(rows_of(case.start))
    board = Board.from_ascii(embed(case.start, size), Rules(komi=0.0, **case.rules), to_play=case.to_play)
    for move in case.moves:
        play, _, reason = (part.strip() for part in move.partition("!"))
        color, vertex = play.split()
        vertex = shift(vertex, small, size)
        if reason:
            before = state(board)
            with pytest.raises(IllegalMove) as err:
                board.play_gtp(vertex, color)
            assert err.value.reason == reason and reason in str(err.value) and vertex in str(err.value)
            assert state(board) == before, "an illegal move changed the board"
        else:
            board.play_gtp(vertex, color)
    assert as_ascii(board) == embed(case.end, size)
    if case.captures is not None:
        assert (board.captures[BLACK], board.captures[WHITE]) == case.captures
    if case.ko is not None:
        want = coords.from_gtp(shift(case.ko, small, size), size) if case.ko else None
        assert board.ko_action == want
    if case.score is not None and size == small:
        assert board.area_score() == case.score
    # the incremental state also agrees with a from-scratch rebuild of the same stones
    rebuilt = Board.from_ascii(as_ascii(board), board.rules)
    assert rebuilt.hash == board.hash
    for a in range(size * size):
        if board.color_at(a) != EMPTY:
            assert board.liberties(a) == rebuilt.liberties(a) and board.chain(a) == rebuilt.chain(a)


def test_seki_ownership_leaves_shared_liberties_neutral():
    case = next(c for c in board_cases.CASES if c.name.startswith("seki: the shared"))
    board = Board.from_ascii(case.start)
    own = board.ownership().reshape(7, 7)
    assert own[0, 3] == 0 and own[1, 3] == 0  # D7, D6: the shared liberties
    assert own[0, 0] == 1 and own[0, 6] == -1  # eyes belong to their owner
    assert int(own.sum()) == case.score


def test_handicap_layouts_on_the_board():
    from engine.handicap import fixed_handicap

    board = Board(19)
    board.place_handicap(fixed_handicap(19, 9))
    assert as_ascii(board).splitlines()[3] == "...X.....X.....X..."
    assert as_ascii(board).splitlines()[9] == "...X.....X.....X..."
    assert board.to_play == WHITE and board.moves == [] and board.area_score() == 361 - 7.5
    board = Board(9)
    board.place_handicap(fixed_handicap(9, 4))
    assert as_ascii(board) == embed(
        """
        .........
        .........
        ..X...X..
        .........
        .........
        .........
        ..X...X..""",
        9,
    )
    board.undo()
    assert board.stones().sum() == 0 and board.to_play == BLACK


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("size", [0, 1, 20, 30, -9, 9.0, "9", None, True])
def test_bad_sizes_raise_value_error(size):
    with pytest.raises(ValueError, match="board size"):
        Board(size)


@pytest.mark.parametrize("action", [-1, 82, 1000, 2.5, "3", None, np.int64(-5)])
def test_actions_off_the_board_raise_and_change_nothing(action):
    board = Board(9)
    board.play(40)
    before = state(board)
    for call in (board.play, board.is_legal, board.legality, board.color_at, board.liberties, board.chain):
        with pytest.raises(ValueError):
            call(action)
    with pytest.raises(ValueError):
        board.setup(black=[action])
    assert state(board) == before


@pytest.mark.parametrize("vertex", ["", "Z9", "I5", "A0", "A10", "J10", "5A", "A-1", "AA", "A 5", "passs", "K1"])
def test_malformed_or_off_board_vertices(vertex):
    board = Board(9)
    with pytest.raises(ValueError, match="vertex"):
        board.play_gtp(vertex)
    assert board.move_number == 0


def test_bad_colors_raise_value_error():
    board = Board(5)
    for color in ("red", 0, 3, "", 1.5):
        with pytest.raises(ValueError, match="color"):
            board.play(0, color)
        with pytest.raises(ValueError, match="color"):
            board.legal_mask(color)
        with pytest.raises(ValueError, match="color"):
            board.is_eye(0, color)
    assert board.move_number == 0


def test_illegal_move_message_and_board_unchanged():
    board = Board.from_ascii(board_cases.CASES[0].start)
    before = state(board)
    with pytest.raises(IllegalMove, match=r"illegal move B5 for W: point is occupied") as err:
        board.play_gtp("B5", "W")
    assert isinstance(err.value, ValueError) and err.value.reason == "point is occupied"
    assert state(board) == before and board.moves == []
    board.play_gtp("pass")
    board.play_gtp("pass")
    with pytest.raises(IllegalMove, match="game is over"):
        board.play_gtp("C3")


def test_setup_rejects_chains_without_liberties_and_stays_unchanged():
    board = Board(5)
    board.play_gtp("A4", "B")
    board.play_gtp("B5", "B")
    before = state(board)
    with pytest.raises(ValueError, match="without liberties"):
        board.setup(white=[0])  # a white stone in the corner eye: no liberty
    assert state(board) == before
    board = Board(5)
    board.play_gtp("B5", "B")
    before = state(board)
    with pytest.raises(ValueError, match="without liberties at B5"):
        board.setup(white=[0, 2, 6])  # living white stones that take the last liberty of B5
    assert state(board) == before


def test_undo_of_setup_restores_the_superko_history():
    board = Board(5)
    for v in ("C3", "D3", "C2"):
        board.play_gtp(v)
    before = state(board)
    board.setup(black=[0], white=[24])
    board.undo()
    assert state(board) == before
    with pytest.raises(ValueError, match="cannot undo"):
        board.undo(10)


def test_handicap_bad_requests():
    from engine.handicap import check_free_handicap, fixed_handicap, max_fixed_handicap

    for size, stones in [(9, 1), (9, 10), (8, 5), (7, 5), (6, 2), (19, 0), (13, "3"), (13, True)]:
        with pytest.raises(ValueError, match="handicap"):
            fixed_handicap(size, stones)
    assert [max_fixed_handicap(n) for n in (2, 6, 7, 8, 9, 10, 19)] == [0, 0, 4, 4, 9, 4, 9]
    with pytest.raises(ValueError):
        fixed_handicap(20, 4)
    assert check_free_handicap(9, [0, 80]) == [0, 80]
    for bad in ([0], [0, 0], [0, 81], [0, 99], list(range(81))):
        with pytest.raises(ValueError):
            check_free_handicap(9, bad)
    board = Board(9)
    board.play(40)
    with pytest.raises(ValueError, match="empty"):
        board.place_handicap([40, 41])
