"""selfplay/rl/opponents.py, selfplay/rl/eval.py and the capture task of selfplay/rl/common.py."""

from __future__ import annotations

import sys
import textwrap

import numpy as np
import pytest

from engine.board import BLACK, WHITE, Board
from engine.player import Player
from selfplay.env import random_opponent
from selfplay.rl.common import CaptureEnv, EnvSpec, build_rl_net, make_env, net_config, save_rl_weights
from selfplay.rl.eval import evaluate, learning_curve, read_metrics, wilson_interval
from selfplay.rl.opponents import GtpPlayer, NetOpponent, PoolOpponent, heuristic_opponent, make_opponent, split_specs


def rng():
    return np.random.default_rng(0)


def test_heuristic_takes_the_biggest_capture():
    board = Board.from_ascii(
        """
        . X O X .
        . X O X .
        . . . . .
        . . . . .
        O X . . .
        """
    )
    # white C5-C4 has one liberty (C3 = action 12); white A1 has one liberty (A2 = action 15)
    assert board.liberties(2) == 1 and board.liberties(20) == 1
    assert heuristic_opponent(board, BLACK, rng()) == 12


def test_heuristic_escapes_atari_when_nothing_to_capture():
    board = Board.from_ascii(
        """
        . . . . .
        . . X . .
        . X O . .
        . . X . .
        . . . . .
        """,
        to_play=WHITE,
    )
    # white C3 (action 12) in atari; extending to D3 (13) gives 3 liberties
    assert heuristic_opponent(board, WHITE, rng()) == 13


def test_heuristic_falls_back_to_a_legal_random_move():
    board = Board(5)
    for seed in range(5):
        a = heuristic_opponent(board, BLACK, np.random.default_rng(seed))
        assert board.is_legal(a) and a != board.pass_action


def test_make_opponent_specs(tmp_path):
    assert make_opponent("random") is random_opponent
    assert make_opponent("heuristic") is heuristic_opponent
    assert isinstance(make_opponent("pool", tmp_path), PoolOpponent)
    assert isinstance(make_opponent(f"pool:{tmp_path}"), PoolOpponent)
    with pytest.raises(ValueError):
        make_opponent("nonsense")
    with pytest.raises(ValueError):
        make_opponent("pool")
    assert split_specs("random, heuristic") == ["random", "heuristic"]
    assert split_specs("gtp:gnugo --mode gtp,x") == ["gtp:gnugo --mode gtp,x"]


def _save_net(path, head="dqn"):
    model = build_rl_net(head, net_config(EnvSpec(size=5), blocks=2, filters=4, hidden=8))
    save_rl_weights(path, model, head=head, step=1, trainer={})


def test_pool_and_net_opponents_play_legal_moves(tmp_path):
    pool = PoolOpponent(tmp_path)
    board = Board(5)
    assert board.is_legal(pool(board, BLACK, rng()))  # empty pool: random
    assert pool._current is None
    _save_net(tmp_path / "a.safetensors", "dqn")
    _save_net(tmp_path / "b.safetensors", "actor_critic")
    fresh = Board(5)  # a new game draws a pool member
    assert fresh.is_legal(pool(fresh, BLACK, rng()))
    assert isinstance(pool._current, NetOpponent)
    net = NetOpponent(tmp_path / "b.safetensors")
    for _ in range(10):
        if fresh.is_over:  # an untrained net may pass twice
            break
        a = net(fresh, fresh.to_play, rng())
        assert fresh.is_legal(a)
        fresh.play(a)


FAKE_GTP = textwrap.dedent(
    """
    import sys
    log = open(sys.argv[1], "a")
    moves = iter(["C3", "pass", "resign"])
    for line in sys.stdin:
        log.write(line)
        log.flush()
        cmd = line.split()[0]
        if cmd == "genmove":
            print("= " + next(moves) + "\\n", flush=True)
        elif cmd == "quit":
            print("=\\n", flush=True)
            break
        else:
            print("=\\n", flush=True)
    """
)


def test_gtp_player_keeps_the_engine_in_step(tmp_path):
    script, log = tmp_path / "fake.py", tmp_path / "log.txt"
    script.write_text(FAKE_GTP)
    player = make_opponent(f"gtp:{sys.executable} {script} {log}")
    assert isinstance(player, GtpPlayer) and isinstance(player, Player)
    board = Board(5, komi=5.5)
    player.new_game(board)
    board.play(0, BLACK)
    assert player.genmove(board, WHITE) == 12
    board.play(12, WHITE)
    board.play(1, BLACK)
    assert player.genmove(board, WHITE) == board.pass_action
    board.play(board.pass_action, WHITE)
    assert player.genmove(board, BLACK) == -1  # resign
    player.close()
    sent = log.read_text().splitlines()
    assert sent[:3] == ["boardsize 5", "komi 5.5", "clear_board"]
    assert sent[3:] == ["play B A5", "genmove W", "play B B5", "genmove W", "genmove B", "quit"]


@pytest.mark.gnugo
def test_gtp_player_against_gnugo(gnugo_path):
    env = make_env(EnvSpec(size=5), make_opponent(f"gtp:{gnugo_path} --mode gtp --level 0"))
    obs, _ = env.reset(seed=0, options={"agent_color": "black"})
    done = False
    while not done:
        legal = np.flatnonzero(obs["action_mask"])
        obs, _, term, trunc, _ = env.step(int(legal[0]))
        done = term or trunc
    env.unwrapped._player.close()


def test_capture_env_rewards_only_the_capture():
    env = make_env(EnvSpec(size=5, task="capture"))
    assert isinstance(env, CaptureEnv)
    for seed in range(5):
        obs, _ = env.reset(seed=seed)
        board = env.unwrapped.board
        stone = int(np.flatnonzero(board.stones().ravel() == WHITE)[0])
        assert board.liberties(stone) == 1 and board.to_play == BLACK
        capture = next(a for a in board.legal_moves() if a != board.pass_action and _captures(board, a))
        _, r, term, _, _ = env.step(capture)
        assert (r, term) == (1.0, True)
        env.reset()
        _, r, term, _, _ = env.step(env.unwrapped.board.pass_action)
        assert (r, term) == (0.0, True)


def _captures(board, a):
    b = board.copy()
    return b.play(a) > 0


# ------------------------------------------------------------------------------ evaluation
def test_wilson_interval_by_hand():
    lo, hi = wilson_interval(0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.2775, abs=1e-4)
    lo, hi = wilson_interval(190, 200)
    assert (lo, hi) == pytest.approx((0.9104, 0.9726), abs=1e-4)
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_evaluate_counts_games_and_alternates_colours(tmp_path):
    model = build_rl_net("dqn", net_config(EnvSpec(size=5), blocks=2, filters=4, hidden=8))
    res = evaluate(model, "dqn", EnvSpec(size=5), "random", 6, seed=3)
    assert res.games == 6 == res.wins + res.losses + res.draws
    assert "95% CI" in res.line()
    assert evaluate(model, "dqn", EnvSpec(size=5), "random", 6, seed=3) == res  # seeded


def test_learning_curve_png_without_matplotlib(tmp_path):
    csv = tmp_path / "metrics.csv"
    rows = ["step,name,value"] + [f"{s},eval/win_rate_random,{s / 1000}" for s in range(0, 1001, 250)]
    rows += [f"{s},charts/episodic_return,{(-1) ** s}" for s in range(300)]
    csv.write_text("\n".join(rows) + "\n")
    assert set(read_metrics(csv)) == {"eval/win_rate_random", "charts/episodic_return"}
    png = learning_curve(csv, tmp_path / "c.png")
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    assert "eval/win_rate_random" in (tmp_path / "c.png.txt").read_text()


def test_mcts_opponent_comes_from_the_player_factory_and_plays_in_the_env():
    from engine.search.player import MCTSPlayer
    from selfplay.env import GoEnv

    opp = make_opponent("mcts:16")
    assert isinstance(opp, MCTSPlayer) and isinstance(opp, Player) and opp.cfg.num_simulations == 16
    assert make_opponent("mcts").cfg.num_simulations == 100
    with pytest.raises(ValueError, match="playouts must be >= 1"):
        make_opponent("mcts:0")
    env = GoEnv(size=5, opponent=opp)
    env.reset(seed=0)
    before = env.board.move_number  # 1 when the opponent has black
    legal = np.flatnonzero(env.board.legal_mask())
    _, _, terminated, truncated, _ = env.step(int(legal[0]))
    assert env.board.move_number == before + 2 or terminated or truncated  # the search answered in the env
