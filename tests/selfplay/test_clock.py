"""Game clocks: parsing clock specs, absolute time, Canadian byo-yomi periods, the GTP commands."""

import pytest

from selfplay.clock import ClockSpec, GameClock


@pytest.mark.parametrize(
    "text, spec",
    [
        ("10m+5x30s", ClockSpec(600, 30, 5)),
        ("600+5x30", ClockSpec(600, 30, 5)),
        ("90", ClockSpec(90)),
        ("1h", ClockSpec(3600)),
        ("0+1x2.5", ClockSpec(0, 2.5, 1)),
    ],
)
def test_specs_parse(text, spec):
    assert ClockSpec.parse(text) == spec


@pytest.mark.parametrize("text", ["", "ten", "10m+5", "10m+x30", "5x30", "10m+0x30", "0"])
def test_bad_specs_are_refused(text):
    with pytest.raises(ValueError):
        ClockSpec.parse(text)


def test_gtp_time_settings():
    assert ClockSpec(600, 30, 5).gtp == "time_settings 600 30 5"
    assert ClockSpec(90).gtp == "time_settings 90 0 0"
    assert ClockSpec(0.4, 2.5, 1).gtp == "time_settings 0 2 1"  # GTP times are whole seconds
    assert str(ClockSpec(600, 30, 5)) == "600s+5x30s"


def test_absolute_time_runs_out_past_the_grace():
    clock = GameClock(ClockSpec(10), grace=0.5)
    assert clock.charge(6) and clock.time_left("b") == "time_left b 4 0"
    assert clock.charge(4.4)  # 0.4 s over: within the grace
    assert not clock.charge(0.2)
    assert clock.used == pytest.approx(10.6)


def test_canadian_byo_yomi():
    clock = GameClock(ClockSpec(10, 30, 3), grace=0.0)
    assert clock.charge(8) and clock.describe() == "2.0 s main"
    assert clock.charge(5)  # main runs out: 3 s of this move go to the first period, one stone played
    assert clock.time_left("w") == "time_left w 27 2" and clock.describe() == "27.0 s / 2 stones"
    assert clock.charge(20) and clock.charge(6)  # the third stone within the period: a new full period
    assert clock.time_left("w") == "time_left w 30 3"
    assert clock.available == pytest.approx(30.0)
    assert clock.charge(29) and clock.charge(0.5)
    assert not clock.charge(1.0)  # 0.5 s left for the third stone of the period


def test_main_time_used_exactly_enters_byo_yomi_on_the_next_move():
    clock = GameClock(ClockSpec(5, 10, 2), grace=0.0)
    assert clock.charge(5) and clock.time_left("b") == "time_left b 10 2"
    assert clock.available == pytest.approx(10.0)
    assert clock.charge(9) and clock.time_left("b") == "time_left b 1 1"
