"""Shared setup of the RL trainer tests: one torch thread, and the tiny runs the trainers are tested on."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch

from selfplay.rl.common import EnvSpec

TINY_NET = {"blocks": 2, "filters": 8, "hidden": 16}
"""the trunk of a tiny run's net"""


@pytest.fixture(autouse=True)
def _one_thread():
    """Every test runs torch on one thread (the other core belongs to other work)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def tiny_run(cls, tmp_path: Path, settings: dict, **kw):
    """A ``cls`` (an ``RLTrainerConfig``) for a 5x5 run in ``tmp_path/run``: a tiny net, no quick
    evaluation, no progress bar, then the trainer's ``settings``, then the test's ``kw`` over them."""
    small = {"env": EnvSpec(size=5), **TINY_NET, "eval_every": 0, "run_dir": str(tmp_path / "run"), "progress": False}
    return replace(cls(), **{**small, **settings, **kw})
