"""GTP scoring commands: ``final_score``, ``final_status_list`` and KGS's ``kgs-genmove_cleanup``.

A mixin over ``GameCommands``' state. Dead, alive and seki stones and the score come from one
judgement, ``engine.scoring.final_status`` (Benson's pass-alive chains, heavy-playout ownership,
seki), made once per position with a fixed seed, so ``final_status_list`` and ``final_score``
always agree; the cleanup move comes from ``engine.endgame``.
"""

from __future__ import annotations

from collections.abc import Iterable

from cli.gtp.protocol import Color, GtpError, command
from engine.endgame import cleanup_move
from engine.player import RESIGN
from engine.scoring import FinalStatus, final_status


class ScoringCommands:
    """Dead stones, the score, and the cleanup phase."""

    def _status(self) -> FinalStatus:
        """The judgement of the current position (cached until the stones or the komi change)."""
        key = (self.board.size, self.board.komi, self.board.stones().tobytes())
        cached = getattr(self, "_status_cache", None)
        if cached is None or cached[0] != key:
            cached = (key, final_status(self.board))
            self._status_cache = cached
        return cached[1]

    def _dead(self) -> list[int]:
        """The dead stones of the current position (``engine.scoring``)."""
        return self._status().dead

    def _chains_text(self, actions: Iterable[int]) -> str:
        """Vertices grouped one chain per line (GNU Go style)."""
        todo, lines = set(actions), []
        for a in sorted(todo):
            if a in todo:
                chain = [b for b in self.board.chain(a) if b in todo]
                todo -= set(chain)
                lines.append(" ".join(self._v(b) for b in chain))
        return "\n".join(lines)

    @command("kgs-genmove_cleanup")
    def cmd_kgs_genmove_cleanup(self, color: Color) -> str:
        """Like ``genmove``, but capture the opponent's dead stones before passing."""
        action = self._genmove_action(color)
        if action in (self.board.pass_action, RESIGN):
            better = cleanup_move(self.board, color, self._dead())
            if better is not None:
                action = better
        return self._play_generated(color, action)

    def cmd_final_score(self) -> str:
        """Area score with the dead stones removed (seki eyes neutral): ``B+3.5``/``W+1``/``0``."""
        return self._status().result

    def cmd_final_status_list(self, status: str) -> str:
        """Stones that are ``alive``, ``dead`` or in ``seki`` (seki stones are also alive)."""
        if status not in ("alive", "dead", "seki"):
            raise GtpError("syntax error")
        return self._chains_text(getattr(self._status(), status))
