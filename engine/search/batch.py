"""Many self-play games at once on compiled kernels: one arena, one evaluator call per step.

Vocabulary (see ``engine/search/_kernels_batch.py`` for the arena layout): ``ManyGames`` holds
``K`` game slots split into ``groups`` (two by default). A *step* of a group selects one leaf per
playing game (``leaves_per_game`` under virtual loss), writes their agz17 planes into the group's
preallocated ``float32[B, C, n, n]`` buffer, calls the *evaluator* once, and installs the results;
games whose search is complete play their move inside the same kernel call. While one group's
evaluator call runs in a helper thread (torch releases the GIL, and so do the kernels), the main
thread steps the other group, so a network call overlaps the other group's search. The root
search is PUCT (with KataGo's forced playouts if ``forced_k`` > 0) or Gumbel AlphaZero's
(``root = "gumbel"``).

Every game has its own komi (``start``; default ``komi`` of the config): its final score and the
value of terminal leaves use it. With ``komi_plane`` the buffer has ``C = 18`` planes, the 18th the
komi plane of ``agz17k`` (``engine.features``: the komi of the leaf's game from the view of the
player to move), written by numpy once per step; else ``C = 17``.

An *evaluator* is any callable ``(planes float32[B, C, n, n], legal int8[B, n*n+1]) -> (priors
[B, n*n+1], values [B])``: priors non-negative in any scale (the tree renormalises over legal
moves), values in [-1, 1] from the view of the player to move. ``NullEvaluator`` (uniform, 0) times
everything but the network. Python runs once per step and once per finished game, never per leaf.

A *match* (``a_black`` given: whether player A has Black in game ``i``) plays two players in the
same games: each leaf also carries its *mover*, 0 where player A is to move at its game's root and
1 for player B, and the evaluator is called as ``(planes, legal, movers)``; ``paired(a, b)`` makes
one from two evaluators (one call each a step). A match keeps no tree between moves
(``reuse_tree=False``), so neither player searches in a tree the other built.

This module imports numpy and the standard library only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from engine import _kernels as K
from engine.config import PuctConfig, SelfPlayMoves
from engine.features.registry import komi_plane_values
from engine.search import _kernels_batch as KB
from engine.search import _kernels_batch_game as KG
from engine.search import batch_loop as loop

Evaluator = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
PLANES = 17
"""agz17: the planes the kernels encode (and the sample rows keep)"""


@dataclass(frozen=True)
class BatchSearchConfig(PuctConfig, SelfPlayMoves):
    """Rules, search and self-play settings of ``ManyGames``.

    The PUCT rule (``PuctConfig``) and the move choice (``SelfPlayMoves``) are the same sections as
    in ``MCTSConfig`` and ``SelfPlayConfig``.
    """

    size: int = 9
    """board side of every game"""
    komi: float = 7.5
    """komi of every game (area scoring)"""
    allow_suicide: bool = False
    """Tromp-Taylor suicide (a move that kills its own chain is legal)"""
    superko: bool = True
    """positional superko at the root (the board's rules); the tree below uses simple ko unless ``superko_in_tree``"""
    superko_in_tree: bool = False
    """check positional superko at every leaf too (as ``MCTS`` does; slower once stones were captured)"""
    playouts: int = 100
    """simulations of a full search"""
    leaves_per_game: int = 1
    """leaves per game per step; above 1 they spread by ``virtual_loss``"""
    virtual_loss: float = 3.0
    """losses counted per pending leaf on every node of its path"""
    temperature: float = 1.0
    """PUCT root: visit-count sampling temperature of the first ``temperature_moves`` moves"""
    reuse_tree: bool = True
    """keep the chosen move's subtree for the next search (PUCT only: a Gumbel search starts afresh)"""
    max_depth: int = 1000
    """longest selection path from the root (a cap for safety; games end long before)"""
    komi_plane: bool = False
    """append the agz17k komi plane to each leaf's planes (nets with a komi input)"""

    def __post_init__(self):
        super().__post_init__()
        if (2 * self.komi) % 1:
            raise ValueError(f"komi must be a multiple of 0.5, got {self.komi}")

    @property
    def move_cap(self) -> int:
        """The move cap in force."""
        return self.max_moves or 2 * self.size * self.size

    def params(self) -> tuple[np.ndarray, np.ndarray]:
        """``(fp, ip)`` parameter vectors of the kernels."""
        fp = np.zeros(KB.NFP)
        fp[KB.FP_CPUCT], fp[KB.FP_SCHEDULE] = self.c_puct, float(self.c_puct_schedule)
        fp[KB.FP_CBASE], fp[KB.FP_CINIT], fp[KB.FP_FPU] = self.c_base, self.c_init, self.fpu_reduction
        fp[KB.FP_VLOSS] = self.virtual_loss if self.leaves_per_game > 1 else 0.0
        fp[KB.FP_KOMI], fp[KB.FP_ALPHA], fp[KB.FP_EPS] = self.komi, self.dirichlet_alpha, self.dirichlet_eps
        fp[KB.FP_TEMP], fp[KB.FP_RESIGN] = self.temperature, self.resign_threshold
        fp[KB.FP_RESIGN_OFF], fp[KB.FP_FULL_PROB] = self.resign_disabled_frac, self.full_search_prob
        fp[KB.FP_CVISIT], fp[KB.FP_CSCALE], fp[KB.FP_FORCED_K] = self.gumbel_c_visit, self.gumbel_c_scale, self.forced_k
        ip = np.zeros(KB.NIP, np.int64)
        ip[KB.IP_FULL] = self.playouts
        ip[KB.IP_FAST] = self.fast_playouts or max(1, self.playouts // 4)
        ip[KB.IP_CAP], ip[KB.IP_TEMP_MOVES] = int(self.playout_cap), self.temperature_moves
        ip[KB.IP_RESIGN_MIN], ip[KB.IP_MAX_MOVES] = self.resign_min_moves, self.move_cap
        ip[KB.IP_LEAVES], ip[KB.IP_SUPERKO_TREE] = self.leaves_per_game, int(self.superko_in_tree)
        gumbel = self.root_search == "gumbel"
        ip[KB.IP_MAX_DEPTH], ip[KB.IP_REUSE] = self.max_depth, int(self.reuse_tree and not gumbel)
        ip[KB.IP_GUMBEL], ip[KB.IP_GUMBEL_M] = int(gumbel), self.gumbel_m
        ip[KB.IP_SIZE], ip[KB.IP_SUICIDE], ip[KB.IP_SUPERKO] = self.size, int(self.allow_suicide), int(self.superko)
        return fp, ip


@dataclass
class FinishedGame:
    """One finished game: its moves, result and sample rows (``selfplay/game.py`` layout)."""

    game_id: int
    moves: np.ndarray
    """actions played, pass = n*n; black moves first"""
    winner: int
    resigned: bool
    resign_disabled: bool
    would_resign: int
    planes: np.ndarray
    """uint8[T, 17, n, n] (agz17; no komi plane)"""
    pi: np.ndarray
    """float32[T, n*n+1]"""
    z: np.ndarray
    """int8[T]: the result for each sample's player to move (``to_play``, also int8[T])"""
    to_play: np.ndarray
    sample_moves: np.ndarray
    """int[T]: moves played before each sample"""
    q: np.ndarray
    """float32[T]: the search's root value at each sample, player to move's view"""
    simulations: int
    leaves: int
    komi: float = 7.5
    """the game's komi"""


@dataclass
class RunStats:
    """Counters of ``ManyGames.play``."""

    steps: int = 0
    leaves: int = 0
    moves: int = 0
    games: int = 0
    seconds: float = 0.0
    net_seconds: float = 0.0
    """time inside evaluator calls (they overlap the other group's search)"""
    batch_sizes: list[int] = field(default_factory=list)


class NullEvaluator:
    """Uniform priors and value 0 (everything but the network is timed)."""

    def __init__(self, n_actions: int, capacity: int = 1):
        self.priors = np.ones((capacity, n_actions), np.float32)
        self.values = np.zeros(capacity, np.float32)

    def __call__(self, planes: np.ndarray, legal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Views of preallocated constant arrays (grown when a bigger batch comes)."""
        k = len(planes)
        if k > len(self.values):
            self.__init__(self.priors.shape[1], k)
        return self.priors[:k], self.values[:k]


def paired(a: Evaluator, b: Evaluator) -> Callable[[np.ndarray, np.ndarray, np.ndarray], tuple]:
    """The evaluator of a match: the rows whose mover is 0 go to ``a``, the others to ``b``."""

    def both(planes: np.ndarray, legal: np.ndarray, movers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        priors = np.zeros(legal.shape, np.float32)
        values = np.zeros(len(legal), np.float32)
        for who, ev in ((0, a), (1, b)):
            rows = np.flatnonzero(movers == who)
            if len(rows):
                p, v = ev(planes[rows], legal[rows])
                priors[rows], values[rows] = p, np.asarray(v).reshape(-1)
        return priors, values

    return both


class ManyGames:
    """``games`` game slots in one preallocated arena, stepped in ``groups`` alternating groups.

    Args:
        cfg: the settings.
        games: game slots ``K``.
        groups: groups stepped in turn (2 overlaps the evaluator with search; 1 for tests).
        hist: room for earlier positions of a loaded root (``load``), beyond the move cap.
        a_black: a match: ``a_black[i]`` is True where player A has Black in game ``i`` (the
            ``play`` index); None = self-play.

    Raises:
        ValueError: for bad sizes, or a match with ``cfg.reuse_tree``.
    """

    def __init__(
        self, cfg: BatchSearchConfig, games: int, groups: int = 2, hist: int = 0, a_black: Sequence[bool] | None = None
    ):
        if games < 1 or not 1 <= groups <= games:
            raise ValueError("games must be >= 1 and groups in 1..games")
        self.cfg, self.k = cfg, games
        self.fp, self.ip = cfg.params()
        if a_black is not None and self.ip[KB.IP_REUSE]:
            raise ValueError("a match needs reuse_tree=False: the two players share no tree")
        self.a_black = None if a_black is None else np.asarray(a_black, bool)
        n, p, lv = cfg.size, max(self.ip[KB.IP_FULL], self.ip[KB.IP_FAST]), cfg.leaves_per_game
        n2, area = n * n, (n + 2) * (n + 1) + 1
        self.max_nodes = 3 * p + 4 * lv + 16
        self.max_edges = (2 * p + 4 * lv + 8) * (n2 + 1)
        h = cfg.move_cap + hist + 8
        from engine.board import zobrist_table

        self.arena = (
            np.zeros((games, K.NROWS, area), np.int64),
            np.zeros((games, K.NSCAL), np.int64),
            np.zeros((games, h), np.int64),
            np.zeros((games, 8, n2), np.int8),
            np.zeros((games, self.max_nodes, KB.NODE_COLS), np.int32),
            np.zeros((games, self.max_nodes), np.float64),
            np.zeros((games, self.max_edges, KB.EDGE_COLS), np.float32),
            np.zeros((games, self.max_edges, 2), np.int32),
            np.zeros((games, 2), np.int64),
            np.zeros((games, KB.NGS), np.int64),
            np.zeros(games, np.uint64),
            np.zeros((games, cfg.move_cap), np.int16),
            np.zeros((games, cfg.move_cap, n2 + 1), np.uint16),
            np.zeros((games, cfg.move_cap), np.int16),
            zobrist_table(n),
            np.zeros((games, self.max_edges), np.float32),
            np.zeros((games, cfg.move_cap), np.float32),
        )
        bounds = np.linspace(0, games, groups + 1).astype(int)
        self.groups = [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        self.scratch = [self._scratch((b - a) * lv, h) for a, b in self.groups]
        self._empty = (np.zeros((0, n2 + 1), np.float32), np.zeros(0, np.float32))
        for a in (*self._arena_arrays(), *[x for sc in self.scratch for x in (*sc[:-1], *sc[-1])]):
            a.fill(0)  # fault every page in now: the first moves would otherwise pay for it

    def _scratch(self, slots: int, h: int) -> tuple:
        n, d = self.cfg.size, self.cfg.max_depth
        n2, area = n * n, (n + 2) * (n + 1) + 1
        work = (
            np.zeros((self.max_nodes, KB.NODE_COLS), np.int32),
            np.zeros(self.max_nodes, np.float64),
            np.zeros((self.max_edges, KB.EDGE_COLS), np.float32),
            np.zeros((self.max_edges, 2), np.int32),
            np.zeros(self.max_nodes, np.int64),
            np.zeros(n2 + 1, np.float64),
            np.zeros(n2 + 1, np.int8),
            np.zeros(self.max_edges, np.float32),
        )
        return (
            np.zeros((1, K.NROWS, area), np.int64),  # the scratch board of every leaf in turn
            np.zeros((1, K.NSCAL), np.int64),
            np.zeros((1, h + d + 8), np.int64),
            np.zeros((slots, n2 + 1), np.int8),
            np.zeros((slots, d + 1), np.int64),
            np.zeros((slots, d + 1), np.int64),
            np.zeros(slots, np.int64),
            np.zeros(slots, np.int64),
            np.zeros(slots, np.int64),
            np.zeros((slots, PLANES + int(self.cfg.komi_plane), n, n), np.float32),
            work,
        )

    # ------------------------------------------------------------------ memory
    def arena_bytes(self) -> int:
        """Bytes of the arena (boards, trees, game state, records) for all slots."""
        return sum(a.nbytes for a in self._arena_arrays())

    def _arena_arrays(self) -> list[np.ndarray]:
        """The arena's per-game arrays (all but the shared Zobrist table)."""
        return [a for i, a in enumerate(self.arena) if i != KB.A_ZOBRIST]

    def scratch_bytes(self) -> int:
        """Bytes of the groups' batch buffers and work arrays."""
        return sum(a.nbytes for s in self.scratch for a in s[:-1]) + sum(a.nbytes for s in self.scratch for a in s[-1])

    # ------------------------------------------------------------------ games
    def start(self, g: int, seed: int, game_id: int, komi: float | None = None) -> None:
        """Start a new game in slot ``g`` (with ``komi``, a multiple of 0.5; default the config's)."""
        KG.start_game(self.arena, self._work(g), self.fp, self.ip, g, np.uint64(seed), game_id, _komi2(self.cfg, komi))

    def _work(self, g: int) -> tuple:
        return self.scratch[self._group_of(g)][-1]

    def _group_of(self, g: int) -> int:
        return next(i for i, (a, b) in enumerate(self.groups) if a <= g < b)

    def load(self, g: int, board, seed: int = 0) -> None:
        """Put ``board``'s position (with its history) at slot ``g``'s root and start a search there."""
        bpts, bscal, bhist, rstones = self.arena[:4]
        nh = int(board.scal[K.NHIST])
        if nh + self.cfg.move_cap + 8 > bhist.shape[1]:
            raise ValueError("board history too long: make ManyGames with a larger hist")
        bpts[g], bscal[g] = board.pts, board.scal
        bhist[g, :nh] = board.hist[:nh]
        rstones[g] = 0
        for i, stones in enumerate(board.position_history(8)):
            rstones[g, (-i) & 7] = stones.reshape(-1)
        gs = self.arena[9]
        gs[g] = 0
        gs[g, KB.GS_STATUS] = KB.PLAYING
        gs[g, KB.GS_KOMI2] = _komi2(self.cfg, board.komi)
        self.arena[10][g] = np.uint64(seed)
        KG.start_move(self.arena, self._work(g), self.fp, self.ip, g, -1)

    def finished_game(self, g: int) -> FinishedGame:
        """The finished game in slot ``g`` with its sample rows (planes rebuilt from the moves)."""
        gs, moves, svis, smove = self.arena[9], self.arena[11], self.arena[12], self.arena[13]
        n, nm, ns = self.cfg.size, int(gs[g, KB.GS_NMOVES]), int(gs[g, KB.GS_NSAMPLES])
        planes = np.zeros((ns, PLANES, n, n), np.uint8)
        mv, sm = moves[g, :nm].astype(np.int64), smove[g, :ns].astype(np.int64)
        KG.game_planes(mv, nm, sm, ns, n, self.arena[KB.A_ZOBRIST], planes)
        pi = svis[g, :ns].astype(np.float32)
        pi /= pi.sum(axis=1, keepdims=True)
        colors = np.where(smove[g, :ns] % 2 == 0, K.BLACK, K.WHITE).astype(np.int8)
        winner = int(gs[g, KB.GS_WINNER])
        z = np.where(winner == K.EMPTY, 0, np.where(colors == winner, 1, -1)).astype(np.int8)
        return FinishedGame(
            game_id=int(gs[g, KB.GS_ID]),
            moves=moves[g, :nm].astype(np.int64),
            winner=winner,
            resigned=bool(gs[g, KB.GS_RESIGNED]),
            resign_disabled=self.cfg.resign_threshold > 0 and not gs[g, KB.GS_RESIGN_ON],
            would_resign=int(gs[g, KB.GS_WOULD_RESIGN]),
            planes=planes,
            pi=pi,
            z=z,
            to_play=colors,
            sample_moves=smove[g, :ns].astype(np.int64),
            q=self.arena[KB.A_SQ][g, :ns].copy(),
            simulations=int(gs[g, KB.GS_TOTAL_SIMS]),
            leaves=int(gs[g, KB.GS_LEAVES]),
            komi=0.5 * int(gs[g, KB.GS_KOMI2]),
        )

    def root_visits(self, g: int) -> np.ndarray:
        """``int64[n*n+1]``: visit counts of slot ``g``'s root moves."""
        nodes, ei = self.arena[4], self.arena[7]
        out = np.zeros(self.cfg.size**2 + 1, np.int64)
        first, nch = int(nodes[g, 0, KB.N_FIRST]), int(nodes[g, 0, KB.N_NCH])
        for e in range(max(first, 0), max(first, 0) + (nch if first >= 0 else 0)):
            ch = int(ei[g, e, KB.E_CHILD])
            out[int(ei[g, e, KB.E_ACT])] = int(nodes[g, ch, KB.N_NVIS]) if ch >= 0 else 0
        return out

    # ------------------------------------------------------------------ steps
    def select(self, group: int) -> int:
        """Select group ``group``'s leaves into its batch buffer; returns their count."""
        a, b = self.groups[group]
        return int(KB.select_leaves(self.arena, self.scratch[group], self.fp, self.ip, a, b))

    def batch(self, group: int, k: int) -> tuple[np.ndarray, ...]:
        """``(planes, legal)`` of the ``k`` selected leaves of ``group`` (views of the buffers).

        In a match also ``movers int8[k]``: 0 where player A is to move at the leaf's root, else 1.
        """
        s = self.scratch[group]
        if self.cfg.komi_plane and k:
            komi = 0.5 * self.arena[9][s[8][:k], KB.GS_KOMI2]
            s[9][:k, PLANES] = komi_plane_values(komi, s[7][:k])[:, None, None]
        if self.a_black is None:
            return s[9][:k], s[3][:k]
        gs = self.arena[9][s[8][:k]]
        black_to_move = gs[:, KB.GS_NMOVES] % 2 == 0
        return s[9][:k], s[3][:k], (black_to_move != self.a_black[gs[:, KB.GS_ID]]).astype(np.int8)

    def finish(self, group: int, k: int, priors: np.ndarray, values: np.ndarray) -> int:
        """Install ``k`` evaluations of ``group`` and advance its games; returns games finished."""
        a, b = self.groups[group]
        if k:
            priors = np.ascontiguousarray(priors, np.float32).reshape(k, -1)
            values = np.ascontiguousarray(values, np.float32).reshape(k)
        return int(KG.finish_step(self.arena, self.scratch[group], self.fp, self.ip, k, priors, values, a, b))

    def search(self, evaluator: Evaluator) -> None:
        """Run the searches of every playing slot to completion without playing a move (tests)."""
        self.ip[KB.IP_HOLD] = 1
        try:
            while True:
                total = 0
                for grp in range(len(self.groups)):
                    k = self.select(grp)
                    total += k
                    if k:
                        self.finish(grp, k, *evaluator(*self.batch(grp, k)))
                if total == 0:
                    return
        finally:
            self.ip[KB.IP_HOLD] = 0

    def play(
        self,
        evaluator: Evaluator,
        games: int,
        *,
        seed_of: Callable[[int], int] = lambda i: i + 1,
        komi_of: Callable[[int], float] | None = None,
        on_game: Callable[[FinishedGame], None] | None = None,
        seconds: float | None = None,
        overlap: bool = True,
        threads: int = 1,
    ) -> RunStats:
        """Play games ``0 .. games-1`` (``seed_of(i)`` seeds game ``i``), refilling slots as games end.

        Args:
            evaluator: the leaf evaluator.
            games: games to play.
            seed_of: the generator seed of game ``i``.
            komi_of: the komi of game ``i`` (default: the config's); called after ``seed_of(i)``.
            on_game: called with each ``FinishedGame`` as it ends (in the calling thread; with
                ``threads`` above 1 in a search thread, one call at a time).
            seconds: stop after this long (games in progress are dropped); None = play all.
            overlap: run each group's evaluator call in a helper thread while the next group steps.
            threads: search threads (at most ``groups``); above 1 thread ``i`` steps groups ``i, i +
                threads, ...`` on its own core (the kernels release the GIL) and the evaluator
                serves ``batch_loop.lanes_of(evaluator)`` calls at a time (1 unless it says so),
                so the search of one core no longer caps the evaluator's rate. Games then no
                longer replay bit for bit: an evaluator that draws random symmetries draws them
                in the calls' order of arrival.
        """
        if not 1 <= threads <= len(self.groups):
            raise ValueError(f"threads must be in 1..{len(self.groups)} (the groups), got {threads}")
        stats, t0 = RunStats(), time.perf_counter()
        gs = self.arena[9]
        nxt = 0
        komi_of = komi_of or (lambda i: None)
        for g in range(self.k):
            if nxt < games:
                self.start(g, seed_of(nxt), nxt, komi_of(nxt))
                nxt += 1
            else:
                gs[g, KB.GS_STATUS] = KB.IDLE
        cursor = [nxt]

        def refill(grp: int) -> None:
            cursor[0] = self._harvest(grp, games, cursor[0], (seed_of, komi_of), on_game, stats, t0, seconds)

        if threads > 1:
            loop.threaded(self, evaluator, refill, stats, (t0, seconds), threads)
        else:
            loop.overlapped(self, evaluator, refill, stats, (t0, seconds), overlap)
        return self._close(stats, t0)

    def _close(self, stats: RunStats, t0: float) -> RunStats:
        """``stats`` with the moves of games still playing and the wall time added."""
        gs = self.arena[9]
        playing = gs[:, KB.GS_STATUS] == KB.PLAYING
        stats.moves += int(gs[playing, KB.GS_NMOVES].sum())
        stats.seconds = time.perf_counter() - t0
        return stats

    def _live(self, group: int | None = None) -> bool:
        """Whether any game (of ``group``, default all) is playing."""
        a, b = (0, self.k) if group is None else self.groups[group]
        return bool((self.arena[9][a:b, KB.GS_STATUS] == KB.PLAYING).any())

    def _harvest(self, grp, games, nxt, starts, on_game, stats, t0, seconds) -> int:
        seed_of, komi_of = starts
        gs = self.arena[9]
        a, b = self.groups[grp]
        for g in np.flatnonzero(gs[a:b, KB.GS_STATUS] == KB.FINISHED) + a:
            g = int(g)
            stats.games += 1
            stats.moves += int(gs[g, KB.GS_NMOVES])
            if on_game is not None:
                on_game(self.finished_game(g))
            gs[g, KB.GS_STATUS] = KB.IDLE
            if nxt < games and (seconds is None or time.perf_counter() - t0 < seconds):
                self.start(g, seed_of(nxt), nxt, komi_of(nxt))
                nxt += 1
        return nxt


def _komi2(cfg: BatchSearchConfig, komi: float | None) -> int:
    """Twice ``komi`` (default ``cfg.komi``) as the kernels keep it; a komi off the half-point grid is refused."""
    komi = cfg.komi if komi is None else float(komi)
    if (2 * komi) % 1:
        raise ValueError(f"komi must be a multiple of 0.5, got {komi}")
    return int(round(2 * komi))


def warm_up(size: int = 9) -> float:
    """Compile (or load from Numba's cache) every kernel by playing two tiny games; returns the seconds."""
    t = time.perf_counter()
    cfg = BatchSearchConfig(size=size, playouts=2, max_moves=4, resign_threshold=0.0, dirichlet_eps=0.25)
    mg = ManyGames(cfg, 2, groups=1)
    mg.play(NullEvaluator(size * size + 1), 2, on_game=lambda f: None)
    return time.perf_counter() - t
