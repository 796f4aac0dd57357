"""Ladder reader (``engine.features._kernels_features.ladder_read``) on hand-made chases."""

from __future__ import annotations

import pytest

from engine import coords
from engine.board import BLACK, WHITE, Board
from engine.features import lee as FL


def a(gtp: str, n: int) -> int:
    return coords.from_gtp(gtp, n)


def empty_rows(n: int) -> list[list[str]]:
    return [["."] * n for _ in range(n)]


def diagram(n: int, black=(), white=()) -> str:
    g = empty_rows(n)
    for v in black:
        r, c = coords.to_rowcol(a(v, n), n)
        g[r][c] = "X"
    for v in white:
        r, c = coords.to_rowcol(a(v, n), n)
        g[r][c] = "O"
    return "\n".join(" ".join(r) for r in g)


# white D4 (liberties E4, D3) next to black D5, C4, E3. Black D3 starts a ladder that runs the
# whole diagonal up to the upper right of a 19x19 board; black E4 one that hits the lower left.
START = dict(black=["D5", "C4", "E3"], white=["D4"])


def test_long_ladder_works_on_empty_19x19():
    b = Board.from_ascii(diagram(19, **START))
    assert FL.ladder_capture(b, a("D3", 19), BLACK)
    assert FL.ladder_capture(b, a("E4", 19), BLACK)
    b.play_gtp("D3", BLACK)
    assert b.liberties(a("D4", 19)) == 1
    assert FL.ladder_captured(b, a("D4", 19))  # white in atari, white to move


def test_far_stones_do_not_matter():
    b = Board.from_ascii(diagram(19, black=START["black"], white=START["white"] + ["C17", "R3"]))
    assert FL.ladder_capture(b, a("D3", 19), BLACK)


@pytest.mark.parametrize("breaker", ["Q16", "O15", "K10", "R18"])
def test_breaker_on_the_diagonal_saves_the_prey(breaker):
    b = Board.from_ascii(diagram(19, black=START["black"], white=START["white"] + [breaker]))
    assert not FL.ladder_capture(b, a("D3", 19), BLACK)
    assert FL.ladder_capture(b, a("E4", 19), BLACK)  # the other direction still works
    b.play_gtp("D3", BLACK)
    assert not FL.ladder_captured(b, a("D4", 19))


def test_attacker_stone_on_the_diagonal_keeps_the_ladder():
    b = Board.from_ascii(diagram(19, black=START["black"] + ["K10"], white=START["white"]))
    assert FL.ladder_capture(b, a("D3", 19), BLACK)


def test_prey_escapes_by_capturing_a_chaser_in_atari():
    # black C4, next to the prey, is itself in atari (white B4, C5, D4; liberty C3)
    black = ["D5", "C4", "E3"]
    white = ["D4", "B4", "C5"]
    b = Board.from_ascii(diagram(9, black=black, white=white))
    assert b.liberties(a("C4", 9)) == 1
    assert not FL.ladder_capture(b, a("E4", 9), BLACK)
    b.play_gtp("E4", BLACK)
    assert not FL.ladder_captured(b, a("D4", 9))


def test_two_liberty_chain_with_attacker_to_move():
    b = Board.from_ascii(diagram(9, **START))
    assert b.liberties(a("D4", 9)) == 2
    assert FL.ladder_captured(b, a("D4", 9), attacker_to_move=True)
    b2 = Board.from_ascii(diagram(9, black=["D5"], white=["D4"]))
    assert not FL.ladder_captured(b2, a("D4", 9), attacker_to_move=True)  # 3 liberties


def test_budget_exhaustion_means_no_ladder():
    b = Board.from_ascii(diagram(19, **START))
    assert FL.ladder_capture(b, a("D3", 19), BLACK, budget=1000)
    assert not FL.ladder_capture(b, a("D3", 19), BLACK, budget=5)


def test_board_untouched_and_colours_symmetric():
    b = Board.from_ascii(diagram(13, **START))
    pts, scal = b.pts.copy(), b.scal.copy()
    assert FL.ladder_capture(b, a("E4", 13), BLACK)
    assert (b.pts == pts).all() and (b.scal == scal).all()
    swapped = Board.from_ascii(diagram(13, black=START["white"], white=START["black"]), to_play=WHITE)
    assert FL.ladder_capture(swapped, a("E4", 13), WHITE)
