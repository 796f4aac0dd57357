"""AlphaGo Zero policy-value network: a residual tower with a policy head and a value head.

Silver et al. 2017, Nature 550, Methods "Neural network architecture" (``c`` = ``filters``,
``R`` = ``blocks``, ``n`` = ``board_size``, ``p`` = ``in_planes``):

=================  ===============================================================  ===============
part               layers                                                           output
=================  ===============================================================  ===============
input              feature planes (17 for ``agz17``)                                ``[B, p, n, n]``
input block        conv 3x3, ``c`` filters, stride 1 + batch norm + ReLU            ``[B, c, n, n]``
residual tower     ``R`` x (conv 3x3 + BN + ReLU, conv 3x3 + BN, add input, ReLU)  ``[B, c, n, n]``
policy head        conv 1x1, 2 filters + BN + ReLU, fully connected                 ``[B, n*n+1]``
value head         conv 1x1, 1 filter + BN + ReLU, FC 256 + ReLU, FC 1, tanh        ``[B]``
=================  ===============================================================  ===============

KataGo's additions (Wu 2019), each off unless its ``NetConfig`` switch is on:
``global_pool_every`` = k makes every k-th residual block a ``GlobalPoolBlock``;
``ownership_head`` and ``score_head`` add the auxiliary heads of ``nets/models/katago.py``,
returned only by ``forward(planes, aux=True)`` (so every evaluator keeps the two outputs).

The published nets have ``R`` = 19 ("20 blocks", preset ``b20c256``) or 39, ``c`` = 256. Policy
logits cover the ``n*n`` points then pass; apply a (masked) softmax outside. The value is from
the view of the player to move. Convolutions followed by batch norm carry no bias of their own.
"""

from __future__ import annotations

import torch
from torch import nn

from nets.config import NetConfig
from nets.models.katago import GlobalPoolBlock, OwnershipHead, ScoreHead
from nets.models.layers import ResidualBlock, ValueMLP, conv_bn_relu


class ResNet(nn.Module):
    """AlphaGo Zero policy-value net built from ``cfg`` (``cfg.kind == "resnet"``).

    ``forward(planes [B, in_planes, n, n]) -> (logits [B, n*n+1], value [B])``; with ``aux=True``
    also ``ownership`` logits ``[B, n*n]`` and ``score`` ``[B]`` (None for a head the net lacks).
    """

    def __init__(self, cfg: NetConfig):
        super().__init__()
        if cfg.kind != "resnet":
            raise ValueError(f"ResNet needs kind='resnet', got {cfg.kind!r}")
        self.cfg = cfg
        points = cfg.board_size * cfg.board_size
        self.stem = conv_bn_relu(cfg.in_planes, cfg.filters, 3)
        k = cfg.global_pool_every
        self.tower = nn.Sequential(
            *[
                GlobalPoolBlock(cfg.filters, cfg.global_pool_channels)
                if k and i % k == k - 1
                else ResidualBlock(cfg.filters)
                for i in range(cfg.blocks)
            ]
        )
        self.policy_conv = conv_bn_relu(cfg.filters, cfg.policy_filters, 1)
        self.policy_fc = nn.Linear(cfg.policy_filters * points, cfg.n_actions)
        self.value_conv = conv_bn_relu(cfg.filters, cfg.value_filters, 1)
        self.value_mlp = ValueMLP(cfg.value_filters * points, cfg.value_hidden)
        self.ownership = OwnershipHead(cfg.filters) if cfg.ownership_head else None
        self.score = ScoreHead(cfg.value_filters * points, cfg.value_hidden) if cfg.score_head else None

    def forward(self, planes: torch.Tensor, aux: bool = False) -> tuple:
        """Policy logits ``[B, n*n+1]`` (pass last) and values ``[B]`` in [-1, 1] (+ the aux heads)."""
        x = self.tower(self.stem(planes))
        logits = self.policy_fc(self.policy_conv(x).flatten(1))
        v = self.value_conv(x)
        if not aux:
            return logits, self.value_mlp(v)
        own = self.ownership(x) if self.ownership is not None else None
        score = self.score(v) if self.score is not None else None
        return logits, self.value_mlp(v), own, score
