"""Numba kernels of the Go board: every compiled board function lives here.

Representation (structure of arrays, after KataGo's board):

* A board of size ``n`` is padded with one shared wall column and a wall row above and below:
  ``W = n + 1`` and ``A = (n + 2) * W + 1`` points. The point at ``(row, col)`` has
  ``loc = (row + 1) * W + col + 1``; its neighbours are ``loc - W, loc - 1, loc + 1, loc + W``,
  so no bounds test is needed, only a ``WALL`` test.
* ``pts`` is one ``int64[NROWS, A]`` block holding the per-point arrays (row constants below):
  ``STONES`` (EMPTY/BLACK/WHITE/WALL), ``HEAD`` (chain head loc), ``NEXT`` (circular next-stone
  list of the chain), ``GSIZE`` and ``LIBS`` (valid at a chain's head: stones and exact
  liberties, kept incrementally), ``MARK`` (scratch stamps), ``PLAYED`` (move number a stone was
  placed, for "turns since" features), ``EMPTIES`` (list of empty locs, first ``NEMPTY``) and
  ``EPOS`` (index of an empty loc in that list).
* ``scal`` is an ``int64`` vector of scalars (index constants below): size, colour to play, ko
  loc, consecutive passes, Zobrist hash, move number, captures, stone counts, last moves, rules.
* ``hist`` holds the Zobrist hashes of every earlier position (positional superko), ``scal[NHIST]``
  of them; the Python wrapper keeps room for one more.
* ``zob`` is ``int64[3, A]``: random bits per (colour, loc); the hash is the XOR over stones.

Vocabulary: ``color``/``to_play`` (BLACK=1, WHITE=2, EMPTY=0, WALL=3), ``loc`` (padded, private to
``engine``), ``group``/``head``, ``libs``, ``ko``. Kernels raise nothing: they return status codes
and the Python wrapper turns those into exceptions. ``_unsafe`` means "the caller checked legality".
"""

import numpy as np
from numba import njit

from engine._jit import NJIT

EMPTY, BLACK, WHITE, WALL = 0, 1, 2, 3

# rows of pts
STONES, HEAD, NEXT, GSIZE, LIBS, MARK, PLAYED, EMPTIES, EPOS = range(9)
NROWS = 9

# indices of scal
(
    SIZE,
    TO_PLAY,
    KO,
    PASSES,
    HASH,
    MOVE_NUM,
    CAPS_B,
    CAPS_W,
    COUNT_B,
    COUNT_W,
    LAST1,
    LAST2,
    ALLOW_SUICIDE,
    SUPERKO,
    NHIST,
    NEMPTY,
    STAMP,
    RESIGNED,
) = range(18)
NSCAL = 18

# status codes of is_legal
LEGAL, OCCUPIED, SUICIDE, KO_BANNED, SUPERKO_BANNED = 0, 1, 2, 3, 4


@njit(**NJIT)
def reset_board(pts, scal, n, allow_suicide, superko):
    """Fill ``pts``/``scal`` with an empty ``n x n`` board, black to play."""
    w = n + 1
    pts[:, :] = 0
    pts[STONES, :] = WALL
    scal[:] = 0
    ne = 0
    for r in range(n):
        for c in range(n):
            loc = loc_of(r, c, w)
            pts[STONES, loc] = EMPTY
            pts[EMPTIES, ne] = loc
            pts[EPOS, loc] = ne
            ne += 1
    scal[SIZE] = n
    scal[TO_PLAY] = BLACK
    scal[NEMPTY] = ne
    scal[ALLOW_SUICIDE] = allow_suicide
    scal[SUPERKO] = superko
    scal[LAST1] = -1
    scal[LAST2] = -1


@njit(**NJIT)
def _remove_empty(pts, scal, loc):
    i = pts[EPOS, loc]
    last = scal[NEMPTY] - 1
    other = pts[EMPTIES, last]
    pts[EMPTIES, i] = other
    pts[EPOS, other] = i
    scal[NEMPTY] = last


@njit(**NJIT)
def _add_empty(pts, scal, loc):
    ne = scal[NEMPTY]
    pts[EMPTIES, ne] = loc
    pts[EPOS, loc] = ne
    scal[NEMPTY] = ne + 1


@njit(inline="always", **NJIT)
def next_stamp(pts, scal):
    """A fresh MARK stamp: every point's MARK differs from it until it is written."""
    scal[STAMP] += 1
    return scal[STAMP]


# ---------------------------------------------------------------- primitives of every kernel file
# Small helpers that the board, playout, policy, rollout, feature and search kernels share. They are
# inlined into their callers (``inline="always"``), so a hot loop pays no call for them.


@njit(inline="always", **NJIT)
def chain_rows(pts, scal):
    """``(w, stones, heads, liberties)``: the padded row width and the rows a question about chains reads."""
    return scal[SIZE] + 1, pts[STONES], pts[HEAD], pts[LIBS]


@njit(inline="always", **NJIT)
def loc_of(r, c, w):
    """Padded loc of the point at row ``r``, column ``c`` (``w = n + 1``)."""
    return (r + 1) * w + c + 1


@njit(inline="always", **NJIT)
def action_loc(action, n):
    """Padded loc of board ``action`` (``0 <= action < n * n``) on an ``n x n`` board."""
    return (action // n + 1) * (n + 1) + action % n + 1


@njit(inline="always", **NJIT)
def loc_action(loc, n):
    """Board action of padded ``loc`` on an ``n x n`` board."""
    r, c = row_col(loc, n + 1)
    return r * n + c


@njit(inline="always", **NJIT)
def row_col(loc, w):
    """``(row, col)`` of padded ``loc`` (``w = n + 1``)."""
    return loc // w - 1, loc % w - 1


@njit(inline="always", **NJIT)
def mark_libs(pts, w, head, stamp, count, cap):
    """Walk chain ``head``: stamp each empty neighbour not stamped yet and count it.

    Returns ``count`` plus the newly stamped liberties, stopping as soon as that reaches ``cap``.
    """
    st = pts[STONES]
    mk = pts[MARK]
    s = head
    while True:
        for nb in (s - w, s - 1, s + 1, s + w):
            if st[nb] == EMPTY and mk[nb] != stamp:
                mk[nb] = stamp
                count += 1
                if count >= cap:
                    return count
        s = pts[NEXT, s]
        if s == head:
            return count


@njit(inline="always", **NJIT)
def mark_point_libs(pts, w, loc, stamp):
    """Stamp ``loc`` and its empty neighbours; returns how many neighbours were stamped.

    The first step of counting the liberties a stone at ``loc`` would have: ``loc`` itself is no
    longer one, and the walks of joined chains (``mark_libs``) then skip what is stamped.
    """
    st = pts[STONES]
    mk = pts[MARK]
    mk[loc] = stamp
    libs = 0
    for nb in (loc - w, loc - 1, loc + 1, loc + w):
        if st[nb] == EMPTY and mk[nb] != stamp:
            mk[nb] = stamp
            libs += 1
    return libs


@njit(inline="always", **NJIT)
def chain_liberty(pts, w, head):
    """One liberty of chain ``head`` (its only one when it is in atari), or 0."""
    st = pts[STONES]
    s = head
    while True:
        for nb in (s - w, s - 1, s + 1, s + w):
            if st[nb] == EMPTY:
                return nb
        s = pts[NEXT, s]
        if s == head:
            return 0


@njit(inline="always", **NJIT)
def note_chain(h, h0, h1, h2):
    """Whether chain ``h`` is none of the chains ``h0, h1, h2`` met so far (-1: none), and those with it noted.

    The distinct chains around one point, in plain scalars (no allocation per move): a point has
    four neighbours, so the fourth new chain needs no slot.
    """
    if h == h0 or h == h1 or h == h2:
        return False, h0, h1, h2
    if h0 < 0:
        return True, h, h1, h2
    if h1 < 0:
        return True, h0, h, h2
    return True, h0, h1, h


@njit(**NJIT)
def libs_after(pts, scal, loc, color, cap):
    """Liberties (counted up to ``cap``) of the chain ``color`` would form at empty ``loc``.

    Captures are not counted: a move that captures anything returns ``cap``. Does not modify the
    board except the MARK scratch row.
    """
    w, st, hd, lb = chain_rows(pts, scal)
    opp = 3 - color
    for nb in (loc - w, loc - 1, loc + 1, loc + w):
        if st[nb] == opp and lb[hd[nb]] == 1:
            return cap
    stamp = next_stamp(pts, scal)
    libs = mark_point_libs(pts, w, loc, stamp)
    if libs >= cap:
        return cap
    for nb in (loc - w, loc - 1, loc + 1, loc + w):
        if st[nb] == color:
            if lb[hd[nb]] > cap:
                return cap
            libs = mark_libs(pts, w, hd[nb], stamp, libs, cap)
            if libs >= cap:
                return cap
    return libs


@njit(inline="always", **NJIT)
def big_self_atari(pts, scal, loc, color, w):
    """True if ``color`` at ``loc`` leaves a chain of two or more stones with one liberty."""
    st = pts[STONES]
    friend = st[loc - w] == color or st[loc - 1] == color or st[loc + 1] == color or st[loc + w] == color
    return friend and libs_after(pts, scal, loc, color, 2) < 2


@njit(inline="always", **NJIT)
def simple_legal(pts, scal, loc, color):
    """Empty, not suicide, and not the ko point when ``color`` is to play (no superko)."""
    return (
        pts[STONES, loc] == EMPTY
        and (loc != scal[KO] or color != scal[TO_PLAY])
        and not is_suicide(pts, scal, loc, color)
    )


@njit(inline="always", **NJIT)
def flood_empty(pts, w, start, stamp, stack, region):
    """Flood and stamp the empty region of ``start``; returns ``(size, reach)``, ``(0, 0)`` if ``start`` is stamped.

    ``reach`` ORs the colours of the stones next to the region (BLACK, WHITE or both). The region's
    points go to ``region`` when it is not empty (``int64[0]`` to skip).
    """
    st = pts[STONES]
    mk = pts[MARK]
    if mk[start] == stamp:
        return 0, 0
    mk[start] = stamp
    keep = region.shape[0] > 0
    stack[0] = start
    top = 1
    size = 0
    reach = 0
    while top > 0:
        top -= 1
        p = stack[top]
        if keep:
            region[size] = p
        size += 1
        for nb in (p - w, p - 1, p + 1, p + w):
            c = st[nb]
            if c == EMPTY:
                if mk[nb] != stamp:
                    mk[nb] = stamp
                    stack[top] = nb
                    top += 1
            elif c != WALL:
                reach |= c
    return size, reach


@njit(**NJIT)
def _adjacent_to(pts, w, loc, head):
    """True if a neighbour of ``loc`` belongs to the chain ``head``."""
    st = pts[STONES]
    hd = pts[HEAD]
    for nb in (loc - w, loc - 1, loc + 1, loc + w):
        if st[nb] != EMPTY and st[nb] != WALL and hd[nb] == head:
            return True
    return False


@njit(**NJIT)
def count_libs_scratch(pts, scal, head):
    """Liberties of a chain recounted from its stones (used by tests and after setup edits)."""
    return mark_libs(pts, scal[SIZE] + 1, head, next_stamp(pts, scal), 0, 1 << 62)


@njit(**NJIT)
def _set_stone(pts, scal, zob, loc, color):
    pts[STONES, loc] = color
    scal[HASH] ^= zob[color, loc]
    scal[COUNT_B + color - 1] += 1
    _remove_empty(pts, scal, loc)


@njit(**NJIT)
def _clear_stone(pts, scal, zob, loc):
    color = pts[STONES, loc]
    pts[STONES, loc] = EMPTY
    scal[HASH] ^= zob[color, loc]
    scal[COUNT_B + color - 1] -= 1
    _add_empty(pts, scal, loc)


@njit(**NJIT)
def _remove_chain(pts, scal, zob, head):
    """Take a chain off the board; neighbouring chains gain the freed liberties. Returns stones removed."""
    w, st, hd, lb = chain_rows(pts, scal)
    removed = 0
    s = head
    while True:
        nxt = pts[NEXT, s]
        _clear_stone(pts, scal, zob, s)
        removed += 1
        # each distinct neighbouring chain gains this point as one liberty
        h0 = -1
        h1 = -1
        h2 = -1
        for nb in (s - w, s - 1, s + 1, s + w):
            c = st[nb]
            h = hd[nb]
            if (c == BLACK or c == WHITE) and h != head:
                new, h0, h1, h2 = note_chain(h, h0, h1, h2)
                if new:
                    lb[h] += 1
        s = nxt
        if s == head:
            break
    return removed


@njit(**NJIT)
def _merge_into(pts, big, small):
    """Relabel chain ``small`` as part of ``big`` and splice the circular stone lists."""
    hd = pts[HEAD]
    nx = pts[NEXT]
    s = small
    while True:
        hd[s] = big
        s = nx[s]
        if s == small:
            break
    nb_, ns_ = nx[big], nx[small]
    nx[big] = ns_
    nx[small] = nb_
    pts[GSIZE, big] += pts[GSIZE, small]


@njit(**NJIT)
def _join_friends(pts, scal, loc, color, w):
    """Make the stone just placed at ``loc`` one chain with its friendly neighbours; set its libs."""
    st = pts[STONES]
    hd = pts[HEAD]
    lb = pts[LIBS]
    mk = pts[MARK]
    # HEAD of an emptied point is stale (a captured chain's head). Reset it first, or a stale
    # value equal to ``big`` below makes ``_adjacent_to`` miss every new liberty next to ``loc``.
    hd[loc] = loc
    # distinct friendly heads (-1 = none; plain scalars, no allocation per move); the biggest absorbs the rest
    f0 = f1 = f2 = f3 = -1
    for nb in (loc - w, loc - 1, loc + 1, loc + w):
        if st[nb] == color:
            h = hd[nb]
            if h == f0 or h == f1 or h == f2:
                continue
            if f0 < 0:
                f0 = h
            elif f1 < 0:
                f1 = h
            elif f2 < 0:
                f2 = h
            else:
                f3 = h
    if f0 < 0:
        hd[loc] = loc
        pts[NEXT, loc] = loc
        pts[GSIZE, loc] = 1
        libs = 0
        for nb in (loc - w, loc - 1, loc + 1, loc + w):
            if st[nb] == EMPTY:
                libs += 1
        lb[loc] = libs
        return loc
    big = f0
    for h in (f1, f2, f3):
        if h >= 0 and pts[GSIZE, h] > pts[GSIZE, big]:
            big = h
    stamp = next_stamp(pts, scal)
    libs = lb[big] - 1  # loc was a liberty of big
    # new liberties from the stone itself (before it joins big)
    for nb in (loc - w, loc - 1, loc + 1, loc + w):
        if st[nb] == EMPTY and mk[nb] != stamp and not _adjacent_to(pts, w, nb, big):
            mk[nb] = stamp
            libs += 1
    for h in (f0, f1, f2, f3):
        if h < 0 or h == big:
            continue
        s = h
        while True:
            for nb in (s - w, s - 1, s + 1, s + w):
                if st[nb] == EMPTY and mk[nb] != stamp and not _adjacent_to(pts, w, nb, big):
                    mk[nb] = stamp
                    libs += 1
            s = pts[NEXT, s]
            if s == h:
                break
        _merge_into(pts, big, h)
    hd[loc] = loc
    pts[NEXT, loc] = loc
    pts[GSIZE, loc] = 1
    _merge_into(pts, big, loc)
    lb[big] = libs
    return big


@njit(**NJIT)
def play_unsafe(pts, scal, zob, hist, loc, color):
    """Play a stone of ``color`` at empty ``loc`` (legality already checked). Returns stones captured.

    Handles captures, suicide (when allowed), the simple-ko point, the hash history and turn.
    Does not check legality. The rows are read here, not through ``chain_rows``: 6 % faster heavy
    playouts (measured).
    """
    n = scal[SIZE]
    w = n + 1
    st = pts[STONES]
    hd = pts[HEAD]
    lb = pts[LIBS]
    opp = 3 - color
    _set_stone(pts, scal, zob, loc, color)
    pts[PLAYED, loc] = scal[MOVE_NUM] + 1
    own = _join_friends(pts, scal, loc, color, w)
    # each distinct opposing neighbour loses the liberty at loc; capture those left with none
    captured = 0
    ko_loc = 0
    o0 = -1
    o1 = -1
    o2 = -1
    for nb in (loc - w, loc - 1, loc + 1, loc + w):
        if st[nb] == opp:
            h = hd[nb]
            new, o0, o1, o2 = note_chain(h, o0, o1, o2)
            if new:
                lb[h] -= 1
                if lb[h] == 0:
                    ko_loc = h
                    captured += _remove_chain(pts, scal, zob, h)
    own = hd[loc]
    if lb[own] == 0:  # suicide, only reached when the rules allow it
        scal[CAPS_B + opp - 1] += _remove_chain(pts, scal, zob, own)
        ko_loc = 0
    else:
        scal[CAPS_B + color - 1] += captured
    if captured == 1 and pts[GSIZE, own] == 1 and lb[own] == 1 and st[loc] == color:
        scal[KO] = ko_loc
    else:
        scal[KO] = 0
    nh = scal[NHIST]
    if nh < hist.shape[0]:
        hist[nh] = scal[HASH]
        scal[NHIST] = nh + 1
    scal[PASSES] = 0
    scal[MOVE_NUM] += 1
    scal[LAST2] = scal[LAST1]
    scal[LAST1] = loc
    scal[TO_PLAY] = opp
    return captured


@njit(**NJIT)
def play_pass(scal):
    """Pass: the turn changes, the ko point clears, consecutive passes count up."""
    scal[PASSES] += 1
    scal[KO] = 0
    scal[MOVE_NUM] += 1
    scal[LAST2] = scal[LAST1]
    scal[LAST1] = 0
    scal[TO_PLAY] = 3 - scal[TO_PLAY]


@njit(inline="always", **NJIT)
def atari_chains_zobrist(pts, zob, w, loc, color):
    """XOR of the Zobrist keys of the stones of the distinct ``color`` chains next to ``loc`` in atari."""
    st = pts[STONES]
    hd = pts[HEAD]
    lb = pts[LIBS]
    z = 0
    h0 = -1
    h1 = -1
    h2 = -1
    for nb in (loc - w, loc - 1, loc + 1, loc + w):
        h = hd[nb]
        if st[nb] != color or lb[h] != 1:
            continue
        new, h0, h1, h2 = note_chain(h, h0, h1, h2)
        if new:
            s = h
            while True:
                z ^= zob[color, s]
                s = pts[NEXT, s]
                if s == h:
                    break
    return z


@njit(**NJIT)
def hash_after(pts, scal, zob, loc, color):
    """Zobrist hash of the position after ``color`` plays at empty ``loc`` (board untouched)."""
    w, st, hd, lb = chain_rows(pts, scal)
    opp = 3 - color
    h_new = scal[HASH] ^ zob[color, loc]
    any_capture = False
    any_lib = False
    for nb in (loc - w, loc - 1, loc + 1, loc + w):
        c = st[nb]
        if c == EMPTY:
            any_lib = True
        elif c == color:
            any_lib |= lb[hd[nb]] > 1
        elif c == opp:
            any_capture |= lb[hd[nb]] == 1
    if any_capture:
        return h_new ^ atari_chains_zobrist(pts, zob, w, loc, opp)
    if any_lib:
        return h_new
    # suicide: the placed stone and its friendly neighbours (each in atari) leave the board
    return h_new ^ zob[color, loc] ^ atari_chains_zobrist(pts, zob, w, loc, color)


@njit(**NJIT)
def is_suicide(pts, scal, loc, color):
    """True if a stone at empty ``loc`` would have no liberty and capture nothing."""
    w, st, hd, lb = chain_rows(pts, scal)
    for nb in (loc - w, loc - 1, loc + 1, loc + w):
        c = st[nb]
        if c == EMPTY:
            return False
        if c == color:
            if lb[hd[nb]] > 1:
                return False
        elif c != WALL and lb[hd[nb]] == 1:
            return False
    return True


@njit(**NJIT)
def is_legal(pts, scal, zob, hist, loc, color):
    """Status code of ``color`` playing at ``loc``: LEGAL, OCCUPIED, SUICIDE, KO_BANNED or SUPERKO_BANNED."""
    if pts[STONES, loc] != EMPTY:
        return OCCUPIED
    suicide = is_suicide(pts, scal, loc, color)
    if suicide and scal[ALLOW_SUICIDE] == 0:
        return SUICIDE
    if loc == scal[KO] and color == scal[TO_PLAY]:
        return KO_BANNED
    if scal[SUPERKO] != 0 and (suicide or scal[CAPS_B] + scal[CAPS_W] > 0):
        # without any capture so far every position has more stones than the ones before it
        h = hash_after(pts, scal, zob, loc, color)
        for i in range(scal[NHIST]):
            if hist[i] == h:
                return SUPERKO_BANNED
    return LEGAL


@njit(**NJIT)
def fill_legal_mask(pts, scal, zob, hist, color, out):
    """Write ``out[action] = 1`` for each legal action of ``color`` (pass always legal)."""
    n = scal[SIZE]
    w = n + 1
    out[:] = 0
    for r in range(n):
        for c in range(n):
            loc = loc_of(r, c, w)
            if pts[STONES, loc] == EMPTY and is_legal(pts, scal, zob, hist, loc, color) == LEGAL:
                out[r * n + c] = 1
    out[n * n] = 1


@njit(**NJIT)
def area_score(pts, scal):
    """Tromp-Taylor area score, black minus white, without komi.

    A stone counts for its colour; an empty region counts for a colour if it reaches only that colour.
    """
    w = scal[SIZE] + 1
    stamp = next_stamp(pts, scal)
    score = scal[COUNT_B] - scal[COUNT_W]
    stack = np.empty(scal[NEMPTY] + 1, np.int64)
    no_region = stack[:0]
    for i in range(scal[NEMPTY]):
        size, reach = flood_empty(pts, w, pts[EMPTIES, i], stamp, stack, no_region)
        if reach == BLACK:
            score += size
        elif reach == WHITE:
            score -= size
    return score


@njit(**NJIT)
def area_ownership(pts, scal, out):
    """Write ``out[action]`` = +1 black, -1 white, 0 neutral under Tromp-Taylor area rules."""
    stamp = next_stamp(pts, scal)
    n = scal[SIZE]
    w = n + 1
    st = pts[STONES]
    stack = np.empty(n * n + 1, np.int64)
    region = np.empty(n * n + 1, np.int64)
    for a in range(n * n):
        s = st[action_loc(a, n)]
        out[a] = 1 if s == BLACK else (-1 if s == WHITE else 0)
    for i in range(scal[NEMPTY]):
        nreg, reach = flood_empty(pts, w, pts[EMPTIES, i], stamp, stack, region)
        v = 1 if reach == BLACK else (-1 if reach == WHITE else 0)
        for j in range(nreg):
            out[loc_action(region[j], n)] = v


@njit(**NJIT)
def place_setup(pts, scal, zob, loc, color):
    """Put a setup stone (``color`` BLACK/WHITE) or clear a point (EMPTY) with no capture logic.

    Chains and liberties are rebuilt from scratch by ``rebuild_chains`` afterwards.
    """
    old = pts[STONES, loc]
    if old == color:
        return
    if old != EMPTY:
        _clear_stone(pts, scal, zob, loc)
    if color != EMPTY:
        _set_stone(pts, scal, zob, loc, color)


@njit(**NJIT)
def rebuild_chains(pts, scal):
    """Recompute HEAD/NEXT/GSIZE/LIBS of every chain from the stones alone (after setup edits)."""
    n = scal[SIZE]
    w = n + 1
    st = pts[STONES]
    for r in range(n):
        for c in range(n):
            loc = loc_of(r, c, w)
            if st[loc] == BLACK or st[loc] == WHITE:
                pts[HEAD, loc] = loc
                pts[NEXT, loc] = loc
                pts[GSIZE, loc] = 1
    for r in range(n):
        for c in range(n):
            loc = loc_of(r, c, w)
            col = st[loc]
            if col != BLACK and col != WHITE:
                continue
            for nb in (loc + 1, loc + w):
                if st[nb] == col:
                    a = pts[HEAD, loc]
                    b = pts[HEAD, nb]
                    if a != b:
                        if pts[GSIZE, a] >= pts[GSIZE, b]:
                            _merge_into(pts, a, b)
                        else:
                            _merge_into(pts, b, a)
    for r in range(n):
        for c in range(n):
            loc = loc_of(r, c, w)
            if (st[loc] == BLACK or st[loc] == WHITE) and pts[HEAD, loc] == loc:
                pts[LIBS, loc] = count_libs_scratch(pts, scal, loc)


@njit(**NJIT)
def is_true_eye(st, w, loc, color):
    """True if empty ``loc`` is a true eye of ``color``.

    All 4 neighbours are ``color`` (or wall) and the diagonals hold at most one enemy stone in the
    centre, none on the edge.
    """
    for nb in (loc - w, loc - 1, loc + 1, loc + w):
        c = st[nb]
        if c != color and c != WALL:
            return False
    bad = 0
    edge = 0
    opp = 3 - color
    for d in (loc - w - 1, loc - w + 1, loc + w - 1, loc + w + 1):
        c = st[d]
        if c == WALL:
            edge = 1
        elif c == opp:
            bad += 1
    return bad + edge < 2 and not (edge and bad > 0)
