"""The GTP session: the command groups combined, and the loop that answers lines over text streams.

``GtpSession(player, stdin, stdout)`` reads lines in a background thread (so that ``lz-analyze``
can stop as soon as the next command line arrives), answers ``=id result`` / ``?id message``
followed by an empty line, and flushes after every answer.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from typing import IO

from cli.gtp.analysis import AnalysisCommands
from cli.gtp.core import GameCommands
from cli.gtp.handicap import HandicapCommands
from cli.gtp.kata import KataCommands
from cli.gtp.ponder import Ponderer
from cli.gtp.protocol import GtpEngine, GtpError, Streaming, _LineReader, _parse, _preprocess
from cli.gtp.scoring import ScoringCommands
from cli.gtp.timing import TimeCommands
from engine.board import Board
from engine.player import Player

log = logging.getLogger("go_engine.gtp")


class GtpCommands(GameCommands, HandicapCommands, ScoringCommands, TimeCommands, AnalysisCommands, KataCommands):
    """Every GTP command: the core game commands plus the handicap, scoring, time and analysis groups."""


class GtpSession:
    """A GTP session over text streams: ``GtpSession(player, stdin, stdout).run()``.

    Args:
        player: the move chooser.
        stdin: any iterable of lines (a file, a pipe, a list).
        stdout: a writable text stream for the answers (flushed after each).
        ponder: search on the opponent's time between commands (``cli.gtp.ponder``).
        **kwargs: passed to ``GtpCommands`` (``size``, ``rules``, ``seconds``, ``name``, ``version``).
    """

    def __init__(self, player: Player, stdin: Iterable[str], stdout: IO[str], *, ponder: bool = False, **kwargs):
        self._out = stdout
        self._lock = threading.Lock()
        self._reader = _LineReader(stdin)
        self.engine = GtpEngine()
        self.commands = GtpCommands(player, self.engine, self._reader.pending, self._reader.wait, **kwargs)
        self.engine.register(self.commands)
        self.ponderer = Ponderer(player, self._reader.pending) if ponder else None
        if ponder and not self.ponderer.able:
            log.warning("this player cannot ponder (it does not analyse); --ponder ignored")

    @property
    def board(self) -> Board:
        """The current game's board."""
        return self.commands.board

    def _write(self, text: str) -> None:
        with self._lock:
            self._out.write(text)
            self._out.flush()

    def run(self) -> None:
        """Answer commands until ``quit`` or the end of input. Never raises on bad input."""
        try:
            while True:
                raw = self._reader.get()
                if raw is None:
                    return
                line = _preprocess(raw)
                if not line:
                    continue
                was_pondering = self.ponderer is not None and self.ponderer.stop()
                name = self.execute(line)
                if name == "quit":
                    return
                if self.ponderer is not None:
                    self.ponderer.after(name, was_pondering, self.board)
        finally:
            if self.ponderer is not None:
                self.ponderer.stop()

    def execute(self, line: str) -> str:
        """Answer one preprocessed line; return the command name."""
        cid, name, args = _parse(line)
        tag = "" if cid is None else str(cid)
        log.debug("<< %s", line)
        try:
            if not name:
                raise GtpError("syntax error")
            result = self.engine.dispatch(name, args)
        except GtpError as e:
            self._write(f"?{tag} {e}\n\n")
            return ""
        if isinstance(result, Streaming):
            self._write(f"={tag}\n")
            try:
                result.run(self._write)
            except Exception:
                log.exception("%s failed while streaming", name)
            self._write("\n")
            return name
        text = re.sub(r"\n\s*(?=\n)", "", str(result).rstrip())  # an empty line would end the answer
        self._write(f"={tag} {text}\n\n")
        return name
