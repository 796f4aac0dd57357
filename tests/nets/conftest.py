"""Fixtures for the net tests: one torch thread (the machines are shared), seeded torch."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def _torch_seed_and_threads():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    yield
    torch.set_num_threads(threads)
