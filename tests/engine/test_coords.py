"""Coordinates: the docstring table's examples, round trips on every size, and bad input."""

from __future__ import annotations

import pytest

from engine import coords


def test_docstring_table_examples():
    assert coords.to_gtp(0, 9) == "A9" and coords.to_sgf(0, 9) == "aa"
    assert coords.to_rowcol(0, 9) == (0, 0) and coords.to_rowcol(81, 9) is None
    assert coords.pass_action(9) == 81 and coords.to_gtp(81, 9) == "pass" and coords.to_sgf(81, 9) == ""
    assert coords.to_gtp(80, 9) == "J1"  # no letter I
    assert coords.from_gtp("D4", 19) == (19 - 4) * 19 + 3 and coords.to_gtp(72, 19) == "Q16"
    assert coords.from_gtp("q16", 19) == coords.from_gtp("Q16", 19) == coords.from_sgf("pd", 19)


@pytest.mark.parametrize("size", range(coords.MIN_SIZE, coords.MAX_SIZE + 1))
def test_round_trips_on_every_size(size):
    seen_gtp, seen_sgf = set(), set()
    for action in range(size * size + 1):
        gtp, sgf = coords.to_gtp(action, size), coords.to_sgf(action, size)
        assert coords.from_gtp(gtp, size) == action and coords.from_sgf(sgf, size) == action
        rc = coords.to_rowcol(action, size)
        if rc is not None:
            assert coords.from_rowcol(*rc, size) == action
            assert "I" not in gtp and gtp.upper() == gtp
        seen_gtp.add(gtp)
        seen_sgf.add(sgf)
    assert len(seen_gtp) == len(seen_sgf) == size * size + 1
    assert coords.from_sgf("tt", size) == size * size and coords.from_gtp(" PASS ", size) == size * size


@pytest.mark.parametrize("size", [0, 1, 20, 30, -1, 9.0, "9", None, True])
def test_check_size_rejects(size):
    with pytest.raises(ValueError, match="board size"):
        coords.check_size(size)


@pytest.mark.parametrize("action", [-1, 82, 3.5, "x", None, [1]])
def test_check_action_rejects(action):
    with pytest.raises(ValueError):
        coords.check_action(action, 9)


@pytest.mark.parametrize("vertex", ["", "A", "9", "I1", "A0", "A10", "K5", "Z1", "AA1", "A-1", "A1.5", "5A"])
def test_from_gtp_rejects(vertex):
    with pytest.raises(ValueError, match="vertex"):
        coords.from_gtp(vertex, 9)


@pytest.mark.parametrize("point", ["a", "abc", "A1", "zz", "ja", "aj", "1a"])
def test_from_sgf_rejects(point):
    with pytest.raises(ValueError):
        coords.from_sgf(point, 9)


def test_from_rowcol_rejects_off_board():
    for rc in [(-1, 0), (0, -1), (9, 0), (0, 9)]:
        with pytest.raises(ValueError, match="off"):
            coords.from_rowcol(*rc, 9)
