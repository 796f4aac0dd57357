"""``go-engine match --colors`` against GNU Go as the real opponent: a reverse-komi match in one command."""

import subprocess
import sys

import pytest
from click.testing import CliRunner

from cli.main import cli
from selfplay.records import read_sgf_file


@pytest.mark.parametrize("colors, engine_colour", [("a-white", "W"), ("a-black", "B")])
def test_reverse_komi_match_against_gnugo_is_one_command(gnugo_path, tmp_path, colors, engine_colour):
    ours = f"{sys.executable} -m cli gtp --pipeline rollout --playouts 64 --seed 1"
    gnugo = f"{gnugo_path} --mode gtp --level 1 --chinese-rules"
    out = tmp_path / "games"
    args = ["match", ours, gnugo, "-n", "2", "--size", "5", "--komi", "-7.5", "--colors", colors, "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "2 games: go-engine (A) vs GNU Go (B); draws 0"
    as_colour = "white" if engine_colour == "W" else "black"
    assert f"/2 as {as_colour})" in lines[1] and "forfeits: none" in lines[1] and "forfeits: none" in lines[2]
    for path in sorted(out.glob("game_*.sgf")):
        rec = read_sgf_file(path)
        ours_name = rec.white_name if engine_colour == "W" else rec.black_name
        assert ours_name == "go-engine" and rec.komi == -7.5 and rec.size == 5
        assert rec.result[:2] in ("B+", "W+") and not rec.result.endswith("F")
    assert len(list(out.glob("game_*.sgf"))) == 2


def test_go_engine_keeps_its_canadian_clock_against_gnugo(gnugo_path, tmp_path):
    """One second of main time, then byo-yomi of 5 moves in 2 s: every move in time, periods told by time_left."""
    ours = f"{sys.executable} -m cli gtp --pipeline rollout --seed 1"
    # compile (or load) the search kernels first: a cold Numba cache is not what the clock measures
    warm_up = "boardsize 7\ntime_settings 4 2 5\ngenmove b\ntime_left w 0 0\ngenmove w\nquit\n"
    subprocess.run(ours.split(), input=warm_up, text=True, capture_output=True, check=True)
    gnugo = f"{gnugo_path} --mode gtp --level 1 --chinese-rules"
    out = tmp_path / "games"
    args = ["match", ours, gnugo, "-n", "1", "--size", "7", "--clock", "1+5x2", "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert "forfeits: none" in lines[1] and "forfeits: none" in lines[3], result.output
    assert "clock 1s+5x2s: A used" in lines[2] and "lost on time 0" in lines[2]
    rec = read_sgf_file(next(out.glob("game_*.sgf")))
    assert any("B clock" in c and "stones" in c for c in rec.comments.values()), rec.comments  # in byo-yomi
