"""``TorchEvaluator``: a network as the leaf evaluator of MCTS (``engine.search.mcts.Evaluator``).

Per call it encodes each position with ``engine.features.encode`` (from the view of the player
to move), transforms the planes by one of the 8 board symmetries, runs the net once on the whole
batch under ``torch.inference_mode``, maps the policy back with the inverse transform, and takes
a softmax over the legal actions only (illegal actions get prior exactly 0).

==================  ===========================================================================
``symmetries``      transform per position
==================  ===========================================================================
``True``            a random one of the 8 (AlphaGo Zero: "evaluated under a random symmetry")
``False``           none (identity)
``"all"``           all 8, priors (after the inverse transforms) and values averaged; 8x the cost
==================  ===========================================================================

``precision`` (``nets.precision``: ``fp32``, ``bf16``, ``int8`` or ``auto``) picks how the forward
pass computes on the CPU; the fast nets are built here from the fp32 model, once.

Kinds without a head fill in: a ``policy`` net gives values 0, a ``value`` net uniform priors
over the legal actions. Outputs are ``(priors float32[B, n*n+1], values float32[B])``, values in
[-1, 1] from the view of the player to move.

Reference: Silver et al. 2017, Nature 550, Methods "Self-play" (random symmetry, batches of 8).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from engine.board import BLACK, Board
from engine.features import encode, n_planes
from engine.search.mcts import LeafBatch
from engine.symmetry import N_SYMMETRIES, apply_actions, apply_planes, inverse
from nets.factory import policy_value
from nets.precision import prepare_net, resolve_precision


class TorchEvaluator:
    """Evaluate positions with a ``build_model`` network; satisfies ``engine.search.mcts.Evaluator``.

    The evaluator takes over ``model``: it moves it to ``device`` (and to float16 if ``half``) and
    puts it in eval mode. Evaluate a trainer's live model through a copy.

    Args:
        model: a model from ``nets.factory.build_model`` (any kind).
        device: torch device for the forward pass.
        half: run the net in float16 (for CUDA); priors and values come back as float32.
        symmetries: ``True`` (random transform per position), ``False`` or ``"all"`` (average).
        feature_set: input encoding; default ``model.cfg.feature_set`` ("agz17" for the resnets).
        seed: seed of the generator that draws the random transforms.
        precision: ``fp32``, ``bf16``, ``int8`` or ``auto`` (``nets.precision``); one the CPU or
            torch build cannot serve runs fp32 after one warning.

    Raises:
        ValueError: if the feature set's plane count differs from ``model.cfg.in_planes``,
            ``symmetries`` is not one of the values above, or ``precision`` is unknown.
    """

    def __init__(
        self,
        model: nn.Module,
        device: str | torch.device = "cpu",
        half: bool = False,
        symmetries: bool | str = True,
        feature_set: str | None = None,
        seed: int | None = None,
        precision: str = "fp32",
    ):
        self.cfg = model.cfg
        self.feature_set = feature_set or self.cfg.feature_set
        if n_planes(self.feature_set) != self.cfg.in_planes:
            raise ValueError(
                f"feature set {self.feature_set!r} has {n_planes(self.feature_set)} planes, "
                f"the model expects {self.cfg.in_planes}"
            )
        if symmetries not in (True, False, "all"):
            raise ValueError(f"symmetries must be True, False or 'all', got {symmetries!r}")
        self.symmetries = symmetries
        self.device = torch.device(device)
        self.dtype = torch.float16 if half else torch.float32
        self.model = model.to(self.device, self.dtype).eval()
        self.precision = resolve_precision(precision, self.device)
        self.net = prepare_net(self.model, self.precision)
        self.rng = np.random.default_rng(seed)

    # ------------------------------------------------------------- entry points
    def __call__(self, batch: LeafBatch) -> tuple[np.ndarray, np.ndarray]:
        """Evaluate every leaf of an MCTS ``LeafBatch`` (the ``engine.search.mcts.Evaluator`` protocol)."""
        k = len(batch)
        return self.evaluate_boards([batch.board(i) for i in range(k)], legal=batch.legal[:k])

    def evaluate_boards(
        self, boards: Sequence[Board], legal: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Priors ``float32[B, n*n+1]`` and values ``float32[B]`` of positions (player to move's view).

        Args:
            boards: positions of size ``cfg.board_size`` (not modified).
            legal: optional ``[B, n*n+1]`` legal masks; default each board's ``legal_mask()``.
        """
        n = self.cfg.board_size
        planes = np.empty((len(boards), self.cfg.in_planes, n, n), np.float32)
        for i, b in enumerate(boards):
            if b.size != n:
                raise ValueError(f"board {i} is {b.size}x{b.size}, the model is for {n}x{n}")
            encode(b, self.feature_set, out=planes[i])
        if legal is None:
            legal = np.stack([b.legal_mask() for b in boards]) if boards else np.zeros((0, n * n + 1), np.int8)
        return self.evaluate_planes(planes, legal)

    def evaluate_planes(
        self, planes: np.ndarray, legal: np.ndarray, transforms: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Priors and values of encoded positions ``planes [B, C, n, n]`` with masks ``legal [B, n*n+1]``.

        ``transforms`` (``int[B]``, each 0..7) fixes the symmetry per position; default: as
        ``self.symmetries`` says.
        """
        b = len(planes)
        if self.symmetries == "all" and transforms is None:
            acc = [self._run(planes, np.full(b, t)) for t in range(N_SYMMETRIES)]
            logits = None if acc[0][0] is None else np.mean([a[0] for a in acc], axis=0)
            values = np.mean([a[1] for a in acc], axis=0)
            return self._priors(logits, legal, average=True), values.astype(np.float32)
        if transforms is None:
            transforms = self.rng.integers(0, N_SYMMETRIES, b) if self.symmetries else np.zeros(b, np.int64)
        logits, values = self._run(planes, np.asarray(transforms))
        return self._priors(logits, legal), values

    @property
    def has_score_heads(self) -> bool:
        """Whether the net has KataGo's ownership and score heads (``nets.models.katago``)."""
        return getattr(self.model, "ownership", None) is not None and getattr(self.model, "score", None) is not None

    def score_and_ownership(self, board: Board) -> tuple[float, np.ndarray]:
        """Black's score lead (komi included) and black's ownership ``float32[n*n]`` in [-1, 1] from the heads.

        The mean over the 8 symmetries, computed in fp32 (the heads are not part of the quantized
        net). Used by ``kata-analyze`` and the analysis API when the net has both heads.

        Raises:
            ValueError: if the net has no ownership or score head, or the board has another size.
        """
        if not self.has_score_heads:
            raise ValueError("this net has no ownership and score heads")
        n = self.cfg.board_size
        if board.size != n:
            raise ValueError(f"the board is {board.size}x{board.size}, the model is for {n}x{n}")
        planes = encode(board, self.feature_set)[None]
        x = np.concatenate([apply_planes(planes, t) for t in range(N_SYMMETRIES)])
        with torch.inference_mode():
            xt = torch.from_numpy(np.ascontiguousarray(x)).to(self.device, self.dtype)
            _, _, own, score = self.model(xt, aux=True)
            own = torch.tanh(own.float() / 2).reshape(N_SYMMETRIES, 1, n, n).cpu().numpy()
            lead = float(score.float().mean()) * n * n
        own = np.mean([apply_planes(own[t : t + 1], inverse(t))[0, 0] for t in range(N_SYMMETRIES)], axis=0)
        sign = 1.0 if board.to_play == BLACK else -1.0
        return sign * lead, (sign * own).ravel().astype(np.float32)

    # ----------------------------------------------------------------- internals
    def _run(self, planes: np.ndarray, transforms: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
        """One forward pass with ``transforms[i]`` applied to position ``i``; outputs mapped back.

        With ``"all"`` the returned "logits" are probabilities over every action (averaged later).
        """
        x = _per_row(apply_planes, planes, transforms)
        with torch.inference_mode():
            xt = torch.from_numpy(np.ascontiguousarray(x)).to(self.device, self.dtype)
            logits, values = policy_value(self.net, xt)
            values = np.zeros(len(planes), np.float32) if values is None else values.float().cpu().numpy()
            if logits is None:
                return None, values
            out = logits.float()
            if self.symmetries == "all":
                out = torch.softmax(out, dim=1)
            out = out.cpu().numpy()
        return _per_row(apply_actions, out, [inverse(int(t)) for t in transforms]), values

    @staticmethod
    def _priors(logits: np.ndarray | None, legal: np.ndarray, average: bool = False) -> np.ndarray:
        """Masked softmax of ``logits`` over ``legal`` (or renormalised probabilities if ``average``)."""
        mask = np.asarray(legal) != 0
        if logits is None:  # value-only net: uniform over the legal actions
            p = mask.astype(np.float32)
        elif average:
            p = np.where(mask, logits, 0.0)
        else:
            z = np.where(mask, logits, -np.inf)
            zmax = np.max(z, axis=1, keepdims=True)
            p = np.where(mask, np.exp(z - np.where(np.isfinite(zmax), zmax, 0.0)), 0.0)
        total = p.sum(axis=1, keepdims=True)
        return (p / np.where(total > 0, total, 1.0)).astype(np.float32)


def _per_row(fn, arrays: np.ndarray, transforms) -> np.ndarray:
    """``fn(arrays[i], transforms[i])`` for every row, one call per distinct transform."""
    transforms = np.asarray(transforms, np.int64)
    out = np.empty_like(arrays)
    for t in np.unique(transforms):
        rows = transforms == t
        out[rows] = fn(arrays[rows], int(t))
    return out
