"""AlphaGo Lee value network v_theta(s): the policy net's trunk, then a scalar head.

Silver et al. 2016, Nature 529, Methods "Neural network architecture" (``k`` = ``filters``,
``L`` = ``blocks`` = 13, ``n`` = ``board_size``, ``p`` = ``in_planes`` = 49, the policy's 48
planes plus "player colour"):

=========  ====================================================================  ==============
layer      content                                                               output
=========  ====================================================================  ==============
input      feature planes (49 in the paper)                                      ``[B, p, n, n]``
1 .. L-1   as the policy net: 5x5 then 3x3 convs, ``k`` filters, ReLU            ``[B, k, n, n]``
L          an additional 3x3 conv, ``k`` filters, ReLU                           ``[B, k, n, n]``
L+1        1 filter 1x1 stride 1, ReLU                                           ``[B, 1, n, n]``
L+2        fully connected, 256 ReLU units                                       ``[B, 256]``
L+3        fully connected, one tanh unit                                        ``[B]``
=========  ====================================================================  ==============

Preset ``value13x192``. The value is from the view of the player to move (the paper's training
target is the outcome ``z`` from that view). Biases are used throughout (no batch norm).
"""

from __future__ import annotations

import torch

from nets.config import NetConfig
from nets.models.layers import LeeTrunkNet, ValueMLP, conv_relu


class ValueNet(LeeTrunkNet):
    """AlphaGo Lee value net built from ``cfg`` (``cfg.kind == "value"``).

    ``forward(planes [B, in_planes, n, n]) -> values [B]`` in [-1, 1].
    """

    def __init__(self, cfg: NetConfig):
        super().__init__(cfg, "value", cfg.blocks - 1)
        self.extra = conv_relu(cfg.filters, cfg.filters, 3)
        self.head = conv_relu(cfg.filters, cfg.value_filters, 1)
        self.value_mlp = ValueMLP(cfg.value_filters * cfg.board_size * cfg.board_size, cfg.value_hidden)

    def forward(self, planes: torch.Tensor) -> torch.Tensor:
        """Values ``[B]`` in [-1, 1] from the view of the player to move."""
        return self.value_mlp(self.head(self.extra(self.trunk(planes))))
