"""engine/features/registry.py: registry, and the planes of hand-made positions."""

from __future__ import annotations

import numpy as np
import pytest

from engine import features
from engine.board import BLACK, WHITE, Board
from engine.coords import from_gtp
from engine.features import FEATURES, encode, n_planes, register


def planes_of(board, name="agz17", color=None):
    out = encode(board, name, color)
    assert out.dtype == np.float32 and out.shape == (n_planes(name), board.size, board.size)
    assert set(np.unique(out)) <= {0.0, 1.0}
    return out


def mask(size, *vertices):
    m = np.zeros((size, size), np.float32)
    for v in vertices:
        m.flat[from_gtp(v, size)] = 1.0
    return m


def play(board, *vertices):
    for v in vertices:
        board.play_gtp(v)


def test_registry():
    assert FEATURES["agz17"][0] == 17 and FEATURES["simple"][0] == 4
    assert n_planes() == 17 and n_planes("simple") == 4
    with pytest.raises(KeyError, match="agz17"):
        n_planes("nope")
    with pytest.raises(KeyError):
        encode(Board(5), "nope")
    with pytest.raises(ValueError, match="already registered"):
        register("agz17", 17)


def test_register_a_new_encoding():
    @register("_test_ones", 2)
    def _ones(board, color, out):
        out[:] = 1.0

    try:
        assert n_planes("_test_ones") == 2
        assert encode(Board(5), "_test_ones").sum() == 2 * 25
    finally:
        del FEATURES["_test_ones"]


def test_empty_board_black_to_move():
    out = planes_of(Board(5))
    assert out[:16].sum() == 0 and np.all(out[16] == 1)


def test_empty_board_white_to_move():
    board = Board(5)
    board.play_gtp("pass")
    out = planes_of(board)
    assert out[:16].sum() == 0 and np.all(out[16] == 0)


def test_history_order_and_zero_planes_before_start():
    board = Board(5)
    play(board, "A1", "B2", "C3")  # black A1, white B2, black C3; white to move
    out = planes_of(board)
    # own = white (to move), the same colour in every history plane
    expected_own = [mask(5, "B2"), mask(5, "B2"), mask(5), mask(5)]
    expected_opp = [mask(5, "A1", "C3"), mask(5, "A1"), mask(5, "A1"), mask(5)]
    for i in range(4):
        assert np.array_equal(out[i], expected_own[i]), i
        assert np.array_equal(out[8 + i], expected_opp[i]), i
    assert out[4:8].sum() == 0 and out[12:16].sum() == 0  # before the game start
    assert np.all(out[16] == 0)


def test_colour_flip_swaps_own_and_opponent():
    board = Board(5)
    play(board, "A1", "B2", "C3")
    as_white = planes_of(board)
    as_black = planes_of(board, color=BLACK)
    assert np.array_equal(as_black[:8], as_white[8:16])
    assert np.array_equal(as_black[8:16], as_white[:8])
    assert np.all(as_black[16] == 1) and np.all(as_white[16] == 0)
    assert np.array_equal(planes_of(board, color="white"), as_white)


def test_history_keeps_the_last_eight_positions():
    board = Board(5)
    moves = ["A1", "E5", "B1", "D5", "C1", "C5", "D1", "B5", "E1", "A5", "A2", "E4"]
    snapshots = [board.stones()]
    for v in moves:
        board.play_gtp(v)
        snapshots.append(board.stones())
    out = planes_of(board)  # 12 moves played: black to move
    assert board.to_play == BLACK
    for i in range(8):
        stones = snapshots[-1 - i]
        assert np.array_equal(out[i], (stones == BLACK).astype(np.float32)), i
        assert np.array_equal(out[8 + i], (stones == WHITE).astype(np.float32)), i


def test_capture_shows_in_history():
    board = Board(5)
    play(board, "B1", "A1", "A2")
    # black A2 captured white A1; white to move
    out = planes_of(board)
    assert out[0].sum() == 0  # white now has no stones
    assert np.array_equal(out[1], mask(5, "A1"))  # ... but had A1 before the capture
    assert np.array_equal(out[8], mask(5, "B1", "A2"))
    assert np.array_equal(out[9], mask(5, "B1"))


def test_passes_repeat_the_position_in_history():
    board = Board(5)
    play(board, "C3", "pass")
    out = planes_of(board)  # black to move
    assert np.array_equal(out[0], mask(5, "C3")) and np.array_equal(out[1], mask(5, "C3"))
    assert out[2].sum() == 0


def test_setup_position_has_no_history():
    board = Board.from_ascii(
        """
        X O . . .
        . . . . .
        . . . . .
        . . . . .
        . . . . .
        """,
        to_play=WHITE,
    )
    out = planes_of(board)
    assert np.array_equal(out[0], mask(5, "B5")) and np.array_equal(out[8], mask(5, "A5"))
    assert out[1:8].sum() == 0 and out[9:16].sum() == 0


def test_simple_encoding():
    board = Board(5)
    play(board, "A1", "B2")
    out = planes_of(board, "simple")  # black to move
    assert np.array_equal(out[0], mask(5, "A1")) and np.array_equal(out[1], mask(5, "B2"))
    assert np.array_equal(out[0] + out[1] + out[2], np.ones((5, 5)))
    assert np.all(out[3] == 1)
    white_view = planes_of(board, "simple", color=WHITE)
    assert np.array_equal(white_view[0], out[1]) and np.all(white_view[3] == 0)


def test_out_array_is_filled_in_place():
    board = Board(5)
    play(board, "A1")
    batch = np.full((3, 17, 5, 5), 7.0, np.float32)
    result = encode(board, out=batch[1])
    assert result is not None and np.shares_memory(result, batch)
    assert np.array_equal(batch[1], encode(board))
    assert np.all(batch[0] == 7.0)
    with pytest.raises(ValueError, match="out must be"):
        encode(board, out=np.zeros((17, 5, 5), np.float64))
    with pytest.raises(ValueError, match="out must be"):
        encode(board, "simple", out=np.zeros((17, 5, 5), np.float32))


def test_encode_does_not_modify_board():
    board = Board(9)
    play(board, "E5", "C3", "pass")
    before = (board.stones().copy(), board.hash, board.to_play, list(board.moves))
    for name in features.FEATURES:
        encode(board, name)
    assert np.array_equal(board.stones(), before[0])
    assert (board.hash, board.to_play, board.moves) == before[1:]


def test_liberties_encoding_on_a_hand_made_position():
    board = Board.from_ascii(
        """
        . X O . .
        X O O . .
        . X O . .
        . . X . .
        . . . . .
        """
    )
    x = encode(board, "liberties", BLACK)
    assert x.shape == (n_planes("liberties"), 5, 5) == (8, 5, 5)
    at = {name: from_gtp(name, 5) for name in ("B5", "A4", "B3", "C2", "C4")}
    row_col = {k: divmod(a, 5) for k, a in at.items()}
    assert x[0][row_col["B5"]] == 1 and x[0].sum() == 1  # black B5: one liberty (A5)
    assert x[1][row_col["A4"]] == 1 and x[1][row_col["B3"]] == 1 and x[1].sum() == 2
    assert x[2][row_col["C2"]] == 1 and x[2].sum() == 1
    assert x[5][row_col["C4"]] == 1 and x[5].sum() == 4 and x[3].sum() == x[4].sum() == 0  # white chain: 3
    assert x[6].sum() == 17 and x[7].min() == 1
    y = encode(board, "liberties", WHITE)  # own and opponent swap
    np.testing.assert_array_equal(y[:3], x[3:6])
    np.testing.assert_array_equal(y[3:6], x[:3])
    assert y[7].max() == 0


def test_liberty_grid_matches_board_liberties_in_random_games():
    rng = np.random.default_rng(3)
    for size in (5, 9):
        board = Board(size)
        for _ in range(3 * size * size // 2):
            moves = board.legal_moves()
            board.play(int(rng.choice(moves)))
            if board.is_over:
                break
        grid = board.liberty_grid().ravel()
        assert grid.max() > 0
        assert [int(v) for v in grid] == [board.liberties(a) for a in range(size * size)]
