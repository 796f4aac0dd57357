"""Multi-game batching: many games' searches share one evaluator call per step (KataGo, minigo).

A self-play worker plays ``K`` games at once. Each game runs in its own thread and calls the
ordinary ``MCTS.search`` (the same search as the no-network player) with a *proxy* evaluator from
``MultiGameSearch.evaluator()``. A proxy does not evaluate: it hands its ``LeafBatch`` to the
shared ``MultiGameSearch`` and waits. When every live game is waiting, the last one to arrive
runs ``batch_fn`` once on all the pending batches (sorted by game slot, so the concatenation
order does not depend on thread timing), scatters the results back and wakes the others. One
"step" is one such rendezvous: one ``batch_fn`` call for all games, however many are live.

Games that are busy elsewhere (writing a record, choosing a move, a rollout player's fused
search in an evaluation match) simply delay the step until they submit or finish; a finished
game leaves the rendezvous, and the step proceeds without it.

Why threads: ``MCTS`` drives its batched search loop itself (collect leaves -> evaluator ->
incorporate), so a driver that interleaves games needs either a hook that splits that loop or a
way to suspend ``search`` inside the evaluator call. A thread per game gives the second with the
public API only; the compiled kernels release the GIL (``nogil=True``) and every game has its
own tree, so nothing is shared but the rendezvous. A generator form of the batched loop in
``engine/search/mcts.py`` (``search_steps(board, n)`` yielding ``LeafBatch``-es and receiving
``(priors, values)``) would allow the same driver without threads.

``batch_fn(batches, tags) -> list[(priors, values)]`` gets the pending ``LeafBatch``-es and the
tag of each proxy (``evaluator(tag)``), so that an evaluation match can route the two players'
leaves to two networks within one step. This module imports numpy and the standard library only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.search.mcts import LeafBatch

BatchFn = Callable[[Sequence[LeafBatch], Sequence[Hashable]], Sequence[tuple[np.ndarray, np.ndarray]]]


@dataclass
class MultiGameStats:
    """Counters of a ``MultiGameSearch`` (read them after ``run``)."""

    steps: int = 0
    """rendezvous steps = ``batch_fn`` calls"""
    requests: int = 0
    """proxy evaluator calls (one per game per search chunk)"""
    leaves: int = 0
    """leaves evaluated"""
    max_games_per_step: int = 0
    """most batches merged into one step"""
    seconds_in_batch_fn: float = 0.0
    """wall time spent inside ``batch_fn``"""


class _Proxy:
    """The evaluator a game's ``MCTS`` calls; it forwards to the shared rendezvous."""

    def __init__(self, owner: MultiGameSearch, slot: int, tag: Hashable):
        self.owner, self.slot, self.tag = owner, slot, tag

    def __call__(self, batch: LeafBatch) -> tuple[np.ndarray, np.ndarray]:
        return self.owner._submit(self.slot, self.tag, batch)


class MultiGameSearch:
    """Run game functions in ``slots`` threads whose evaluator calls are merged per step.

    Args:
        batch_fn: evaluates a list of ``LeafBatch`` (with their proxies' tags) in one go and
            returns ``(priors, values)`` per batch.
        slots: games played at the same time (``K``).

    Use ``run(n_games, play_one, on_done)``: ``play_one(index, make_evaluator)`` plays game
    ``index`` with evaluators from ``make_evaluator(tag=None)`` and returns a result; ``on_done``
    receives ``(index, result)`` as each game finishes (serialised by a lock).
    """

    def __init__(self, batch_fn: BatchFn, slots: int):
        if slots < 1:
            raise ValueError("slots must be >= 1")
        self.batch_fn, self.slots = batch_fn, slots
        self.stats = MultiGameStats()
        self._cv = threading.Condition()
        self._live = 0
        self._pending: dict[int, tuple[Hashable, LeafBatch]] = {}
        self._results: dict[int, Any] = {}
        self._error: BaseException | None = None
        self._done_lock = threading.Lock()

    # ------------------------------------------------------------------ rendezvous
    def _submit(self, slot: int, tag: Hashable, batch: LeafBatch) -> tuple[np.ndarray, np.ndarray]:
        with self._cv:
            if self._error is not None:
                raise RuntimeError("another game's evaluation failed") from self._error
            self._pending[slot] = (tag, batch)
            self.stats.requests += 1
            self._maybe_flush()
            while slot not in self._results and self._error is None:
                self._cv.wait()
            if slot not in self._results:
                raise RuntimeError("another game's evaluation failed") from self._error
            out = self._results.pop(slot)
        if isinstance(out, BaseException):
            raise out
        return out

    def _maybe_flush(self) -> None:
        """Evaluate all pending batches if every live game is waiting (caller holds the lock)."""
        if not self._pending or len(self._pending) < self._live:
            return
        order = sorted(self._pending)
        items = [self._pending.pop(s) for s in order]
        st = self.stats
        st.steps += 1
        st.leaves += sum(len(b) for _, b in items)
        st.max_games_per_step = max(st.max_games_per_step, len(items))
        t0 = time.perf_counter()
        try:
            outs = self.batch_fn([b for _, b in items], [t for t, _ in items])
            if len(outs) != len(items):
                raise ValueError(f"batch_fn returned {len(outs)} results for {len(items)} batches")
        except BaseException as e:  # hand the error to every waiting game
            self._error = e
            self._cv.notify_all()
            raise
        finally:
            st.seconds_in_batch_fn += time.perf_counter() - t0
        for s, out in zip(order, outs, strict=True):
            self._results[s] = out
        self._cv.notify_all()

    def evaluator(self, slot: int, tag: Hashable = None) -> _Proxy:
        """A proxy evaluator for the game in ``slot``; ``tag`` is passed to ``batch_fn``."""
        return _Proxy(self, slot, tag)

    # ------------------------------------------------------------------ games
    def run(
        self,
        n_games: int | Sequence[int],
        play_one: Callable[[int, Callable[..., _Proxy]], Any],
        on_done: Callable[[int, Any], None] | None = None,
    ) -> dict[int, Any]:
        """Play games (``range(n_games)`` or the given indices) ``slots`` at a time; returns ``{index: result}``.

        Raises:
            The first exception raised by a game or by ``batch_fn`` (after all threads stopped).
        """
        indices = list(range(n_games)) if isinstance(n_games, int) else list(n_games)
        queue = list(reversed(indices))
        results: dict[int, Any] = {}
        errors: list[BaseException] = []
        nthreads = min(self.slots, len(indices))
        self._live = nthreads

        def worker(slot: int) -> None:
            try:
                while True:
                    with self._cv:
                        if not queue or self._error is not None:
                            return
                        index = queue.pop()
                    result = play_one(index, lambda tag=None: self.evaluator(slot, tag))
                    with self._done_lock:
                        results[index] = result
                        if on_done is not None:
                            on_done(index, result)
            except BaseException as e:
                errors.append(e)
                with self._cv:
                    if self._error is None:
                        self._error = e
                    self._cv.notify_all()
            finally:
                with self._cv:
                    self._live -= 1
                    if self._error is None:
                        try:
                            self._maybe_flush()
                        except BaseException as e:  # noqa: BLE001 - stored and re-raised below
                            errors.append(e)

        threads = [threading.Thread(target=worker, args=(s,), daemon=True) for s in range(nthreads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self._pending.clear()
        self._results.clear()
        if errors:
            raise errors[0]
        return results
