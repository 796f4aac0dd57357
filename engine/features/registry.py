"""Feature planes: the input encodings of the nets, computed from a ``Board``.

``FEATURES`` is the registry ``{name: (n_planes, fn)}``; ``fn(board, color, out)`` fills a
``float32[n_planes, n, n]`` array in place. Use ``encode(board, name)`` to get the planes and
``n_planes(name)`` for the channel count (``nets/`` reads only that). Planes are seen from the
view of ``color`` (default: the player to move, ``board.to_play``): "own" stones are ``color``'s.

``"agz17"`` (AlphaGo Zero, Silver et al. 2017, Methods "Neural network architecture"):

=========  ==================================================================================
plane      content
=========  ==================================================================================
0 .. 7     own stones at ``t, t-1, .., t-7`` (``t`` = the current position)
8 .. 15    opponent stones at ``t, t-1, .., t-7``
16         all ones if ``color`` is BLACK, all zeros if WHITE
=========  ==================================================================================

``"agz17k"``: the 17 ``agz17`` planes and an 18th, the komi from the view of ``color`` (the
points ``color`` receives: ``+komi`` for white, ``-komi`` for black) divided by ``KOMI_SCALE``,
the same at every point. KataGo feeds its nets the komi as an input so that one net plays any
komi (reverse komi, handicap, the randomised komi of its self-play); a net without it judges every
game as if the komi were the one it was trained on. Shards store only the 0/1 planes of a set
(``stored_set``); the komi plane is rebuilt from the game's komi when a window is read.

"Own" is the same colour in every history plane (the paper's ``X_t``/``Y_t``). History
positions come from ``board.position_history(8)`` (one per move, passes included); positions
before the start of the record are all zero.

``"simple"``:

=====  =====================================================
plane  content
=====  =====================================================
0      own stones (current position)
1      opponent stones
2      empty points
3      all ones if ``color`` is BLACK, all zeros if WHITE
=====  =====================================================

``"liberties"`` (the stones split by the liberties of their chain, as in AlphaGo Lee's
liberty planes, cut at 3; what the model-free RL nets need to see atari and dead groups):

=====  =====================================================
plane  content
=====  =====================================================
0-2    own stones whose chain has 1, 2, >= 3 liberties
3-5    opponent stones whose chain has 1, 2, >= 3 liberties
6      empty points
7      all ones if ``color`` is BLACK, all zeros if WHITE
=====  =====================================================

Add an encoding with ``@register("name", n_planes)``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from engine.board import BLACK, EMPTY, Board, color_of

FeatureFn = Callable[[Board, int, np.ndarray], None]
FEATURES: dict[str, tuple[int, FeatureFn]] = {}
"""The registry: ``{name: (n_planes, fn)}``."""
DEFAULT = "agz17"
KOMI_SCALE = 15.0
"""the komi plane holds ``own komi / KOMI_SCALE`` (komi 7.5: +-0.5)"""
KOMI_SETS = {"agz17k": "agz17"}
"""feature sets with a komi plane (the last plane) -> the set of their other planes"""


def register(name: str, planes: int) -> Callable[[FeatureFn], FeatureFn]:
    """Decorator that adds ``fn(board, color, out)`` to ``FEATURES`` under ``name``.

    Raises:
        ValueError: if ``name`` is taken or ``planes`` is not positive.
    """
    if name in FEATURES:
        raise ValueError(f"feature set {name!r} is already registered")
    if planes < 1:
        raise ValueError(f"a feature set needs at least one plane, got {planes}")

    def deco(fn: FeatureFn) -> FeatureFn:
        FEATURES[name] = (planes, fn)
        return fn

    return deco


def n_planes(name: str = DEFAULT) -> int:
    """Number of planes of an encoding.

    Raises:
        KeyError: for an unknown name (the message lists the known ones).
    """
    return _lookup(name)[0]


def _lookup(name: str) -> tuple[int, FeatureFn]:
    try:
        return FEATURES[name]
    except KeyError:
        raise KeyError(f"unknown feature set {name!r}; known: {sorted(FEATURES)}") from None


def encode(board: Board, name: str = DEFAULT, color: int | None = None, out: np.ndarray | None = None) -> np.ndarray:
    """Feature planes of ``board`` from the view of ``color``.

    Args:
        board: the position (not modified).
        name: a key of ``FEATURES``.
        color: BLACK or WHITE whose view to take; default ``board.to_play``.
        out: optional ``float32[n_planes, n, n]`` array to fill (e.g. a row of a batch).

    Returns:
        ``float32[n_planes, n, n]`` (``out`` itself if given).

    Raises:
        KeyError: for an unknown encoding. ValueError: for an ``out`` of the wrong shape/dtype.
    """
    planes, fn = _lookup(name)
    n = board.size
    if out is None:
        out = np.empty((planes, n, n), np.float32)
    elif out.shape != (planes, n, n) or out.dtype != np.float32:
        raise ValueError(f"out must be float32{[planes, n, n]}, got {out.dtype}{list(out.shape)}")
    fn(board, board.to_play if color is None else color_of(color), out)
    return out


@register("agz17", 17)
def _agz17(board: Board, color: int, out: np.ndarray) -> None:
    """AlphaGo Zero planes (see the module docstring)."""
    out[:] = 0.0
    opp = 3 - color
    for i, stones in enumerate(board.position_history(8)):
        out[i] = stones == color
        out[8 + i] = stones == opp
    out[16] = 1.0 if color == BLACK else 0.0


def own_komi(komi: float, color: int) -> float:
    """Points that ``color`` receives: ``komi`` for white, ``-komi`` for black."""
    return -float(komi) if color == BLACK else float(komi)


def komi_plane_values(komi, colors) -> np.ndarray:
    """The komi plane's value (``own_komi / KOMI_SCALE``) of rows whose player to move is ``colors``.

    ``komi`` is one komi or one per row.
    """
    komi = np.asarray(komi, np.float64)
    return np.where(np.asarray(colors) == BLACK, -komi, komi) / KOMI_SCALE


def stored_set(name: str) -> str:
    """The feature set whose planes a shard of ``name`` stores (all 0/1; the komi plane is not stored)."""
    return KOMI_SETS.get(name, name)


def has_komi_plane(name: str) -> bool:
    """Whether ``name``'s last plane is the komi plane."""
    return name in KOMI_SETS


@register("agz17k", 18)
def _agz17k(board: Board, color: int, out: np.ndarray) -> None:
    """AlphaGo Zero planes and the komi plane (see the module docstring)."""
    _agz17(board, color, out[:17])
    out[17] = own_komi(board.komi, color) / KOMI_SCALE


@register("simple", 4)
def _simple(board: Board, color: int, out: np.ndarray) -> None:
    """Own, opponent, empty, black-to-move planes (see the module docstring)."""
    stones = board.stones()
    out[0] = stones == color
    out[1] = stones == 3 - color
    out[2] = stones == EMPTY
    out[3] = 1.0 if color == BLACK else 0.0


@register("liberties", 8)
def _liberties(board: Board, color: int, out: np.ndarray) -> None:
    """Own and opponent stones by chain liberties (1, 2, >= 3), empty, black-to-move (module docstring)."""
    stones = board.stones()
    libs = board.liberty_grid()
    for k, (lo, hi) in enumerate(((1, 1), (2, 2), (3, 10**6))):
        ok = (libs >= lo) & (libs <= hi)
        out[k] = ok & (stones == color)
        out[3 + k] = ok & (stones == 3 - color)
    out[6] = stones == EMPTY
    out[7] = 1.0 if color == BLACK else 0.0
