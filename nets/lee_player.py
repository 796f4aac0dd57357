"""The AlphaGo Lee player: PUCT search with SL-policy priors and value-net + rollout leaf values.

``LeeNetEvaluator`` encodes each leaf once (``aglee49``: the policy's 48 planes plus player
colour), runs the SL policy net on the first 48 planes and the value net on all 49, both as one
batched call per leaf batch, under a random symmetry per leaf. ``build_lee_player`` mixes it with
``engine.lee_search.PolicyRolloutEvaluator`` through ``engine.mcts.MixedEvaluator``
(``V = (1 - lam) * v + lam * z``) and hands it to the ordinary ``MCTSPlayer`` with
``engine.lee_search.lee_mcts_config`` settings (c_puct 5, virtual loss 3, expansion threshold).

Weights folder layout (``go-engine gtp --pipeline lee --weights DIR``):

=======================  ===========================================================  ==========
file                     content                                                      needed
=======================  ===========================================================  ==========
``sl.safetensors``       SL policy net p_sigma (``train sl``'s ``weights.safetensors``)  yes
``value.safetensors``    value net v_theta (``train value``'s ``weights.safetensors``)   no: lam = 1
``rollout.npz``          rollout policy (``train rollout``'s output)                   no: lam = 0
=======================  ===========================================================  ==========

With no value net the leaves are valued by rollouts alone, with no rollout policy by the value
net alone; with neither the folder is rejected. Priors come from the SL net, as in the paper
(it searched better than the RL net).

Reference: Silver et al. 2016, Nature 529, Methods "Search algorithm".
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch

from engine import _kernels as K
from engine.features_lee import encode_lee_batch
from engine.lee_search import PolicyRolloutEvaluator, lee_mcts_config
from engine.mcts import LeafBatch, MixedEvaluator
from engine.rollout_policy import RolloutPolicy
from engine.symmetry import N_SYMMETRIES, apply_actions, apply_planes, inverse
from nets.checkpoint import load_weights

log = logging.getLogger("go_engine.lee")
SL_FILE, VALUE_FILE, ROLLOUT_FILE = "sl.safetensors", "value.safetensors", "rollout.npz"


class LeeNetEvaluator:
    """Priors from the policy net, values from the value net (0 without one); ``engine.mcts.Evaluator``.

    Args:
        policy: an AlphaGo Lee policy net (``aglee48``).
        value: a value net (``aglee49``) or ``None``.
        device: torch device.
        symmetries: a random one of the 8 symmetries per leaf (shared by both nets).
        seed: seed of the symmetry draws.
    """

    def __init__(
        self,
        policy,
        value=None,
        device: str = "cpu",
        symmetries: bool = True,
        seed: int | None = None,
        cache_size: int = 100_000,
    ):
        self.cache: dict[tuple[int, int, int, int], tuple[np.ndarray, float]] = {}
        self.cache_size = cache_size
        self.device = torch.device(device)
        self.policy = policy.to(self.device).eval()
        self.value = None if value is None else value.to(self.device).eval()
        if value is not None and value.cfg.board_size != policy.cfg.board_size:
            raise ValueError("policy and value nets are for different board sizes")
        self.symmetries = symmetries
        self.rng = np.random.default_rng(seed)

    def __call__(self, batch: LeafBatch) -> tuple[np.ndarray, np.ndarray]:
        """Masked-softmax priors over the legal moves and values of every leaf.

        Results are cached by position (hash, colour to move, ko point, last move): a leaf that is
        visited again before its expansion (``expand_threshold``) costs a rollout but no net call,
        as in AlphaGo Lee, where each net evaluates a node once. ``cache_size = 0`` turns it off.
        """
        k = len(batch)
        keys = [tuple(int(v) for v in batch.scal[i, [K.HASH, K.TO_PLAY, K.KO, K.LAST1]]) for i in range(k)]
        rows = {i: self.cache[keys[i]] for i in range(k) if keys[i] in self.cache}
        todo = [i for i in range(k) if i not in rows]
        if todo:
            priors, values = self._evaluate(batch, todo)
            if len(self.cache) + len(todo) > self.cache_size:
                self.cache.clear()
            for j, i in enumerate(todo):
                rows[i] = (priors[j], float(values[j]))
                if self.cache_size:
                    self.cache[keys[i]] = rows[i]
        rows = [rows[i] for i in range(k)]
        return np.stack([r[0] for r in rows]), np.array([r[1] for r in rows], np.float32)

    def _evaluate(self, batch: LeafBatch, idx: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Both nets on leaves ``idx`` of ``batch`` (one call each), under a random symmetry per leaf."""
        k = len(idx)
        planes = encode_lee_batch([batch.board(i) for i in idx], value=True)
        trans = self.rng.integers(0, N_SYMMETRIES, k) if self.symmetries else np.zeros(k, np.int64)
        for t in np.unique(trans):
            planes[trans == t] = apply_planes(planes[trans == t], int(t))
        with torch.inference_mode():
            x = torch.from_numpy(planes).to(self.device)
            logits = self.policy(x[:, :48]).float().cpu().numpy()
            values = np.zeros(k, np.float32) if self.value is None else self.value(x).float().cpu().numpy()
        for t in np.unique(trans):
            logits[trans == t] = apply_actions(logits[trans == t], inverse(int(t)))
        return masked_softmax(logits, batch.legal[idx]), values.reshape(k).astype(np.float32)


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

    Raises:
        FileNotFoundError: if ``sl.safetensors`` is missing, or both optional files are.
    """
    folder = Path(folder)
    if not (folder / SL_FILE).is_file():
        raise FileNotFoundError(f"{folder}: no {SL_FILE} (the SL policy net)")
    policy = load_weights(folder / SL_FILE).model
    value = load_weights(folder / VALUE_FILE).model if (folder / VALUE_FILE).is_file() else None
    has_rollout = (folder / ROLLOUT_FILE).is_file()
    rollout = RolloutPolicy.from_bytes((folder / ROLLOUT_FILE).read_bytes()) if has_rollout else None
    if value is None and rollout is None:
        raise FileNotFoundError(f"{folder}: needs {VALUE_FILE} or {ROLLOUT_FILE} to value leaves")
    return policy, value, rollout


def build_lee_player(
    folder: str | Path, lam: float = 0.5, seed: int | None = None, device: str = "cpu", **mcts_overrides
):
    """An ``MCTSPlayer`` running the Lee search with the nets of ``folder``.

    Args:
        folder: weights folder (layout in the module docstring).
        lam: mixing weight of the rollout result (paper: 0.5); forced to 1 without a value net
            and to 0 without a rollout policy.
        seed: seed of the search, the symmetries and the rollouts.
        device: torch device of the nets.
        **mcts_overrides: ``MCTSConfig`` fields over ``lee_mcts_config``'s (``None`` ignored).
    """
    from engine.mcts_player import MCTSPlayer

    policy, value, rollout = load_lee_dir(folder)
    if value is None:
        lam = 1.0
    if rollout is None:
        lam = 0.0
    nets = LeeNetEvaluator(policy, value, device, symmetries=True, seed=seed)
    rollouts = PolicyRolloutEvaluator(rollout, seed=seed) if rollout is not None else None
    evaluator = MixedEvaluator(nets, rollouts, lam) if rollouts is not None else nets
    log.info("Lee player: value net %s, rollouts %s, lambda %.2f", value is not None, rollout is not None, lam)
    return MCTSPlayer(lee_mcts_config(**mcts_overrides), seed=seed, evaluator=evaluator)
