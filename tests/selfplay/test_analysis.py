"""selfplay/analysis.py: net and rollout analyses, batching, score lead and ownership from playouts."""

from __future__ import annotations

import numpy as np
import pytest

from engine.board import BLACK, WHITE, Board, Rules
from selfplay.analysis import Analyzer, load_analyzer, load_player

# 5x5, settled: black owns columns a-c (three eyes), white d-e (three eyes): area 15 to 10
BLACK_AHEAD = """
X . X O .
X X X O O
. X X O .
X X X O O
X . X O .
"""


@pytest.fixture(scope="module")
def analyzer():
    return load_analyzer(visits=24, ownership_playouts=32, move_playouts=8, slots=4)


def _nine(*vertices):
    b = Board(9)
    for v in vertices:
        b.play_gtp(v)
    return b


def test_net_analysis_of_a_9x9_position(analyzer):
    board = _nine("E5", "C3")
    before = board.hash
    a = analyzer.analyse(board)
    assert board.hash == before and a.source == "net" and a.to_play == BLACK
    assert a.visits >= 24 and a.ownership.shape == (9, 9)
    assert np.all(np.abs(a.ownership) <= 1)
    visits = [m.visits for m in a.moves]
    assert visits == sorted(visits, reverse=True) and sum(visits) <= a.visits
    assert [m.order for m in a.moves] == list(range(len(a.moves)))
    for m in a.moves:
        assert 0 <= m.winrate <= 1 and 0 <= m.prior <= 1 and m.pv[0] == m.move
        assert board.is_legal(m.action)
    assert a.best is a.moves[0] and a.pv == a.moves[0].pv


def test_analyse_many_mixes_net_and_rollout_sizes_and_keeps_order(analyzer):
    boards = [_nine("E5"), Board(5), _nine(), _nine("E5", "C3", "G7")]
    out = analyzer.analyse_many(boards, visits=[16, 40, 16, 16])
    assert [a.source for a in out] == ["net", "rollout", "net", "net"]
    assert [a.size for a in out] == [9, 5, 9, 9]
    assert [a.to_play for a in out] == [WHITE, BLACK, BLACK, WHITE]
    assert out[1].visits >= 40


def test_score_lead_and_ownership_come_from_the_playouts():
    board = Board.from_ascii(BLACK_AHEAD, Rules(komi=0.5))
    a = Analyzer(visits=40, ownership_playouts=64, move_playouts=16).analyse(board)
    assert a.source == "rollout"
    assert all(m.score_lead == 4.5 for m in a.moves)  # each candidate leaves the board settled
    assert a.score_lead == 4.5  # 15 - 10 - komi, black to move; the rollouts cannot change a settled board
    assert (a.ownership[:, :3] == 1).all() and (a.ownership[:, 3:] == -1).all()
    board.to_play = WHITE
    assert Analyzer(visits=40, ownership_playouts=64).analyse(board).score_lead == -4.5


def test_a_finished_game_is_scored_exactly_without_search(analyzer):
    board = Board.from_ascii(BLACK_AHEAD, Rules(komi=0.5))
    board.play(board.pass_action)
    board.play(board.pass_action)
    a = analyzer.analyse(board)
    assert a.moves == [] and a.visits == 0 and a.winrate == 1.0 and a.score_lead == 4.5
    assert a.best is None and a.pv == []


def test_load_player_plays_a_legal_move_with_the_shipped_net():
    player = load_player(9, visits=16)
    board = _nine("E5")
    assert board.is_legal(player.genmove(board, WHITE))
    assert type(player.evaluator).__name__ in ("TorchEvaluator", "MixedEvaluator")
    assert type(load_player(5, visits=16).evaluator).__name__ == "RolloutEvaluator"


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        Analyzer(visits=0)
    with pytest.raises(ValueError):
        Analyzer().analyse_many([Board(5)], visits=[1, 2])


def test_a_net_with_score_and_ownership_heads_gives_them_instead_of_rollouts():
    from dataclasses import replace

    import torch

    from nets.evaluator import TorchEvaluator
    from nets.factory import build_model
    from nets.presets import preset
    from selfplay.analysis import NetSpec

    torch.manual_seed(5)
    net = build_model(replace(preset("b2c16"), board_size=5, ownership_head=True, score_head=True))
    ev = TorchEvaluator(net, symmetries=False)
    board = Board(5)
    board.play_gtp("C3")
    a = Analyzer({5: NetSpec(ev)}, visits=16, ownership_playouts=64, move_playouts=16, seed=1).analyse(board)
    lead, own = ev.score_and_ownership(board)  # black's view; white is to move
    assert a.source == "net" and a.to_play == WHITE
    assert a.score_lead == pytest.approx(-lead) and np.allclose(a.ownership.ravel(), own)
    for m in a.moves:
        after = board.copy()
        after.play(m.action)
        assert m.score_lead == pytest.approx(-ev.score_and_ownership(after)[0])
