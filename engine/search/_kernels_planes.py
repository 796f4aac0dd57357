"""Numba kernels that write the AlphaGo Zero input planes (agz17) of positions met in a search.

Vocabulary (as ``engine.features``, agz17): for the player to move ``color``, plane ``i`` holds
its stones ``i`` moves ago and plane ``8 + i`` the opponent's (``i`` = 0 .. 7, 0 = the position
itself), plane 16 is 1 where Black is to move. A *padded row* is a board's ``STONES`` row in the
layout of ``engine/_kernels.py``; a *ring* holds the stones (``int8[n*n]``) of earlier positions.
A *leaf* of the single-game search (``engine/search/_kernels_mcts.py``) is the root position
followed by the actions of the edges on its tree path.

Written once here, used by the many-game arena (``_kernels_batch``, ``_kernels_batch_game``) and
by the single-game search's leaf batches (``leaf_planes``).
"""

import numpy as np
from numba import njit

from engine._jit import NJIT
from engine._kernels import BLACK, SIZE, STONES
from engine.search._kernels_mcts import ACTION, load_root, play_action


@njit(**NJIT)
def planes_from_board(st, n, color, out, i):
    """History planes ``i`` and ``8 + i`` of agz17 from a padded ``STONES`` row."""
    w = n + 1
    opp = 3 - color
    own = out[i].reshape(n * n)
    other = out[8 + i].reshape(n * n)
    for r in range(n):
        base = (r + 1) * w + 1
        row = r * n
        for c in range(n):
            s = st[base + c]
            own[row + c] = np.float32(s == color)
            other[row + c] = np.float32(s == opp)


@njit(**NJIT)
def planes_from_ring(stones, n, color, out, i):
    """History planes ``i`` and ``8 + i`` of agz17 from the stones ``int8[n*n]`` of a ring entry."""
    opp = 3 - color
    own = out[i].reshape(n * n)
    other = out[8 + i].reshape(n * n)
    for j in range(n * n):
        s = stones[j]
        own[j] = np.float32(s == color)
        other[j] = np.float32(s == opp)


@njit(**NJIT)
def color_plane(n, color, out):
    """Plane 16: 1 where Black is to move, else 0."""
    v = np.float32(1.0 if color == BLACK else 0.0)
    plane = out[16].reshape(n * n)
    for j in range(n * n):
        plane[j] = v


@njit(**NJIT)
def ring_push(rstones, g, head, st, n):
    """Write the stones of padded row ``st`` at ring position ``head``."""
    w = n + 1
    for r in range(n):
        base = (r + 1) * w + 1
        for c in range(n):
            rstones[g, head, r * n + c] = st[base + c]


@njit(**NJIT)
def _clear_history(n, out, i):
    """Planes ``i`` and ``8 + i`` all zero (a position before the start of the record)."""
    own = out[i].reshape(n * n)
    other = out[8 + i].reshape(n * n)
    for j in range(n * n):
        own[j] = 0.0
        other[j] = 0.0


@njit(**NJIT)
def leaf_planes(root, ring, nring, nodes, paths, depths, colors, k, board, out):
    """The agz17 planes of ``k`` collected leaves of one search, written into ``out[:k, :17]``.

    Args:
        root: ``(pts, scal, hist, zob)`` of the searched position.
        ring: ``int8[8, n*n]``: the root's stones (row 0) and of up to 7 positions before it.
        nring: rows of ``ring`` that hold a position (1 .. 8; earlier positions are all zero).
        nodes: the tree's node array (``ACTION`` row: the move into each node).
        paths: ``collect_leaves``' node paths (``int64[B, D]``, the root first).
        depths: each leaf's depth (its path's last index).
        colors: the colour to move at each leaf.
        k: leaves.
        board: ``(pts, scal, hist)`` of a scratch board, large enough for the root plus a path.
        out: ``float32[B, C, n, n]`` with ``C`` >= 17; planes 17 and above are left alone.
    """
    r_pts, r_scal, r_hist, zob = root
    pts, scal, hist = board
    n = r_scal[SIZE]
    no_amaf = np.empty(0, np.int64)
    for i in range(k):
        depth = depths[i]
        color = colors[i]
        o = out[i]
        if depth > 0:
            load_root(r_pts, r_scal, r_hist, pts, scal, hist, no_amaf)
        for j in range(1, depth + 1):
            play_action(pts, scal, zob, hist, nodes[ACTION, paths[i, j]])
            if depth - j < 8:
                planes_from_board(pts[STONES], n, color, o, depth - j)
        for h in range(depth, 8):
            if h - depth < nring:
                planes_from_ring(ring[h - depth], n, color, o, h)
            else:
                _clear_history(n, o, h)
        color_plane(n, color, o)
