"""Game clocks for the referee: absolute time and Canadian byo-yomi, kept the way servers keep them.

Vocabulary. A *clock spec* is ``MAIN`` or ``MAIN+STONESxPERIOD`` (times in seconds, or with an
``s``, ``m`` or ``h`` suffix): ``10m+5x30s`` is 10 minutes of *main time*, then Canadian
byo-yomi of 5 *stones* (moves) in every 30-second *period*; ``90`` is 90 seconds absolute (the
whole game). A player's ``GameClock`` starts in main time; when main time runs out during a move
the rest of that move is charged to the first period, and the move counts as one of its stones.
Each time the period's stones are all played the next period starts full. A player whose main
time, or whose current period, is overdrawn by more than ``grace`` seconds (the allowance for
process and pipe overhead) has *lost on time*.

The referee sends the engines ``time_settings MAIN PERIOD STONES`` (GTP 2, section 6.3.4;
absolute: ``time_settings MAIN 0 0``) at the start of each game and ``time_left COLOR TIME
STONES`` before each ``genmove`` (``STONES`` 0 while in main time); GTP's times are whole
seconds, so settings are rounded and the time left is rounded down.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0}
_TIME = r"(\d+(?:\.\d+)?)([smh]?)"
_SPEC = re.compile(rf"^{_TIME}(?:\+(\d+)x{_TIME})?$")


@dataclass(frozen=True)
class ClockSpec:
    """A time control: ``main`` seconds, then ``stones`` moves per ``period`` seconds (0: absolute)."""

    main: float
    period: float = 0.0
    stones: int = 0

    def __post_init__(self):
        if self.main < 0 or self.period < 0 or self.stones < 0:
            raise ValueError("clock times and stones must be >= 0")
        if (self.period > 0) != (self.stones > 0):
            raise ValueError("byo-yomi needs both a period and a number of stones")
        if self.main == 0 and self.stones == 0:
            raise ValueError("a clock needs main time or byo-yomi")

    @classmethod
    def parse(cls, text: str) -> ClockSpec:
        """``"10m+5x30s"``, ``"600+5x30"``, ``"90"`` -> a spec; ``ValueError`` with the expected form."""
        m = _SPEC.match(text.strip().lower())
        if not m:
            raise ValueError(f"clock {text!r}: expected MAIN or MAIN+STONESxPERIOD, e.g. 10m+5x30s or 90")
        main = float(m.group(1)) * _UNITS[m.group(2)]
        if m.group(3) is None:
            return cls(main)
        return cls(main, float(m.group(4)) * _UNITS[m.group(5)], int(m.group(3)))

    @property
    def gtp(self) -> str:
        """The ``time_settings`` command of this spec (whole seconds)."""
        period = max(1, round(self.period)) if self.stones else 0
        return f"time_settings {round(self.main)} {period} {self.stones}"

    def __str__(self) -> str:
        return f"{self.main:g}s" + (f"+{self.stones}x{self.period:g}s" if self.stones else "")


class GameClock:
    """One player's clock in one game (module docstring)."""

    def __init__(self, spec: ClockSpec, grace: float = 0.5):
        self.spec, self.grace = spec, grace
        self.main = spec.main
        self.period = spec.period
        self.stones = 0
        """stones left in the current period; 0 while in main time"""
        self.used = 0.0
        """seconds charged so far"""

    @property
    def available(self) -> float:
        """Seconds the player may still take for its next move before it loses on time."""
        if self.stones == 0:
            return self.main + self.spec.period + self.grace
        return self.period + self.grace

    def time_left(self, color: str) -> str:
        """The ``time_left`` command that tells an engine this clock."""
        if self.stones == 0 and (self.main > 0 or self.spec.stones == 0):
            return f"time_left {color} {math.floor(max(self.main, 0.0))} 0"
        return f"time_left {color} {math.floor(max(self.period, 0.0))} {self.stones or self.spec.stones}"

    def charge(self, seconds: float) -> bool:
        """Charge one move of ``seconds``; ``False`` when that loses on time."""
        self.used += seconds
        if self.stones == 0:
            self.main -= seconds
            if self.main >= 0:
                return True
            if self.spec.stones == 0:
                return self.main >= -self.grace
            seconds, self.main = -self.main, 0.0
            self.stones, self.period = self.spec.stones, self.spec.period
        self.period -= seconds
        if self.period < -self.grace:
            return False
        self.stones -= 1
        if self.stones == 0:
            self.stones, self.period = self.spec.stones, self.spec.period
        return True

    def describe(self) -> str:
        """``"412.3 s main"`` or ``"21.0 s / 3 stones"``."""
        if self.stones == 0:
            return f"{max(self.main, 0.0):.1f} s main"
        return f"{max(self.period, 0.0):.1f} s / {self.stones} stones"
