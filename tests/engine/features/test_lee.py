"""AlphaGo Lee planes ("aglee48"/"aglee49"): each plane group on hand-made positions."""

from __future__ import annotations

import numpy as np
import pytest

import engine.features as F
from engine import coords
from engine.board import BLACK, WHITE, Board
from engine.features import lee as FL

P = {name: i for i, name in enumerate(FL.PLANE_NAMES)}


def at(gtp: str, n: int) -> tuple[int, int]:
    return coords.to_rowcol(coords.from_gtp(gtp, n), n)


def planes(board, color=None, value=False):
    return FL.encode_lee(board, color, value)


def test_registered_and_shapes():
    assert F.n_planes("aglee48") == 48 and F.n_planes("aglee49") == 49
    b = Board(9)
    out = F.encode(b, "aglee49")
    assert out.shape == (49, 9, 9) and out.dtype == np.float32
    np.testing.assert_array_equal(out[:48], F.encode(b, "aglee48"))
    assert len(FL.PLANE_NAMES) == 49


def test_empty_board_constant_planes():
    p = planes(Board(9), value=True)
    assert p[P["empty"]].all() and not p[P["own"]].any() and not p[P["opponent"]].any()
    assert p[P["ones"]].all() and not p[P["zeros"]].any()
    assert p[P["player_black"]].all()
    assert p[P["sensibleness"]].all() and p[P["capture_size_0"]].all()
    assert p[P["liberties_after_4"]][4, 4] == 1 and p[P["liberties_after_2"]][0, 0] == 1
    assert p[P["liberties_after_3"]][0, 4] == 1
    # one-hot groups: exactly one plane per legal point
    for first in ("capture_size_0", "liberties_after_1"):
        np.testing.assert_array_equal(p[P[first] : P[first] + 8].sum(0), 1)


def test_colour_view_and_player_plane():
    b = Board.from_ascii(
        """
        X . .
        . O .
        . . .
        """,
        to_play=WHITE,
    )
    p = planes(b, value=True)
    assert p[P["own"]][1, 1] == 1 and p[P["opponent"]][0, 0] == 1 and p[P["empty"]][2, 2] == 1
    assert not p[P["player_black"]].any()
    q = planes(b, BLACK, value=True)
    assert q[P["own"]][0, 0] == 1 and q[P["player_black"]].all()


def test_turns_since_from_real_moves():
    b = Board(9)
    seq = ["E5", "C3", "G7", "C7", "G3", "E3", "E7", "C5", "G5"]
    for v in seq:
        b.play_gtp(v)
    p = planes(b)
    # seq[-1] was played 1 move ago, seq[-k] k moves ago; 9 moves ago -> ">= 8"
    for k in range(1, 9):
        r, c = at(seq[-k], 9)
        assert p[P[f"turns_since_{k}"]][r, c] == 1, k
    r, c = at(seq[0], 9)
    assert p[P["turns_since_8"]][r, c] == 1
    np.testing.assert_array_equal(p[4:12].sum(0), p[0] + p[1])
    b.play(b.pass_action)  # a pass is a turn too
    r, c = at(seq[-1], 9)
    assert planes(b)[P["turns_since_2"]][r, c] == 1


def test_liberty_planes():
    b = Board.from_ascii(
        """
        X O . . .
        . O . . .
        . . . X X
        . . . . .
        . . . . .
        """
    )
    p = planes(b)
    assert p[P["liberties_1"]][0, 0] == 1  # black corner stone in atari
    assert p[P["liberties_4"]][0, 1] == 1  # white chain: (0,2),(1,0),(1,2),(2,1)
    assert p[P["liberties_5"]][2, 3] == 1 and p[P["liberties_5"]][2, 4] == 1
    np.testing.assert_array_equal(p[12:20].sum(0), p[0] + p[1])


def test_capture_and_self_atari_and_liberties_after():
    b = Board.from_ascii(
        """
        . O X . . . .
        O X X . . . .
        X X . . . . .
        . . . . O O .
        . . . . O . O
        . . . . . O .
        . . . . . . .
        """,
        to_play=WHITE,
    )
    p = planes(b)
    # white D7 (0,3) touches the black chain, which keeps 4 liberties: no capture
    assert p[P["capture_size_0"]][0, 3] == 1
    # (4,5) is white's own eye: legal, not sensible
    assert p[P["sensibleness"]][4, 5] == 0 and p[P["liberties_after_8"]][4, 5] == 1
    # white at (0,0) joins (0,1) and (1,0): chain of 3 with no liberty -> illegal (suicide)
    assert p[P["sensibleness"]][0, 0] == 0 and p[36:44, 0, 0].sum() == 0
    b2 = Board.from_ascii(
        """
        . X O . .
        X O . . .
        O . . . .
        . . . . .
        . . . . .
        """,
        to_play=WHITE,
    )
    q = planes(b2)
    # white (0,0) captures the two separate black stones (0,1) and (1,0), both in atari
    assert q[P["capture_size_2"]][0, 0] == 1
    assert q[P["liberties_after_2"]][0, 0] == 1  # captured points become its liberties
    # black to play at (0,3): its stone would have libs (0,4),(1,3) -> 2
    q = planes(b2, BLACK)
    assert q[P["liberties_after_2"]][0, 3] == 1
    b3 = Board.from_ascii(
        """
        . O . . .
        O X O . .
        . . . . .
        . . . . .
        . . . . .
        """
    )
    r = planes(b3)
    # black (2,1) extends the atari'd stone: chain of 2 with libs (2,0),(2,2),(3,1) -> 3
    assert r[P["liberties_after_3"]][2, 1] == 1
    # black (0,0) would be a lone stone with no liberty that captures nothing: illegal
    assert r[P["sensibleness"]][0, 0] == 0 and r[20:44, 0, 0].sum() == 0
    # black (0,2): stone with libs (0,3) only, captures nothing -> self-atari size 1
    assert r[P["self_atari_size_1"]][0, 2] == 1 and r[P["liberties_after_1"]][0, 2] == 1
    b4 = Board.from_ascii(
        """
        . X X O .
        . O O . .
        . . . . .
        . . . . .
        . . . . .
        """
    )
    s = planes(b4)
    # black (0,0): joins the 2-stone chain -> 3 stones with the one liberty (1,0) -> size 3
    assert s[P["self_atari_size_3"]][0, 0] == 1


def test_ko_point_is_not_legal_for_the_side_to_move():
    b = Board.from_ascii(
        """
        . X O . .
        X O . O .
        . X O . .
        . . . . .
        . . . . .
        """,
        to_play=BLACK,
    )
    b.play_gtp("C4")  # black captures at C4 -> white B4 taken, ko at B4
    assert b.ko_action is not None
    r, c = coords.to_rowcol(b.ko_action, 5)
    p = planes(b)  # white to move: the ko point is banned
    assert p[P["sensibleness"]][r, c] == 0 and p[20:44, r, c].sum() == 0
    q = planes(b, BLACK)  # from black's view there is no ko ban
    assert q[20:28, r, c].sum() == 1


LADDER = """
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
. . . . X . . . .
. . . X O . . . .
. . . . . X . . .
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
"""


def test_ladder_capture_and_escape_planes():
    b = Board.from_ascii(LADDER)
    p = planes(b)
    assert p[P["ladder_capture"]][at("E4", 9)] == 1 and p[P["ladder_capture"]][at("F5", 9)] == 1
    assert p[P["ladder_capture"]].sum() == 2
    rows = LADDER.strip().splitlines()
    rows[1] = ". . . . . . O . ."  # white G8 on the ladder's path
    breaker = "\n".join(rows)
    b2 = Board.from_ascii(breaker)
    assert planes(b2)[P["ladder_capture"]][at("E4", 9)] == 0
    b.play_gtp("E4")
    b2.play_gtp("E4")
    assert planes(b)[P["ladder_escape"]].sum() == 0
    q = planes(b2)[P["ladder_escape"]]
    assert q[at("F5", 9)] == 1 and q.sum() == 1


def test_batch_equals_single_and_leaves_boards_untouched():
    rng = np.random.default_rng(3)
    boards = []
    for k in range(4):
        b = Board(9)
        for _ in range(10 + 8 * k):
            moves = b.legal_moves()[:-1]
            b.play(int(rng.choice(moves)))
        boards.append(b)
    before = [(b.pts.copy(), b.scal.copy()) for b in boards]
    batch = FL.encode_lee_batch(boards, value=True)
    for b, (pts, scal), got in zip(boards, before, batch, strict=True):
        np.testing.assert_array_equal(b.pts, pts)
        np.testing.assert_array_equal(b.scal, scal)
        np.testing.assert_array_equal(got, planes(b, value=True))
        # sensibleness == legal and not own true eye (legal = board's rule here: no superko hits)
        legal = b.legal_mask()[:-1].reshape(9, 9).astype(bool)
        assert not (got[P["sensibleness"]].astype(bool) & ~legal).any()


@pytest.mark.parametrize("size", [5, 19])
def test_other_sizes(size):
    b = Board(size)
    b.play(0)
    p = planes(b)
    assert p.shape == (48, size, size) and p[P["opponent"]][0, 0] == 1
