"""go-engine's GTP engine against GNU Go 3.8: same commands to both, same answers expected.

Random games are sent as ``play`` commands to ``go-engine gtp`` and to
``gnugo --mode gtp --chinese-rules --positional-superko`` side by side. Most attempted moves are
legal, some are occupied points, suicides or ko/superko recaptures; both engines must accept or
refuse each one alike, and ``list_stones`` must agree after every move. The last test plays a real
(tiny) match through ``go-engine match`` and reads back the SGF files.
"""

import shutil
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from cli.main import cli
from engine.board import Board
from engine.coords import to_gtp
from selfplay.records import read_sgf_file

GNUGO = shutil.which("gnugo") or shutil.which("gnugo", path="/usr/games")
pytestmark = [pytest.mark.gnugo, pytest.mark.skipif(GNUGO is None, reason="GNU Go is not installed")]


class Engine:
    def __init__(self, argv):
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )

    def ask(self, command):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        lines = []
        while (line := self.proc.stdout.readline()) not in ("\n", ""):
            lines.append(line.rstrip("\n"))
        assert lines, f"no answer to {command!r}"
        return lines[0][0] == "=", " ".join(lines)[1:].strip()

    def close(self):
        self.ask("quit")
        self.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def engines():
    ours = Engine([sys.executable, "-m", "cli", "gtp", "--player", "random", "--seed", "0"])
    gnugo = Engine([GNUGO, "--mode", "gtp", "--chinese-rules", "--positional-superko"])
    yield ours, gnugo
    ours.close()
    gnugo.close()


def _stones(engine, color):
    ok, text = engine.ask(f"list_stones {color}")
    assert ok
    return set(text.split())


@pytest.mark.parametrize("size, seed, attempts", [(5, 0, 150), (7, 1, 200), (9, 2, 200)])
def test_random_games_agree_with_gnugo(engines, size, seed, attempts):
    rng = np.random.default_rng(seed)
    for e in engines:
        assert e.ask(f"boardsize {size}")[0] and e.ask("clear_board")[0] and e.ask("komi 7.5")[0]
    mirror = Board(size)  # chooses mostly legal moves; the engines are the ones compared
    accepted = rejected = 0
    for _ in range(attempts):
        color = mirror.to_play
        r = rng.random()
        if r < 0.04:
            action = mirror.pass_action
        elif r < 0.75:
            legal = [a for a in mirror.legal_moves(color) if a != mirror.pass_action]
            action = int(rng.choice(legal)) if legal else mirror.pass_action
        else:
            action = int(rng.integers(size * size))
        if mirror.passes == 1 and action == mirror.pass_action:
            continue  # two passes end our mirror's game; GTP play goes on, but keep the mirror simple
        cmd = f"play {'bw'[color - 1]} {to_gtp(action, size)}"
        ours, theirs = (e.ask(cmd) for e in engines)
        assert ours[0] == theirs[0], f"{cmd}: go-engine {ours}, GNU Go {theirs}\n{mirror}"
        if ours[0]:
            mirror.play(action, color)
            accepted += 1
        else:
            assert ours[1] == "illegal move"
            rejected += 1
            mirror.to_play = 3 - color  # try the other colour next
        for c in ("black", "white"):
            assert _stones(engines[0], c) == _stones(engines[1], c), f"after {cmd}\n{mirror}"
    assert accepted > attempts // 2 and rejected > 0


def test_undo_agrees_with_gnugo(engines):
    for e in engines:
        e.ask("boardsize 5")
        e.ask("clear_board")
    for cmd in ["play b c3", "play w d3", "play b c2", "undo", "undo", "undo", "undo", "play w c3"]:
        ours, theirs = (e.ask(cmd) for e in engines)
        assert ours[0] == theirs[0], cmd
        assert _stones(engines[0], "white") == _stones(engines[1], "white")


def test_fixed_handicap_agrees_with_gnugo(engines):
    for size, n in ((9, 2), (9, 5), (13, 7), (19, 9), (19, 4)):
        answers = []
        for e in engines:
            e.ask(f"boardsize {size}")
            e.ask("clear_board")
            ok, text = e.ask(f"fixed_handicap {n}")
            answers.append((ok, set(text.split())))
        assert answers[0] == answers[1], (size, n)


def test_match_against_gnugo(tmp_path):
    ours = f"{sys.executable} -m cli gtp --player random --seed 3"
    gnugo = f"{GNUGO} --mode gtp --level 1 --chinese-rules"
    out = tmp_path / "games"
    result = CliRunner().invoke(
        cli, ["match", ours, gnugo, "-n", "2", "--size", "7", "--komi", "7.5", "--max-moves", "150", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "2 games: go-engine (A) vs GNU Go (B); draws 0"
    assert lines[1].startswith("A go-engine: wins ") and lines[2].startswith("B GNU Go: wins ")
    assert "forfeits: none" in lines[1] and "forfeits: none" in lines[2]
    records = [read_sgf_file(out / f"game_000{k}.sgf") for k in (0, 1)]
    assert [r.black_name for r in records] == ["go-engine", "GNU Go"]
    for r in records:
        assert r.size == 7 and r.komi == 7.5 and r.result[:2] in ("B+", "W+") and len(r.moves) > 10
