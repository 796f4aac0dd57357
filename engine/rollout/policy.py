"""The AlphaGo Lee fast rollout policy (linear softmax over local patterns) on ``Board`` objects.

Features and kernels: ``engine/rollout/_kernels_rollout.py``. This module holds the weights and the
numpy pieces around them:

* ``RolloutPolicy(weights, tree_weights=None)``: ``probs(board)``, ``tree_probs(board)`` (with the
  tree-only features), ``rollout(board, rng)`` / ``rollouts(board, count, rng)`` (scores),
  ``to_bytes()`` / ``from_bytes()`` (an ``.npz`` image; files are written by ``selfplay``);
* ``examples_from_records(records)``: training examples (candidate features + expert move) from
  game records, skipping the random opening moves that ``selfplay.expert_data`` marks and moves
  the policy cannot play (passes, own-eye fills);
* ``fit_softmax(examples, ...)``: softmax regression (full-batch Adam, numpy; gradients by
  ``np.bincount`` over the sparse features), ``top1_accuracy`` and ``prediction_figures`` (top-1,
  top-5, mean log-probability of the expert's move).

Reference: Silver et al. 2016, Methods "Rollout policy" and Extended Data Table 4.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from engine.board import Board
from engine.rollout import _kernels_rollout as KR
from engine.sgf import GameRecord, record_to_board

N_WEIGHTS = KR.N_WEIGHTS
_TREE_ONLY = np.zeros(N_WEIGHTS, bool)
_TREE_ONLY[KR.F_SELF_ATARI] = True
_TREE_ONLY[KR.F_DIST1 : KR.F_DIST2 + KR.N_DIST] = True
_TREE_ONLY[KR.NONRESP12_BASE :] = True


def seed_rng(seed: int) -> np.ndarray:
    """A ``uint64[1]`` xorshift state from an integer seed (never zero)."""
    state = np.random.SeedSequence(seed).generate_state(1, np.uint64)
    return np.array([state[0] | np.uint64(1)], np.uint64)


class RolloutPolicy:
    """Weights of the rollout policy (``float32[N_WEIGHTS]``) and, optionally, of the tree policy."""

    __slots__ = ("weights", "tree_weights", "ew", "tree_ew")

    def __init__(self, weights: np.ndarray | None = None, tree_weights: np.ndarray | None = None):
        w = np.zeros(N_WEIGHTS, np.float32) if weights is None else np.asarray(weights, np.float32)
        if w.shape != (N_WEIGHTS,):
            raise ValueError(f"weights must have shape ({N_WEIGHTS},), got {w.shape}")
        self.weights = w
        self.tree_weights = None if tree_weights is None else np.asarray(tree_weights, np.float32)
        self.ew = np.exp(np.clip(w.astype(np.float64), -30, 30))
        self.ew[_TREE_ONLY] = 1.0
        self.ew[KR.F_PAD] = 1.0
        tw = self.tree_weights if self.tree_weights is not None else w
        self.tree_ew = np.exp(np.clip(tw.astype(np.float64), -30, 30))

    # ------------------------------------------------------------------ policy
    def probs(self, board: Board, color: int | None = None) -> np.ndarray:
        """Rollout-policy move probabilities by action (``float64[n*n+1]``; pass gets what is left, 0 or 1)."""
        col = board.to_play if color is None else color
        by_loc = np.zeros(board.pts.shape[1], np.float64)
        KR.policy_probs(board.pts.copy(), board.scal.copy(), col, self.ew, by_loc)
        return self._to_actions(board, by_loc)

    def tree_probs(self, board: Board, color: int | None = None) -> np.ndarray:
        """Tree-policy priors (rollout features plus self-atari and distances), by action."""
        col = board.to_play if color is None else color
        n = board.size
        locs = np.zeros(n * n, np.int64)
        feats = np.zeros((n * n, KR.MAX_FEATURES), np.int64)
        k = KR.position_features(board.pts.copy(), board.scal.copy(), col, True, locs, feats)
        by_loc = np.zeros(board.pts.shape[1], np.float64)
        if k:
            z = np.log(self.tree_ew[feats[:k]]).sum(1)
            z[:] = np.exp(z - z.max())
            by_loc[locs[:k]] = z / z.sum()
        return self._to_actions(board, by_loc)

    @staticmethod
    def _to_actions(board: Board, by_loc: np.ndarray) -> np.ndarray:
        n = board.size
        w = n + 1
        out = np.zeros(n * n + 1)
        grid = by_loc[w + 1 : w + 1 + n * w].reshape(n, w)[:, :n]
        out[: n * n] = grid.ravel()
        out[n * n] = max(0.0, 1.0 - out[: n * n].sum()) if out[: n * n].sum() < 0.5 else 0.0
        return out

    def rollouts(self, board: Board, count: int, rng: np.ndarray, max_moves: int = 0) -> tuple[float, int, int]:
        """Play ``count`` rollouts from ``board`` (not modified).

        Returns:
            ``(sum of area scores black minus white without komi, black wins (score > komi
            ignored: score > 0), moves played in all)``.
        """
        cap = max_moves or 3 * board.size * board.size
        return KR.rollout_many(board.pts, board.scal, board.zob, self.ew, rng, count, cap)

    # ------------------------------------------------------------------ storage
    def to_bytes(self) -> bytes:
        """The policy as an ``.npz`` image (``weights``, optional ``tree_weights``, ``n_weights``)."""
        buf = io.BytesIO()
        arrays = {"weights": self.weights, "n_weights": np.array(N_WEIGHTS)}
        if self.tree_weights is not None:
            arrays["tree_weights"] = self.tree_weights
        np.savez_compressed(buf, **arrays)
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> RolloutPolicy:
        """Inverse of ``to_bytes``.

        An image of the layout before the tree policy's diamond table (``KR.N_WEIGHTS_V1``) loads
        with that table's weights 0.

        Raises:
            ValueError: if the image was made for another feature layout.
        """
        with np.load(io.BytesIO(data)) as z:
            stored = int(z["n_weights"])
            if stored not in (N_WEIGHTS, KR.N_WEIGHTS_V1):
                raise ValueError(f"rollout weights for {stored} features, this build has {N_WEIGHTS}")
            arrays = [z["weights"], z["tree_weights"] if "tree_weights" in z.files else None]
        pad = N_WEIGHTS - stored
        return cls(*(None if a is None else np.concatenate([a, np.zeros(pad, a.dtype)]) for a in arrays))


# ---------------------------------------------------------------------- training data
@dataclass
class Examples:
    """Candidates of many positions, packed: position ``i`` owns the rows ``start[i]:start[i+1]``."""

    feats: np.ndarray
    """``int[C, MAX_FEATURES]``: the feature indices of each candidate ``c``"""
    start: np.ndarray
    """``int64[P + 1]``: the first row of each position, then the row count"""
    target: np.ndarray
    """``int64[P]``: the expert's row of each position (absolute)"""
    game: np.ndarray
    """``int64[P]``: the game each position comes from"""

    def __len__(self) -> int:
        return len(self.target)

    def subset(self, mask: np.ndarray) -> Examples:
        """The positions where ``mask`` is True, re-packed."""
        idx = np.nonzero(mask)[0]
        parts, starts, targets = [], [0], []
        for i in idx:
            a, b = self.start[i], self.start[i + 1]
            targets.append(starts[-1] + self.target[i] - a)
            parts.append(self.feats[a:b])
            starts.append(starts[-1] + b - a)
        feats = np.concatenate(parts) if parts else np.zeros((0, KR.MAX_FEATURES), np.int32)
        return Examples(feats, np.array(starts, np.int64), np.array(targets, np.int64), self.game[idx])

    def without_tree_features(self) -> Examples:
        """The same examples with the tree-only features blanked (for the rollout weights)."""
        feats = self.feats.copy()
        feats[_TREE_ONLY[feats]] = KR.F_PAD
        return Examples(feats, self.start, self.target, self.game)


def position_examples(board: Board, loc: int, color: int) -> np.ndarray | None:
    """Feature rows of every candidate of ``board`` with the row of ``loc`` first, or None if not a candidate."""
    n = board.size
    locs = np.zeros(n * n, np.int64)
    feats = np.zeros((n * n, KR.MAX_FEATURES), np.int64)
    k = KR.position_features(board.pts.copy(), board.scal.copy(), color, True, locs, feats)
    hit = np.nonzero(locs[:k] == loc)[0]
    if len(hit) == 0:
        return None
    order = np.concatenate([hit, np.nonzero(locs[:k] != loc)[0]])
    return feats[order].astype(np.int32)


def examples_from_records(records: list[GameRecord], skip_opening: list[int] | None = None) -> Examples:
    """Training examples from game records (expert move first among each position's candidates).

    Args:
        records: the games (replayed with their own rules).
        skip_opening: per record, leading moves that are not expert moves (default 0).

    Returns:
        ``Examples`` with ``target[i]`` the first row of position ``i``.
    """
    parts, starts, game = [], [0], []
    for g, rec in enumerate(records):
        board = record_to_board(rec, moves=0)
        skip = skip_opening[g] if skip_opening else 0
        for k, (color, action) in enumerate(rec.moves):
            if k >= skip and action != rec.size * rec.size:
                rows = position_examples(board, board._loc(action), color)
                if rows is not None:
                    parts.append(rows)
                    starts.append(starts[-1] + len(rows))
                    game.append(g)
            board.play(action, color)
    feats = np.concatenate(parts) if parts else np.zeros((0, KR.MAX_FEATURES), np.int32)
    start = np.array(starts, np.int64)
    return Examples(feats, start, start[:-1].copy(), np.array(game, np.int64))


def _logits(w: np.ndarray, ex: Examples) -> np.ndarray:
    return w[ex.feats].sum(1)


def _segment_softmax(z: np.ndarray, start: np.ndarray) -> np.ndarray:
    seg = np.repeat(np.arange(len(start) - 1), np.diff(start))
    zmax = np.maximum.reduceat(z, start[:-1])
    e = np.exp(z - zmax[seg])
    return e / np.add.reduceat(e, start[:-1])[seg]


def top1_accuracy(weights: np.ndarray, ex: Examples) -> float:
    """Fraction of positions whose highest-scoring candidate is the expert's move (ties count as misses)."""
    return prediction_figures(weights, ex)["top1"]


def prediction_figures(weights: np.ndarray, ex: Examples) -> dict[str, float]:
    """How well ``weights`` predict the expert: ``top1`` and ``top5`` (ties count against), ``mean_log_p``."""
    if len(ex) == 0:
        return {"top1": float("nan"), "top5": float("nan"), "mean_log_p": float("nan")}
    z = _logits(weights.astype(np.float64), ex)
    seg = np.repeat(np.arange(len(ex)), np.diff(ex.start))
    rank = np.bincount(seg, weights=(z >= z[ex.target][seg]).astype(float), minlength=len(ex)) - 1
    p = _segment_softmax(z, ex.start)[ex.target]
    return {"top1": float(np.mean(rank == 0)), "top5": float(np.mean(rank < 5)), "mean_log_p": float(np.log(p).mean())}


def fit_softmax(
    ex: Examples, steps: int = 300, lr: float = 0.1, l2: float = 1e-4, log_every: int = 0, weights=None
) -> np.ndarray:
    """Softmax regression of the expert move on the candidates' features (full-batch Adam).

    Args:
        ex: training examples.
        steps: Adam steps.
        lr: Adam step size.
        l2: L2 penalty per weight (mean over positions).
        log_every: print the loss every so many steps (0: quiet).
        weights: initial weights (default zeros); the L2 penalty pulls towards them (fine-tuning a
            policy trained on other games keeps what the new games do not contradict).

    Returns:
        ``float32[N_WEIGHTS]``.
    """
    w0 = np.zeros(N_WEIGHTS) if weights is None else np.asarray(weights, np.float64)
    w = w0.copy()
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    b1, b2, eps = 0.9, 0.999, 1e-8
    npos = max(len(ex), 1)
    flat = ex.feats.ravel()
    mf = ex.feats.shape[1]
    for t in range(1, steps + 1):
        p = _segment_softmax(_logits(w, ex), ex.start)
        p[ex.target] -= 1.0
        grad = np.bincount(flat, weights=np.repeat(p, mf), minlength=N_WEIGHTS) / npos + l2 * (w - w0)
        grad[KR.F_PAD] = 0.0
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * grad * grad
        w -= lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        if log_every and t % log_every == 0:
            q = _segment_softmax(_logits(w, ex), ex.start)
            print(f"step {t}: loss {-np.log(q[ex.target] + 1e-12).mean():.4f}")
    w[KR.F_PAD] = 0.0
    return w.astype(np.float32)
