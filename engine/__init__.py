"""go-engine's Go engine: the compiled board, rollouts, coordinates and search core.

This package imports numpy and numba only (no torch, click, gymnasium or file I/O).
"""

from engine.board import BLACK, EMPTY, WHITE, Board, IllegalMove, Rules, color_of
from engine.coords import from_gtp, from_sgf, to_gtp, to_sgf

__all__ = [
    "BLACK",
    "WHITE",
    "EMPTY",
    "Board",
    "IllegalMove",
    "Rules",
    "color_of",
    "from_gtp",
    "to_gtp",
    "from_sgf",
    "to_sgf",
]
