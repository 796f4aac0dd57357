"""The golden playthrough: the whole game API on one seeded 9x9 game matches the stored text."""

import difflib

from tests.golden import regen


def test_playthrough_matches_the_golden_file():
    want = regen.FILE.read_text()
    got = regen.playthrough()
    if got != want:
        diff = "".join(
            list(difflib.unified_diff(want.splitlines(True), got.splitlines(True), "golden", "now", n=2))[:80]
        )
        raise AssertionError(f"playthrough differs from {regen.FILE.name} (python -m tests.golden.regen):\n{diff}")
