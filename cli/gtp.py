"""GTP version 2 front end: a line parser, a ``cmd_*`` registry and the commands over a ``Player``.

Structure (after minigo's ``gtp_engine.py``, in our own code):

* ``_preprocess`` cleans one input line (GTP 2 spec section 3.1: control characters other than HT
  and LF removed, comments after ``#`` dropped, HT turned into a space, empty lines ignored);
* ``_parse`` splits it into ``(id, command, args)`` (section 2.6: an optional numeric id first);
* ``GtpEngine`` registers the ``cmd_*`` methods of handler objects, converts their arguments from
  the type annotations (``int``, ``float``, ``str``, ``Color``; a failed conversion or a wrong
  argument count is ``? syntax error``) and turns every exception into a ``?`` answer, so that no
  input can end the session;
* ``GtpCommands`` holds the game (a ``Board``) and answers the commands by asking the ``Player``;
* ``GtpSession(player, stdin, stdout)`` reads lines in a background thread (so that ``lz-analyze``
  can stop as soon as the next command line arrives), answers ``=id result`` / ``?id message``
  followed by an empty line, and flushes after every answer. Logs go to the ``logging`` module
  (stderr in the ``gtp`` command), never to stdout.

Error messages follow the spec's canonical texts: ``unknown command``, ``syntax error``,
``illegal move``, ``unacceptable size``, ``cannot undo``, ``board not empty``, ``invalid number of
stones``, ``bad vertex list``, ``cannot load file``. Details go to the log.

Analysis (``lz-analyze``, ``lz-genmove_analyze``) prints Leela Zero's format, which Sabaki and
Lizzie read: ``=`` then one line per report holding ``info move D4 visits 12 winrate 5312 prior
1204 lcb 4980 order 0 pv D4 Q16`` for each candidate (win rate, prior and lcb in 1/10000), ended by
an empty line once the next command arrives (``lz-genmove_analyze`` ends with ``play VERTEX``).

The protocol plumbing (parser, registry, input reader) is in ``cli/gtp_protocol.py``. This module
imports only ``engine`` and the standard library.

References: GTP version 2 draft 2 (http://www.lysator.liu.se/~gunnar/gtp/gtp2-spec-draft2/);
KGS GTP extensions (https://www.gokgs.com/help/gtp.html); Leela Zero ``GTP.cpp`` (lz-analyze);
GoGui analyze commands (https://www.kombilo.de/gogui/doc/reference-analyze.html).
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import IO

from cli.gtp_protocol import (  # noqa: F401  (re-exported for tests and callers)
    Color,
    GtpEngine,
    GtpError,
    Streaming,
    _LineReader,
    _parse,
    _preprocess,
    command,
)
from engine import coords
from engine.board import BLACK, EMPTY, Board, IllegalMove, Rules, color_of
from engine.player import RESIGN, Analyzer, MoveInfo, Player
from engine.search.timecontrol import TimeControl
from engine.seki import seki_stones

log = logging.getLogger("go_engine.gtp")


# ------------------------------------------------------------------------------ helpers
def _resume(board: Board) -> None:
    """Let play go on after two passes: GTP controllers (and KGS cleanup) may continue a game."""
    if board.passes >= 2 and board.resigned is None:
        board.resume()


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


def cleanup_move(board: Board, color: int, dead: Iterable[int]) -> int | None:
    """A move of ``color`` that works at removing the opponent's ``dead`` stones, or ``None``.

    Used by ``kgs-genmove_cleanup``: before passing, capture dead stones so that a server that
    counts the board as it stands (area scoring) gets the right result. It fills a liberty of the
    dead chain with the fewest liberties, never its own true eye.
    """
    opp = 3 - color
    chains = {tuple(board.chain(a)) for a in dead if board.color_at(a) == opp}
    for chain in sorted(chains, key=lambda c: (board.liberties(c[0]), c)):
        libs = sorted({n for a in chain for n in _neighbours(a, board.size) if board.color_at(n) == EMPTY})
        for a in libs:
            if not board.is_eye(a, color) and board.is_legal(a, color):
                return a
    return None


def _neighbours(action: int, size: int) -> list[int]:
    r, c = divmod(action, size)
    return [
        rr * size + cc
        for rr, cc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1))
        if 0 <= rr < size and 0 <= cc < size
    ]


# ------------------------------------------------------------------------------ commands
class GtpCommands:
    """The GTP commands over a ``Board`` and a ``Player``; every ``cmd_*`` method is a command.

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
        self.player.new_game(self.board)

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

    def _new_board(self, size: int) -> None:
        self.board = Board(size, self.rules)
        self.player.new_game(self.board)

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
        """Seconds for ``color``'s next move: the clock's budget capped by ``seconds`` (``None``: player decides)."""
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

    def _check_handicap(self, n: int) -> None:
        if (self.board.stones() != EMPTY).any():
            raise GtpError("board not empty")
        if not 2 <= n < self.board.size * self.board.size:
            raise GtpError("invalid number of stones")

    def cmd_fixed_handicap(self, n: int) -> str:
        """Place ``n`` handicap stones on the standard points."""
        from engine.handicap import fixed_handicap

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
        points = _free_handicap(self.board.size, n)
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
        self.player.new_game(self.board)
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

    @command("kgs-genmove_cleanup")
    def cmd_kgs_genmove_cleanup(self, color: Color) -> str:
        """Like ``genmove``, but capture the opponent's dead stones before passing."""
        action = self._genmove_action(color)
        if action in (self.board.pass_action, RESIGN):
            better = cleanup_move(self.board, color, self._dead())
            if better is not None:
                action = better
        return self._play_generated(color, action)

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

    # --------------------------------------------------------------- scoring
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

    # ------------------------------------------------------------------ time
    def cmd_time_settings(self, main_time: int, byo_yomi_time: int, byo_yomi_stones: int) -> str:
        """Canadian byo-yomi settings (seconds, seconds, stones); ``0 1 0`` means no limit."""
        try:
            self.clock.set_time_settings(main_time, byo_yomi_time, byo_yomi_stones)
        except ValueError:
            raise GtpError("syntax error") from None
        return ""

    @command("kgs-time_settings")
    def cmd_kgs_time_settings(self, system: str, *values: int) -> str:
        """KGS time settings: ``none``, ``absolute M``, ``byoyomi M T P``, ``canadian M T S``."""
        need = {"none": 0, "absolute": 1, "byoyomi": 3, "canadian": 3}
        if system not in need or len(values) != need[system]:
            raise GtpError("syntax error")
        try:
            if system == "byoyomi":
                self.clock.set_japanese(*values)
            else:
                self.clock.set_time_settings(*{"none": (0, 1, 0), "absolute": (*values, 0, 0)}.get(system, values))
        except ValueError:
            raise GtpError("syntax error") from None
        return ""

    def cmd_time_left(self, color: Color, time_left: int, stones: int) -> str:
        """Time left for ``color`` (seconds, and stones in this byo-yomi period; 0 in main time)."""
        if time_left < 0 or stones < 0:
            raise GtpError("syntax error")
        self.clock.time_left(color, time_left, stones)
        return ""

    # -------------------------------------------------------------- analysis
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
            centis = int(rest.pop(0))
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
                centis = int(vals[0])
            elif key == "maxmoves":
                max_moves = int(vals[0])
            elif key in ("avoid", "allow"):
                log.warning("%s is not supported; ignored", key)
        return color, max(centis, 5) / 100.0, max_moves

    @command("lz-analyze", when=lambda self: self.can_analyze)
    def cmd_lz_analyze(self, *args: str) -> Streaming:
        """Stream analysis of the position until the next command arrives."""
        color, interval, max_moves = self._analysis_args(args)
        board = self.board.copy()
        _resume(board)

        def run(write: Callable[[str], None]) -> None:
            stop = threading.Event()
            report = self._reporter(write, max_moves)
            worker = threading.Thread(
                target=self._analyze, args=(board, color, report, stop.is_set, interval), daemon=True
            )
            worker.start()
            self._wait_pending()
            stop.set()
            worker.join()

        return Streaming(run)

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

    def _analyze(self, board, color, report, should_stop, interval) -> None:
        try:
            self.player.analyze(board, color, report, should_stop, interval)
        except Exception:
            log.exception("analysis failed")

    def _genmove_analyze(self, color: int, interval: float, max_moves: int, write: Callable[[str], None]) -> str:
        """Move for ``lz-genmove_analyze``, with an info line every ``interval`` seconds and a last one.

        The periodic lines come from players whose ``genmove`` takes ``progress`` (the MCTS players);
        the last line holds the final statistics.
        """
        report = self._reporter(write, max_moves)
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


def _free_handicap(size: int, n: int) -> list[int]:
    """``n`` handicap points: the fixed ones first where the size has them, then spread points."""
    from engine.handicap import fixed_handicap

    points: list[int] = []
    for k in range(min(n, 9), 1, -1):
        try:
            points = list(fixed_handicap(size, k))
            break
        except ValueError:
            continue
    line = 3 if size >= 13 else 2 if size >= 7 else 1

    def off_line(a: int) -> int:  # distance from the preferred line (0-based), both directions
        r, c = divmod(a, size)
        return abs(min(r, size - 1 - r) - line) + abs(min(c, size - 1 - c) - line)

    rest = sorted((a for a in range(size * size) if a not in points), key=lambda a: (off_line(a), a))
    taken = set(points)
    for a in rest:
        if len(points) >= n:
            break
        if not any(b in taken for b in _neighbours(a, size)):
            points.append(a)
            taken.add(a)
    for a in rest:  # crowded boards: fill whatever is left
        if len(points) >= n:
            break
        if a not in taken:
            points.append(a)
            taken.add(a)
    return points[:n]


class GtpSession:
    """A GTP session over text streams: ``GtpSession(player, stdin, stdout).run()``.

    Args:
        player: the move chooser.
        stdin: any iterable of lines (a file, a pipe, a list).
        stdout: a writable text stream for the answers (flushed after each).
        **kwargs: passed to ``GtpCommands`` (``size``, ``rules``, ``seconds``, ``name``, ``version``).
    """

    def __init__(self, player: Player, stdin: Iterable[str], stdout: IO[str], **kwargs):
        self._out = stdout
        self._lock = threading.Lock()
        self._reader = _LineReader(stdin)
        self.engine = GtpEngine()
        self.commands = GtpCommands(player, self.engine, self._reader.pending, self._reader.wait, **kwargs)
        self.engine.register(self.commands)

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
        while True:
            raw = self._reader.get()
            if raw is None:
                return
            line = _preprocess(raw)
            if line and self.execute(line) == "quit":
                return

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
