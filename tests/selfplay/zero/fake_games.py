"""Self-play shards made up for trainer tests: random 5x5 positions and outcomes, a chosen policy target."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from selfplay.zero.shards import shard_name, write_shard

Policy = Callable[[np.random.Generator, int], np.ndarray]
"""``(rng, n) -> (n, 26)`` unnormalised policy targets of a shard's ``n`` positions"""


def write_fake_games(folder: Path, n_games: int, n: int, seed: int, policy: Policy) -> None:
    """``n_games`` shards of ``n`` positions each in ``folder/shards`` (generation 0, agz17 planes)."""
    rng = np.random.default_rng(seed)
    for g in range(n_games):
        pi = policy(rng, n)
        write_shard(
            folder / "shards" / shard_name(0, g),
            rng.integers(0, 2, (n, 17, 5, 5)),
            pi / pi.sum(1, keepdims=True),
            rng.choice([-1, 1], n),
            np.ones(n),
            {"feature_set": "agz17"},
        )
