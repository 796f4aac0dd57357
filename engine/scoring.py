"""Scoring a finished game: which stones are dead, alive or in seki, and the area score.

Vocabulary (points are actions ``row * n + col``):

* A *region* of colour X is a maximal connected set of points without X stones (empty points
  and opponent stones). It is *vital* to an X chain when every empty point of the region is a
  liberty of that chain.
* A chain is *pass-alive* (Benson 1976, "Life in the game of Go") when it stays in the set that
  Benson's algorithm keeps: repeatedly drop the chains with fewer than two vital regions among
  the regions kept, and the regions that touch a dropped chain. The opponent cannot capture a
  pass-alive chain even if its owner always passes.
* *Pass-alive territory* of X: the kept regions that are vital to a pass-alive X chain. Opponent
  stones there are dead, whatever the playouts say: they can never make an eye.
* *Ownership*: the mean final Tromp-Taylor owner of each point (+1 black, -1 white) over heavy
  playouts (``engine.rollout._kernels_policy``) from the position, half of them with black to
  move first and half with white, so that neither side gets a free move.
* A chain is *dead* when it is neither pass-alive nor in seki (``engine.seki``) and either lies in
  the opponent's pass-alive territory or its points are owned by the opponent in the playouts
  (mean ownership from the chain's side below ``alive_min``). Lone stones in an opponent's area
  come out dead this way; seki chains stay alive.
* The *score* is the area count after the dead stones are removed, black minus white minus komi
  (Chinese area scoring; GTP ``final_score`` and the match referee): stones, and empty regions
  bordered by one colour only. Eyes of seki groups count for nobody, as in GNU Go's count.

The result is deterministic for a given ``seed``, so that GTP's ``final_status_list`` and
``final_score`` agree with each other on every call.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from engine import _kernels as K
from engine.board import BLACK, EMPTY, WHITE, Board, IllegalMove
from engine.rollout._kernels_policy import PATTERN_TABLE, ownership_playouts
from engine.seki import seki_points

DEFAULT_PLAYOUTS = 400
"""heavy playouts per judgement (half with each colour to move first)"""
ALIVE_MIN = 0.2
"""a chain is dead when its mean ownership, from its own side, is below this: it survives in
fewer than 60% of the playouts (lone stones in an opponent's open area survive random playouts
far more often than against a real reply, so the cut sits above 0); tuned on GNU Go's judgement
of finished games, where living chains score 0.4 and more"""


@dataclass(frozen=True)
class FinalStatus:
    """Every stone of a position sorted into ``dead``, ``alive`` and ``seki`` (actions, sorted).

    Attributes:
        dead: stones to remove before counting.
        alive: stones that stay, seki stones included (GTP counts seki as alive).
        seki: stones of chains in seki (a subset of ``alive``).
        ownership: ``float64[n*n]`` playout ownership, +1 black to -1 white.
        score: area score after removing ``dead``, black minus white minus komi.
    """

    dead: list[int]
    alive: list[int]
    seki: list[int]
    ownership: np.ndarray
    score: float

    @property
    def result(self) -> str:
        """The score as GTP and SGF write it: ``B+3.5``, ``W+1``, ``0``."""
        return score_text(self.score)


def score_text(score: float) -> str:
    """``B+3.5`` / ``W+1`` / ``0`` for a score from black's view."""
    return "0" if score == 0 else f"{'B' if score > 0 else 'W'}+{abs(score):g}"


# ------------------------------------------------------------------------------ Benson
@cache
def _neighbours(n: int) -> tuple[tuple[int, ...], ...]:
    out = []
    for a in range(n * n):
        r, c = divmod(a, n)
        near = ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1))
        out.append(tuple(rr * n + cc for rr, cc in near if 0 <= rr < n and 0 <= cc < n))
    return tuple(out)


def _components(inside: np.ndarray, nbrs: tuple[tuple[int, ...], ...]) -> tuple[np.ndarray, list[list[int]]]:
    """Label the connected components of the points where ``inside`` is true: ``(label, members)``."""
    label = np.full(len(inside), -1, np.int64)
    groups: list[list[int]] = []
    for start in map(int, np.flatnonzero(inside)):
        if label[start] >= 0:
            continue
        label[start] = len(groups)
        members, stack = [], [start]
        while stack:
            p = stack.pop()
            members.append(p)
            for q in nbrs[p]:
                if inside[q] and label[q] < 0:
                    label[q] = len(groups)
                    stack.append(q)
        groups.append(members)
    return label, groups


def benson(stones: np.ndarray, size: int, color: int) -> tuple[np.ndarray, np.ndarray]:
    """Benson's unconditional life for ``color`` on a flat ``stones`` array.

    Args:
        stones: ``int[n*n]`` of EMPTY/BLACK/WHITE.
        size: board size ``n``.
        color: BLACK or WHITE.

    Returns:
        ``(alive, territory)``, two ``bool[n*n]``: the stones of ``color``'s pass-alive chains, and
        the points of its pass-alive territory (regions vital to a pass-alive chain).
    """
    nbrs = _neighbours(size)
    chain_of, chains = _components(stones == color, nbrs)
    region_of, regions = _components(stones != color, nbrs)
    border: list[set[int]] = []
    vital: list[set[int]] = []
    for members in regions:
        touching = {int(chain_of[q]) for p in members for q in nbrs[p] if chain_of[q] >= 0}
        empties = [p for p in members if stones[p] == EMPTY]
        healthy = set(touching) if empties else set()
        for p in empties:
            healthy &= {int(chain_of[q]) for q in nbrs[p] if chain_of[q] >= 0}
        border.append(touching)
        vital.append(healthy)
    live = set(range(len(chains)))
    kept = set(range(len(regions)))
    while True:
        count = dict.fromkeys(live, 0)
        for r in kept:
            for c in vital[r]:
                if c in count:
                    count[c] += 1
        drop = {c for c, k in count.items() if k < 2}
        if not drop:
            break
        live -= drop
        kept = {r for r in kept if not (border[r] & drop)}
    alive = np.zeros(len(stones), bool)
    territory = np.zeros(len(stones), bool)
    for c in live:
        alive[chains[c]] = True
    for r in kept:
        if vital[r] & live:
            territory[regions[r]] = True
    return alive, territory


# ------------------------------------------------------------------------------ playouts
def playout_ownership(board: Board, playouts: int = DEFAULT_PLAYOUTS, seed: int = 0) -> np.ndarray:
    """``float64[n*n]``: mean final ownership (+1 black, -1 white) over heavy playouts.

    The playouts start from ``board`` as it stands, even after two passes; half of them have
    black move first and half white. ``board`` is not modified.
    """
    n = board.size
    rng = np.array([np.random.default_rng(seed).integers(1, 2**62)], np.uint64)
    total = np.zeros(n * n)
    out = np.zeros(n * n)
    half = max(playouts // 2, 1)
    for color in (BLACK, WHITE):
        pts, scal = board.pts.copy(), board.scal.copy()
        scal[K.PASSES] = 0
        scal[K.KO] = 0
        scal[K.TO_PLAY] = color
        ownership_playouts(pts, scal, board.zob, rng, half, 3 * n * n, PATTERN_TABLE, out)
        total += out
    return total / 2


# ------------------------------------------------------------------------------ seki
def _atari_by(board: Board, chain: list[int], color: int) -> bool:
    """True if ``color`` can fill a liberty of ``chain`` keeping two liberties, leaving ``chain`` one."""
    n = board.size
    libs = {q for p in chain for q in _neighbours(n)[p] if board.color_at(q) == EMPTY}
    for q in sorted(libs):
        after = board.copy()
        after.resume()
        try:
            after.play(q, color)
        except IllegalMove:
            continue
        if after.liberties(q) >= 2 and after.color_at(chain[0]) != EMPTY and after.liberties(chain[0]) == 1:
            return True
    return False


def seki_stones(board: Board) -> list[int]:
    """Stones in seki: ``engine.seki``'s seki points, less the chains that are not truly in seki.

    A chain next to a seki point is not in seki when the opponent can safely fill another of its
    liberties and leave it in atari (it is merely short of liberties); a seki point stays only
    while chains of both colours that are in seki touch it.
    """
    n = board.size
    stones = board.stones().ravel()
    nbrs = _neighbours(n)
    points = seki_points(board)
    heads: dict[int, list[int]] = {}
    for a in points:
        for q in nbrs[a]:
            if stones[q] != EMPTY and not any(q in c for c in heads.values()):
                heads[q] = board.chain(q)
    short = {h for h, chain in heads.items() if _atari_by(board, chain, 3 - int(stones[h]))}
    member = {p: h for h, chain in heads.items() if h not in short for p in chain}
    found: set[int] = set()
    for a in points:
        around = {member[q] for q in nbrs[a] if q in member}
        if {int(stones[h]) for h in around} == {BLACK, WHITE}:
            for h in around:
                found.update(heads[h])
    return sorted(found)


# ------------------------------------------------------------------------------ judgement
def final_status(
    board: Board,
    playouts: int = DEFAULT_PLAYOUTS,
    seed: int = 0,
    alive_min: float = ALIVE_MIN,
) -> FinalStatus:
    """Dead, alive and seki stones of ``board`` and its score (see the module docstring).

    Args:
        board: the position, usually after two passes; not modified.
        playouts: heavy playouts for the ownership (0: Benson and seki only).
        seed: seed of the playouts.
        alive_min: a chain is dead below this ownership from its own side.
    """
    n = board.size
    stones = board.stones().ravel().astype(np.int64)
    own = playout_ownership(board, playouts, seed) if playouts > 0 else np.zeros(n * n)
    alive_b, terr_b = benson(stones, n, BLACK)
    alive_w, terr_w = benson(stones, n, WHITE)
    pass_alive = alive_b | alive_w
    in_enemy_territory = ((stones == BLACK) & terr_w) | ((stones == WHITE) & terr_b)
    seki = set(seki_stones(board))
    dead: list[int] = []
    for color in (BLACK, WHITE):
        for chain in _components(stones == color, _neighbours(n))[1]:
            if _is_dead(chain, color, own, pass_alive, in_enemy_territory, seki, alive_min):
                dead.extend(chain)
    dead.sort()
    dead_set = set(dead)
    alive = [int(a) for a in np.flatnonzero(stones != EMPTY) if int(a) not in dead_set]
    return FinalStatus(dead, alive, sorted(seki), own, area_score_without(board, dead, sorted(seki)))


def _is_dead(chain, color, own, pass_alive, in_enemy_territory, seki, alive_min) -> bool:
    """One colour's stones of a block: dead by Benson, alive by Benson or seki, else by ownership."""
    if any(pass_alive[p] or p in seki for p in chain):
        return False
    if any(in_enemy_territory[p] for p in chain):
        return True
    side = 1.0 if color == BLACK else -1.0
    return side * float(np.mean(own[chain])) < alive_min


def area_score_without(board: Board, dead: list[int], seki: list[int] = ()) -> float:
    """Area score of ``board`` with the ``dead`` stones taken off (black minus white minus komi).

    Stones count for their colour; an empty region counts for a colour when only that colour's
    stones border it, none of them in ``seki`` (eyes of seki groups are neutral, as in GNU Go's
    count; with no seki this is the Tromp-Taylor count).
    """
    n = board.size
    stones = board.stones().ravel().astype(np.int64)
    stones[list(dead)] = EMPTY
    in_seki = np.zeros(n * n, bool)
    in_seki[list(seki)] = True
    nbrs = _neighbours(n)
    score = float(np.count_nonzero(stones == BLACK) - np.count_nonzero(stones == WHITE))
    for region in _components(stones == EMPTY, nbrs)[1]:
        touching = {int(q) for p in region for q in nbrs[p] if stones[q] != EMPTY}
        colors = {int(stones[q]) for q in touching}
        if len(colors) == 1 and not in_seki[list(touching)].any():
            score += len(region) if BLACK in colors else -len(region)
    return score - board.rules.komi
