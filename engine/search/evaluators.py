"""Leaf evaluators of the search: the ``Evaluator`` protocol and the network-free evaluators.

An evaluator receives one ``LeafBatch`` (the leaves collected under virtual loss, as flat board
arrays) and returns ``(priors, values)``: priors over the ``n*n + 1`` actions of each leaf and
values in [-1, 1] from the view of the player to move at the leaf (the sign convention of
``engine.search.mcts``). ``UniformEvaluator`` is for tests, ``RolloutEvaluator`` runs compiled
playouts (random or heavy; the search runs it inside its fused compiled loop),
``MixedEvaluator`` mixes a value evaluator with rollouts as AlphaGo Lee's ``(1 - lam) v + lam z``.
Network evaluators live in ``nets/``; they implement the same protocol.
"""

from __future__ import annotations

import functools
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from engine import _kernels as K
from engine.board import Board, IllegalMove
from engine.config import MCTSConfig
from engine.errors import UserError
from engine.features import encode
from engine.rollout import _kernels_rollout as KR
from engine.rollout._kernels_policy import PATTERN_TABLE, heuristic_priors
from engine.rollout.policy import RolloutPolicy
from engine.search import _kernels_mcts as KM

_NO_LEARNED = (np.ones(1), np.zeros((6, 1)), np.zeros((2, 1)), np.zeros((5, 1), np.int64))
"""``search_fused``'s learned-rollout arguments when another rollout policy runs"""
_NO_TREE = (np.ones(1), np.zeros(1, np.int64), np.zeros((1, 1), np.int64))
"""``search_fused``'s tree-policy arguments when the priors are the heuristics or uniform"""


@functools.lru_cache(maxsize=4)
def load_tree_policy(path: str) -> RolloutPolicy:
    """The trained policy of a rollout-policy file, for its tree policy (read once per path).

    Raises:
        UserError: naming the file, if it cannot be read or holds no tree weights.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise UserError(f"{path}: {(e.strerror or str(e)).lower()} (a tree policy file)") from None
    try:
        policy = RolloutPolicy.from_bytes(data)
    except (ValueError, KeyError, zipfile.BadZipFile) as e:
        raise UserError(f"{path}: not a rollout policy file ({str(e).split('.')[0]})") from None
    if policy.tree_weights is None:
        raise UserError(f"{path}: the rollout policy has no tree weights (train it with go-engine train rollout)")
    return policy


def rollout_evaluator(cfg: MCTSConfig, seed: int | None = None) -> RolloutEvaluator:
    """The ``RolloutEvaluator`` that ``cfg`` describes (rollouts, priors, tree policy, move cap)."""
    tree = load_tree_policy(cfg.tree_policy) if cfg.tree_policy else None
    return RolloutEvaluator(cfg.rollout_policy, cfg.heuristic_priors, cfg.max_playout_moves, seed, tree)


def _rng_state(gen: np.random.Generator) -> np.ndarray:
    return np.array([int(gen.integers(1, 2**63 - 1))], np.uint64)


@dataclass
class LeafBatch:
    """Leaves waiting for one evaluator call; everything an evaluator may need about them.

    Arrays are in the kernel layout of ``engine/_kernels.py`` (one slot per leaf); evaluators may
    read them and must not rely on them after the call. ``board(i)`` rebuilds leaf ``i`` as a full
    ``Board`` (root history plus the tree moves) for feature planes that need earlier positions;
    ``agz17`` writes every leaf's AlphaGo Zero planes at once (in compiled code when the search
    supplies an ``encoder``).
    """

    pts: np.ndarray
    """``int64[B, NROWS, A]``: per-point arrays of each leaf position"""
    scal: np.ndarray
    """``int64[B, NSCAL]``: scalars of each leaf position"""
    legal: np.ndarray
    """``int8[B, n*n+1]``: legal actions of the player to move (pass included)"""
    to_play: np.ndarray
    """``int64[B]``: colour to move at each leaf"""
    root: Board
    """the searched position"""
    paths: Sequence[list[int]]
    """actions from the root to each leaf"""
    expanding: np.ndarray | None = None
    """``bool[B]``: leaves that this call's priors expand (the tree reads no other row of the
    priors, so an evaluator may skip them elsewhere); ``None`` = every leaf"""
    encoder: Callable[[np.ndarray], None] | None = None
    """writes every leaf's agz17 planes into ``out[:B, :17]`` of a ``float32[B, C, n, n]`` buffer
    (``engine/search/_kernels_planes.leaf_planes``); ``None``: ``agz17`` replays the leaves in Python"""

    def needs_priors(self) -> np.ndarray:
        """``bool[B]``: the leaves whose priors the tree will read."""
        return np.ones(len(self), bool) if self.expanding is None else np.asarray(self.expanding, bool)

    @property
    def size(self) -> int:
        """Board size."""
        return self.root.size

    @property
    def komi(self) -> float:
        """Komi in force."""
        return self.root.komi

    def __len__(self) -> int:
        return len(self.paths)

    def board(self, i: int) -> Board:
        """Leaf ``i`` as a ``Board`` with the whole move history (root moves plus tree moves)."""
        return played(self.root, self.paths[i])

    def agz17(self, out: np.ndarray) -> np.ndarray:
        """Every leaf's agz17 planes (``engine.features``) in ``out[:, :17]``; returns ``out``.

        Args:
            out: ``float32[B, C, n, n]``, C-contiguous, ``C`` >= 17; planes 17 and above are left alone.
        """
        if self.encoder is not None:
            self.encoder(out)
            return out
        for i in range(len(self)):
            encode(self.board(i), "agz17", out=out[i, :17])
        return out


def played(root: Board, moves) -> Board:
    """A copy of ``root`` with ``moves`` played, history included.

    A move that positional superko forbids ends the replay there (the fused search's tree plays
    simple ko below the root, so such a line can be in it; the batched search checks superko).
    """
    board = root.copy()
    for a in moves:
        try:
            board.play(a)
        except IllegalMove:
            break
    return board


@runtime_checkable
class Evaluator(Protocol):
    """Priors and values of a batch of leaves (OpenSpiel ``mcts.Evaluator``).

    Returns ``(priors float32[B, n*n+1], values float32[B])``; priors need not be normalised nor
    zero on illegal actions (the tree renormalises over legal ones); values are in [-1, 1] from the
    view of the player to move at each leaf.
    """

    def __call__(self, batch: LeafBatch) -> tuple[np.ndarray, np.ndarray]:
        """Evaluate every leaf of ``batch``."""
        ...


class UniformEvaluator:
    """Uniform priors and value 0 everywhere (tests, and plain tree search by terminal scores)."""

    def __call__(self, batch: LeafBatch) -> tuple[np.ndarray, np.ndarray]:
        """Uniform priors over legal moves, values 0."""
        return batch.legal.astype(np.float32), np.zeros(len(batch), np.float32)


class RolloutEvaluator:
    """Monte-Carlo rollouts to the end of the game, all in Numba; value = the rollout's result.

    The MCTS driver recognises this evaluator (``fused = True``) and runs whole simulations in the
    compiled ``search_fused`` loop; called on a ``LeafBatch`` (e.g. inside ``MixedEvaluator``) it
    rolls out each leaf once.

    Args:
        policy: ``"heavy"`` (capture/atari heuristics + 3x3 patterns) or ``"random"``.
        heuristic_priors: priors from the heuristics of ``_kernels_policy`` instead of uniform.
        max_moves: rollout move cap (0 = 3 * size * size).
        seed: seed of the rollout generator used by ``__call__``.
        tree_policy: a trained ``RolloutPolicy`` whose tree policy gives the fused search's priors
            (AlphaGo Lee's ``p_tau``) instead of the heuristics; ``None`` = the heuristics.
    """

    fused = True
    temperature = 1.0
    """softmax temperature of the network priors"""
    queue_size = 0
    """positions evaluated together by ``evaluate_nodes`` (0: no nets; when a node goes to them and
    how their values mix with the rollouts' are search settings, ``MCTSConfig.rollout``)"""

    def __init__(
        self,
        policy: str = "heavy",
        heuristic_priors: bool = True,
        max_moves: int = 0,
        seed: int | None = None,
        tree_policy: RolloutPolicy | None = None,
    ):
        if policy not in ("heavy", "random"):
            raise ValueError(f"policy must be 'heavy' or 'random', got {policy!r}")
        self.policy = policy
        self.heuristic_priors = heuristic_priors
        self.tree_policy = tree_policy
        self._tree_work: dict[int, tuple] = {}
        self.max_moves = max_moves
        self.rng_state = _rng_state(np.random.default_rng(seed))
        self._pwork: dict[int, object] = {}
        self._queues: dict[int, tuple] = {}

    def policy_id(self) -> int:
        """Kernel code of the rollout policy."""
        return KM.POLICY_HEAVY if self.policy == "heavy" else KM.POLICY_RANDOM

    def playout_work(self, size: int):
        """Scratch arrays of ``playout_score`` for ``size`` (cached)."""
        if size not in self._pwork:
            self._pwork[size] = KM.make_playout_work(size)
        return self._pwork[size]

    def rollout_args(self, size: int) -> tuple:
        """``(ew, gw, rows, buf)`` of ``search_fused``: unused dummies for the built-in policies."""
        return _NO_LEARNED

    def priors_id(self) -> int:
        """Kernel code of the fused search's priors (``KM.PRIORS_*``)."""
        if self.tree_policy is not None:
            return KM.PRIORS_TREE
        return KM.PRIORS_HEURISTIC if self.heuristic_priors else KM.PRIORS_UNIFORM

    def tree_args(self, size: int) -> tuple:
        """``(tree_ew, locs, feats)`` of ``search_fused`` (cached per size; dummies without a tree policy)."""
        if self.tree_policy is None:
            return _NO_TREE
        if size not in self._tree_work:
            self._tree_work[size] = (
                self.tree_policy.tree_ew,
                np.zeros(size * size, np.int64),
                np.zeros((size * size, KR.MAX_FEATURES), np.int64),
            )
        return self._tree_work[size]

    def priors(self, board: Board, legal: np.ndarray) -> np.ndarray:
        """The fused search's priors of ``board``'s legal actions (unnormalised; the root's)."""
        priors = np.ones(board.size**2 + 1)
        pts, scal = board.pts.copy(), board.scal.copy()
        if self.tree_policy is not None:
            KR.tree_priors(pts, scal, legal, *self.tree_args(board.size), priors)
        elif self.heuristic_priors:
            heuristic_priors(pts, scal, legal, PATTERN_TABLE, priors)
        return priors

    def has_nets(self) -> bool:
        """Whether ``evaluate_nodes`` answers (the search then queues busy nodes for it)."""
        return self.queue_size > 0

    def gives_values(self) -> bool:
        """Whether ``evaluate_nodes`` returns values worth mixing into Q (else only priors)."""
        return self.has_nets()

    def net_queue(self, size: int) -> tuple:
        """``(q_pts, q_scal, q_node, q_count)`` of ``search_fused`` with ``queue_size`` slots (cached)."""
        if size not in self._queues:
            area = (size + 2) * (size + 1) + 1
            k = self.queue_size
            self._queues[size] = (
                np.zeros((k, K.NROWS, area), np.int64),
                np.zeros((k, K.NSCAL), np.int64),
                np.zeros(k, np.int64),
                np.zeros(1, np.int64),
            )
        return self._queues[size]

    def evaluate_nodes(self, pts: np.ndarray, scal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Network ``(logits float64[B, n*n+1], values float64[B])`` of queued positions (subclasses)."""
        raise NotImplementedError

    def __call__(self, batch: LeafBatch) -> tuple[np.ndarray, np.ndarray]:
        """One rollout per leaf; priors from the heuristics (or uniform)."""
        return self.rollouts(batch, self.heuristic_priors)

    def values(self, batch: LeafBatch) -> np.ndarray:
        """One rollout per leaf: its values alone (no priors are computed)."""
        return self.rollouts(batch, False)[1]

    def rollouts(self, batch: LeafBatch, with_priors: bool) -> tuple[np.ndarray, np.ndarray]:
        """One rollout per leaf; priors from the heuristics if ``with_priors``, else uniform."""
        k, n = len(batch), batch.size
        fp = np.zeros(KM.NFP)
        fp[KM.FP_KOMI] = batch.komi
        ip = np.zeros(KM.NIP, np.int64)
        ip[KM.IP_MAX_MOVES] = self.max_moves or 3 * n * n
        ip[KM.IP_POLICY] = self.policy_id()
        ip[KM.IP_PRIORS] = int(with_priors)
        priors = np.zeros((k, n * n + 1))
        values = np.zeros(k)
        pts, scal = batch.pts[:k].copy(), batch.scal[:k].copy()
        KM.rollout_batch(
            pts,
            scal,
            k,
            batch.root.zob,
            self.rng_state,
            fp,
            ip,
            PATTERN_TABLE,
            batch.legal,
            priors,
            values,
            self.playout_work(n),
        )
        return priors.astype(np.float32), values.astype(np.float32)


class MixedEvaluator:
    """AlphaGo Lee's leaf value ``(1 - lam) * v + lam * z``: a value evaluator mixed with rollouts.

    Priors come from ``value_evaluator`` (the policy/value network); ``z`` from ``rollouts``.
    """

    def __init__(self, value_evaluator: Evaluator, rollouts: Evaluator, lam: float = 0.5):
        self.value_evaluator, self.rollouts, self.lam = value_evaluator, rollouts, lam

    def __call__(self, batch: LeafBatch) -> tuple[np.ndarray, np.ndarray]:
        """Priors of the value evaluator; values mixed with lambda."""
        priors, v = self.value_evaluator(batch)
        if self.lam == 0:
            return priors, v
        values = getattr(self.rollouts, "values", None)  # the rollouts' priors would be thrown away
        z = values(batch) if values is not None else self.rollouts(batch)[1]
        return priors, ((1 - self.lam) * np.asarray(v) + self.lam * np.asarray(z)).astype(np.float32)
