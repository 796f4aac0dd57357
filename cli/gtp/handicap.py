"""GTP handicap commands: ``fixed_handicap``, ``place_free_handicap``, ``set_free_handicap``.

A mixin over ``GameCommands``' state; the points come from ``engine.handicap``.
"""

from __future__ import annotations

from cli.gtp.protocol import GtpError
from engine import coords
from engine.board import EMPTY
from engine.handicap import fixed_handicap, free_handicap


class HandicapCommands:
    """Handicap placement (GTP 2 spec section 4.1.3)."""

    def _check_handicap(self, n: int) -> None:
        if (self.board.stones() != EMPTY).any():
            raise GtpError("board not empty")
        if not 2 <= n < self.board.size * self.board.size:
            raise GtpError("invalid number of stones")

    def cmd_fixed_handicap(self, n: int) -> str:
        """Place ``n`` handicap stones on the standard points."""
        self._check_handicap(n)
        try:
            points = fixed_handicap(self.board.size, n)
        except ValueError:
            raise GtpError("invalid number of stones") from None
        self.board.place_handicap(points)
        return " ".join(self._v(a) for a in points)

    def cmd_place_free_handicap(self, n: int) -> str:
        """Place ``n`` handicap stones where the engine likes (standard points first)."""
        self._check_handicap(n)
        points = free_handicap(self.board.size, n)
        self.board.place_handicap(points)
        return " ".join(self._v(a) for a in points)

    def cmd_set_free_handicap(self, *vertices: str) -> str:
        """Put black handicap stones on the given vertices."""
        self._check_handicap(len(vertices))
        try:
            points = [coords.from_gtp(v, self.board.size) for v in vertices]
        except ValueError:
            raise GtpError("bad vertex list") from None
        if len(set(points)) != len(points) or self.board.pass_action in points:
            raise GtpError("bad vertex list")
        self.board.place_handicap(points)
        return ""
