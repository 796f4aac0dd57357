"""Numba kernels for random playouts: the fast-path playout board and the entry points.

A random playout plays uniformly random legal moves that do not fill the mover's own true eye
(the rule of ``_kernels.is_true_eye``) until two consecutive passes or ``max_moves`` moves
(passes included), then scores the final position by Tromp-Taylor area, black minus white,
without komi. Playouts use the simple-ko rule and never play suicide, whatever rules the game
itself uses (the usual Monte-Carlo Go convention). A playout starts from the side to move, ko
point and consecutive passes of the given position.

Entry points: ``playout_score`` (one playout, for search), ``playout_batch`` (many, for
benchmarks), ``playout_debug`` (one, recording its moves and keeping the final position).

Fast-path board. The full board (``engine/_kernels.py``) keeps exact liberties, hashes, history
and undo data because features and search need them. A playout needs none of that, so each
playout copies the position (``pts``/``scal``, left untouched) into a lighter representation in
a scratch block ``work`` and plays there; the copy is part of the playout's cost.

``work`` is one ``uint64[F_ROWS, A + 1]`` block (``A`` as in ``_kernels``: padded points,
``loc = (row + 1) * (n + 1) + col + 1``; the extra column ``D = A`` is a dummy chain head). Build
it with ``make_playout_work(n)`` in Python or ``new_playout_work(n)`` inside Numba code and reuse
it across playouts of that size (never share one between threads). Every array is indexed with
unsigned 64-bit integers, so Numba emits no negative-index wraparound check (the largest single
gain measured, see ``shared/reference/performance.md``). Rows:

* ``F_COLOR``: EMPTY/BLACK/WHITE/WALL per point, as in ``_kernels``.
* ``F_HEAD``: chain head of a stone; empty and wall points point at the dummy head ``D``, whose
  liberty count is huge, so the four neighbour liberty updates of a move need no colour test.
* ``F_NEXT``: circular next-stone list of a chain; ``F_SIZE``: stones (valid at the head).
* ``F_LIBS``: pseudo-liberties at the head: the number of (stone, adjacent empty point) pairs of
  the chain. Zero exactly when the chain has no liberty. Point ``loc`` is the only liberty of a
  chain ``h`` exactly when ``libs[h]`` equals the number of neighbours of ``loc`` in ``h``.
* ``F_NBR``: per point, counts of empty / black / white 4-neighbours in bit fields 0-7 / 8-15 /
  16-23 (walls count in none). A move adds ``(1 << 8 * color) - 1`` to each neighbour. This makes
  "has an empty neighbour" (so neither suicide nor an eye) and "all neighbours own or wall" (eye
  shape) one load each.
* ``F_EMPTIES``: list of empty points (first ``nempty``), in no fixed order. A point leaves it
  only when it is played, at the index where the pick found it, so no position index is kept.
* ``F_STACK``: scratch for the flood fill of multi-point empty regions when scoring.
* ``F_SCAL``: ``[nempty, black stones, white stones, n + 1 once walls are written]``, so
  ``sc[color]`` is a stone count.

Randomness comes from ``rng``, a ``uint64[1]`` xorshift64* state owned by the caller
(``rng_next``/``rng_below``), so that a playout is reproducible from its seed in any process or
thread. Vocabulary as in ``_kernels``: ``color`` (BLACK=1, WHITE=2, EMPTY=0, WALL=3), ``loc``,
``ko``. Kernels raise nothing and do not check their inputs.

The whole playout lives in this one file, and its hot loop is written out (see ``fast_run``).
"""

import numpy as np
from numba import njit

from engine._jit import NJIT
from engine._kernels import (
    COUNT_B,
    COUNT_W,
    EMPTIES,
    EMPTY,
    EPOS,
    GSIZE,
    HEAD,
    KO,
    NEMPTY,
    NEXT,
    PASSES,
    SIZE,
    STONES,
    TO_PLAY,
    big_self_atari,
    is_suicide,
    is_true_eye,
)

__all__ = [
    "rng_next",
    "rng_below",
    "make_playout_work",
    "new_playout_work",
    "playout_score",
    "playout_batch",
    "playout_debug",
    "pick_random_move",
    "pick_move",
]

F_COLOR, F_HEAD, F_NEXT, F_LIBS, F_SIZE, F_NBR, F_EMPTIES, F_STACK, F_SCAL = range(9)
F_ROWS = 9

U0, U1, U2, U3, U8 = np.uint64(0), np.uint64(1), np.uint64(2), np.uint64(3), np.uint64(8)
EMPTY_U, BLACK_U, WHITE_U, WALL_U, VISIT_U = U0, U1, U2, U3, np.uint64(4)
FIELD = np.uint64(0xFF)
"""mask of one 8-bit neighbour-count field of ``F_NBR``"""
DUMMY_LIBS = np.uint64(1 << 40)
"""liberties of the dummy head: never reaches zero within a playout"""
NBR_UNIT = np.array([1, 1 << 8, 1 << 16, 0], np.uint64)
"""``F_NBR`` contribution of one neighbour of each colour (EMPTY, BLACK, WHITE, WALL)"""
NBR_PLACE = np.array([0, (1 << 8) - 1, (1 << 16) - 1, 0], np.uint64)
"""``F_NBR`` change of a neighbour when a stone of a colour appears (one empty less, one stone more)"""
_MULT = np.uint64(2685821657736338717)


@njit(**NJIT)
def rng_next(rng):
    """Advance the xorshift64* state ``rng`` (``uint64[1]``) and return 63 random bits as an int64."""
    x = rng[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    rng[0] = x
    return np.int64((x * _MULT) >> U1)


@njit(**NJIT)
def rng_below(rng, k):
    """Uniform int64 in ``0 .. k-1`` (``k`` below 2**31), by multiply-shift (no division)."""
    return ((rng_next(rng) >> 31) * k) >> 32


@njit(**NJIT)
def new_playout_work(n):
    """A zeroed work block for board size ``n`` (``make_playout_work`` for use inside Numba code)."""
    return np.zeros((F_ROWS, (n + 2) * (n + 1) + 2), np.uint64)


@njit(**NJIT)
def fast_from_board(pts, scal, work):
    """Fill ``work`` from the full board arrays ``pts``/``scal`` (which stay untouched).

    Walls and the dummy head are written once per block (``sc[3]`` remembers the size); after
    that only the ``n * n`` board points are copied. Returns ``w = n + 1`` as a uint64, the row
    stride every other fast kernel takes.
    """
    n = scal[SIZE]
    w = np.uint64(n + 1)
    dummy = np.uint64(work.shape[1] - 1)
    st, hd, nx, gs = pts[STONES], pts[HEAD], pts[NEXT], pts[GSIZE]
    col, head, nxt, libs = work[F_COLOR], work[F_HEAD], work[F_NEXT], work[F_LIBS]
    size, nbr, emp, sc = work[F_SIZE], work[F_NBR], work[F_EMPTIES], work[F_SCAL]
    if sc[3] != n + 1:
        col[:] = WALL_U
        head[:] = dummy
        sc[3] = n + 1
    libs[dummy] = DUMMY_LIBS
    un = np.uint64(n)
    for r in range(un):
        base = (r + U1) * w + U1
        for p in range(base, base + un):
            c = st[p]
            col[p] = c
            nbr[p] = (
                NBR_UNIT[np.uint64(st[p - w])]
                + NBR_UNIT[np.uint64(st[p - U1])]
                + NBR_UNIT[np.uint64(st[p + U1])]
                + NBR_UNIT[np.uint64(st[p + w])]
            )
            if c == EMPTY:
                head[p] = dummy
            else:
                head[p] = hd[p]
                nxt[p] = nx[p]
                size[p] = gs[p]
                libs[p] = U0
    if scal[COUNT_B] + scal[COUNT_W] > 0:
        for r in range(un):
            base = (r + U1) * w + U1
            for p in range(base, base + un):
                if col[p] != EMPTY_U:
                    libs[head[p]] += nbr[p] & FIELD
    ne = scal[NEMPTY]
    for i in range(np.uint64(ne)):
        emp[i] = pts[EMPTIES, i]
    sc[0] = ne
    sc[1] = scal[COUNT_B]
    sc[2] = scal[COUNT_W]
    return np.uint64(w)


@njit(**NJIT)
def _merge(work, big, small):
    """Relabel chain ``small`` into ``big``; splice the stone lists; add sizes and pseudo-liberties."""
    head, nxt, libs, size = work[F_HEAD], work[F_NEXT], work[F_LIBS], work[F_SIZE]
    s = small
    while True:
        head[s] = big
        s = nxt[s]
        if s == small:
            break
    a = nxt[big]
    nxt[big] = nxt[small]
    nxt[small] = a
    size[big] += size[small]
    libs[big] += libs[small]


@njit(**NJIT)
def _remove(work, w, h):
    """Take chain ``h`` off the board; its neighbours gain the freed pseudo-liberties. Returns stones removed."""
    col, head, nxt, libs = work[F_COLOR], work[F_HEAD], work[F_NEXT], work[F_LIBS]
    nbr, emp, sc = work[F_NBR], work[F_EMPTIES], work[F_SCAL]
    dummy = np.uint64(work.shape[1] - 1)
    color = col[h]
    d = NBR_PLACE[color]
    ne = sc[0]
    s = h
    k = U0
    while True:
        t = nxt[s]
        col[s] = EMPTY_U
        head[s] = dummy
        emp[ne] = s
        ne += U1
        k += U1
        for nb in (s - w, s - U1, s + U1, s + w):
            nbr[nb] -= d
            libs[head[nb]] += U1
        s = t
        if s == h:
            break
    sc[0] = ne
    sc[color] -= k
    return k


@njit(**NJIT)
def _region_score(col, nbr, emp, stack, ne, w):
    """Area of the empty regions of two or more points: black-owned minus white-owned points."""
    score = 0
    for i in range(ne):
        start = emp[i]
        if col[start] != EMPTY_U or (nbr[start] & FIELD) == U0:
            continue
        col[start] = VISIT_U
        stack[0] = start
        top = 1
        region = 0
        reach = U0
        while top > 0:
            top -= 1
            p = stack[top]
            region += 1
            for nb in (p - w, p - U1, p + U1, p + w):
                c = col[nb]
                if c == EMPTY_U:
                    col[nb] = VISIT_U
                    stack[top] = nb
                    top += 1
                elif c == BLACK_U or c == WHITE_U:
                    reach |= c
        if reach == BLACK_U:
            score += region
        elif reach == WHITE_U:
            score -= region
    for i in range(ne):
        col[emp[i]] = EMPTY_U
    return score


@njit(**NJIT)
def fast_score(work, w):
    """Tromp-Taylor area score, black minus white, no komi, of the position in ``work``.

    Stone counts are incremental; a one-point empty region is scored from its neighbour counts;
    only larger regions need a flood fill.
    """
    col, nbr, emp, sc = work[F_COLOR], work[F_NBR], work[F_EMPTIES], work[F_SCAL]
    ne = sc[0]
    score = np.int64(sc[1]) - np.int64(sc[2])
    multi = False
    for i in range(ne):
        x = nbr[emp[i]]
        if x & FIELD:
            multi = True
        elif ((x >> np.uint64(16)) & FIELD) == U0:
            score += 1
        elif ((x >> U8) & FIELD) == U0:
            score -= 1
    if multi:
        score += _region_score(col, nbr, emp, work[F_STACK], ne, w)
    return score


@njit(inline="always", **NJIT)
def _stones_next_to(h0, h1, h2, h3):
    """For each of the four neighbour heads of a point, how many of the four share it (itself included).

    Chain ``h_i`` has the point as its only liberty exactly when its pseudo-liberties equal this count.
    """
    e01 = np.uint64(h0 == h1)
    e02 = np.uint64(h0 == h2)
    e03 = np.uint64(h0 == h3)
    e12 = np.uint64(h1 == h2)
    e13 = np.uint64(h1 == h3)
    e23 = np.uint64(h2 == h3)
    return U1 + e01 + e02 + e03, U1 + e01 + e12 + e13, U1 + e02 + e12 + e23, U1 + e03 + e13 + e23


@njit(**NJIT)
def fast_run(work, w, rng, max_moves, color, ko, passes, moves):
    """Play a random playout on ``work`` until two consecutive passes or ``max_moves`` moves.

    Each move: a uniformly random legal point of the mover that is not the ko point and not an
    own true eye, by a partial Fisher-Yates pass over the empty list (draw an empty point; if it
    is rejected, swap it behind the live part of the list and draw again); pass if none is left.
    A candidate with an empty neighbour is legal at once (one load of ``F_NBR``; the ko point is
    never one, so it is compared with crowded candidates only, +1.4-1.7 %). A crowded one
    is sorted by its neighbour counts: all neighbours own or wall (an own true eye is rejected by
    the diagonal test before any chain is looked at; else it is legal if some own chain keeps
    another liberty), all enemy or wall (legal only if it captures), or mixed (the general test).
    This split, which loads only what each case needs, gained 7-10 % over one general test.
    The common path (candidate tests, placement, joining one friendly chain) is written out in
    this one loop, which is why it is long: a call that passes arrays costs Numba atomic
    reference-count updates on every move, so only the rarer paths (merging two chains,
    captures) are helper calls.

    Args:
        work: a block filled by ``fast_from_board``; holds the final position afterwards.
        w: its row stride (uint64).
        rng: ``uint64[1]`` xorshift64* state, advanced (same stream as ``rng_next``).
        max_moves: cap on moves played, passes included.
        color: side to move (BLACK/WHITE).
        ko: simple-ko point the side to move may not take, 0 if none.
        passes: consecutive passes before the playout starts.
        moves: the first ``len(moves)`` moves played are written here (loc, 0 = pass).

    Returns:
        The number of moves played, passes included.
    """
    col, head, nxt, libs = work[F_COLOR], work[F_HEAD], work[F_NEXT], work[F_LIBS]
    size, nbr, emp, sc = work[F_SIZE], work[F_NBR], work[F_EMPTIES], work[F_SCAL]
    c = np.uint64(color)
    ko_loc = np.uint64(ko)
    state = rng[0]
    dummy = np.uint64(work.shape[1] - 1)
    nrec = moves.shape[0]
    m = 0
    while m < max_moves and passes < 2:
        opp = U3 - c
        oshift = opp * U8
        cshift = c * U8
        # --- pick: partial Fisher-Yates over the empty list
        loc = U0
        x = U0
        pick = U0
        live = sc[0]
        while live != U0:
            state ^= state >> np.uint64(12)
            state ^= state << np.uint64(25)
            state ^= state >> np.uint64(27)
            i = (((state * _MULT) >> np.uint64(32)) * live) >> np.uint64(32)
            cand = emp[i]
            x = nbr[cand]
            if (x & FIELD) != U0:
                # legal at once; never the ko point, which has no empty neighbour (the stone
                # captured there had none), so the ko test waits for crowded points
                loc = cand
                pick = i
                break
            if cand != ko_loc:
                # crowded point: no empty neighbour; reject an own true eye, then suicide
                n0, n1, n2, n3 = cand - w, cand - U1, cand + U1, cand + w
                if ((x >> oshift) & FIELD) == U0:
                    # every neighbour own or wall: a true eye is rejected; otherwise legal unless
                    # every own neighbour chain has cand as its only liberty (no capture possible)
                    g0, g1, g2, g3 = col[cand - w - U1], col[cand - w + U1], col[cand + w - U1], col[cand + w + U1]
                    bad = np.uint64(g0 == opp) + np.uint64(g1 == opp) + np.uint64(g2 == opp) + np.uint64(g3 == opp)
                    edge = (g0 == WALL_U) | (g1 == WALL_U) | (g2 == WALL_U) | (g3 == WALL_U)
                    if (bad > U1) | ((bad == U1) & edge):
                        h0, h1, h2, h3 = head[n0], head[n1], head[n2], head[n3]
                        k0, k1, k2, k3 = _stones_next_to(h0, h1, h2, h3)
                        if (
                            ((h0 != dummy) & (libs[h0] > k0))
                            | ((h1 != dummy) & (libs[h1] > k1))
                            | ((h2 != dummy) & (libs[h2] > k2))
                            | ((h3 != dummy) & (libs[h3] > k3))
                        ):
                            loc = cand
                            pick = i
                            break
                elif ((x >> cshift) & FIELD) == U0:
                    # every neighbour enemy or wall: legal only if it captures (the dummy head of a
                    # wall has far more liberties than any k)
                    h0, h1, h2, h3 = head[n0], head[n1], head[n2], head[n3]
                    k0, k1, k2, k3 = _stones_next_to(h0, h1, h2, h3)
                    if (libs[h0] == k0) | (libs[h1] == k1) | (libs[h2] == k2) | (libs[h3] == k3):
                        loc = cand
                        pick = i
                        break
                else:
                    h0, h1, h2, h3 = head[n0], head[n1], head[n2], head[n3]
                    k0, k1, k2, k3 = _stones_next_to(h0, h1, h2, h3)
                    ok = False
                    for nb, h, k in ((n0, h0, k0), (n1, h1, k1), (n2, h2, k2), (n3, h3, k3)):
                        cn = col[nb]
                        # pairs (stone of h, cand): libs[h] equals k iff cand is h's only liberty
                        ok |= ((cn == c) & (libs[h] > k)) | ((cn == opp) & (libs[h] == k))
                    if ok:
                        loc = cand
                        pick = i
                        break
            live -= U1
            emp[i] = emp[live]
            emp[live] = cand
        if loc == U0:
            passes += 1
            ko_loc = U0
        else:
            # --- place the stone; every neighbour (the dummy head for empty/wall) loses a liberty
            ne = sc[0] - U1
            emp[pick] = emp[ne]
            sc[0] = ne
            col[loc] = c
            sc[c] += U1
            d = NBR_PLACE[c]
            n0, n1, n2, n3 = loc - w, loc - U1, loc + U1, loc + w
            nbr[n0] += d
            nbr[n1] += d
            nbr[n2] += d
            nbr[n3] += d
            libs[head[n0]] -= U1
            libs[head[n1]] -= U1
            libs[head[n2]] -= U1
            libs[head[n3]] -= U1
            head[loc] = loc
            nxt[loc] = loc
            size[loc] = U1
            libs[loc] = x & FIELD
            # --- join friendly neighbours (the lone new stone is spliced in directly)
            if (x >> (c * U8)) & FIELD:
                for nb in (n0, n1, n2, n3):
                    if col[nb] == c:
                        h = head[nb]
                        hl = head[loc]
                        if hl == loc:
                            head[loc] = h
                            nxt[loc] = nxt[h]
                            nxt[h] = loc
                            size[h] += U1
                            libs[h] += libs[loc]
                        elif h != hl:
                            if size[h] >= size[hl]:
                                _merge(work, h, hl)
                            else:
                                _merge(work, hl, h)
            # --- capture enemy neighbours left without liberties; simple ko
            ko_loc = U0
            # one branch on all four tests (without short-circuits): the per-neighbour branches
            # of the loop below mispredicted on most moves (+8-9 % measured)
            if (
                ((col[n0] == opp) & (libs[head[n0]] == U0))
                | ((col[n1] == opp) & (libs[head[n1]] == U0))
                | ((col[n2] == opp) & (libs[head[n2]] == U0))
                | ((col[n3] == opp) & (libs[head[n3]] == U0))
            ):
                captured = U0
                last_cap = U0
                for nb in (n0, n1, n2, n3):
                    if col[nb] == opp and libs[head[nb]] == U0:
                        captured += _remove(work, w, head[nb])
                        last_cap = nb
                hl = head[loc]
                if captured == U1 and size[hl] == U1 and libs[hl] == U1:
                    ko_loc = last_cap
            passes = 0
        if m < nrec:
            moves[m] = loc
        m += 1
        c = opp
    rng[0] = state
    return m


def make_playout_work(size: int) -> np.ndarray:
    """Preallocated scratch for ``playout_score`` on a ``size x size`` board (see the module docstring)."""
    return np.zeros((F_ROWS, (size + 2) * (size + 1) + 2), np.uint64)


@njit(**NJIT)
def _playout(pts, scal, rng, max_moves, work, moves):
    """Copy the position into ``work``, play it out, return ``(score, moves played)``."""
    w = fast_from_board(pts, scal, work)
    length = fast_run(work, w, rng, max_moves, scal[TO_PLAY], scal[KO], scal[PASSES], moves)
    return fast_score(work, w), length


@njit(**NJIT)
def playout_score(pts, scal, zob, rng, max_moves, work):
    """Area score (black minus white, no komi) at the end of one random playout from ``pts``/``scal``.

    Args:
        pts: full-board point block (``_kernels``); not modified.
        scal: full-board scalars; not modified.
        zob: Zobrist table (unused: playouts keep no hash; kept for a uniform kernel signature).
        rng: ``uint64[1]`` xorshift state, advanced.
        max_moves: cap on moves played, passes included (3 * n * n is the usual choice).
        work: scratch from ``make_playout_work(n)``; overwritten.

    Returns:
        The int64 score.
    """
    score, _ = _playout(pts, scal, rng, max_moves, work, work[F_COLOR, 0:0])
    return score


@njit(**NJIT)
def playout_batch(pts, scal, zob, rng, count, max_moves, scores, lengths):
    """Run ``count`` playouts from the same position; write area scores (no komi) and lengths.

    Each playout converts the full board again (as ``playout_score`` does). ``pts``/``scal`` are
    not modified.
    """
    work = new_playout_work(scal[SIZE])
    for g in range(count):
        scores[g], lengths[g] = _playout(pts, scal, rng, max_moves, work, work[F_COLOR, 0:0])


@njit(**NJIT)
def playout_debug(pts, scal, zob, rng, max_moves, work, moves):
    """``playout_score`` that also records the moves and leaves the final position in ``work``.

    ``moves[i]`` receives the loc of the i-th move (0 = pass) for the first ``len(moves)`` moves;
    ``work[F_COLOR]`` holds the final colours per loc. Returns ``(score, moves played)``. Consumes
    the same random numbers as ``playout_score``, so both agree for the same ``rng`` state.
    """
    return _playout(pts, scal, rng, max_moves, work, moves)


@njit(**NJIT)
def pick_move(pts, scal, rng, avoid_self_atari):
    """On the full board: a uniformly random legal point of the side to move, or 0 if none.

    The point does not fill an own true eye, and with ``avoid_self_atari`` it puts no chain of two
    or more stones into atari. Partial Fisher-Yates over the empty list: draw a point; if it is
    rejected (or retakes the ko, or is suicide), swap it behind the live part of the list and draw
    again. Reorders the empty list of ``pts`` (its content is unchanged). Ignores superko.
    """
    w = scal[SIZE] + 1
    st = pts[STONES]
    color = scal[TO_PLAY]
    ko = scal[KO]
    k = scal[NEMPTY]
    while k > 0:
        i = rng_below(rng, k)
        loc = pts[EMPTIES, i]
        if (
            loc != ko
            and not is_true_eye(st, w, loc, color)
            and not is_suicide(pts, scal, loc, color)
            and not (avoid_self_atari and big_self_atari(pts, scal, loc, color, w))
        ):
            return loc
        k -= 1
        other = pts[EMPTIES, k]
        pts[EMPTIES, i] = other
        pts[EPOS, other] = i
        pts[EMPTIES, k] = loc
        pts[EPOS, loc] = k
    return 0


@njit(**NJIT)
def pick_random_move(pts, scal, rng):
    """``pick_move`` that allows self-ataris: a random legal non-eye-filling point, or 0 if none."""
    return pick_move(pts, scal, rng, False)
