"""Root statistics of a search and the order in which its moves are played.

``RootChild`` is one root move's visits, mean value ``q`` (from the view of the player to move at
the root) and prior; ``rank_children`` orders them for play.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class RootChild:
    """Statistics of one root move, from the view of the player to move at the root."""

    action: int
    visits: int
    q: float
    prior: float


RANK_VISITS = 2
"""visits from which a root move's visits and Q rank it; below, its prior does (a lone rollout is noise)"""


def rank_children(children: list[RootChild], size: int = 0) -> list[RootChild]:
    """``children`` ordered for play: most visits first, then higher Q, then higher prior.

    Moves with fewer than ``RANK_VISITS`` visits come after the others and are ordered by prior
    alone, so that a search with too few playouts to rank the moves (a single playout, or a clock
    with nothing left) plays the network's or the heuristics' best move, never the first legal
    point. Equal priors go to the point nearest the centre (with ``size``), then the lower action.
    """

    def key(r: RootChild) -> tuple:
        ranked = r.visits >= RANK_VISITS
        centre = 0.0
        if size and r.action < size * size:
            row, col = divmod(r.action, size)
            centre = max(abs(row - (size - 1) / 2), abs(col - (size - 1) / 2))
        return (not ranked, -r.visits if ranked else 0, -r.q if ranked else 0.0, -r.prior, centre, r.action)

    return sorted(children, key=key)
