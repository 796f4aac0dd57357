"""Building blocks shared by every model of ``nets/`` (written once, never copied per model).

===================  ==========================================================================
block                content
===================  ==========================================================================
``conv_bn_relu``     conv ``k x k`` (no bias: BN supplies it) + batch norm + ReLU  (AlphaGo Zero)
``ResidualBlock``    conv-BN-ReLU, conv-BN, add the input, ReLU                    (AlphaGo Zero)
``conv_relu``        conv ``k x k`` with bias, zero padding ``k // 2``, ReLU       (AlphaGo Lee)
``lee_trunk``        AlphaGo Lee layers 1..L: one ``first_kernel`` conv, then 3x3 convs, ReLU
``PerPointBias``     a learned bias per board point (AlphaGo Lee policy layer 13)
``ScalarMLP``        flatten, FC ``hidden`` + ReLU, FC 1 -> ``[B]`` (KataGo's score head)
``ValueMLP``         ``ScalarMLP``, then tanh                                      (both papers)
``LeeTrunkNet``      base of the nets over ``lee_trunk``: checks ``cfg.kind``, registers the trunk
===================  ==========================================================================

All convolutions keep the board size (stride 1, "same" zero padding).
"""

from __future__ import annotations

import torch
from torch import nn


def conv_bn_relu(c_in: int, c_out: int, kernel: int = 3) -> nn.Sequential:
    """Conv ``kernel x kernel`` without bias, batch norm, ReLU; keeps the spatial size."""
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


class ResidualBlock(nn.Module):
    """AlphaGo Zero residual block: ``relu(x + bn(conv(relu(bn(conv(x))))))``, 3x3, ``c`` channels."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: ``[B, c, n, n]`` -> same shape."""
        y = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(x + self.bn2(self.conv2(y)))


def conv_relu(c_in: int, c_out: int, kernel: int) -> nn.Sequential:
    """Conv ``kernel x kernel`` with bias and zero padding ``kernel // 2``, then ReLU.

    He initialisation (zero bias): without batch norm, PyTorch's default init shrinks the signal
    at every layer and a 13-layer plain stack does not start learning.
    """
    conv = nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2)
    nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")
    nn.init.zeros_(conv.bias)
    return nn.Sequential(conv, nn.ReLU(inplace=True))


def lee_trunk(in_planes: int, filters: int, layers: int, first_kernel: int = 5) -> nn.Sequential:
    """AlphaGo Lee layers ``1..layers``: ``first_kernel`` conv, then ``layers - 1`` 3x3 convs, all ReLU."""
    mods = [conv_relu(in_planes, filters, first_kernel)]
    mods += [conv_relu(filters, filters, 3) for _ in range(layers - 1)]
    return nn.Sequential(*mods)


class PerPointBias(nn.Module):
    """Adds a separate learned bias to each of the ``n*n`` points of a ``[B, n*n]`` input."""

    def __init__(self, points: int):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(points))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: ``[B, n*n]`` -> ``x + bias``."""
        return x + self.bias


class ScalarMLP(nn.Module):
    """A scalar head's tail: flatten ``[B, c, n, n]``, FC ``hidden`` + ReLU, FC 1 -> ``[B]`` (unbounded)."""

    def __init__(self, in_features: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.fc2 = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: ``[B, ...]`` with ``in_features`` entries per row -> ``[B]``."""
        return self.fc2(torch.relu(self.fc1(x.flatten(1)))).squeeze(1)


class ValueMLP(ScalarMLP):
    """Value head tail: ``ScalarMLP`` squashed by tanh -> values in [-1, 1], ``[B]``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: ``[B, ...]`` with ``in_features`` entries per row -> values in [-1, 1], ``[B]``."""
        return torch.tanh(super().forward(x))


class LeeTrunkNet(nn.Module):
    """Base of the nets over AlphaGo Lee's conv-ReLU trunk: ``cfg.kind`` checked, ``cfg`` kept, ``trunk`` first.

    Args:
        cfg: the net's ``NetConfig``.
        kind: the ``cfg.kind`` the net reads.
        layers: trunk layers (``lee_trunk``), registered before any head.
    """

    def __init__(self, cfg, kind: str, layers: int):
        super().__init__()
        if cfg.kind != kind:
            raise ValueError(f"{type(self).__name__} needs kind={kind!r}, got {cfg.kind!r}")
        self.cfg = cfg
        self.trunk = lee_trunk(cfg.in_planes, cfg.filters, layers, cfg.first_kernel)


class LeeTwoHeads(LeeTrunkNet):
    """Conv-ReLU trunk with a per-action head and a value head, shared by the RL nets.

    Registers, in this order (so that ``parameters()`` and checkpoints keep their layout):
    ``trunk`` (``lee_trunk``), ``{head}_conv`` (conv 1x1 ``policy_filters`` + ReLU),
    ``{head}_fc`` (FC to ``n*n + 1``), ``value_conv`` (conv 1x1 ``value_filters`` + ReLU) and
    ``value_mlp`` (``ValueMLP``). ``cfg.kind`` must be ``"policy"`` (the trunk family).
    """

    def __init__(self, cfg, head: str):
        super().__init__(cfg, "policy", cfg.blocks)
        self._head = head
        points = cfg.board_size * cfg.board_size
        setattr(self, f"{head}_conv", conv_relu(cfg.filters, cfg.policy_filters, 1))
        setattr(self, f"{head}_fc", nn.Linear(cfg.policy_filters * points, cfg.n_actions))
        self.value_conv = conv_relu(cfg.filters, cfg.value_filters, 1)
        self.value_mlp = ValueMLP(cfg.value_filters * points, cfg.value_hidden)

    def heads(self, planes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-action outputs ``[B, n*n+1]`` (pass last) and values ``[B]``."""
        x = self.trunk(planes)
        conv, fc = getattr(self, f"{self._head}_conv"), getattr(self, f"{self._head}_fc")
        return fc(conv(x).flatten(1)), self.value_mlp(self.value_conv(x))
