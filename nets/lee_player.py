"""The AlphaGo Lee player: PUCT search with SL-policy priors and value-net + rollout leaf values.

``LeeNetEvaluator`` encodes each leaf once (``aglee49``: the policy's 48 planes plus player
colour), runs the SL policy net on the first 48 planes and the value net on all 49, both as one
batched call per leaf batch, under a random symmetry per leaf. ``build_lee_player`` mixes it with
``engine.search.lee.PolicyRolloutEvaluator`` through ``engine.search.mcts.MixedEvaluator``
(``V = (1 - lam) * v + lam * z``) and hands it to the ordinary ``MCTSPlayer`` with
``engine.search.lee.lee_mcts_config`` settings (c_puct 5, virtual loss 3, expansion threshold).

Weights folder layout (``go-engine gtp --pipeline lee --weights DIR``):

=======================  ===========================================================  ==========
file                     content                                                      needed
=======================  ===========================================================  ==========
``sl.safetensors``       SL policy net p_sigma (``train sl``'s ``weights.safetensors``)  yes
``value.safetensors``    value net v_theta (``train value``'s ``weights.safetensors``)   no: lam = 1
``rollout.npz``          rollout policy (``train rollout``'s output)                   no: lam = 0
=======================  ===========================================================  ==========

With no value net the leaves are valued by rollouts alone, with no rollout policy by the value
net alone (batched search) or the built-in heavy rollouts (fused search, the default); the
batched search rejects a folder with neither. A ``train sl`` run folder, whose SL net is
``weights.safetensors``, loads as a folder with the SL net alone (``go-engine gtp --weights
runs/sl9``). Priors come from the SL net, as in the paper (it searched better than the RL net).

Reference: Silver et al. 2016, Nature 529, Methods "Search algorithm".
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from engine import _kernels as K
from engine.config import MCTSConfig
from engine.features.lee import encode_arrays, encode_lee_batch
from engine.rollout import _kernels_rollout as KR
from engine.rollout.policy import RolloutPolicy
from engine.search import _kernels_mcts as KM
from engine.search.lee import PolicyRolloutEvaluator, lee_mcts_config
from engine.search.mcts import LeafBatch, MixedEvaluator, RolloutEvaluator
from engine.symmetry import N_SYMMETRIES, apply_actions, apply_planes, inverse
from nets.checkpoint import CheckpointError, load_weights
from nets.config import LeeConfig
from nets.precision import calibration_planes, prepare_net, resolve_precision

log = logging.getLogger("go_engine.lee")
SL_FILE, VALUE_FILE, ROLLOUT_FILE = "sl.safetensors", "value.safetensors", "rollout.npz"
LEE_NET_VISITS = 16
"""fused search: visits at which a node goes to the nets when ``MCTSConfig.rollout.net_visits`` is 0"""
RUN_WEIGHTS = "weights.safetensors"
"""the final net of a trainer's run folder (``train sl``: the SL policy net)"""


class LeeNetEvaluator:
    """Priors from the policy net, values from the value net (0 without one); ``engine.search.mcts.Evaluator``.

    Args:
        policy: an AlphaGo Lee policy net (``aglee48``).
        value: a value net (``aglee49``) or ``None``.
        device: torch device.
        symmetries: a random one of the 8 symmetries per leaf (shared by both nets).
        seed: seed of the symmetry draws.
        fast: on the CPU, run both nets traced and frozen for inference (``frozen_for_cpu``).
        precision: ``fp32`` (with ``fast``: traced and frozen), ``bf16``, ``int8`` or ``auto``
            (``nets.precision``; int8 calibrates both nets on games the policy net plays).
    """

    def __init__(
        self,
        policy,
        value=None,
        device: str = "cpu",
        symmetries: bool = True,
        seed: int | None = None,
        cache_size: int = 100_000,
        value_offset: float = 0.0,
        fast: bool = True,
        precision: str = "fp32",
    ):
        self.value_offset = value_offset
        self.cache: dict[tuple[int, int, int, int], float] = {}
        self.prior_cache: dict[tuple[int, int, int, int], np.ndarray] = {}
        self.cache_size = cache_size
        self.device = torch.device(device)
        self.policy = policy.to(self.device).eval()
        self.value = None if value is None else value.to(self.device).eval()
        if value is not None and value.cfg.board_size != policy.cfg.board_size:
            raise ValueError("policy and value nets are for different board sizes")
        self.symmetries = symmetries
        self.rng = np.random.default_rng(seed)
        self.precision = resolve_precision(precision, self.device)
        if self.precision != "fp32":
            self.run_policy, self.run_value = prepare_lee_nets(self.policy, self.value, self.precision)
            return
        on_cpu = fast and self.device.type == "cpu"
        self.run_policy = frozen_for_cpu(self.policy) if on_cpu else self.policy
        self.run_value = frozen_for_cpu(self.value) if on_cpu and value is not None else self.value

    def __call__(self, batch: LeafBatch) -> tuple[np.ndarray, np.ndarray]:
        """Masked-softmax priors over the legal moves and values of every leaf.

        Each net sees a position once, as in AlphaGo Lee: the value net when the position is
        first a leaf, the policy net when the tree expands it (``batch.expanding``; the other
        leaves get uniform legal priors, which the tree does not read). Results are cached by
        position (hash, colour to move, ko point, last move), so a leaf visited again before its
        expansion (``expand_threshold``) costs a rollout but no net call. ``cache_size = 0``
        turns the caches off.
        """
        k = len(batch)
        keys = [tuple(int(v) for v in batch.scal[i, [K.HASH, K.TO_PLAY, K.KO, K.LAST1]]) for i in range(k)]
        need_p = batch.needs_priors()
        want_v = [i for i in range(k) if keys[i] not in self.cache]
        want_p = [i for i in range(k) if need_p[i] and keys[i] not in self.prior_cache]
        priors = batch.legal[:k].astype(np.float32)
        values = np.array([self.cache.get(key, 0.0) for key in keys], np.float32)
        new_p, new_v = self._evaluate(batch, want_p, want_v)
        values[want_v] = new_v
        for i in range(k):
            if need_p[i]:
                priors[i] = new_p[want_p.index(i)] if i in want_p else self.prior_cache[keys[i]]
        self._remember(self.cache, [keys[i] for i in want_v], new_v)
        self._remember(self.prior_cache, [keys[i] for i in want_p], new_p)
        total = priors.sum(axis=1, keepdims=True)
        return priors / np.where(total > 0, total, 1.0), values

    def evaluate_arrays(
        self, pts_b: np.ndarray, scal_b: np.ndarray, value: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """Raw move logits ``float64[B, n*n+1]`` and values ``float64[B]`` of stacked positions.

        Positions in the kernel layout (``Board.pts``/``scal`` stacked), side to move's view;
        each under a random symmetry shared by both nets; values 0 without a value net or with
        ``value=False``. Used by the fused Lee search (``LeeRolloutEvaluator``), which masks the
        logits itself.
        """
        planes = encode_arrays(pts_b, scal_b, None, 49)
        trans = self._transform(planes)
        values = np.zeros(len(planes))
        with torch.inference_mode():
            x = torch.from_numpy(planes).to(self.device)
            logits = self.run_policy(x[:, :48]).double().cpu().numpy()
            if value and self.value is not None:
                values = np.clip(self.run_value(x).double().cpu().numpy().reshape(-1) - self.value_offset, -1, 1)
        for t in np.unique(trans):
            logits[trans == t] = apply_actions(logits[trans == t], inverse(int(t)))
        return logits, values

    def _transform(self, planes: np.ndarray) -> np.ndarray:
        """Put each position of ``planes`` under a random symmetry in place; returns the symmetries."""
        k = len(planes)
        trans = self.rng.integers(0, N_SYMMETRIES, k) if self.symmetries else np.zeros(k, np.int64)
        for t in np.unique(trans):
            planes[trans == t] = apply_planes(planes[trans == t], int(t))
        return trans

    def _remember(self, cache: dict, keys: list, rows) -> None:
        if not self.cache_size or not keys:
            return
        if len(cache) + len(keys) > self.cache_size:
            cache.clear()
        cache.update(zip(keys, rows, strict=True))

    def _evaluate(self, batch: LeafBatch, want_p: list[int], want_v: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Priors of leaves ``want_p`` and values of leaves ``want_v``: one call per net at most.

        Each leaf is seen under a random symmetry, shared by both nets.
        """
        idx = sorted(set(want_p) | set(want_v))
        n_moves = batch.legal.shape[1]
        if not idx:
            return np.zeros((0, n_moves), np.float32), np.zeros(0, np.float32)
        planes = encode_lee_batch([batch.board(i) for i in idx], value=True)
        trans = self._transform(planes)
        rows_p = [idx.index(i) for i in want_p]
        rows_v = [idx.index(i) for i in want_v]
        priors, values = np.zeros((0, n_moves), np.float32), np.zeros(len(rows_v), np.float32)
        with torch.inference_mode():
            x = torch.from_numpy(planes).to(self.device)
            if rows_p:
                logits = self.run_policy(x[rows_p, :48]).float().cpu().numpy()
                for t in np.unique(trans[rows_p]):
                    sel = trans[rows_p] == t
                    logits[sel] = apply_actions(logits[sel], inverse(int(t)))
                priors = masked_softmax(logits, batch.legal[want_p])
            if rows_v and self.value is not None:
                values = self.run_value(x[rows_v]).float().cpu().numpy().reshape(-1).astype(np.float32)
        return priors, values


class LeeRolloutEvaluator(RolloutEvaluator):
    """The Lee search in the compiled rollout loop: rollouts per simulation, nets per busy node.

    Every simulation runs in ``engine.search._kernels_mcts.search_fused`` and ends with one rollout of
    the trained rollout policy (or the built-in heavy policy without one). A node that reaches
    ``MCTSConfig.rollout.net_visits`` visits is queued; every ``queue_size`` queued positions go
    through both nets at once (``LeeNetEvaluator.evaluate_arrays``): the SL priors replace the
    node's heuristic priors and the value-net value is backed up into the value statistics of its
    path, which enter Q as ``(1 - lam) W_v / N_v + lam Q_rollouts`` (the paper's mix, with ``lam``
    and the fading ``value_visits`` of ``MCTSConfig.rollout``; ``engine.search._kernels_mcts.mix_value``).
    This is AlphaGo Lee's scheme of placeholder tree-policy priors replaced when the policy net
    answers, with the asynchronous GPU queue made a synchronous batch. The evaluator only
    evaluates: when nodes go to the nets and how values mix are the search's settings.

    Args:
        nets: the policy and value nets (no value net: priors only, the search runs on rollouts).
        rollout: the trained rollout policy, or ``None`` for the built-in heavy rollouts.
        queue_size: positions per net call.
        temperature: softmax temperature of the SL priors.
        seed: seed of the rollouts.
    """

    def __init__(
        self,
        nets: LeeNetEvaluator,
        rollout: RolloutPolicy | None,
        queue_size: int = 8,
        temperature: float = 1.0,
        seed: int | None = None,
    ):
        super().__init__("heavy", heuristic_priors=True, seed=seed)
        if queue_size < 1 or temperature <= 0:
            raise ValueError("queue_size must be >= 1, temperature > 0")
        self.nets, self.rollout = nets, rollout
        self.policy = "heavy" if rollout is None else "learned"
        self.queue_size, self.temperature = queue_size, temperature
        self._work: dict[int, tuple] = {}

    def gives_values(self) -> bool:
        """Whether there is a value net (without one the nets give priors only)."""
        return self.nets.value is not None

    def policy_id(self) -> int:
        """Kernel code of the rollout policy."""
        return KM.POLICY_LEARNED if self.rollout is not None else KM.POLICY_HEAVY

    def rollout_args(self, size: int) -> tuple:
        """``(ew, gw, rows, buf)`` of the trained rollout policy (cached per size)."""
        if self.rollout is None:
            return super().rollout_args(size)
        if size not in self._work:
            self._work[size] = (self.rollout.ew, *KR.new_rollout_work(size))
        return self._work[size]

    def evaluate_nodes(self, pts: np.ndarray, scal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Both nets on the queued positions (the policy net alone without a value net)."""
        return self.nets.evaluate_arrays(pts, scal)


def prepare_lee_nets(policy, value, precision: str) -> tuple:
    """``(policy, value or None)`` prepared for ``precision``; int8 calibrates on the policy's own games."""
    sets = (policy.cfg.feature_set,) + (() if value is None else (value.cfg.feature_set,))
    cal = calibration_planes(policy, feature_sets=sets) if precision == "int8" else [None, None]
    return prepare_net(policy, precision, cal[0]), None if value is None else prepare_net(value, precision, cal[1])


def frozen_for_cpu(net: torch.nn.Module) -> torch.nn.Module:
    """``net`` traced and frozen for CPU inference, or ``net`` itself if tracing fails.

    ``torch.jit.optimize_for_inference`` folds each convolution with its ReLU and picks the
    oneDNN kernels: on one core the 13 x 32 SL net costs about 0.34 instead of 0.45 ms a 9x9
    position in batches of 8 (docs/benchmarks.md). The traced graph accepts any batch size.
    """
    cfg = net.cfg
    example = torch.zeros(2, cfg.in_planes, cfg.board_size, cfg.board_size)
    try:
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")
            return torch.jit.optimize_for_inference(torch.jit.trace(net.eval(), example))
    except Exception as e:  # an unsupported layer or torch build: the plain module still works
        log.warning("nets run unoptimised (tracing failed: %s)", e)
        return net


def masked_softmax(logits: np.ndarray, legal: np.ndarray) -> np.ndarray:
    """Softmax of each row over its legal actions (illegal -> 0; a row with none legal -> zeros)."""
    mask = np.asarray(legal) != 0
    z = np.where(mask, logits, -np.inf)
    zmax = np.max(z, axis=1, keepdims=True)
    p = np.where(mask, np.exp(z - np.where(np.isfinite(zmax), zmax, 0.0)), 0.0)
    total = p.sum(axis=1, keepdims=True)
    return (p / np.where(total > 0, total, 1.0)).astype(np.float32)


def load_lee_dir(folder: str | Path) -> tuple:
    """``(policy net, value net or None, RolloutPolicy or None)`` from a weights folder (see above).

    A ``train sl`` (or ``train rl``) run folder is a weights folder too: its ``weights.safetensors``
    stands for ``sl.safetensors`` when that is missing.

    Raises:
        CheckpointError: if the folder has no SL policy net (a ``UserError``).
    """
    folder = Path(folder)
    sl = folder / SL_FILE
    if not sl.is_file() and (folder / RUN_WEIGHTS).is_file():
        sl = folder / RUN_WEIGHTS
    if not sl.is_file():
        raise CheckpointError(
            f"{folder}: no {SL_FILE} (the SL policy net): give a Lee weights folder (docs/lee.md) or a"
            f" 'train sl' run folder"
        )
    policy = load_weights(sl).model
    if policy.cfg.feature_set != "aglee48":
        raise CheckpointError(f"{sl}: a {policy.cfg.feature_set} net, not an SL policy net (aglee48)")
    value = load_weights(folder / VALUE_FILE).model if (folder / VALUE_FILE).is_file() else None
    has_rollout = (folder / ROLLOUT_FILE).is_file()
    rollout = RolloutPolicy.from_bytes((folder / ROLLOUT_FILE).read_bytes()) if has_rollout else None
    return policy, value, rollout


def build_lee_player(
    folder: str | Path,
    search: MCTSConfig | None = None,
    lee: LeeConfig | None = None,
    lam: float = 0.5,
    seed: int | None = None,
    device: str = "cpu",
    precision: str = "fp32",
):
    """An ``MCTSPlayer`` running the Lee search with the nets of ``folder``.

    Args:
        folder: weights folder (layout in the module docstring).
        search: the search settings; ``None``: the rollout search defaults (fused) or
            ``lee_mcts_config()`` (batched). The fused search reads ``search.rollout`` (``c_puct``,
            ``expand_threshold``, ``net_visits`` (0: ``LEE_NET_VISITS``), ``value_visits``); its
            ``lam`` is replaced by ``lam``.
        lee: which evaluator is built (``nets.config.LeeConfig``; default: fused, heavy rollouts).
        lam: weight of the rollouts in the leaf value (paper: 0.5); forced to 1 without a value
            net, and in the batched search to 0 without a rollout policy.
        seed: seed of the search, the symmetries and the rollouts.
        device: torch device of the nets.
        precision: how the nets compute on the CPU (``LeeNetEvaluator``).
    """
    from engine.search.player import MCTSPlayer

    lee = lee or LeeConfig()
    policy, value, rollout = load_lee_dir(folder)
    if lee.search == "fused":
        lam = 1.0 if value is None else lam
        nets = LeeNetEvaluator(
            policy,
            value if lam < 1 else None,  # lam 1: the value net would not count
            device,
            symmetries=True,
            seed=seed,
            value_offset=lee.value_offset,
            precision=precision,
        )
        rollout = rollout if lee.rollouts == "learned" else None
        evaluator = LeeRolloutEvaluator(nets, rollout, lee.net_batch, lee.prior_temperature, seed)
        cfg = search or MCTSConfig()
        visits = cfg.rollout.net_visits or LEE_NET_VISITS
        cfg = replace(cfg, rollout=replace(cfg.rollout, lam=lam, net_visits=visits))
        log.info(
            "Lee player (fused): value net %s, %s rollouts, lambda %.2f, value weight fading over %g rollouts",
            value is not None,
            evaluator.policy,
            lam,
            cfg.rollout.value_visits,
        )
        return MCTSPlayer(cfg, seed=seed, evaluator=evaluator)
    if value is None and rollout is None:
        raise CheckpointError(f"{folder}: the batched Lee search needs {VALUE_FILE} or {ROLLOUT_FILE} to value leaves")
    if value is None:
        lam = 1.0
    if rollout is None:
        lam = 0.0
    nets = LeeNetEvaluator(
        policy, value, device, symmetries=True, seed=seed, value_offset=lee.value_offset, precision=precision
    )
    rollouts = PolicyRolloutEvaluator(rollout, seed=seed) if rollout is not None else None
    evaluator = MixedEvaluator(nets, rollouts, lam) if rollouts is not None else nets
    log.info("Lee player: value net %s, rollouts %s, lambda %.2f", value is not None, rollout is not None, lam)
    return MCTSPlayer(search or lee_mcts_config(), seed=seed, evaluator=evaluator)
