"""engine/scoring.py against GNU Go, live, on finished games kept in tests/data/scoring/.

The games: GNU Go against itself (level 0) and go-engine against GNU Go (9x9 and 19x19), all
ended by two passes; one holds a false seki (a chain short of liberties next to a shared point).
For each, our dead stones must equal GNU Go's ``final_status_list dead`` and our ``final_score``
GNU Go's (``--chinese-rules``). The figure over many games: ``python -m tests.engine.scoring_vs_gnugo DIR``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.scoring_vs_gnugo import compare, finished_games
from tests.gnugo import GnuGo

pytestmark = pytest.mark.gnugo

GAMES = finished_games([Path(__file__).parents[1] / "data" / "scoring"])


def test_the_kept_games_are_finished_and_hold_dead_stones():
    assert len(GAMES) == 6 and any("19x19" in p.name for p in GAMES)


@pytest.fixture(scope="module")
def gnugo(gnugo_path):
    with GnuGo("--chinese-rules", path=gnugo_path) as gg:
        yield gg


@pytest.mark.parametrize("path", GAMES, ids=lambda p: p.stem)
def test_dead_stones_and_score_agree_with_gnugo(path, gnugo):
    c = compare(path, gnugo)
    assert c.gnugo_dead, "every kept game has dead stones"
    assert sorted(c.ours_dead) == sorted(c.gnugo_dead)
    assert c.ours_score == c.gnugo_score
