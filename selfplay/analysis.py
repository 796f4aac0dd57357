"""Position analysis: search a position and read win rates, score lead, ownership and variations.

Vocabulary:
    analysis: what a search of one position says (``PositionAnalysis``): for the root and for
        each candidate move (``MoveAnalysis``) the visits, win rate, score lead, prior, lower
        confidence bound and principal variation, and the ownership map of the board.
    view: every win rate and score of a ``PositionAnalysis`` is from the view of the player to
        move at the analysed position (``to_play``); ownership is +1 for black, -1 for white.
    score lead: points by which the player to move leads, komi included (area scoring).
    net search: MCTS with a policy-value net as the leaf evaluator (the shipped nets, or any
        ``.safetensors`` net); rollout search: MCTS with heavy rollouts, no network, for sizes
        without a net.

``load_analyzer()`` builds an ``Analyzer`` over the shipped nets in one call; ``load_player()`` a
player (``engine.search.player.MCTSPlayer``) over the same nets for ``genmove``.
``Analyzer.analyse(board)`` analyses one position; ``Analyzer.analyse_many(boards)`` analyses
many at once, merging the net searches' leaf evaluations into shared forward passes
(``engine.search.multi.MultiGameSearch``: one thread per position in flight, ``slots`` of them).

Score lead and ownership: a net with KataGo's ownership and score heads (``net.ownership_head``
and ``net.score_head``) gives both for the position and after each candidate move
(``TorchEvaluator.score_and_ownership``). Otherwise (the shipped nets have a policy and a value
head only, and the rollout search has no net) both come from the playouts: ownership is the mean
final Tromp-Taylor ownership of ``ownership_playouts`` heavy rollouts from the position
(``MCTSPlayer.ownership``), and the score lead is the mean final area score of those rollouts
(the sum of the ownership minus komi). Each candidate move's score lead comes the same way from
``move_playouts`` rollouts after that move. The rollouts play the hand-written heavy policy, not
the net, so that score is a rough estimate next to the search's win rate.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from engine.board import BLACK, Board
from engine.config import MCTSConfig
from engine.coords import to_gtp
from engine.search.multi import MultiGameSearch
from engine.search.player import MCTSPlayer
from selfplay.players import PlayerConfig, build_player

MCTS_FIELDS = set(MCTSConfig.__dataclass_fields__)


@dataclass
class MoveAnalysis:
    """One candidate move of an analysed position (view: the player to move)."""

    action: int
    move: str
    """GTP vertex (``"D4"``, ``"pass"``)"""
    visits: int
    winrate: float
    score_lead: float
    prior: float
    lcb: float
    """lower confidence bound of the win rate (may fall below 0 with few visits)"""
    order: int
    """rank: 0 is the move the search prefers"""
    pv: list[str] = field(default_factory=list)
    """principal variation starting with ``move``, as GTP vertices"""
    ownership: np.ndarray | None = None
    """``float[n, n]`` mean ownership after the move (+1 black), from ``move_playouts`` rollouts"""


@dataclass
class PositionAnalysis:
    """The analysis of one position; see the module docstring for the view and the score lead."""

    size: int
    to_play: int
    """BLACK (1) or WHITE (2)"""
    visits: int
    """visits of the root"""
    winrate: float
    score_lead: float
    moves: list[MoveAnalysis]
    """candidate moves, best first"""
    ownership: np.ndarray | None = None
    """``float[n, n]`` mean final ownership, +1 black, -1 white; row 0 is the top row"""
    source: str = "net"
    """``"net"`` (net search) or ``"rollout"`` (no network)"""

    @property
    def best(self) -> MoveAnalysis | None:
        """The move the search prefers (``None`` for a finished game)."""
        return self.moves[0] if self.moves else None

    @property
    def pv(self) -> list[str]:
        """Principal variation of the best move (empty for a finished game)."""
        return self.best.pv if self.best else []


@dataclass
class NetSpec:
    """A net for one board size: its evaluator and the search settings it plays with."""

    evaluator: Any
    """``nets.evaluator.TorchEvaluator``"""
    lam: float = 0.0
    """weight of a heavy rollout in the leaf value (AlphaGo Lee's mix; 0 = the net's value only)"""
    settings: dict[str, Any] = field(default_factory=dict)
    """``MCTSConfig`` fields of this net's search"""


class Analyzer:
    """Analyse positions with the net of their size, or with the rollout search where none is loaded.

    Args:
        nets: ``{board size: NetSpec}``; sizes not in it use the rollout search.
        visits: default visits per position.
        seed: seed of the searches (position ``i`` of a call uses ``seed + i``).
        slots: net searches in flight at once (their leaves share forward passes).
        ownership_playouts: rollouts for the ownership map and the root score lead (0: none).
        move_playouts: rollouts after each candidate move for its score lead (0: use the root's).
        max_moves: candidate moves reported per position.
    """

    def __init__(
        self,
        nets: dict[int, NetSpec] | None = None,
        *,
        visits: int = 200,
        seed: int | None = 0,
        slots: int = 16,
        ownership_playouts: int = 200,
        move_playouts: int = 64,
        max_moves: int = 10,
    ):
        if visits < 1 or slots < 1 or max_moves < 1 or ownership_playouts < 0 or move_playouts < 0:
            raise ValueError("visits, slots and max_moves must be >= 1; playouts >= 0")
        self.nets = dict(nets or {})
        self.visits, self.seed, self.slots, self.max_moves = visits, seed, slots, max_moves
        self.ownership_playouts, self.move_playouts = ownership_playouts, move_playouts

    # ------------------------------------------------------------------ entry points
    def analyse(self, board: Board, visits: int | None = None, moves_ownership: bool = False) -> PositionAnalysis:
        """Analyse one position (``board`` is not modified; its ``to_play`` is the side analysed)."""
        return self.analyse_many([board], visits, moves_ownership)[0]

    def analyse_many(
        self, boards: list[Board], visits: int | list[int] | None = None, moves_ownership: bool = False
    ) -> list[PositionAnalysis]:
        """Analyse positions together; net searches share forward passes. Returns one analysis per board.

        Args:
            boards: the positions (not modified).
            visits: visits per position (one number, or one per board); default ``self.visits``.
            moves_ownership: also keep each candidate move's ownership map.
        """
        counts = [visits or self.visits] * len(boards) if not isinstance(visits, list) else visits
        if len(counts) != len(boards):
            raise ValueError(f"{len(counts)} visit counts for {len(boards)} boards")
        out: list[PositionAnalysis | None] = [None] * len(boards)
        net_jobs = [i for i, b in enumerate(boards) if b.size in self.nets and not b.is_over]
        by_net = set(net_jobs)
        for i, b in enumerate(boards):
            if i not in by_net:
                out[i] = self._run(self._rollout_player(b, counts[i], i), b, counts[i], "rollout", moves_ownership)
        if net_jobs:
            batch_fn = _batch_fn({size: spec.evaluator for size, spec in self.nets.items()})
            search = MultiGameSearch(batch_fn, min(self.slots, len(net_jobs)))

            def play_one(i, make_eval):
                player = self._net_player(boards[i], counts[i], i, make_eval(boards[i].size))
                return self._run(player, boards[i], counts[i], "net", moves_ownership)

            for i, res in search.run(net_jobs, play_one).items():
                out[i] = res
        return out  # type: ignore[return-value]

    # ------------------------------------------------------------------ players
    def _seed(self, i: int) -> int | None:
        return None if self.seed is None else self.seed + i

    def _config(self, board: Board, visits: int, settings: dict[str, Any]) -> MCTSConfig:
        cfg = MCTSConfig(**{k: v for k, v in settings.items() if k in MCTS_FIELDS})
        nodes = visits + 4 * cfg.batch_size + 16
        return replace(
            cfg, num_simulations=visits, reuse_tree=False, max_nodes=nodes, max_edges=nodes * (board.size**2 + 1)
        )

    def _net_player(self, board: Board, visits: int, i: int, evaluator) -> MCTSPlayer:
        spec = self.nets[board.size]
        cfg = self._config(board, visits, spec.settings)
        return build_player(PlayerConfig("zero", cfg, lam=spec.lam, seed=self._seed(i)), evaluator)

    def _rollout_player(self, board: Board, visits: int, i: int) -> MCTSPlayer:
        return build_player(PlayerConfig("mcts", self._config(board, visits, {}), seed=self._seed(i)))

    # ------------------------------------------------------------------ one search
    def _run(self, player: MCTSPlayer, board: Board, visits: int, source: str, moves_own: bool) -> PositionAnalysis:
        n, color = board.size, board.to_play
        sign = 1.0 if color == BLACK else -1.0
        if board.is_over:  # scored exactly
            score = sign * board.area_score()
            wr = 1.0 if score > 0 else 0.0 if score < 0 else 0.5
            return PositionAnalysis(n, color, 0, wr, score, [], _grid(board.ownership(), n), source)
        heads = self._heads(board.size) if source == "net" else None
        own, root_score = self._estimate(player, heads, board, self.ownership_playouts, sign)
        player.mcts.search(board, num_simulations=visits)
        moves = []
        for info in player.move_infos(self.max_moves):
            move_own, score = None, root_score
            if self.move_playouts or heads is not None:
                after = board.copy()
                after.play(info.action)
                move_own, score = self._estimate(player, heads, after, self.move_playouts, sign)
            pv = [to_gtp(a, n) for a in info.pv]
            mine = _grid(move_own, n) if moves_own and move_own is not None else None
            moves.append(
                MoveAnalysis(
                    info.action, pv[0], info.visits, info.winrate, score, info.prior, info.lcb, info.order, pv, mine
                )
            )
        wr = (player.mcts.root_value() + 1) / 2
        return PositionAnalysis(n, color, player.mcts.root_visits(), wr, root_score, moves, _grid(own, n), source)

    def _heads(self, size: int):
        """The net's ``score_and_ownership`` for boards of ``size`` if it has the heads, else ``None``."""
        ev = self.nets[size].evaluator
        return ev.score_and_ownership if getattr(ev, "has_score_heads", False) else None

    @staticmethod
    def _estimate(player, heads, board: Board, playouts: int, sign: float) -> tuple[np.ndarray | None, float]:
        """Black's ownership and the score lead (``sign``: the analysed player's view) of ``board``."""
        if heads is not None:
            lead, own = heads(board)
            return own, sign * lead
        if not playouts:
            return None, 0.0
        own = player.ownership(board, playouts)
        return own, sign * (float(own.sum()) - board.komi)


def _grid(own: np.ndarray | None, n: int) -> np.ndarray | None:
    return None if own is None else np.asarray(own, np.float64).reshape(n, n)


def _batch_fn(evaluators: dict[int, Any]):
    """``MultiGameSearch`` batch function: one forward pass per board size (tag = size)."""
    from selfplay.zero.models import make_batch_fn

    return make_batch_fn(evaluators)


# ---------------------------------------------------------------------------------- loading
def load_nets(
    weights: str | os.PathLike | None = None, device: str = "cpu", seed: int | None = 0, lam: float | None = None
) -> dict[int, NetSpec]:
    """``{size: NetSpec}``: the net in ``weights`` (for its board size), or every shipped net.

    ``lam`` overrides the rollout weight (the shipped nets' own settings give 0.5 for 9x9).

    Raises:
        FileNotFoundError, nets.checkpoint.CheckpointError: for a missing or unusable weights file.
    """
    import torch  # noqa: F401  (fail here, not in a search thread)

    from nets.checkpoint import load_weights
    from nets.evaluator import TorchEvaluator
    from nets.weights import shipped

    found = {}
    if weights is None:
        for size, (path, settings) in shipped().items():
            found[size] = (Path(path), dict(settings))
    else:
        loaded = load_weights(weights)
        found[loaded.config.board_size] = (Path(weights), {})
    nets = {}
    for size, (path, settings) in found.items():
        mix = float(settings.pop("lam", 0.0) if lam is None else lam)
        settings.pop("lam", None)
        ev = TorchEvaluator(load_weights(path).model, device, symmetries=True, seed=seed)
        nets[size] = NetSpec(ev, mix, settings)
    return nets


def load_analyzer(
    weights: str | os.PathLike | None = None,
    *,
    device: str = "cpu",
    seed: int | None = 0,
    lam: float | None = None,
    **options: Any,
) -> Analyzer:
    """An ``Analyzer`` over the shipped nets (or the net in ``weights``) in one call.

    Args:
        weights: a ``.safetensors`` net; default: the nets shipped with the package (9x9).
        device: torch device of the nets.
        seed: seed of the searches and of the nets' random symmetries.
        lam: rollout weight in the leaf value; default: each net's shipped setting.
        **options: ``Analyzer`` options (``visits``, ``slots``, ``ownership_playouts``, ...).
    """
    return Analyzer(load_nets(weights, device, seed, lam), seed=seed, **options)


def load_player(
    size: int = 9,
    weights: str | os.PathLike | None = None,
    *,
    visits: int = 200,
    device: str = "cpu",
    seed: int | None = 0,
    **mcts_options: Any,
) -> MCTSPlayer:
    """A player (``genmove(board, color)``) over the shipped net of ``size`` (or ``weights``).

    Falls back to the no-network rollout search when no net is loaded for ``size``.
    ``mcts_options`` are ``MCTSConfig`` fields (``num_simulations`` defaults to ``visits``).
    """
    nets = load_nets(weights, device, seed)
    spec = nets.get(size)
    settings = {**(spec.settings if spec else {}), "num_simulations": visits, **mcts_options}
    cfg = MCTSConfig(**{k: v for k, v in settings.items() if k in MCTS_FIELDS})
    if spec is None:
        return build_player(PlayerConfig("mcts", cfg, seed=seed))
    return build_player(PlayerConfig("zero", cfg, lam=spec.lam, seed=seed), spec.evaluator)
