"""selfplay/review.py and ``go-engine review``: every move annotated, the rest of the SGF kept, a PNG."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from sgfmill import sgf

from cli.main import cli
from engine.sgf import parse_sgf
from selfplay.analysis import Analyzer
from selfplay.review import TAG, game_positions, review_game

DATA = Path(__file__).resolve().parents[1] / "data" / "sgf"


def _main_line(path):
    game = sgf.Sgf_game.from_bytes(Path(path).read_bytes())
    return game, game.get_main_sequence()


def test_review_annotates_every_move_and_keeps_the_rest(tmp_path):
    game_path = tmp_path / "game.sgf"
    shutil.copy(DATA / "game_9x9.sgf", game_path)
    original = game_path.read_bytes()
    analyzer = Analyzer(visits=12, ownership_playouts=8, move_playouts=0)  # no net: rollout search on 9x9
    done = []
    out, png, review = review_game(game_path, analyzer, progress=done.append)
    assert out == tmp_path / "game.reviewed.sgf" and png == tmp_path / "game.reviewed.png"
    assert game_path.read_bytes() == original  # a new file by default
    n_moves = len(parse_sgf(original).moves)
    assert len(review.analyses) == n_moves + 1 and sum(done) == n_moves + 1
    game, nodes = _main_line(out)
    assert len(nodes) == n_moves + 1
    for k, node in enumerate(nodes):
        text = node.get("C")
        assert TAG in text and "black win rate" in text and "score" in text
        if 0 < k < n_moves:  # the final position after two passes is not searched
            assert "best was" in text
    assert nodes[0].get("C").startswith("A short 9x9 game.") and nodes[1].get("C").startswith("Tengen.")
    assert nodes[0].get("PB") == "Alice" and nodes[0].get("EV") == "Club ] night"
    variation = game.get_root()[0][0][0][0][1]  # the side line after move 4 is kept, uncommented
    assert variation.get("C") == "A variation, not the main line."
    assert parse_sgf(out.read_bytes()).moves == parse_sgf(original).moves
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    final, end = review.analyses[-1], game_positions(original)[0][-1]
    assert final.visits == 0 and review.black_score(n_moves) == end.area_score()  # two passes: the exact count


def test_review_setup_and_handicap_games(tmp_path):
    for name in ("handicap_9x9.sgf", "latin1_9x9.sgf"):
        shutil.copy(DATA / name, tmp_path / name)
        boards, moves = game_positions((tmp_path / name).read_bytes())
        assert len(boards) == len(moves) + 1
        out, _, review = review_game(tmp_path / name, Analyzer(visits=8, ownership_playouts=4, move_playouts=0))
        nodes = _main_line(out)[1]
        assert sum(TAG in (n.get("C") if n.has_property("C") else "") for n in nodes) == len(moves) + 1


def test_cli_review_with_the_shipped_net_in_place(tmp_path):
    game_path = tmp_path / "g.sgf"
    shutil.copy(DATA / "game_9x9.sgf", game_path)
    args = ["review", str(game_path), "--in-place", "--visits", "8", "--ownership-playouts", "4"]
    args += ["--move-playouts", "0", "--graph", str(tmp_path / "graph.png")]
    proc = subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "positions reviewed" in proc.stdout and "review" in proc.stderr  # the progress bar
    assert TAG in _main_line(game_path)[1][3].get("C") and (tmp_path / "graph.png").is_file()


def test_cli_review_of_a_broken_sgf_is_one_line(tmp_path):
    broken = tmp_path / "broken.sgf"
    broken.write_text("(;GM[1]SZ[9];B[zz])")
    result = CliRunner().invoke(cli, ["review", str(broken), "--no-progress", "--visits", "4"])
    assert result.exit_code != 0 and "off the board" in result.output
    assert result.output.count("\n") == 1 and not (tmp_path / "broken.reviewed.sgf").exists()
