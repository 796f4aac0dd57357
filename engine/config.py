"""Frozen configuration sections of the engine layer: board, searches and self-play move choice.

``BoardConfig``, ``MCTSConfig`` (with its ``PuctConfig`` base), ``RolloutSearchConfig`` and
``SelfPlayMoves`` (shared by the run's self-play settings and the compiled many-game engine).

Plain dataclasses, built once at the edge (``cli``) and passed down; library code never reads
flags or environment variables. Every field carries a docstring; derived values are properties.
Vocabulary: the *net search* is the batched search whose leaves go to an evaluator (a network);
the *rollout search* is the fused compiled loop whose leaves run rollouts (the no-network search
and the fused AlphaGo Lee search). ``MCTSConfig`` holds the settings of both; the ones that differ
for the rollout search live in its ``rollout`` section. Every search setting is here: evaluators
only evaluate.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, fields
from typing import Any

LEGACY_ROLLOUT_KEYS = {"c_puct_rollout": "c_puct", "expand_threshold_rollout": "expand_threshold"}
"""old flat ``MCTSConfig`` keys and the ``RolloutSearchConfig`` field each became"""


@dataclass(frozen=True)
class BoardConfig:
    """Board size and rules of a game."""

    size: int = 19
    """board size, 2 to 19"""
    komi: float = 7.5
    """points added to white's area score"""
    allow_suicide: bool = False
    """Tromp-Taylor style: a move that leaves its own chain without liberties removes it"""
    ko: str = "positional"
    """``"positional"`` superko or ``"simple"`` ko"""

    def __post_init__(self):
        if not 2 <= self.size <= 19:
            raise ValueError(f"board size must be 2..19, got {self.size}")
        if self.ko not in ("positional", "simple"):
            raise ValueError(f"ko must be 'positional' or 'simple', got {self.ko!r}")

    @property
    def n_actions(self) -> int:
        """``size * size + 1`` (the pass is the last action)."""
        return self.size * self.size + 1

    def make_board(self):
        """A fresh ``engine.board.Board`` with these rules."""
        from engine.board import Board, Rules

        return Board(self.size, Rules(komi=self.komi, allow_suicide=self.allow_suicide, ko=self.ko))


@dataclass(frozen=True)
class RolloutSearchConfig:
    """Settings of the rollout search (the fused compiled loop), read instead of the net search's.

    Defaults are those of the no-network search; the fused Lee search (``nets.lee_player``) sets
    the value-net mix (``lam``, ``value_visits``, ``net_visits``).
    """

    c_puct: float = 0.7
    """``c_puct`` of the rollout search (rollout values are noisier than a value network's and RAVE
    already spreads visits; tuned against GNU Go on 9x9)"""
    expand_threshold: int = 8
    """a leaf runs plain rollouts until it has this many visits (MoGo / michi / Pachi practice); the
    tree then stays small and cheap to descend, and expansions (legal mask, priors) are rare"""
    net_visits: int = 0
    """visits at which a node's position goes to the evaluator's nets (``evaluate_nodes``; 0 = never)"""
    lam: float = 1.0
    """weight of the rollout statistics in Q once value-net statistics exist (1 = rollouts only)"""
    value_visits: float = 0.0
    """rollouts a value-net value is worth: its weight fades as ``m / (m + N)`` (0 = the fixed mix)"""

    def __post_init__(self):
        if self.c_puct <= 0 or self.expand_threshold < 1 or self.net_visits < 0:
            raise ValueError("rollout c_puct must be > 0, expand_threshold >= 1, net_visits >= 0")
        if not 0.0 <= self.lam <= 1.0 or self.value_visits < 0:
            raise ValueError("rollout lam must be in [0, 1], value_visits >= 0")


@dataclass(frozen=True)
class PuctConfig:
    """The PUCT selection rule of a net search, shared by ``MCTSConfig`` and the compiled engine's config."""

    c_puct: float = 1.5
    """exploration constant of the PUCT term (AlphaGo Lee: 5 with values in [-1, 1])"""
    c_puct_schedule: bool = False
    """use AlphaZero's growing ``c = log((1 + N + c_base) / c_base) + c_init`` instead of ``c_puct``"""
    c_base: float = 19652.0
    """``c_base`` of the AlphaZero schedule"""
    c_init: float = 1.25
    """``c_init`` of the AlphaZero schedule"""
    fpu_reduction: float = 0.25
    """first-play urgency: an unvisited child is valued at the parent's Q minus this times
    sqrt(sum of the priors of the visited children) (Leela Zero)"""


ROOT_SEARCHES = ("puct", "gumbel")
"""``SelfPlayMoves.root_search`` values"""


@dataclass(frozen=True)
class SelfPlayMoves:
    """How self-play searches and chooses its moves.

    Root noise, temperature, resignation with the no-resign holdout, playout cap, move cap and the
    root search; shared by ``selfplay.config.SelfPlayConfig`` (the run's settings) and the compiled
    engine's ``BatchSearchConfig`` (which plays them).
    """

    temperature_moves: int = 8
    """moves sampled proportionally to visits (T = 1) at the start of a game; most visits after"""
    dirichlet_alpha: float = 0.0
    """root noise concentration; 0 = 10 / number of legal moves (AlphaZero)"""
    dirichlet_eps: float = 0.25
    """root noise weight (AlphaGo Zero: 0.25)"""
    resign_threshold: float = 0.05
    """resign when the root win rate (value mapped to 0..1) falls below this; 0 = never"""
    resign_min_moves: int = 10
    """never resign before this move number"""
    resign_disabled_frac: float = 0.1
    """share of games played out with resignation off, to count false resignations"""
    playout_cap: bool = False
    """playout-cap randomization (KataGo): most moves get a fast search and are not trained on"""
    full_search_prob: float = 0.25
    """with ``playout_cap``: chance that a move gets the full search (and becomes a sample)"""
    fast_playouts: int = 0
    """with ``playout_cap``: playouts of a fast search (0 = a quarter of the full budget)"""
    max_moves: int = 0
    """move cap per game, scored by area when reached (0 = 2 * size * size)"""
    root_search: str = "puct"
    """``"puct"`` (visit counts as the policy target, temperature sampling) or ``"gumbel"`` (Gumbel
    AlphaZero: sequential halving over the Gumbel-top-``gumbel_m`` root moves, the improved policy
    as the target, no temperature and no tree reuse; usually with ``dirichlet_eps`` 0)"""
    gumbel_m: int = 16
    """root moves a Gumbel search considers"""
    gumbel_c_visit: float = 50.0
    """sigma(q) = (c_visit + max visits) * c_scale * q, q the completed Q min-max normalised"""
    gumbel_c_scale: float = 1.0
    """the scale ``c_scale`` of sigma(q) (paper: 1.0)"""
    forced_k: float = 0.0
    """PUCT root: KataGo's forced playouts ``sqrt(k P N)`` at the roots of full searches and the
    pruning of their visits from the policy target (KataGo: 2); 0 = off"""

    def __post_init__(self):
        if self.root_search not in ROOT_SEARCHES:
            raise ValueError(f"root_search must be 'puct' or 'gumbel', got {self.root_search!r}")
        if self.gumbel_m < 1:
            raise ValueError("gumbel_m must be >= 1")
        if self.forced_k < 0 or (self.forced_k > 0 and self.root_search == "gumbel"):
            raise ValueError("forced_k must be >= 0, and 0 with a Gumbel root")
        if not 0 <= self.resign_disabled_frac <= 1 or not 0 < self.full_search_prob <= 1:
            raise ValueError("resign_disabled_frac must be in [0, 1], full_search_prob in (0, 1]")


def section(config: Any, cls: type) -> dict[str, Any]:
    """The values of ``config``'s fields that belong to the section ``cls`` (one of its dataclass bases)."""
    return {f.name: getattr(config, f.name) for f in fields(cls)}


@dataclass(frozen=True)
class MCTSConfig(PuctConfig):
    """PUCT search settings (letters as in the AlphaGo papers: N, W, Q, P, c_puct; ``PuctConfig``)."""

    num_simulations: int = 800
    """playouts per move when no time limit is given (AlphaGo Zero: 1600)"""
    seconds_per_move: float | None = None
    """search by time instead: wall-clock seconds per move (``None`` = by playouts)"""
    virtual_loss: int = 3
    """losses counted per pending evaluation on every node of its path (AlphaGo Lee: 3)"""
    batch_size: int = 8
    """leaves collected under virtual loss per evaluator call (Python-batched path)"""
    expand_threshold: int = 1
    """a leaf gets its children after this many visits (AlphaGo Lee's n_thr); 1 = at once"""
    dirichlet_alpha: float = 0.0
    """root noise concentration; 0 = scaled as 10 / number of legal moves (AlphaZero)"""
    dirichlet_eps: float = 0.0
    """root noise weight, P = (1 - eps) P + eps Dir(alpha); 0 disables (use 0.25 in self-play)"""
    temperature: float = 0.0
    """move choice: 0 = most visits, else sample proportional to N^(1/T)"""
    temperature_moves: int = 30
    """the temperature applies only to the first this many moves of a game"""
    use_lcb: bool = False
    """choose the root move by lower confidence bound among well-visited moves (Leela Zero)"""
    reuse_tree: bool = True
    """keep the subtree of the moves played between searches"""
    resign_threshold: float = 0.05
    """resign when the best win rate falls below this (0 = never); never while winning on the board"""
    resign_min_moves: int = 20
    """never resign before this move number"""
    resign_consecutive: int = 3
    """resign only when this many of one's own moves in a row were below the threshold (KataGo's
    resignConsecTurns): one pessimistic search does not throw a game away"""
    max_nodes: int = 400_000
    """tree capacity in nodes; the search stops early when the tree is full"""
    max_edges: int = 4_000_000
    """tree capacity in edges (one per legal move of an expanded node)"""
    rollout_policy: str = "heavy"
    """rollouts of the rollout evaluator: ``"random"`` (uniform non-eye moves) or ``"heavy"``
    (capture/atari heuristics and 3x3 patterns)"""
    heuristic_priors: bool = True
    """rollout evaluator: priors from capture/atari/pattern heuristics instead of uniform"""
    tree_policy: str = ""
    """rollout evaluator: a trained rollout policy file (``go-engine train rollout``'s ``.npz``) whose
    tree policy gives the priors instead of the heuristics (AlphaGo Lee's ``p_tau``); "" = heuristics"""
    rave: bool = True
    """rollout evaluator: mix all-moves-as-first (RAVE) statistics into Q (Gelly & Silver 2007)"""
    rave_equiv: float = 3000.0
    """visits at which RAVE and MC values weigh equally (michi: 3500)"""
    max_playout_moves: int = 0
    """cap on moves per rollout; 0 = 3 * size * size"""
    pass_guard: bool = True
    """player: never pass while behind on the board; pass at once when the opponent passed and
    the board count wins"""
    dynamic_komi: float = 0.0
    """player: at most this many points of komi that it gives itself to overcome while its search
    is sure to win (adaptive dynamic komi, Baudis 2011), so that it keeps playing for points
    instead of slack moves; 0 = off (``engine.search.player``)"""
    rollout: RolloutSearchConfig = field(default_factory=RolloutSearchConfig)
    """the rollout search's own settings (``c_puct``, ``expand_threshold``, the value-net mix)"""

    def __post_init__(self):
        if self.num_simulations < 1:
            raise ValueError("num_simulations must be >= 1")
        if self.rollout_policy not in ("random", "heavy"):
            raise ValueError(f"rollout_policy must be 'random' or 'heavy', got {self.rollout_policy!r}")
        if isinstance(self.rollout, dict):  # from JSON
            object.__setattr__(self, "rollout", RolloutSearchConfig(**self.rollout))
        if self.batch_size < 1 or self.virtual_loss < 0 or self.expand_threshold < 1:
            raise ValueError("batch_size and expand_threshold must be >= 1, virtual_loss >= 0")
        if not 0.0 <= self.dirichlet_eps <= 1.0:
            raise ValueError("dirichlet_eps must be in [0, 1]")
        if self.dynamic_komi < 0:
            raise ValueError("dynamic_komi must be >= 0")

    def budget(self, num_simulations: int | None, seconds: float | None) -> tuple[int | None, float | None]:
        """A search's ``(num_simulations, seconds)``: as asked, else ``seconds_per_move``, else ``num_simulations``."""
        if seconds is None and num_simulations is None:
            seconds = self.seconds_per_move
            num_simulations = None if seconds is not None else self.num_simulations
        return num_simulations, seconds

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "mcts") -> MCTSConfig:
        """An ``MCTSConfig`` from plain (JSON) values; ``rollout`` may be a dict.

        The old flat keys ``c_puct_rollout`` and ``expand_threshold_rollout`` still load (into
        ``rollout``) with a ``DeprecationWarning``; ``None`` values are left at their defaults.

        Raises:
            TypeError: for a key that is no field (the message lists them).
        """
        data = {k: v for k, v in data.items() if v is not None}
        rollout = {**pop_legacy_rollout(data, where), **(data.pop("rollout", None) or {})}
        unknown = sorted(set(data) - {f.name for f in fields(cls)}) + sorted(
            f"rollout.{k}" for k in set(rollout) - {f.name for f in fields(RolloutSearchConfig)}
        )
        if unknown:
            raise TypeError(f"unknown {where} fields: {unknown}")
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return cls(**values, rollout=RolloutSearchConfig(**rollout))


def pop_legacy_rollout(data: dict[str, Any], where: str) -> dict[str, Any]:
    """Remove the old flat ``*_rollout`` keys from ``data``; returns them as ``RolloutSearchConfig`` fields.

    Each one found gives a ``DeprecationWarning`` naming ``where`` (the file or the caller).
    """
    moved = {}
    for old, new in LEGACY_ROLLOUT_KEYS.items():
        if old in data:
            warnings.warn(
                f"{where}: {old} is now rollout.{new} (MCTSConfig.rollout); the old key is read for now",
                DeprecationWarning,
                stacklevel=3,
            )
            moved[new] = data.pop(old)
    return moved
