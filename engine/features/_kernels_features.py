"""Numba kernels of the AlphaGo Lee input features (48 policy planes, 49 value planes) and ladders.

Planes (Silver et al. 2016, Extended Data Table 2), seen from ``color`` ("own" = ``color``):

=========  ======  ===========================================================================
planes     index   content
=========  ======  ===========================================================================
3          0-2     own stone / opponent stone / empty
1          3       ones
8          4-11    turns since a stone was played: 1, 2, ..., 7, >= 8 (setup stones: >= 8)
8          12-19   liberties of the chain of a stone: 1, ..., 7, >= 8
8          20-27   capture size of a legal move: 0, 1, ..., 6, >= 7 opponent stones
8          28-35   self-atari size: a legal move that leaves its chain with one liberty, by the
                   chain's stones after the move: 1, ..., 7, >= 8
8          36-43   liberties after move of the chain a legal move forms: 1, ..., 7, >= 8
1          44      ladder capture: the move ataris an opponent chain that cannot escape a ladder
1          45      ladder escape: the move takes an own chain out of atari and it then survives
                   the ladder
1          46      sensibleness: legal and does not fill an own true eye (``is_true_eye``)
1          47      zeros
1          48      (value net only) ones when ``color`` is black
=========  ======  ===========================================================================

"Legal" here is the simple rule used by the features: empty, not suicide (even where the game
allows suicide), and not the ko point when ``color`` is the side to move. Positional superko is
not looked at (that needs the game's hash history, which the batch does not carry).

Ladder reader: ``ladder_read`` is a depth-first search of atari chases. At a defender node the
prey (in atari) may extend on its liberty or capture an adjacent attacker chain in atari; it has
escaped once it has three or more liberties. At an attacker node the prey has two liberties and
the attacker tries an atari on each. The prey is caught when no defender move leaves it with two
liberties that survive the next attack. The read is bounded by ``budget`` nodes and by the depth
of the ``stack`` of saved positions; when either runs out the ladder counts as failed (the prey
escapes), the conservative answer. Each node saves the position in ``stack[depth]`` and restores
it after each tried move (no undo log needed). Search positions use simple ko and no suicide.

All kernels work on copies: the caller's ``pts``/``scal`` are never modified.
"""

import numpy as np
from numba import njit

from engine._jit import NJIT
from engine._kernels import (
    BLACK,
    EMPTY,
    GSIZE,
    HEAD,
    LIBS,
    MARK,
    MOVE_NUM,
    NEXT,
    NROWS,
    NSCAL,
    PLAYED,
    SIZE,
    STONES,
    TO_PLAY,
    WALL,
    chain_liberty,
    chain_rows,
    is_true_eye,
    loc_of,
    mark_libs,
    mark_point_libs,
    next_stamp,
    play_unsafe,
    simple_legal,
)

N_POLICY_PLANES = 48
N_VALUE_PLANES = 49
DEFAULT_LADDER_BUDGET = 1000
"""nodes one ladder read may visit before it gives up (and says "no ladder")"""

(
    P_OWN,
    P_OPP,
    P_EMPTY,
    P_ONES,
    P_TURNS,
    P_LIBS,
    P_CAPTURE,
    P_SELF_ATARI,
    P_LIBS_AFTER,
    P_LADDER_CAPTURE,
    P_LADDER_ESCAPE,
    P_SENSIBLE,
    P_ZEROS,
    P_PLAYER,
) = (0, 1, 2, 3, 4, 12, 20, 28, 36, 44, 45, 46, 47, 48)


def make_ladder_stack(size: int) -> tuple[np.ndarray, np.ndarray]:
    """``(stack_pts, stack_scal)``: saved positions of a ladder read for one board size (depth ``4 * size + 16``)."""
    area = (size + 2) * (size + 1) + 1
    return np.zeros((4 * size + 16, NROWS, area), np.int64), np.zeros((4 * size + 16, NSCAL), np.int64)


@njit(**NJIT)
def chain_liberties(pts, scal, head, out):
    """Write up to ``len(out)`` distinct liberties of chain ``head`` into ``out``; return how many."""
    w = scal[SIZE] + 1
    st = pts[STONES]
    mk = pts[MARK]
    stamp = next_stamp(pts, scal)
    k = 0
    s = head
    for _ in range(pts[GSIZE, head]):
        if k == out.shape[0]:
            break
        for nb in (s - w, s - 1, s + 1, s + w):
            if st[nb] == EMPTY and mk[nb] != stamp and k < out.shape[0]:
                mk[nb] = stamp
                out[k] = nb
                k += 1
        s = pts[NEXT, s]
    return k


@njit(**NJIT)
def _save(pts, scal, stack_pts, stack_scal, depth):
    stack_pts[depth, :, :] = pts
    stack_scal[depth, :] = scal


@njit(**NJIT)
def _restore(pts, scal, stack_pts, stack_scal, depth):
    pts[:, :] = stack_pts[depth]
    scal[:] = stack_scal[depth]


@njit(**NJIT)
def _play(pts, scal, zob, loc, color):
    hist = np.empty(0, np.int64)
    play_unsafe(pts, scal, zob, hist, loc, color)


@njit(**NJIT)
def _node_moves(pts, scal, prey, attack, cand):
    """Candidate moves of a ladder node into ``cand``; returns how many.

    Attacker node: the prey's two liberties. Defender node: its liberty, then the liberty of each
    attacker chain in atari that touches the prey (capturing it).
    """
    w, st, hd, lb = chain_rows(pts, scal)
    if attack:
        return chain_liberties(pts, scal, hd[prey], cand[:2])
    nc = chain_liberties(pts, scal, hd[prey], cand[:1])
    attacker = 3 - st[prey]
    s = hd[prey]
    for _ in range(pts[GSIZE, s]):  # every stone of the prey (GSIZE: the chain's size, kept at its head)
        for nb in (s - w, s - 1, s + 1, s + w):
            if st[nb] == attacker and lb[hd[nb]] == 1 and nc < cand.shape[0]:
                lib = chain_liberty(pts, w, hd[nb])
                if lib not in cand[:nc]:
                    cand[nc] = lib
                    nc += 1
        s = pts[NEXT, s]
    return nc


@njit(**NJIT)
def ladder_read(pts, scal, zob, prey, attacker_moves, stack_pts, stack_scal, depth, budget):
    """Whether the chain at stone ``prey`` is caught in a ladder (iterative depth-first search).

    Args:
        pts: board block (restored before returning).
        scal: scalars (restored before returning).
        zob: Zobrist table of the size (hashes are kept consistent, not used).
        prey: loc of one stone of the chased chain.
        attacker_moves: True at an attacker node (prey has two liberties, attacker to move);
            False at a defender node (prey in atari, its owner to move).
        stack_pts: ``int64[D, NROWS, A]`` saved positions (from ``make_ladder_stack``).
        stack_scal: ``int64[D, NSCAL]``.
        depth: first free index of the stack (levels ``depth..D-1`` are used).
        budget: ``int64[1+]``: ``budget[0]`` nodes left, decremented; at 0 the read gives up and
            the prey counts as escaped.

    Returns:
        True if the attacker captures the prey whatever it does.
    """
    st = pts[STONES]
    hd = pts[HEAD]
    lb = pts[LIBS]
    defender = st[prey]
    top = stack_pts.shape[0]
    libs0 = lb[hd[prey]]
    if attacker_moves and libs0 != 2:
        return libs0 < 2
    if not attacker_moves and libs0 != 1:
        return False
    if budget[0] <= 0 or depth >= top:
        return False
    span = top - depth
    cand = np.empty((span, 16), np.int64)
    ncand = np.zeros(span, np.int64)
    nxt = np.zeros(span, np.int64)
    attack = np.zeros(span, np.bool_)
    # open the root node
    budget[0] -= 1
    d = 0
    attack[0] = attacker_moves
    ncand[0] = _node_moves(pts, scal, prey, attacker_moves, cand[0])
    _save(pts, scal, stack_pts, stack_scal, depth)
    while True:
        value = attack[d]  # a node whose moves are all tried: attacker failed / defender caught
        decided = False
        while nxt[d] < ncand[d]:
            loc = cand[d, nxt[d]]
            nxt[d] += 1
            mover = 3 - defender if attack[d] else defender
            if not simple_legal(pts, scal, loc, mover):
                continue
            _play(pts, scal, zob, loc, mover)
            left = lb[hd[prey]] if st[prey] == defender else 0
            child = -1  # -1: open a child node; else the child's value (1 caught, 0 escaped)
            if attack[d]:
                if left != 1:
                    child = 0
            elif left >= 3:
                child = 0
            elif left <= 1:
                child = 1
            if child == -1 and (budget[0] <= 0 or depth + d + 1 >= top):
                child = 0
            if child == -1:
                budget[0] -= 1
                d += 1
                attack[d] = not attack[d - 1]
                ncand[d] = _node_moves(pts, scal, prey, attack[d], cand[d])
                nxt[d] = 0
                _save(pts, scal, stack_pts, stack_scal, depth + d)
                value = attack[d]
                continue
            _restore(pts, scal, stack_pts, stack_scal, depth + d)
            if attack[d] and child == 1:
                value = True
                decided = True
                break
            if not attack[d] and child == 0:
                value = False
                decided = True
                break
        if not decided:
            value = not attack[d]
        # close node d with ``value``; hand it to the parent as a child value
        while True:
            if d == 0:
                _restore(pts, scal, stack_pts, stack_scal, depth)
                return value
            d -= 1
            _restore(pts, scal, stack_pts, stack_scal, depth + d)
            if attack[d] == value:  # attacker found a capture / defender found an escape
                continue
            break


@njit(**NJIT)
def _move_effect(pts, scal, loc, color, res):
    """Effect of ``color`` playing at empty ``loc``, without playing it.

    Writes ``res[0]`` = opponent stones captured, ``res[1]`` = liberties of the resulting chain,
    ``res[2]`` = stones of the resulting chain.
    """
    w, st, hd, lb = chain_rows(pts, scal)
    mk = pts[MARK]
    opp = 3 - color
    caps = np.full(4, -1, np.int64)
    owns = np.full(4, -1, np.int64)
    ncap = 0
    nown = 0
    captured = 0
    size = 1
    for nb in (loc - w, loc - 1, loc + 1, loc + w):
        c = st[nb]
        if c == opp or c == color:
            h = hd[nb]
            if h == caps[0] or h == caps[1] or h == caps[2] or h == owns[0] or h == owns[1] or h == owns[2]:
                continue
            if c == opp:
                if lb[h] == 1:
                    caps[ncap] = h
                    ncap += 1
                    captured += pts[GSIZE, h]
            else:
                owns[nown] = h
                nown += 1
                size += pts[GSIZE, h]
    stamp = next_stamp(pts, scal)
    libs = mark_point_libs(pts, w, loc, stamp)
    for i in range(nown):
        libs = mark_libs(pts, w, owns[i], stamp, libs, 1 << 62)
    for i in range(ncap):
        h = caps[i]
        s = h
        while True:
            if mk[s] != stamp:
                touches = False
                for nb in (s - w, s - 1, s + 1, s + w):
                    if nb == loc:
                        touches = True
                    elif st[nb] == color:
                        g = hd[nb]
                        if g == owns[0] or g == owns[1] or g == owns[2] or g == owns[3]:
                            touches = True
                if touches:
                    mk[s] = stamp
                    libs += 1
            s = pts[NEXT, s]
            if s == h:
                break
    res[0] = captured
    res[1] = libs
    res[2] = size


@njit(**NJIT)
def _ladder_capture_move(pts, scal, zob, loc, color, stack_pts, stack_scal, budget):
    """True if ``color`` at ``loc`` ataris an opponent chain that a ladder then captures."""
    w, st, hd, lb = chain_rows(pts, scal)
    opp = 3 - color
    any2 = False
    for nb in (loc - w, loc - 1, loc + 1, loc + w):
        if st[nb] == opp and lb[hd[nb]] == 2:
            any2 = True
    if not any2:
        return False
    _save(pts, scal, stack_pts, stack_scal, 0)
    _play(pts, scal, zob, loc, color)
    found = False
    for nb in (loc - w, loc - 1, loc + 1, loc + w):
        if not found and st[nb] == opp and lb[hd[nb]] == 1:
            budget[0] = budget[1]
            found = ladder_read(pts, scal, zob, nb, False, stack_pts, stack_scal, 1, budget)
    _restore(pts, scal, stack_pts, stack_scal, 0)
    return found


@njit(**NJIT)
def _ladder_escape_move(pts, scal, zob, loc, color, ataris, nat, stack_pts, stack_scal, budget):
    """True if ``color`` at ``loc`` brings an own chain of ``ataris`` out of atari for good."""
    _save(pts, scal, stack_pts, stack_scal, 0)
    _play(pts, scal, zob, loc, color)
    st = pts[STONES]
    hd = pts[HEAD]
    lb = pts[LIBS]
    found = False
    for i in range(nat):
        s = ataris[i]
        if found or st[s] != color:
            continue
        left = lb[hd[s]]
        if left >= 3:
            found = True
        elif left == 2:
            budget[0] = budget[1]
            found = not ladder_read(pts, scal, zob, s, True, stack_pts, stack_scal, 1, budget)
    _restore(pts, scal, stack_pts, stack_scal, 0)
    return found


@njit(**NJIT)
def _near_atari(pts, w, loc, color, ataris, nat):
    """True if ``loc`` touches an own chain in atari or captures an opponent chain touching one."""
    st = pts[STONES]
    hd = pts[HEAD]
    lb = pts[LIBS]
    for nb in (loc - w, loc - 1, loc + 1, loc + w):
        c = st[nb]
        if c == color and lb[hd[nb]] == 1:
            return True
        if c == 3 - color and lb[hd[nb]] == 1:
            h = hd[nb]
            s = h
            while True:
                for nb2 in (s - w, s - 1, s + 1, s + w):
                    if st[nb2] == color and lb[hd[nb2]] == 1:
                        return True
                s = pts[NEXT, s]
                if s == h:
                    break
    return False


@njit(**NJIT)
def encode_position(pts, scal, zob, color, out, stack_pts, stack_scal, budget):
    """Fill ``out`` (``float32[48 or 49, n, n]``) with the AlphaGo Lee planes of one position.

    Args:
        pts: board block, used as scratch (pass a copy: MARK, STAMP and transient moves change it).
        scal: scalars, used as scratch likewise.
        zob: Zobrist table of the size.
        color: BLACK or WHITE, whose view the planes take.
        out: the planes; a 49th plane, if present, is the player-colour plane.
        stack_pts: ladder stack from ``make_ladder_stack``.
        stack_scal: its scalars part.
        budget: ``int64[2]``: ``budget[1]`` is the node budget of one ladder read.
    """
    n = scal[SIZE]
    w = n + 1
    st = pts[STONES]
    hd = pts[HEAD]
    lb = pts[LIBS]
    out[:, :, :] = 0.0
    out[P_ONES] = 1.0
    if out.shape[0] > P_PLAYER and color == BLACK:
        out[P_PLAYER] = 1.0
    ataris = np.empty(n * n, np.int64)
    nat = 0
    for r in range(n):
        for c in range(n):
            loc = loc_of(r, c, w)
            if st[loc] == color and hd[loc] == loc and lb[loc] == 1:
                ataris[nat] = loc
                nat += 1
    res = np.empty(3, np.int64)
    move_num = scal[MOVE_NUM]
    for r in range(n):
        for c in range(n):
            loc = loc_of(r, c, w)
            s = st[loc]
            if s != EMPTY:
                out[P_OWN if s == color else P_OPP, r, c] = 1.0
                played = pts[PLAYED, loc]
                age = 8 if played <= 0 else min(move_num - played + 1, 8)
                out[P_TURNS + max(age, 1) - 1, r, c] = 1.0
                out[P_LIBS + min(lb[hd[loc]], 8) - 1, r, c] = 1.0
                continue
            out[P_EMPTY, r, c] = 1.0
            if not simple_legal(pts, scal, loc, color):
                continue
            _move_effect(pts, scal, loc, color, res)
            out[P_CAPTURE + min(res[0], 7), r, c] = 1.0
            if res[1] >= 1:
                out[P_LIBS_AFTER + min(res[1], 8) - 1, r, c] = 1.0
            if res[1] == 1:
                out[P_SELF_ATARI + min(res[2], 8) - 1, r, c] = 1.0
            if not is_true_eye(st, w, loc, color):
                out[P_SENSIBLE, r, c] = 1.0
            if _ladder_capture_move(pts, scal, zob, loc, color, stack_pts, stack_scal, budget):
                out[P_LADDER_CAPTURE, r, c] = 1.0
            if nat > 0 and _near_atari(pts, w, loc, color, ataris, nat):
                if _ladder_escape_move(pts, scal, zob, loc, color, ataris, nat, stack_pts, stack_scal, budget):
                    out[P_LADDER_ESCAPE, r, c] = 1.0


@njit(**NJIT)
def encode_batch(pts_b, scal_b, zob, colors, out, ladder_budget):
    """AlphaGo Lee planes of a batch of positions of one board size.

    Args:
        pts_b: ``int64[B, NROWS, A]`` board blocks (not modified).
        scal_b: ``int64[B, NSCAL]`` scalars (not modified).
        zob: Zobrist table of the size.
        colors: ``int64[B]`` view per position (BLACK/WHITE; 0 = the side to move).
        out: ``float32[B, 48 or 49, n, n]``, filled.
        ladder_budget: nodes per ladder read.
    """
    n = scal_b[0, SIZE] if scal_b.shape[0] > 0 else 1
    stack_pts = np.zeros((4 * n + 16, pts_b.shape[1], pts_b.shape[2]), np.int64)
    stack_scal = np.zeros((4 * n + 16, scal_b.shape[1]), np.int64)
    budget = np.empty(2, np.int64)
    budget[1] = ladder_budget
    pts = np.empty_like(pts_b[0])
    scal = np.empty_like(scal_b[0])
    for b in range(pts_b.shape[0]):
        pts[:, :] = pts_b[b]
        scal[:] = scal_b[b]
        color = colors[b] if colors[b] != 0 else scal[TO_PLAY]
        encode_position(pts, scal, zob, color, out[b], stack_pts, stack_scal, budget)


@njit(**NJIT)
def _ladder_scratch(pts_in, scal_in, ladder_budget):
    """Copies of the board, a ladder stack for its size and a full budget: one ladder query's scratch."""
    n = scal_in[SIZE]
    stack_pts = np.zeros((4 * n + 16, pts_in.shape[0], pts_in.shape[1]), np.int64)
    stack_scal = np.zeros((4 * n + 16, scal_in.shape[0]), np.int64)
    budget = np.array([ladder_budget, ladder_budget], np.int64)
    return pts_in.copy(), scal_in.copy(), stack_pts, stack_scal, budget


@njit(**NJIT)
def is_ladder_capture(pts_in, scal_in, zob, loc, color, ladder_budget):
    """True if ``color`` at ``loc`` is a successful ladder capture (board not modified)."""
    pts, scal, stack_pts, stack_scal, budget = _ladder_scratch(pts_in, scal_in, ladder_budget)
    if not simple_legal(pts, scal, loc, color):
        return False
    return _ladder_capture_move(pts, scal, zob, loc, color, stack_pts, stack_scal, budget)


@njit(**NJIT)
def is_ladder_captured(pts_in, scal_in, zob, prey, attacker_to_move, ladder_budget):
    """True if the chain at ``prey`` is lost to a ladder (board not modified).

    ``attacker_to_move``: the prey has two liberties and the attacker moves; else the prey is in
    atari and its owner moves.
    """
    pts, scal, stack_pts, stack_scal, budget = _ladder_scratch(pts_in, scal_in, ladder_budget)
    if pts[STONES, prey] == EMPTY or pts[STONES, prey] == WALL:
        return False
    return ladder_read(pts, scal, zob, prey, attacker_to_move, stack_pts, stack_scal, 0, budget)
