"""Numba kernels of the many-game self-play search, second half: the end of a step and of a game.

``finish_step`` installs a batch of evaluations and calls ``advance`` for every game whose
search is complete: the sample row (root visit counts of a full search), resignation (with the
no-resign holdout drawn at the game's start), the move (sampled by visit count for the first
``ip[IP_TEMP_MOVES]`` moves, else the most visited, ties to the higher Q, then the first edge),
the game's end (two passes, resignation or the move cap) or the next move's search (playout-cap
draw, tree reuse of the chosen subtree when it leaves room for a whole search, root pruning
under the board's rules, root noise). ``start_game`` fills a slot with a new game;
``game_planes`` rebuilds a finished game's sample planes from its moves. Each game's generator
is splitmix64 on ``rng[g]`` (``engine/search/_kernels_rng.py``). The arena layout and
vocabulary are those of ``engine/search/_kernels_batch.py``.
"""

import numpy as np
from numba import njit

from engine._jit import NJIT
from engine._kernels import (
    BLACK,
    EMPTY,
    HASH,
    MOVE_NUM,
    NHIST,
    NROWS,
    NSCAL,
    PASSES,
    STONES,
    TO_PLAY,
    WHITE,
    area_score,
    fill_legal_mask,
    reset_board,
)
from engine.search._kernels_batch import (
    BESTU_STALE,
    E_ACT,
    E_CHILD,
    E_G,
    E_N,
    E_PRIOR,
    E_Q,
    E_U,
    E_VL,
    EDGE_COLS,
    FINISHED,
    FP_ALPHA,
    FP_CBASE,
    FP_CINIT,
    FP_CPUCT,
    FP_EPS,
    FP_FORCED_K,
    FP_FULL_PROB,
    FP_RESIGN,
    FP_RESIGN_OFF,
    FP_SCHEDULE,
    FP_TEMP,
    GS_BUDGET,
    GS_FULL,
    GS_ID,
    GS_KOMI2,
    GS_LEAVES,
    GS_NMOVES,
    GS_NOISE,
    GS_NSAMPLES,
    GS_PENDING,
    GS_RESIGN_ON,
    GS_RESIGNED,
    GS_RHEAD,
    GS_SIMS,
    GS_STATUS,
    GS_TOTAL_SIMS,
    GS_WINNER,
    GS_WOULD_RESIGN,
    IP_CAP,
    IP_FAST,
    IP_FULL,
    IP_GUMBEL,
    IP_GUMBEL_M,
    IP_HOLD,
    IP_LEAVES,
    IP_MAX_DEPTH,
    IP_MAX_MOVES,
    IP_RESIGN_MIN,
    IP_REUSE,
    IP_SIZE,
    IP_SUICIDE,
    IP_SUPERKO,
    IP_TEMP_MOVES,
    N_BESTU,
    N_EDGE,
    N_FIRST,
    N_KIDS,
    N_NCH,
    N_NVIS,
    N_SIB,
    N_TERM,
    N_VLOSS,
    NGS,
    NODE_COLS,
    PLAYING,
    T_EDGES,
    T_NODES,
    backup,
    expand,
    gumbel_sigma,
    tree_reset,
)
from engine.search._kernels_forced import pruned_row
from engine.search._kernels_gumbel import final_pick, gumbel_scores, policy_row
from engine.search._kernels_mcts import play_action
from engine.search._kernels_planes import color_plane, planes_from_ring, ring_push
from engine.search._kernels_rng import rand_gamma, rand_uniform


@njit(**NJIT)
def add_noise(ef, ep, g, first, nch, rng, alpha, eps, noise):
    """Mix Dirichlet(``alpha``) noise into the root priors: P = (1 - eps) P + eps noise.

    The caller marks the root's ``N_BESTU`` stale.
    """
    total = 0.0
    for j in range(nch):
        noise[j] = rand_gamma(rng, g, alpha)
        total += noise[j]
    for j in range(nch):
        e = first + j
        p = (1.0 - eps) * ef[g, e, E_PRIOR] + eps * (noise[j] / total if total > 0 else 1.0 / nch)
        ef[g, e, E_PRIOR] = p
        ep[g, e] = p
        ef[g, e, E_U] = ef[g, e, E_PRIOR] / (1.0 + ef[g, e, E_N])


@njit(**NJIT)
def finish_step(arena, scratch, fp, ip, k, priors, values, g0, g1):
    """Expand and back up the ``k`` evaluated slots, then advance every game whose search is done.

    ``priors float32[>=k, n*n+1]`` (any non-negative scale; renormalised over legal moves) and
    ``values float32[>=k]`` (view of the player to move at the leaf). Returns games finished.
    """
    nodes, nodew, ef, ei, tinfo, gs = arena[4], arena[5], arena[6], arena[7], arena[8], arena[9]
    slegal, spath, sepath, sdepth, sgame, work = scratch[3], scratch[4], scratch[5], scratch[6], scratch[8], scratch[10]
    max_depth = min(ip[IP_MAX_DEPTH], spath.shape[1] - 1)
    for i in range(k):
        g = sgame[i]
        depth = sdepth[i]
        path = spath[i]
        leaf = path[depth]
        if nodes[g, leaf, N_FIRST] < 0 and depth < max_depth:
            ok = expand(nodes, ef, ei, arena[15], tinfo, g, leaf, slegal[i], priors[i], work[5])
            if ok and leaf == 0 and gs[g, GS_NOISE] != 0:
                root_noise(arena, g, fp, work[5])
            if ok and leaf == 0 and ip[IP_GUMBEL] != 0:
                gumbel_start(arena, g, ip, work[5])
        backup(nodes, nodew, ef, g, path, sepath[i], depth, np.float64(values[i]))
        gs[g, GS_SIMS] += 1
        gs[g, GS_TOTAL_SIMS] += 1
        gs[g, GS_LEAVES] += 1
        gs[g, GS_PENDING] -= 1
    done = 0
    if ip[IP_HOLD] != 0:  # searches only: the caller reads the trees
        return done
    for g in range(g0, g1):
        if gs[g, GS_STATUS] == PLAYING and gs[g, GS_PENDING] == 0 and gs[g, GS_SIMS] >= gs[g, GS_BUDGET]:
            done += advance(arena, work, fp, ip, g)
    return done


@njit(**NJIT)
def root_noise(arena, g, fp, noise):
    """Apply the pending root noise of game ``g`` (once per full search, after the root is expanded)."""
    nodes, ef, gs, rng = arena[4], arena[6], arena[9], arena[10]
    gs[g, GS_NOISE] = 0
    first, nch = nodes[g, 0, N_FIRST], nodes[g, 0, N_NCH]
    if fp[FP_EPS] <= 0.0 or first < 0 or nch < 2:
        return
    alpha = fp[FP_ALPHA] if fp[FP_ALPHA] > 0 else 10.0 / nch
    add_noise(ef, arena[15], g, first, nch, rng, alpha, fp[FP_EPS], noise)
    nodes[g, 0, N_BESTU] = BESTU_STALE


@njit(**NJIT)
def gumbel_start(arena, g, ip, buf):
    """Draw game ``g``'s Gumbel variables: the root edges' scores ``E_G`` (top ``m`` considered)."""
    nodes, ef, rng = arena[4], arena[6], arena[10]
    first, nch = nodes[g, 0, N_FIRST], nodes[g, 0, N_NCH]
    for j in range(nch):
        buf[j] = rand_uniform(rng, g)
    re = ef[g, first : first + nch]
    gumbel_scores(re[:, E_PRIOR], buf[:nch], min(ip[IP_GUMBEL_M], nch), re[:, E_G])


@njit(**NJIT)
def gumbel_choice(arena, fp, g, sig):
    """The root edge Gumbel plays; with ``sig`` filled with sigma(completed Q) of the root edges."""
    nodes, nodew, ef = arena[4], arena[5], arena[6]
    first, nch = gumbel_sigma(nodes, nodew, ef, g, fp, sig)
    if first < 0 or nch == 0:
        return -1
    re = ef[g, first : first + nch]
    return first + final_pick(re[:, E_N], re[:, E_VL], re[:, E_G], sig[:nch])


@njit(**NJIT)
def _child_visits(nodes, ei, g, e):
    ch = ei[g, e, E_CHILD]
    return np.int64(nodes[g, ch, N_NVIS]) if ch >= 0 else np.int64(0)


@njit(**NJIT)
def choose_edge(arena, fp, ip, g):
    """The root edge to play (-1 if the root has none): temperature sampling early, else most visits."""
    bscal, nodes, nodew, ei, rng = arena[1], arena[4], arena[5], arena[7], arena[10]
    first, nch = nodes[g, 0, N_FIRST], nodes[g, 0, N_NCH]
    if first < 0 or nch == 0:
        return -1
    total = 0
    for e in range(first, first + nch):
        total += _child_visits(nodes, ei, g, e)
    temp = fp[FP_TEMP]
    if temp > 0 and bscal[g, MOVE_NUM] < ip[IP_TEMP_MOVES] and total > 0:
        s = 0.0
        for e in range(first, first + nch):
            s += _child_visits(nodes, ei, g, e) ** (1.0 / temp)
        x = rand_uniform(rng, g) * s
        last = first
        for e in range(first, first + nch):
            v = _child_visits(nodes, ei, g, e)
            if v > 0:
                last = e
                x -= v ** (1.0 / temp)
                if x < 0:
                    return e
        return last
    best, bv, bq = first, np.int64(-1), -1e300
    for e in range(first, first + nch):
        v = _child_visits(nodes, ei, g, e)
        q = nodew[g, ei[g, e, E_CHILD]] / v if v > 0 else 0.0
        if v > bv or (v == bv and q > bq):
            best, bv, bq = e, v, q
    return best


@njit(**NJIT)
def _record_sample(arena, fp, g, gumbel, sig):
    """Root visit counts (pruned under forced playouts) or ``65535 *`` Gumbel's improved policy (``sig`` filled)."""
    nodes, ef, ei, gs, svis, smove = arena[4], arena[6], arena[7], arena[9], arena[12], arena[13]
    first, nch = nodes[g, 0, N_FIRST], nodes[g, 0, N_NCH]
    r = gs[g, GS_NSAMPLES]
    if first < 0 or nch == 0 or r >= svis.shape[1]:
        return
    total, w = 0, 0.0  # the root's value for its player to move: its children's W over their visits
    for e in range(first, first + nch):
        total += _child_visits(nodes, ei, g, e)
        if ei[g, e, E_CHILD] >= 0:
            w += arena[5][g, ei[g, e, E_CHILD]]
    if total == 0:
        return
    row = svis[g, r]
    for a in range(row.shape[0]):
        row[a] = 0
    re, acts = ef[g, first : first + nch], ei[g, first : first + nch, E_ACT]
    if gumbel:
        policy_row(re[:, E_PRIOR], sig[:nch], acts, row)
    elif fp[FP_FORCED_K] > 0:
        nv = nodes[g, 0, N_NVIS]
        c = fp[FP_CPUCT]
        if fp[FP_SCHEDULE] != 0.0:
            c = np.log((1.0 + nv + fp[FP_CBASE]) / fp[FP_CBASE]) + fp[FP_CINIT]
        pruned_row(re[:, E_N], re[:, E_Q], re[:, E_PRIOR], c * np.sqrt(max(nv, 1.0)), fp[FP_FORCED_K], acts, row)
    else:
        for e in range(first, first + nch):
            row[ei[g, e, E_ACT]] = min(_child_visits(nodes, ei, g, e), 65535)
    arena[16][g, r] = w / total
    smove[g, r] = gs[g, GS_NMOVES]
    gs[g, GS_NSAMPLES] = r + 1


@njit(**NJIT)
def end_game(arena, fp, g):
    """Mark game ``g`` finished and set its winner (by resignation, else by area with komi)."""
    bpts, bscal, gs = arena[0], arena[1], arena[9]
    if gs[g, GS_RESIGNED] != 0:
        gs[g, GS_WINNER] = 3 - gs[g, GS_RESIGNED]
    else:
        s = area_score(bpts[g], bscal[g]) - 0.5 * gs[g, GS_KOMI2]
        gs[g, GS_WINNER] = BLACK if s > 0 else (WHITE if s < 0 else EMPTY)
    gs[g, GS_STATUS] = FINISHED


@njit(**NJIT)
def advance(arena, work, fp, ip, g):
    """Game ``g``'s search is complete: sample, resign or play the move, then end or start the next search.

    Returns 1 if the game ended.
    """
    bpts, bscal, bhist, rstones, nodes, nodew = arena[0], arena[1], arena[2], arena[3], arena[4], arena[5]
    ei, gs, moves, zob = arena[7], arena[9], arena[11], arena[14]
    n = ip[IP_SIZE]
    to_play = bscal[g, TO_PLAY]
    gumbel = ip[IP_GUMBEL] != 0
    e = gumbel_choice(arena, fp, g, work[5]) if gumbel else choose_edge(arena, fp, ip, g)
    if gs[g, GS_FULL] != 0:
        _record_sample(arena, fp, g, gumbel, work[5])
    nv = nodes[g, 0, N_NVIS]
    winrate = ((-nodew[g, 0] / nv if nv > 0 else 0.0) + 1.0) / 2.0
    if fp[FP_RESIGN] > 0 and bscal[g, MOVE_NUM] >= ip[IP_RESIGN_MIN] and winrate < fp[FP_RESIGN]:
        if gs[g, GS_RESIGN_ON] != 0:
            gs[g, GS_RESIGNED] = to_play
            end_game(arena, fp, g)
            return 1
        if gs[g, GS_WOULD_RESIGN] == 0:
            gs[g, GS_WOULD_RESIGN] = to_play
    a = ei[g, e, E_ACT] if e >= 0 else n * n
    child = ei[g, e, E_CHILD] if e >= 0 else -1
    play_action(bpts[g], bscal[g], zob, bhist[g], a)
    moves[g, gs[g, GS_NMOVES]] = a
    gs[g, GS_NMOVES] += 1
    head = (gs[g, GS_RHEAD] + 1) & 7
    gs[g, GS_RHEAD] = head
    ring_push(rstones, g, head, bpts[g, STONES], n)
    if bscal[g, PASSES] >= 2 or bscal[g, MOVE_NUM] >= ip[IP_MAX_MOVES] or gs[g, GS_NMOVES] >= moves.shape[1]:
        end_game(arena, fp, g)
        return 1
    start_move(arena, work, fp, ip, g, child)
    return 0


@njit(**NJIT)
def _compact(arena, g, new_root, work):
    """Copy game ``g``'s subtree under ``new_root`` into the spare tree (breadth first); (nodes, edges).

    A node's children get consecutive numbers there, in the order of their edges.
    """
    nodes, nodew, ef, ei, ep = arena[4], arena[5], arena[6], arena[7], arena[15]
    s_nodes, s_w, s_ef, s_ei, queue, s_ep = work[0], work[1], work[2], work[3], work[4], work[7]
    queue[0] = new_root
    _copy_node(nodes, nodew, g, new_root, s_nodes, s_w, 0, -1)
    nn, ne, head = 1, 0, 0
    while head < nn:
        old = queue[head]
        first = nodes[g, old, N_FIRST]
        if first >= 0:
            nch = nodes[g, old, N_NCH]
            s_nodes[head, N_FIRST] = ne
            b = nodes[g, old, N_BESTU]
            if b >= 0:
                s_nodes[head, N_BESTU] = ne + b - first
            elif b <= -3:
                s_nodes[head, N_BESTU] = -3 - (ne + (-3 - b) - first)
            prev = -1
            for j in range(nch):
                e = first + j
                s_ep[ne + j] = ep[g, e]
                s_ei[ne + j, E_ACT] = ei[g, e, E_ACT]
                ch = ei[g, e, E_CHILD]
                if ch >= 0:
                    for c in range(EDGE_COLS):
                        s_ef[ne + j, c] = ef[g, e, c]
                    s_ef[ne + j, E_VL] = 0.0
                    queue[nn] = ch
                    s_ei[ne + j, E_CHILD] = nn
                    _copy_node(nodes, nodew, g, ch, s_nodes, s_w, nn, ne + j)
                    if prev < 0:
                        s_nodes[head, N_KIDS] = nn
                    else:
                        s_nodes[prev, N_SIB] = nn
                    prev = nn
                    nn += 1
                else:
                    s_ei[ne + j, E_CHILD] = -1
                    if head == 0:  # the new root's edges all keep a record
                        for c in range(EDGE_COLS):
                            s_ef[ne + j, c] = 0.0
                        s_ef[ne + j, E_PRIOR] = s_ep[ne + j]
                        s_ef[ne + j, E_U] = s_ep[ne + j]
            ne += nch
        head += 1
    return nn, ne


@njit(**NJIT)
def _copy_node(nodes, nodew, g, old, s_nodes, s_w, i, edge):
    """Node ``old`` of game ``g`` into row ``i`` of the spare tree, reached through ``edge``; no children yet."""
    for c in range(NODE_COLS):
        s_nodes[i, c] = nodes[g, old, c]
    s_nodes[i, N_VLOSS] = 0
    s_nodes[i, N_KIDS] = -1
    s_nodes[i, N_SIB] = -1
    s_nodes[i, N_EDGE] = edge
    s_w[i] = nodew[g, old]


@njit(**NJIT)
def _copy_back(arena, g, nn, ne, work):
    nodes, nodew, ef, ei, tinfo, ep = arena[4], arena[5], arena[6], arena[7], arena[8], arena[15]
    s_nodes, s_w, s_ef, s_ei, s_ep = work[0], work[1], work[2], work[3], work[7]
    for i in range(nn):
        for c in range(NODE_COLS):
            nodes[g, i, c] = s_nodes[i, c]
        nodew[g, i] = s_w[i]
    root_end = s_nodes[0, N_NCH] if s_nodes[0, N_FIRST] >= 0 else 0
    for e in range(ne):
        if e < root_end or s_ei[e, 0] >= 0:  # the edges that keep an ``ef`` record
            for c in range(EDGE_COLS):
                ef[g, e, c] = s_ef[e, c]
        ei[g, e, 0] = s_ei[e, 0]
        ei[g, e, 1] = s_ei[e, 1]
        ep[g, e] = s_ep[e]
    tinfo[g, T_NODES] = nn
    tinfo[g, T_EDGES] = ne


@njit(**NJIT)
def _prune_root(arena, g, legal):
    """Drop the root edges the board's rules forbid now (superko), keeping their order."""
    bpts, bscal, bhist, nodes, ef, ei, zob, ep = (
        arena[0],
        arena[1],
        arena[2],
        arena[4],
        arena[6],
        arena[7],
        arena[14],
        arena[15],
    )
    first, nch = nodes[g, 0, N_FIRST], nodes[g, 0, N_NCH]
    if first < 0:
        return
    fill_legal_mask(bpts[g], bscal[g], zob, bhist[g], bscal[g, TO_PLAY], legal)
    k = first
    prev = -1
    nodes[g, 0, N_KIDS] = -1
    for e in range(first, first + nch):
        if legal[ei[g, e, E_ACT]] != 0:
            if k != e:
                for c in range(EDGE_COLS):
                    ef[g, k, c] = ef[g, e, c]
                ei[g, k, 0] = ei[g, e, 0]
                ei[g, k, 1] = ei[g, e, 1]
                ep[g, k] = ep[g, e]
            ch = ei[g, k, E_CHILD]
            if ch >= 0:  # relink the kept children in edge order
                nodes[g, ch, N_EDGE] = k
                nodes[g, ch, N_SIB] = -1
                if prev < 0:
                    nodes[g, 0, N_KIDS] = ch
                else:
                    nodes[g, prev, N_SIB] = ch
                prev = ch
            k += 1
    nodes[g, 0, N_NCH] = k - first
    nodes[g, 0, N_BESTU] = BESTU_STALE


@njit(**NJIT)
def start_move(arena, work, fp, ip, g, child):
    """Set up game ``g``'s next search: full or fast, reused subtree under ``child`` (or -1), noise."""
    nodes, ef, tinfo, gs, rng = arena[4], arena[6], arena[8], arena[9], arena[10]
    full = 1 if ip[IP_CAP] == 0 or rand_uniform(rng, g) < fp[FP_FULL_PROB] else 0
    budget = ip[IP_FULL] if full else ip[IP_FAST]
    reused = False
    if ip[IP_REUSE] != 0 and child > 0 and nodes[g, child, N_TERM] == 0:
        nn, ne = _compact(arena, g, child, work)
        room = budget + ip[IP_LEAVES] + 2
        if nn + room <= nodes.shape[1] and ne + room * (ip[IP_SIZE] ** 2 + 1) <= ef.shape[1]:
            _copy_back(arena, g, nn, ne, work)
            _prune_root(arena, g, work[6])
            reused = True
    if not reused:
        tree_reset(nodes, arena[5], tinfo, g)
    gs[g, GS_FULL] = full
    gs[g, GS_BUDGET] = budget
    gs[g, GS_SIMS] = 0
    gs[g, GS_PENDING] = 0
    gs[g, GS_NOISE] = 1 if full and fp[FP_EPS] > 0 else 0
    if gs[g, GS_NOISE] != 0 and nodes[g, 0, N_FIRST] >= 0:
        root_noise(arena, g, fp, work[5])


@njit(**NJIT)
def start_game(arena, work, fp, ip, g, seed, game_id, komi2):
    """Put a new game (empty board, black to move, komi ``komi2 / 2``) in slot ``g`` with generator seed ``seed``."""
    bpts, bscal, bhist, rstones, gs, rng = arena[0], arena[1], arena[2], arena[3], arena[9], arena[10]
    reset_board(bpts[g], bscal[g], ip[IP_SIZE], ip[IP_SUICIDE], ip[IP_SUPERKO])
    bhist[g, 0] = bscal[g, HASH]
    bscal[g, NHIST] = 1
    for i in range(8):
        for j in range(rstones.shape[2]):
            rstones[g, i, j] = 0
    for c in range(NGS):
        gs[g, c] = 0
    rng[g] = np.uint64(seed)
    gs[g, GS_ID] = game_id
    gs[g, GS_KOMI2] = komi2
    gs[g, GS_STATUS] = PLAYING
    gs[g, GS_RESIGN_ON] = 1 if fp[FP_RESIGN] > 0 and rand_uniform(rng, g) >= fp[FP_RESIGN_OFF] else 0
    start_move(arena, work, fp, ip, g, -1)


@njit(**NJIT)
def game_planes(moves, nmoves, smove, nsamples, n, zob, out):
    """agz17 planes (``uint8``) of a game's sample rows, replayed from the empty board.

    ``smove[r]`` is the number of moves played before sample ``r`` (non-decreasing).
    """
    area = (n + 2) * (n + 1) + 1
    pts = np.zeros((NROWS, area), np.int64)
    scal = np.zeros(NSCAL, np.int64)
    hist = np.zeros(nmoves + 2, np.int64)
    reset_board(pts, scal, n, 1, 0)
    ring = np.zeros((1, 8, n * n), np.int8)
    tmp = np.zeros((17, n, n), np.float32)
    head = 0
    r = 0
    for j in range(nmoves + 1):
        while r < nsamples and smove[r] == j:
            color = scal[TO_PLAY]
            for i in range(8):
                planes_from_ring(ring[0, (head - i) & 7], n, color, tmp, i)
            color_plane(n, color, tmp)
            for p in range(17):
                for y in range(n):
                    for x in range(n):
                        out[r, p, y, x] = np.uint8(tmp[p, y, x])
            r += 1
        if j == nmoves:
            break
        play_action(pts, scal, zob, hist, moves[j])
        head = (head + 1) & 7
        ring_push(ring, 0, head, pts[STONES], n)
    return r
