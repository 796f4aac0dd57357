"""``NetConfig``: the architecture of one network, a frozen dataclass with no framework imports.

A config names the model family (``kind``) and every size needed to build it, so that
``nets.factory.build_model(cfg)`` is deterministic and a checkpoint that embeds
``cfg.to_dict()`` can rebuild its own model (KataGo ``load_model.py``). Named architectures live
in ``nets/presets.py``.

=========  ===========================================================  ==========================
kind       model                                                        ``blocks`` means
=========  ===========================================================  ==========================
resnet     AlphaGo Zero policy-value net (``nets/models/resnet.py``)           residual blocks (19 in
                                                                        the "20-block" net)
policy     AlphaGo Lee SL/RL policy net (``nets/models/policy.py``)            conv layers, output 1x1
                                                                        included (13)
value      AlphaGo Lee value net (``nets/models/value.py``)                    the policy net's layers it
                                                                        shares, plus one (13)
=========  ===========================================================  ==========================

Every model reads planes ``float32[B, in_planes, n, n]`` and speaks the action space of MCTS and
the env: ``n*n + 1`` actions, pass last (``n_actions``).

This module imports nothing but the standard library, so ``selfplay/config.py`` can compose it
without pulling in torch.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

KINDS = ("resnet", "policy", "value")
"""the model families ``build_model`` knows"""


@dataclass(frozen=True)
class NetConfig:
    """Architecture of one network (see the module docstring for the meaning per ``kind``)."""

    kind: str = "resnet"
    """model family: ``"resnet"`` (AlphaGo Zero), ``"policy"`` or ``"value"`` (AlphaGo Lee)"""
    board_size: int = 9
    """board side ``n``; the nets are not size-agnostic (fully connected heads, per-point bias)"""
    in_planes: int = 17
    """input channels; must equal ``engine.features.n_planes(feature_set)`` when evaluated"""
    feature_set: str = "agz17"
    """name of the input encoding in ``engine.features.FEATURES``"""
    blocks: int = 6
    """resnet: residual blocks after the input conv; policy/value: conv layers of the policy net"""
    filters: int = 64
    """channels of every trunk layer (AlphaGo Zero 256; AlphaGo Lee ``k`` = 192)"""
    first_kernel: int = 5
    """policy/value: kernel size of layer 1 (5 in AlphaGo Lee); resnet uses 3x3 throughout"""
    policy_filters: int = 2
    """resnet: channels of the policy head's 1x1 conv (2 in AlphaGo Zero)"""
    value_filters: int = 1
    """resnet and value: channels of the value head's 1x1 conv (1 in both papers)"""
    value_hidden: int = 256
    """resnet and value: width of the value head's hidden fully connected layer (256)"""
    ownership_head: bool = False
    """resnet: KataGo's auxiliary ownership head (final owner of each point, player to move's view)"""
    score_head: bool = False
    """resnet: KataGo's auxiliary final-score head (margin / n*n, player to move's view)"""
    global_pool_every: int = 0
    """resnet: every k-th residual block is a KataGo global pooling block (0 = none)"""
    global_pool_channels: int = 32
    """resnet: channels pooled by a global pooling block"""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"NetConfig.kind must be one of {KINDS}, got {self.kind!r}")
        positive = ("board_size", "in_planes", "filters", "policy_filters", "value_filters", "value_hidden")
        for name in positive:
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"NetConfig.{name} must be a positive int, got {getattr(self, name)!r}")
        min_blocks = 0 if self.kind == "resnet" else 2
        if not isinstance(self.blocks, int) or self.blocks < min_blocks:
            raise ValueError(f"NetConfig.blocks must be an int >= {min_blocks} for {self.kind!r}, got {self.blocks!r}")
        if self.global_pool_every < 0 or self.global_pool_channels < 1:
            raise ValueError("NetConfig.global_pool_every must be >= 0 and global_pool_channels >= 1")
        if self.first_kernel < 1 or self.first_kernel % 2 == 0:
            raise ValueError(f"NetConfig.first_kernel must be odd and positive, got {self.first_kernel!r}")

    @property
    def n_actions(self) -> int:
        """Size of the action space: ``n*n`` points plus pass."""
        return self.board_size * self.board_size + 1

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of the fields (JSON-safe)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NetConfig:
        """Inverse of ``to_dict``; missing keys take the defaults.

        Raises:
            ValueError: for unknown keys or invalid values.
        """
        if not isinstance(data, dict):
            raise ValueError(f"NetConfig needs a dict, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown NetConfig keys {unknown}; known: {sorted(known)}")
        return cls(**data)


@dataclass(frozen=True)
class LeeConfig:
    """How an AlphaGo Lee player runs its nets (``nets.lee_player.build_lee_player``).

    The search settings themselves (``c_puct``, ``lam``, ``net_visits``, ``value_visits``) live in
    ``engine.config.MCTSConfig`` and its ``rollout`` section; these say which evaluator is built.
    """

    search: str = "fused"
    """``"fused"``: compiled rollout simulations, nets on the nodes that reach ``net_visits``
    visits; ``"batched"``: every leaf batch through the nets and one rollout each"""
    rollouts: str = "heavy"
    """fused search: ``"heavy"`` (built-in heuristic rollouts, with RAVE) or ``"learned"`` (the
    folder's trained rollout policy, when it has one)"""
    net_batch: int = 8
    """fused search: positions per net call"""
    prior_temperature: float = 1.0
    """fused search: softmax temperature of the SL priors"""
    value_offset: float = 0.0
    """fused search: subtracted from every value-net output"""

    def __post_init__(self):
        if self.search not in ("fused", "batched") or self.rollouts not in ("learned", "heavy"):
            raise ValueError(f"bad Lee search {self.search!r} or rollouts {self.rollouts!r}")
        if self.net_batch < 1 or self.prior_temperature <= 0:
            raise ValueError("Lee net_batch must be >= 1 and prior_temperature > 0")
