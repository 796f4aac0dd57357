"""Coordinates: the one place that converts between actions, rows/columns, GTP vertices and SGF points.

Vocabulary (used across go-engine):

============  ==========================================  ===================
name          meaning                                      example on 9x9
============  ==========================================  ===================
``action``    public move index ``0 .. n*n``; ``n*n`` is   ``0`` = top-left,
              pass. Row-major from the top-left corner.    ``81`` = pass
``(row,col)`` ``row`` 0 is the top edge, ``col`` 0 the     ``(0, 0)``
              left edge.
``vertex``    GTP vertex: column letter ``A..T`` without   ``"A9"``, ``"pass"``
              ``I``, row number counted from the bottom.
``sgf``       SGF point: two letters ``a..s``, column then ``"aa"``; ``""`` is
              row, row from the top.                       pass
``loc``       padded array index used inside ``engine``    private
              only (see ``engine/_kernels.py``).
============  ==========================================  ===================

References: GTP version 2 draft, section 2.11 (vertices); SGF FF[4] "Go" point type.
"""

from __future__ import annotations

import numpy as np

GTP_COLUMNS = "ABCDEFGHJKLMNOPQRSTUVWXYZ"
SGF_LETTERS = "abcdefghijklmnopqrstuvwxyz"
MIN_SIZE, MAX_SIZE = 2, 19


def check_size(size: int) -> int:
    """Return ``size`` if it is a supported board size, else raise ``ValueError``."""
    if isinstance(size, bool) or not isinstance(size, int | np.integer) or not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(f"board size must be an integer from {MIN_SIZE} to {MAX_SIZE}, got {size!r}")
    return int(size)


def pass_action(size: int) -> int:
    """The pass action for a board of this size (``size*size``)."""
    return size * size


def check_action(action: int, size: int) -> int:
    """Return ``action`` as an int if it lies in ``0..size*size``, else raise ``ValueError``."""
    try:
        a = int(action)
    except (TypeError, ValueError):
        raise ValueError(f"action must be an integer, got {action!r}") from None
    if a != action or not 0 <= a <= size * size:
        raise ValueError(f"action {action!r} is off a {size}x{size} board (valid: 0..{size * size})")
    return a


def to_rowcol(action: int, size: int) -> tuple[int, int] | None:
    """``(row, col)`` of an action, or ``None`` for pass."""
    a = check_action(action, size)
    return None if a == size * size else divmod(a, size)


def from_rowcol(row: int, col: int, size: int) -> int:
    """Action of ``(row, col)``; raises ``ValueError`` off the board."""
    if not (0 <= row < size and 0 <= col < size):
        raise ValueError(f"point ({row}, {col}) is off a {size}x{size} board")
    return row * size + col


def to_gtp(action: int, size: int) -> str:
    """GTP vertex of an action: ``"D4"`` or ``"pass"``."""
    rc = to_rowcol(action, size)
    if rc is None:
        return "pass"
    row, col = rc
    return f"{GTP_COLUMNS[col]}{size - row}"


def from_gtp(vertex: str, size: int) -> int:
    """Action of a GTP vertex (case-insensitive; ``pass``). Raises ``ValueError`` if malformed or off-board."""
    if not isinstance(vertex, str):
        raise ValueError(f"invalid vertex {vertex!r}")
    v = vertex.strip().upper()
    if v == "PASS":
        return size * size
    if len(v) < 2 or v[0] not in GTP_COLUMNS or not (v[1:].isascii() and v[1:].isdigit()):
        raise ValueError(f"invalid vertex {vertex!r}")
    col, number = GTP_COLUMNS.index(v[0]), int(v[1:])
    if col >= size or not 1 <= number <= size:
        raise ValueError(f"vertex {vertex!r} is off a {size}x{size} board")
    return from_rowcol(size - number, col, size)


def to_sgf(action: int, size: int) -> str:
    """SGF point of an action (``""`` for pass)."""
    rc = to_rowcol(action, size)
    if rc is None:
        return ""
    row, col = rc
    return SGF_LETTERS[col] + SGF_LETTERS[row]


def from_sgf(point: str, size: int) -> int:
    """Action of an SGF point; ``""`` (and ``"tt"`` on boards up to 19x19) is pass."""
    if not isinstance(point, str):
        raise ValueError(f"invalid SGF point {point!r}")
    p = point.strip()
    if p == "" or (p == "tt" and size <= 19):
        return size * size
    if len(p) != 2 or p[0] not in SGF_LETTERS or p[1] not in SGF_LETTERS:
        raise ValueError(f"invalid SGF point {point!r}")
    return from_rowcol(SGF_LETTERS.index(p[1]), SGF_LETTERS.index(p[0]), size)


def neighbours(action: int, size: int) -> list[int]:
    """The on-board actions next to ``action`` (up, down, left, right; 2 to 4 of them)."""
    r, c = divmod(action, size)
    return [
        rr * size + cc
        for rr, cc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1))
        if 0 <= rr < size and 0 <= cc < size
    ]
