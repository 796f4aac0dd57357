"""Numba kernels for random playouts: the explicit-state random number generator and the playout loop.

A random playout plays uniformly random legal moves that do not fill the mover's own true eye
(``_kernels.is_true_eye``) until two consecutive passes or ``max_moves`` moves, then scores the
final position by Tromp-Taylor area. Playouts use the simple-ko rule and never play suicide,
whatever rules the game itself uses (the usual Monte-Carlo Go convention).

Randomness comes from ``rng``, a ``uint64[1]`` xorshift64* state owned by the caller, so that a
playout is reproducible from its seed in any process or thread.
"""

import numpy as np
from numba import njit

from engine._jit import NJIT
from engine._kernels import (
    EMPTIES,
    EPOS,
    KO,
    NEMPTY,
    PASSES,
    SIZE,
    STONES,
    TO_PLAY,
    area_score,
    is_suicide,
    is_true_eye,
    play_pass,
    play_unsafe,
)


@njit(**NJIT)
def rng_next(rng):
    """Advance the xorshift64* state and return 63 random bits as a non-negative int64."""
    x = rng[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    rng[0] = x
    return np.int64((x * np.uint64(2685821657736338717)) >> np.uint64(1))


@njit(**NJIT)
def rng_below(rng, k):
    """Uniform integer in ``0 .. k-1`` (``k`` below 2**31)."""
    return ((rng_next(rng) >> 31) * k) >> 32


@njit(**NJIT)
def pick_random_move(pts, scal, rng):
    """A uniformly random legal non-eye-filling point for the side to move, or 0 if none.

    Partial Fisher-Yates over the empty list: draw a point; if it fills an own eye, retakes the
    ko or is suicide, swap it behind the live part of the list and draw again.
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


@njit(**NJIT)
def run_playout(pts, scal, zob, hist, rng, max_moves):
    """Play random moves on ``pts``/``scal`` in place until two passes or ``max_moves``.

    Returns the number of moves played (passes included). ``hist`` may be empty: playouts do not
    record positions.
    """
    moves = 0
    while moves < max_moves and scal[PASSES] < 2:
        loc = pick_random_move(pts, scal, rng)
        if loc == 0:
            play_pass(scal)
        else:
            play_unsafe(pts, scal, zob, hist, loc, scal[TO_PLAY])
        moves += 1
    return moves


@njit(**NJIT)
def playout_batch(pts, scal, zob, rng, count, max_moves, scores, lengths):
    """Run ``count`` playouts from the same position; write area scores (no komi) and lengths."""
    hist = np.empty(0, np.int64)
    p = pts.copy()
    s = scal.copy()
    for g in range(count):
        p[:, :] = pts
        s[:] = scal
        lengths[g] = run_playout(p, s, zob, hist, rng, max_moves)
        scores[g] = area_score(p, s)
