"""Shared pytest fixtures for the whole suite."""

from __future__ import annotations

import pytest

from tests.gnugo import GNUGO_FALLBACK, find_gnugo


@pytest.fixture(scope="session")
def gnugo_path() -> str:
    """Path of the GNU Go executable; skips the test with the reason when it is not installed."""
    path = find_gnugo()
    if path is None:
        pytest.skip(f"GNU Go not installed (not on PATH, not at {GNUGO_FALLBACK}); apt-get install gnugo")
    return path
