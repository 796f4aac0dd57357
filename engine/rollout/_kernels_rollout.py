"""Numba kernels of the AlphaGo Lee fast rollout policy: a linear softmax over hashed local patterns.

``p(a | s) ∝ exp(sum of the weights of the features that move a has)`` (Silver et al. 2016,
Methods "Rollout policy", Extended Data Table 4). The features here, each one weight (or one
table of weights) in the vector ``w``:

=================  ===========  =================================================================
feature            index        fires when the move ...
=================  ===========  =================================================================
response           0            lies in the 12-point diamond (Manhattan distance <= 2) of the
                                previous move (a stone, not a pass)
save atari         1            saves an own chain that touches the previous move from atari (by
                                extending to two or more liberties or capturing a neighbour)
nakade             46           is the vital point of a small eye space of the opponent next to
                                the previous move: an empty region of 3-6 points, touching the
                                previous move's stone, bordered only by the opponent's stones
                                and the edge, whose point with the most neighbours inside it is
                                unique (the middle of a straight three, the corner of a bent
                                three, the centre of a pyramid four, bulky five or crossed five)
neighbour          2-9          is 8-connected to the previous move (one weight per direction)
self-atari         10           (tree only) leaves its own chain with one liberty
distance 1         11-27        (tree only) Manhattan distance to the previous move, 1..>=17
distance 2         28-44        (tree only) the same to the move before it
response pattern   RESP_BASE    the 12 points of the diamond around the previous move (colour
                                relative to the mover and liberties 1/2/>=3 of stones, off-board)
                                together with the move's place in it, hashed into 2**16 weights
non-response       NONRESP_     the 3x3 neighbourhood of the move (same point states), hashed
pattern            BASE         into 2**16 weights
non-response       NONRESP12_   (tree only) the 12-point diamond around the move itself (same
diamond            BASE         point states), hashed into 2**16 weights
=================  ===========  =================================================================

The paper's nakade feature is a table of 8,192 eye-space shapes; the vital-point rule above
computes the same answer for the killing shapes of 3-6 points instead of looking it up.
Moves considered: simple-legal (empty, not ko, not suicide) and not filling an own true eye
(both decided by the 3x3 pattern itself); the policy passes when no such move is left.

Point states (3 bits): 0 empty, 1 off board, 2/3/4 black stone whose chain has 1/2/>=3
liberties, 5/6/7 white likewise. Pattern codes are stored absolute and made relative to the
mover (own = 2..4, opponent = 5..7) by swapping colours when white moves.

Incremental rollouts (the speed trick of the paper): each empty point keeps ``gw[c, loc] =
exp(w[non-response index])`` (0 if forbidden) for both colours, and per-row sums, so a move
costs the points whose 3x3 pattern changed (around the move, captured stones and chains whose
liberty bucket changed; each point's state and 3x3 code are stored and patched per changed
stone), the local response features around the previous move, and a two-level (row, point) draw.
Weights enter as ``ew = exp(w)``.

Randomness: ``rng`` is a ``uint64[1]`` xorshift64* state (``engine.rollout._kernels_playout.rng_next``).
"""

import numpy as np
from numba import njit

from engine._jit import NJIT
from engine._kernels import (
    BLACK,
    EMPTY,
    GSIZE,
    HEAD,
    KO,
    LAST1,
    LAST2,
    LIBS,
    MOVE_NUM,
    NEXT,
    PASSES,
    SIZE,
    STONES,
    TO_PLAY,
    WALL,
    WHITE,
    area_score,
    chain_liberty,
    libs_after,
    loc_of,
    play_pass,
    play_unsafe,
    row_col,
)
from engine.rollout._kernels_playout import rng_next

F_RESPONSE = 0
F_SAVE_ATARI = 1
F_NEIGHBOUR = 2
F_SELF_ATARI = 10
F_DIST1 = 11
F_DIST2 = 28
N_DIST = 17
F_PAD = 45
"""an index whose weight stays 0: pads feature lists"""
F_NAKADE = 46
N_NAKADE = 4
"""most nakade points of one position (one per empty neighbour of the previous move)"""
PATTERN_BITS = 16
RESP_BASE = 64
NONRESP_BASE = RESP_BASE + (1 << PATTERN_BITS)
NONRESP12_BASE = NONRESP_BASE + (1 << PATTERN_BITS)
N_WEIGHTS = NONRESP12_BASE + (1 << PATTERN_BITS)
N_WEIGHTS_V1 = NONRESP12_BASE
"""the layout before the tree policy's diamond table (files of that layout load with its weights 0)"""
MAX_FEATURES = 10
"""most feature indices one move can have (tree policy included)"""
TREE_FEATURES = (F_SELF_ATARI, F_DIST1, F_DIST2, NONRESP12_BASE)

_HMUL = np.uint64(0x9E3779B97F4A7C15)
_SALT_RESP = np.uint64(0x5BD1E9955BD1E995)
_SALT_NONRESP = np.uint64(0x27D4EB2F165667C5)
_SALT_NONRESP12 = np.uint64(0x165667B19E3779F9)
_SHIFT = np.uint64(64 - PATTERN_BITS)
# diamond offsets (dr, dc): distance 1 then distance 2
_DR = np.array([-1, 0, 0, 1, -2, 0, 0, 2, -1, -1, 1, 1], np.int64)
_DC = np.array([0, -1, 1, 0, 0, -2, 2, 0, -1, 1, -1, 1], np.int64)


@njit(**NJIT)
def _hash(key, salt):
    return np.int64(((np.uint64(key) ^ salt) * _HMUL) >> _SHIFT)


@njit(inline="always", **NJIT)
def point_state(pts, loc):
    """3-bit absolute state of a point (see the module docstring)."""
    c = pts[STONES, loc]
    if c == EMPTY:
        return 0
    if c == WALL:
        return 1
    libs = pts[LIBS, pts[HEAD, loc]]
    return (2 if c == BLACK else 5) + (2 if libs >= 3 else libs - 1)


@njit(**NJIT)
def relative(state, color):
    """Point state made relative to the mover (own 2..4, opponent 5..7)."""
    if color == BLACK or state < 2:
        return state
    return state + 3 if state < 5 else state - 3


@njit(**NJIT)
def code3x3(pts, w, loc):
    """Absolute 24-bit 3x3 code of ``loc``'s neighbours in order NW, N, NE, W, E, SW, S, SE."""
    code = 0
    k = 0
    for nb in (loc - w - 1, loc - w, loc - w + 1, loc - 1, loc + 1, loc + w - 1, loc + w, loc + w + 1):
        code |= point_state(pts, nb) << (3 * k)
        k += 1
    return code


_SWAP = np.array([0, 1, 5, 6, 7, 2, 3, 4], np.int64)


@njit(**NJIT)
def code3x3_both(pts, w, loc):
    """``(code seen by black, code seen by white)`` of ``loc``'s 3x3 neighbourhood in one pass."""
    cb = 0
    cw = 0
    k = 0
    for nb in (loc - w - 1, loc - w, loc - w + 1, loc - 1, loc + 1, loc + w - 1, loc + w, loc + w + 1):
        s = point_state(pts, nb)
        cb |= s << (3 * k)
        cw |= _SWAP[s] << (3 * k)
        k += 1
    return cb, cw


@njit(**NJIT)
def swap_colors(code, nfields):
    """A code with black and white swapped in each of its ``nfields`` 3-bit fields."""
    out = 0
    for k in range(nfields):
        s = (code >> (3 * k)) & 7
        if s >= 2:
            s = s + 3 if s < 5 else s - 3
        out |= s << (3 * k)
    return out


@njit(**NJIT)
def forbidden(rel):
    """True if a move with relative 3x3 code ``rel`` is suicide or fills an own true eye."""
    n_ = (rel >> 3) & 7
    w_ = (rel >> 9) & 7
    e_ = (rel >> 12) & 7
    s_ = (rel >> 18) & 7
    alive = False
    eye = True
    for s in (n_, w_, e_, s_):
        if s == 0 or s == 3 or s == 4 or s == 5:
            alive = True  # empty, own chain with 2+ liberties, opponent chain in atari
        if not (s == 1 or 2 <= s <= 4):
            eye = False
    if not alive:
        return True
    if not eye:
        return False
    bad = 0
    edge = 0
    for k in (0, 2, 5, 7):
        s = (rel >> (3 * k)) & 7
        if s == 1:
            edge = 1
        elif s >= 5:
            bad += 1
    return bad + edge < 2 and not (edge == 1 and bad > 0)


def _forbidden_tables():
    """``(by_orth, diag_bad)``: ``forbidden`` as two 4096-entry lookups (see ``forbidden_fast``).

    ``by_orth[o]`` for the four orthogonal fields ``o``: 0 allowed, 1 forbidden, 2 an eye shape
    (forbidden iff ``diag_bad[d]`` for the four diagonal fields ``d``).
    """
    py_forbidden = getattr(forbidden, "py_func", forbidden)  # plain function under NUMBA_DISABLE_JIT
    by_orth = np.zeros(4096, np.uint8)
    diag_bad = np.zeros(4096, np.uint8)
    for x in range(4096):
        f = [(x >> (3 * i)) & 7 for i in range(4)]
        # orthogonal fields N, W, E, S sit at 3x3 fields 1, 3, 4, 6; diagonals at 0, 2, 5, 7
        orth = (f[0] << 3) | (f[1] << 9) | (f[2] << 12) | (f[3] << 18)
        some_bad = orth | (7 << 0) | (7 << 6) | (7 << 15) | (7 << 21)  # opponent stones on the diagonals
        f0 = py_forbidden(orth)
        by_orth[x] = f0 if f0 == py_forbidden(some_bad) else 2
        diag = f[0] | (f[1] << 6) | (f[2] << 15) | (f[3] << 21)
        diag_bad[x] = py_forbidden(diag | (3 << 3) | (3 << 9) | (3 << 12) | (3 << 18))
    return by_orth, diag_bad


_BY_ORTH, _DIAG_BAD = _forbidden_tables()


@njit(**NJIT)
def forbidden_fast(rel):
    """``forbidden(rel)`` by two table lookups."""
    orth = ((rel >> 3) & 7) | ((rel >> 6) & 0o770) | ((rel >> 9) & 0o7000)
    t = _BY_ORTH[orth]
    if t < 2:
        return t == 1
    diag = (rel & 7) | ((rel >> 3) & 0o70) | ((rel >> 9) & 0o700) | ((rel >> 12) & 0o7000)
    return _DIAG_BAD[diag] == 1


@njit(**NJIT)
def nonresp_index(rel):
    """Weight index of a relative 3x3 code."""
    return NONRESP_BASE + _hash(rel, _SALT_NONRESP)


@njit(**NJIT)
def diamond_key(pts, scal, last, color):
    """36-bit relative code of the 12-point diamond around ``last`` (a loc > 0)."""
    n = scal[SIZE]
    w = n + 1
    r, c = row_col(last, w)
    key = 0
    for j in range(12):
        rr = r + _DR[j]
        cc = c + _DC[j]
        s = 1
        if 0 <= rr < n and 0 <= cc < n:
            s = relative(point_state(pts, loc_of(rr, cc, w)), color)
        key |= s << (3 * j)
    return key


@njit(**NJIT)
def resp_index(dkey, j):
    """Weight index of the response pattern ``dkey`` with the move at diamond place ``j``."""
    return RESP_BASE + _hash(dkey | (j << 36), _SALT_RESP)


@njit(**NJIT)
def diamond_place(w, last, loc):
    """Index 0..11 of ``loc`` in the diamond of ``last``, or -1."""
    r, c = row_col(loc, w)
    lr, lc = row_col(last, w)
    dr = r - lr
    dc = c - lc
    for j in range(12):
        if _DR[j] == dr and _DC[j] == dc:
            return j
    return -1


@njit(**NJIT)
def save_points(pts, scal, last, color, out):
    """Moves that save an own chain touching ``last`` from atari; returns how many (into ``out``)."""
    w = scal[SIZE] + 1
    k = 0
    for nb in (last - w, last - 1, last + 1, last + w):
        if pts[STONES, nb] != color or pts[LIBS, pts[HEAD, nb]] != 1:
            continue
        h = pts[HEAD, nb]
        lib = chain_liberty(pts, w, h)
        if lib != 0 and lib != scal[KO] and libs_after(pts, scal, lib, color, 2) >= 2 and k < out.shape[0]:
            out[k] = lib
            k += 1
        s = h
        while True:
            for nb2 in (s - w, s - 1, s + 1, s + w):
                if pts[STONES, nb2] == 3 - color and pts[LIBS, pts[HEAD, nb2]] == 1 and k < out.shape[0]:
                    cap = chain_liberty(pts, w, pts[HEAD, nb2])
                    if cap != 0 and cap != scal[KO]:
                        out[k] = cap
                        k += 1
            s = pts[NEXT, s]
            if s == h:
                break
    return k


@njit(inline="always", **NJIT)
def _region_vital(pts, w, start, owner, scr, row, off):
    """Vital point of the empty region of ``start`` (see ``nakade_points``), or 0.

    ``scr[row, off:off + 6]`` is scratch (a 2-D array and indices, no slice: see the note on
    array-taking helpers above ``T_STATE``). The flood stops at a seventh point or at a stone not of
    ``owner``, so large open regions cost a few steps.
    """
    # cheap bound first: start, its empty orthogonal neighbours and the empty diagonal points next
    # to one of those all lie in the region; 7 or more of them (an open area) means no eye space
    st_n = pts[STONES, start - w]
    st_w = pts[STONES, start - 1]
    st_e = pts[STONES, start + 1]
    st_s = pts[STONES, start + w]
    mover = 3 - owner
    if st_n == mover or st_w == mover or st_e == mover or st_s == mover:
        return 0
    bound = 1 + (st_n == EMPTY) + (st_w == EMPTY) + (st_e == EMPTY) + (st_s == EMPTY)
    bound += pts[STONES, start - w - 1] == EMPTY and (st_n == EMPTY or st_w == EMPTY)
    bound += pts[STONES, start - w + 1] == EMPTY and (st_n == EMPTY or st_e == EMPTY)
    bound += pts[STONES, start + w - 1] == EMPTY and (st_s == EMPTY or st_w == EMPTY)
    bound += pts[STONES, start + w + 1] == EMPTY and (st_s == EMPTY or st_e == EMPTY)
    if bound > 6:
        return 0
    scr[row, off] = start
    size = 1
    i = 0
    while i < size:
        p = scr[row, off + i]
        for nb in (p - w, p - 1, p + 1, p + w):
            c = pts[STONES, nb]
            if c == EMPTY:
                seen = False
                for j in range(size):
                    if scr[row, off + j] == nb:
                        seen = True
                        break
                if not seen:
                    if size == 6:
                        return 0
                    scr[row, off + size] = nb
                    size += 1
            elif c != WALL and c != owner:
                return 0
        i += 1
    if size < 3:
        return 0
    best = 0
    best_deg = -1
    unique = False
    for a in range(size):
        deg = 0
        for b in range(size):
            d = scr[row, off + a] - scr[row, off + b]
            if d == 1 or d == -1 or d == w or d == -w:
                deg += 1
        if deg > best_deg:
            best_deg = deg
            best = scr[row, off + a]
            unique = True
        elif deg == best_deg:
            unique = False
    return best if unique else 0


@njit(inline="always", **NJIT)
def nakade_points(pts, scal, color, scr, row, off):
    """Nakade moves of ``color`` into ``scr[row, off:off + N_NAKADE]``; returns how many.

    They are the vital points of the opponent's small eye spaces next to the previous move (see
    the module docstring). ``scr[row, off + N_NAKADE:off + N_NAKADE + 6]`` is scratch.
    """
    last = scal[LAST1]
    if last <= 0:
        return 0
    owner = pts[STONES, last]
    if owner != 3 - color:
        return 0
    w = scal[SIZE] + 1
    k = 0
    for nb in (last - w, last - 1, last + 1, last + w):
        if pts[STONES, nb] != EMPTY:
            continue
        v = _region_vital(pts, w, nb, owner, scr, row, off + N_NAKADE)
        if v == 0:
            continue
        dup = False
        for i in range(k):
            if scr[row, off + i] == v:
                dup = True
        if not dup:
            scr[row, off + k] = v
            k += 1
    return k


@njit(**NJIT)
def move_features(pts, scal, loc, color, dkey, saves, nsave, nakade, nnak, tree, out):
    """Feature indices of the move ``loc`` into ``out``; returns how many.

    Args:
        pts: board block (MARK scratch used).
        scal: scalars (STAMP used).
        loc: an allowed move (empty, legal, not own eye).
        color: the mover.
        dkey: ``diamond_key`` of the previous move (ignored when ``scal[LAST1] <= 0``).
        saves: ``save_points`` of the position.
        nsave: how many of ``saves`` are valid.
        nakade: ``nakade_points`` of the position.
        nnak: how many of ``nakade`` are valid.
        tree: add the tree-only features.
        out: ``int64[MAX_FEATURES]``.
    """
    w = scal[SIZE] + 1
    last = scal[LAST1]
    k = 0
    rel = code3x3(pts, w, loc)
    if color != BLACK:
        rel = swap_colors(rel, 8)
    out[k] = nonresp_index(rel)
    k += 1
    if last > 0:
        j = diamond_place(w, last, loc)
        if j >= 0:
            out[k] = F_RESPONSE
            out[k + 1] = resp_index(dkey, j)
            k += 2
            d = loc - last
            if j < 4 or j >= 8:
                idx = 0
                for off in (-w - 1, -w, -w + 1, -1, 1, w - 1, w, w + 1):
                    if d == off:
                        out[k] = F_NEIGHBOUR + idx
                        k += 1
                    idx += 1
    for i in range(nsave):
        if saves[i] == loc:
            out[k] = F_SAVE_ATARI
            k += 1
            break
    for i in range(nnak):
        if nakade[i] == loc:
            out[k] = F_NAKADE
            k += 1
            break
    if tree:
        out[k] = NONRESP12_BASE + _hash(diamond_key(pts, scal, loc, color), _SALT_NONRESP12)
        k += 1
        if libs_after(pts, scal, loc, color, 2) == 1:
            out[k] = F_SELF_ATARI
            k += 1
        for base, prev in ((F_DIST1, last), (F_DIST2, scal[LAST2])):
            if prev > 0 and k < out.shape[0]:
                r, c = row_col(loc, w)
                pr, pc = row_col(prev, w)
                dist = abs(r - pr) + abs(c - pc)
                out[k] = base + min(dist, N_DIST) - 1
                k += 1
    return k


@njit(**NJIT)
def allowed(pts, scal, loc, color):
    """A move the policy may play: empty, not the ko point, not suicide, not an own true eye."""
    if pts[STONES, loc] != EMPTY or loc == scal[KO]:
        return False
    rel = code3x3(pts, scal[SIZE] + 1, loc)
    if color != BLACK:
        rel = swap_colors(rel, 8)
    return not forbidden(rel)


@njit(**NJIT)
def position_features(pts, scal, color, tree, locs, feats):
    """Features of every allowed move of a position (for training and the tree policy).

    Args:
        pts: board block (MARK scratch used).
        scal: scalars (STAMP used).
        color: the mover.
        tree: add the tree-only features.
        locs: ``int64[n*n]`` receives the allowed moves (locs).
        feats: ``int64[n*n, MAX_FEATURES]`` receives their features, padded with ``F_PAD``.

    Returns:
        The number of allowed moves.
    """
    n = scal[SIZE]
    w = n + 1
    last = scal[LAST1]
    dkey = diamond_key(pts, scal, last, color) if last > 0 else 0
    saves = np.empty(16, np.int64)
    nsave = save_points(pts, scal, last, color, saves) if last > 0 else 0
    scr = np.empty((1, N_NAKADE + 6), np.int64)
    nnak = nakade_points(pts, scal, color, scr, 0, 0)
    nakade = scr[0, :N_NAKADE]
    k = 0
    for r in range(n):
        for c in range(n):
            loc = loc_of(r, c, w)
            if allowed(pts, scal, loc, color):
                locs[k] = loc
                feats[k, :] = F_PAD
                move_features(pts, scal, loc, color, dkey, saves, nsave, nakade, nnak, tree, feats[k])
                k += 1
    return k


TREE_FLOOR = 1e-3
"""prior of a legal move the tree policy does not consider (an own-eye fill, a forbidden shape) and of
pass, as a fraction of the smallest prior of a considered move"""


@njit(**NJIT)
def tree_priors(pts, scal, legal, tree_ew, locs, feats, out):
    """Unnormalised tree-policy priors (the trained ``p_tau``) of the legal actions of the side to move.

    Args:
        pts: board block (MARK scratch used).
        scal: scalars (STAMP used).
        legal: ``int8[n*n+1]`` legal actions.
        tree_ew: ``exp`` of the tree weights (``RolloutPolicy.tree_ew``).
        locs: work array of ``position_features`` (``int64[n*n]``).
        feats: work array of ``position_features`` (``int64[n*n, MAX_FEATURES]``).
        out: ``float64[n*n+1]`` receives the priors, 0 on illegal actions; legal actions the policy
            does not consider get ``TREE_FLOOR`` times the smallest considered prior.
    """
    n = scal[SIZE]
    w = n + 1
    k = position_features(pts, scal, scal[TO_PLAY], True, locs, feats)
    out[:] = 0.0
    low = np.inf
    for i in range(k):
        z = 1.0
        for j in range(feats.shape[1]):
            z *= tree_ew[feats[i, j]]
        r, c = row_col(locs[i], w)
        a = r * n + c
        if legal[a] != 0:
            out[a] = z
            low = min(low, z)
    floor = TREE_FLOOR * (low if low < np.inf else 1.0)
    for a in range(n * n + 1):
        if legal[a] != 0 and out[a] == 0.0:
            out[a] = floor


# ------------------------------------------------------------------ incremental rollout state
T_STATE = 0
"""row of ``_tables(gw)``: 3-bit absolute state of every point (see the module docstring)"""
T_CODE = 1
"""row of ``_tables(gw)``: 3x3 code of every point, black's view in bits 0-23, white's in 24-47"""
T_ROW = 2
"""row of ``_tables(gw)``: board row (0..n-1) of every point"""
# ------------------------------------------------------------------ incremental rollout state
# Hot loops below index the board and scratch arrays directly and call only helpers that take
# scalars: a Numba helper that takes an array, called inside a loop, costs an atomic reference
# count increment and decrement per call (measured: about 3x slower loops).
T_STATE = 0
"""row of ``_tables(gw)``: 3-bit absolute state of every point (see the module docstring)"""
T_CODE = 1
"""row of ``_tables(gw)``: 3x3 code of every point, black's view in bits 0-23, white's in 24-47"""
T_ROW = 2
"""row of ``_tables(gw)``: board row (0..n-1) of every point"""
_LOW24 = (1 << 24) - 1
_BOTH7 = 7 | (7 << 24)
# direction index (NW, N, NE, W, E, SW, S, SE) of each diamond place at distance 1 or diagonal
_NB_DIR = np.array([1, 3, 4, 6, -1, -1, -1, -1, 0, 2, 5, 7], np.int64)
N_LOCAL = 24
"""room for local candidates: ``buf[4, :N_LOCAL]`` (points), ``gw[2, :N_LOCAL]`` (weights)"""
N_SAVE = 16
"""room for save-atari points: ``buf[4, N_LOCAL:N_LOCAL + N_SAVE]``"""
B_NAKADE = N_LOCAL + N_SAVE
"""``buf[4, B_NAKADE:B_NAKADE + N_NAKADE]``: nakade points; the next 6 slots are their scratch"""


@njit(**NJIT)
def new_rollout_work(n):
    """``(gw float64[6, A + 40], rows float64[2, n], buf int64[5, A + 40])``: rollout scratch for size ``n``.

    ``gw[0|1]``: weights per point for black/white; ``gw[2, :24]``: local weights; ``gw[3:6]``
    holds int64 tables (``_tables``: point states, 3x3 codes, board rows) so that ``gw`` and
    ``rows`` alone carry the state ``init_rollout`` builds. ``buf[0]``: dirty list; ``buf[1]``:
    stamps (``buf[1, 0]`` the counter); ``buf[2]``: zero except while a capture is collected;
    ``buf[3]``: stones whose state changed (captured ones first); ``buf[4, :24]`` local points,
    ``buf[4, 24:40]`` save-atari points, ``buf[4, 40:44]`` nakade points, ``buf[4, 44:50]`` scratch.
    """
    area = (n + 2) * (n + 1) + 1
    return np.zeros((6, area + 50), np.float64), np.zeros((2, n), np.float64), np.zeros((5, area + 50), np.int64)


@njit(**NJIT)
def _tables(gw):
    """The int64 tables (rows ``T_STATE``, ``T_CODE``, ``T_ROW``) stored in ``gw[3:6]``."""
    return gw[3:6].view(np.int64)


@njit(**NJIT)
def _stone_state(color, libs):
    """3-bit absolute state of a stone of ``color`` (BLACK/WHITE) whose chain has ``libs`` liberties."""
    return (2 if color == BLACK else 5) + (2 if libs >= 3 else libs - 1)


@njit(**NJIT)
def _refresh_points(pts, tab, ew, gw, rows, locs, nd):
    """Recompute ``gw[:, p]`` from the stored 3x3 codes for ``p`` in ``locs[:nd]``; update the row sums."""
    for i in range(nd):
        p = locs[i]
        vb = 0.0
        vw = 0.0
        if pts[STONES, p] == EMPTY:
            code = tab[T_CODE, p]
            if not forbidden_fast(code & _LOW24):
                vb = ew[nonresp_index(code & _LOW24)]
            if not forbidden_fast(code >> 24):
                vw = ew[nonresp_index(code >> 24)]
        r = tab[T_ROW, p]
        rows[0, r] += vb - gw[0, p]
        rows[1, r] += vw - gw[1, p]
        gw[0, p] = vb
        gw[1, p] = vw


@njit(**NJIT)
def init_rollout(pts, scal, ew, gw, rows):
    """Fill ``gw`` (weights and tables) and ``rows`` for the current position."""
    n = scal[SIZE]
    w = n + 1
    tab = _tables(gw)
    gw[:2, :] = 0.0
    rows[:, :] = 0.0
    tab[:, :] = 0
    for p in range(pts.shape[1]):
        tab[T_STATE, p] = point_state(pts, p)
    locs = np.empty(n * n, np.int64)
    for r in range(n):
        for c in range(n):
            loc = loc_of(r, c, w)
            cb, cw = code3x3_both(pts, w, loc)
            tab[T_CODE, loc] = cb | (cw << 24)
            tab[T_ROW, loc] = r
            locs[r * n + c] = loc
    _refresh_points(pts, tab, ew, gw, rows, locs, n * n)


@njit(**NJIT)
def _collect_captures(pts, w, loc, color, buf):
    """Stones that ``color`` at ``loc`` will capture into ``buf[3]`` (flagged in ``buf[2]``); returns how many."""
    ncap = 0
    for nb in (loc - w, loc - 1, loc + 1, loc + w):
        h = pts[HEAD, nb]
        if pts[STONES, nb] == 3 - color and pts[LIBS, h] == 1 and buf[2, h] != -1:
            s = h
            for _ in range(pts[GSIZE, h]):
                buf[3, ncap] = s
                ncap += 1
                buf[2, s] = -1
                s = pts[NEXT, s]
    return ncap


@njit(**NJIT)
def _changed_stones(pts, w, tab, buf, loc, ncap):
    """Update the stored states after the move at ``loc``; list the points whose state changed.

    ``buf[3, :ncap]`` holds the captured stones (now empty). Appended: ``loc``, then the stones of
    every chain next to ``loc`` or to a captured stone whose liberty bucket changed (the only
    chains whose liberties a move changes). Returns the length of the list.
    """
    for i in range(ncap):
        buf[2, buf[3, i]] = 0
        tab[T_STATE, buf[3, i]] = 0
    tab[T_STATE, loc] = _stone_state(pts[STONES, loc], pts[LIBS, pts[HEAD, loc]])
    buf[3, ncap] = loc
    nc = ncap + 1
    for i in range(ncap + 1):
        c = buf[3, i]
        for nb in (c - w, c - 1, c + 1, c + w):
            col = pts[STONES, nb]
            if col != BLACK and col != WHITE:
                continue
            h = pts[HEAD, nb]
            s = _stone_state(col, pts[LIBS, h])
            if tab[T_STATE, nb] == s:
                continue
            p = h
            while True:
                if tab[T_STATE, p] != s:
                    tab[T_STATE, p] = s
                    buf[3, nc] = p
                    nc += 1
                p = pts[NEXT, p]
                if p == h:
                    break
    return nc


@njit(**NJIT)
def _patch_codes(pts, w, tab, buf, nc, ncap):
    """Patch the 3x3 codes around the points ``buf[3, :nc]`` (new states stored); list the points to refresh.

    The dirty list (``buf[0]``, stamps in ``buf[1]``) gets the empty neighbours, the captured
    points and the move (``buf[3, ncap]``). Returns its length.
    """
    buf[1, 0] += 1
    stamp = buf[1, 0]
    nd = 0
    for i in range(nc):
        p = buf[3, i]
        s = tab[T_STATE, p]
        both = s | (_SWAP[s] << 24)
        if (i <= ncap) and buf[1, p] != stamp:
            buf[1, p] = stamp
            buf[0, nd] = p
            nd += 1
        f = 21  # p is field 7 of its NW neighbour's code, ..., field 0 of its SE neighbour's
        for q in (p - w - 1, p - w, p - w + 1, p - 1, p + 1, p + w - 1, p + w, p + w + 1):
            tab[T_CODE, q] = (tab[T_CODE, q] & ~(_BOTH7 << f)) | (both << f)
            if pts[STONES, q] == EMPTY and buf[1, q] != stamp:
                buf[1, q] = stamp
                buf[0, nd] = q
                nd += 1
            f -= 3
    return nd


@njit(**NJIT)
def play_tracked(pts, scal, zob, loc, color, ew, gw, rows, buf):
    """Play ``loc`` (a legal move) and update ``gw``/``rows`` of every point whose pattern changed.

    A point's pattern changes when a neighbour's state does: the new stone, captured stones and
    the stones of chains whose liberty bucket changed (those next to the move or the captures).
    """
    w = scal[SIZE] + 1
    tab = _tables(gw)
    ncap = _collect_captures(pts, w, loc, color, buf)
    play_unsafe(pts, scal, zob, buf[2, :0], loc, color)
    nc = _changed_stones(pts, w, tab, buf, loc, ncap)
    nd = _patch_codes(pts, w, tab, buf, nc, ncap)
    _refresh_points(pts, tab, ew, gw, rows, buf[0], nd)


@njit(**NJIT)
def _uniform(rng):
    return (rng_next(rng) >> 10) * (1.0 / 9007199254740992.0)


@njit(**NJIT)
def _draw_global(gw, rows, ci, n, w, total, rng):
    """A point drawn in proportion to ``gw[ci]`` (``total`` = sum of ``rows[ci]``)."""
    u = _uniform(rng) * total
    r = 0
    while r < n - 1 and u >= rows[ci, r]:
        u -= rows[ci, r]
        r += 1
    base = loc_of(r, 0, w)
    last = 0
    for c in range(n):
        g = gw[ci, base + c]
        if g > 0.0:
            last = base + c
            if u < g:
                return last
            u -= g
    return last


@njit(**NJIT)
def _may_save(pts, w, last, color):
    """True if an own chain of ``color`` next to ``last`` is in atari (so ``save_points`` may find moves)."""
    for nb in (last - w, last - 1, last + 1, last + w):
        if pts[STONES, nb] == color and pts[LIBS, pts[HEAD, nb]] == 1:
            return True
    return False


@njit(**NJIT)
def _response_weights(scal, color, ew, gw, buf, last, nsave):
    """Diamond points of ``last`` that ``color`` may play, with their weights times the local factors.

    Writes ``buf[4, k]`` / ``gw[2, k]``; save-atari points are read from ``buf[4, N_LOCAL:]``.
    Returns how many were written.
    """
    n = scal[SIZE]
    w = n + 1
    tab = _tables(gw)
    ci = color - 1
    lr, lc = row_col(last, w)
    dkey = 0
    for j in range(12):  # the diamond key, as ``diamond_key`` computes it, from the stored states
        rr = lr + _DR[j]
        cc = lc + _DC[j]
        s = 1
        if 0 <= rr < n and 0 <= cc < n:
            s = tab[T_STATE, loc_of(rr, cc, w)]
            if color != BLACK:
                s = _SWAP[s]
        dkey |= s << (3 * j)
    k = 0
    for j in range(12):
        p = last + _DR[j] * w + _DC[j]
        rr = lr + _DR[j]
        cc = lc + _DC[j]
        if 0 <= rr < n and 0 <= cc < n and gw[ci, p] > 0.0:
            f = ew[F_RESPONSE] * ew[resp_index(dkey, j)]
            if _NB_DIR[j] >= 0:
                f *= ew[F_NEIGHBOUR + _NB_DIR[j]]
            for i in range(nsave):
                if buf[4, N_LOCAL + i] == p:
                    f *= ew[F_SAVE_ATARI]
                    break
            buf[4, k] = p
            gw[2, k] = gw[ci, p] * f
            k += 1
    return k


@njit(inline="always", **NJIT)
def _nakade_weights(pts, scal, color, ew, gw, buf, k):
    """Multiply the nakade points' weights by ``ew[F_NAKADE]``; returns the new candidate count.

    A nakade point that is not among the ``k`` local candidates yet is appended to them.
    """
    ci = color - 1
    nnak = nakade_points(pts, scal, color, buf, 4, B_NAKADE)
    for i in range(nnak):
        p = buf[4, B_NAKADE + i]
        if gw[ci, p] <= 0.0:
            continue
        hit = False
        for q in range(k):
            if buf[4, q] == p:
                gw[2, q] *= ew[F_NAKADE]
                hit = True
        if not hit and k < N_LOCAL:
            buf[4, k] = p
            gw[2, k] = gw[ci, p] * ew[F_NAKADE]
            k += 1
    return k


@njit(**NJIT)
def local_weights(pts, scal, color, ew, gw, buf):
    """Local candidates (diamond, save-atari points, ko point) and their effective weights.

    Writes the points into ``buf[4, :k]`` and their weights, which replace ``gw`` for those
    points, into ``gw[2, :k]``; returns ``k``.
    """
    w = scal[SIZE] + 1
    ci = color - 1
    last = scal[LAST1]
    k = 0
    if last > 0:
        nsave = 0
        if _may_save(pts, w, last, color):
            nsave = save_points(pts, scal, last, color, buf[4, N_LOCAL : N_LOCAL + N_SAVE])
        k = _response_weights(scal, color, ew, gw, buf, last, nsave)
        for i in range(nsave):
            p = buf[4, N_LOCAL + i]
            if diamond_place(w, last, p) >= 0 or gw[ci, p] <= 0.0:
                continue
            dup = False
            for q in range(k):
                if buf[4, q] == p:
                    dup = True
            if not dup:
                buf[4, k] = p
                gw[2, k] = gw[ci, p] * ew[F_SAVE_ATARI]
                k += 1
        if ew[F_NAKADE] != 1.0 and pts[STONES, last] == 3 - color:  # a weight of 0 changes nothing
            k = _nakade_weights(pts, scal, color, ew, gw, buf, k)
    ko = scal[KO]
    if ko > 0 and gw[ci, ko] > 0.0:
        dup = False
        for q in range(k):
            if buf[4, q] == ko:
                gw[2, q] = 0.0
                dup = True
        if not dup:
            buf[4, k] = ko
            gw[2, k] = 0.0
            k += 1
    return k


@njit(**NJIT)
def sample_move(pts, scal, color, ew, gw, rows, buf, rng):
    """A move (loc) drawn from the rollout policy for ``color``, or 0 to pass."""
    n = scal[SIZE]
    w = n + 1
    ci = color - 1
    k = local_weights(pts, scal, color, ew, gw, buf)
    total_g = 0.0
    for r in range(n):
        total_g += rows[ci, r]
    local_g = 0.0
    local_e = 0.0
    buf[1, 0] += 1
    stamp = buf[1, 0]
    for i in range(k):
        local_g += gw[ci, buf[4, i]]
        local_e += gw[2, i]
        buf[1, buf[4, i]] = stamp
    other = max(total_g - local_g, 0.0)
    total = other + local_e
    if total <= 1e-12 * max(total_g, 1.0) or total <= 0.0:
        return 0
    u = _uniform(rng) * total
    if u < local_e:
        for i in range(k):
            if u < gw[2, i]:
                return buf[4, i]
            u -= gw[2, i]
        for i in range(k - 1, -1, -1):
            if gw[2, i] > 0.0:
                return buf[4, i]
    for _ in range(64):
        p = _draw_global(gw, rows, ci, n, w, total_g, rng)
        if p != 0 and buf[1, p] != stamp:
            return p
    # exact draw without the local points
    u = _uniform(rng) * other
    best = 0
    for r in range(n):
        for c in range(n):
            p = loc_of(r, c, w)
            g = gw[ci, p]
            if g > 0.0 and buf[1, p] != stamp:
                best = p
                if u < g:
                    return p
                u -= g
    return best


@njit(**NJIT)
def rollout(pts, scal, zob, ew, rng, max_moves, gw, rows, buf):
    """Play the rollout policy in place until two passes or ``max_moves``; return the area score.

    Args:
        pts: a scratch copy of the board (modified).
        scal: its scalars (modified).
        zob: Zobrist table of the size.
        ew: ``float64[N_WEIGHTS]`` = ``exp(w)``.
        rng: ``uint64[1]`` state.
        max_moves: move cap (passes count).
        gw: from ``new_rollout_work``.
        rows: from ``new_rollout_work``.
        buf: from ``new_rollout_work`` (``buf[2]`` must be zero: it is left zero).

    Returns:
        Tromp-Taylor area score, black minus white, without komi.
    """
    init_rollout(pts, scal, ew, gw, rows)
    return play_out(pts, scal, zob, ew, rng, max_moves, gw, rows, buf)


@njit(**NJIT)
def play_out(pts, scal, zob, ew, rng, max_moves, gw, rows, buf):
    """``rollout`` from a position whose ``gw``/``rows`` are already filled (``init_rollout``)."""
    moves = 0
    while moves < max_moves and scal[PASSES] < 2:
        color = scal[TO_PLAY]
        loc = sample_move(pts, scal, color, ew, gw, rows, buf, rng)
        if loc == 0:
            play_pass(scal)
        else:
            play_tracked(pts, scal, zob, loc, color, ew, gw, rows, buf)
        moves += 1
        if moves % 64 == 0:  # bound the float drift of the incremental row sums
            for ci in range(2):
                for r in range(rows.shape[1]):
                    s = 0.0
                    base = (r + 1) * (scal[SIZE] + 1) + 1
                    for c in range(scal[SIZE]):
                        s += gw[ci, base + c]
                    rows[ci, r] = s
    return area_score(pts, scal)


@njit(**NJIT)
def rollout_many(pts0, scal0, zob, ew, rng, count, max_moves):
    """``count`` rollouts from one position; returns ``(sum of scores, black wins, total moves)``."""
    n = scal0[SIZE]
    gw, rows, buf = new_rollout_work(n)
    pts = pts0.copy()
    scal = scal0.copy()
    init_rollout(pts, scal, ew, gw, rows)
    gw0 = gw.copy()
    rows0 = rows.copy()
    total = 0.0
    wins = 0
    nmoves = 0
    for _ in range(count):
        pts[:, :] = pts0
        scal[:] = scal0
        gw[:, :] = gw0
        rows[:, :] = rows0
        m0 = scal[MOVE_NUM]
        s = play_out(pts, scal, zob, ew, rng, max_moves, gw, rows, buf)
        nmoves += scal[MOVE_NUM] - m0
        total += s
        wins += s > 0
    return total, wins, nmoves


@njit(**NJIT)
def policy_probs(pts, scal, color, ew, out):
    """The rollout policy's exact move distribution, through the incremental structures.

    ``out`` is ``float64[A]`` (by loc); the position is not changed (beyond scratch rows).
    """
    n = scal[SIZE]
    gw, rows, buf = new_rollout_work(n)
    init_rollout(pts, scal, ew, gw, rows)
    k = local_weights(pts, scal, color, ew, gw, buf)
    out[:] = gw[color - 1, : out.shape[0]]
    for i in range(k):
        out[buf[4, i]] = gw[2, i]
    s = out.sum()
    if s > 0:
        out /= s
