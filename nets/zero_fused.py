"""An AlphaGo Zero net in the compiled rollout search: rollouts every simulation, the net on busy nodes.

The *fused zero search* is AlphaGo Lee's scheme with a Zero net in place of the SL policy and value
nets. Every simulation runs in ``engine.search._kernels_mcts.search_fused`` and ends with one heavy
rollout; a node that reaches ``MCTSConfig.rollout.net_visits`` visits is *queued*, and each
``queue_size`` queued nodes go through the net at once. The net's policy replaces the node's
placeholder priors (the rollout heuristics) and its value enters ``Q`` as
``(1 - lam) W_v / N_v + lam Q_rollouts`` (``MCTSConfig.rollout``: ``lam``, ``value_visits``).

Compared with the PUCT search that evaluates every leaf with the net (``MCTSPlayer`` over a
``TorchEvaluator``), the net is asked about the few nodes that the search keeps returning to, and
the rollouts, which read the tactics and the komi exactly, value the rest: on a CPU, where the net
is the cost of a leaf, a second buys many more simulations.

The net reads ``agz17`` history planes, so each queued node reaches the evaluator as a ``Board``
(the root's history plus the node's moves; ``wants_boards``).
"""

from __future__ import annotations

import numpy as np

from engine.board import Board
from engine.rollout.policy import RolloutPolicy
from engine.search.evaluators import RolloutEvaluator
from nets.evaluator import TorchEvaluator

NET_VISITS = 16
"""visits at which a node goes to the net when ``MCTSConfig.rollout.net_visits`` is 0"""


class ZeroRolloutEvaluator(RolloutEvaluator):
    """Heavy rollouts in the compiled loop; a Zero net's priors and value on queued nodes.

    Args:
        net: the Zero net's evaluator (priors and values of ``Board`` positions).
        queue_size: positions per net call.
        temperature: softmax temperature of the net's priors in the tree.
        seed: seed of the rollouts.
        tree_policy: a trained tree policy for the placeholder priors of nodes the net has not
            seen (``None``: the rollout heuristics).
        max_moves: rollout move cap (0 = 3 * size * size).
    """

    wants_boards = True
    """``MCTS`` passes each queued node as a ``Board`` (the net's history planes need the moves)"""

    def __init__(
        self,
        net: TorchEvaluator,
        queue_size: int = 8,
        temperature: float = 1.0,
        seed: int | None = None,
        tree_policy: RolloutPolicy | None = None,
        max_moves: int = 0,
    ):
        super().__init__("heavy", heuristic_priors=True, max_moves=max_moves, seed=seed, tree_policy=tree_policy)
        if queue_size < 1 or temperature <= 0:
            raise ValueError("queue_size must be >= 1, temperature > 0")
        self.net, self.queue_size, self.temperature = net, queue_size, temperature

    def evaluate_nodes(
        self, pts: np.ndarray, scal: np.ndarray, boards: list[Board] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Log-priors (the tree takes their softmax over a node's edges) and values of the queued nodes."""
        if boards is None:
            raise ValueError("the fused zero search needs the queued positions as boards")
        priors, values = self.net.evaluate_boards(boards)
        return np.log(np.maximum(priors.astype(np.float64), 1e-30)), values.astype(np.float64)
