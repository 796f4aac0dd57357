"""Root parallelism: merged root statistics, budgets, worker failures and shutdown."""

import logging

import pytest

from engine.board import Board
from engine.config import MCTSConfig
from engine.player import RESIGN
from engine.search.player import MCTSPlayer
from engine.search.root_parallel import RootParallelPlayer, RootStats, merge_stats, split_playouts

FAST = dict(num_simulations=200, max_nodes=20_000, max_edges=400_000, resign_threshold=0)


@pytest.fixture(scope="module")
def player():
    """Two workers shared by the tests below (starting them is the slow part)."""
    with RootParallelPlayer(MCTSConfig(**FAST), seed=3, threads=2) as p:
        assert p.mcts.wait_ready() == 2
        yield p


def test_split_playouts():
    assert split_playouts(200, 2) == [100, 100]
    assert split_playouts(7, 3) == [3, 2, 2]
    assert sum(split_playouts(1, 4)) == 1


def test_merge_sums_visits_and_values():
    a = RootStats(10, 2.0, [(0, 6, 3.0, 0.5), (1, 4, -1.0, 0.5)], {0: [0, 5], 1: [1, 7]})
    b = RootStats(20, -4.0, [(1, 15, 3.0, 0.3), (2, 5, -5.0, 0.7)], {1: [1, 8, 9]})
    m = merge_stats([a, b])
    assert (m.visits, m.value_sum) == (30, -2.0)
    assert {c[0]: c[1:] for c in m.children} == {0: (6, 3.0, 0.5), 1: (19, 2.0, 0.4), 2: (5, -5.0, 0.7)}
    assert m.pvs == {0: [0, 5], 1: [1, 8, 9]}  # action 1: the PV of the worker with 15 visits


def test_summed_visits_are_the_sum_over_workers(player):
    board = Board(9)
    player.new_game(board)
    action = player.genmove(board, 1)
    assert board.is_legal(action)
    workers = [w.stats for w in player.mcts.workers]
    assert len(workers) == 2 and all(s is not None for s in workers)
    assert player.last_simulations == 200  # the playouts were split, not multiplied
    assert player.mcts.root_visits() == sum(s.visits for s in workers) == 200
    merged = {r.action: r.visits for r in player.mcts.root_children()}
    for a, n in merged.items():
        assert n == sum(v for s in workers for b, v, _, _ in s.children if b == a)
    assert merged[action] == max(merged.values())  # the move with most summed visits
    assert player.last_info[0].action == action and player.last_info[0].visits == max(merged.values())


def test_a_timed_search_does_not_wait_for_the_workers_to_start():
    board = Board(9)
    with RootParallelPlayer(MCTSConfig(**FAST), seed=2, threads=2) as p:
        p.new_game(board)
        action = p.genmove(board, 1, seconds=0.2)  # answered at once, from this process if need be
        assert board.is_legal(action)
        assert p.mcts.wait_ready() == 2
        p.genmove(board, 1)  # a playout budget: no deadline, so a loaded machine cannot drop a worker
        assert not p.mcts._local and all(w.stats is not None for w in p.mcts.workers)


def test_timed_search_and_tree_reuse(player):
    board = Board(9)
    player.new_game(board)
    board.play(player.genmove(board, 1, seconds=0.3))
    action = player.genmove(board, 2, seconds=0.3)
    assert board.is_legal(action, 2)  # (how many playouts fit in 0.3 s depends on the machine's load)


def test_lz_genmove_analyze_progress_sees_partial_stats(player):
    board = Board(9)
    player.new_game(board)
    seen = []
    player.genmove(board, 1, seconds=0.5, progress=lambda: seen.append(player.mcts.root_visits()))
    assert len(seen) > 3 and max(seen) > 0


def test_analyze_reports_merged_moves(player):
    board = Board(9)
    player.new_game(board)
    reports = []
    player.analyze(board, 1, reports.append, lambda: len(reports) >= 3, 0.05)
    assert len(reports) >= 3 and reports[-1] and reports[-1][0].visits > 0


def test_a_dead_worker_is_dropped_and_the_move_still_comes(caplog):
    board = Board(7)
    with RootParallelPlayer(MCTSConfig(**FAST), seed=1, threads=2) as p:
        p.new_game(board)
        p.genmove(board, 1)
        p.mcts.workers[0].proc.kill()
        with caplog.at_level(logging.ERROR, "go_engine.root_parallel"):
            action = p.genmove(board, 1)
        assert board.is_legal(action) and len(p.mcts.workers) == 1
        assert "search worker 0 died" in caplog.text
        p.mcts.workers[0].proc.kill()  # none left: the search runs in this process
        with caplog.at_level(logging.ERROR, "go_engine.root_parallel"):
            action = p.genmove(board, 1)
        assert action != RESIGN and board.is_legal(action) and p.mcts.workers == []
        assert "searching in this process" in caplog.text and p.last_simulations > 0


def test_close_stops_the_workers():
    p = RootParallelPlayer(MCTSConfig(**FAST), seed=0, threads=2)
    p.new_game(Board(9))
    procs = [w.proc for w in p.mcts.workers]
    p.close()
    assert all(not q.is_alive() and q.exitcode is not None for q in procs)
    p.close()  # idempotent


def test_by_size_player_closes_its_parallel_fallback():
    from engine.player import BySizePlayer

    p = RootParallelPlayer(MCTSConfig(**FAST), seed=0, threads=2)
    p.new_game(Board(7))
    procs = [w.proc for w in p.mcts.workers]
    BySizePlayer({9: MCTSPlayer(MCTSConfig(**FAST))}, p).close()
    assert procs and all(not q.is_alive() for q in procs)


def test_one_thread_is_the_plain_player():
    from selfplay.players import player_from_options as build_player

    assert type(build_player("mcts", 0, num_threads=1)) is MCTSPlayer
    assert type(build_player("mcts", 0, num_threads=None)) is MCTSPlayer
    p = build_player("mcts", 0, num_threads=2, num_simulations=50)
    try:
        assert isinstance(p, RootParallelPlayer) and p.mcts.threads == 2 and p.cfg.num_simulations == 50
    finally:
        p.close()
