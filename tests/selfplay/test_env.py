"""selfplay/env.py: Gymnasium API, vector envs, determinism, illegal actions and reward signs."""

from __future__ import annotations

import subprocess
import sys
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from engine.board import BLACK, EMPTY, WHITE, Board, IllegalMove, Rules
from engine.features import encode
from engine.player import RESIGN, RandomPlayer
from selfplay.env import ENV_ID, GoEnv, random_opponent

# 5x5, black owns columns a-c, white d-e: black area 15, white 10 (before komi)
BLACK_AHEAD = """
. . X O .
. . X O .
. . X O .
. . X O .
. . X O .
"""


def always_pass(board, color, rng):
    return board.pass_action


def masked_policy(seed):
    rng = np.random.default_rng(seed)
    return lambda obs: int(rng.choice(np.flatnonzero(obs["action_mask"])))


def rollout(env, seed, policy_seed, max_steps=400):
    """Trajectory of one episode with a seeded masked-random policy."""
    policy = masked_policy(policy_seed)
    obs, info = env.reset(seed=seed)
    steps = [(obs, 0.0, False, False, info)]
    for _ in range(max_steps):
        obs, reward, term, trunc, info = env.step(policy(obs))
        steps.append((obs, reward, term, trunc, info))
        if term or trunc:
            break
    return steps


def same_trajectory(a, b):
    if len(a) != len(b):
        return False
    for (o1, r1, t1, u1, i1), (o2, r2, t2, u2, i2) in zip(a, b, strict=True):
        if not (
            np.array_equal(o1["observation"], o2["observation"])
            and np.array_equal(o1["action_mask"], o2["action_mask"])
        ):
            return False
        if (r1, t1, u1, i1["result"], i1["move_number"]) != (r2, t2, u2, i2["result"], i2["move_number"]):
            return False
    return True


# ------------------------------------------------------------------ API conformance
@pytest.mark.parametrize("mode", ["opponent", "selfplay"])
@pytest.mark.parametrize("size", [5, 9])
def test_check_env(mode, size):
    env = gym.make(ENV_ID, size=size, mode=mode)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any checker warning fails the test
        check_env(env.unwrapped)


def test_check_env_simple_features_and_ansi():
    env = gym.make(ENV_ID, size=5, features_name="simple", render_mode="ansi")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped)
    assert env.observation_space["observation"].shape == (4, 5, 5)


def test_spaces():
    env = GoEnv(size=9)
    assert env.action_space == gym.spaces.Discrete(82)
    assert env.observation_space["observation"].shape == (17, 9, 9)
    assert env.observation_space["observation"].dtype == np.float32
    assert env.observation_space["action_mask"] == gym.spaces.MultiBinary(82)
    obs, info = env.reset(seed=0)
    assert obs["action_mask"].dtype == np.int8 and obs in env.observation_space
    assert env.max_moves == 3 * 81


def test_registered_and_importable_by_module_path():
    assert ENV_ID in gym.registry
    env = gym.make("selfplay.env:go_engine/Go-v0", size=5)
    assert isinstance(env.unwrapped, GoEnv) and env.unwrapped.size == 5


def test_import_selfplay_is_light():
    code = (
        "import sys, selfplay, selfplay.env, selfplay.records, engine.features, engine.symmetry, engine.sgf\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    bare = "import sys, selfplay\nassert not {'torch', 'gymnasium'} & set(sys.modules)"
    subprocess.run([sys.executable, "-c", bare], check=True)
    engine_only = "import sys, engine.features, engine.symmetry, engine.sgf\nassert 'gymnasium' not in sys.modules"
    subprocess.run([sys.executable, "-c", engine_only], check=True)


# ------------------------------------------------------------------ vector envs
@pytest.mark.parametrize("context", [None, "spawn"])
def test_sync_and_async_vector_envs_agree(context):
    kwargs = dict(num_envs=2, size=5, mode="selfplay")
    sync = gym.make_vec(ENV_ID, vectorization_mode="sync", **kwargs)
    asyn = gym.make_vec(ENV_ID, vectorization_mode="async", vector_kwargs={"context": context}, **kwargs)
    try:
        o1, _ = sync.reset(seed=7)
        o2, _ = asyn.reset(seed=7)
        rng = np.random.default_rng(0)
        episodes_done = 0
        for _ in range(60):
            assert np.array_equal(o1["observation"], o2["observation"])
            assert np.array_equal(o1["action_mask"], o2["action_mask"])
            assert o1["observation"].shape == (2, 17, 5, 5)
            actions = np.array([rng.choice(np.flatnonzero(m)) if m.any() else 0 for m in o1["action_mask"]])
            o1, r1, t1, u1, i1 = sync.step(actions)
            o2, r2, t2, u2, i2 = asyn.step(actions)
            assert np.array_equal(r1, r2) and np.array_equal(t1, t2) and np.array_equal(u1, u2)
            assert list(i1["result"]) == list(i2["result"])
            episodes_done += int(t1.sum() + u1.sum())
        assert episodes_done >= 1  # autoreset exercised
    finally:
        sync.close()
        asyn.close()


def test_vector_env_in_opponent_mode():
    envs = gym.vector.SyncVectorEnv([lambda: GoEnv(size=5, agent_color="white") for _ in range(3)])
    obs, info = envs.reset(seed=[1, 2, 3])
    assert np.all(info["move_number"] == 1) and np.all(info["agent_color"] == WHITE)
    obs, reward, term, trunc, info = envs.step(np.full(3, 25))  # everyone passes
    assert obs["observation"].shape == (3, 17, 5, 5) and reward.shape == (3,)
    envs.close()


# ------------------------------------------------------------------ determinism
@pytest.mark.parametrize("mode", ["opponent", "selfplay"])
def test_same_seed_same_game(mode):
    a = rollout(GoEnv(size=5, mode=mode), seed=3, policy_seed=11)
    b = rollout(GoEnv(size=5, mode=mode), seed=3, policy_seed=11)
    assert a[-1][2] or a[-1][3]
    assert same_trajectory(a, b)


def test_different_seed_different_game():
    a = rollout(GoEnv(size=5), seed=3, policy_seed=11)
    b = rollout(GoEnv(size=5), seed=4, policy_seed=11)
    assert not same_trajectory(a, b)


def test_random_agent_colour_comes_from_the_seed():
    env = GoEnv(size=5)
    colors = {env.reset(seed=s)[1]["agent_color"] for s in range(16)}
    assert colors == {BLACK, WHITE}
    assert env.reset(seed=5)[1]["agent_color"] == env.reset(seed=5)[1]["agent_color"]


# ------------------------------------------------------------------ observations
def test_agent_plays_white_against_opponent():
    env = GoEnv(size=5, agent_color="white")
    obs, info = env.reset(seed=0)
    board = env.board
    assert info["move_number"] == 1 and board.to_play == WHITE and board.moves[0][0] == BLACK
    assert np.all(obs["observation"][16] == 0)
    assert np.array_equal(obs["observation"], encode(board, "agz17", WHITE))
    assert np.array_equal(obs["action_mask"], board.legal_mask(WHITE))
    obs, reward, term, trunc, info = env.step(int(np.flatnonzero(obs["action_mask"])[0]))
    assert info["move_number"] == 3 and env.board.to_play == WHITE and reward == 0.0


def test_selfplay_observation_is_from_the_side_to_move():
    env = GoEnv(size=5, mode="selfplay")
    obs, _ = env.reset(seed=0)
    assert np.all(obs["observation"][16] == 1)
    obs, _, _, _, info = env.step(12)
    assert np.all(obs["observation"][16] == 0) and info["to_play"] == WHITE and info["reward_color"] == BLACK
    assert obs["observation"][8].flat[12] == 1  # black's stone is the opponent's for white
    assert obs["action_mask"][12] == 0


def test_reset_from_a_given_board_copies_it():
    start = Board.from_ascii(BLACK_AHEAD, Rules(komi=0.5))
    env = GoEnv(size=5, mode="selfplay")
    env.reset(seed=0, options={"board": start})
    env.step(0)
    assert start.move_number == 0 and env.board.move_number == 1
    with pytest.raises(ValueError, match="size 5"):
        env.reset(options={"board": Board(9)})


def test_render():
    env = GoEnv(size=5, render_mode="ansi")
    env.reset(seed=0)
    text = env.render()
    assert "A B C D E" in text and text.count("\n") >= 5
    assert GoEnv(size=5).render() is None


# ------------------------------------------------------------------ illegal actions
def test_illegal_action_loses_with_reason():
    env = GoEnv(size=5, mode="selfplay")
    env.reset(seed=0)
    env.step(12)
    obs, reward, term, trunc, info = env.step(12)  # white plays on black's stone
    assert (reward, term, trunc) == (-1.0, True, False)
    assert info["illegal"] and "occupied" in info["reason"]
    assert info["winner"] == BLACK and info["result"] == "B+F" and info["reward_color"] == WHITE
    assert not obs["action_mask"].any()
    with pytest.raises(RuntimeError, match="reset"):
        env.step(0)


@pytest.mark.parametrize("action", [26, -1, 3.5])
def test_off_board_action_is_illegal(action):
    env = GoEnv(size=5, agent_color="black")
    env.reset(seed=0)
    _, reward, term, _, info = env.step(action)
    assert reward == -1.0 and term and info["illegal"]
    assert "off the board" in info["reason"] or "integer" in info["reason"]


def test_illegal_raise_option_leaves_board_unchanged():
    env = GoEnv(size=5, mode="selfplay", illegal="raise")
    env.reset(seed=0)
    env.step(12)
    with pytest.raises(IllegalMove, match="occupied"):
        env.step(12)
    assert env.board.move_number == 1
    _, reward, term, _, _ = env.step(13)
    assert reward == 0.0 and not term


@pytest.mark.parametrize("allow", [False, True])
def test_rules_are_configurable(allow):
    env = GoEnv(size=3, komi=2.5, mode="selfplay", rules=Rules(komi=2.5, allow_suicide=allow))
    _, info = env.reset(seed=0)
    assert env.board.rules == Rules(komi=2.5, allow_suicide=allow) and info["score"] == -2.5
    for a in (4, 0, 3, 9, 2):  # B b2, W a3, B a2, W pass, B c3: white a3 has one liberty, b3
        obs, *_ = env.step(a)
    assert obs["action_mask"][1] == int(allow)  # W b3 kills its own two stones
    if allow:
        env.step(1)
        assert env.board.color_at(0) == EMPTY and env.board.captures[BLACK] == 2


def test_komi_shortcut():
    _, info = GoEnv(size=5, komi=6, mode="selfplay").reset(seed=0)
    assert info["score"] == -6.0


# ------------------------------------------------------------------ rewards
@pytest.mark.parametrize("agent, expected", [(BLACK, 1.0), (WHITE, -1.0)])
def test_opponent_mode_reward_sign(agent, expected):
    env = GoEnv(size=5, opponent=always_pass)
    start = Board.from_ascii(BLACK_AHEAD, Rules(komi=0.5))
    obs, info = env.reset(seed=0, options={"board": start, "agent_color": agent})
    assert info["agent_color"] == agent
    if agent == WHITE:
        assert env.board.moves == [(BLACK, 25)]  # the opponent (black) passed first
    _, reward, term, trunc, info = env.step(25)
    assert term and not trunc and reward == expected
    assert info["winner"] == BLACK and info["result"] == "B+4.5" and info["score"] == 4.5
    assert info["reason"] == "two passes" and not info["illegal"] and info["reward_color"] == agent


@pytest.mark.parametrize(
    "komi, first, rewards", [(0.5, BLACK, (0.0, -1.0)), (0.5, WHITE, (0.0, 1.0)), (5.0, BLACK, (0.0, 0.0))]
)
def test_selfplay_reward_is_from_the_mover(komi, first, rewards):
    env = GoEnv(size=5, mode="selfplay")
    start = Board.from_ascii(BLACK_AHEAD, Rules(komi=komi), to_play=first)
    env.reset(seed=0, options={"board": start})
    _, r1, t1, _, info1 = env.step(25)
    _, r2, t2, _, info2 = env.step(25)
    assert (r1, r2) == rewards and not t1 and t2
    assert info1["reward_color"] == first and info2["reward_color"] == 3 - first
    assert info2["winner"] == (EMPTY if komi == 5.0 else BLACK)


@pytest.mark.parametrize("agent, expected", [(BLACK, 0.5 + 0.5 * 4.5 / 25), (WHITE, -0.5 - 0.5 * 4.5 / 25)])
def test_margin_reward_adds_the_score_margin(agent, expected):
    env = GoEnv(size=5, opponent=always_pass, reward="margin")
    start = Board.from_ascii(BLACK_AHEAD, Rules(komi=0.5))
    env.reset(seed=0, options={"board": start, "agent_color": agent})
    _, reward, term, _, info = env.step(25)
    assert term and info["score"] == 4.5 and reward == pytest.approx(expected)


# black's only legal moves fill its own true eyes (white's two eyes are suicide for black)
EYES_LEFT = """
. X . X O
X X X X O
O O O O O
O . O O O
O O O . O
"""


def test_sensible_pass_rule_forbids_pass_while_other_moves_are_left():
    env = GoEnv(size=5, agent_color="black", pass_rule="sensible")
    obs, info = env.reset(seed=0)
    assert obs["action_mask"][25] == 0 and info["action_mask"][24] == 1
    _, reward, term, _, info = env.step(25)
    assert term and reward == -1.0 and info["illegal"] and "pass_rule" in info["reason"]
    start = Board.from_ascii(EYES_LEFT, Rules(komi=0.5))
    obs, _ = env.reset(seed=0, options={"board": start})
    assert obs["action_mask"][25] == 1  # only its own eyes are left: pass is allowed again
    assert GoEnv(size=5, agent_color="black").reset(seed=0)[0]["action_mask"][25] == 1  # default "any"


def test_opponent_resignation_is_a_win():
    env = GoEnv(size=5, agent_color="black", opponent=lambda board, color, rng: RESIGN)
    env.reset(seed=0)
    _, reward, term, _, info = env.step(12)
    assert reward == 1.0 and term and info["reason"] == "resignation" and info["result"] == "B+R"


def test_broken_opponent_is_an_error():
    env = GoEnv(size=5, agent_color="black", opponent=lambda board, color, rng: 12)
    env.reset(seed=0)
    with pytest.raises(RuntimeError, match="opponent policy chose an illegal action"):
        env.step(12)


def test_move_cap_truncates():
    env = GoEnv(size=5, mode="selfplay", max_moves=4)
    env.reset(seed=0)
    for i, a in enumerate([0, 1, 2, 3]):
        _, reward, term, trunc, info = env.step(a)
        assert reward == 0.0 and not term and trunc == (i == 3)
    assert "move cap" in info["reason"] and info["winner"] == -1 and info["score"] == env.board.area_score()


def test_full_game_against_random_player_object():
    env = GoEnv(size=5, agent_color="white", opponent=RandomPlayer(seed=1))
    steps = rollout(env, seed=0, policy_seed=2)
    obs, reward, term, trunc, info = steps[-1]
    assert term and reward in (-1.0, 0.0, 1.0)
    assert reward == (1.0 if info["winner"] == WHITE else -1.0 if info["winner"] == BLACK else 0.0)


def test_opponent_callable_gets_env_rng():
    seen = []

    def opponent(board, color, rng):
        seen.append((color, rng))
        return random_opponent(board, color, rng)

    env = GoEnv(size=5, agent_color="black", opponent=opponent)
    env.reset(seed=0)
    env.step(12)
    assert seen == [(WHITE, env.np_random)]


def test_bad_arguments():
    with pytest.raises(ValueError, match="mode"):
        GoEnv(mode="chess")
    with pytest.raises(ValueError, match="illegal"):
        GoEnv(illegal="ignore")
    with pytest.raises(ValueError, match="render_mode"):
        GoEnv(render_mode="human")
    with pytest.raises(ValueError, match="reward"):
        GoEnv(reward="points")
    with pytest.raises(ValueError, match="pass_rule"):
        GoEnv(pass_rule="never")
    with pytest.raises(ValueError, match="opponent"):
        GoEnv(opponent=42)
    with pytest.raises(ValueError, match="color"):
        GoEnv(agent_color="green")
    with pytest.raises(KeyError):
        GoEnv(features_name="nope")
