"""Dueling Q-network over the ``n*n + 1`` actions of the env (pass last), for ``selfplay/rl/dqn.py``.

Wang et al. 2016, "Dueling Network Architectures for Deep RL", eq. (9); the trunk is the
AlphaGo Lee conv-ReLU stack of ``nets/models/layers.py`` (no batch norm, so acting and learning see
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
(``selfplay.rl.common.masked_argmax``).
"""

from __future__ import annotations

import torch

from nets.config import NetConfig
from nets.models.layers import LeeTwoHeads


class DuelingQNet(LeeTwoHeads):
    """Dueling Q-net built from ``cfg``: ``forward(planes [B, p, n, n]) -> q [B, n*n+1]``."""

    def __init__(self, cfg: NetConfig):
        super().__init__(cfg, "adv")

    def forward(self, planes: torch.Tensor) -> torch.Tensor:
        """Q-values ``[B, n*n+1]`` for every action, legal or not."""
        adv, value = self.heads(planes)
        return value.unsqueeze(1) + adv - adv.mean(dim=1, keepdim=True)
