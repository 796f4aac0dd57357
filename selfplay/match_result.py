"""The outcome of a refereed match: one ``GameResult`` per game, the ``MatchResult`` summary.

Engines are numbered 0 (A) and 1 (B). A game's ``result`` is written as in SGF (``B+3.5``,
``W+R``, ``B+T`` on time or timeout, ``W+F`` on forfeit, ``0`` for a draw); the summary gives each
engine's score ``(wins + draws / 2) / games`` with a 95% Wilson interval, wins by colour,
forfeits by kind and its seconds per move (and per game under a clock). Used by
``selfplay.match``.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from engine.board import BLACK, WHITE
from selfplay.elo import wilson_interval


@dataclass
class GameResult:
    """The outcome of one game; engines are 0 (A) and 1 (B)."""

    index: int
    black: int
    """engine playing black"""
    winner: int | None
    """engine that won, ``None`` for a draw"""
    result: str
    """SGF result: ``B+3.5``, ``W+R``, ``B+T`` (time), ``W+F`` (forfeit), ``0``"""
    reason: str
    """``score``, ``move cap``, ``resign`` or ``forfeit``"""
    moves: int
    forfeit_kind: str | None = None
    forfeiter: int | None = None
    dead_removed: int = 0
    """stones removed as dead by agreement before counting"""
    detail: str = ""
    sgf_path: str | None = None
    move_times: dict[int, list[float]] = field(default_factory=lambda: {0: [], 1: []})
    comments: dict[int, str] = field(default_factory=dict)
    """SGF comments by move number (the clocks)"""


@dataclass
class MatchResult:
    """All games of a match and the per-engine summary."""

    names: tuple[str, str]
    games: list[GameResult]
    clock: str | None = None
    """the clock spec the games were played under, if any"""

    def wins(self, e: int) -> int:
        """Games engine ``e`` won."""
        return sum(g.winner == e for g in self.games)

    def draws(self) -> int:
        """Drawn games."""
        return sum(g.winner is None for g in self.games)

    def forfeits(self, e: int) -> Counter:
        """Forfeits of engine ``e`` by kind."""
        return Counter(g.forfeit_kind for g in self.games if g.forfeiter == e)

    def wins_as(self, e: int, color: int) -> tuple[int, int]:
        """``(wins, games)`` of engine ``e`` in the games where it played ``color``."""
        played = [g for g in self.games if (g.black == e) == (color == BLACK)]
        return sum(g.winner == e for g in played), len(played)

    def seconds_per_game(self, e: int) -> list[float]:
        """Seconds engine ``e`` spent in ``genmove`` in each game."""
        return [sum(g.move_times[e]) for g in self.games]

    def seconds_per_move(self, e: int) -> float:
        """Mean wall-clock seconds per ``genmove`` of engine ``e`` (nan if it never moved)."""
        times = [t for g in self.games for t in g.move_times[e]]
        return sum(times) / len(times) if times else float("nan")

    def summary(self) -> list[str]:
        """Printable summary lines."""
        n = len(self.games)
        lines = [f"{n} games: {self.names[0]} (A) vs {self.names[1]} (B); draws {self.draws()}"]
        for e in (0, 1):
            score = self.wins(e) + 0.5 * self.draws()
            lo, hi = wilson_interval(score, n)
            fk = self.forfeits(e)
            forfeits = ", ".join(f"{k} {v}" for k, v in sorted(fk.items())) or "none"
            spm = self.seconds_per_move(e)
            by_colour = (("black", self.wins_as(e, BLACK)), ("white", self.wins_as(e, WHITE)))
            colours = ", ".join(f"{w}/{k} as {name}" for name, (w, k) in by_colour if k)
            lines.append(
                f"{'AB'[e]} {self.names[e]}: wins {self.wins(e)}/{n} ({100 * score / n:.1f}%,"
                f" 95% CI {100 * lo:.1f}-{100 * hi:.1f}%; {colours}),"
                f" {'no moves' if math.isnan(spm) else f'{spm:.3f} s/move'}, forfeits: {forfeits}"
            )
            if self.clock and self.games:
                spg = self.seconds_per_game(e)
                lines.append(
                    f"  clock {self.clock}: {'AB'[e]} used {sum(spg) / len(spg):.1f} s a game on average,"
                    f" {max(spg):.1f} s at most; lost on time {fk.get('timeout', 0)}"
                )
        return lines
