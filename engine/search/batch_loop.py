"""The loops that step ``ManyGames``' groups until their games are played (``ManyGames.play``).

Vocabulary (``engine.search.batch``'s): a *step* of a group selects its leaves, calls the
evaluator once on them and installs the results; *refill* hands a group's finished games out and
starts the next ones in their slots. Two loops:

``overlapped``
    One thread steps every group in turn while each group's evaluator call runs in one helper
    thread, so the network call of one group overlaps the search of the next. Evaluator calls
    come in a fixed order: the same seeds replay the same games bit for bit.
``threaded``
    ``threads`` search threads, thread ``i`` stepping groups ``i, i + threads, ...`` (the kernels
    release the GIL, so each runs on its own core). The search of one core no longer caps the
    evaluator's rate (a GPU's net evaluates faster than one core selects leaves), at the price of
    reproducibility: calls arrive in no fixed order. The evaluator serves one call at a time, or
    as many as it says it serves at once (``lanes_of``: a CUDA ``TorchEvaluator`` serves two, one
    stream per thread), so that the device works on one batch while the host copies the next.

``stop`` is ``(t0, seconds)``: stop stepping once ``seconds`` have passed since ``t0`` (None: play
all). Games in progress are dropped then. This module imports the standard library only.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor


def _expired(stop: tuple[float, float | None]) -> bool:
    t0, seconds = stop
    return seconds is not None and time.perf_counter() - t0 >= seconds


def lanes_of(evaluator) -> int:
    """How many calls ``evaluator`` (or the object of a bound method) serves at once; default 1."""
    owner = getattr(evaluator, "__self__", evaluator)
    return max(1, int(getattr(owner, "lanes", 1)))


def overlapped(mg, evaluator, refill, stats, stop, overlap: bool = True) -> None:
    """Step ``mg``'s groups in turn in this thread; evaluator calls in one helper thread if ``overlap``."""
    pool = ThreadPoolExecutor(1) if overlap and len(mg.groups) > 1 else None
    pending: list = [(0, None)] * len(mg.groups)

    def timed(*args):
        t = time.perf_counter()
        out = evaluator(*args)
        return out, time.perf_counter() - t

    def submit(grp: int) -> None:
        k = mg.select(grp)
        if k == 0:
            pending[grp] = (0, None)
            return
        stats.steps += 1
        stats.leaves += k
        stats.batch_sizes.append(k)
        args = mg.batch(grp, k)
        pending[grp] = (k, pool.submit(timed, *args) if pool else timed(*args))

    try:
        for grp in range(len(mg.groups)):
            submit(grp)
        while any(k for k, _ in pending) or mg._live():
            expired = _expired(stop)
            for grp in range(len(mg.groups)):
                k, fut = pending[grp]
                priors, values = mg._empty
                if k:
                    (priors, values), dt = fut.result() if pool else fut
                    stats.net_seconds += dt
                if mg.finish(grp, k, priors, values):
                    refill(grp)
                pending[grp] = (0, None)
                if not expired:
                    submit(grp)
            if expired:
                break
    finally:
        if pool:
            pool.shutdown(wait=True)


def threaded(mg, evaluator, refill, stats, stop, threads: int) -> None:
    """Step ``mg``'s groups on ``threads`` search threads; ``lanes_of(evaluator)`` calls at a time."""
    book, net = threading.Lock(), threading.Semaphore(lanes_of(evaluator))  # counters and refills; the evaluator
    failed: list[BaseException] = []
    halt = threading.Event()

    def step(grp: int) -> bool:
        """One step of group ``grp``; False once it has nothing left to play."""
        k = mg.select(grp)
        priors, values, dt = *mg._empty, 0.0
        if k:
            args = mg.batch(grp, k)
            with net:
                t = time.perf_counter()
                priors, values = evaluator(*args)
                dt = time.perf_counter() - t
        done = mg.finish(grp, k, priors, values)
        with book:
            if k:
                stats.steps += 1
                stats.leaves += k
                stats.net_seconds += dt
                stats.batch_sizes.append(k)
            if done:
                refill(grp)
        return bool(k) or mg._live(grp)

    def run(owned: list[int]) -> None:
        try:
            while owned and not halt.is_set() and not _expired(stop):
                owned = [grp for grp in owned if step(grp)]
        except BaseException as e:  # re-raised in the calling thread
            failed.append(e)
            halt.set()

    owners = [list(range(i, len(mg.groups), threads)) for i in range(threads)]
    workers = [threading.Thread(target=run, args=(owned,), daemon=True) for owned in owners]
    for w in workers:
        w.start()
    try:
        for w in workers:
            while w.is_alive():
                w.join(0.2)  # short waits keep Ctrl-C responsive
    finally:
        halt.set()
        for w in workers:
            w.join()
    if failed:
        raise failed[0]
