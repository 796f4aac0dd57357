"""Random playouts from Python: seeding and batch calls over ``engine/rollout/_kernels_playout.py``.

A random playout (defined in ``_kernels_playout``) plays uniformly random legal moves that never
fill the mover's own true eye, under simple ko and without suicide, until two consecutive passes
or ``max_moves`` moves (default ``3 * n * n``), and scores the end by Tromp-Taylor area, black
minus white, without komi.

Random state is a ``uint64[1]`` xorshift64* array (``make_rng``), derived from
``numpy.random.SeedSequence`` so that one seed gives the same playouts in any process; use
``spawn_rngs`` for independent streams (one per worker or thread).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.board import Board
from engine.rollout import _kernels_playout as KP

make_playout_work = KP.make_playout_work
_NONZERO = np.uint64(0x9E3779B97F4A7C15)


def make_rng(seed: int | np.random.SeedSequence | None = None) -> np.ndarray:
    """A ``uint64[1]`` xorshift state for the playout kernels; never zero (xorshift's fixed point).

    Args:
        seed: an int, a ``SeedSequence``, or ``None`` for fresh OS entropy.
    """
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    state = ss.generate_state(1, np.uint64)
    if state[0] == 0:
        state[0] = _NONZERO
    return state


def spawn_rngs(seed: int | None, n: int) -> list[np.ndarray]:
    """``n`` independent rng states from one root seed (``SeedSequence(seed).spawn(n)``)."""
    return [make_rng(child) for child in np.random.SeedSequence(seed).spawn(n)]


def _max_moves(board: Board, max_moves: int | None) -> int:
    return 3 * board.size * board.size if max_moves is None else int(max_moves)


def random_playouts(
    board: Board, count: int, seed: int | np.ndarray | None = None, max_moves: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Play ``count`` random playouts from ``board``'s position.

    Args:
        board: the start position; not modified.
        count: number of playouts.
        seed: an int seed, ``None`` (fresh entropy), or an rng state from ``make_rng`` (advanced).
        max_moves: cap on moves per playout, passes included; default ``3 * size * size``.

    Returns:
        ``(scores, lengths)``: int64 arrays of the area score (black minus white, no komi) and the
        number of moves of each playout.
    """
    rng = seed if isinstance(seed, np.ndarray) else make_rng(seed)
    scores = np.zeros(count, np.int64)
    lengths = np.zeros(count, np.int64)
    KP.playout_batch(board.pts, board.scal, board.zob, rng, count, _max_moves(board, max_moves), scores, lengths)
    return scores, lengths


@dataclass(frozen=True)
class PlayoutTrace:
    """One playout in full, for tests and debugging."""

    score: int
    """area score of the final position, black minus white, no komi"""
    actions: list[int]
    """moves played, as actions (``size * size`` = pass)"""
    stones: np.ndarray
    """``int8[n, n]`` final colours, row 0 at the top (as ``Board.stones``)"""


def trace_playout(board: Board, seed: int | np.ndarray | None = None, max_moves: int | None = None) -> PlayoutTrace:
    """One playout from ``board`` with its moves and final position (``playout_debug``).

    The same seed gives the same playout as the first one of ``random_playouts``.
    """
    rng = seed if isinstance(seed, np.ndarray) else make_rng(seed)
    limit = _max_moves(board, max_moves)
    n, w = board.size, board.size + 1
    work = make_playout_work(n)
    moves = np.zeros(limit, np.uint64)
    score, length = KP.playout_debug(board.pts, board.scal, board.zob, rng, limit, work, moves)
    locs = moves[:length].astype(np.int64)
    actions = np.where(locs == 0, n * n, (locs // w - 1) * n + locs % w - 1)
    grid = work[KP.F_COLOR, w + 1 : w + 1 + n * w].reshape(n, w)[:, :n].astype(np.int8)
    return PlayoutTrace(int(score), [int(a) for a in actions], grid)


def playout_rate(board: Board, seconds: float, seed: int | None = 0, chunk: int | None = None) -> dict[str, float]:
    """Measure ``playout_batch`` throughput from ``board`` for about ``seconds`` (after one warm-up call).

    Every playout converts the full board to the fast-path board again, so the conversion is
    part of the figure. Returns ``playouts``, ``moves``, ``seconds`` (wall clock),
    ``cpu_seconds`` (this thread's CPU time, which other processes on the core do not inflate),
    ``playouts_per_second``, ``moves_per_second`` (wall clock), ``playouts_per_cpu_second``,
    ``moves_per_cpu_second`` and ``mean_length``.
    """
    rng = make_rng(seed)
    chunk = chunk or max(16, 20_000 // (board.size * board.size))
    limit = _max_moves(board, None)
    scores = np.zeros(chunk, np.int64)
    lengths = np.zeros(chunk, np.int64)
    KP.playout_batch(board.pts, board.scal, board.zob, rng, 1, limit, scores, lengths)  # compile / load

    def step() -> tuple[int, int]:
        KP.playout_batch(board.pts, board.scal, board.zob, rng, chunk, limit, scores, lengths)
        return chunk, int(lengths.sum())

    return timed_rates(step, seconds)


def timed_rates(step: Callable[[], tuple[int, int]], seconds: float) -> dict[str, float]:
    """Call ``step`` (it returns the playouts and moves it played) until ``seconds`` of wall clock have passed.

    Returns ``playouts``, ``moves``, ``seconds`` (wall clock), ``cpu_seconds`` (this thread's CPU
    time), ``playouts_per_second``, ``moves_per_second``, ``playouts_per_cpu_second``,
    ``moves_per_cpu_second`` and ``mean_length``.
    """
    playouts = moves = 0
    t0, c0 = time.perf_counter(), time.thread_time()
    while True:
        done, played = step()
        playouts += done
        moves += played
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds:
            break
    cpu = max(time.thread_time() - c0, 1e-9)
    return {
        "playouts": playouts,
        "moves": moves,
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "playouts_per_second": playouts / elapsed,
        "moves_per_second": moves / elapsed,
        "playouts_per_cpu_second": playouts / cpu,
        "moves_per_cpu_second": moves / cpu,
        "mean_length": moves / playouts,
    }
