"""engine/scoring.py: Benson's pass-alive chains, dead stones from playouts, seki, the score."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.board import BLACK, WHITE, Board, Rules
from engine.coords import to_gtp
from engine.scoring import area_score_without, benson, final_status, seki_stones
from engine.sgf import parse_sgf, record_to_board

DATA = Path(__file__).parents[1] / "data"


def vertices(actions, size) -> list[str]:
    return sorted(to_gtp(a, size) for a in actions)


def test_benson_two_eyes_are_pass_alive_one_eye_is_not():
    board = Board.from_ascii(
        """
        . X . X O .
        X X X X O .
        O O O O O .
        . . . . . .
        . . . . . .
        . . . . . .
        """
    )
    stones = board.stones().ravel()
    alive, territory = benson(stones, 6, BLACK)
    assert vertices(np.flatnonzero(alive), 6) == ["A5", "B5", "B6", "C5", "D5", "D6"]
    assert vertices(np.flatnonzero(territory), 6) == ["A6", "C6"]
    alive_w, _ = benson(stones, 6, WHITE)
    assert not alive_w.any()  # white's one big region is no eye
    one_eye = Board.from_ascii(
        """
        . X X O .
        X X X O .
        O O O O .
        . . . . .
        . . . . .
        """
    )
    assert not benson(one_eye.stones().ravel(), 5, BLACK)[0].any()


def test_stones_in_pass_alive_territory_are_dead_without_playouts():
    board = Board.from_ascii(
        """
        O . X X . X
        X X X X X X
        . . . . . .
        . . . . . .
        . . . . . .
        . . . . . .
        """
    )
    alive, territory = benson(board.stones().ravel(), 6, BLACK)
    assert np.count_nonzero(alive) == 9 and vertices(np.flatnonzero(territory), 6) == ["A6", "B6", "E6"]
    status = final_status(board, playouts=0)
    assert vertices(status.dead, 6) == ["A6"]


def test_lone_stones_in_open_areas_are_dead():
    board = Board.from_ascii(
        """
        . . . . . . . . .
        . . . . . . O . .
        . . . . . . . . .
        X X X X X X X X X
        O O O O O O O O O
        . . . . . . . . .
        . . X . . . . . .
        . . . . . . . . .
        . . . . . . . . .
        """
    )
    status = final_status(board)
    assert vertices(status.dead, 9) == ["C3", "G8"]  # as GNU Go 3.8 says
    assert status.seki == [] and len(status.alive) == 18
    assert status.result == "W+16.5"  # 45 points to 36 and komi 7.5, as GNU Go counts


def test_gnugo_game_dead_white_stone_and_seki():
    # GNU Go 3.8 on this game: dead G2, seki as below, final_score W+3.5 (the record says W+3.5)
    board = record_to_board(parse_sgf((DATA / "seki" / "gnugo_9x9.sgf").read_bytes()))
    status = final_status(board)
    assert vertices(status.dead, 9) == ["G2"]
    gnugo_seki = "F9 E8 F8 G8 F7 G7 H7 G6 H6 J6 H5 H4 H9 H8 J8".split()
    assert vertices(status.seki, 9) == sorted(gnugo_seki)
    assert set(status.seki) <= set(status.alive)
    assert status.result == "W+3.5"  # the seki eye J7 counts for nobody, as in GNU Go's count
    assert board.result() == "W+11.5"  # the plain count, with G2 left on the board


def test_a_chain_short_of_liberties_is_not_in_seki():
    # A1 is a shared point that neither side can fill, but white can fill C4 and capture B1-B3-C3
    board = Board.from_ascii(
        """
        . . X O O . . . .
        . X . X O . . O O
        X . . X O O O X O
        O X X X X X X X X
        O O O O X . . X X
        . O . O O X . . .
        O X X O X X . . .
        O X O O O X X . .
        . X O . O O X . .
        """
    )
    assert vertices(seki_stones(board), 9) == []
    assert {"B1", "B2", "B3", "C3"} <= set(vertices(final_status(board).dead, 9))


def test_score_is_the_plain_area_count_when_nothing_is_dead():
    rng = np.random.default_rng(0)
    for _ in range(10):
        board = Board(7, Rules(komi=5.5))
        for _ in range(40):
            moves = board.legal_moves()
            board.play(int(rng.choice(moves)))
        assert area_score_without(board, []) == board.area_score()


def test_same_seed_same_judgement():
    board = record_to_board(parse_sgf((DATA / "seki" / "gnugo_9x9.sgf").read_bytes()))
    a, b = final_status(board, seed=3), final_status(board, seed=3)
    assert a.dead == b.dead and np.array_equal(a.ownership, b.ownership)


@pytest.mark.parametrize("size", [2, 19])
def test_empty_boards(size):
    status = final_status(Board(size), playouts=20)
    assert status.dead == status.alive == status.seki == [] and status.score == -7.5
