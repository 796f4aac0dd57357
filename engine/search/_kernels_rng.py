"""Numba random variates of the many-game search: one splitmix64 generator per game slot.

``rng uint64[K]`` holds each game's state; ``rand_uniform(rng, g)`` advances game ``g``'s, so a
game's draws depend on its seed only. ``rand_gamma`` draws Gamma variates (Marsaglia and Tsang
2000) for the Dirichlet root noise.
"""

import numpy as np
from numba import njit

from engine._jit import NJIT

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


@njit(**NJIT)
def rand_uniform(rng, g):
    """A float64 in [0, 1) from game ``g``'s splitmix64 state ``rng[g]`` (advanced)."""
    s = rng[g] + _GOLDEN
    rng[g] = s
    z = (s ^ (s >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    z = z ^ (z >> np.uint64(31))
    return float(z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(**NJIT)
def _normal(rng, g):
    u1 = rand_uniform(rng, g)
    while u1 <= 0.0:
        u1 = rand_uniform(rng, g)
    u2 = rand_uniform(rng, g)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


@njit(**NJIT)
def rand_gamma(rng, g, alpha):
    """Gamma(``alpha``, 1) by Marsaglia and Tsang (2000); ``alpha`` < 1 by the ``U^(1/alpha)`` boost."""
    boost = 1.0
    if alpha < 1.0:
        u = rand_uniform(rng, g)
        while u <= 0.0:
            u = rand_uniform(rng, g)
        boost = u ** (1.0 / alpha)
        alpha += 1.0
    d = alpha - 1.0 / 3.0
    c = 1.0 / np.sqrt(9.0 * d)
    while True:
        x = _normal(rng, g)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        u = rand_uniform(rng, g)
        if u < 1.0 - 0.0331 * x * x * x * x or np.log(u) < 0.5 * x * x + d * (1.0 - v + np.log(v)):
            return d * v * boost
