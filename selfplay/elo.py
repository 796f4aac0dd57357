"""Elo ratings from match results: a Bradley-Terry fit anchored on one player (rated 0).

``P(i beats j) = g_i / (g_i + g_j)``, ``Elo_i = 400 log10(g_i / g_anchor)``. The fit is Hunter's
minorisation-maximisation iteration (Hunter 2004, "MM algorithms for generalized Bradley-Terry
models", Ann. Statist. 32). Each pair that met gets ``prior`` virtual drawn games, so a 10-0 score
gives a large finite gap instead of infinity, and draws count half a win each.

``wilson_interval(successes, n)`` is the 95% Wilson score interval of a score rate, used by the
match referee (``selfplay.match``) and the RL evaluation (``selfplay.rl.eval``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass


@dataclass(frozen=True)
class MatchRecord:
    """``games`` games between ``a`` and ``b``, of which ``a`` scored ``score_a`` (draws = 0.5)."""

    a: str
    b: str
    score_a: float
    games: int


def fit_elo(matches: list[MatchRecord], anchor: str, prior: float = 1.0, iters: int = 2000) -> dict[str, float]:
    """Elo of every player in ``matches``, with ``anchor`` at 0.

    Args:
        matches: the results (a pair may appear several times).
        anchor: the player rated 0; players not connected to it are rated relative to the
            largest group's geometric mean instead.
        prior: virtual drawn games added to each pair that met.
        iters: MM iterations (the fit stops earlier when it converges).

    Returns:
        ``{player: elo}``.
    """
    wins: dict[str, float] = defaultdict(float)
    games: dict[tuple[str, str], float] = defaultdict(float)
    for m in matches:
        if m.games <= 0:
            continue
        wins[m.a] += m.score_a + prior / 2
        wins[m.b] += m.games - m.score_a + prior / 2
        key = (min(m.a, m.b), max(m.a, m.b))
        games[key] += m.games + prior
    players = sorted(wins)
    if not players:
        return {}
    gamma = dict.fromkeys(players, 1.0)
    opponents: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for (i, j), n in games.items():
        opponents[i].append((j, n))
        opponents[j].append((i, n))
    for _ in range(iters):
        new = {i: wins[i] / sum(n / (gamma[i] + gamma[j]) for j, n in opponents[i]) for i in players}
        scale = math.exp(sum(math.log(v) for v in new.values()) / len(new))
        new = {i: v / scale for i, v in new.items()}
        delta = max(abs(math.log(new[i] / gamma[i])) for i in players)
        gamma = new
        if delta < 1e-10:
            break
    ref = gamma.get(anchor, 1.0)
    return {i: 400.0 * math.log10(gamma[i] / ref) for i in players}


def wilson_interval(successes: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion (draws may count as half successes); 95% by default.

    Args:
        successes: number of successes (may be fractional).
        n: number of trials.
        z: normal quantile (1.96 for 95%).

    Returns:
        ``(low, high)`` in [0, 1]; ``(0, 1)`` when ``n == 0``.
    """
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)
