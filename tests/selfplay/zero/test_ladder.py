"""selfplay/zero/ladder.py: the GNU Go rung of the Zero loop's Elo table, against the real GNU Go."""

from __future__ import annotations

from dataclasses import replace

import pytest

from engine.sgf import parse_sgf
from nets.checkpoint import save_weights
from nets.factory import build_model
from nets.presets import preset
from selfplay.zero.ladder import gnugo_match, rung_name
from tests.gnugo import find_gnugo
from tests.selfplay.zero.helpers import tiny_config


def test_rung_names_tell_the_handicap_apart():
    assert rung_name(7.5, 7.5, "alternate") == "gnugo"
    assert rung_name(-7.5, 7.5, "a-white") == "gnugo@-7.5W"
    assert rung_name(0.5, 7.5, "alternate") == "gnugo@0.5"
    assert rung_name(7.5, 7.5, "a-black") == "gnugo@7.5B"


@pytest.mark.gnugo
def test_reverse_komi_rung_plays_gnugo_with_fixed_colours(tmp_path):
    gnugo = find_gnugo()
    if gnugo is None:
        pytest.skip("GNU Go not installed")
    cfg = tiny_config()
    cfg = replace(cfg, net=replace(preset("b2c16"), board_size=5))
    ev = replace(
        cfg.eval, gnugo=f"{gnugo} --mode gtp --level 0", gnugo_games=2, gnugo_komi=-3.5, gnugo_colors="a-white"
    )
    cfg = replace(cfg, eval=ev)
    weights = save_weights(tmp_path / "net.safetensors", build_model(cfg.net).eval())
    name, score, games = gnugo_match(cfg, tmp_path / "run")(weights, 1)
    assert name == "gnugo@-3.5W" and games == 2 and 0 <= score <= 2
    sgfs = sorted((tmp_path / "run" / "ladder" / "gnugo@-3.5W-g0001").glob("*.sgf"))
    assert len(sgfs) == 2
    for path in sgfs:
        record = parse_sgf(path.read_bytes())
        assert record.komi == -3.5 and "GNU Go" in record.black_name and "GNU Go" not in record.white_name
