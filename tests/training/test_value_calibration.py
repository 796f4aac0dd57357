"""``training/value_calibration.py``: the shipped net's values on GNU Go's 9x9 games, and the report's arithmetic."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from engine.sgf import record_to_board
from selfplay.records import read_sgf_file

ROOT = Path(__file__).resolve().parents[2]
GAMES = ROOT / "tests" / "data" / "gnugo9"
NET = ROOT / "nets" / "weights" / "zero9.safetensors"


def _module():
    spec = importlib.util.spec_from_file_location("value_calibration", ROOT / "training" / "value_calibration.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_every_position_of_every_game_is_judged_from_the_movers_view():
    vc = _module()
    p, y, moves = vc.predictions(str(NET), [str(GAMES)], {1, 2})
    expected, wins = 0, 0.0
    for path in sorted(GAMES.glob("*.sgf")):
        rec = read_sgf_file(path)
        board = record_to_board(rec)
        n = len(rec.moves) - int(board.is_over)  # the position after the last pass ends the game
        expected += n
        # the mover after move k is the other colour of move k: it won if the winner is not move k's colour
        wins += sum(float(rec.winner != color) for color, _ in rec.moves[:n])
    assert len(p) == len(y) == len(moves) == expected > 0
    assert y.sum() == wins
    assert ((p >= 0) & (p <= 1)).all()
    lines = vc.report(p, y, moves).splitlines()
    assert lines[0].endswith(f"Brier score {np.mean((p - y) ** 2):.4f}")


def test_a_perfect_and_a_coin_predictor():
    vc = _module()
    y = np.array([1.0, 0.0, 1.0, 0.0])
    moves = np.array([5, 25, 45, 65])
    assert "Brier score 0.0000" in vc.report(y.copy(), y, moves)
    coin = vc.report(np.full(4, 0.5), y, moves)
    assert "Brier score 0.2500" in coin and "| 0.500-0.700 | 4 | 0.500 | 0.500 |" in coin
