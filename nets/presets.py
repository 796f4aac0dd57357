"""Named network architectures (KataGo-style names) -> ``NetConfig``.

Naming follows the AlphaGo Zero paper, which calls its tower of one input conv block plus 19
residual blocks "20 blocks": ``bXcY`` has ``X - 1`` residual blocks (``NetConfig.blocks``) and
``Y`` filters. The AlphaGo Lee names give the layer count and ``k``.

==============  ======  =====  =======  =======  ======  ===================================
name            kind    board  planes   blocks   filters  use
==============  ======  =====  =======  =======  ======  ===================================
b2c16           resnet  5      17       1        16      tests
b6c64           resnet  9      17       5        64      9x9 on a CPU
b6c64k          resnet  9      18       5        64      b6c64 with the komi plane (``agz17k``)
b4c32           resnet  9      17       3        32      9x9 distilled student (``train distill``)
b6c32           resnet  9      17       5        32      b6c64 pruned by half (``train prune``)
b10c128         resnet  19     17       9        128     small 19x19 / a small GPU
b20c256         resnet  19     17       19       256     AlphaGo Zero, 20-block (published)
sl13x192        policy  19     48       13       192     AlphaGo Lee SL/RL policy (published)
value13x192     value   19     49       13       192     AlphaGo Lee value net (published)
policy4x16      policy  5      17       4        16      tests
value4x16       value   5      17       4        16      tests
==============  ======  =====  =======  =======  ======  ===================================

References: Silver et al. 2017, Nature 550, Methods "Neural network architecture"; Silver et
al. 2016, Nature 529, Methods "Neural network architecture".
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from nets.config import NetConfig

PRESETS: dict[str, NetConfig] = {
    "b2c16": NetConfig(kind="resnet", board_size=5, blocks=1, filters=16, value_hidden=32),
    "b6c64": NetConfig(kind="resnet", board_size=9, blocks=5, filters=64),
    "b6c64k": NetConfig(kind="resnet", board_size=9, in_planes=18, feature_set="agz17k", blocks=5, filters=64),
    "b4c32": NetConfig(kind="resnet", board_size=9, blocks=3, filters=32),
    "b6c32": NetConfig(kind="resnet", board_size=9, blocks=5, filters=32),
    "b10c128": NetConfig(kind="resnet", board_size=19, blocks=9, filters=128),
    "b20c256": NetConfig(kind="resnet", board_size=19, blocks=19, filters=256),
    "sl13x192": NetConfig(kind="policy", board_size=19, in_planes=48, feature_set="aglee48", blocks=13, filters=192),
    "value13x192": NetConfig(kind="value", board_size=19, in_planes=49, feature_set="aglee49", blocks=13, filters=192),
    "policy4x16": NetConfig(kind="policy", board_size=5, blocks=4, filters=16),
    "value4x16": NetConfig(kind="value", board_size=5, blocks=4, filters=16, value_hidden=32),
}
"""every named architecture; see the module docstring"""


def preset(name: str, **overrides: Any) -> NetConfig:
    """The config named ``name``, with fields replaced by ``overrides`` (e.g. ``board_size=9``).

    Raises:
        KeyError: for an unknown name (the message lists the known ones).
        ValueError: for an invalid override (from ``NetConfig``'s checks).
    """
    try:
        cfg = PRESETS[name]
    except KeyError:
        raise KeyError(f"unknown net preset {name!r}; known: {sorted(PRESETS)}") from None
    return replace(cfg, **overrides) if overrides else cfg
