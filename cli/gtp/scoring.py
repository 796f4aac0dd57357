"""GTP scoring commands: ``final_score``, ``final_status_list`` and KGS's ``kgs-genmove_cleanup``.

A mixin over ``GameCommands``' state. Dead stones come from the player (``dead_stones``), less the
stones in seki (``engine.seki``); the cleanup move comes from ``engine.endgame``.
"""

from __future__ import annotations

from collections.abc import Iterable

from cli.gtp.protocol import Color, GtpError, command
from engine.board import EMPTY
from engine.endgame import cleanup_move
from engine.player import RESIGN
from engine.seki import seki_stones


class ScoringCommands:
    """Dead stones, the score, and the cleanup phase."""

    def _dead(self) -> list[int]:
        """The player's dead stones, less the stones in seki (alive by ``engine.seki``)."""
        fn = getattr(self.player, "dead_stones", None)
        if fn is None:
            return []
        return sorted(set(int(a) for a in fn(self.board)) - set(seki_stones(self.board)))

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
        """Area score with the dead stones (as the player judges them) removed: ``B+3.5``/``W+1``/``0``."""
        board = self.board.copy()
        dead = self._dead()
        if dead:
            board.setup(empty=dead)
        s = board.area_score()
        return "0" if s == 0 else f"{'B' if s > 0 else 'W'}+{abs(s):g}"

    def cmd_final_status_list(self, status: str) -> str:
        """Stones that are ``alive``, ``dead`` or in ``seki`` (``engine.seki``; seki stones are alive)."""
        if status not in ("alive", "dead", "seki"):
            raise GtpError("syntax error")
        if status == "seki":
            return self._chains_text(seki_stones(self.board))
        dead = set(self._dead())
        if status == "dead":
            return self._chains_text(dead)
        stones = (self.board.stones().ravel() != EMPTY).nonzero()[0]
        return self._chains_text(int(a) for a in stones if int(a) not in dead)
