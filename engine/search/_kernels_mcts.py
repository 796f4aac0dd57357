"""Numba kernels of the search tree: selection, expansion, backup, the fused rollout search loop.

The tree lives in preallocated arrays (see ``engine/search/mcts.py`` for the formulas and the sign
convention):

* ``nodes``: ``int64[NODE_ROWS, max_nodes]`` with rows ``PARENT``, ``ACTION`` (the move that led
  here), ``FIRST`` (index of the first edge, -1 while unexpanded), ``NCH`` (number of edges),
  ``NVIS`` (N), ``VLOSS`` (pending evaluations through the node), ``TERM`` (1 after two passes)
  ``SORTED`` (1 while the node's edges are in non-increasing prior order, see ``select_edge``)
  and ``NETQ`` (network evaluation of the node: 0 none, 1 queued, 2 done; see ``search_fused``).
* ``nodew``: ``float64[max_nodes]``: W, the sum of values from the view of the player who made the
  move into the node (so a parent maximises its children's Q = W / N directly).
* ``ef``: ``float32[EF_ROWS, max_edges]`` with rows ``PRIOR`` (P), ``RAVN`` and ``RAVW`` (AMAF visits
  and value sum, from the view of the player to move at the edge's parent), and ``EN``, ``EW``,
  ``EVL``: the child's N, W and virtual loss kept on the edge as well, so that selection reads one
  contiguous block per node instead of every child node (the cache misses cost more than a
  random playout otherwise); ``EQ`` = W / N and ``EU`` = P / (1 + N), kept up to date by
  ``backup``, so that selection without virtual loss does no division; ``VN``, ``VW``: count and
  sum of the value-net evaluations backed up through the edge (AlphaGo Lee's ``N_v``, ``W_v``),
  mixed into Q as ``(1 - lambda) VW / VN + lambda Q`` when ``fp[FP_LAMBDA] < 1`` (with
  ``fp[FP_VALUE_EQUIV]`` = ``m`` > 0 the value net's weight fades with the edge's rollouts ``N``
  to ``(1 - lambda) m / (m + N)``, see ``mix_value``); ``VNET``: the
  value net's value of the child once it is evaluated (``NETQ`` = 2), from the view of the
  player who moved into it.
* ``ei``: ``int32[2, max_edges]`` with rows ``CHILD`` (node index, -1 until first visited) and
  ``EACT`` (the action).
* ``tinfo``: ``int64[3]``: number of nodes, number of edges, root node.

Search parameters travel as ``fp`` (``float64``) and ``ip`` (``int64``) vectors (index constants
below). Children are created lazily, when an edge is first selected; a node is expanded (its edges
made) once its visit count reaches ``ip[IP_EXPAND]``. Kernels never allocate tree storage: the
caller stops searching when ``nodes`` is full, and an expansion that does not fit in ``ef``/``ei``
is skipped (the node stays a leaf).
"""

import numpy as np
from numba import njit

from engine._jit import NJIT
from engine._kernels import (
    ALLOW_SUICIDE,
    EMPTY,
    KO,
    NHIST,
    PASSES,
    SIZE,
    STONES,
    TO_PLAY,
    action_loc,
    area_score,
    fill_legal_mask,
    is_suicide,
    loc_of,
    play_pass,
    play_unsafe,
)
from engine.rollout._kernels_playout import make_playout_work, playout_score
from engine.rollout._kernels_policy import heavy_playout, heuristic_priors
from engine.rollout._kernels_rollout import rollout as learned_rollout
from engine.rollout._kernels_rollout import tree_priors

PARENT, ACTION, FIRST, NCH, NVIS, VLOSS, TERM, SORTED, NETQ = range(9)
NODE_ROWS = 9
PRIOR, RAVN, RAVW, EN, EW, EVL, EQ, EU, VN, VW, VNET = range(11)
EF_ROWS = 11
CHILD, EACT = range(2)
T_NODES, T_EDGES, T_ROOT = range(3)

FP_CPUCT, FP_SCHEDULE, FP_CBASE, FP_CINIT, FP_FPU, FP_VLOSS, FP_KOMI, FP_RAVE, FP_RAVE_EQUIV, FP_LAMBDA = range(10)
FP_VALUE_EQUIV = 10
NFP = 11
IP_EXPAND, IP_MAX_MOVES, IP_POLICY, IP_PRIORS, IP_MAX_DEPTH, IP_NET = range(6)
NIP = 6
POLICY_RANDOM, POLICY_HEAVY, POLICY_LEARNED = 0, 1, 2
PRIORS_UNIFORM, PRIORS_HEURISTIC, PRIORS_TREE = 0, 1, 2
"""``ip[IP_PRIORS]`` of the fused search: uniform, the hand-written heuristics, the trained tree policy"""


@njit(**NJIT)
def tree_reset(nodes, nodew, tinfo):
    """Empty the tree: one unexpanded root, node 0."""
    nodes[PARENT, 0] = -1
    nodes[ACTION, 0] = -1
    nodes[FIRST, 0] = -1
    nodes[NCH, 0] = 0
    nodes[NVIS, 0] = 0
    nodes[VLOSS, 0] = 0
    nodes[TERM, 0] = 0
    nodes[SORTED, 0] = 0
    nodes[NETQ, 0] = 0
    nodew[0] = 0.0
    tinfo[T_NODES] = 1
    tinfo[T_EDGES] = 0
    tinfo[T_ROOT] = 0


@njit(**NJIT)
def new_node(nodes, nodew, tinfo, parent, action, term):
    """Append a fresh node (the caller checked capacity); return its index."""
    i = tinfo[T_NODES]
    tinfo[T_NODES] = i + 1
    nodes[PARENT, i] = parent
    nodes[ACTION, i] = action
    nodes[FIRST, i] = -1
    nodes[NCH, i] = 0
    nodes[NVIS, i] = 0
    nodes[VLOSS, i] = 0
    nodes[TERM, i] = term
    nodes[SORTED, i] = 0
    nodes[NETQ, i] = 0
    nodew[i] = 0.0
    return i


@njit(**NJIT)
def expand_node(nodes, ef, ei, tinfo, node, legal, priors, sort=False):
    """Give ``node`` one edge per legal action with the priors renormalised over them.

    With ``sort`` the edges are stored in non-increasing prior order (ties by action; a stable
    insertion sort, linear when the priors are uniform or nearly so) and the node is marked
    ``SORTED``. Does nothing if the node is already expanded or the edges would not fit. Returns
    True if the node is expanded afterwards.
    """
    if nodes[FIRST, node] >= 0:
        return True
    cnt = 0
    total = 0.0
    for a in range(legal.shape[0]):
        if legal[a] != 0:
            cnt += 1
            total += max(priors[a], 0.0)
    first = tinfo[T_EDGES]
    if cnt == 0 or first + cnt > ei.shape[1]:
        return False
    k = first
    for a in range(legal.shape[0]):
        if legal[a] != 0:
            p = max(priors[a], 0.0) / total if total > 0 else 1.0 / cnt
            ef[PRIOR, k] = p
            ef[RAVN, k] = 0.0
            ef[RAVW, k] = 0.0
            ef[EN, k] = 0.0  # edge slots are reused after a reset or a compaction
            ef[EW, k] = 0.0
            ef[EVL, k] = 0.0
            ef[EQ, k] = 0.0
            ef[EU, k] = p
            ef[VN, k] = 0.0
            ef[VW, k] = 0.0
            ef[VNET, k] = 0.0
            ei[CHILD, k] = -1
            ei[EACT, k] = a
            k += 1
    if sort:
        for i in range(first + 1, k):
            p = ef[PRIOR, i]
            a = ei[EACT, i]
            j = i - 1
            while j >= first and ef[PRIOR, j] < p:
                ef[PRIOR, j + 1] = ef[PRIOR, j]
                ef[EU, j + 1] = ef[PRIOR, j]
                ei[EACT, j + 1] = ei[EACT, j]
                j -= 1
            ef[PRIOR, j + 1] = p
            ef[EU, j + 1] = p
            ei[EACT, j + 1] = a
    nodes[SORTED, node] = 1 if sort else 0
    tinfo[T_EDGES] = k
    nodes[NCH, node] = cnt
    nodes[FIRST, node] = first
    return True


@njit(**NJIT)
def mix_value(q_rollouts, q_value, n, lam, v_equiv):
    """Q of an edge from its rollout mean and value-net mean: AlphaGo Lee's mix, optionally faded.

    ``v_equiv`` = 0: the paper's ``(1 - lam) q_value + lam q_rollouts``. ``v_equiv`` = ``m`` > 0:
    the value net's weight ``(1 - lam) m / (m + n)`` falls as the edge's rollouts ``n`` grow, so
    that a value net worth about ``m`` rollouts informs the thinly visited edges and leaves the
    well-visited ones to their own rollouts (the prior-knowledge-as-virtual-visits idea of Gelly
    and Silver 2007, applied to the value net).
    """
    w = 1.0 - lam
    if v_equiv > 0.0:
        w *= v_equiv / (v_equiv + n)
    return q_rollouts + w * (q_value - q_rollouts)


@njit(**NJIT)
def select_edge(nodes, nodew, ef, ei, node, fp):
    """The edge of expanded ``node`` maximising Q + U (PUCT with FPU, virtual loss and RAVE).

    Without virtual loss (the fused rollout search) this is one pass with no division for plain
    PUCT: visited edges read ``EQ`` and ``EU``; among the unvisited ones (all valued at the FPU)
    only the largest prior matters, and the FPU is applied once at the end. On a ``SORTED`` node
    without RAVE the visited edges are always a prefix of the edge list (an unvisited edge is only
    ever chosen as the first one, which has the largest prior among them), so the pass stops at
    the first unvisited edge, as Leela Zero does.
    """
    first = nodes[FIRST, node]
    nch = nodes[NCH, node]
    vlw = fp[FP_VLOSS]
    if vlw != 0.0:
        return _select_edge_vl(nodes, nodew, ef, node, fp)
    n_parent = nodes[NVIS, node]
    if fp[FP_SCHEDULE] != 0.0:
        c = np.log((1.0 + n_parent + fp[FP_CBASE]) / fp[FP_CBASE]) + fp[FP_CINIT]
    else:
        c = fp[FP_CPUCT]
    c_sqrt = c * np.sqrt(max(n_parent, 1.0))
    use_rave = fp[FP_RAVE] != 0.0
    lam = fp[FP_LAMBDA]
    v_equiv = fp[FP_VALUE_EQUIV]
    seen_p = 0.0
    best = first
    best_score = -1e300
    best_u = -1
    best_p = -1.0
    if not use_rave and nodes[SORTED, node] != 0:
        for e in range(first, first + nch):
            n = ef[EN, e]
            if n > 0.0:
                seen_p += ef[PRIOR, e]
                q = ef[EQ, e]
                if lam < 1.0 and ef[VN, e] > 0.0:
                    q = mix_value(q, ef[VW, e] / ef[VN, e], n, lam, v_equiv)
                score = q + c_sqrt * ef[EU, e]
                if score > best_score:
                    best_score = score
                    best = e
            else:
                best_p = ef[PRIOR, e]
                best_u = e
                if ef[EVL, e] > 0:
                    seen_p += best_p
                break
        nch = 0
    for e in range(first, first + nch):
        n = ef[EN, e]
        if n > 0.0:
            seen_p += ef[PRIOR, e]
            q = ef[EQ, e]
            if use_rave:
                rn = ef[RAVN, e]
                if rn > 0:
                    beta = rn / (rn + n + rn * n / fp[FP_RAVE_EQUIV])
                    q = (1.0 - beta) * q + beta * ef[RAVW, e] / rn
            if lam < 1.0 and ef[VN, e] > 0.0:
                q = mix_value(q, ef[VW, e] / ef[VN, e], n, lam, v_equiv)
            score = q + c_sqrt * ef[EU, e]
            if score > best_score:
                best_score = score
                best = e
        else:
            p = ef[PRIOR, e]
            if ef[EVL, e] > 0:
                seen_p += p
            if use_rave and ef[RAVN, e] > 0:
                score = ef[RAVW, e] / ef[RAVN, e] + c_sqrt * p
                if score > best_score:
                    best_score = score
                    best = e
            elif p > best_p:
                best_p = p
                best_u = e
    if best_u >= 0:
        q_parent = -nodew[node] / n_parent if n_parent > 0 else 0.0
        score = q_parent - fp[FP_FPU] * np.sqrt(seen_p) + c_sqrt * best_p
        if score > best_score or (score == best_score and best_u < best):
            best = best_u
    return best


@njit(**NJIT)
def _select_edge_vl(nodes, nodew, ef, node, fp):
    """``select_edge`` with virtual loss (two passes: FPU first, then the scores)."""
    first = nodes[FIRST, node]
    nch = nodes[NCH, node]
    vlw = fp[FP_VLOSS]
    n_parent = nodes[NVIS, node] + vlw * nodes[VLOSS, node]
    if fp[FP_SCHEDULE] != 0.0:
        c = np.log((1.0 + n_parent + fp[FP_CBASE]) / fp[FP_CBASE]) + fp[FP_CINIT]
    else:
        c = fp[FP_CPUCT]
    c_sqrt = c * np.sqrt(max(n_parent, 1.0))
    q_parent = -nodew[node] / nodes[NVIS, node] if nodes[NVIS, node] > 0 else 0.0
    seen_p = 0.0
    for e in range(first, first + nch):
        if ef[EN, e] + ef[EVL, e] > 0:
            seen_p += ef[PRIOR, e]
    fpu = q_parent - fp[FP_FPU] * np.sqrt(seen_p)
    use_rave = fp[FP_RAVE] != 0.0
    best = first
    best_score = -1e300
    for e in range(first, first + nch):
        vl = vlw * ef[EVL, e]
        n = ef[EN, e] + vl
        q = fpu
        if n > 0:
            q = (ef[EW, e] - vl) / n
        if use_rave:
            rn = ef[RAVN, e]
            if rn > 0:
                beta = rn / (rn + n + rn * n / fp[FP_RAVE_EQUIV])
                q = (1.0 - beta) * q + beta * ef[RAVW, e] / rn
        score = q + c_sqrt * ef[PRIOR, e] / (1.0 + n)
        if score > best_score:
            best_score = score
            best = e
    return best


@njit(**NJIT)
def play_action(pts, scal, zob, hist, action):
    """Play ``action`` (pass = n*n) for the side to move on a scratch board."""
    n = scal[SIZE]
    if action == n * n:
        play_pass(scal)
    else:
        play_unsafe(pts, scal, zob, hist, action_loc(action, n), scal[TO_PLAY])


@njit(**NJIT)
def load_root(root_pts, root_scal, root_hist, pts, scal, hist, amaf):
    """Restore the scratch board from the root position and clear ``amaf``.

    Explicit flat loops: Numba's slice assignment of a 2-D block is about 4x slower.
    """
    src = root_pts.reshape(root_pts.size)
    dst = pts.reshape(pts.size)
    for i in range(src.shape[0]):
        dst[i] = src[i]
    for i in range(root_scal.shape[0]):
        scal[i] = root_scal[i]
    for i in range(root_scal[NHIST]):
        hist[i] = root_hist[i]
    for i in range(amaf.shape[0]):
        amaf[i] = 0


@njit(inline="always", **NJIT)
def _enter_child(nodes, nodew, ef, ei, tinfo, node, e, game_over, depth, path, epath):
    """Step from ``node`` through edge ``e`` to its child (created, terminal if ``game_over``).

    Records the child at ``path[depth]`` and the edge at ``epath[depth]`` and adds one virtual loss
    to both. Returns the child.
    """
    ch = ei[CHILD, e]
    if ch < 0:
        ch = new_node(nodes, nodew, tinfo, node, ei[EACT, e], 1 if game_over else 0)
        ei[CHILD, e] = ch
    path[depth] = ch
    epath[depth] = e
    nodes[VLOSS, ch] += 1
    ef[EVL, e] += 1.0
    return ch


@njit(**NJIT)
def descend(nodes, nodew, ef, ei, tinfo, pts, scal, zob, hist, fp, ip, path, epath, amaf):
    """Walk from the root by ``select_edge``, playing the moves on the scratch board.

    Adds one virtual loss to every node on the way, creates the child reached through a new edge,
    and records first plays in ``amaf`` (``int64[n*n+1]``, colour of the first player per action).
    Stops at an unexpanded or terminal node or at depth ``ip[IP_MAX_DEPTH]``.

    Returns:
        The depth ``d``; the nodes visited are ``path[0..d]``, the leaf is ``path[d]``, and
        ``epath[i]`` is the edge from ``path[i-1]`` to ``path[i]``.
    """
    n2 = scal[SIZE] * scal[SIZE]
    node = tinfo[T_ROOT]
    depth = 0
    path[0] = node
    nodes[VLOSS, node] += 1
    while nodes[FIRST, node] >= 0 and nodes[TERM, node] == 0 and depth < ip[IP_MAX_DEPTH]:
        e = select_edge(nodes, nodew, ef, ei, node, fp)
        a = ei[EACT, e]
        if a != n2 and amaf[a] == 0:
            amaf[a] = scal[TO_PLAY]
        play_action(pts, scal, zob, hist, a)
        depth += 1
        node = _enter_child(nodes, nodew, ef, ei, tinfo, node, e, scal[PASSES] >= 2, depth, path, epath)
    return depth


@njit(**NJIT)
def descend_tree(nodes, nodew, ef, ei, tinfo, root_scal, fp, ip, path, epath, amaf):
    """``descend`` on the tree alone, without playing the moves (the caller does).

    The same walk, virtual losses, new children and AMAF first plays as ``descend``; see
    ``search_fused`` for how the moves are played.

    The side to move alternates along the path (a pass is a move) and two consecutive passes end
    the game, so neither needs the board.
    """
    n2 = root_scal[SIZE] * root_scal[SIZE]
    color = root_scal[TO_PLAY]
    passes = root_scal[PASSES]
    node = tinfo[T_ROOT]
    depth = 0
    path[0] = node
    nodes[VLOSS, node] += 1
    while nodes[FIRST, node] >= 0 and nodes[TERM, node] == 0 and depth < ip[IP_MAX_DEPTH]:
        e = select_edge(nodes, nodew, ef, ei, node, fp)
        a = ei[EACT, e]
        if a == n2:
            passes += 1
        else:
            passes = 0
            if amaf[a] == 0:
                amaf[a] = color
        color = 3 - color
        depth += 1
        node = _enter_child(nodes, nodew, ef, ei, tinfo, node, e, passes >= 2, depth, path, epath)
    return depth


@njit(**NJIT)
def outcome_value(score, komi, color):
    """+1 / -1 / 0: the result of area ``score`` (black minus white, no komi) for ``color``."""
    s = score - komi
    v = 1.0 if s > 0 else (-1.0 if s < 0 else 0.0)
    return v if color == 1 else -v


@njit(**NJIT)
def backup(nodes, nodew, ef, ei, path, epath, depth, value, color, amaf, use_rave):
    """Add ``value`` (from the view of ``color``, the player to move at the leaf) up the path.

    Removes the path's virtual losses. With ``use_rave`` each edge whose action the player to move
    at its parent played first later in the simulation gets an AMAF update.
    """
    v = value
    c = color
    for i in range(depth, -1, -1):
        node = path[i]
        nodes[NVIS, node] += 1
        nodes[VLOSS, node] -= 1
        nodew[node] -= v  # W is from the view of the player who moved into the node
        if i > 0:
            e = epath[i]
            en = ef[EN, e] + 1.0
            ew = ef[EW, e] - v
            ef[EN, e] = en
            ef[EW, e] = ew
            ef[EVL, e] -= 1.0
            ef[EQ, e] = ew / en
            ef[EU, e] = ef[PRIOR, e] / (1.0 + en)
        if use_rave and nodes[FIRST, node] >= 0:
            first = nodes[FIRST, node]
            for e in range(first, first + nodes[NCH, node]):
                a = ei[EACT, e]
                if a < amaf.shape[0] - 1 and amaf[a] == c:
                    ef[RAVN, e] += 1.0
                    ef[RAVW, e] += v
        v = -v
        c = 3 - c


@njit(**NJIT)
def fill_legal_mask_simple(pts, scal, legal):
    """Legal actions of the side to move under simple ko (no superko history scan; pass legal)."""
    n = scal[SIZE]
    w = n + 1
    color = scal[TO_PLAY]
    st = pts[STONES]
    ko = scal[KO]
    allow = scal[ALLOW_SUICIDE] != 0
    for r in range(n):
        for c in range(n):
            loc = loc_of(r, c, w)
            # the rule of ``simple_legal`` with the rules' suicide setting, written out: the ko point
            # and colour in locals keep this loop 4x faster than calling the primitive (measured)
            ok = st[loc] == EMPTY and loc != ko and (allow or not is_suicide(pts, scal, loc, color))
            legal[r * n + c] = 1 if ok else 0
    legal[n * n] = 1


@njit(**NJIT)
def _leaf_priors(pts, scal, ip, legal, pri, table, tree_args):
    fill_legal_mask_simple(pts, scal, legal)
    if ip[IP_PRIORS] == PRIORS_TREE:
        tree_ew, locs, feats = tree_args
        tree_priors(pts, scal, legal, tree_ew, locs, feats, pri)
    elif ip[IP_PRIORS] == PRIORS_HEURISTIC:
        heuristic_priors(pts, scal, legal, table, pri)
    else:
        pri[:] = 1.0


@njit(**NJIT)
def search_fused(
    tree,
    root_pts,
    root_scal,
    root_hist,
    zob,
    fp,
    ip,
    rng,
    n_sims,
    table,
    scratch,
    pwork,
    rollout_args,
    tree_args,
    queue,
):
    """Run ``n_sims`` simulations with Numba-native rollouts as the evaluator, all compiled.

    With ``ip[IP_NET] > 0`` the search also feeds a network (AlphaGo Lee's asynchronous policy
    and value nets, made synchronous in batches): a node that an expanding simulation passes with
    at least ``ip[IP_NET]`` visits, expanded and not yet evaluated, has its position copied to
    ``queue`` and is marked queued (``NETQ`` = 1); the loop returns after the simulation that fills
    the queue, so that the caller can evaluate it and call ``apply_net``. Until then the node
    keeps the priors it was expanded with (``ip[IP_PRIORS]``: the trained tree policy is the paper's
    placeholder ``p_tau``; the heuristics or uniform priors stand in for it).

    Args:
        tree: ``(nodes, nodew, ef, ei, tinfo)``.
        root_pts: the root position's per-point arrays (not modified).
        root_scal: the root position's scalars (not modified).
        root_hist: the root position's superko history.
        zob: Zobrist table.
        fp: float search parameters (``FP_*``).
        ip: integer search parameters (``IP_*``).
        rng: ``uint64[1]`` generator state.
        n_sims: simulations to run.
        table: 3x3 pattern table (heavy rollouts and priors).
        scratch: ``(pts, scal, hist, path, amaf, legal, pri, epath)`` work arrays.
        pwork: work arrays of ``playout_score``.
        rollout_args: ``(ew, gw, rows, buf)``: weights and work arrays of the learned rollout
            policy (``POLICY_LEARNED``; ``engine/rollout/_kernels_rollout.py``), dummies otherwise.
        tree_args: ``(tree_ew, locs, feats)``: the trained tree policy's weights and work arrays
            (``PRIORS_TREE``: expanded nodes get its priors; ``tree_priors``), dummies otherwise.
        queue: ``(q_pts, q_scal, q_node, q_count)``: positions and nodes waiting for the nets,
            ``q_count[0]`` of them; capacity ``len(q_node)``.

    Returns:
        Simulations done (fewer than ``n_sims`` when the tree is full or the queue filled).
    """
    nodes, nodew, ef, ei, tinfo = tree
    pts, scal, hist, path, amaf, legal, pri, epath = scratch
    ew, gw, rows, buf = rollout_args
    q_pts, q_scal, q_node, q_count = queue
    net_visits = ip[IP_NET] if q_node.shape[0] > 0 else 0
    komi = fp[FP_KOMI]
    use_rave = fp[FP_RAVE] != 0.0
    policy = ip[IP_POLICY]
    no_amaf = amaf[:0]
    done = 0
    # The random rollout (``playout_score``) leaves the scratch board untouched, so after a
    # simulation it still holds the last leaf's position: when the next path runs through that
    # leaf (often: an unexpanded leaf takes several visits in a row), only the moves below it are
    # played instead of restoring the root and replaying the whole path. Heavy and learned
    # rollouts play on the scratch board, which is then restored every time.
    prev_leaf = -1
    prev_depth = 0
    for _ in range(n_sims):
        if tinfo[T_NODES] >= nodes.shape[1] - 1 or (net_visits > 0 and q_count[0] >= q_node.shape[0]):
            break
        for i in range(amaf.shape[0]):
            amaf[i] = 0
        depth = descend_tree(nodes, nodew, ef, ei, tinfo, root_scal, fp, ip, path, epath, amaf)
        start = 0
        if prev_leaf >= 0 and prev_depth <= depth and path[prev_depth] == prev_leaf:
            start = prev_depth
        else:
            load_root(root_pts, root_scal, root_hist, pts, scal, hist, amaf[:0])
        for i in range(start + 1, depth + 1):
            play_action(pts, scal, zob, hist, ei[EACT, epath[i]])
            if net_visits > 0:
                _maybe_queue(nodes, path[i], pts, scal, net_visits, queue)
        leaf = path[depth]
        prev_leaf = leaf if policy == POLICY_RANDOM else -1
        prev_depth = depth
        color = scal[TO_PLAY]
        if nodes[TERM, leaf] != 0:
            value = outcome_value(area_score(pts, scal), komi, color)
        else:
            if nodes[FIRST, leaf] < 0 and nodes[NVIS, leaf] + 1 >= ip[IP_EXPAND] and depth < ip[IP_MAX_DEPTH]:
                _leaf_priors(pts, scal, ip, legal, pri, table, tree_args)
                expand_node(nodes, ef, ei, tinfo, leaf, legal, pri, not use_rave)
            if policy == POLICY_HEAVY:
                score = heavy_playout(pts, scal, zob, rng, ip[IP_MAX_MOVES], table, amaf if use_rave else no_amaf)
            elif policy == POLICY_LEARNED:
                score = learned_rollout(pts, scal, zob, ew, rng, ip[IP_MAX_MOVES], gw, rows, buf)
            else:
                score = playout_score(pts, scal, zob, rng, ip[IP_MAX_MOVES], pwork)
            value = outcome_value(score, komi, color)
        backup(nodes, nodew, ef, ei, path, epath, depth, value, color, amaf, use_rave)
        if net_visits > 0 and fp[FP_LAMBDA] < 1.0:
            backup_net_value(nodes, ef, path, epath, depth)
        done += 1
    return done


@njit(**NJIT)
def backup_net_value(nodes, ef, path, epath, depth):
    """Back up the value-net value of the deepest evaluated node of a simulation's path.

    AlphaGo Lee backs up ``v(s_L)`` of every simulation's leaf into ``N_v``, ``W_v``; here the
    leaf is valued by its deepest ancestor that the nets have seen (the nets see only nodes with
    ``net_visits`` visits), so value statistics, like rollout ones, count simulations.
    """
    i = depth
    while i > 0 and nodes[NETQ, path[i]] != 2:
        i -= 1
    if i == 0:
        return
    v = ef[VNET, epath[i]]
    for j in range(i, 0, -1):
        e = epath[j]
        ef[VN, e] += 1.0
        ef[VW, e] += v
        v = -v


@njit(**NJIT)
def _maybe_queue(nodes, node, pts, scal, net_visits, queue):
    """Queue ``node`` (whose position is ``pts``/``scal``) for the nets if it is due and there is room."""
    q_pts, q_scal, q_node, q_count = queue
    k = q_count[0]
    if k >= q_node.shape[0] or nodes[NETQ, node] != 0 or nodes[FIRST, node] < 0 or nodes[TERM, node] != 0:
        return
    if nodes[NVIS, node] < net_visits:
        return
    src = pts.reshape(pts.size)
    dst = q_pts[k].reshape(pts.size)
    for j in range(src.shape[0]):
        dst[j] = src[j]
    for j in range(scal.shape[0]):
        q_scal[k, j] = scal[j]
    q_node[k] = node
    q_count[0] = k + 1
    nodes[NETQ, node] = 1


@njit(**NJIT)
def apply_net(tree, q_node, k, logits, values, temperature):
    """Install the nets' results for the ``k`` queued nodes ``q_node[:k]``.

    Each node's edge priors become the softmax of ``logits[i]`` (``float64[k, n*n+1]``) over its
    edges at ``temperature``; its value ``values[i]`` (from the view of the player to move at the
    node) is kept on the edge into it (``VNET``, negated) for ``backup_net_value``. The node is
    marked evaluated (``NETQ`` = 2).
    """
    nodes, nodew, ef, ei, tinfo = tree
    root = tinfo[T_ROOT]
    for i in range(k):
        node = q_node[i]
        first = nodes[FIRST, node]
        nch = nodes[NCH, node]
        if first >= 0 and nch > 0:
            top = -1e300
            for e in range(first, first + nch):
                top = max(top, logits[i, ei[EACT, e]] / temperature)
            total = 0.0
            for e in range(first, first + nch):
                total += np.exp(logits[i, ei[EACT, e]] / temperature - top)
            for e in range(first, first + nch):
                p = np.exp(logits[i, ei[EACT, e]] / temperature - top) / total
                ef[PRIOR, e] = p
                ef[EU, e] = p / (1.0 + ef[EN, e])
            nodes[SORTED, node] = 0
        nodes[NETQ, node] = 2
        parent = nodes[PARENT, node]
        if node != root and parent >= 0:
            pf = nodes[FIRST, parent]
            for e in range(pf, pf + nodes[NCH, parent]):
                if ei[CHILD, e] == node:
                    ef[VNET, e] = -values[i]  # from the view of the player who moved into the node
                    break


@njit(**NJIT)
def unqueue(nodes, q_node, k):
    """Forget the ``k`` queued but unevaluated nodes (``NETQ`` back to 0) at the end of a search."""
    for i in range(k):
        if nodes[NETQ, q_node[i]] == 1:
            nodes[NETQ, q_node[i]] = 0


@njit(**NJIT)
def collect_leaves(tree, root_pts, root_scal, root_hist, zob, fp, ip, count, out, amaf):
    """Select up to ``count`` leaves under virtual loss for one evaluator call.

    Terminal leaves are scored exactly and backed up at once. Each other leaf's board, legal mask
    and path go to slot ``k`` of ``out = (pts, scal, hist, legal, paths, depth, color, epaths)`` (over B).

    Returns:
        ``(pending, terminal)``: leaves written to ``out`` and terminal simulations completed.
    """
    nodes, nodew, ef, ei, tinfo = tree
    o_pts, o_scal, o_hist, o_legal, o_path, o_depth, o_color, o_epath = out
    k = 0
    term = 0
    for _ in range(count):
        if tinfo[T_NODES] >= nodes.shape[1] - 1:
            break
        pts, scal, hist, path, epath = o_pts[k], o_scal[k], o_hist[k], o_path[k], o_epath[k]
        load_root(root_pts, root_scal, root_hist, pts, scal, hist, amaf)
        depth = descend(nodes, nodew, ef, ei, tinfo, pts, scal, zob, hist, fp, ip, path, epath, amaf)
        leaf = path[depth]
        color = scal[TO_PLAY]
        if nodes[TERM, leaf] != 0:
            value = outcome_value(area_score(pts, scal), fp[FP_KOMI], color)
            backup(nodes, nodew, ef, ei, path, epath, depth, value, color, amaf, False)
            term += 1
            continue
        fill_legal_mask(pts, scal, zob, hist, color, o_legal[k])
        o_depth[k] = depth
        o_color[k] = color
        k += 1
    return k, term


@njit(**NJIT)
def incorporate(tree, out, k, priors, values, ip, amaf):
    """Expand the ``k`` collected leaves with the evaluator's priors and back up its values."""
    nodes, nodew, ef, ei, tinfo = tree
    o_legal, o_path, o_depth, o_color, o_epath = out[3], out[4], out[5], out[6], out[7]
    for i in range(k):
        path = o_path[i]
        depth = o_depth[i]
        leaf = path[depth]
        if nodes[FIRST, leaf] < 0 and nodes[NVIS, leaf] + 1 >= ip[IP_EXPAND] and depth < ip[IP_MAX_DEPTH]:
            expand_node(nodes, ef, ei, tinfo, leaf, o_legal[i], priors[i])
        backup(nodes, nodew, ef, ei, path, o_epath[i], depth, values[i], o_color[i], amaf, False)


@njit(**NJIT)
def rollout_batch(b_pts, b_scal, k, zob, rng, fp, ip, table, legal, priors, values, pwork):
    """Priors and rollout values (from the view of the player to move) of ``k`` boards of a batch.

    The boards are modified (heavy rollouts run in place). Any ``ip[IP_PRIORS]`` but uniform gives
    the heuristic priors here (the tree policy is the fused search's).
    """
    no_amaf = np.empty(0, np.int64)
    for i in range(k):
        pts = b_pts[i]
        scal = b_scal[i]
        if ip[IP_PRIORS] != PRIORS_UNIFORM:
            heuristic_priors(pts, scal, legal[i], table, priors[i])
        else:
            priors[i, :] = 1.0
        color = scal[TO_PLAY]
        if ip[IP_POLICY] == POLICY_HEAVY:
            score = heavy_playout(pts, scal, zob, rng, ip[IP_MAX_MOVES], table, no_amaf)
        else:
            score = playout_score(pts, scal, zob, rng, ip[IP_MAX_MOVES], pwork)
        values[i] = outcome_value(score, fp[FP_KOMI], color)


@njit(**NJIT)
def compact_tree(src, dst, new_root):
    """Copy the subtree under ``new_root`` of tree ``src`` into tree ``dst`` (breadth first).

    ``dst``'s root is node 0 with no parent. Returns the number of nodes copied.
    """
    s_nodes, s_w, s_ef, s_ei, s_t = src
    d_nodes, d_w, d_ef, d_ei, d_t = dst
    queue = np.empty(s_t[T_NODES], np.int64)  # old index per new index
    queue[0] = new_root
    nn = 1
    ne = 0
    head = 0
    while head < nn:
        old = queue[head]
        for r in range(NODE_ROWS):
            d_nodes[r, head] = s_nodes[r, old]
        d_w[head] = s_w[old]
        d_nodes[VLOSS, head] = 0
        first = s_nodes[FIRST, old]
        if first >= 0:
            nch = s_nodes[NCH, old]
            d_nodes[FIRST, head] = ne
            for j in range(nch):
                e = first + j
                for r in range(EF_ROWS):
                    d_ef[r, ne + j] = s_ef[r, e]
                d_ef[EVL, ne + j] = 0.0
                d_ei[EACT, ne + j] = s_ei[EACT, e]
                ch = s_ei[CHILD, e]
                if ch >= 0:
                    queue[nn] = ch
                    d_ei[CHILD, ne + j] = nn
                    nn += 1
                else:
                    d_ei[CHILD, ne + j] = -1
            ne += nch
        head += 1
    # parents: rewrite from the edges
    d_nodes[PARENT, 0] = -1
    for i in range(nn):
        first = d_nodes[FIRST, i]
        if first >= 0:
            for e in range(first, first + d_nodes[NCH, i]):
                ch = d_ei[CHILD, e]
                if ch >= 0:
                    d_nodes[PARENT, ch] = i
    d_t[T_NODES] = nn
    d_t[T_EDGES] = ne
    d_t[T_ROOT] = 0
    return nn


@njit(**NJIT)
def add_root_noise(ef, first, nch, noise, eps):
    """Mix Dirichlet ``noise`` into the priors of the root's ``nch`` edges: P = (1-eps) P + eps noise."""
    for j in range(nch):
        e = first + j
        ef[PRIOR, e] = (1.0 - eps) * ef[PRIOR, e] + eps * noise[j]
        ef[EU, e] = ef[PRIOR, e] / (1.0 + ef[EN, e])


@njit(**NJIT)
def bare_playouts(pts, scal, zob, rng, count, max_moves, pwork):
    """``count`` random playouts from one position with ``playout_score`` (the benchmark baseline)."""
    total = 0
    for _ in range(count):
        total += playout_score(pts, scal, zob, rng, max_moves, pwork)
    return total


__all__ = ["make_playout_work", "playout_score"]
