"""Handicap stones: the GTP fixed layout and checks for free placement.

Fixed placement follows the GTP version 2 draft, section 4.1.1 "Fixed Handicap Placement":

* it is defined for board sizes 7x7 and up (here up to 19x19, our largest board);
* at most 4 stones on 7x7 and on even sizes, at most 9 on odd sizes from 9x9; at least 2;
* the star points lie on the 3rd line from the edge on boards up to 12x12 and on the 4th line
  from 13x13; on odd sizes the middle lines carry the side star points and the centre (tengen);
* the stones, in GTP order (shown for 19x19)::

    2: D4 Q16            6: D4 Q16 D16 Q4 D10 Q10
    3: + D16             7: + K10
    4: + Q4              8: D4 Q16 D16 Q4 D10 Q10 K4 K16
    5: + K10 (tengen)    9: + K10

  that is: two opposite corners, the third and fourth corners, then for an odd number of stones
  from 5 the centre, for 6 and more the two side points on the middle row, for 8 and more the two
  on the middle column.

GNU Go 3.8 differs on 12x12 only, where it uses the 4th line; we follow the spec (as its reference
engine, ``low = board_size >= 13 ? 3 : 2``, and gomill do). ``tests/engine/test_gnugo_oracle.py``
checks every other size and count against GNU Go's ``fixed_handicap``.

Free placement (GTP ``set_free_handicap``/``place_free_handicap``, section 4.1.2) allows any 2
to ``n*n - 1`` distinct points on an empty board.

Everything here returns public ``action`` numbers (``engine/coords.py``); nothing touches a board.
"""

from __future__ import annotations

from engine import coords

MIN_FIXED_SIZE = 7


def max_fixed_handicap(size: int) -> int:
    """Most stones the fixed layout has for ``size`` (0 where none is defined, below 7x7).

    Raises:
        ValueError: if ``size`` is not a supported board size.
    """
    coords.check_size(size)
    if size < MIN_FIXED_SIZE:
        return 0
    return 4 if size == 7 or size % 2 == 0 else 9


def max_free_handicap(size: int) -> int:
    """Most stones a free placement may have: every point but one (GTP 4.1.2)."""
    return coords.check_size(size) ** 2 - 1


def _star_lines(size: int) -> tuple[int, int, int]:
    """0-based (near, middle, far) line of the star points on a board of ``size``."""
    edge = 2 if size < 13 else 3
    return edge, size // 2, size - 1 - edge


def fixed_handicap(size: int, stones: int) -> list[int]:
    """Actions of the ``stones`` fixed handicap points on a ``size`` board, in GTP order.

    Args:
        size: board size, 7 to 19 (smaller sizes have no fixed layout).
        stones: number of stones, 2 to ``max_fixed_handicap(size)``.

    Returns:
        A list of ``stones`` distinct actions. Does not place anything on a board.

    Raises:
        ValueError: on an invalid size or number of stones (GTP: "invalid number of stones").
    """
    top = max_fixed_handicap(size)
    if isinstance(stones, bool) or not isinstance(stones, int) or not 2 <= stones <= top:
        raise ValueError(
            f"invalid number of handicap stones {stones!r} for a {size}x{size} board"
            + (f" (valid: 2 to {top})" if top else " (no fixed handicap below 7x7)")
        )
    near, mid, far = _star_lines(size)
    # (col, row-from-bottom) pairs in GTP order, converted to actions below
    corners = [(near, near), (far, far), (near, far), (far, near)]
    sides = [(near, mid), (far, mid)]
    middle_column = [(mid, near), (mid, far)]
    points = corners[: min(stones, 4)]
    if stones >= 6:
        points += sides
    if stones >= 8:
        points += middle_column
    if stones % 2 == 1 and stones >= 5:
        points.append((mid, mid))
    return [coords.from_rowcol(size - 1 - row, col, size) for col, row in points]


def check_free_handicap(size: int, actions) -> list[int]:
    """Validate a free handicap placement and return it as a list of actions.

    Args:
        size: board size.
        actions: the chosen points (actions, not pass).

    Returns:
        The actions as a list of ints, in the given order.

    Raises:
        ValueError: on fewer than 2 or more than ``size*size - 1`` stones, a repeated point, pass,
            or a point off the board.
    """
    out = [coords.check_action(a, size) for a in actions]
    if not 2 <= len(out) <= max_free_handicap(size):
        raise ValueError(f"a free handicap needs 2 to {max_free_handicap(size)} stones, got {len(out)}")
    if size * size in out:
        raise ValueError("a handicap stone cannot be a pass")
    if len(set(out)) != len(out):
        raise ValueError("handicap points must be distinct")
    return out


def free_handicap(size: int, n: int) -> list[int]:
    """``n`` free handicap points: the fixed ones first where the size has them, then spread points.

    Used by GTP ``place_free_handicap``: spread points keep off each other and near the third line
    (second on small boards), so the stones work together without touching.
    """
    points: list[int] = []
    for k in range(min(n, 9), 1, -1):
        try:
            points = list(fixed_handicap(size, k))
            break
        except ValueError:
            continue
    line = 3 if size >= 13 else 2 if size >= 7 else 1

    def off_line(a: int) -> int:  # distance from the preferred line (0-based), both directions
        r, c = divmod(a, size)
        return abs(min(r, size - 1 - r) - line) + abs(min(c, size - 1 - c) - line)

    rest = sorted((a for a in range(size * size) if a not in points), key=lambda a: (off_line(a), a))
    taken = set(points)
    for a in rest:
        if len(points) >= n:
            break
        if not any(b in taken for b in coords.neighbours(a, size)):
            points.append(a)
            taken.add(a)
    for a in rest:  # crowded boards: fill whatever is left
        if len(points) >= n:
            break
        if a not in taken:
            points.append(a)
            taken.add(a)
    return points[:n]
