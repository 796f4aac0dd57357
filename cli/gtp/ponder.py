"""Pondering: the engine searches on the opponent's time, keeping the tree for its next ``genmove``.

Vocabulary:
    ponder: a search of the current position in a background thread, started after a move
        command (``play``, ``genmove`` and its variants) and stopped before the next command line
        is answered. Its visits stay in the player's tree: when the opponent's move is one the
        ponder searched, the next ``genmove`` re-roots there and starts with those visits
        (``MCTS`` tree reuse).
    stop at once: the ponder's search polls ``pending()`` (a command line has arrived) between
        chunks of simulations, so it ends within a chunk of the line's arrival, before the
        session even reads the line.

The ponder runs ``player.analyze`` with a report that discards the lines, so any ``Analyzer``
player can ponder; other players cannot (``Ponderer.able`` is false and nothing starts).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from engine.board import Board
from engine.player import Analyzer

log = logging.getLogger("go_engine.gtp")

POLL_SECONDS = 0.02
"""longest search between two looks at ``pending`` when the tree is full (the search polls more often)"""

STARTS = frozenset({"play", "genmove", "kgs-genmove_cleanup", "lz-genmove_analyze", "kata-genmove_analyze"})
"""commands after which pondering starts"""

ENDS = frozenset({"quit", "clear_board", "boardsize", "loadsgf"})
"""commands after which pondering does not resume (a new game or the end)"""


class Ponderer:
    """Starts and stops the background search of the player.

    Args:
        player: the engine player (pondering needs an ``Analyzer``).
        pending: returns True once a command line has arrived.
    """

    def __init__(self, player, pending: Callable[[], bool]):
        self.player, self._pending = player, pending
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.able = isinstance(player, Analyzer)

    @property
    def running(self) -> bool:
        """True while a ponder search is going on."""
        return self._thread is not None

    def start(self, board: Board) -> None:
        """Ponder on ``board`` (copied) for its player to move, unless the game is over."""
        if not self.able or self._thread is not None or board.is_over:
            return
        b = board.copy()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(b,), daemon=True, name="gtp-ponder")
        self._thread.start()

    def stop(self) -> bool:
        """Stop the ponder search and wait for it; returns True if one was running."""
        thread, self._thread = self._thread, None
        if thread is None:
            return False
        self._stop.set()
        t0 = time.perf_counter()
        thread.join()
        log.debug("ponder stopped in %.1f ms", 1000 * (time.perf_counter() - t0))
        return True

    def _should_stop(self) -> bool:
        return self._stop.is_set() or self._pending()

    def _run(self, board: Board) -> None:
        try:
            self.player.analyze(board, board.to_play, lambda infos: None, self._should_stop, POLL_SECONDS)
        except Exception:
            log.exception("pondering failed")

    def after(self, name: str, was_running: bool, board: Board) -> None:
        """Start pondering again after the command ``name`` where it should (see ``STARTS``, ``ENDS``)."""
        if name in STARTS or (was_running and name not in ENDS):
            self.start(board)
