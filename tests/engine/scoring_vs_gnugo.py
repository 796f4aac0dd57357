"""Compare ``engine.scoring`` with GNU Go's judgement on finished games (SGF files).

For every game that ended with two passes, both judges look at the final position:

* ours: ``engine.scoring.final_status`` (dead stones and the area score);
* GNU Go: ``loadsgf FILE``, ``final_status_list dead`` and ``final_score`` (``--chinese-rules``).

*Stone agreement* is the share of all stones on the final boards that both judges put on the same
side (dead or not dead); *score agreement* is the share of games where both ``final_score``
texts are equal. Games that did not end with two passes are skipped.

Usage (prints one line per game, then the totals)::

    python -m tests.engine.scoring_vs_gnugo DIR [DIR ...] [--playouts N]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from engine.coords import from_gtp, to_gtp
from engine.scoring import DEFAULT_PLAYOUTS, final_status
from engine.sgf import parse_sgf, record_to_board
from tests.gnugo import GnuGo


@dataclass
class GameComparison:
    """One game judged by both: dead stones as GTP vertices, scores as ``B+3.5`` texts."""

    path: Path
    stones: int
    ours_dead: set[str]
    gnugo_dead: set[str]
    ours_score: str
    gnugo_score: str

    @property
    def stones_agreeing(self) -> int:
        """Stones that both judges call dead or both call not dead."""
        return self.stones - len(self.ours_dead ^ self.gnugo_dead)


def finished_games(folders: list[Path]) -> list[Path]:
    """The SGF files under ``folders`` (sorted) whose games end with two passes."""
    out = []
    for folder in folders:
        for path in sorted(Path(folder).rglob("*.sgf")):
            record = parse_sgf(path.read_bytes())
            moves = record.moves
            if len(moves) >= 2 and all(a == record.size * record.size for _, a in moves[-2:]):
                out.append(path)
    return out


def compare(path: Path, gnugo: GnuGo, playouts: int = DEFAULT_PLAYOUTS) -> GameComparison:
    """Judge the final position of ``path`` with ``engine.scoring`` and with ``gnugo``."""
    board = record_to_board(parse_sgf(path.read_bytes()))
    n = board.size
    status = final_status(board, playouts)
    gnugo.send(f"loadsgf {path}")
    gnugo_dead = {to_gtp(from_gtp(v, n), n) for v in gnugo.send("final_status_list dead").split()}
    return GameComparison(
        path=path,
        stones=int((board.stones() != 0).sum()),
        ours_dead={to_gtp(a, n) for a in status.dead},
        gnugo_dead=gnugo_dead,
        ours_score=status.result,
        gnugo_score=gnugo.send("final_score"),
    )


def main(argv: list[str] | None = None) -> int:
    """Print one line per game and the agreement totals; return 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--playouts", type=int, default=DEFAULT_PLAYOUTS)
    args = parser.parse_args(argv)
    games = finished_games(args.folders)
    results = []
    with GnuGo("--chinese-rules") as gnugo:
        for path in games:
            c = compare(path, gnugo, args.playouts)
            results.append(c)
            extra = sorted(c.ours_dead - c.gnugo_dead)
            missed = sorted(c.gnugo_dead - c.ours_dead)
            print(
                f"{path}: stones {c.stones_agreeing}/{c.stones}, ours {c.ours_score} gnugo {c.gnugo_score}"
                f"{'' if c.ours_score == c.gnugo_score else ' DIFF'}"
                f"{f'; only ours dead {extra}' if extra else ''}{f'; only gnugo dead {missed}' if missed else ''}",
                flush=True,
            )
    stones = sum(c.stones for c in results)
    agree = sum(c.stones_agreeing for c in results)
    scores = sum(c.ours_score == c.gnugo_score for c in results)
    dead = sum(len(c.gnugo_dead) for c in results)
    print(
        f"{len(results)} games, {stones} stones ({dead} dead by GNU Go): dead-stone agreement "
        f"{agree}/{stones} = {100 * agree / max(stones, 1):.1f}%, score agreement {scores}/{len(results)} "
        f"= {100 * scores / max(len(results), 1):.1f}%"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
