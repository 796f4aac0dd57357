"""How well a net's value head predicts the results of real games: a reliability table and Brier score.

A value ``v`` in [-1, 1] (the player to move's view) is read as the win probability
``p = (v + 1) / 2``. For every position of every game in the SGF folders (each position after a
move, the game's own komi and colour to move), ``p`` is compared with the game's result from the
same player's view (1 win, 0 loss, 0.5 draw; games with no winner, e.g. unfinished, are skipped).
The table bins the positions by ``p``: a calibrated net's bins have a win share close to their
mean ``p``. The Brier score is the mean of ``(p - result)**2``: 0.25 is what ``p = 0.5`` always
scores, lower is better. A second table splits the Brier score by move number.

A self-play net predicts the result of self-play; in games against another engine its early
values are off by the strength difference, but late in a game (the groups settled or not) a
value that says 0.99 where the games are won half the time is a blind spot of the net.

Usage (a match folder of ``go-engine match --out DIR``, or any folder of SGF files)::

    python training/value_calibration.py NET.safetensors DIR [DIR ...] [--mover white|black|both]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from engine.board import BLACK, EMPTY, WHITE
from engine.sgf import record_to_board
from nets.checkpoint import load_weights
from nets.evaluator import TorchEvaluator
from selfplay.records import read_sgf_file

BINS = (0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 0.97, 0.995, 1.0 + 1e-9)
PHASES = (0, 20, 40, 60, 10_000)


def positions(folder: Path, movers: set[int]):
    """``(board, result for the player to move)`` of every position after a move in ``folder``'s games."""
    for path in sorted(folder.glob("*.sgf")):
        rec = read_sgf_file(path)
        if rec.winner is None:
            continue
        board = record_to_board(rec, moves=0)
        for color, action in rec.moves:
            board.play(action, color)
            if board.to_play in movers and not board.is_over:
                mover_won = 0.5 if rec.winner == EMPTY else float(rec.winner == board.to_play)
                yield board.copy(), mover_won


def predictions(net_path: str, folders: list[str], movers: set[int]) -> tuple[np.ndarray, ...]:
    """``(p, result, move number)`` arrays over every position of the folders."""
    ev = TorchEvaluator(load_weights(net_path).model, symmetries="all")
    p, y, moves = [], [], []
    for folder in folders:
        batch = list(positions(Path(folder), movers))
        for start in range(0, len(batch), 256):
            chunk = batch[start : start + 256]
            _, v = ev.evaluate_boards([b for b, _ in chunk])
            p += list((v + 1) / 2)
            y += [r for _, r in chunk]
            moves += [b.move_number for b, _ in chunk]
    return np.array(p), np.array(y), np.array(moves)


def report(p: np.ndarray, y: np.ndarray, moves: np.ndarray) -> str:
    """The reliability table and the Brier score by game phase, as Markdown."""
    if len(p) == 0:
        return "no positions (no SGF files with a result)"
    lines = [
        f"{len(p)} positions, the mover won {y.mean():.3f} of them; Brier score {np.mean((p - y) ** 2):.4f}",
        "",
        "| p | positions | mean p | mover won |",
        "|---|---|---|---|",
    ]
    for lo, hi in zip(BINS[:-1], BINS[1:], strict=True):
        k = (p >= lo) & (p < hi)
        if k.any():
            lines.append(f"| {lo:.3f}-{min(hi, 1.0):.3f} | {k.sum()} | {p[k].mean():.3f} | {y[k].mean():.3f} |")
    lines += ["", "| moves | positions | mean p | mover won | Brier |", "|---|---|---|---|---|"]
    for lo, hi in zip(PHASES[:-1], PHASES[1:], strict=True):
        k = (moves >= lo) & (moves < hi)
        if k.any():
            brier = np.mean((p[k] - y[k]) ** 2)
            span = f"{lo}-{hi - 1 if hi < PHASES[-1] else ''}"
            lines.append(f"| {span} | {k.sum()} | {p[k].mean():.3f} | {y[k].mean():.3f} | {brier:.4f} |")
    return "\n".join(lines)


def main() -> None:
    """Parse the arguments, print the report."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("net", help="weights (.safetensors) of a net with a value head")
    ap.add_argument("folders", nargs="+", help="folders of SGF files (e.g. a match's --out folder)")
    ap.add_argument(
        "--mover", choices=("white", "black", "both"), default="both", help="positions of this player to move"
    )
    args = ap.parse_args()
    movers = {"white": {WHITE}, "black": {BLACK}, "both": {BLACK, WHITE}}[args.mover]
    print(report(*predictions(args.net, args.folders, movers)))


if __name__ == "__main__":
    main()
