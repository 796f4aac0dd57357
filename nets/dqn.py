"""Dueling Q-network over the ``n*n + 1`` actions of the env (pass last), for ``selfplay/dqn.py``.

Wang et al. 2016, "Dueling Network Architectures for Deep RL", eq. (9); the trunk is the
AlphaGo Lee conv-ReLU stack of ``nets/layers.py`` (no batch norm, so acting and learning see
the same function and nothing but the weights needs copying to the target net):

===============  ==========================================================  =================
part             layers                                                      output
===============  ==========================================================  =================
input            feature planes (``cfg.in_planes``)                          ``[B, p, n, n]``
trunk            ``lee_trunk``: conv ``first_kernel`` + ``blocks - 1`` conv 3x3  ``[B, c, n, n]``
value stream     conv 1x1 (``value_filters``) + ReLU, FC ``value_hidden`` +   ``[B]``
                 ReLU, FC 1, tanh (``ValueMLP``)
advantage        conv 1x1 (``policy_filters``) + ReLU, FC to ``n*n + 1``     ``[B, n*n+1]``
Q                ``V(s) + A(s, a) - mean_a A(s, a)``                         ``[B, n*n+1]``
===============  ==========================================================  =================

The sizes come from a ``NetConfig`` read as a conv-ReLU trunk (``blocks`` layers, ``filters``
channels, ``first_kernel``); its ``kind`` must be ``"policy"`` (the family whose trunk this is).
Q is from the view of the player to move in ``s``; masking illegal actions is the caller's job
(``selfplay.rl_common.masked_argmax``).
"""

from __future__ import annotations

import torch
from torch import nn

from nets.config import NetConfig
from nets.layers import ValueMLP, conv_relu, lee_trunk


class DuelingQNet(nn.Module):
    """Dueling Q-net built from ``cfg``: ``forward(planes [B, p, n, n]) -> q [B, n*n+1]``."""

    def __init__(self, cfg: NetConfig):
        super().__init__()
        if cfg.kind != "policy":
            raise ValueError(f"DuelingQNet reads a conv-ReLU trunk config (kind='policy'), got {cfg.kind!r}")
        self.cfg = cfg
        points = cfg.board_size * cfg.board_size
        self.trunk = lee_trunk(cfg.in_planes, cfg.filters, cfg.blocks, cfg.first_kernel)
        self.adv_conv = conv_relu(cfg.filters, cfg.policy_filters, 1)
        self.adv_fc = nn.Linear(cfg.policy_filters * points, cfg.n_actions)
        self.value_conv = conv_relu(cfg.filters, cfg.value_filters, 1)
        self.value_mlp = ValueMLP(cfg.value_filters * points, cfg.value_hidden)

    def forward(self, planes: torch.Tensor) -> torch.Tensor:
        """Q-values ``[B, n*n+1]`` for every action, legal or not."""
        x = self.trunk(planes)
        adv = self.adv_fc(self.adv_conv(x).flatten(1))
        value = self.value_mlp(self.value_conv(x))
        return value.unsqueeze(1) + adv - adv.mean(dim=1, keepdim=True)
