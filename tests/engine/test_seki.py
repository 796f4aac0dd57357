"""engine/seki.py on a real GNU Go game that ends in seki, and on positions without one."""

from __future__ import annotations

from pathlib import Path

from engine.board import Board
from engine.coords import from_gtp, to_gtp
from engine.seki import seki_points, seki_stones
from engine.sgf import parse_sgf, record_to_board

SEKI_SGF = Path(__file__).parents[1] / "data" / "seki" / "gnugo_9x9.sgf"
# GNU Go 3.8's `final_status_list seki` on the final position of this game
GNUGO_SEKI = "F9 E8 F8 G8 F7 G7 H7 G6 H6 J6 H5 H4 H9 H8 J8".split()


def final_board() -> Board:
    return record_to_board(parse_sgf(SEKI_SGF.read_text(encoding="utf-8")))


def test_seki_of_a_gnugo_game_matches_gnugo():
    board = final_board()
    assert sorted(to_gtp(a, 9) for a in seki_points(board)) == ["G9", "J9"]  # J7: white can fill it
    assert sorted(to_gtp(a, 9) for a in seki_stones(board)) == sorted(GNUGO_SEKI)


def test_no_seki_on_an_open_board_or_between_living_groups():
    assert seki_stones(Board(9)) == []
    # two walls with a neutral point between them: either side can fill it
    board = Board(5)
    board.setup(black=[from_gtp(v, 5) for v in ("A3", "B3")], white=[from_gtp(v, 5) for v in ("D3", "E3")])
    assert seki_points(board) == [] and seki_stones(board) == []
