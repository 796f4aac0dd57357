"""``kata-analyze`` and ``kata-genmove_analyze``: KataGo's line format, score lead and ownership."""

from __future__ import annotations

import io
import re
import threading

from cli.gtp import GtpSession
from cli.gtp.kata import ScoreEstimate, format_kata
from engine.board import BLACK, WHITE, Board
from engine.config import MCTSConfig
from engine.player import MoveInfo
from engine.search.player import MCTSPlayer

KEYS = "move visits utility winrate scoreMean scoreStdev scoreLead scoreSelfplay prior lcb utilityLcb order".split()


def _player(sims: int = 40) -> MCTSPlayer:
    return MCTSPlayer(MCTSConfig(num_simulations=sims, max_nodes=20_000), seed=0)


class _Out(io.StringIO):
    """A stdout that sets ``ready`` once ``count`` analysis lines have been written."""

    def __init__(self, count: int = 3):
        super().__init__()
        self.ready, self.count = threading.Event(), count

    def write(self, text: str) -> int:
        n = super().write(text)
        if self.getvalue().count("\ninfo move") >= self.count:
            self.ready.set()
        return n


def _gated(first, gate, rest):
    yield from (ln + "\n" for ln in first)
    assert gate.wait(60)
    yield from (ln + "\n" for ln in rest)


def _parse(line: str, size: int) -> tuple[list[dict], list[float] | None]:
    """KataGo info line -> (moves as key/value dicts, ownership or None), as clients read it."""
    own = None
    if " ownership " in f" {line}":
        line, tail = line.split("ownership", 1)
        own = [float(v) for v in tail.split()]
    moves = []
    for chunk in line.split("info ")[1:]:
        words = chunk.split()
        pv_at = words.index("pv")
        d = dict(zip(words[:pv_at:2], words[1:pv_at:2], strict=True))
        d["pv"] = words[pv_at + 1 :]
        moves.append(d)
    return moves, own


def _settled_board() -> Board:
    """5x5: a black wall on the middle row, a white one below it."""
    b = Board(5)
    for col in range(5):
        b.play(2 * 5 + col, BLACK)  # row 2 (middle row) black wall
        b.play(3 * 5 + col, WHITE)  # row 3 white wall
    return b


def test_format_kata_keys_and_ownership_view():
    board = _settled_board()
    board.to_play = WHITE
    est = ScoreEstimate(_player(), board, WHITE)
    est.refine([0], 0.05)
    infos = [MoveInfo(0, 10, 0.25, 0.3, [0, 1], -0.1, order=0)]
    moves, own = _parse(format_kata(infos, est, ownership=True), 5)
    assert list(moves[0])[: len(KEYS)] == KEYS
    m = moves[0]
    assert m["move"] == "A5" and m["visits"] == "10" and m["pv"] == ["A5", "B5"]
    assert float(m["winrate"]) == 0.25 and float(m["utility"]) == -0.5 and float(m["lcb"]) == 0.0
    assert m["scoreMean"] == m["scoreLead"]
    assert len(own) == 25
    # White's view: the top rows (black's) are -1, the bottom rows (white's) +1; row-major from the top.
    # (the rollouts sometimes kill black's eyeless group; white's row is safe)
    assert all(v < -0.3 for v in own[:15]) and all(v > 0.9 for v in own[15:])
    lead, stdev = est.lead()
    assert abs(lead - (sum(own) + board.komi)) < 1e-3 and stdev > 0  # white's view of the area count


def test_kata_analyze_streams_with_ownership_until_the_next_command():
    out = _Out(3)
    lines = _gated(["boardsize 7", "play b D4", "7 kata-analyze w 5 ownership true maxmoves 3"], out.ready, ["name"])
    GtpSession(_player(), lines, out).run()
    parts = out.getvalue().split("\n\n")
    block = parts[2].split("\n")
    assert block[0] == "=7"
    assert len(block) >= 4
    for line in block[1:]:
        moves, own = _parse(line, 7)
        assert 1 <= len(moves) <= 3 and len(own) == 49
        assert all(-1.0 <= v <= 1.0 for v in own)
        for k, m in enumerate(moves):
            assert m["order"] == str(k) and re.fullmatch(r"[A-HJ-T]\d+|pass", m["move"])
            assert 0.0 <= float(m["winrate"]) <= 1.0 and 0.0 <= float(m["prior"]) <= 1.0
            assert float(m["scoreStdev"]) >= 0.0
    assert parts[3:] == ["= go-engine", ""]


def test_kata_genmove_analyze_plays_and_reports():
    out = io.StringIO()
    lines = ["boardsize 7\n", "kata-genmove_analyze b 1 ownership true\n", "list_stones b\n"]
    GtpSession(_player(60), lines, out).run()
    parts = out.getvalue().split("\n\n")
    block = parts[1].split("\n")
    assert block[0] == "=" and block[-1].startswith("play ")
    assert block[-2].startswith("info move ")
    moves, own = _parse(block[-2], 7)
    assert len(own) == 49 and moves[0]["order"] == "0"
    assert parts[2] == f"= {block[-1][5:]}"


def test_kata_analyze_bad_arguments():
    out = io.StringIO()
    GtpSession(_player(), ["boardsize 7\n", "kata-analyze ownership maybe\n", "kata-analyze b x\n"], out).run()
    assert out.getvalue().split("\n\n")[1:] == ["? syntax error", "? syntax error", ""]


class _HeadsPlayer(MCTSPlayer):
    """An MCTS player whose net would have score and ownership heads: black leads by 3, owns the top row."""

    def score_and_ownership(self, board):
        import numpy as np

        own = np.full(board.size * board.size, -1.0)
        own[: board.size] = 1.0
        return 3.0, own


def test_a_player_with_score_and_ownership_heads_is_used_instead_of_rollouts():
    board = Board(5)
    est = ScoreEstimate(_HeadsPlayer(MCTSConfig(num_simulations=10)), board, WHITE)
    est.refine([0, 1], 0.05)
    assert est._tallies == {}  # no rollouts
    assert est.lead() == (-3.0, 0.0) and est.lead(0) == (-3.0, 0.0)  # white's view of black's +3
    own = est.ownership()
    assert own[:5] == [-1.0] * 5 and own[5:] == [1.0] * 20


def test_genmove_analyze_after_a_move_made_without_search_reports_no_stale_moves():
    # Black's first move is searched; once White passes, Black is ahead on the board and by its
    # rollouts (komi -20), so the pass guard passes without a search. The last report must not hold
    # the first search's moves: one of them is now occupied (it crashed the score estimate).
    for command in ("kata-genmove_analyze b", "lz-genmove_analyze b"):
        out = io.StringIO()
        lines = ["boardsize 5\n", "komi -20\n", "genmove b\n", "play w pass\n", f"{command}\n", "list_stones b\n"]
        GtpSession(_player(60), lines, out).run()
        parts = out.getvalue().split("\n\n")
        first = parts[2][2:]
        assert parts[4].split("\n") == ["=", "play pass"], parts[4]
        assert parts[5] == f"= {first}"
