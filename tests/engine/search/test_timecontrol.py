"""TimeControl: GTP time_settings / time_left / kgs byo-yomi budgets."""

import pytest

from engine.search.timecontrol import ABSOLUTE, CANADIAN, JAPANESE, NONE, TimeControl

B, W = 1, 2


def test_no_settings_means_no_limit():
    tc = TimeControl()
    assert tc.budget(B, 9, 0) is None
    tc.set_time_settings(0, 10, 0)  # byo time without stones: no limit (GTP 6.3.4)
    assert tc.mode == NONE and tc.budget(B, 9, 0) is None


def test_absolute_time_spreads_over_the_game():
    tc = TimeControl(lag=0.0)
    tc.set_time_settings(300, 0, 0)
    assert tc.mode == ABSOLUTE
    first = tc.budget(B, 19, 0)
    assert 0.5 < first < 300 / 50
    tc.time_left(B, 10, 0)
    assert tc.budget(B, 19, 250) < 10 / 6 + 1e-9
    tc.time_left(B, 0.05, 0)
    assert 0 < tc.budget(B, 19, 250) <= 0.05


def test_canadian_byo_yomi():
    tc = TimeControl(lag=0.1, safety=0.1)
    tc.set_time_settings(60, 100, 25)
    assert tc.mode == CANADIAN
    in_main = tc.budget(B, 9, 0)
    assert in_main > 60 / 60  # main share plus part of a period's per-stone time
    tc.time_left(B, 40, 10)  # in byo-yomi: 40 s for 10 stones
    got = tc.budget(B, 9, 80)
    assert got == pytest.approx(40 / 10 * 0.9 - 0.1)  # per-stone share minus safety and lag
    tc.time_left(W, 3, 1)  # last stone of the period
    assert tc.budget(W, 9, 80) <= 3 * 0.9 - 0.1 + 1e-9


def test_canadian_clock_runs_on_recorded_moves():
    tc = TimeControl()
    tc.set_time_settings(1, 10, 2)
    tc.record_move(B, 1.5)  # spills 0.5 s into the first period
    c = tc.clocks[B]
    assert c.main == 0 and c.stones == 1 and c.byo_time == pytest.approx(9.5)
    tc.record_move(B, 1.0)  # period done: a fresh one starts
    assert c.stones == 2 and c.byo_time == 10


def test_japanese_byo_yomi():
    tc = TimeControl(lag=0.0, safety=0.1)
    tc.set_japanese(0, 30, 5)
    assert tc.mode == JAPANESE
    assert tc.budget(B, 19, 10) == pytest.approx(27)
    tc.set_japanese(600, 30, 5)
    assert tc.budget(B, 19, 0) > 600 / 200
    tc.time_left(B, 20, 3)  # in byo-yomi, 3 periods left, 20 s in this one
    assert tc.budget(B, 19, 100) == pytest.approx(18)


def test_bad_settings_raise():
    with pytest.raises(ValueError):
        TimeControl().set_time_settings(-1, 0, 0)
    with pytest.raises(ValueError):
        TimeControl().set_japanese(10, 0, 3)


def test_the_floor_holds_while_the_clock_can_pay_for_it():
    tc = TimeControl(lag=0.0)
    tc.set_time_settings(6, 0, 0)
    share = tc.budget(B, 9, 0)
    assert share == pytest.approx(6 / tc.moves_left_estimate(9, 0) * 0.9 / 0.9)  # no floor: the plain share
    tc.min_move = 0.3  # a few hundred playouts of a slow player
    assert tc.budget(B, 9, 0) == pytest.approx(0.3)  # raised to the floor: 6 s still pays 12 such moves
    tc.time_left(B, 1.2, 0)  # no longer: what is left is shared over the reserve
    assert tc.budget(B, 9, 40) == pytest.approx(1.2 / TimeControl.reserve_moves(9))
    assert tc.budget(B, 9, 40) < 0.3


def test_the_clock_never_runs_out_however_long_the_game():
    tc = TimeControl()
    tc.set_time_settings(2, 0, 0)
    tc.min_move = 0.5
    for move in range(0, 600, 2):
        spent = tc.budget(B, 9, move)
        assert spent > 0
        tc.record_move(B, spent)
    assert tc.clocks[B].main > 0


def test_lag_is_kept_in_proportion_to_a_short_clock():
    tc = TimeControl(lag=0.2, safety=0.1)
    tc.set_time_settings(0, 1, 5)  # Canadian: 5 stones in 1 s
    assert tc.budget(B, 9, 0) == pytest.approx(0.2 * 0.9 - 0.02)  # not 0.18 - 0.2 < 0
    tc.time_left(B, 0.1, 1)  # a tenth of a second for the last stone
    assert 0 < tc.budget(B, 9, 0) < 0.1
