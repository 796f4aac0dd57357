"""GTP time commands: ``time_settings``, ``kgs-time_settings`` and ``time_left``.

A mixin over ``GameCommands``' state: the settings go to its ``clock`` (``engine.search.timecontrol``),
which gives each ``genmove`` its thinking budget. Times may be fractional seconds (``time_left b
0.5 0``; GTP 2 sends integers, which are read the same); counts of stones and periods are integers.
"""

from __future__ import annotations

import math

from cli.gtp.protocol import Color, GtpError, command


def _seconds(*values: float) -> None:
    """Refuse times that are negative, infinite or not a number (``syntax error``)."""
    if not all(math.isfinite(v) and v >= 0 for v in values):
        raise GtpError("syntax error")


class TimeCommands:
    """Clock settings and the controller's time reports."""

    def cmd_time_settings(self, main_time: float, byo_yomi_time: float, byo_yomi_stones: int) -> str:
        """Canadian byo-yomi settings (seconds, seconds, stones); ``0 1 0`` means no limit."""
        _seconds(main_time, byo_yomi_time)
        try:
            self.clock.set_time_settings(main_time, byo_yomi_time, byo_yomi_stones)
        except ValueError:
            raise GtpError("syntax error") from None
        return ""

    @command("kgs-time_settings")
    def cmd_kgs_time_settings(self, system: str, *values: float) -> str:
        """KGS time settings: ``none``, ``absolute M``, ``byoyomi M T P``, ``canadian M T S``."""
        need = {"none": 0, "absolute": 1, "byoyomi": 3, "canadian": 3}
        if system not in need or len(values) != need[system]:
            raise GtpError("syntax error")
        _seconds(*values)
        if len(values) == 3:  # periods / stones
            if not float(values[2]).is_integer():
                raise GtpError("syntax error")
            values = (values[0], values[1], int(values[2]))
        try:
            if system == "byoyomi":
                self.clock.set_japanese(*values)
            else:
                self.clock.set_time_settings(*{"none": (0, 1, 0), "absolute": (*values, 0, 0)}.get(system, values))
        except ValueError:
            raise GtpError("syntax error") from None
        return ""

    def cmd_time_left(self, color: Color, time_left: float, stones: int) -> str:
        """Time left for ``color`` (seconds, and stones in this byo-yomi period; 0 in main time)."""
        _seconds(time_left)
        if stones < 0:
            raise GtpError("syntax error")
        self.clock.time_left(color, time_left, stones)
        return ""
