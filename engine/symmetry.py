"""The 8 symmetries of the square board (the dihedral group D4) on planes and action vectors.

A transform is an integer ``t`` in ``0..7``: first mirror the columns if ``t >= 4``, then rotate
``t % 4`` quarter turns counter-clockwise (``numpy.rot90`` over the last two axes).

===  ===================================  ===  ==========================================
t    transform                            t    transform
===  ===================================  ===  ==========================================
0    identity                             4    mirror left-right
1    rotate 90 (counter-clockwise)        5    mirror, then rotate 90 (= transpose)
2    rotate 180                           6    mirror, then rotate 180 (= mirror up-down)
3    rotate 270                           7    mirror, then rotate 270 (= anti-transpose)
===  ===================================  ===  ==========================================

Planes are arrays ``[..., n, n]``; action vectors are ``[..., n*n + 1]`` (policy, visit counts,
legal masks) whose last entry, pass, is fixed by every transform. The two agree: transforming a
position's planes by ``t`` and its policy by ``t`` gives the planes and policy of the transformed
position. ``compose(a, b)`` is "``b`` first, then ``a``"; ``inverse(t)`` undoes ``t``.

Use (AlphaGo Zero, Silver et al. 2017, Methods "Self-play"/"Optimization"): augment training
data, and evaluate a position under a random transform, mapping the policy back with
``inverse``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

N_SYMMETRIES = 8
IDENTITY = 0


def _check(t: int) -> int:
    if not isinstance(t, int | np.integer) or not 0 <= int(t) < N_SYMMETRIES:
        raise ValueError(f"symmetry must be an integer 0..7, got {t!r}")
    return int(t)


def apply_planes(planes: np.ndarray, t: int) -> np.ndarray:
    """Transform the last two (square) axes of ``planes`` by ``t``; returns a new contiguous array.

    Raises:
        ValueError: for a bad ``t`` or non-square last axes.
    """
    t = _check(t)
    if planes.ndim < 2 or planes.shape[-1] != planes.shape[-2]:
        raise ValueError(f"planes must end in square axes [..., n, n], got shape {planes.shape}")
    out = planes[..., :, ::-1] if t >= 4 else planes
    return np.rot90(out, k=t % 4, axes=(-2, -1)).copy()


@lru_cache(maxsize=64)
def _gather(size: int, t: int) -> np.ndarray:
    """``g`` with ``transformed[j] = original[g[j]]`` over the ``n*n + 1`` actions (pass fixed)."""
    grid = np.arange(size * size).reshape(size, size)
    g = np.append(apply_planes(grid, t).ravel(), size * size)
    g.setflags(write=False)
    return g


@lru_cache(maxsize=64)
def action_permutation(size: int, t: int) -> np.ndarray:
    """``p`` with ``p[a]`` = where action ``a`` goes under ``t`` (length ``n*n + 1``, pass fixed)."""
    g = _gather(size, _check(t))
    p = np.empty_like(g)
    p[g] = np.arange(len(g))
    p.setflags(write=False)
    return p


def apply_actions(vector: np.ndarray, t: int) -> np.ndarray:
    """Transform action vectors ``[..., n*n + 1]`` by ``t`` (pass stays last); returns a new array.

    Raises:
        ValueError: if the last axis is not ``n*n + 1`` for some ``n``.
    """
    t = _check(t)
    size = int(round((vector.shape[-1] - 1) ** 0.5))
    if size * size + 1 != vector.shape[-1] or size < 1:
        raise ValueError(f"action vectors must have n*n+1 entries, got {vector.shape[-1]}")
    return vector[..., _gather(size, t)]


def transform_action(action: int, t: int, size: int) -> int:
    """The action that ``action`` becomes under ``t`` (pass stays pass)."""
    return int(action_permutation(size, t)[action])


def _build_tables() -> tuple[tuple[int, ...], tuple[tuple[int, ...], ...]]:
    probe = np.arange(9).reshape(3, 3)  # all 8 images of this grid differ
    images = [apply_planes(probe, t).tobytes() for t in range(N_SYMMETRIES)]
    comp = tuple(
        tuple(images.index(apply_planes(apply_planes(probe, b), a).tobytes()) for b in range(N_SYMMETRIES))
        for a in range(N_SYMMETRIES)
    )
    inv = tuple(comp[t].index(IDENTITY) for t in range(N_SYMMETRIES))
    return inv, comp


_INVERSE, _COMPOSE = _build_tables()


def inverse(t: int) -> int:
    """The transform that undoes ``t``."""
    return _INVERSE[_check(t)]


def compose(a: int, b: int) -> int:
    """The single transform equal to applying ``b`` first, then ``a``."""
    return _COMPOSE[_check(a)][_check(b)]
