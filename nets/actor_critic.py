"""Actor-critic network for A3C/A2C (``selfplay/a3c.py``): a policy head and a value head on one trunk.

Mnih et al. 2016, "Asynchronous Methods for Deep RL", section 4 (shared trunk, softmax policy
and linear value output); the trunk is the AlphaGo Lee conv-ReLU stack of ``nets/layers.py``:

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
(``selfplay.rl_common.masked_logits``).
"""

from __future__ import annotations

import torch
from torch import nn

from nets.config import NetConfig
from nets.layers import ValueMLP, conv_relu, lee_trunk


class ActorCritic(nn.Module):
    """``forward(planes [B, p, n, n]) -> (logits [B, n*n+1], value [B])``."""

    def __init__(self, cfg: NetConfig):
        super().__init__()
        if cfg.kind != "policy":
            raise ValueError(f"ActorCritic reads a conv-ReLU trunk config (kind='policy'), got {cfg.kind!r}")
        self.cfg = cfg
        points = cfg.board_size * cfg.board_size
        self.trunk = lee_trunk(cfg.in_planes, cfg.filters, cfg.blocks, cfg.first_kernel)
        self.policy_conv = conv_relu(cfg.filters, cfg.policy_filters, 1)
        self.policy_fc = nn.Linear(cfg.policy_filters * points, cfg.n_actions)
        self.value_conv = conv_relu(cfg.filters, cfg.value_filters, 1)
        self.value_mlp = ValueMLP(cfg.value_filters * points, cfg.value_hidden)

    def forward(self, planes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Policy logits ``[B, n*n+1]`` (pass last) and values ``[B]``."""
        x = self.trunk(planes)
        return self.policy_fc(self.policy_conv(x).flatten(1)), self.value_mlp(self.value_conv(x))
