"""A GTP referee: games between two engines given as shell command lines, scored on our own board.

``run_match(MatchConfig(engines=("go-engine gtp --playouts 200", "gnugo --mode gtp --level 10")))``
plays ``games`` games, engine A taking black in even games and white in odd ones (``colors``
``"alternate"``), or black in every game (``"a-black"``), or white in every game (``"a-white"``:
with a negative komi, a reverse-komi match against a weaker engine such as GNU Go). The referee
keeps the authoritative ``Board`` (positional superko, no suicide unless configured, area
scoring) and checks every move:

* ``genmove`` answers that are not a vertex, ``pass`` or ``resign`` forfeit (``bad response``);
* moves our board rejects forfeit (``illegal``);
* a ``play`` that the other engine refuses although it is legal forfeits that engine
  (``rejected``: it disagrees with the rules in force);
* no answer within the wall-clock limit forfeits (``timeout``); the engine is killed and started
  again for the next game;
* an engine whose process ends forfeits (``crash``) and is started again for the next game;
* an engine that cannot start at all (its first start fails: a bad command line, a bad option, a
  corrupt net) ends the match with ``EngineStartError`` naming the engine and the last lines of
  its stderr, since every game would be a forfeit;
* a command of the game setup (``boardsize``, ``komi``, ...) that fails forfeits (``setup``).

A game ends on resignation, forfeit, two passes in a row, or the move cap (then it is scored as
it stands). Scoring is Tromp-Taylor area scoring with komi. After two passes, if
``ask_dead`` is set, both engines are asked ``final_status_list dead``; when both answer and
agree, those stones are removed before counting, otherwise the board is counted as it is (so an
engine that does not capture dead stones before passing loses them only when both agree).

Time: with ``seconds_per_move`` the engines get ``time_settings 0 S 1`` (S seconds per move,
byo-yomi of one stone) and ``genmove`` must answer within ``move_timeout`` (default ``2 S + 5``
seconds; 300 seconds by playouts). With ``clock`` (``selfplay.clock``: absolute or Canadian
byo-yomi, e.g. ``10m+5x30s``) each engine gets ``time_settings`` once and ``time_left`` before each
``genmove``; a move that overdraws its clock loses on time (``timeout``, result ``B+T``/``W+T``),
and each move's comment in the SGF holds its seconds and the clock left. The first ``genmove`` of
each engine process may also use ``startup_timeout`` (compilation, model loading).

Results: per-engine wins/losses/draws, the score ``(wins + draws / 2) / games`` with a 95% Wilson
interval, forfeits by kind, and mean seconds per ``genmove``. Each game can be written as SGF
(``engine.sgf``), with the forfeit or scoring details in the root comment.

This module uses the standard library, ``engine`` and ``selfplay.records`` (no click), so it can be
imported by scripts and tests; ``cli/gtp_cmd.py`` holds the thin ``go-engine match`` command.
"""

from __future__ import annotations

import logging
import math
import os
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from engine import coords
from engine.board import BLACK, EMPTY, WHITE, Board, Rules
from engine.errors import UserError
from selfplay.clock import ClockSpec, GameClock
from selfplay.elo import wilson_interval  # noqa: F401 (re-exported for scripts)
from selfplay.gtp_client import EngineDied, EngineTimeout, GtpClient
from selfplay.match_result import GameResult, MatchResult

log = logging.getLogger("go_engine.match")

COLORS = ("alternate", "a-black", "a-white")
"""colour schemes: A black in even games, A always black, A always white"""


class EngineStartError(UserError):
    """An engine of the match could not start (its first start in the match failed)."""


@dataclass(frozen=True)
class MatchConfig:
    """Settings of a match between engine A (``engines[0]``) and engine B (``engines[1]``)."""

    engines: tuple[str, str]
    """shell command lines that start each engine in GTP mode"""
    games: int = 2
    """number of games"""
    colors: str = "alternate"
    """``"alternate"`` (A black in even-numbered games 0, 2, ...), ``"a-black"`` or ``"a-white"``"""
    size: int = 9
    """board size"""
    komi: float = 7.5
    """komi (an integer komi allows draws)"""
    max_moves: int = 0
    """move cap (passes count); 0 = ``3 * size * size``; the game is then scored as it stands"""
    seconds_per_move: float | None = None
    """send ``time_settings 0 S 1`` and expect about S seconds per move (``None``: no time settings)"""
    clock: ClockSpec | None = None
    """a game clock for each engine (``selfplay.clock``); excludes ``seconds_per_move``"""
    move_timeout: float | None = None
    """wall-clock seconds a ``genmove`` may take before the engine forfeits (default: see module doc)"""
    startup_timeout: float = 120.0
    """extra seconds for starting an engine and for its first ``genmove``"""
    ask_dead: bool = True
    """after two passes, remove the stones both engines list as ``final_status_list dead``"""
    allow_suicide: bool = False
    """referee rules: suicide legal (Tromp-Taylor) or not"""
    ko: str = "positional"
    """referee ko rule: ``"positional"`` superko or ``"simple"``"""
    out_dir: str | None = None
    """write each game to ``out_dir/game_NNNN.sgf`` and engine stderr to ``out_dir/*.log``"""
    parallel: int = 1
    """games played at the same time (each with its own pair of engine processes)"""
    names: tuple[str, str] | None = None
    """display names; default: each engine's answer to ``name``"""

    def __post_init__(self):
        coords.check_size(self.size)
        if len(self.engines) != 2 or not all(str(e).strip() for e in self.engines):
            raise ValueError("a match needs two engine command lines")
        if self.games < 1 or self.parallel < 1:
            raise ValueError("games and parallel must be >= 1")
        if self.seconds_per_move is not None and self.seconds_per_move <= 0:
            raise ValueError("seconds_per_move must be positive")
        if self.clock is not None and self.seconds_per_move is not None:
            raise ValueError("a match has a clock or seconds per move, not both")
        if self.colors not in COLORS:
            raise ValueError(f"colors must be one of {', '.join(COLORS)}, not {self.colors!r}")

    def black(self, index: int) -> int:
        """The engine (0 = A, 1 = B) that plays black in game ``index``."""
        return {"a-black": 0, "a-white": 1}.get(self.colors, index % 2)

    @property
    def move_cap(self) -> int:
        """The move cap in force."""
        return self.max_moves or 3 * self.size * self.size

    @property
    def genmove_timeout(self) -> float:
        """Wall-clock limit of one ``genmove``."""
        if self.move_timeout is not None:
            return self.move_timeout
        return 300.0 if self.seconds_per_move is None else 2 * self.seconds_per_move + 5

    @property
    def gtp_seconds_per_move(self) -> int | None:
        """``seconds_per_move`` as ``time_settings`` sends it: GTP takes whole seconds, so rounded up."""
        return None if self.seconds_per_move is None else max(1, math.ceil(self.seconds_per_move))


class _Slot:
    """Engine A or B in one worker: its process (restarted when needed), name and timings."""

    def __init__(self, index: int, cfg: MatchConfig, worker: int):
        self.index, self.cfg, self.worker = index, cfg, worker
        self.client: GtpClient | None = None
        self.name = cfg.names[index] if cfg.names else "AB"[index]
        self.fresh = True
        self.starts = 0
        self.ready = False
        """True once the engine has answered its game setup (it can start)"""
        if cfg.out_dir:
            self.log_path, self.temp_log = os.path.join(cfg.out_dir, f"engine_{'ab'[index]}_{worker}.log"), False
        else:  # kept only to say why an engine could not start
            fd, self.log_path = tempfile.mkstemp(prefix=f"go-engine-match-{'ab'[index]}-", suffix=".log")
            os.close(fd)
            self.temp_log = True

    def stderr_tail(self, lines: int = 3) -> str:
        """The last ``lines`` non-empty lines the engine wrote to stderr (joined by `` | ``)."""
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                text = [ln.strip() for ln in f.read()[-20000:].splitlines() if ln.strip()]
        except OSError:
            return ""
        return " | ".join(text[-lines:])

    def ensure_started(self) -> None:
        if self.client is not None and self.client.alive:
            return
        self.stop()
        self.client = GtpClient(self.cfg.engines[self.index], self.log_path)
        self.fresh, self.starts = True, self.starts + 1
        ok, name = self.client.send("name", self.cfg.startup_timeout)
        if ok and name and not self.cfg.names:
            self.name = name.splitlines()[0]

    def send(self, command: str, timeout: float) -> tuple[bool, str]:
        if self.client is None:
            raise EngineDied("engine is not running")
        return self.client.send(command, timeout)

    def stop(self, graceful: bool = True) -> None:
        if self.client is not None:
            self.client.close(graceful=graceful)
            self.client = None

    def close(self) -> None:
        """Stop the engine and remove the temporary stderr log."""
        self.stop()
        if self.temp_log:
            try:
                os.unlink(self.log_path)
            except OSError:
                pass


# ------------------------------------------------------------------------------ one game
class _Forfeit(Exception):
    def __init__(self, engine: int, kind: str, detail: str):
        super().__init__(detail)
        self.engine, self.kind, self.detail = engine, kind, detail


class Referee:
    """Plays games between two engine slots of one worker on the referee's own board."""

    def __init__(self, cfg: MatchConfig, worker: int = 0):
        self.cfg = cfg
        self.slots = (_Slot(0, cfg, worker), _Slot(1, cfg, worker))

    def close(self) -> None:
        """Stop both engines."""
        for s in self.slots:
            s.close()

    def _call(self, e: int, command: str, timeout: float, kind: str = "bad response") -> str:
        """Send to engine ``e``; a failure, timeout or crash raises ``_Forfeit`` against it."""
        slot = self.slots[e]
        try:
            ok, text = slot.send(command, timeout)
        except EngineTimeout as err:
            slot.stop(graceful=False)  # its late answer would confuse the next command
            raise _Forfeit(e, "timeout", str(err)) from None
        except EngineDied as err:
            slot.stop()
            raise _Forfeit(e, "crash", str(err)) from None
        if not ok:
            raise _Forfeit(e, kind, f"{command!r} failed: {text}")
        return text

    def _setup(self, e: int) -> None:
        cfg, slot = self.cfg, self.slots[e]
        try:
            slot.ensure_started()
            if not slot.client.alive:
                raise EngineDied("the engine exited at start")
        except (OSError, EngineDied, EngineTimeout) as err:
            slot.stop(graceful=False)
            if not slot.ready:
                raise self._start_error(e, err) from None
            raise _Forfeit(e, "crash", f"cannot start engine: {err}") from None
        commands = [f"boardsize {cfg.size}", "clear_board", f"komi {cfg.komi:g}"]
        if cfg.gtp_seconds_per_move is not None:
            commands.append(f"time_settings 0 {cfg.gtp_seconds_per_move} 1")
        elif cfg.clock is not None:
            commands.append(cfg.clock.gtp)
        try:
            for c in commands:
                self._call(e, c, cfg.startup_timeout, kind="setup")
        except _Forfeit as f:
            if not slot.ready and f.kind == "crash":
                raise self._start_error(e, f.detail) from None
            raise
        slot.ready = True

    def _start_error(self, e: int, err) -> EngineStartError:
        slot = self.slots[e]
        tail = slot.stderr_tail()
        why = f"{err}; its stderr: {tail}" if tail else str(err)
        return EngineStartError(f"engine {'AB'[e]} ({self.cfg.engines[e]}) could not start: {why}")

    def play_game(self, index: int) -> GameResult:
        """Play game ``index`` (colours by ``cfg.colors``); raises only ``EngineStartError``.

        Every other engine fault is a forfeit of the game.
        """
        cfg = self.cfg
        black = cfg.black(index)
        board = Board(cfg.size, Rules(komi=cfg.komi, allow_suicide=cfg.allow_suicide, ko=cfg.ko))
        res = GameResult(index=index, black=black, winner=None, result="", reason="", moves=0)
        try:
            for e in (black, 1 - black):
                self._setup(e)
            self._moves(board, black, res)
            self._score(board, black, res)
        except _Forfeit as f:
            winner_color = WHITE if f.engine == black else BLACK
            res.winner, res.reason = 1 - f.engine, "forfeit"
            res.forfeit_kind, res.forfeiter, res.detail = f.kind, f.engine, f.detail
            res.result = f"{'BW'[winner_color - 1]}+{'T' if f.kind == 'timeout' else 'F'}"
        res.moves = len(board.moves)
        res.sgf_path = self._write_sgf(board, res)
        return res

    def _moves(self, board: Board, black: int, res: GameResult) -> None:
        cfg = self.cfg
        clocks = [GameClock(cfg.clock) for _ in (0, 1)] if cfg.clock else None
        while not board.is_over and len(board.moves) < cfg.move_cap:
            color = board.to_play
            e = black if color == BLACK else 1 - black
            c = "bw"[color - 1]
            slot = self.slots[e]
            timeout = cfg.genmove_timeout if clocks is None else clocks[e].available + 5.0
            if clocks is not None:
                self._call(e, clocks[e].time_left(c), cfg.genmove_timeout, kind="setup")
            t0 = time.perf_counter()
            answer = self._call(e, f"genmove {c}", timeout + (cfg.startup_timeout if slot.fresh else 0.0)).strip()
            res.move_times[e].append(time.perf_counter() - t0)
            if clocks is not None:
                self._charge(clocks[e], e, c, res.move_times[e][-1], board, res)
            slot.fresh = False
            if answer.lower() == "resign":
                board.resign(color)
                res.winner, res.reason, res.result = 1 - e, "resign", f"{'WB'[color - 1]}+R"
                return
            try:
                action = coords.from_gtp(answer, cfg.size)
            except ValueError:
                raise _Forfeit(e, "bad response", f"genmove {c} answered {answer!r}") from None
            reason = board.legality(action, color)
            if reason is not None:
                raise _Forfeit(e, "illegal", f"illegal move {c.upper()} {answer}: {reason}")
            board.play(action, color)
            self._call(1 - e, f"play {c} {coords.to_gtp(action, cfg.size)}", cfg.genmove_timeout, kind="rejected")

    @staticmethod
    def _charge(clock: GameClock, e: int, c: str, seconds: float, board: Board, res: GameResult) -> None:
        """Charge a move to ``clock`` (the move's SGF comment says so); raise ``_Forfeit`` on time."""
        if not clock.charge(seconds):
            raise _Forfeit(e, "timeout", f"{c.upper()} lost on time: {seconds:.1f} s for move {len(board.moves) + 1}")
        res.comments[len(board.moves) + 1] = f"{seconds:.2f} s; {c.upper()} clock {clock.describe()}"

    def _score(self, board: Board, black: int, res: GameResult) -> None:
        if board.resigned is not None:
            return
        res.reason = "score" if board.is_over else "move cap"
        counted = board
        if board.is_over and self.cfg.ask_dead:
            dead = self._agreed_dead(board)
            if dead:
                counted = board.copy()
                counted.setup(empty=sorted(dead))
                res.dead_removed = len(dead)
        s = counted.area_score()
        res.result = "0" if s == 0 else f"{'B' if s > 0 else 'W'}+{abs(s):g}"
        res.winner = None if s == 0 else (black if s > 0 else 1 - black)
        res.detail = f"area score {s:+g} for black; {res.dead_removed} dead stones removed by agreement"

    def _agreed_dead(self, board: Board) -> set[int] | None:
        """Stones both engines call dead (``None`` if they disagree or cannot say)."""
        lists = []
        for e in (0, 1):
            try:
                ok, text = self.slots[e].send("final_status_list dead", self.cfg.genmove_timeout)
            except (EngineDied, EngineTimeout):
                self.slots[e].stop(graceful=False)
                return None
            if not ok:
                return None
            try:
                lists.append({coords.from_gtp(v, board.size) for v in text.split()})
            except ValueError:
                return None
        if lists[0] != lists[1] or any(board.color_at(a) == EMPTY for a in lists[0]):
            return None
        return lists[0]

    def _write_sgf(self, board: Board, res: GameResult) -> str | None:
        if not self.cfg.out_dir:
            return None
        from engine.sgf import board_to_record
        from selfplay.records import write_sgf_file

        names = [s.name for s in self.slots]
        comment = f"{res.reason}: {res.detail}" if res.detail else res.reason
        record = board_to_record(
            board,
            result=res.result,
            black_name=names[res.black],
            white_name=names[1 - res.black],
            event="go-engine match",
            game_comment=comment,
            comments=res.comments,
        )
        return str(write_sgf_file(os.path.join(self.cfg.out_dir, f"game_{res.index:04d}.sgf"), record))


# ------------------------------------------------------------------------------ the match
def run_match(cfg: MatchConfig, on_game: Callable[[GameResult], None] | None = None) -> MatchResult:
    """Play a match; ``on_game`` is called after each game (from worker threads, serialised).

    Args:
        cfg: the match settings.
        on_game: progress callback.

    Returns:
        The games in index order and the engine names.
    """
    if cfg.out_dir:
        os.makedirs(cfg.out_dir, exist_ok=True)
    todo: deque[int] = deque(range(cfg.games))
    results: list[GameResult] = []
    names: list[tuple[str, str]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(w: int) -> None:
        ref = Referee(cfg, w)
        try:
            while True:
                with lock:
                    if not todo:
                        return
                    index = todo.popleft()
                res = ref.play_game(index)
                with lock:
                    results.append(res)
                    names.append((ref.slots[0].name, ref.slots[1].name))
                    if on_game is not None:
                        on_game(res)
        except BaseException as e:  # a referee bug: stop the other workers and re-raise below
            with lock:
                errors.append(e)
                todo.clear()
        finally:
            ref.close()

    threads = [threading.Thread(target=worker, args=(w,), daemon=True) for w in range(min(cfg.parallel, cfg.games))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    results.sort(key=lambda g: g.index)
    clock = str(cfg.clock) if cfg.clock else None
    return MatchResult(names=names[-1] if names else ("A", "B"), games=results, clock=clock)
