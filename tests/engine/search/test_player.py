"""MCTSPlayer: legal moves everywhere, passing and resigning rules, dead stones, analysis."""

import numpy as np
import pytest

from engine import _kernels as K
from engine.board import Board, Rules
from engine.config import MCTSConfig
from engine.player import RESIGN, Analyzer, Player
from engine.search.player import MCTSPlayer
from tests.engine.random_play import play_random

FAST = dict(num_simulations=60, max_nodes=20_000, max_edges=400_000)


def random_position(size, moves, rng, rules=None):
    return play_random(Board(size, rules), moves, rng)


def test_protocols():
    p = MCTSPlayer(MCTSConfig(**FAST), seed=0)
    assert isinstance(p, Player) and isinstance(p, Analyzer)


@pytest.mark.parametrize("size,rules", [(5, None), (7, Rules(ko="simple")), (9, Rules(allow_suicide=True))])
def test_never_plays_an_illegal_move(size, rules):
    rng = np.random.default_rng(size)
    p = MCTSPlayer(MCTSConfig(**FAST, resign_threshold=0), seed=1)
    for _ in range(12):
        b = random_position(size, int(rng.integers(0, 2 * size * size)), rng, rules)
        if b.is_over:
            continue
        color = int(rng.integers(1, 3))
        a = p.genmove(b, color)
        bb = b.copy()
        bb.to_play = color
        assert bb.is_legal(a), (str(b), a)


def test_superko_banned_capture_is_not_played():
    b = Board.from_ascii(
        """
        . . . . .
        . . X . .
        . X O X .
        . X O X .
        . . . . .
        """,
        Rules(komi=0.5),
    )
    capture = 22
    h = K.hash_after(b.pts, b.scal, b.zob, b._loc(capture), K.BLACK)
    b.hist[b.scal[K.NHIST]] = h
    b.scal[K.NHIST] += 1
    b.scal[K.CAPS_B] = 1
    p = MCTSPlayer(MCTSConfig(**FAST), seed=2)
    a = p.genmove(b, K.BLACK)
    assert a != capture and b.is_legal(a)


def test_game_to_the_end_is_legal_and_finishes():
    p = MCTSPlayer(MCTSConfig(num_simulations=150, max_nodes=50_000, max_edges=1_000_000), seed=3)
    b = Board(5, Rules(komi=0.5))
    while not b.is_over and b.move_number < 120:
        a = p.genmove(b, b.to_play)
        if a == RESIGN:
            break
        b.play(a)
    assert b.is_over or b.move_number >= 120 or a == RESIGN


SETTLED = """
. X O . .
X X O . .
. X O . .
X X O O O
. X O . .
"""


def test_passes_after_opponent_pass_when_the_count_wins():
    b = Board.from_ascii(SETTLED, Rules(komi=-10.5))  # black wins the count by 5.5
    b.play(b.pass_action, K.WHITE)
    assert MCTSPlayer(MCTSConfig(**FAST), seed=4).genmove(b, K.BLACK) == b.pass_action


def test_never_passes_while_behind():
    b = Board.from_ascii(SETTLED, Rules(komi=0.5))  # black behind by 5.5
    b.play(b.pass_action, K.WHITE)
    p = MCTSPlayer(MCTSConfig(**FAST, resign_threshold=0), seed=5)
    assert p.genmove(b, K.BLACK) != b.pass_action


def test_does_not_resign_when_winning_on_the_board():
    b = Board.from_ascii(SETTLED, Rules(komi=-10.5))
    b.scal[K.MOVE_NUM] = 40  # past resign_min_moves
    p = MCTSPlayer(MCTSConfig(**FAST, resign_threshold=0.99), seed=6)
    assert p.genmove(b, K.BLACK) != RESIGN


def hopeless_board() -> Board:
    """Black to move at move 40 with no stone left against White's whole-board living group."""
    b = Board.from_ascii(
        """
        O O O O O
        O . O . O
        O O O O O
        . O . O .
        O O O O O
        """,
        Rules(komi=7.5),
    )
    b.scal[K.MOVE_NUM] = 40  # past resign_min_moves
    return b


def test_resigns_when_hopeless():
    b = hopeless_board()
    p = MCTSPlayer(MCTSConfig(num_simulations=300, max_nodes=20_000, max_edges=400_000), seed=7)
    assert [p.genmove(b, K.BLACK) == RESIGN for _ in range(3)] == [False, False, True]  # three own moves in a row
    p.new_game(b)
    assert p.genmove(b, K.BLACK) != RESIGN  # a new game starts the count again
    cfg = MCTSConfig(num_simulations=300, max_nodes=20_000, max_edges=400_000, resign_consecutive=1)
    once = MCTSPlayer(cfg, seed=7)
    assert once.genmove(b, K.BLACK) == RESIGN


def test_a_hopeful_move_between_resets_the_resignation_count():
    hopeless = hopeless_board()
    fine = Board(5, Rules(komi=-30.5))
    fine.scal[K.MOVE_NUM] = 40
    p = MCTSPlayer(MCTSConfig(num_simulations=300, max_nodes=20_000, max_edges=400_000), seed=7)
    moves = [p.genmove(b, K.BLACK) for b in (hopeless, hopeless, fine, hopeless, hopeless)]
    assert RESIGN not in moves
    assert p.genmove(hopeless, K.BLACK) == RESIGN


def test_dead_stones():
    b = Board.from_ascii(
        """
        . . . . . . .
        . X X X X X .
        . X . . . X .
        . X . O . X .
        . X . . . X .
        . X X X X X .
        . . . . . . .
        """,
        Rules(komi=0.5),
    )
    dead = MCTSPlayer(MCTSConfig(**FAST), seed=8).dead_stones(b)
    assert dead == [3 * 7 + 3]


def test_analyze_reports_and_stops():
    p = MCTSPlayer(MCTSConfig(**FAST), seed=9)
    b = Board(7)
    reports = []
    p.analyze(b, K.BLACK, reports.append, lambda: len(reports) >= 3, 0.02)
    assert len(reports) == 3
    info = reports[-1][0]
    assert info.visits > 0 and 0 <= info.winrate <= 1 and info.pv[0] == info.action


LOST_WITH_TWO_EYES = """
. X . X O
X X X X O
O O O O O
O . O . O
O O O O O
"""


def test_a_lost_player_never_fills_its_own_eyes():
    # black is far behind; its only legal moves are its two true eyes (B2, D2 are suicide)
    b = Board.from_ascii(LOST_WITH_TWO_EYES, Rules(komi=7.5))
    b.play(b.pass_action, K.WHITE)
    p = MCTSPlayer(MCTSConfig(**FAST, resign_threshold=0), seed=8)
    assert p.genmove(b, K.BLACK) == b.pass_action
    b2 = Board.from_ascii(LOST_WITH_TWO_EYES, Rules(komi=7.5))
    assert p.genmove(b2, K.BLACK) == b2.pass_action  # the search's own choice is filtered too


def test_dynamic_komi_handicaps_a_sure_winner_and_drops_when_in_doubt():
    cfg = MCTSConfig(num_simulations=300, max_nodes=20_000, max_edges=400_000, dynamic_komi=2)
    for color, komi, sign in ((K.BLACK, -30.5, 1), (K.WHITE, 30.5, -1)):
        sure = Board(5, Rules(komi=komi))
        sure.scal[K.MOVE_NUM] = 40
        sure.to_play = color
        p = MCTSPlayer(cfg, seed=3)
        seen = []
        for _ in range(4):
            p.genmove(sure, color)
            seen.append((p.mcts._root_board.komi - komi, p.handicap[color]))
        # each search sees the handicap of the ones before; the cap holds
        assert seen == [(0, 1), (sign * 1, 2), (sign * 2, 2), (sign * 2, 2)]
        assert sure.komi == komi  # the game's board is untouched
    off = MCTSPlayer(MCTSConfig(num_simulations=300, max_nodes=20_000, max_edges=400_000), seed=3)
    off.genmove(sure, K.WHITE)
    assert off.handicap == {K.BLACK: 0, K.WHITE: 0}


def test_a_handicapped_search_that_loses_drops_the_handicap_and_does_not_count_to_resign():
    b = hopeless_board()
    cfg = MCTSConfig(num_simulations=300, max_nodes=20_000, max_edges=400_000, dynamic_komi=3)
    p = MCTSPlayer(cfg, seed=7)
    p.handicap[K.BLACK] = 3.0
    first = p.genmove(b, K.BLACK)
    assert first != RESIGN and p.handicap[K.BLACK] == 0
    assert [p.genmove(b, K.BLACK) == RESIGN for _ in range(3)] == [False, False, True]
