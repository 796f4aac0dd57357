"""Numba kernels of Gumbel AlphaZero's root search (Danihelka et al., ICLR 2022), layout free.

Vocabulary: the *root edges* of one search are given as parallel 1-D arrays over ``j`` (0..nch-1):
visit counts ``n``, mean values ``q`` (view of the player to move at the root), ``prior``
(renormalised over the legal moves) and the *Gumbel scores* ``gsc`` = g + log prior for the ``m``
*considered* actions (the top ``m`` by that sum) and ``NOT_CONSIDERED`` for the others.
*Completed Q* is q for a visited action and the mixed value v_mix (the root's own network value
mixed with the prior-weighted q of the visited actions) for an unvisited one; sigma(q) is
``(c_visit + max_b n(b)) * c_scale * q`` on completed Q min-max normalised to [0, 1].
*Sequential halving* spreads ``budget`` simulations over rounds: each round gives every remaining
action ``max(1, budget // (ceil(log2 m) * remaining))`` visits and keeps the better half (at
least 2); ``considered_visit(m, budget, i)`` is the visit count the action chosen at simulation
``i`` has before it (the schedule of DeepMind's ``mctx``), so the root picks, among the considered
actions with exactly that many visits, the one with the highest ``gsc + sigma(completed q)``.
The move played is the best such action among those with the most visits; the policy target is
``softmax(log prior + sigma(completed q))`` over every legal move.
"""

import numpy as np
from numba import njit

from engine._jit import NJIT

NOT_CONSIDERED = -1e30
"""the Gumbel score of an action outside the top m"""


@njit(**NJIT)
def considered_visit(m, budget, i):
    """Visits the action chosen at root simulation ``i`` (0-based) has before it, under halving."""
    if m <= 1:
        return i
    log2max = int(np.ceil(np.log2(m)))
    k, v, pos = m, 0, 0
    while True:
        extra = max(1, budget // (log2max * k))
        span = extra * k
        if i < pos + span:
            return v + (i - pos) // k
        pos += span
        v += extra
        k = max(2, k // 2)


@njit(**NJIT)
def gumbel_scores(prior, uniforms, m, out):
    """``out[j]`` = g + log prior for the top ``m`` of that sum (g = -log(-log u)), else NOT_CONSIDERED."""
    nch = prior.shape[0]
    for j in range(nch):
        u = min(max(uniforms[j], 1e-300), 1.0 - 1e-16)
        out[j] = -np.log(-np.log(u)) + np.log(max(prior[j], 1e-30))
    if m >= nch:
        return
    order = np.argsort(-out[:nch])
    for r in range(m, nch):
        out[order[r]] = NOT_CONSIDERED


@njit(**NJIT)
def sigma_completed(n, q, prior, raw_value, c_visit, c_scale, out):
    """``out[j]`` = sigma(completed Q of action j), completed by v_mix and min-max normalised."""
    nch = n.shape[0]
    sum_n, max_n, sum_p, wq = 0.0, 0.0, 0.0, 0.0
    for j in range(nch):
        if n[j] > 0:
            sum_n += n[j]
            max_n = max(max_n, n[j])
            sum_p += prior[j]
            wq += prior[j] * q[j]
    vmix = (raw_value + (sum_n * wq / sum_p if sum_p > 0 else 0.0)) / (sum_n + 1.0)
    lo, hi = 1e300, -1e300
    for j in range(nch):
        v = q[j] if n[j] > 0 else vmix
        out[j] = v
        lo, hi = min(lo, v), max(hi, v)
    scale = (c_visit + max_n) * c_scale / max(hi - lo, 1e-8)
    for j in range(nch):
        out[j] = (out[j] - lo) * scale


@njit(**NJIT)
def root_pick(n, vl, gsc, sig, cv):
    """The considered action with ``n + vl == cv`` maximising ``gsc + sig`` (else the least visited).

    ``vl``: simulations in flight through each action (virtual loss), counted as visits.
    """
    best, best_s = -1, -1e300
    low, low_c, low_s = -1, 1e300, -1e300
    for j in range(n.shape[0]):
        if gsc[j] <= NOT_CONSIDERED / 2:
            continue
        s = gsc[j] + sig[j]
        c = n[j] + vl[j]
        if c == cv and s > best_s:
            best, best_s = j, s
        if c < low_c or (c == low_c and s > low_s):
            low, low_c, low_s = j, c, s
    return best if best >= 0 else low


@njit(**NJIT)
def final_pick(n, vl, gsc, sig):
    """The action to play: among the considered actions with the most visits, the best ``gsc + sig``."""
    most = -1.0
    for j in range(n.shape[0]):
        if gsc[j] > NOT_CONSIDERED / 2:
            most = max(most, n[j])
    return root_pick(n, vl, gsc, sig, most)


@njit(**NJIT)
def improved_policy(prior, sig, out):
    """``out[j]`` = softmax(log prior + sig) over the root edges."""
    nch = prior.shape[0]
    top = -1e300
    for j in range(nch):
        out[j] = np.log(max(prior[j], 1e-30)) + sig[j]
        top = max(top, out[j])
    total = 0.0
    for j in range(nch):
        out[j] = np.exp(out[j] - top)
        total += out[j]
    for j in range(nch):
        out[j] /= total


@njit(**NJIT)
def policy_row(prior, sig, acts, row):
    """``row[acts[j]]`` = the improved policy of action j times 65535, rounded (a ``uint16`` sample row)."""
    pol = np.empty(prior.shape[0])
    improved_policy(prior, sig, pol)
    for j in range(prior.shape[0]):
        row[acts[j]] = np.uint16(round(pol[j] * 65535.0))
