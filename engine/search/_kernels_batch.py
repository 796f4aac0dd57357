"""Numba kernels of the many-game self-play search: ``K`` games' boards and trees in one arena.

Vocabulary: a *game slot* ``g`` (0..K-1) holds one game in progress; a *group* is a range of
slots ``[g0, g1)`` stepped together; a *step* of a group is ``select_leaves`` (one leaf, or ``L``
under virtual loss, per game, their agz17 planes written into the group's batch buffer), one
evaluator call by the caller, then ``finish_step`` (expand, back up, and advance every game whose
search is complete: sample row, resignation, move choice, tree reuse, game end). A *slot* ``k``
of the batch buffer is one leaf waiting for the network.

The arena (``arena`` tuple, everything over the game slot first):

* root boards: ``bpts int64[K, NROWS, A]``, ``bscal int64[K, NSCAL]``, ``bhist int64[K, H]`` in
  the layout of ``engine/_kernels.py``, and ``rstones int8[K, 8, n*n]``: a ring of the stones of
  the root position and the 7 before it (``gs[g, GS_RHEAD]`` is the current one), for agz17;
* trees: ``nodes int32[K, M, NODE_COLS]`` (``N_FIRST`` first edge or -1, ``N_NCH``, ``N_NVIS``,
  ``N_VLOSS``, ``N_TERM``; ``N_KIDS`` the first child node and ``N_SIB`` the next sibling, in the
  order of their edges (kept up on boards of more than ``SCAN_MAX`` actions); ``N_EDGE`` the
  edge into the node; ``N_BESTU`` the cached unvisited edge of highest prior, see
  ``best_unvisited``), ``nodew float64[K, M]`` (W from the view of the player who moved into the
  node), ``ef float32[K, E, EDGE_COLS]`` (``E_PRIOR``, ``E_N``, ``E_W``,
  ``E_VL``, ``E_Q``, ``E_U``: the child's statistics kept on the edge, ``E_G``: a root edge's
  Gumbel score, one contiguous record per edge), ``ei int32[K, E, 2]`` (``E_CHILD`` or -1,
  ``E_ACT``), ``tinfo int64[K, 2]`` (nodes, edges used) and, last in the arena, ``eprior
  float32[K, E]`` (every edge's prior). An ``ef`` record is kept for the root's edges and for the
  edges with a child only: a deeper node's expansion writes its priors and actions alone, and an
  edge's record is filled when its child is made (``_new_node``), so an expansion touches a third
  of the memory. The root is always node 0: tree reuse copies the chosen subtree into a spare
  tree breadth first and back;
* ``gs int64[K, NGS]``: per-game state (``GS_*`` below); ``rng uint64[K]``: each game's
  generator (splitmix64), so a game's course depends on its seed and its evaluations only;
* records: ``moves int16[K, max_moves]``; sample rows ``svis uint16[K, R, n*n+1]`` (root visit
  counts of a full search), ``smove int16[K, R]`` (the move number it was taken at) and, last in
  the arena, ``sq float32[K, R]`` (the search's root value, the mean value of the root's children
  from the view of the player to move: the *q* of a value target that mixes it with ``z``); planes
  are rebuilt from the moves at the game's end (``game_planes``), ``z`` from the result.

Selection and backup follow ``engine/search/_kernels_mcts.py`` formula for formula and in the
same floating-point order (PUCT with FPU, optional AlphaZero schedule, virtual loss as in
``_select_edge_vl``), so that one game without noise and virtual loss visits exactly what
``MCTS`` visits. Legality below the root is simple ko unless ``ip[IP_SUPERKO_TREE]`` (then
positional superko on the path as in ``MCTS``); root moves always follow the board's rules.
With ``ip[IP_GUMBEL]`` the root edge is Gumbel AlphaZero's (``engine/search/_kernels_gumbel.py``:
sequential halving over the Gumbel-top-m actions), PUCT below it.
"""

import numpy as np
from numba import njit

from engine._jit import NJIT
from engine._kernels import (
    ALLOW_SUICIDE,
    EMPTY,
    HEAD,
    KO,
    LIBS,
    PASSES,
    SIZE,
    STAMP,
    STONES,
    TO_PLAY,
    area_score,
    fill_legal_mask,
)
from engine.search._kernels_forced import forced_pick
from engine.search._kernels_gumbel import considered_visit, root_pick, sigma_completed
from engine.search._kernels_mcts import load_root, outcome_value, play_action
from engine.search._kernels_planes import color_plane, planes_from_board, planes_from_ring

N_FIRST, N_NCH, N_NVIS, N_VLOSS, N_TERM, N_KIDS, N_SIB, N_EDGE, N_BESTU = range(9)
NODE_COLS = 9
SCAN_MAX = 128
"""boards of at most this many actions select by a scan of the edges (``select_edge``)"""
BESTU_STALE = -2
"""``N_BESTU``: >= 0 the first unvisited edge of highest prior, -1 none left, ``BESTU_STALE`` unknown
(a full scan finds it), ``<= -3`` the edge ``-3 - N_BESTU`` of the cached one was just visited (the
next one of the same prior, if any, lies after it)"""
E_PRIOR, E_N, E_W, E_VL, E_Q, E_U, E_G = range(7)
EDGE_COLS = 7
E_CHILD, E_ACT = range(2)
T_NODES, T_EDGES = range(2)
A_ZOBRIST = 14
"""the arena's Zobrist table (the one array not per game)"""
A_SQ = 16
"""the arena's sample root values ``sq``"""

(
    GS_STATUS,
    GS_SIMS,
    GS_BUDGET,
    GS_PENDING,
    GS_FULL,
    GS_NOISE,
    GS_RESIGN_ON,
    GS_WOULD_RESIGN,
    GS_RESIGNED,
    GS_NMOVES,
    GS_NSAMPLES,
    GS_RHEAD,
    GS_TOTAL_SIMS,
    GS_LEAVES,
    GS_WINNER,
    GS_ID,
    GS_KOMI2,
) = range(17)
NGS = 17
IDLE, PLAYING, FINISHED = 0, 1, 2

(
    FP_CPUCT,
    FP_SCHEDULE,
    FP_CBASE,
    FP_CINIT,
    FP_FPU,
    FP_VLOSS,
    FP_KOMI,  # the config's komi; the kernels read each game's own (``GS_KOMI2``)
    FP_ALPHA,
    FP_EPS,
    FP_TEMP,
    FP_RESIGN,
    FP_RESIGN_OFF,
    FP_FULL_PROB,
    FP_CVISIT,
    FP_CSCALE,
    FP_FORCED_K,
) = range(16)
NFP = 16
(
    IP_FULL,
    IP_FAST,
    IP_CAP,
    IP_TEMP_MOVES,
    IP_RESIGN_MIN,
    IP_MAX_MOVES,
    IP_LEAVES,
    IP_SUPERKO_TREE,
    IP_MAX_DEPTH,
    IP_REUSE,
    IP_SIZE,
    IP_SUICIDE,
    IP_SUPERKO,
    IP_HOLD,
    IP_GUMBEL,
    IP_GUMBEL_M,
) = range(16)
NIP = 16


# ------------------------------------------------------------------------------ tree
@njit(**NJIT)
def tree_reset(nodes, nodew, tinfo, g):
    """Game ``g``'s tree becomes one unexpanded root (node 0)."""
    for c in range(NODE_COLS):
        nodes[g, 0, c] = 0
    nodes[g, 0, N_FIRST] = -1
    nodes[g, 0, N_KIDS] = -1
    nodes[g, 0, N_SIB] = -1
    nodes[g, 0, N_EDGE] = -1
    nodes[g, 0, N_BESTU] = BESTU_STALE
    nodew[g, 0] = 0.0
    tinfo[g, T_NODES] = 1
    tinfo[g, T_EDGES] = 0


@njit(**NJIT)
def _new_node(nodes, nodew, ef, ep, tinfo, g, term, parent, e, link):
    """A new child of ``parent`` through edge ``e``; with ``link`` linked into its children in edge order.

    Below the root the edge's ``ef`` record starts here.
    """
    if parent != 0:
        _edge_record(ef, ep, g, e)
    i = tinfo[g, T_NODES]
    tinfo[g, T_NODES] = i + 1
    nodes[g, i, N_FIRST] = -1
    nodes[g, i, N_NCH] = 0
    nodes[g, i, N_NVIS] = 0
    nodes[g, i, N_VLOSS] = 0
    nodes[g, i, N_TERM] = term
    nodes[g, i, N_KIDS] = -1
    nodes[g, i, N_EDGE] = e
    nodes[g, i, N_BESTU] = BESTU_STALE
    nodew[g, i] = 0.0
    nodes[g, i, N_SIB] = -1
    if not link:
        return i
    prev, c = -1, nodes[g, parent, N_KIDS]
    while c >= 0 and nodes[g, c, N_EDGE] < e:
        prev, c = c, nodes[g, c, N_SIB]
    nodes[g, i, N_SIB] = c
    if prev < 0:
        nodes[g, parent, N_KIDS] = i
    else:
        nodes[g, prev, N_SIB] = i
    if nodes[g, parent, N_BESTU] == e:
        nodes[g, parent, N_BESTU] = -3 - e
    return i


@njit(**NJIT)
def best_unvisited(nodes, ep, ei, g, node):
    """The first edge of ``node`` without a child and of the highest prior, or -1 (cached in ``N_BESTU``).

    Edges only gain children between expansions and changes of the priors, so the cache stays
    right until its edge gains one; the next is then the first later edge of the same prior, else
    found by a scan of all edges.
    """
    b = nodes[g, node, N_BESTU]
    if b >= -1:
        return b
    first = nodes[g, node, N_FIRST]
    end = first + nodes[g, node, N_NCH]
    if b <= -3:
        e0 = -3 - b
        v = ep[g, e0]
        for e in range(e0 + 1, end):
            if ei[g, e, E_CHILD] < 0 and ep[g, e] == v:
                nodes[g, node, N_BESTU] = e
                return e
    best, best_p = -1, -1.0
    for e in range(first, end):
        if ei[g, e, E_CHILD] < 0:
            p = np.float64(ep[g, e])
            if p > best_p:
                best_p = p
                best = e
    nodes[g, node, N_BESTU] = best
    return best


@njit(**NJIT)
def _edge_record(ef, ep, g, e):
    """The record of an edge not visited yet: its prior, no visits."""
    ef[g, e, E_PRIOR] = ep[g, e]
    ef[g, e, E_N] = 0.0
    ef[g, e, E_W] = 0.0
    ef[g, e, E_VL] = 0.0
    ef[g, e, E_Q] = 0.0
    ef[g, e, E_U] = ep[g, e]
    ef[g, e, E_G] = 0.0


@njit(**NJIT)
def expand(nodes, ef, ei, ep, tinfo, g, node, legal, priors, share):
    """One edge per legal action, priors renormalised over them (``expand_node`` unsorted).

    ``ef`` records are written for the root's edges only (see the module docstring); ``share``
    (``float64[>= n*n+1]``) is a work buffer for the renormalised priors.
    """
    if nodes[g, node, N_FIRST] >= 0:
        return True
    na = legal.shape[0]
    cnt = 0
    total = 0.0
    for a in range(na):
        if legal[a] != 0:
            cnt += 1
            total += max(np.float64(priors[a]), 0.0)
    first = tinfo[g, T_EDGES]
    if cnt == 0 or first + cnt > ei.shape[1]:
        return False
    if total > 0:
        for a in range(na):  # every action at once: the divisions go in vector registers
            share[a] = max(np.float64(priors[a]), 0.0) / total
    else:
        for a in range(na):
            share[a] = 1.0 / cnt
    k = first
    best, best_p = -1, -1.0
    for a in range(na):
        if legal[a] != 0:
            ep[g, k] = share[a]
            if ep[g, k] > best_p:
                best_p = ep[g, k]
                best = k
            ei[g, k, E_CHILD] = -1
            ei[g, k, E_ACT] = a
            k += 1
    if node == 0:
        for e in range(first, k):
            _edge_record(ef, ep, g, e)
    tinfo[g, T_EDGES] = k
    nodes[g, node, N_NCH] = cnt
    nodes[g, node, N_FIRST] = first
    nodes[g, node, N_BESTU] = best
    return True


@njit(**NJIT)
def select_edge(nodes, nodew, ef, ei, ep, g, node, fp, walk):
    """The edge of ``node`` maximising Q + U (``_kernels_mcts.select_edge`` without RAVE/value mix).

    With ``walk`` it walks the node's children (their edges in order) and takes the unvisited edge
    of highest prior from ``best_unvisited``: the scores, sums and ties of a scan of every edge,
    without the scan (big boards); else it scans the edges (small boards, where that is quicker).
    """
    if fp[FP_VLOSS] != 0.0:
        return _select_edge_vl(nodes, nodew, ef, ei, ep, g, node, fp)
    first = nodes[g, node, N_FIRST]
    n_parent = np.int64(nodes[g, node, N_NVIS])
    if fp[FP_SCHEDULE] != 0.0:
        c = np.log((1.0 + n_parent + fp[FP_CBASE]) / fp[FP_CBASE]) + fp[FP_CINIT]
    else:
        c = fp[FP_CPUCT]
    c_sqrt = c * np.sqrt(max(n_parent, 1.0))
    seen_p = 0.0
    best = first
    best_score = -1e300
    best_u = -1
    best_p = -1.0
    if not walk:
        for e in range(first, first + nodes[g, node, N_NCH]):
            child = ei[g, e, E_CHILD] >= 0
            n = ef[g, e, E_N] if child else np.float32(0.0)
            p, in_flight = np.float64(ep[g, e]), child and ef[g, e, E_VL] > 0
            acc = _weigh_edge(ef, g, e, n, p, in_flight, c_sqrt, seen_p, best, best_score, best_u, best_p)
            seen_p, best, best_score, best_u, best_p = acc
        return _take_unvisited(nodew, g, node, fp, n_parent, c_sqrt, seen_p, best, best_score, best_u, best_p)
    ch = nodes[g, node, N_KIDS]
    while ch >= 0:  # an unvisited child is one still in flight (several leaves a step, no virtual loss)
        e = nodes[g, ch, N_EDGE]
        ch = nodes[g, ch, N_SIB]
        p, in_flight = np.float64(ef[g, e, E_PRIOR]), ef[g, e, E_VL] > 0
        acc = _weigh_edge(ef, g, e, ef[g, e, E_N], p, in_flight, c_sqrt, seen_p, best, best_score, best_u, best_p)
        seen_p, best, best_score, best_u, best_p = acc
    e = best_unvisited(nodes, ep, ei, g, node)
    if e >= 0:
        p = np.float64(ep[g, e])
        if p > best_p or (p == best_p and e < best_u):
            best_p = p
            best_u = e
    return _take_unvisited(nodew, g, node, fp, n_parent, c_sqrt, seen_p, best, best_score, best_u, best_p)


@njit(inline="always", **NJIT)
def _weigh_edge(ef, g, e, n, p, in_flight, c_sqrt, seen_p, best, best_score, best_u, best_p):
    """One edge of the scan: a visited edge's score against ``best``, else a candidate unvisited edge.

    Returns the updated ``(seen_p, best, best_score, best_u, best_p)``: ``seen_p`` sums the priors
    of the edges visited or in flight, ``best_u`` is the first unvisited edge of highest prior.
    """
    if n > 0.0:
        seen_p += p
        score = ef[g, e, E_Q] + c_sqrt * ef[g, e, E_U]
        if score > best_score:
            best_score = score
            best = e
    else:
        if in_flight:
            seen_p += p
        if p > best_p:
            best_p = p
            best_u = e
    return seen_p, best, best_score, best_u, best_p


@njit(inline="always", **NJIT)
def _take_unvisited(nodew, g, node, fp, n_parent, c_sqrt, seen_p, best, best_score, best_u, best_p):
    """``best``, or the unvisited edge ``best_u`` if its first-play-urgency score beats it."""
    if best_u >= 0:
        q_parent = -nodew[g, node] / n_parent if n_parent > 0 else 0.0
        score = q_parent - fp[FP_FPU] * np.sqrt(seen_p) + c_sqrt * best_p
        if score > best_score or (score == best_score and best_u < best):
            best = best_u
    return best


@njit(**NJIT)
def _select_edge_vl(nodes, nodew, ef, ei, ep, g, node, fp):
    """``select_edge`` under virtual loss (``_kernels_mcts._select_edge_vl``).

    An edge without a child has no visit and no virtual loss: only its prior is read.
    """
    first = nodes[g, node, N_FIRST]
    nch = nodes[g, node, N_NCH]
    vlw = fp[FP_VLOSS]
    nv = np.int64(nodes[g, node, N_NVIS])
    n_parent = nv + vlw * nodes[g, node, N_VLOSS]
    if fp[FP_SCHEDULE] != 0.0:
        c = np.log((1.0 + n_parent + fp[FP_CBASE]) / fp[FP_CBASE]) + fp[FP_CINIT]
    else:
        c = fp[FP_CPUCT]
    c_sqrt = c * np.sqrt(max(n_parent, 1.0))
    q_parent = -nodew[g, node] / nv if nv > 0 else 0.0
    seen_p = 0.0
    for e in range(first, first + nch):
        if ei[g, e, E_CHILD] >= 0 and ef[g, e, E_N] + ef[g, e, E_VL] > 0:
            seen_p += ef[g, e, E_PRIOR]
    fpu = q_parent - fp[FP_FPU] * np.sqrt(seen_p)
    best = first
    best_score = -1e300
    for e in range(first, first + nch):
        q = fpu
        if ei[g, e, E_CHILD] >= 0:
            vl = vlw * ef[g, e, E_VL]
            n = ef[g, e, E_N] + vl
            if n > 0:
                q = (ef[g, e, E_W] - vl) / n
        else:
            n = 0.0
        score = q + c_sqrt * ep[g, e] / (1.0 + n)
        if score > best_score:
            best_score = score
            best = e
    return best


@njit(**NJIT)
def gumbel_sigma(nodes, nodew, ef, g, fp, sig):
    """sigma(completed Q) of game ``g``'s root edges into ``sig[:nch]`` (``engine/search/_kernels_gumbel.py``).

    The root's own network value is what the root's W holds beyond its edges' (no tree reuse).
    """
    first, nch = nodes[g, 0, N_FIRST], nodes[g, 0, N_NCH]
    raw = -nodew[g, 0]
    for e in range(first, first + nch):
        raw -= ef[g, e, E_W]
    re = ef[g, first : first + nch]
    sigma_completed(re[:, E_N], re[:, E_Q], re[:, E_PRIOR], raw, fp[FP_CVISIT], fp[FP_CSCALE], sig[:nch])
    return first, nch


@njit(**NJIT)
def descend(nodes, nodew, ef, ei, ep, tinfo, g, n2, passes, fp, max_depth, path, epath, cv, sig, fk):
    """Walk game ``g``'s tree from the root by ``select_edge`` (tree only, no board).

    With ``cv >= 0`` the root edge is Gumbel's: the considered action with ``cv`` visits (``sig``
    a work buffer); else with ``fk > 0`` KataGo's forced playouts apply at the root. Adds a
    virtual loss on the way and creates the child reached through a new edge (terminal after two
    passes, counted from the root's ``passes``). Returns the depth; the leaf is ``path[depth]``
    and ``epath[i]`` the edge into ``path[i]``.
    """
    walk = n2 + 1 > SCAN_MAX
    node = 0
    depth = 0
    path[0] = 0
    nodes[g, 0, N_VLOSS] += 1
    while nodes[g, node, N_FIRST] >= 0 and nodes[g, node, N_TERM] == 0 and depth < max_depth:
        if node == 0 and cv >= 0:
            first, nch = gumbel_sigma(nodes, nodew, ef, g, fp, sig)
            re = ef[g, first : first + nch]
            e = first + root_pick(re[:, E_N], re[:, E_VL], re[:, E_G], sig[:nch], cv)
        else:
            e = -1
            if node == 0 and fk > 0:
                first, nch = nodes[g, 0, N_FIRST], nodes[g, 0, N_NCH]
                re = ef[g, first : first + nch]
                j = forced_pick(re[:, E_N], re[:, E_VL], re[:, E_PRIOR], fk)
                e = first + j if j >= 0 else -1
            if e < 0:
                e = select_edge(nodes, nodew, ef, ei, ep, g, node, fp, walk)
        a = ei[g, e, E_ACT]
        passes = passes + 1 if a == n2 else 0
        ch = ei[g, e, E_CHILD]
        if ch < 0:
            ch = _new_node(nodes, nodew, ef, ep, tinfo, g, 1 if passes >= 2 else 0, node, e, walk)
            ei[g, e, E_CHILD] = ch
        node = ch
        depth += 1
        path[depth] = node
        epath[depth] = e
        nodes[g, node, N_VLOSS] += 1
        ef[g, e, E_VL] += 1.0
    return depth


@njit(**NJIT)
def backup(nodes, nodew, ef, g, path, epath, depth, value):
    """Add ``value`` (view of the player to move at the leaf) up the path (``_kernels_mcts.backup``)."""
    v = value
    for i in range(depth, -1, -1):
        node = path[i]
        nodes[g, node, N_NVIS] += 1
        nodes[g, node, N_VLOSS] -= 1
        nodew[g, node] -= v
        if i > 0:
            e = epath[i]
            en = ef[g, e, E_N] + 1.0
            ew = ef[g, e, E_W] - v
            ef[g, e, E_N] = en
            ef[g, e, E_W] = ew
            ef[g, e, E_VL] -= 1.0
            ef[g, e, E_Q] = ew / en
            ef[g, e, E_U] = ef[g, e, E_PRIOR] / (1.0 + en)
        v = -v


# ------------------------------------------------------------------------------ leaf legality
@njit(**NJIT)
def leaf_legal(pts, scal, color, legal):
    """Legal actions of ``color`` (the side to move) under simple ko, pass legal (``fill_legal_mask_simple``).

    A first pass, without branches, marks the empty points with an empty neighbour (legal but for
    the ko point); a second looks at the chains around the other empty points.
    """
    n = scal[SIZE]
    w = n + 1
    st = pts[STONES]
    for r in range(n):
        base = (r + 1) * w + 1
        row = r * n
        for c in range(n):
            loc = base + c
            free = (st[loc - w] == EMPTY) | (st[loc - 1] == EMPTY) | (st[loc + 1] == EMPTY) | (st[loc + w] == EMPTY)
            legal[row + c] = np.int8((st[loc] == EMPTY) & free)
    allow = scal[ALLOW_SUICIDE] != 0
    hd, lb, opp = pts[HEAD], pts[LIBS], 3 - color
    for r in range(n):
        base = (r + 1) * w + 1
        row = r * n
        for c in range(n):
            loc = base + c
            if legal[row + c] == 0 and st[loc] == EMPTY:  # no empty neighbour
                ok = allow
                for nb in (loc - w, loc - 1, loc + 1, loc + w):
                    s = st[nb]
                    if (s == color and lb[hd[nb]] > 1) or (s == opp and lb[hd[nb]] == 1):
                        ok = True
                legal[row + c] = np.int8(ok)
    ko = scal[KO]
    if ko > 0:
        legal[(ko // w - 1) * n + ko % w - 1] = 0
    legal[n * n] = 1


# ------------------------------------------------------------------------------ one step
@njit(**NJIT)
def _load_chains(root_pts, root_scal, pts, scal):
    """Copy what playing moves and testing legality read: rows ``STONES`` .. ``LIBS`` and the scalars.

    ``MARK`` is not copied: the slot's stamp is kept above every mark its row may hold (its own
    earlier stamps, the root's), so stale marks never equal a new stamp. ``EMPTIES``/``EPOS`` go
    stale (written, never read) and ``PLAYED`` is not read by agz17.
    """
    old = scal[STAMP]
    a = root_pts.shape[1]
    src = root_pts.reshape(root_pts.size)
    dst = pts.reshape(pts.size)
    for i in range((LIBS + 1) * a):
        dst[i] = src[i]
    for i in range(root_scal.shape[0]):
        scal[i] = root_scal[i]
    scal[STAMP] = max(old, root_scal[STAMP])


@njit(**NJIT)
def _replay(arena, scratch, g, k, depth, encode, full):
    """The scratch board becomes the leaf of game ``g``; with ``encode`` its planes go to slot ``k``.

    ``full``: the whole board and history are copied (a terminal leaf's area count reads the
    empty-point list, superko in the tree reads the history); else only the stones and chains.
    A leaf at depth 0 is the root itself: nothing is copied. Returns the colour to move at the leaf.
    """
    bpts, bscal, bhist, rstones, nodes, nodew, ef, ei, tinfo, gs, rng, moves, svis, smove, zob, ep, sq = arena
    spts, sscal, shist, slegal, spath, sepath, sdepth, scolor, sgame, planes = scratch[:10]
    n = bscal[g, SIZE]
    pts, scal, hist = spts[0], sscal[0], shist[0]  # one board for every leaf: it stays in cache
    if depth > 0:
        if encode and not full:
            _load_chains(bpts[g], bscal[g], pts, scal)
        else:
            load_root(bpts[g], bscal[g], bhist[g], pts, scal, hist, sdepth[:0])
    color = bscal[g, TO_PLAY] if depth % 2 == 0 else 3 - bscal[g, TO_PLAY]
    out = planes[k]
    epath = sepath[k]
    for j in range(1, depth + 1):
        play_action(pts, scal, zob, hist, ei[g, epath[j], E_ACT])
        if encode and depth - j < 8:
            planes_from_board(pts[STONES], n, color, out, depth - j)
    if encode:
        head = gs[g, GS_RHEAD]
        for i in range(depth, 8):
            planes_from_ring(rstones[g, (head - (i - depth)) & 7], n, color, out, i)
        color_plane(n, color, out)
    return color


@njit(**NJIT)
def select_leaves(arena, scratch, fp, ip, g0, g1):
    """Select the leaves of games ``g0 .. g1-1`` into the batch slots; returns how many.

    Per playing game, up to ``ip[IP_LEAVES]`` leaves whose search still has budget. A terminal
    leaf (two passes) is scored by area and backed up at once, and the game selects again. A leaf
    goes to slot ``k``: its planes into ``planes[k]``, its legal moves into ``slegal[k]``.
    """
    bpts, bscal, bhist, rstones, nodes, nodew, ef, ei, tinfo, gs, rng, moves, svis, smove, zob, ep, sq = arena
    spts, sscal, shist, slegal, spath, sepath, sdepth, scolor, sgame, planes = scratch[:10]
    max_nodes = nodes.shape[1]
    max_depth = min(ip[IP_MAX_DEPTH], spath.shape[1] - 1)
    k = 0
    for g in range(g0, g1):
        if gs[g, GS_STATUS] != PLAYING:
            continue
        n = bscal[g, SIZE]
        n2 = n * n
        for _ in range(ip[IP_LEAVES]):
            got = False
            while gs[g, GS_SIMS] + gs[g, GS_PENDING] < gs[g, GS_BUDGET]:
                if tinfo[g, T_NODES] >= max_nodes - 1:  # full: this search ends here
                    gs[g, GS_BUDGET] = gs[g, GS_SIMS] + gs[g, GS_PENDING]
                    break
                path, epath = spath[k], sepath[k]
                cv = -1
                if ip[IP_GUMBEL] != 0 and nodes[g, 0, N_FIRST] >= 0:
                    m = min(ip[IP_GUMBEL_M], nodes[g, 0, N_NCH])
                    cv = considered_visit(m, gs[g, GS_BUDGET] - 1, gs[g, GS_SIMS] + gs[g, GS_PENDING] - 1)
                fk = fp[FP_FORCED_K] if gs[g, GS_FULL] != 0 else 0.0
                args = (g, n2, bscal[g, PASSES], fp, max_depth, path, epath, cv, scratch[10][5], fk)
                depth = descend(nodes, nodew, ef, ei, ep, tinfo, *args)
                leaf = path[depth]
                if nodes[g, leaf, N_TERM] != 0:
                    color = _replay(arena, scratch, g, k, depth, False, True)
                    value = outcome_value(area_score(spts[0], sscal[0]), 0.5 * gs[g, GS_KOMI2], color)
                    backup(nodes, nodew, ef, g, path, epath, depth, value)
                    gs[g, GS_SIMS] += 1
                    gs[g, GS_TOTAL_SIMS] += 1
                    continue
                color = _replay(arena, scratch, g, k, depth, True, ip[IP_SUPERKO_TREE] != 0)
                if depth == 0:
                    fill_legal_mask(bpts[g], bscal[g], zob, bhist[g], color, slegal[k])
                elif ip[IP_SUPERKO_TREE] != 0:
                    fill_legal_mask(spts[0], sscal[0], zob, shist[0], color, slegal[k])
                else:
                    leaf_legal(spts[0], sscal[0], color, slegal[k])
                sdepth[k] = depth
                scolor[k] = color
                sgame[k] = g
                gs[g, GS_PENDING] += 1
                k += 1
                got = True
                break
            if not got or nodes[g, 0, N_FIRST] < 0:  # an unexpanded root is evaluated alone
                break
    return k
