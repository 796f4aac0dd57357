"""KataGo's additions to the AlphaGo Zero net (Wu 2019, "Accelerating Self-Play Learning in Go").

==================  ==========================================================================
block               content
==================  ==========================================================================
``GlobalPoolBlock``  a residual block whose first conv's output gets a per-channel bias computed
                     from global pooling (mean and max) of ``cg`` extra channels (Wu 2019, 3.3)
``OwnershipHead``    conv 1x1 -> BN -> ReLU -> conv 1x1 to one channel: per-point ownership logits
                     ``[B, n*n]`` (positive: the player to move owns the point at the end)
``ScoreHead``        flatten the value head's conv features, FC ``hidden`` + ReLU, FC 1: the
                     final score margin from the player to move's view, divided by ``n*n``
==================  ==========================================================================
"""

from __future__ import annotations

import torch
from torch import nn

from nets.models.layers import ScalarMLP, conv_bn_relu


class GlobalPoolBlock(nn.Module):
    """``relu(x + bn2(conv2(relu(bn1(conv1(x)) + fc(pool(relu(bng(convg(x)))))))))``.

    ``pool`` concatenates the mean and the max over the board of each of the ``cg`` channels, so
    every point sees a summary of the whole board (ko fights, the score) in one block.
    """

    def __init__(self, channels: int, pool_channels: int):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.convg = nn.Conv2d(channels, pool_channels, 3, padding=1, bias=False)
        self.bng = nn.BatchNorm2d(pool_channels)
        self.fc = nn.Linear(2 * pool_channels, channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: ``[B, c, n, n]`` -> same shape."""
        g = torch.relu(self.bng(self.convg(x)))
        pooled = torch.cat([g.mean(dim=(2, 3)), g.amax(dim=(2, 3))], dim=1)
        y = torch.relu(self.bn1(self.conv1(x)) + self.fc(pooled)[:, :, None, None])
        return torch.relu(x + self.bn2(self.conv2(y)))


class OwnershipHead(nn.Module):
    """Per-point ownership logits ``[B, n*n]`` from the trunk ``[B, c, n, n]``."""

    def __init__(self, channels: int, hidden: int = 16):
        super().__init__()
        self.conv = conv_bn_relu(channels, hidden, 1)
        self.out = nn.Conv2d(hidden, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits; ``tanh(logit / 2)`` is the expected ownership in [-1, 1]."""
        return self.out(self.conv(x)).flatten(1)


class ScoreHead(ScalarMLP):
    """Score margin / ``n*n`` ``[B]`` from the value head's conv features ``[B, vf, n, n]``.

    Unbounded (a margin past ``n*n`` is rare but possible with komi): the value head's tail without tanh.
    """
