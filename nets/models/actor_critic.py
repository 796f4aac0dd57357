"""Actor-critic network for A3C/A2C (``selfplay/rl/a3c.py``): a policy head and a value head on one trunk.

Mnih et al. 2016, "Asynchronous Methods for Deep RL", section 4 (shared trunk, softmax policy
and linear value output); the trunk is the AlphaGo Lee conv-ReLU stack of ``nets/models/layers.py``:

===============  ==========================================================  =================
part             layers                                                      output
===============  ==========================================================  =================
input            feature planes (``cfg.in_planes``)                          ``[B, p, n, n]``
trunk            ``lee_trunk``: conv ``first_kernel`` + ``blocks - 1`` conv 3x3  ``[B, c, n, n]``
policy head      conv 1x1 (``policy_filters``) + ReLU, FC to ``n*n + 1``      logits
value head       conv 1x1 (``value_filters``) + ReLU, FC ``value_hidden`` +   ``[B]`` in [-1, 1]
                 ReLU, FC 1, tanh (``ValueMLP``)
===============  ==========================================================  =================

No batch norm: worker processes share the parameters in shared memory (Hogwild) and there is no
running statistic to keep in step. ``cfg.kind`` must be ``"policy"`` (the trunk family). The
value is from the view of the player to move; mask illegal logits outside
(``selfplay.rl.common.masked_logits``).
"""

from __future__ import annotations

import torch

from nets.config import NetConfig
from nets.models.layers import LeeTwoHeads


class ActorCritic(LeeTwoHeads):
    """``forward(planes [B, p, n, n]) -> (logits [B, n*n+1], value [B])``."""

    def __init__(self, cfg: NetConfig):
        super().__init__(cfg, "policy")

    def forward(self, planes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Policy logits ``[B, n*n+1]`` (pass last) and values ``[B]``."""
        return self.heads(planes)
