"""End-of-game moves: the move that removes the opponent's dead stones before passing.

``cleanup_move`` serves KGS's cleanup phase (``kgs-genmove_cleanup``): when both players have
passed and disagree on the dead stones, the server resumes play and counts the board as it then
stands (area scoring), so the engine must capture what it called dead instead of passing.
"""

from __future__ import annotations

from collections.abc import Iterable

from engine import coords
from engine.board import EMPTY, Board


def cleanup_move(board: Board, color: int, dead: Iterable[int]) -> int | None:
    """A move of ``color`` that works at removing the opponent's ``dead`` stones, or ``None``.

    Used by ``kgs-genmove_cleanup``: before passing, capture dead stones so that a server that
    counts the board as it stands (area scoring) gets the right result. It fills a liberty of the
    dead chain with the fewest liberties, never its own true eye.
    """
    opp = 3 - color
    chains = {tuple(board.chain(a)) for a in dead if board.color_at(a) == opp}
    for chain in sorted(chains, key=lambda c: (board.liberties(c[0]), c)):
        libs = sorted({n for a in chain for n in coords.neighbours(a, board.size) if board.color_at(n) == EMPTY})
        for a in libs:
            if not board.is_eye(a, color) and board.is_legal(a, color):
                return a
    return None
