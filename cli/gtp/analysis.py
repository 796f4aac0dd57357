"""GTP analysis commands: ``lz-analyze``, ``lz-genmove_analyze`` and GoGui's analyze menu.

Analysis prints Leela Zero's format, which Sabaki and Lizzie read: ``=`` then one line per report
holding ``info move D4 visits 12 winrate 5312 prior 1204 lcb 4980 order 0 pv D4 Q16`` for each
candidate (win rate, prior and lcb in 1/10000), ended by an empty line once the next command
arrives (``lz-genmove_analyze`` ends with ``play VERTEX``). A mixin over ``GameCommands``' state;
offered only when the player is an ``engine.player.Analyzer``.

References: Leela Zero ``GTP.cpp`` (lz-analyze); GoGui analyze commands
(https://www.kombilo.de/gogui/doc/reference-analyze.html).
"""

from __future__ import annotations

import inspect
import logging
import re
import threading
import time
from collections.abc import Callable

from cli.gtp.core import _resume
from cli.gtp.protocol import GtpError, Streaming, command
from engine import coords
from engine.board import color_of
from engine.player import MoveInfo

log = logging.getLogger("go_engine.gtp")


def format_analysis(infos: list[MoveInfo], size: int, max_moves: int = 0) -> str:
    """One Leela Zero style analysis line for ``infos`` (ordered by ``order``, then visits).

    Args:
        infos: the root moves.
        size: board size (for the vertices).
        max_moves: keep at most this many moves (0 = all).

    Returns:
        ``info move D4 visits N winrate W prior P lcb L order K pv D4 ...`` repeated per move,
        with ``W``, ``P``, ``L`` integers in 1/10000.
    """
    ranked = sorted(infos, key=lambda m: (m.order, -m.visits))
    if max_moves > 0:
        ranked = ranked[:max_moves]
    parts = []
    for k, m in enumerate(ranked):
        pv = [coords.to_gtp(a, size) for a in (m.pv or [m.action])]
        parts.append(
            f"info move {coords.to_gtp(m.action, size)} visits {int(m.visits)} winrate {_per10k(m.winrate)}"
            f" prior {_per10k(m.prior)} lcb {_per10k(m.lcb)} order {k} pv {' '.join(pv)}"
        )
    return " ".join(parts)


def _per10k(x: float) -> int:
    return int(round(min(max(float(x), 0.0), 1.0) * 10000))


def _count(digits: str) -> int:
    """A count from ASCII digits, capped at 10^9 (a huge one must not overflow a float)."""
    return int(digits) if len(digits) <= 9 else 10**9


class AnalysisCommands:
    """Streaming analysis and GoGui's menu."""

    @command("gogui-analyze_commands")
    def cmd_gogui_analyze_commands(self) -> str:
        """Analyze commands for GoGui's menu."""
        return "\n".join(
            [
                "string/Show board/showboard",
                "plist/Dead stones/final_status_list dead",
                "plist/Alive stones/final_status_list alive",
                "string/Final score/final_score",
                "plist/Black stones/list_stones black",
                "plist/White stones/list_stones white",
            ]
        )

    def _analysis_args(self, args: tuple[str, ...]) -> tuple[int, float, int]:
        """``(color, interval_seconds, max_moves)`` from ``[color] [interval] [key value ...]``."""
        rest = list(args)
        color = self.board.to_play
        if rest and rest[0].lower() in ("b", "w", "black", "white"):
            color = color_of(rest.pop(0))
        centis, max_moves = 100, 0
        if rest and re.fullmatch(r"\d+", rest[0]):
            centis = _count(rest.pop(0))
        while rest:
            key = rest.pop(0)
            nargs = {"interval": 1, "minmoves": 1, "maxmoves": 1, "avoid": 3, "allow": 3}.get(key)
            if nargs is None or len(rest) < nargs:
                log.info("bad analysis argument %r", key)
                raise GtpError("syntax error")
            vals, rest = rest[:nargs], rest[nargs:]
            if key in ("interval", "maxmoves", "minmoves") and not re.fullmatch(r"\d+", vals[0]):
                raise GtpError("syntax error")
            if key == "interval":
                centis = _count(vals[0])
            elif key == "maxmoves":
                max_moves = _count(vals[0])
            elif key in ("avoid", "allow"):
                log.warning("%s is not supported; ignored", key)
        return color, min(max(centis, 5), 360_000) / 100.0, max_moves  # 0.05 s to an hour

    @command("lz-analyze", when=lambda self: self.can_analyze)
    def cmd_lz_analyze(self, *args: str) -> Streaming:
        """Stream analysis of the position until the next command arrives."""
        color, interval, max_moves = self._analysis_args(args)
        board = self.board.copy()
        _resume(board)
        return Streaming(
            lambda write: self._analyze_until_next_command(board, color, self._reporter(write, max_moves), interval)
        )

    @command("lz-genmove_analyze", when=lambda self: self.can_analyze)
    def cmd_lz_genmove_analyze(self, *args: str) -> Streaming:
        """Generate and play a move while streaming analysis; ends with ``play VERTEX``."""
        if not args or args[0].lower() not in ("b", "w", "black", "white"):
            raise GtpError("syntax error")
        color, interval, max_moves = self._analysis_args(args)
        return Streaming(lambda write: write(f"play {self._genmove_analyze(color, interval, max_moves, write)}\n"))

    def _reporter(self, write: Callable[[str], None], max_moves: int) -> Callable[[list[MoveInfo]], None]:
        size = self.board.size

        def report(infos: list[MoveInfo]) -> None:
            if infos:
                write(format_analysis(infos, size, max_moves) + "\n")

        return report

    def _analyze_until_next_command(self, board, color, report, interval: float) -> None:
        """Analyse ``board`` in a thread, ``report`` every ``interval`` seconds, until a command arrives."""
        stop = threading.Event()
        worker = threading.Thread(target=self._analyze, args=(board, color, report, stop.is_set, interval), daemon=True)
        worker.start()
        self._wait_pending()
        stop.set()
        worker.join()

    def _analyze(self, board, color, report, should_stop, interval) -> None:
        try:
            self.player.analyze(board, color, report, should_stop, interval)
        except Exception:
            log.exception("analysis failed")

    def _genmove_analyze(self, color: int, interval: float, max_moves: int, write: Callable[[str], None]) -> str:
        """Move for ``lz-genmove_analyze``, with an info line every ``interval`` seconds and a last one."""
        return self._genmove_streamed(color, interval, self._reporter(write, max_moves))

    def _genmove_streamed(self, color: int, interval: float, report: Callable[[list[MoveInfo]], None]) -> str:
        """Generate and play a move, calling ``report`` every ``interval`` seconds and once at the end.

        The periodic reports come from players whose ``genmove`` takes ``progress`` (the MCTS players);
        the last one holds the final statistics. Returns the vertex played (or ``resign``).
        """
        progress = None
        playing = getattr(self.player, "active", self.player)  # a BySizePlayer passes it on
        if "progress" in inspect.signature(playing.genmove).parameters:
            last = [time.perf_counter()]

            def progress() -> None:
                if time.perf_counter() - last[0] >= interval:
                    last[0] = time.perf_counter()
                    report(self.player.move_infos())

        action = self._genmove_action(color, progress)
        infos = getattr(self.player, "last_info", None)
        if infos:
            report(list(infos))
        return self._play_generated(color, action)
