"""Game review: analyse every position of an SGF game, write the SGF back annotated, draw the graph.

Vocabulary:
    turn: turn ``t`` is the position after the first ``t`` moves of the main line (0 = the start).
    node of move ``k``: the SGF node that holds move ``k`` (``k >= 1``); the root is node 0.
    review: the analyses of turns ``0..N`` (``N`` moves) and what is derived from them.

Comments: the root gets the analysis of turn 0 (win rate, score, best first move); the node of
move ``k`` gets, from black's view, the win rate and the score lead after the move (turn ``k``),
the best move the search found before it (turn ``k - 1``) with its win rate, and how much the
played move changed the mover's win rate. An existing comment is kept, the review text follows
it after a blank line. Everything else of the file (properties, variations, encoding) is kept:
the file is re-serialised by sgfmill with only the ``C`` properties of main-line nodes changed.

The graph (PNG, matplotlib's Agg backend) shows black's win rate (left axis, %) and black's
score lead (right axis, points) against the move number. Both files are written atomically
(``nets.fileio.atomic_write``). Score leads come from playouts (see ``selfplay/analysis.py``).
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sgfmill import sgf as sgfmill_sgf

from engine.board import BLACK, Board
from engine.sgf import parse_sgf, record_to_board
from nets.fileio import atomic_write
from selfplay.analysis import Analyzer, PositionAnalysis

TAG = "go-engine review"
"""first words of every review comment"""


@dataclass
class Review:
    """The analyses of one game, black's view derived per turn."""

    analyses: list[PositionAnalysis]
    """analysis of turn ``t`` at index ``t``"""
    moves: list[tuple[int, int]]
    """the main line's ``(color, action)`` moves"""

    def black_winrate(self, t: int) -> float:
        """Black's win rate at turn ``t``."""
        a = self.analyses[t]
        return a.winrate if a.to_play == BLACK else 1.0 - a.winrate

    def black_score(self, t: int) -> float:
        """Black's score lead at turn ``t`` (komi included)."""
        a = self.analyses[t]
        return a.score_lead if a.to_play == BLACK else -a.score_lead


def game_positions(data: bytes) -> tuple[list[Board], list[tuple[int, int]]]:
    """The positions of turns ``0..N`` of an SGF game's main line, and its moves.

    Raises:
        engine.sgf.SGFError: for SGF that cannot be read or replayed.
    """
    record = parse_sgf(data)
    board = record_to_board(record, moves=0)
    boards = [board.copy()]
    for color, action in record.moves:
        board.play(action, color)
        boards.append(board.copy())
    return boards, list(record.moves)


def review_positions(
    analyzer: Analyzer, boards: list[Board], moves, progress: Callable[[int], None] | None = None, chunk: int = 16
) -> Review:
    """Analyse every position, ``chunk`` at a time (their net searches share forward passes)."""
    out: list[PositionAnalysis] = []
    for i in range(0, len(boards), chunk):
        part = analyzer.analyse_many(boards[i : i + chunk])
        out.extend(part)
        if progress is not None:
            progress(len(part))
    return Review(out, list(moves))


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _lead(score: float) -> str:
    return f"B+{score:.1f}" if score >= 0 else f"W+{-score:.1f}"


def comment(review: Review, k: int) -> str:
    """The review text of node ``k`` (0 = the root, ``k`` = the node of move ``k``)."""
    a = review.analyses[k]
    line = f"{TAG}: black win rate {_pct(review.black_winrate(k))}, score {_lead(review.black_score(k))}"
    if k == 0:
        best = a.best
        return line + (f"; best first move {best.move} ({_pct(best.winrate)} for the mover)" if best else "")
    before = review.analyses[k - 1]
    color, action = review.moves[k - 1]
    mover_before = review.black_winrate(k - 1) if color == BLACK else 1 - review.black_winrate(k - 1)
    mover_after = review.black_winrate(k) if color == BLACK else 1 - review.black_winrate(k)
    text = line + f"\nmove {k} ({'BW'[color - 1]}): win rate change {100 * (mover_after - mover_before):+.1f} points"
    if before.best is not None:
        played = next((m for m in before.moves if m.action == action), None)
        mark = " (played)" if played is before.best else ""
        text += f"\nbest was {before.best.move}{mark} ({_pct(before.best.winrate)}, {before.best.visits} visits)"
    return text


def annotate_sgf(data: bytes, review: Review) -> bytes:
    """``data`` with the review comments added to the root and to each main-line move node."""
    game = sgfmill_sgf.Sgf_game.from_bytes(data)
    k = 0
    for node in game.get_main_sequence():
        if node is not game.get_root():
            if node.get_move()[0] is None:
                continue  # a node without a move (comments, setup) keeps its text
            k += 1
        if k >= len(review.analyses):
            break
        old = node.get("C") if node.has_property("C") else ""
        new = comment(review, k)
        node.set("C", f"{old}\n\n{new}" if old else new)
    return game.serialise()


def plot(review: Review, path: str | os.PathLike, title: str = "") -> Path:
    """Write the win-rate and score graph as a PNG, atomically; returns the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    turns = list(range(len(review.analyses)))
    fig, ax = plt.subplots(figsize=(8, 3.5), dpi=100)
    ax.plot(turns, [100 * review.black_winrate(t) for t in turns], color="black", label="black win rate")
    ax.axhline(50, color="grey", linewidth=0.5)
    ax.set_ylim(0, 100)
    ax.set_xlabel("move")
    ax.set_ylabel("black win rate (%)")
    ax2 = ax.twinx()
    ax2.plot(turns, [review.black_score(t) for t in turns], color="tab:blue", label="black score lead")
    ax2.set_ylabel("black score lead (points)", color="tab:blue")
    ax.set_title(title or "go-engine review")
    lines = ax.get_lines()[:1] + ax2.get_lines()
    ax.legend(lines, [line.get_label() for line in lines], loc="upper left", fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    with atomic_write(path) as f:
        f.write(buf.getvalue())
    return Path(path)


def review_game(
    sgf_path: str | os.PathLike,
    analyzer: Analyzer,
    out: str | os.PathLike | None = None,
    graph: str | os.PathLike | None = None,
    progress: Callable[[int], None] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> tuple[Path, Path, Review]:
    """Review one SGF file; returns ``(annotated SGF path, graph path, review)``.

    Args:
        sgf_path: the game.
        analyzer: the analyzer (its ``visits`` apply to every position).
        out: the annotated SGF; default ``GAME.reviewed.sgf`` beside the game.
        graph: the PNG; default ``GAME.reviewed.png`` beside the game.
        progress: called with the number of positions done after each chunk.
        on_start: called with the number of positions before the analysis starts.
    """
    sgf_path = Path(sgf_path)
    data = sgf_path.read_bytes()
    boards, moves = game_positions(data)
    if on_start is not None:
        on_start(len(boards))
    review = review_positions(analyzer, boards, moves, progress)
    out = Path(out) if out is not None else sgf_path.with_suffix(".reviewed.sgf")
    graph = Path(graph) if graph is not None else sgf_path.with_suffix(".reviewed.png")
    annotated = annotate_sgf(data, review)
    with atomic_write(out) as f:
        f.write(annotated)
    plot(review, graph, sgf_path.name)
    return out, graph, review
