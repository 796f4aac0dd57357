"""The Go board: a thin, checked Python holder over the compiled kernels in ``engine/_kernels.py``.

A ``Board`` owns the arrays (``pts``, ``scal``, ``hist``) and the shared Zobrist table of its
size; every rule lives in the kernels. Methods validate input, convert coordinates and turn
kernel status codes into ``IllegalMove``. Moves are public ``action`` numbers (``0..n*n``, with
``n*n`` = pass, see ``engine/coords.py``).

Rules (``Rules``): area scoring (Tromp-Taylor) with komi; suicide illegal unless
``allow_suicide``; ``ko="positional"`` (positional superko, the default) or ``"simple"``. The game
ends after two consecutive passes or a resignation. ``undo`` restores any earlier position
exactly, from a stack of array snapshots.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine import _kernels as K
from engine import coords
from engine.coords import GTP_COLUMNS
from engine.handicap import check_free_handicap

BLACK, WHITE, EMPTY = K.BLACK, K.WHITE, K.EMPTY
_ILLEGAL_REASON = {
    K.OCCUPIED: "point is occupied",
    K.SUICIDE: "suicide",
    K.KO_BANNED: "ko recapture",
    K.SUPERKO_BANNED: "positional superko",
}
_ZOBRIST: dict[int, np.ndarray] = {}


class IllegalMove(ValueError):
    """A move that the rules in force forbid; ``reason`` says why."""

    def __init__(self, message: str, reason: str = "illegal"):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Rules:
    """The rule set of a game. Defaults: Chinese-style area scoring, komi 7.5, positional superko."""

    komi: float = 7.5
    """points added to white's area score; an integer komi allows draws"""
    allow_suicide: bool = False
    """Tromp-Taylor / New Zealand: a move that leaves its own chain without liberty removes it"""
    ko: str = "positional"
    """``"positional"`` superko or ``"simple"`` ko"""

    def __post_init__(self):
        if self.ko not in ("positional", "simple"):
            raise ValueError(f"ko rule must be 'positional' or 'simple', got {self.ko!r}")
        if not np.isfinite(self.komi):
            raise ValueError(f"komi must be finite, got {self.komi!r}")


def color_of(name: str | int) -> int:
    """BLACK or WHITE from ``"b"``, ``"black"``, ``"w"``, ``"white"`` (any case) or the int itself."""
    if isinstance(name, int | np.integer) and int(name) in (BLACK, WHITE):
        return int(name)
    key = str(name).strip().lower()
    if key in ("b", "black"):
        return BLACK
    if key in ("w", "white"):
        return WHITE
    raise ValueError(f"invalid color {name!r}")


def zobrist_table(size: int) -> np.ndarray:
    """The fixed random ``int64[3, A]`` Zobrist table of a board size (same in every process)."""
    if size not in _ZOBRIST:
        area = (size + 2) * (size + 1) + 1
        rng = np.random.default_rng(0x5EED + size)
        table = rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, size=(3, area), dtype=np.int64)
        table[0] = 0
        table.setflags(write=False)
        _ZOBRIST[size] = table
    return _ZOBRIST[size]


class Board:
    """A Go position with its history. See the module docstring for rules and representation."""

    __slots__ = ("size", "rules", "pts", "scal", "hist", "zob", "moves", "_snapshots", "resigned")

    def __init__(self, size: int = 19, rules: Rules | None = None, *, komi: float | None = None):
        """Make an empty board.

        Args:
            size: board size, 2 to 19.
            rules: the rule set; defaults to ``Rules()``.
            komi: shortcut that overrides ``rules.komi``.

        Raises:
            ValueError: on a size outside 2..19 or bad rules.
        """
        self.size = coords.check_size(size)
        rules = rules or Rules()
        if komi is not None:
            rules = Rules(komi=float(komi), allow_suicide=rules.allow_suicide, ko=rules.ko)
        self.rules = rules
        area = (size + 2) * (size + 1) + 1
        self.zob = zobrist_table(size)
        self.pts = np.zeros((K.NROWS, area), np.int64)
        self.scal = np.zeros(K.NSCAL, np.int64)
        self.hist = np.zeros(4 * size * size + 16, np.int64)
        self.clear()

    # ----------------------------------------------------------------- state
    def clear(self) -> None:
        """Empty the board and forget the history (rules and komi stay)."""
        K.reset_board(self.pts, self.scal, self.size, int(self.rules.allow_suicide), int(self.rules.ko == "positional"))
        self._record_position()
        self.moves: list[tuple[int, int]] = []
        # (pts, scal, number of moves, resigned, hist prefix or None): one per undoable step
        self._snapshots: list[tuple[np.ndarray, np.ndarray, int, int | None, np.ndarray | None]] = []
        self.resigned: int | None = None

    def copy(self) -> Board:
        """An independent copy, history included."""
        other = Board.__new__(Board)
        other.size, other.rules, other.zob = self.size, self.rules, self.zob
        other.pts, other.scal, other.hist = self.pts.copy(), self.scal.copy(), self.hist.copy()
        other.moves = list(self.moves)
        other._snapshots = list(self._snapshots)  # snapshots are never mutated
        other.resigned = self.resigned
        return other

    def _record_position(self) -> None:
        n = self.scal[K.NHIST]
        self.hist[n] = self.scal[K.HASH]
        self.scal[K.NHIST] = n + 1

    def _ensure_history_room(self) -> None:
        if self.scal[K.NHIST] + 2 >= len(self.hist):
            self.hist = np.concatenate([self.hist, np.zeros(len(self.hist), np.int64)])

    def _push_snapshot(self, save_hist: bool = False) -> None:
        # moves only append to ``hist``, so a snapshot keeps its used prefix only when a step
        # (setup) rewrites that prefix
        hist = self.hist[: self.scal[K.NHIST]].copy() if save_hist else None
        self._snapshots.append((self.pts.copy(), self.scal.copy(), len(self.moves), self.resigned, hist))

    # ------------------------------------------------------------ accessors
    @property
    def to_play(self) -> int:
        """BLACK or WHITE: the colour to move."""
        return int(self.scal[K.TO_PLAY])

    @to_play.setter
    def to_play(self, color: int | str) -> None:
        self.scal[K.TO_PLAY] = color_of(color)

    @property
    def komi(self) -> float:
        """Komi in force."""
        return self.rules.komi

    @property
    def pass_action(self) -> int:
        """The pass action, ``size*size``."""
        return self.size * self.size

    @property
    def hash(self) -> int:
        """Zobrist hash of the stones (independent of whose turn it is)."""
        return int(self.scal[K.HASH])

    @property
    def move_number(self) -> int:
        """Moves played so far, passes included."""
        return int(self.scal[K.MOVE_NUM])

    @property
    def passes(self) -> int:
        """Consecutive passes just played."""
        return int(self.scal[K.PASSES])

    @property
    def captures(self) -> dict[int, int]:
        """Stones captured so far by each colour: ``{BLACK: n, WHITE: m}``."""
        return {BLACK: int(self.scal[K.CAPS_B]), WHITE: int(self.scal[K.CAPS_W])}

    @property
    def ko_action(self) -> int | None:
        """The point the side to move may not retake because of simple ko, or ``None``."""
        loc = int(self.scal[K.KO])
        return None if loc == 0 else self._action(loc)

    def last_moves(self, k: int = 2) -> list[int]:
        """The last ``k`` actions played, newest last (fewer at the start of the game)."""
        return [a for _, a in self.moves[-k:]]

    @property
    def is_over(self) -> bool:
        """True after two consecutive passes or a resignation."""
        return self.passes >= 2 or self.resigned is not None

    def stones(self) -> np.ndarray:
        """``int8[n, n]`` colours (EMPTY/BLACK/WHITE), row 0 at the top."""
        w = self.size + 1
        grid = self.pts[K.STONES, w + 1 : w + 1 + self.size * w].reshape(self.size, w)[:, : self.size]
        return grid.astype(np.int8)

    def liberty_grid(self) -> np.ndarray:
        """``int64[n, n]``: liberties of the chain on each point (0 on empty points), row 0 at the top."""
        w = self.size + 1
        span = slice(w + 1, w + 1 + self.size * w)
        stones = self.pts[K.STONES, span]
        heads = np.where(stones != EMPTY, self.pts[K.HEAD, span], 0)
        libs = np.where(stones != EMPTY, self.pts[K.LIBS][heads], 0)
        return libs.reshape(self.size, w)[:, : self.size].astype(np.int64)

    def color_at(self, action: int) -> int:
        """Colour on the point of ``action``."""
        return int(self.pts[K.STONES, self._loc(action)])

    def liberties(self, action: int) -> int:
        """Liberties of the chain on ``action`` (0 for an empty point)."""
        loc = self._loc(action)
        if self.pts[K.STONES, loc] == EMPTY:
            return 0
        return int(self.pts[K.LIBS, self.pts[K.HEAD, loc]])

    def chain(self, action: int) -> list[int]:
        """Actions of the chain on ``action`` (empty list for an empty point)."""
        loc = self._loc(action)
        if self.pts[K.STONES, loc] == EMPTY:
            return []
        out, s = [], loc
        while True:
            out.append(self._action(s))
            s = int(self.pts[K.NEXT, s])
            if s == loc:
                return sorted(out)

    def is_eye(self, action: int, color: int) -> bool:
        """True if empty ``action`` is a true eye of ``color`` (the rule random playouts never fill)."""
        loc = self._loc(action)
        color = color_of(color)
        return self.pts[K.STONES, loc] == EMPTY and bool(K.is_true_eye(self.pts[K.STONES], self.size + 1, loc, color))

    def position_history(self, k: int) -> list[np.ndarray]:
        """Stones (``int8[n, n]``) of the current and up to ``k - 1`` earlier positions, newest first.

        Positions before the start of the record are omitted, so the list may be shorter than ``k``.
        """
        out = [self.stones()]
        w = self.size + 1
        for pts, *_ in reversed(self._snapshots[-(k - 1) :] if k > 1 else []):
            grid = pts[K.STONES, w + 1 : w + 1 + self.size * w].reshape(self.size, w)[:, : self.size]
            out.append(grid.astype(np.int8))
        return out

    # ------------------------------------------------------------- coordinates
    def _loc(self, action: int) -> int:
        a = coords.check_action(action, self.size)
        if a == self.pass_action:
            raise ValueError("pass has no point")
        r, c = divmod(a, self.size)
        return (r + 1) * (self.size + 1) + c + 1

    def _action(self, loc: int) -> int:
        w = self.size + 1
        return (loc // w - 1) * self.size + (loc % w - 1)

    # ------------------------------------------------------------------ moves
    def legality(self, action: int, color: int | None = None) -> str | None:
        """``None`` if ``action`` is legal for ``color`` (default: to play), else the reason."""
        a = coords.check_action(action, self.size)
        if self.is_over:
            return "game is over"
        if a == self.pass_action:
            return None
        color = self.to_play if color is None else color_of(color)
        code = K.is_legal(self.pts, self.scal, self.zob, self.hist, self._loc(a), color)
        return _ILLEGAL_REASON.get(code)

    def is_legal(self, action: int, color: int | None = None) -> bool:
        """True if ``color`` (default: to play) may play ``action`` now."""
        return self.legality(action, color) is None

    def legal_mask(self, color: int | None = None) -> np.ndarray:
        """``int8[n*n+1]``: 1 for each legal action of ``color`` (pass included), all 0 once over."""
        out = np.zeros(self.size * self.size + 1, np.int8)
        if not self.is_over:
            color = self.to_play if color is None else color_of(color)
            K.fill_legal_mask(self.pts, self.scal, self.zob, self.hist, color, out)
        return out

    def legal_moves(self, color: int | None = None) -> list[int]:
        """Legal actions of ``color`` (default: to play), pass last."""
        return [int(a) for a in np.flatnonzero(self.legal_mask(color))]

    def play(self, action: int, color: int | str | None = None) -> int:
        """Play ``action`` for ``color`` (default: the side to move). Returns stones captured.

        Raises:
            ValueError: if the action is off the board.
            IllegalMove: if the rules forbid the move; the board is unchanged.
        """
        a = coords.check_action(action, self.size)
        color = self.to_play if color is None else color_of(color)
        reason = self.legality(a, color)
        if reason is not None:
            raise IllegalMove(f"illegal move {coords.to_gtp(a, self.size)} for {'BW'[color - 1]}: {reason}", reason)
        self._push_snapshot()
        self.scal[K.TO_PLAY] = color
        self.moves.append((color, a))
        if a == self.pass_action:
            K.play_pass(self.scal)
            return 0
        self._ensure_history_room()
        return int(K.play_unsafe(self.pts, self.scal, self.zob, self.hist, self._loc(a), color))

    def play_gtp(self, vertex: str, color: int | str | None = None) -> int:
        """``play`` with a GTP vertex such as ``"D4"`` or ``"pass"``."""
        return self.play(coords.from_gtp(vertex, self.size), color)

    def resume(self) -> None:
        """Allow play to go on after two passes (GTP controllers do this for disputes and cleanup).

        The consecutive-pass count restarts; nothing else changes. A resignation is not undone.
        """
        self.scal[K.PASSES] = 0

    def resign(self, color: int | str | None = None) -> None:
        """``color`` (default: to play) resigns; the game is over."""
        color = self.to_play if color is None else color_of(color)
        self._push_snapshot()
        self.resigned = color

    def undo(self, steps: int = 1) -> None:
        """Take back the last ``steps`` moves (setup and resignations count as one step each).

        Raises:
            ValueError: if fewer than ``steps`` moves were made.
        """
        if steps < 0 or steps > len(self._snapshots):
            raise ValueError(f"cannot undo {steps} moves: {len(self._snapshots)} on record")
        if steps == 0:
            return
        snaps = self._snapshots[-steps:]
        pts, scal, nmoves, resigned, _ = snaps[0]
        for *_, hist in reversed(snaps):  # the oldest saved prefix wins
            if hist is not None:
                self.hist[: len(hist)] = hist
        del self._snapshots[-steps:]
        self.pts[:], self.scal[:] = pts, scal
        self.moves = self.moves[:nmoves]
        self.resigned = resigned

    # -------------------------------------------------------------- setup
    def setup(self, black: list[int] = (), white: list[int] = (), empty: list[int] = ()) -> None:
        """Place setup stones (SGF AB/AW/AE, free handicap). Undoable as one step; clears superko history.

        Raises:
            ValueError: on a point off the board (or pass), or if any chain would be left without
                liberties; the board is then unchanged.
        """
        locs = [(self._loc(a), col) for col, pts in ((EMPTY, empty), (BLACK, black), (WHITE, white)) for a in pts]
        self._push_snapshot(save_hist=True)
        for loc, col in locs:
            K.place_setup(self.pts, self.scal, self.zob, loc, col)
        K.rebuild_chains(self.pts, self.scal)
        pts = self.pts
        stone = (pts[K.STONES] == BLACK) | (pts[K.STONES] == WHITE)
        dead = np.flatnonzero(stone & (pts[K.HEAD] == np.arange(pts.shape[1])) & (pts[K.LIBS] == 0))
        if len(dead):
            self.undo()
            where = coords.to_gtp(self._action(int(dead[0])), self.size)
            raise ValueError(f"setup leaves a chain without liberties at {where}")
        self.scal[K.KO] = 0
        self.scal[K.NHIST] = 0
        self._record_position()

    def place_handicap(self, actions: list[int]) -> None:
        """Put black handicap stones on ``actions`` (see ``engine.handicap``); white moves next.

        Raises:
            ValueError: on fewer than 2 or too many stones, repeated points, pass, points off the
                board or already occupied; the board is then unchanged.
        """
        actions = check_free_handicap(self.size, actions)
        if any(self.pts[K.STONES, self._loc(a)] != EMPTY for a in actions):
            raise ValueError("handicap stones go on empty points")
        self.setup(black=actions)
        self.scal[K.TO_PLAY] = WHITE

    # ------------------------------------------------------------- scoring
    def area_score(self) -> float:
        """Tromp-Taylor area score from black's view: black area minus white area minus komi."""
        return float(K.area_score(self.pts, self.scal)) - self.rules.komi

    def ownership(self) -> np.ndarray:
        """``int8[n*n]``: +1 black area, -1 white area, 0 neutral (Tromp-Taylor)."""
        out = np.zeros(self.size * self.size, np.int64)
        K.area_ownership(self.pts, self.scal, out)
        return out.astype(np.int8)

    def winner(self) -> int:
        """BLACK, WHITE, or EMPTY for a draw: by resignation if any, else by area score."""
        if self.resigned is not None:
            return 3 - self.resigned
        s = self.area_score()
        return BLACK if s > 0 else WHITE if s < 0 else EMPTY

    def result(self) -> str:
        """SGF-style result: ``"B+3.5"``, ``"W+R"``, ``"0"`` (draw)."""
        if self.resigned is not None:
            return f"{'BW'[2 - self.resigned]}+R"
        s = self.area_score()
        return "0" if s == 0 else f"{'B' if s > 0 else 'W'}+{abs(s):g}"

    # ------------------------------------------------------------- display
    def __str__(self) -> str:
        cols = GTP_COLUMNS[: self.size]
        grid = self.stones()
        lines = ["   " + " ".join(cols)]
        for r in range(self.size):
            lines.append(f"{self.size - r:2d} " + " ".join(".XO"[v] for v in grid[r]))
        caps = self.captures
        lines.append(
            f"{'Black' if self.to_play == BLACK else 'White'} to play; captures B {caps[BLACK]} W {caps[WHITE]}"
        )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Board(size={self.size}, move={self.move_number}, to_play={'BW'[self.to_play - 1]})"

    @classmethod
    def from_ascii(cls, diagram: str, rules: Rules | None = None, to_play: int = BLACK) -> Board:
        """Board from rows of ``X`` (black), ``O`` (white), ``.`` (empty), top row first; spaces ignored.

        Raises:
            ValueError: on ragged rows, unknown characters or chains without liberties.
        """
        rows = [r.replace(" ", "") for r in diagram.strip().splitlines() if r.strip()]
        size = len(rows)
        if any(len(r) != size for r in rows):
            raise ValueError(f"diagram is not square: {[len(r) for r in rows]}")
        board = cls(size, rules)
        black, white = [], []
        for r, row in enumerate(rows):
            for c, ch in enumerate(row):
                if ch not in "XO.+":
                    raise ValueError(f"unknown character {ch!r} in diagram row {r}")
                (black if ch == "X" else white if ch == "O" else []).append(r * size + c)
        if black or white:
            board.setup(black, white)
            board._snapshots.clear()
        board.to_play = to_play
        return board
