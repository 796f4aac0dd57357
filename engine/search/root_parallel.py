"""Root parallelism: N processes search the same position; their root statistics are summed.

After Chaslot, Winands & van den Herik (2008), "Parallel Monte-Carlo Tree Search": each *worker*
is a process (``spawn`` context) holding its own ``MCTSPlayer`` seeded ``seed + i``, with its own
tree kept between moves. One *round* sends the position and the budget to every live worker; each
runs an ordinary ``MCTS.search`` and answers its *root stats* (``RootStats``: N and W of the root
and of every root move, the priors, the principal variations of the most visited moves). The
*merged* stats sum N and W per move (Q = sum W / sum N), average the priors and keep the PV of the
worker that visited the move most; the move with most summed visits is played.

Budget: a playout budget is split across the workers (the shares add up to the request); a time
budget is the same wall-clock seconds for every worker.

**The seam.** ``RootParallelPlayer`` is an ``MCTSPlayer`` whose ``self.mcts`` is a
``RootParallelSearch``. ``MCTSPlayer`` reads the tree only through ``search``, ``reset``,
``root_children``, ``root_visits``, ``root_value``, ``principal_variation`` and ``choose_action``,
and ``RootParallelSearch`` implements exactly those over the merged stats, so the game logic
(pass guard, resignation, time control, analysis lines, ``lz-analyze``) is the one of the
single-process player, unchanged. Ownership and dead stones are heavy rollouts without a tree and
run in this process, as before.

**Startup.** The workers start with the first ``reset`` (``new_game``) and take a second or more
to import and load the compiled kernels. A playout budget waits for them; a time budget does not:
until a worker is ready, the round runs on a local ``MCTS`` in this process.

**Failures never hang a move.** A worker that exits, closes its pipe, reports an error or misses a
timed round's deadline by ``GRACE`` seconds is dropped (and logged); the round is merged from the
others. With no worker left, the search runs on a local ``MCTS`` in this process.

**Shutdown.** ``close()`` (the ``gtp`` command calls it on ``quit`` and at the end of input) asks
the workers to quit, joins them and terminates stragglers. Workers are daemons (terminated when
this process exits) and also end when their pipe closes, or when this process dies however it
dies (``engine/procs.py``: parent-death signal and a watchdog). They ignore SIGINT and write
nothing to stdout (which carries GTP answers).
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import wait

import numpy as np

from engine import procs
from engine.board import Board
from engine.config import MCTSConfig
from engine.search.mcts import MCTS, RootChild, rank_children
from engine.search.player import MCTSPlayer

log = logging.getLogger("go_engine.root_parallel")

GRACE = 5.0
"""seconds a worker may overrun a timed round before it is dropped"""
STARTUP_TIMEOUT = 180.0
"""seconds to wait for a worker's first ``ready`` (imports, Numba cache loads, a warm-up search)"""
PARTIAL_INTERVAL = 0.05
"""seconds between partial root stats while the caller polls (``lz-genmove_analyze``)"""
PV_MOVES = 10
"""principal variations sent for this many most visited root moves"""
POLL = 0.02
"""seconds between checks of ``should_stop`` while waiting for the workers"""


@dataclass
class RootStats:
    """Root statistics of one search (values from the view of the player to move at the root)."""

    visits: int = 0
    value_sum: float = 0.0
    children: list[tuple[int, int, float, float]] = field(default_factory=list)
    """``(action, visits, value_sum, prior)`` per root move"""
    pvs: dict[int, list[int]] = field(default_factory=dict)


def root_stats(mcts: MCTS) -> RootStats:
    """Read ``mcts``'s root (between chunks of simulations: no evaluation pending)."""
    kids = mcts.root_children()
    n = mcts.root_visits()
    pvs = {r.action: mcts.principal_variation(r.action) for r in kids[:PV_MOVES] if r.visits > 0}
    return RootStats(n, mcts.root_value() * n, [(r.action, r.visits, r.q * r.visits, r.prior) for r in kids], pvs)


def merge_stats(stats: list[RootStats]) -> RootStats:
    """Sum N and W per root move over workers; mean prior; the PV of the worker with most visits there."""
    visits: dict[int, int] = {}
    wsum: dict[int, float] = {}
    prior: dict[int, list[float]] = {}
    best: dict[int, tuple[int, list[int]]] = {}
    for s in stats:
        for a, n, w, p in s.children:
            visits[a] = visits.get(a, 0) + n
            wsum[a] = wsum.get(a, 0.0) + w
            prior.setdefault(a, []).append(p)
            if a in s.pvs and n > best.get(a, (-1, []))[0]:
                best[a] = (n, s.pvs[a])
    children = [(a, visits[a], wsum[a], float(np.mean(prior[a]))) for a in visits]
    return RootStats(
        sum(s.visits for s in stats),
        sum(s.value_sum for s in stats),
        children,
        {a: pv for a, (_, pv) in best.items()},
    )


def split_playouts(total: int, workers: int) -> list[int]:
    """``total`` playouts in ``workers`` shares differing by at most one."""
    q, r = divmod(total, workers)
    return [q + (i < r) for i in range(workers)]


# ---------------------------------------------------------------------- worker process
def _worker_main(conn, stop, cfg: MCTSConfig, seed: int | None, guard: dict) -> None:
    """One worker: answer ``search`` / ``reset`` / ``quit`` messages until ``quit`` or a closed pipe."""
    procs.worker_init(**guard)  # ignores SIGINT; ends with the main process, however that ends
    sys.stdout = sys.stderr  # stdout is the GTP channel of the parent
    player = MCTSPlayer(cfg, seed)
    _warm_up(player.mcts)
    conn.send(("ready",))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg[0] == "quit":
            return
        try:
            if msg[0] == "reset":
                player.mcts.reset()
            elif msg[0] == "search":
                _worker_search(conn, stop, player.mcts, *msg[1:])
        except Exception:
            conn.send(("error", traceback.format_exc()))


def _warm_up(mcts: MCTS) -> None:
    """Load (or compile) the search kernels, re-rooting included, before any clock runs."""
    board = Board(5)
    mcts.search(board, num_simulations=16)
    board.play(mcts.choose_action(board))
    mcts.search(board, num_simulations=16)
    mcts.reset()


def _worker_search(conn, stop, mcts: MCTS, board: Board, sims, seconds, partial: bool) -> None:
    last = [time.perf_counter()]

    def poll() -> bool:
        if partial and time.perf_counter() - last[0] >= PARTIAL_INTERVAL:
            last[0] = time.perf_counter()
            conn.send(("partial", root_stats(mcts)))
        return stop.is_set()

    done = mcts.search(board, num_simulations=sims, seconds=seconds, should_stop=poll)
    conn.send(("done", root_stats(mcts), done))


# ---------------------------------------------------------------------- the main process side
class _Worker:
    def __init__(self, index: int, proc, conn):
        self.index, self.proc, self.conn = index, proc, conn
        self.ready = False
        self.stats: RootStats | None = None


class RootParallelSearch:
    """The ``MCTS`` reading API over ``threads`` worker processes (see the module docstring).

    Args:
        cfg: search settings, the same for every worker.
        seed: worker ``i`` is seeded ``seed + i`` (``None``: fresh entropy).
        threads: number of worker processes.
        fallback: the local search used while no worker is ready (default: a new rollout ``MCTS``).
    """

    def __init__(self, cfg: MCTSConfig, seed: int | None, threads: int, fallback: MCTS | None = None):
        self.cfg, self.seed, self.threads = cfg, seed, threads
        self.np_rng = np.random.default_rng(seed)  # choose_action's temperature draws
        self.fallback = fallback if fallback is not None else MCTSPlayer(cfg, seed).mcts
        self.workers: list[_Worker] = []
        self._ctx = mp.get_context("spawn")
        self._stop = None
        self._started, self._started_at = False, 0.0
        self._merged = RootStats()
        self._size = 0  # board size of the last round (``rank_children``'s centre tie-break)
        self._local = False  # the last round ran on the fallback

    # ------------------------------------------------------------------ workers
    def start(self) -> None:
        """Start the worker processes (once; they load and warm up while the caller goes on)."""
        if self._started:
            return
        self._started, self._started_at = True, time.perf_counter()
        self._stop = self._ctx.Event()
        for i in range(self.threads):
            parent, child = self._ctx.Pipe()
            seed = None if self.seed is None else self.seed + i
            proc = self._ctx.Process(
                target=_worker_main,
                args=(child, self._stop, self.cfg, seed, procs.guard_args()),
                name=f"go-engine-search-{i}",
                daemon=True,
            )
            proc.start()
            child.close()
            log.info("search worker %d started (pid %d)", i, proc.pid)
            self.workers.append(_Worker(i, proc, parent))

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT) -> int:
        """Block until every worker has started (or is dropped); returns the number ready."""
        self.start()
        self._poll_ready(time.perf_counter() + timeout)
        return len(self.workers)

    def _poll_ready(self, deadline: float) -> None:
        """Mark the workers that said ``ready`` by ``deadline``; drop those dead or past ``STARTUP_TIMEOUT``."""
        for w in [w for w in self.workers if not w.ready]:
            try:
                if w.conn.poll(max(deadline - time.perf_counter(), 0.0)):
                    w.ready = w.conn.recv() == ("ready",)
                    if w.ready:
                        continue
                elif time.perf_counter() < self._started_at + STARTUP_TIMEOUT:
                    continue
            except (EOFError, OSError):
                pass
            self._drop(w, "did not start")

    def _drop(self, w: _Worker, why: str) -> None:
        log.error("search worker %d %s (exit code %s); %d left", w.index, why, w.proc.exitcode, len(self.workers) - 1)
        self.workers.remove(w)
        if w.proc.is_alive():
            w.proc.terminate()
        w.proc.join(1.0)
        w.conn.close()

    def _send(self, w: _Worker, msg: tuple) -> bool:
        try:
            w.conn.send(msg)
            return True
        except (OSError, ValueError):
            self._drop(w, "died (its pipe closed)")
            return False

    def close(self) -> None:
        """Ask the workers to quit, join them and terminate stragglers (idempotent)."""
        for w in self.workers:
            try:
                w.conn.send(("quit",))
            except (OSError, ValueError):
                pass
        for w in self.workers:
            w.proc.join(2.0)
            if w.proc.is_alive():
                w.proc.terminate()
                w.proc.join(1.0)
            w.conn.close()
        self.workers = []

    # ------------------------------------------------------------------ the MCTS API
    def reset(self) -> None:
        """Forget the trees (new game); starts the workers on first use."""
        self.start()
        for w in list(self.workers):
            self._send(w, ("reset",))
        self.fallback.reset()
        self._merged, self._local = RootStats(), False

    def search(
        self,
        board: Board,
        num_simulations: int | None = None,
        seconds: float | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> int:
        """One round: every worker searches ``board``; returns the simulations done in all."""
        num_simulations, seconds = self.cfg.budget(num_simulations, seconds)
        t0 = time.perf_counter()
        self._size = board.size
        self.start()
        self._poll_ready(t0 if seconds is not None else self._started_at + STARTUP_TIMEOUT)
        workers = [w for w in self.workers if w.ready]
        self._stop.clear()
        by_time = num_simulations is None or not workers
        shares = [None] * len(workers) if by_time else split_playouts(num_simulations, len(workers))
        partial = should_stop is not None
        live = [
            w for w, n in zip(workers, shares, strict=True) if self._send(w, ("search", board, n, seconds, partial))
        ]
        done = self._collect(live, seconds, should_stop)
        if self._local:
            left = None if seconds is None else max(0.01, seconds - (time.perf_counter() - t0))
            done += self.fallback.search(board, num_simulations, left, should_stop)
        return done

    def _collect(self, live: list[_Worker], seconds: float | None, should_stop) -> int:
        """Wait for the round's answers, merging partial stats as they come; drop failed workers."""
        for w in live:
            w.stats = None
        pending, done, stopped = set(live), 0, False
        deadline = float("inf") if seconds is None else time.perf_counter() + seconds + GRACE
        while pending:
            ready = wait([w.conn for w in pending] + [w.proc.sentinel for w in pending], POLL)
            changed = False
            for w in list(pending):
                if w.conn not in ready and w.proc.sentinel not in ready:
                    continue
                try:
                    msg = w.conn.recv() if w.conn.poll() else ("exited",)
                except (EOFError, OSError):
                    msg = ("exited",)
                if msg[0] in ("partial", "done"):
                    w.stats, changed = msg[1], True
                    if msg[0] == "done":
                        done += msg[2]
                        pending.discard(w)
                    continue
                if msg[0] == "error":
                    log.error("search worker %d failed:\n%s", w.index, msg[1])
                pending.discard(w)
                w.stats = None
                self._drop(w, "failed" if msg[0] == "error" else "died")
                changed = True
            if changed:
                self._merged = merge_stats([w.stats for w in live if w.stats is not None])
            if should_stop is not None and not stopped and should_stop():
                self._stop.set()
                stopped = True
            if time.perf_counter() > deadline:
                for w in list(pending):
                    pending.discard(w)
                    self._drop(w, "missed its deadline")
        answered = [w for w in live if w.stats is not None and w in self.workers]
        self._merged = merge_stats([w.stats for w in answered])
        self._local = not answered
        if self._local and self.workers:
            log.info("no search worker ready yet; searching in this process")
        elif self._local:
            log.error("no search worker left; searching in this process")
        return done

    def root_children(self) -> list[RootChild]:
        """Merged statistics of the root's moves, most visited first."""
        if self._local:
            return self.fallback.root_children()
        kids = [RootChild(a, n, w / n if n > 0 else 0.0, p) for a, n, w, p in self._merged.children]
        return rank_children(kids, self._size)

    def root_visits(self) -> int:
        """Summed N of the roots."""
        return self.fallback.root_visits() if self._local else self._merged.visits

    def root_value(self) -> float:
        """Summed W over summed N of the roots (0 before any visit)."""
        if self._local:
            return self.fallback.root_value()
        m = self._merged
        return m.value_sum / m.visits if m.visits > 0 else 0.0

    def principal_variation(self, action: int, max_len: int = 12) -> list[int]:
        """The PV of ``action`` from the worker that visited it most."""
        if self._local:
            return self.fallback.principal_variation(action, max_len)
        return self._merged.pvs.get(action, [action])[:max_len]

    choose_action = MCTS.choose_action
    """the single search's rule (most visits, LCB or temperature); it reads only ``root_children``,
    ``cfg`` and ``np_rng``"""


class RootParallelPlayer(MCTSPlayer):
    """``MCTSPlayer`` searching with root parallelism over ``threads`` processes (module docstring).

    Args:
        cfg: search settings of every worker.
        seed: worker ``i`` is seeded ``seed + i``.
        threads: number of worker processes (>= 1).
    """

    def __init__(self, cfg: MCTSConfig | None = None, seed: int | None = None, threads: int = 2):
        super().__init__(cfg, seed)
        self.mcts = RootParallelSearch(self.cfg, seed, threads, fallback=self.mcts)

    def close(self) -> None:
        """Stop the worker processes."""
        self.mcts.close()

    def __enter__(self) -> RootParallelPlayer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
