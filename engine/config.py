"""Frozen configuration sections of the engine layer: ``BoardConfig`` and ``MCTSConfig``.

Plain dataclasses, built once at the edge (``cli``) and passed down; library code never reads
flags or environment variables. Every field carries a docstring; derived values are properties.
"""

from __future__ import annotations

from dataclasses import dataclass


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
class MCTSConfig:
    """PUCT search settings (letters as in the AlphaGo papers: N, W, Q, P, c_puct)."""

    num_simulations: int = 800
    """playouts per move when no time limit is given (AlphaGo Zero: 1600)"""
    seconds_per_move: float | None = None
    """search by time instead: wall-clock seconds per move (``None`` = by playouts)"""
    c_puct: float = 1.5
    """exploration constant of the PUCT term (AlphaGo Lee: 5 with values in [-1, 1])"""
    c_puct_rollout: float = 0.7
    """``c_puct`` used instead when the evaluator is the built-in ``RolloutEvaluator`` (rollout values
    are noisier than a value network's and RAVE already spreads visits; tuned against GNU Go on 9x9)"""
    c_puct_schedule: bool = False
    """use AlphaZero's growing ``c = log((1 + N + c_base) / c_base) + c_init`` instead of ``c_puct``"""
    c_base: float = 19652.0
    """``c_base`` of the AlphaZero schedule"""
    c_init: float = 1.25
    """``c_init`` of the AlphaZero schedule"""
    fpu_reduction: float = 0.25
    """first-play urgency: an unvisited child is valued at the parent's Q minus this times
    sqrt(sum of the priors of the visited children) (Leela Zero)"""
    virtual_loss: int = 3
    """losses counted per pending evaluation on every node of its path (AlphaGo Lee: 3)"""
    batch_size: int = 8
    """leaves collected under virtual loss per evaluator call (Python-batched path)"""
    expand_threshold: int = 1
    """a leaf gets its children after this many visits (AlphaGo Lee's n_thr); 1 = at once"""
    expand_threshold_rollout: int = 8
    """``expand_threshold`` used instead when the evaluator is the built-in ``RolloutEvaluator``:
    a leaf runs plain rollouts until it has this many visits (MoGo / michi / Pachi practice); the
    tree then stays small and cheap to descend, and expansions (legal mask, priors) are rare"""
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
    max_nodes: int = 400_000
    """tree capacity in nodes; the search stops early when the tree is full"""
    max_edges: int = 4_000_000
    """tree capacity in edges (one per legal move of an expanded node)"""
    rollout_policy: str = "heavy"
    """rollouts of the rollout evaluator: ``"random"`` (uniform non-eye moves) or ``"heavy"``
    (capture/atari heuristics and 3x3 patterns)"""
    heuristic_priors: bool = True
    """rollout evaluator: priors from capture/atari/pattern heuristics instead of uniform"""
    rave: bool = True
    """rollout evaluator: mix all-moves-as-first (RAVE) statistics into Q (Gelly & Silver 2007)"""
    rave_equiv: float = 3000.0
    """visits at which RAVE and MC values weigh equally (michi: 3500)"""
    max_playout_moves: int = 0
    """cap on moves per rollout; 0 = 3 * size * size"""
    pass_guard: bool = True
    """player: never pass while behind on the board; pass at once when the opponent passed and
    the board count wins"""

    def __post_init__(self):
        if self.num_simulations < 1:
            raise ValueError("num_simulations must be >= 1")
        if self.rollout_policy not in ("random", "heavy"):
            raise ValueError(f"rollout_policy must be 'random' or 'heavy', got {self.rollout_policy!r}")
        thresholds = min(self.expand_threshold, self.expand_threshold_rollout)
        if self.batch_size < 1 or self.virtual_loss < 0 or thresholds < 1:
            raise ValueError("batch_size and expand_threshold must be >= 1, virtual_loss >= 0")
        if not 0.0 <= self.dirichlet_eps <= 1.0:
            raise ValueError("dirichlet_eps must be in [0, 1]")
