"""AlphaGo Lee feature sets ``"aglee48"`` (policy) and ``"aglee49"`` (value) for ``engine.features``.

The planes are listed in ``engine/features/_kernels_features.py`` (Silver et al. 2016, Extended Data
Table 2); they are computed in Numba, one position or a batch of positions of one size at a time.

* ``encode_lee(board, color=None, value=False)`` -> ``float32[48 | 49, n, n]``;
* ``encode_lee_batch(boards, colors=None, value=False)`` -> ``float32[B, 48 | 49, n, n]`` (one kernel
  call for the whole batch);
* ``encode_arrays(pts_b, scal_b, colors, n_planes)``: the same from stacked board arrays, for
  callers (search, data loaders) that keep positions as arrays;
* ``ladder_capture(board, action, color)`` / ``ladder_captured(board, action)``: the ladder reader
  on a ``Board``.

Importing this module registers both sets in ``engine.features.FEATURES``; ``engine/features/registry.py``
imports it at its end, so ``engine.features.encode(board, "aglee48")`` works after
``import engine.features``.
"""

from __future__ import annotations

import numpy as np

from engine._kernels import SIZE
from engine.board import Board, color_of, zobrist_table
from engine.features import _kernels_features as KF
from engine.features.registry import register

LADDER_BUDGET = KF.DEFAULT_LADDER_BUDGET
PLANE_NAMES = (
    ["own", "opponent", "empty", "ones"]
    + [f"turns_since_{i}" for i in range(1, 9)]
    + [f"liberties_{i}" for i in range(1, 9)]
    + [f"capture_size_{i}" for i in range(8)]
    + [f"self_atari_size_{i}" for i in range(1, 9)]
    + [f"liberties_after_{i}" for i in range(1, 9)]
    + ["ladder_capture", "ladder_escape", "sensibleness", "zeros", "player_black"]
)
"""name of each plane, by index (the 49th only in the value set)"""


def encode_arrays(
    pts_b: np.ndarray,
    scal_b: np.ndarray,
    colors: np.ndarray | None = None,
    n_planes: int = 48,
    ladder_budget: int = LADDER_BUDGET,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Planes of a batch of positions given as stacked board arrays (one board size).

    Args:
        pts_b: ``int64[B, NROWS, A]`` (``Board.pts`` stacked); not modified.
        scal_b: ``int64[B, NSCAL]``; not modified.
        colors: ``int[B]`` BLACK/WHITE view per position, 0 or ``None`` for the side to move.
        n_planes: 48 (policy) or 49 (value).
        ladder_budget: nodes one ladder read may visit.
        out: optional ``float32[B, n_planes, n, n]`` to fill.

    Returns:
        ``float32[B, n_planes, n, n]``.

    Raises:
        ValueError: on a bad plane count or mismatched shapes.
    """
    if n_planes not in (KF.N_POLICY_PLANES, KF.N_VALUE_PLANES):
        raise ValueError(f"n_planes must be 48 or 49, got {n_planes}")
    batch = pts_b.shape[0]
    if scal_b.shape[0] != batch:
        raise ValueError("pts_b and scal_b must have the same batch size")
    n = int(scal_b[0, SIZE]) if batch else 1
    if out is None:
        out = np.empty((batch, n_planes, n, n), np.float32)
    col = np.zeros(batch, np.int64) if colors is None else np.asarray(colors, np.int64)
    if batch:
        KF.encode_batch(pts_b, scal_b, zobrist_table(n), col, out, int(ladder_budget))
    return out


def encode_lee_batch(boards: list[Board], colors=None, value: bool = False) -> np.ndarray:
    """Planes of several boards of one size in one kernel call.

    Args:
        boards: the positions (not modified).
        colors: per board BLACK/WHITE (or ``"b"``/``"w"``), ``None`` for each side to move.
        value: 49 planes (value net) instead of 48.

    Returns:
        ``float32[len(boards), 48 | 49, n, n]``.
    """
    if not boards:
        raise ValueError("need at least one board")
    if len({b.size for b in boards}) != 1:
        raise ValueError("all boards of a batch must have one size")
    pts_b = np.stack([b.pts for b in boards])
    scal_b = np.stack([b.scal for b in boards])
    col = None if colors is None else [0 if c is None else color_of(c) for c in colors]
    return encode_arrays(pts_b, scal_b, col, 49 if value else 48)


def encode_lee(board: Board, color=None, value: bool = False) -> np.ndarray:
    """Planes of one board (see the module docstring); ``color`` defaults to the side to move."""
    return encode_lee_batch([board], None if color is None else [color], value)[0]


@register("aglee48", KF.N_POLICY_PLANES)
def _aglee48(board: Board, color: int, out: np.ndarray) -> None:
    """AlphaGo Lee policy planes."""
    encode_arrays(board.pts[None], board.scal[None], [color], 48, out=out[None])


@register("aglee49", KF.N_VALUE_PLANES)
def _aglee49(board: Board, color: int, out: np.ndarray) -> None:
    """AlphaGo Lee value planes (the policy planes plus player colour)."""
    encode_arrays(board.pts[None], board.scal[None], [color], 49, out=out[None])


def ladder_capture(board: Board, action: int, color=None, budget: int = LADDER_BUDGET) -> bool:
    """True if ``color`` (default: side to move) playing ``action`` is a successful ladder capture."""
    col = board.to_play if color is None else color_of(color)
    return bool(KF.is_ladder_capture(board.pts, board.scal, board.zob, board._loc(action), col, budget))


def ladder_captured(
    board: Board, action: int, attacker_to_move: bool | None = None, budget: int = LADDER_BUDGET
) -> bool:
    """True if the chain at ``action`` is lost to a ladder.

    Args:
        board: the position (not modified).
        action: a stone of the chain.
        attacker_to_move: who moves first; default: the chain's owner if it is in atari, else
            the attacker (the chain must then have two liberties).
        budget: nodes the read may visit.
    """
    loc = board._loc(action)
    if attacker_to_move is None:
        attacker_to_move = board.liberties(action) != 1
    return bool(KF.is_ladder_captured(board.pts, board.scal, board.zob, loc, attacker_to_move, budget))
