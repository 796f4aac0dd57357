"""Random playouts (engine/rollout/_kernels_playout.py, engine/rollout/playout.py).

The fast-path board is checked against the checked ``Board``: every playout move is replayed
through ``Board`` (simple ko, no suicide), which raises on an illegal move; an own true eye must
never be filled; a pass must only come when no legal non-eye move is left; the final stones and
the area score must match.
"""

import json

import numpy as np
import pytest
from click.testing import CliRunner
from numba import config as numba_config

from engine.board import BLACK, WHITE, Board, Rules
from engine.rollout import _kernels_playout as KP
from engine.rollout.playout import make_playout_work, make_rng, random_playouts, spawn_rngs, trace_playout
from tests.engine.random_play import play_random

NOJIT = bool(numba_config.DISABLE_JIT)
SEEDS = range(3) if NOJIT else range(12)


def _board(size: int, prefix: int = 0, seed: int = 0) -> Board:
    """A simple-ko, komi-0 board after ``prefix`` random legal moves (the checked Board plays them)."""
    return play_random(Board(size, Rules(komi=0, ko="simple")), prefix, np.random.default_rng(seed))


def _legal_non_eye(board: Board) -> list[int]:
    color = board.to_play
    return [a for a in board.legal_moves() if a != board.pass_action and not board.is_eye(a, color)]


def _replay(start: Board, trace, limit: int) -> Board:
    """Replay ``trace`` on a copy of ``start`` with every playout rule checked; return the end position."""
    board = start.copy()
    length = len(trace.actions)
    for i, action in enumerate(trace.actions):
        if action == board.pass_action:
            assert _legal_non_eye(board) == [], f"pass at move {i} with legal moves left"
        else:
            assert not board.is_eye(action, board.to_play), f"own eye filled at move {i}"
        board.play(action)  # raises IllegalMove on suicide or a ko retake
    if length < limit:
        assert board.passes == 2
    else:
        assert length == limit
    return board


@pytest.mark.parametrize("size,prefix", [(5, 0), (9, 0), (9, 25), (13, 40), (19, 0), (19, 120)])
def test_playout_matches_checked_board(size, prefix):
    limit = 3 * size * size
    for seed in SEEDS if size < 19 else SEEDS[:3]:
        start = _board(size, prefix, seed)
        pts, scal = start.pts.copy(), start.scal.copy()
        trace = trace_playout(start, seed=seed)
        np.testing.assert_array_equal(start.pts, pts)  # the kernel never touches the position
        np.testing.assert_array_equal(start.scal, scal)
        end = _replay(start, trace, limit)
        np.testing.assert_array_equal(end.stones(), trace.stones)
        assert trace.score == end.area_score() + end.komi


@pytest.mark.parametrize("limit", [1, 7, 30])
def test_capped_playouts_score_large_regions(limit):
    # short caps leave multi-point empty regions, scored by the flood fill
    for seed in SEEDS:
        start = _board(9, 5, seed)
        trace = trace_playout(start, seed=seed, max_moves=limit)
        assert len(trace.actions) == limit
        end = _replay(start, trace, limit)
        np.testing.assert_array_equal(end.stones(), trace.stones)
        assert trace.score == end.area_score()


def test_ko_point_and_turn_are_respected():
    board = Board.from_ascii(
        """
        . X O . .
        X O . O .
        . X O . .
        . . . . .
        . . . . .
        """,
        Rules(komi=0, ko="simple"),
        to_play=BLACK,
    )
    board.play_gtp("C4")  # black captures B4's white stone: a ko that white may not retake at once
    assert board.ko_action is not None and board.to_play == WHITE
    ko = board.ko_action
    firsts = set()
    for seed in range(200 if not NOJIT else 20):
        trace = trace_playout(board, seed=seed, max_moves=1)
        firsts.add(trace.actions[0])
        end = _replay(board, trace, 1)
        assert end.color_at(trace.actions[0]) == WHITE
    assert ko not in firsts


def test_first_move_is_uniform_over_legal_non_eye_moves():
    board = Board.from_ascii(
        """
        . X . X O
        X X X O .
        . X O O O
        X X O . O
        . X O O .
        """,
        Rules(komi=0, ko="simple"),
        to_play=WHITE,
    )
    allowed = set(_legal_non_eye(board))
    draws = 400 if NOJIT else 6000
    rng = make_rng(5)
    counts: dict[int, int] = {}
    for _ in range(draws):
        a = trace_playout(board, seed=rng, max_moves=1).actions[0]
        counts[a] = counts.get(a, 0) + 1
    assert set(counts) == allowed
    expected = draws / len(allowed)
    for a, k in counts.items():
        assert abs(k - expected) < 5 * expected**0.5, (a, k, expected)


def test_playouts_from_a_finished_or_one_pass_position():
    board = _board(9, 10)
    board.play(board.pass_action)
    board.play(board.pass_action)
    scores, lengths = random_playouts(board, 3, seed=0)
    assert (lengths == 0).all() and (scores == board.area_score()).all()
    one_pass = _board(9, 10)
    one_pass.play(one_pass.pass_action)
    trace = trace_playout(one_pass, seed=1)
    _replay(one_pass, trace, 243)


def test_same_seed_same_results_different_seed_differs():
    board = _board(9, 8)
    a = random_playouts(board, 20, seed=123)
    b = random_playouts(board, 20, seed=123)
    c = random_playouts(board, 20, seed=124)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])
    trace = trace_playout(board, seed=123)
    assert trace.score == a[0][0] and len(trace.actions) == a[1][0]


def test_playout_score_kernel_agrees_with_batch():
    board = _board(19, 30)
    work = make_playout_work(19)
    rng = make_rng(9)
    singles = [KP.playout_score(board.pts, board.scal, board.zob, rng, 3 * 361, work) for _ in range(4)]
    scores, _ = random_playouts(board, 4, seed=9)
    assert singles == list(scores)


def test_rng_states():
    assert make_rng(0)[0] != 0 and make_rng(0).dtype == np.uint64
    assert make_rng(0)[0] == make_rng(0)[0] != make_rng(1)[0]
    states = [int(r[0]) for r in spawn_rngs(7, 4)]
    assert len(set(states)) == 4 and 0 not in states
    rng = make_rng(3)
    draws = [KP.rng_below(rng, 10) for _ in range(2000)]
    assert min(draws) == 0 and max(draws) == 9


def test_bench_playouts_cli_json():
    from cli.main import cli

    result = CliRunner().invoke(cli, ["bench", "playouts", "--seconds", "0.5", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["size"] == 9
    for key in ("playouts_per_second", "moves_per_second", "compile_seconds_cold", "start_seconds_warm"):
        assert report[key] > 0
    if "openspiel_playouts_per_second" in report:
        assert report["ratio"] == pytest.approx(report["playouts_per_second"] / report["openspiel_playouts_per_second"])
