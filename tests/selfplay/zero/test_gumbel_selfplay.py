"""Zero self-play with a Gumbel root: settings reach the compiled engine, games write improved-policy rows."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from selfplay.config import SelfPlayConfig
from selfplay.zero.compiled import batch_config
from selfplay.zero.shards import list_shards, read_shard
from selfplay.zero.worker import run_selfplay
from tests.selfplay.zero.helpers import tiny_config


def test_gumbel_settings_reach_the_compiled_engine():
    assert batch_config(tiny_config()).root_search == "puct"
    b = batch_config(tiny_config(root_search="gumbel", gumbel_m=4, gumbel_c_visit=30.0, gumbel_c_scale=0.1))
    assert (b.root_search, b.gumbel_m, b.gumbel_c_visit, b.gumbel_c_scale) == ("gumbel", 4, 30.0, 0.1)
    assert batch_config(tiny_config(forced_k=2.0)).forced_k == 2.0


@pytest.mark.parametrize(
    "bad",
    [
        dict(root_search="mcts"),
        dict(gumbel_m=0),
        dict(root_search="gumbel", engine="threads"),
        dict(forced_k=2.0, engine="threads"),
        dict(forced_k=2.0, root_search="gumbel"),
        dict(forced_k=-1.0),
    ],
)
def test_bad_gumbel_selfplay_settings(bad):
    with pytest.raises(ValueError):
        SelfPlayConfig(**bad)


def test_gumbel_needs_agz17():
    cfg = tiny_config(root_search="gumbel")
    with pytest.raises(ValueError, match="agz17"):
        replace(cfg, net=replace(cfg.net, feature_set="simple"))


def test_gumbel_selfplay_writes_improved_policy_rows(tmp_path):
    cfg = tiny_config(games=2, games_per_worker_batch=2, root_search="gumbel", gumbel_m=4, gumbel_c_scale=0.1)
    assert run_selfplay(cfg, tmp_path, progress=False).games == 2
    for path in list_shards(tmp_path / "shards"):
        pi = read_shard(path)["pi"]
        np.testing.assert_allclose(pi.sum(axis=1), 1.0, atol=1e-5)
        # an improved policy puts mass on moves the search never visited: more than 4 nonzero entries
        assert ((pi > 0).sum(axis=1) > 4).mean() > 0.5
