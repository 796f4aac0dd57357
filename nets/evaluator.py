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

On CUDA the evaluator serves ``lanes`` (2) calls at once, from different threads: each thread
gets its own CUDA stream and pinned host buffers, so one call's copies and Python work overlap
another's forward pass (``engine.search.batch_loop`` reads ``lanes``). On the CPU ``lanes`` is 1.

Kinds without a head fill in: a ``policy`` net gives values 0, a ``value`` net uniform priors
over the legal actions. Outputs are ``(priors float32[B, n*n+1], values float32[B])``, values in
[-1, 1] from the view of the player to move.

Reference: Silver et al. 2017, Nature 550, Methods "Self-play" (random symmetry, batches of 8).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from engine.board import BLACK, Board
from engine.features import encode, n_planes
from engine.features.registry import has_komi_plane, komi_plane_values, stored_set
from engine.search.mcts import LeafBatch
from engine.symmetry import N_SYMMETRIES, apply_actions, apply_planes, inverse
from nets.factory import policy_value
from nets.precision import prepare_net, resolve_precision


@dataclass
class CallProfile:
    """Where ``evaluate_planes`` calls spend their time, summed over calls (any thread).

    ``prepare``: planes and masks into tensors (on CUDA: into this thread's pinned buffers);
    ``compute``: the forward pass, symmetries and softmax (on CUDA only queued: the kernel launches
    and the Python around them); ``wait``: the rest (on CUDA: waiting for the device and the
    copies back; on the CPU: the copies into numpy).
    """

    calls: int = 0
    prepare: float = 0.0
    compute: float = 0.0
    wait: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, prepare: float, compute: float, wait: float) -> None:
        """Count one call's seconds in each part."""
        with self._lock:
            self.calls += 1
            self.prepare += prepare
            self.compute += compute
            self.wait += wait

    def ms_per_call(self) -> dict[str, float]:
        """Mean milliseconds a call in each part (zeros before the first call)."""
        n = max(self.calls, 1)
        return {k: 1000 * getattr(self, k) / n for k in ("prepare", "compute", "wait")}


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
        self._gathers: tuple[torch.Tensor, torch.Tensor] | None = None
        self.lanes = 2 if self.device.type == "cuda" else 1
        self._lane = threading.local()  # per thread on CUDA: its stream and pinned buffers
        self.profile = CallProfile()

    # ------------------------------------------------------------- entry points
    def __call__(self, batch: LeafBatch) -> tuple[np.ndarray, np.ndarray]:
        """Evaluate every leaf of an MCTS ``LeafBatch`` (the ``engine.search.mcts.Evaluator`` protocol)."""
        k, n = len(batch), self.cfg.board_size
        if stored_set(self.feature_set) != "agz17":
            return self.evaluate_boards([batch.board(i) for i in range(k)], legal=batch.legal[:k])
        if batch.size != n:
            raise ValueError(f"the leaves are {batch.size}x{batch.size}, the model is for {n}x{n}")
        planes = batch.agz17(np.empty((k, self.cfg.in_planes, n, n), np.float32))
        if has_komi_plane(self.feature_set):
            planes[:, 17] = komi_plane_values(batch.komi, batch.to_play[:k])[:, None, None]
        return self.evaluate_planes(planes, batch.legal[:k])

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
        if self.device.type == "cuda":
            return self._on_stream(planes, legal, transforms)
        t0 = time.perf_counter()
        x = torch.from_numpy(np.ascontiguousarray(planes, np.float32)).to(self.device, self.dtype)
        mask = torch.from_numpy(np.asarray(legal) != 0).to(self.device)
        t1 = time.perf_counter()
        priors, values = self._evaluate(x, mask, transforms)
        t2 = time.perf_counter()
        out = _numpy(priors), _numpy(values)
        self.profile.add(t1 - t0, t2 - t1, time.perf_counter() - t2)
        return out

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
    def _evaluate(self, x: torch.Tensor, mask: torch.Tensor, transforms) -> tuple[torch.Tensor, torch.Tensor]:
        """Priors ``[B, n*n+1]`` and values ``[B]`` on the device of planes ``x`` with legal ``mask``."""
        b = x.shape[0]
        with torch.inference_mode():
            if self.symmetries == "all" and transforms is None:
                acc = [self._forward(x, np.full(b, t)) for t in range(N_SYMMETRIES)]
                probs = None if acc[0][0] is None else torch.stack([torch.softmax(a[0], 1) for a in acc]).mean(0)
                values = torch.stack([a[1] for a in acc]).mean(0)
                return _masked_priors(probs, mask, average=True), values
            if transforms is None:
                transforms = self.rng.integers(0, N_SYMMETRIES, b) if self.symmetries else np.zeros(b, np.int64)
            logits, values = self._forward(x, np.asarray(transforms, np.int64))
            return _masked_priors(logits, mask), values

    def _on_stream(self, planes: np.ndarray, legal: np.ndarray, transforms) -> tuple[np.ndarray, np.ndarray]:
        """``evaluate_planes`` on this thread's CUDA stream: pinned copies in and out, one wait at the end."""
        lane = self._lane
        if not hasattr(lane, "stream"):
            lane.stream, lane.host = torch.cuda.Stream(self.device), {}
        b, a = len(planes), np.asarray(legal).shape[1]
        t0 = time.perf_counter()
        with torch.cuda.stream(lane.stream):
            x = _pinned(lane.host, "planes", planes.shape, torch.float32)
            x.numpy()[...] = planes
            mask = _pinned(lane.host, "legal", (b, a), torch.bool)
            mask.numpy()[...] = np.asarray(legal) != 0
            t1 = time.perf_counter()
            priors, values = self._evaluate(
                x.to(self.device, self.dtype, non_blocking=True), mask.to(self.device, non_blocking=True), transforms
            )
            out_p = _pinned(lane.host, "priors", (b, a), torch.float32)
            out_v = _pinned(lane.host, "values", (b,), torch.float32)
            out_p.copy_(priors, non_blocking=True)
            out_v.copy_(values, non_blocking=True)
            t2 = time.perf_counter()
            lane.stream.synchronize()  # releases the GIL: the other lanes run meanwhile
        out = out_p.numpy().copy(), out_v.numpy().copy()
        self.profile.add(t1 - t0, t2 - t1, time.perf_counter() - t2)
        return out

    def _forward(self, x: torch.Tensor, transforms: np.ndarray) -> tuple[torch.Tensor | None, torch.Tensor]:
        """One forward pass of ``x`` with ``transforms[i]`` applied to position ``i``; logits mapped back.

        The transforms are index gathers on the device (``engine.symmetry``'s tables), so no
        position leaves the device between the copy in and the priors out.
        """
        b, c, n = x.shape[0], x.shape[1], self.cfg.board_size
        turned = bool(np.any(transforms))
        if turned:
            planes_of, actions_of = self._tables()
            tt = torch.from_numpy(np.asarray(transforms, np.int64)).to(self.device)
            idx = planes_of[tt][:, None, : n * n].expand(b, c, n * n)
            x = x.reshape(b, c, n * n).gather(2, idx).reshape(b, c, n, n)
        logits, values = policy_value(self.net, x)
        values = torch.zeros(b, device=self.device) if values is None else values.float().reshape(b)
        if logits is None:
            return None, values
        logits = logits.float()
        return (logits.gather(1, actions_of[tt]) if turned else logits), values

    def _tables(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``long[8, n*n+1]`` gathers on the device: planes under ``t``, and actions back under ``inverse(t)``."""
        if self._gathers is None:
            n = self.cfg.board_size
            grid = np.arange(n * n + 1)[None]
            fwd = np.stack([apply_actions(grid, t)[0] for t in range(N_SYMMETRIES)])
            back = np.stack([apply_actions(grid, inverse(t))[0] for t in range(N_SYMMETRIES)])
            self._gathers = tuple(torch.from_numpy(a.astype(np.int64)).to(self.device) for a in (fwd, back))
        return self._gathers


def _masked_priors(logits: torch.Tensor | None, mask: torch.Tensor, average: bool = False) -> torch.Tensor:
    """Softmax of ``logits`` over the legal actions ``mask`` (renormalised probabilities if ``average``).

    Illegal actions get exactly 0; a value-only net (``logits`` None) gets uniform priors.
    """
    if logits is None:
        p = mask.float()
    elif average:
        p = torch.where(mask, logits, 0.0)
    else:
        z = logits.masked_fill(~mask, float("-inf"))
        top = z.amax(1, keepdim=True)
        p = torch.where(mask, torch.exp(z - torch.where(torch.isfinite(top), top, 0.0)), 0.0)
    total = p.sum(1, keepdim=True)
    return p / torch.where(total > 0, total, 1.0)


def _pinned(host: dict, name: str, shape: tuple, dtype: torch.dtype) -> torch.Tensor:
    """A page-locked host tensor of ``shape``: a view of ``host[name]``, grown as needed."""
    need = int(np.prod(shape))
    buf = host.get(name)
    if buf is None or buf.numel() < need:
        buf = host[name] = torch.empty(need, dtype=dtype, pin_memory=True)
    return buf[:need].view(shape)


def _numpy(t: torch.Tensor) -> np.ndarray:
    """A float32 numpy copy of ``t`` on the host."""
    return t.float().cpu().numpy()
