"""Players: the one interface that GTP, the match referee and self-play use to ask for a move.

A ``Player`` does not own the game: the caller owns a ``Board`` (rules, komi, history) and asks
``genmove(board, color, seconds)`` for an action. A player may keep private state between calls
(a search tree to reuse) keyed on the board's move history, and must not modify ``board``.

``MoveInfo`` is one line of search analysis (what ``lz-analyze`` prints per candidate move).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from engine.board import Board

RESIGN = -1
"""``genmove`` returns this instead of an action to resign."""


@dataclass
class MoveInfo:
    """Search statistics of one root move, from the view of the player to move."""

    action: int
    visits: int
    winrate: float
    """mean value mapped to 0..1 (1 = sure win for the player to move)"""
    prior: float
    pv: list[int] = field(default_factory=list)
    """principal variation starting with ``action``"""
    lcb: float = 0.0
    order: int = 0


ReportMoves = Callable[[list[MoveInfo]], None]
"""an analysis callback: receives the root moves (``MoveInfo``, best first) of a running search"""
StopCheck = Callable[[], bool]
"""asked between slices of a search: True stops it"""


@runtime_checkable
class Player(Protocol):
    """What GTP and the referee need from an engine."""

    name: str

    def genmove(self, board: Board, color: int, seconds: float | None = None) -> int:
        """Choose an action (or ``RESIGN``) for ``color`` on ``board``; ``seconds`` caps thinking time."""
        ...

    def new_game(self, board: Board) -> None:
        """Forget per-game state (called on ``clear_board``, ``boardsize`` and ``loadsgf``)."""
        ...


@runtime_checkable
class Analyzer(Protocol):
    """A player that can stream search analysis (``lz-analyze``)."""

    def analyze(self, board: Board, color: int, report: ReportMoves, should_stop: StopCheck, interval: float) -> None:
        """Search until ``should_stop()``; call ``report`` with the root moves every ``interval`` seconds."""
        ...


class RandomPlayer:
    """Uniformly random legal moves that do not fill its own true eyes; passes when none is left."""

    name = "random"

    def __init__(self, seed: int | None = None):
        self.rng = np.random.default_rng(seed)

    def new_game(self, board: Board) -> None:
        """Nothing to forget."""

    def genmove(self, board: Board, color: int, seconds: float | None = None) -> int:
        """A random legal non-eye-filling action for ``color``, or pass."""
        moves = [a for a in board.legal_moves(color) if a != board.pass_action and not board.is_eye(a, color)]
        return int(self.rng.choice(moves)) if moves else board.pass_action


class BySizePlayer:
    """One player per board size, a fallback for the others: picks on ``new_game`` (GTP ``boardsize``).

    Every other attribute (``genmove``, ``analyze``, ``dead_stones``, ``last_info`` ...) is the
    active player's, so GTP sees whichever player suits the current board. ``go-engine gtp`` uses it
    to play the shipped 9x9 net on 9x9 and the rollout search on other sizes.
    """

    def __init__(self, by_size: dict[int, Player], fallback: Player):
        self.by_size, self.fallback = dict(by_size), fallback
        self.active: Player = fallback

    def new_game(self, board: Board) -> None:
        """Switch to the player of ``board.size`` and let it forget the last game."""
        self.active = self.by_size.get(board.size, self.fallback)
        self.active.new_game(board)

    def genmove(self, board: Board, color: int, seconds: float | None = None, **options) -> int:
        """The active player's move (``options``, such as ``progress``, go to it as given)."""
        return self.active.genmove(board, color, seconds, **options)

    def analyze(self, board, color, report, should_stop, interval) -> None:
        """The active player's analysis (``Analyzer`` is checked statically, so this is spelled out)."""
        self.active.analyze(board, color, report, should_stop, interval)

    def close(self) -> None:
        """Close every player that holds resources (``close``: search worker processes)."""
        for p in {id(p): p for p in [*self.by_size.values(), self.fallback]}.values():
            close = getattr(p, "close", None)
            if close is not None:
                close()

    def __getattr__(self, name: str):
        if name in ("by_size", "fallback", "active"):
            raise AttributeError(name)
        return getattr(self.active, name)
