"""Numba kernels for random playouts: the entry points that search and benchmarks call.

A random playout plays uniformly random legal moves that do not fill the mover's own true eye
(``_kernels.is_true_eye``) until two consecutive passes or ``max_moves`` moves (passes included),
then scores the final position by Tromp-Taylor area, black minus white, without komi. Playouts
use the simple-ko rule and never play suicide, whatever rules the game itself uses (the usual
Monte-Carlo Go convention). A playout starts from the side to move, ko point and consecutive
passes of the given position.

Each playout copies the full board (``pts``/``scal``, left untouched) into the fast-path board of
``engine/_kernels_fast.py`` (a ``work`` block) and plays there, so the copy is part of its cost.

Randomness comes from ``rng``, a ``uint64[1]`` xorshift64* state owned by the caller, so that a
playout is reproducible from its seed in any process or thread.

``work``: scratch for one playout at a time, ``uint64[F_ROWS, (n + 2) * (n + 1) + 2]`` for board
size ``n``; build it with ``make_playout_work(n)`` in Python or ``new_playout_work(n)`` inside
Numba code, and reuse it across playouts of the same size (never share one between threads).
"""

import numpy as np
from numba import njit

from engine._jit import NJIT
from engine._kernels import EMPTIES, EPOS, KO, NEMPTY, PASSES, SIZE, STONES, TO_PLAY, is_suicide, is_true_eye
from engine._kernels_fast import (
    F_COLOR,
    F_ROWS,
    fast_from_board,
    fast_run,
    fast_score,
    new_work,
    rng_below,
    rng_next,
)

__all__ = [
    "rng_next",
    "rng_below",
    "make_playout_work",
    "new_playout_work",
    "playout_score",
    "playout_batch",
    "playout_debug",
    "pick_random_move",
]


def make_playout_work(size: int) -> np.ndarray:
    """Preallocated scratch for ``playout_score`` on a ``size x size`` board (see the module docstring)."""
    return np.zeros((F_ROWS, (size + 2) * (size + 1) + 2), np.uint64)


@njit(**NJIT)
def new_playout_work(n):
    """``make_playout_work`` for use inside Numba code."""
    return new_work(n)


@njit(**NJIT)
def _playout(pts, scal, rng, max_moves, work, moves):
    """Copy the position into ``work``, play it out, return ``(score, moves played)``."""
    w = fast_from_board(pts, scal, work)
    length = fast_run(work, w, rng, max_moves, scal[TO_PLAY], scal[KO], scal[PASSES], moves)
    return fast_score(work, w), length


@njit(**NJIT)
def playout_score(pts, scal, zob, rng, max_moves, work):
    """Area score (black minus white, no komi) at the end of one random playout from ``pts``/``scal``.

    Args:
        pts: full-board point block (``_kernels``); not modified.
        scal: full-board scalars; not modified.
        zob: Zobrist table (unused: playouts keep no hash; kept for a uniform kernel signature).
        rng: ``uint64[1]`` xorshift state, advanced.
        max_moves: cap on moves played, passes included (3 * n * n is the usual choice).
        work: scratch from ``make_playout_work(n)``; overwritten.

    Returns:
        The int64 score.
    """
    score, _ = _playout(pts, scal, rng, max_moves, work, work[F_COLOR, 0:0])
    return score


@njit(**NJIT)
def playout_batch(pts, scal, zob, rng, count, max_moves, scores, lengths):
    """Run ``count`` playouts from the same position; write area scores (no komi) and lengths.

    Each playout converts the full board again (as ``playout_score`` does). ``pts``/``scal`` are
    not modified.
    """
    work = new_work(scal[SIZE])
    for g in range(count):
        scores[g], lengths[g] = _playout(pts, scal, rng, max_moves, work, work[F_COLOR, 0:0])


@njit(**NJIT)
def playout_debug(pts, scal, zob, rng, max_moves, work, moves):
    """``playout_score`` that also records the moves and leaves the final position in ``work``.

    ``moves[i]`` receives the loc of the i-th move (0 = pass) for the first ``len(moves)`` moves;
    ``work[F_COLOR]`` holds the final colours per loc. Returns ``(score, moves played)``. Consumes
    the same random numbers as ``playout_score``, so both agree for the same ``rng`` state.
    """
    return _playout(pts, scal, rng, max_moves, work, moves)


@njit(**NJIT)
def pick_random_move(pts, scal, rng):
    """On the full board: a uniformly random legal non-eye-filling point for the side to move, or 0 if none.

    Partial Fisher-Yates over the empty list: draw a point; if it fills an own eye, retakes the
    ko or is suicide, swap it behind the live part of the list and draw again. Reorders the empty
    list of ``pts`` (its content is unchanged). Ignores superko.
    """
    w = scal[SIZE] + 1
    st = pts[STONES]
    color = scal[TO_PLAY]
    ko = scal[KO]
    k = scal[NEMPTY]
    while k > 0:
        i = rng_below(rng, k)
        loc = pts[EMPTIES, i]
        if loc != ko and not is_true_eye(st, w, loc, color) and not is_suicide(pts, scal, loc, color):
            return loc
        k -= 1
        other = pts[EMPTIES, k]
        pts[EMPTIES, i] = other
        pts[EPOS, other] = i
        pts[EMPTIES, k] = loc
        pts[EPOS, loc] = k
    return 0
