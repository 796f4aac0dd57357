"""Numba kernels of KataGo's forced playouts and policy target pruning (Wu 2019, section 3.1), layout free.

Vocabulary: the root edges of one search as parallel 1-D arrays over ``j``: visits ``n``, virtual
visits in flight ``vl``, mean values ``q`` (the root player's view) and ``prior`` (with the root
noise). A child is *forced* while ``n + vl < sqrt(k * prior * total)``, ``total`` the root's child
visits (KataGo: ``k`` = 2, full searches only). *Pruning* takes back, from every child but the most
visited one, up to its forced visits as long as its PUCT value ``q + c_sqrt * prior / (1 + n')``
stays below the best child's; a child left with one visit or none is dropped from the target.
"""

import numpy as np
from numba import njit

from engine._jit import NJIT


@njit(**NJIT)
def forced_pick(n, vl, prior, k):
    """The child furthest below its forced visits (ties to the first), or -1 if none is."""
    total = 0.0
    for j in range(n.shape[0]):
        total += n[j]
    best, gap = -1, 0.0
    for j in range(n.shape[0]):
        short = np.sqrt(k * prior[j] * total) - (n[j] + vl[j])
        if prior[j] > 0 and short > gap:
            best, gap = j, short
    return best


@njit(**NJIT)
def pruned_visits(n, q, prior, c_sqrt, k, out):
    """``out[j]``: child j's visits with its forced playouts pruned (see the module docstring)."""
    nch = n.shape[0]
    total, best = 0.0, 0
    for j in range(nch):
        total += n[j]
        if n[j] > n[best]:
            best = j
    puct_best = q[best] + c_sqrt * prior[best] / (1.0 + n[best])
    for j in range(nch):
        out[j] = n[j]
        if j == best or n[j] <= 0:
            continue
        lo = max(np.ceil(n[j] - np.sqrt(k * prior[j] * total)), 0.0)
        d = puct_best - q[j]
        if d > 0:  # smallest n' with q + c_sqrt * prior / (1 + n') < puct_best
            need = np.floor(c_sqrt * prior[j] / d - 1.0) + 1.0
            out[j] = min(n[j], max(lo, need))
        if out[j] <= 1:
            out[j] = 0.0


@njit(**NJIT)
def pruned_row(n, q, prior, c_sqrt, k, acts, row):
    """``row[acts[j]]`` = child j's pruned visits (a ``uint16`` sample row)."""
    out = np.empty(n.shape[0])
    pruned_visits(n, q, prior, c_sqrt, k, out)
    for j in range(n.shape[0]):
        row[acts[j]] = np.uint16(min(out[j], 65535.0))
