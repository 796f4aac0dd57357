"""AlphaGo Lee policy network (the SL network p_sigma and the RL network p_rho share it).

Silver et al. 2016, Nature 529, Methods "Neural network architecture" (``k`` = ``filters``,
``L`` = ``blocks`` = 13 layers, ``n`` = ``board_size``, ``p`` = ``in_planes`` = 48):

=========  ====================================================================  ==============
layer      content                                                               output
=========  ====================================================================  ==============
input      feature planes (48 in the paper)                                      ``[B, p, n, n]``
1          zero-pad 2 (to 23x23), ``k`` filters 5x5 stride 1, ReLU               ``[B, k, n, n]``
2 .. L-1   zero-pad 1 (to 21x21), ``k`` filters 3x3 stride 1, ReLU               ``[B, k, n, n]``
L          1 filter 1x1 stride 1 (no bias), a separate bias per point            ``[B, n*n]``
softmax    over the points (applied outside, with the legal mask)
=========  ====================================================================  ==============

``k`` = 192 in the match version (128, 256, 384 also studied); preset ``sl13x192``.

Pass (our choice; the paper's softmax covers the ``n*n`` points only): the net returns
``n*n + 1`` logits like every other net of the project, so MCTS, the env and the trainers share
one action space. The last logit is a single learned parameter ``pass_logit`` that does not
depend on the position (one extra parameter over the paper's count). An SL trainer that drops
pass targets, as AlphaGo did, drives it down and reproduces the paper's points-only softmax;
one that keeps them learns the base rate of passing.
"""

from __future__ import annotations

import torch
from torch import nn

from nets.config import NetConfig
from nets.models.layers import LeeTrunkNet, PerPointBias


class PolicyNet(LeeTrunkNet):
    """AlphaGo Lee policy net built from ``cfg`` (``cfg.kind == "policy"``).

    ``forward(planes [B, in_planes, n, n]) -> logits [B, n*n+1]`` (pass last).
    """

    def __init__(self, cfg: NetConfig):
        super().__init__(cfg, "policy", cfg.blocks - 1)
        self.head = nn.Conv2d(cfg.filters, 1, 1, bias=False)
        self.point_bias = PerPointBias(cfg.board_size * cfg.board_size)
        self.pass_logit = nn.Parameter(torch.zeros(1))

    def forward(self, planes: torch.Tensor) -> torch.Tensor:
        """Move logits ``[B, n*n+1]``: one per point, then the learned pass logit."""
        points = self.point_bias(self.head(self.trunk(planes)).flatten(1))
        return torch.cat([points, self.pass_logit.expand(points.shape[0], 1)], dim=1)
