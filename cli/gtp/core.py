"""The GTP game commands: protocol, game setup, play, undo and display over a ``Board`` and a ``Player``.

``GameCommands`` holds the game (``board``, ``rules``, ``clock``) and the helpers every other
command group uses (vertex parsing, the generated move, the thinking budget). The other groups
(``handicap``, ``scoring``, ``timing``, ``analysis``) are mixins over the same state, combined into
``GtpCommands`` in ``session``.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable

from cli.gtp.protocol import Color, GtpEngine, GtpError
from engine import coords
from engine.board import BLACK, Board, IllegalMove, Rules
from engine.player import RESIGN, Analyzer, Player
from engine.search.timecontrol import TimeControl

log = logging.getLogger("go_engine.gtp")


def _resume(board: Board) -> None:
    """Let play go on after two passes: GTP controllers (and KGS cleanup) may continue a game."""
    if board.passes >= 2 and board.resigned is None:
        board.resume()


class GameCommands:
    """The core GTP commands over a ``Board`` and a ``Player``; every ``cmd_*`` method is a command.

    Args:
        player: the engine that chooses moves (and, if an ``Analyzer``, streams analysis).
        engine: the dispatcher (for ``known_command``/``list_commands``).
        pending: returns True when the next command line has arrived (stops ``lz-analyze``).
        wait_pending: blocks until the next command line (or end of input) arrives.
        size: initial board size.
        rules: rules (komi, suicide, ko) of every new game.
        seconds: thinking time per move when no time settings were sent (``None``: the
            player's own budget, e.g. playouts).
        name: answer to ``name``.
        version: answer to ``version``.
    """

    def __init__(
        self,
        player: Player,
        engine: GtpEngine,
        pending: Callable[[], bool],
        wait_pending: Callable[[], None],
        *,
        size: int = 19,
        rules: Rules | None = None,
        seconds: float | None = None,
        name: str = "go-engine",
        version: str = "0.1.0",
    ):
        self.player, self.engine = player, engine
        self._pending, self._wait_pending = pending, wait_pending
        self.rules = rules or Rules()
        self.board = Board(size, self.rules)
        self.clock = TimeControl()
        self.seconds = seconds
        self.name, self.version = name, version
        self._new_game()

    @property
    def can_analyze(self) -> bool:
        """True if the player streams analysis (``lz-analyze`` is offered)."""
        return isinstance(self.player, Analyzer)

    # --------------------------------------------------------------- helpers
    def _vertex(self, text: str) -> int:
        try:
            return coords.from_gtp(text, self.board.size)
        except ValueError as e:
            log.info("%s", e)
            raise GtpError("syntax error") from None

    def _v(self, action: int) -> str:
        return coords.to_gtp(action, self.board.size)

    def _new_game(self) -> None:
        """Tell the player a game starts, and let it warm up (``warm_up``) before any clock runs."""
        self.player.new_game(self.board)
        warm_up = getattr(self.player, "warm_up", None)
        if callable(warm_up):
            try:
                warm_up(self.board)
            except Exception as e:  # noqa: BLE001 - e.g. a net for another size: genmove will say so
                log.warning("no warm-up on %dx%d: %s", self.board.size, self.board.size, e)

    def _new_board(self, size: int) -> None:
        self.board = Board(size, self.rules)
        self._new_game()

    def _play_generated(self, color: int, action: int) -> str:
        if action == RESIGN:
            return "resign"
        _resume(self.board)
        try:
            self.board.play(action, color)
        except (IllegalMove, ValueError) as e:  # a player bug, not the controller's illegal move
            raise GtpError(f"internal error: the player chose an illegal move: {e}") from None
        return self._v(action)

    def _seconds(self, color: int) -> float | None:
        """Seconds for ``color``'s next move: the clock's budget capped by ``seconds`` (``None``: player decides).

        The clock's floor (``TimeControl.min_move``) is the player's time for a move worth playing
        (``min_move_seconds``, a few hundred playouts at its measured speed), where it says.
        """
        floor = getattr(self.player, "min_move_seconds", None)
        self.clock.min_move = float(floor()) if callable(floor) else 0.0
        budget = self.clock.budget(color, self.board.size, self.board.move_number)
        if budget is None or self.seconds is None:
            return self.seconds if budget is None else budget
        return min(budget, self.seconds)

    def _genmove_action(self, color: int, progress: Callable[[], None] | None = None) -> int:
        _resume(self.board)
        t0 = time.perf_counter()
        extra = {} if progress is None else {"progress": progress}
        action = self.player.genmove(self.board, color, self._seconds(color), **extra)
        self.clock.record_move(color, time.perf_counter() - t0)
        log.info(
            "genmove %s -> %s in %.2fs, %s playouts",
            "BW"[color - 1],
            "resign" if action == RESIGN else self._v(action),
            time.perf_counter() - t0,
            getattr(self.player, "last_simulations", "?"),
        )
        return int(action)

    # ------------------------------------------------------------- protocol
    def cmd_protocol_version(self) -> str:
        """Protocol version: 2."""
        return "2"

    def cmd_name(self) -> str:
        """Engine name."""
        return self.name

    def cmd_version(self) -> str:
        """Engine version."""
        return self.version

    def cmd_known_command(self, name: str) -> str:
        """``true`` if the command exists."""
        return "true" if self.engine.known(name) else "false"

    def cmd_list_commands(self) -> str:
        """Every command, one per line."""
        return "\n".join(self.engine.commands())

    def cmd_quit(self) -> str:
        """End the session (the session loop stops after answering)."""
        return ""

    # ------------------------------------------------------------ game setup
    def cmd_boardsize(self, size: int) -> str:
        """Change the board size; the board is cleared."""
        if not coords.MIN_SIZE <= size <= coords.MAX_SIZE:
            raise GtpError("unacceptable size")
        self._new_board(size)
        return ""

    def cmd_clear_board(self) -> str:
        """Empty the board and start a new game."""
        self._new_board(self.board.size)
        return ""

    def cmd_komi(self, komi: float) -> str:
        """Set komi for this and later games."""
        self.rules = dataclasses.replace(self.rules, komi=komi)
        self.board.rules = dataclasses.replace(self.board.rules, komi=komi)
        return ""

    def cmd_loadsgf(self, filename: str, move_number: int = 0) -> str:
        """Load a game; with ``move_number``, the position before that move is played."""
        from engine.sgf import SGFError, parse_sgf, record_to_board

        try:
            with open(filename, "rb") as f:
                record = parse_sgf(f.read())
            rules = dataclasses.replace(self.rules, komi=record.komi)
            moves = max(move_number - 1, 0) if move_number > 0 else None
            board = record_to_board(record, rules, moves=moves)
        except (OSError, SGFError) as e:
            log.info("loadsgf %s: %s", filename, e)
            raise GtpError("cannot load file") from None
        self.board, self.rules = board, rules
        self._new_game()
        return "black" if board.to_play == BLACK else "white"

    def cmd_printsgf(self, filename: str = "") -> str:
        """The game as SGF (or written to ``filename``)."""
        from engine.sgf import board_to_record, to_sgf

        text = to_sgf(board_to_record(self.board, black_name=None, white_name=None)).strip()
        if filename:
            try:
                with open(filename, "w", encoding="utf-8") as f:
                    f.write(text + "\n")
            except OSError as e:
                raise GtpError(f"cannot write file: {e}") from None
            return ""
        return text

    # ------------------------------------------------------------------ play
    def cmd_play(self, color: Color, vertex: str) -> str:
        """Play a move (``pass`` included)."""
        action = self._vertex(vertex)
        if action != self.board.pass_action:
            _resume(self.board)
        self.board.play(action, color)
        return ""

    def cmd_genmove(self, color: Color) -> str:
        """Generate and play a move (or ``resign``)."""
        return self._play_generated(color, self._genmove_action(color))

    def cmd_reg_genmove(self, color: Color) -> str:
        """Generate a move without playing it."""
        action = self._genmove_action(color)
        return "resign" if action == RESIGN else self._v(action)

    def cmd_undo(self) -> str:
        """Take back the last move."""
        try:
            self.board.undo(1)
        except ValueError:
            raise GtpError("cannot undo") from None
        return ""

    # --------------------------------------------------------------- display
    def cmd_showboard(self) -> str:
        """The board as text (starts on a new line)."""
        return "\n" + str(self.board)

    def cmd_list_stones(self, color: Color) -> str:
        """Vertices of ``color``'s stones (GNU Go extension)."""
        flat = self.board.stones().ravel()
        return " ".join(self._v(int(a)) for a in (flat == color).nonzero()[0])
