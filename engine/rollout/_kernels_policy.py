"""Numba kernels of the hand-written move heuristics: tree priors, heavy rollouts and ownership.

The heavy rollout policy follows the Monte-Carlo Go tradition of MoGo (Gelly et al. 2006,
"Modification of UCT with patterns in Monte-Carlo Go") and michi (Petr Baudis, 2015), in our own
code. At each move of a rollout, for the side to move:

1. **Atari logic around the last move** (probability ``P_CAPTURE``): capture an opponent chain
   next to the last move that is in atari; save an own chain next to the last move that the
   last move put in atari, by capturing a neighbour in atari or by extending on its liberty when
   that gains liberties.
2. **3x3 patterns** (probability ``P_PATTERN``): a random empty 8-neighbour of the last move
   whose 3x3 neighbourhood matches the pattern table (hane, cut, side patterns; see
   ``PATTERNS_3X3``), unless it is a self-atari.
3. **Random**: a uniformly random legal move that neither fills an own true eye nor puts a chain
   of two or more stones into self-atari; pass when none is left.

Pattern codes: the 8 neighbours of a point in the order NW, N, NE, W, E, SW, S, SE, two bits
each, relative to the side to move (0 empty, 1 own, 2 opponent, 3 off board); a ``uint8[65536]``
table says which codes are good moves. The pattern set is closed under the 8 symmetries and the
colour swap, so the table does not depend on which colour plays.

Rollouts use simple ko and never play suicide, like ``_kernels_playout``. Every kernel takes an
explicit ``rng`` state (``uint64[1]``, xorshift64* from ``_kernels_playout``).
"""

import numpy as np
from numba import njit

from engine._jit import NJIT
from engine._kernels import (
    EMPTY,
    GSIZE,
    HEAD,
    LAST1,
    LIBS,
    NEXT,
    PASSES,
    SIZE,
    STONES,
    TO_PLAY,
    WALL,
    area_ownership,
    area_score,
    chain_liberty,
    chain_rows,
    is_true_eye,
    libs_after,
    loc_action,
    loc_of,
    play_pass,
    play_unsafe,
    row_col,
    simple_legal,
)
from engine.rollout._kernels_playout import pick_move, rng_below

P_CAPTURE = 90
"""percent of rollout moves that try the atari logic first"""
P_PATTERN = 90
"""percent of rollout moves that try the 3x3 patterns next"""

# X = side to move, O = opponent, x = not X, o = not O, . = empty, ? = anything, # = off board
PATTERNS_3X3 = (
    ("XOX", "...", "???"),  # hane: enclosing hane
    ("XO.", "...", "?.?"),  # hane: non-cutting hane
    ("XO?", "X..", "x.?"),  # hane: magari
    (".O.", "X..", "..."),  # katatsuke / diagonal attachment
    ("XO?", "O.o", "?o?"),  # cut: unprotected cut
    ("XO?", "O.X", "???"),  # cut: peeped cut
    ("?X?", "O.O", "ooo"),  # cut: de
    ("OX?", "o.O", "???"),  # cut: keima
    ("X.?", "O.?", "###"),  # side: chase
    ("OX?", "X.O", "###"),  # side: block side cut
    ("?X?", "x.O", "###"),  # side: block side connection
    ("?XO", "x.x", "###"),  # side: sagari
    ("?OX", "X.O", "###"),  # side: cut
)
_SYMBOL = {"X": (1,), "O": (2,), ".": (0,), "#": (3,), "x": (0, 2, 3), "o": (0, 1, 3), "?": (0, 1, 2, 3)}


def _symmetries(rows):
    grid = [list(r) for r in rows]
    out = []
    for _ in range(4):
        grid = [list(r) for r in zip(*grid[::-1], strict=True)]  # rotate 90 degrees
        out.append(grid)
        out.append([r[::-1] for r in grid])
    return out


def build_pattern_table() -> np.ndarray:
    """``uint8[65536]``: 1 for each 3x3 neighbourhood code that matches ``PATTERNS_3X3``."""
    table = np.zeros(1 << 16, np.uint8)
    swap = {"X": "O", "O": "X", "x": "o", "o": "x"}
    order = [(0, 0), (0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1), (2, 2)]
    for pat in PATTERNS_3X3:
        for grid in _symmetries(pat):
            for colored in (grid, [[swap.get(c, c) for c in r] for r in grid]):
                codes = [0]
                for k, (r, c) in enumerate(order):
                    codes = [code | (v << (2 * k)) for code in codes for v in _SYMBOL[colored[r][c]]]
                table[codes] = 1
    return table


PATTERN_TABLE = build_pattern_table()


@njit(**NJIT)
def pattern_code(st, w, loc, color):
    """The 16-bit 3x3 code of ``loc``'s neighbours relative to ``color`` (see the module docstring)."""
    code = 0
    k = 0
    for nb in (loc - w - 1, loc - w, loc - w + 1, loc - 1, loc + 1, loc + w - 1, loc + w, loc + w + 1):
        c = st[nb]
        if c == WALL:
            v = 3
        elif c == EMPTY:
            v = 0
        elif c == color:
            v = 1
        else:
            v = 2
        code |= v << (2 * k)
        k += 1
    return code


@njit(**NJIT)
def _rescue_move(pts, scal, head, color, w):
    """A move that saves own chain ``head`` (in atari): capture a neighbour in atari, or extend."""
    st = pts[STONES]
    hd = pts[HEAD]
    lb = pts[LIBS]
    opp = 3 - color
    s = head
    while True:
        for nb in (s - w, s - 1, s + 1, s + w):
            if st[nb] == opp and lb[hd[nb]] == 1:
                lib = chain_liberty(pts, w, hd[nb])
                if lib != 0 and simple_legal(pts, scal, lib, color):
                    return lib
        s = pts[NEXT, s]
        if s == head:
            break
    lib = chain_liberty(pts, w, head)
    if lib != 0 and simple_legal(pts, scal, lib, color) and libs_after(pts, scal, lib, color, 3) >= 2:
        return lib
    return 0


@njit(**NJIT)
def atari_move(pts, scal, last, color):
    """Capture or rescue around the last move ``last`` (a loc), or 0 if nothing applies."""
    w, st, hd, lb = chain_rows(pts, scal)
    opp = 3 - color
    if st[last] == opp and lb[hd[last]] == 1:
        lib = chain_liberty(pts, w, hd[last])
        if lib != 0 and simple_legal(pts, scal, lib, color):
            return lib
    for nb in (last - w, last - 1, last + 1, last + w):
        c = st[nb]
        if c == color and lb[hd[nb]] == 1:
            mv = _rescue_move(pts, scal, hd[nb], color, w)
            if mv != 0:
                return mv
        elif c == opp and lb[hd[nb]] == 1:
            lib = chain_liberty(pts, w, hd[nb])
            if lib != 0 and simple_legal(pts, scal, lib, color):
                return lib
    return 0


@njit(**NJIT)
def pattern_move(pts, scal, last, color, table, rng):
    """A random empty 8-neighbour of ``last`` matching the pattern table (not self-atari), or 0."""
    w = scal[SIZE] + 1
    st = pts[STONES]
    cand = np.empty(8, np.int64)
    k = 0
    for p in (last - w - 1, last - w, last - w + 1, last - 1, last + 1, last + w - 1, last + w, last + w + 1):
        if st[p] == EMPTY and table[pattern_code(st, w, p, color)] != 0:
            cand[k] = p
            k += 1
    while k > 0:
        i = rng_below(rng, k)
        p = cand[i]
        if simple_legal(pts, scal, p, color) and libs_after(pts, scal, p, color, 2) >= 2:
            return p
        k -= 1
        cand[i] = cand[k]
    return 0


@njit(**NJIT)
def random_move(pts, scal, rng):
    """A random legal move of the side to move that fills no own eye and is no big self-atari, or 0."""
    return pick_move(pts, scal, rng, True)


@njit(**NJIT)
def heavy_move(pts, scal, table, rng):
    """The heavy rollout policy's move (a loc) for the side to move, or 0 to pass."""
    color = scal[TO_PLAY]
    last = scal[LAST1]
    if last > 0:
        if rng_below(rng, 100) < P_CAPTURE:
            mv = atari_move(pts, scal, last, color)
            if mv != 0:
                return mv
        if rng_below(rng, 100) < P_PATTERN:
            mv = pattern_move(pts, scal, last, color, table, rng)
            if mv != 0:
                return mv
    return random_move(pts, scal, rng)


@njit(**NJIT)
def heavy_playout(pts, scal, zob, rng, max_moves, table, amaf):
    """Play the heavy policy in place until two passes or ``max_moves``; return the area score.

    Args:
        pts: per-point arrays of a scratch board (modified).
        scal: scalars of the scratch board (modified).
        zob: Zobrist table.
        rng: ``uint64[1]`` generator state.
        max_moves: move cap.
        table: the 3x3 pattern table.
        amaf: ``int64[n*n+1]``; ``amaf[action]`` is set to the colour of the first player to play
            there if it is still 0 (all-moves-as-first statistics). Pass ``amaf`` of length 0 to skip.

    Returns:
        Tromp-Taylor area score, black minus white, without komi.
    """
    hist = np.empty(0, np.int64)
    n = scal[SIZE]
    use_amaf = amaf.shape[0] > 0
    moves = 0
    while moves < max_moves and scal[PASSES] < 2:
        loc = heavy_move(pts, scal, table, rng)
        if loc == 0:
            play_pass(scal)
        else:
            if use_amaf:
                a = loc_action(loc, n)
                if amaf[a] == 0:
                    amaf[a] = scal[TO_PLAY]
            play_unsafe(pts, scal, zob, hist, loc, scal[TO_PLAY])
        moves += 1
    return area_score(pts, scal)


@njit(**NJIT)
def heuristic_priors(pts, scal, legal, table, out):
    """Unnormalised priors of the legal actions of the side to move (michi-style tree priors).

    Capture and atari rescue weigh most, then 3x3 patterns and nearness to the last move; self-atari,
    filling own eyes and moves on the first line away from any stone weigh little; pass least.
    ``legal`` is ``int8[n*n+1]``; ``out`` receives ``float64[n*n+1]`` (0 on illegal actions).
    """
    n = scal[SIZE]
    w = n + 1
    st = pts[STONES]
    hd = pts[HEAD]
    lb = pts[LIBS]
    color = scal[TO_PLAY]
    opp = 3 - color
    last = scal[LAST1]
    lr, lc = row_col(last, w)
    for r in range(n):
        for c in range(n):
            a = r * n + c
            if legal[a] == 0:
                out[a] = 0.0
                continue
            loc = loc_of(r, c, w)
            p = 1.0
            for nb in (loc - w, loc - 1, loc + 1, loc + w):
                s = st[nb]
                if s == opp and lb[hd[nb]] == 1:
                    p += 3.0 + min(pts[GSIZE, hd[nb]], 5)
                elif s == color and lb[hd[nb]] == 1:
                    if libs_after(pts, scal, loc, color, 3) >= 2:
                        p += 3.0 + min(pts[GSIZE, hd[nb]], 5)
            if table[pattern_code(st, w, loc, color)] != 0:
                p += 2.0
            if last > 0 and abs(r - lr) <= 1 and abs(c - lc) <= 1:
                p += 1.0
            if is_true_eye(st, w, loc, color):
                p *= 0.01
            elif libs_after(pts, scal, loc, color, 2) < 2:
                p *= 0.1
            elif r == 0 or c == 0 or r == n - 1 or c == n - 1:
                lonely = True
                for dr in range(-2, 3):
                    for dc in range(-2, 3):
                        rr = r + dr
                        cc = c + dc
                        if 0 <= rr < n and 0 <= cc < n and st[loc_of(rr, cc, w)] != EMPTY:
                            lonely = False
                if lonely:
                    p *= 0.3
            out[a] = p
    out[n * n] = 0.05 if legal[n * n] != 0 else 0.0


@njit(**NJIT)
def ownership_playouts(pts, scal, zob, rng, count, max_moves, table, out):
    """Mean final Tromp-Taylor ownership over ``count`` heavy rollouts (+1 black, -1 white).

    ``out`` is ``float64[n*n]``; the board is not modified.
    """
    n = scal[SIZE]
    p = pts.copy()
    s = scal.copy()
    own = np.zeros(n * n, np.int64)
    amaf = np.empty(0, np.int64)
    out[:] = 0.0
    for _ in range(count):
        p[:, :] = pts
        s[:] = scal
        heavy_playout(p, s, zob, rng, max_moves, table, amaf)
        area_ownership(p, s, own)
        for i in range(n * n):
            out[i] += own[i]
    for i in range(n * n):
        out[i] /= max(count, 1)
