"""The engine side of AlphaGo Lee's search: rollouts with the trained rollout policy, and its settings.

The Lee search is the ordinary batched PUCT search of ``engine/search/mcts.py`` with

* priors from the SL policy net (``nets/lee_player.py``, which imports torch; this module does not);
* leaf values ``V = (1 - lambda) * v_theta(s_L) + lambda * z_L`` through ``MixedEvaluator``, where
  ``z_L`` is one rollout to the end with the trained rollout policy (``PolicyRolloutEvaluator``);
* virtual loss ``n_vl = 3`` and an expansion threshold ``n_thr`` (``MCTSConfig.virtual_loss`` and
  ``expand_threshold``): a leaf is evaluated (value net + rollout) at every visit and gets its
  children only once its visit count reaches ``n_thr``;
* ``c_puct = 5``.

``lee_mcts_config(**overrides)`` gives those settings. Differences from the paper: one ``Q`` per
edge from the mixed value (the paper keeps ``W_v/N_v`` and ``W_r/N_r`` apart and mixes the two
means; with every leaf getting both a value and a rollout, as here, the two are equal), and the
search is synchronous batches under virtual loss rather than asynchronous threads. ``n_thr``
defaults to 4 (the paper's 40 was tuned for 19x19 at tens of thousands of simulations a move).

Reference: Silver et al. 2016, Nature 529, Methods "Search algorithm".
"""

from __future__ import annotations

import numpy as np

from engine.config import MCTSConfig
from engine.rollout import _kernels_rollout as KR
from engine.rollout.policy import RolloutPolicy, seed_rng
from engine.search.mcts import LeafBatch

LEE_DEFAULTS = {"c_puct": 5.0, "virtual_loss": 3, "expand_threshold": 4, "batch_size": 8, "fpu_reduction": 0.0}
"""the ``MCTSConfig`` fields the Lee search sets (see the module docstring)"""


def lee_mcts_config(**overrides) -> MCTSConfig:
    """``MCTSConfig`` with ``LEE_DEFAULTS``, then ``overrides`` (``None`` values are ignored)."""
    fields = {**LEE_DEFAULTS, **{k: v for k, v in overrides.items() if v is not None}}
    return MCTSConfig(**fields)


class PolicyRolloutEvaluator:
    """One rollout per leaf with a trained ``RolloutPolicy``; value = its result, priors uniform.

    Values are +1/-1 (0 for a draw) from the view of the player to move at the leaf, by the area
    score with the batch's komi. Meant as the ``rollouts`` part of ``MixedEvaluator``.

    Args:
        policy: the rollout policy (``selfplay.expert_data.load_rollout_policy``).
        max_moves: rollout move cap (0 = 3 * n * n).
        seed: seed of the rollout generator.
    """

    def __init__(self, policy: RolloutPolicy, max_moves: int = 0, seed: int | None = None):
        self.policy = policy
        self.max_moves = max_moves
        self.rng = seed_rng(0 if seed is None else seed)

    def __call__(self, batch: LeafBatch) -> tuple[np.ndarray, np.ndarray]:
        """Uniform legal priors and one rollout result per leaf."""
        k, n = len(batch), batch.size
        cap = self.max_moves or 3 * n * n
        values = np.zeros(k, np.float32)
        for i in range(k):
            score, _, _ = KR.rollout_many(batch.pts[i], batch.scal[i], batch.root.zob, self.policy.ew, self.rng, 1, cap)
            black = score - batch.komi
            sign = 0.0 if black == 0 else (1.0 if black > 0 else -1.0)
            values[i] = sign if batch.to_play[i] == 1 else -sign
        return batch.legal[:k].astype(np.float32), values
