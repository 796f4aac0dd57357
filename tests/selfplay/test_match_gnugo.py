"""``go-engine match --colors`` against GNU Go as the real opponent: a reverse-komi match in one command."""

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
