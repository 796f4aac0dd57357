"""Seki at the end of a game: shared liberties that neither side can fill.

Vocabulary: a *shared liberty* is an empty point next to stones of both colours. It is a *seki
point* when filling it is self-atari for both colours: the mover's chain through the point is
left with one liberty, or the move is illegal. The chains next to a seki point are *in seki*:
alive, though they own no territory there (GTP's ``final_status_list seki``). A neutral point
between two groups that live anyway (dame) is not a seki point, since either side can fill it
safely.

The test is read from the board alone, so it needs no playouts; ``cli/gtp/scoring.py`` reports these
stones as ``seki`` and keeps them out of the ``dead`` list that the playouts estimate.
"""

from __future__ import annotations

from engine.board import BLACK, EMPTY, WHITE, Board, IllegalMove


def fills_safely(board: Board, point: int, color: int) -> bool:
    """True if ``color`` may play ``point`` and its chain there keeps two or more liberties."""
    after = board.copy()
    if after.is_over:  # the game ended with two passes: play on to test the point
        after.resume()
    try:
        after.play(point, color)
    except IllegalMove:
        return False
    return after.liberties(point) >= 2


def seki_points(board: Board) -> list[int]:
    """Empty points next to both colours that neither colour can fill safely (actions, sorted)."""
    n = board.size
    stones = board.stones().ravel()
    out = []
    for a in map(int, (stones == EMPTY).nonzero()[0]):
        r, c = divmod(a, n)
        around = {
            int(stones[rr * n + cc])
            for rr, cc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1))
            if 0 <= rr < n and 0 <= cc < n
        }
        if {BLACK, WHITE} <= around and not fills_safely(board, a, BLACK) and not fills_safely(board, a, WHITE):
            out.append(a)
    return out


def seki_stones(board: Board) -> list[int]:
    """Actions of every stone whose chain touches a seki point (sorted)."""
    n = board.size
    stones = board.stones()
    found: set[int] = set()
    for a in seki_points(board):
        r, c = divmod(a, n)
        for rr, cc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
            if 0 <= rr < n and 0 <= cc < n and stones[rr, cc] != EMPTY:
                found.update(board.chain(rr * n + cc))
    return sorted(found)
