"""selfplay/env_aec.py: PettingZoo's API and seed tests, go_v5 conventions, rewards at the end."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pettingzoo")

from pettingzoo.test import api_test, seed_test  # noqa: E402

from engine.board import BLACK, WHITE  # noqa: E402
from engine.features import encode  # noqa: E402
from selfplay.env import pettingzoo_env  # noqa: E402


def test_api_test_passes_on_9x9_for_1000_cycles():
    api_test(pettingzoo_env(size=9, komi=7.5), num_cycles=1000)


def test_seed_test_passes():
    seed_test(lambda: pettingzoo_env(size=5, komi=0.5), num_cycles=200)


def test_agents_spaces_and_first_observation_follow_go_v5():
    env = pettingzoo_env(size=5, komi=0.5)
    env.reset(seed=1)
    assert env.possible_agents == ["black_0", "white_0"]
    assert env.agent_selection == "black_0"
    obs, reward, term, trunc, info = env.last()
    assert obs["observation"].shape == (5, 5, 17)
    assert obs["action_mask"].dtype == np.int8 and obs["action_mask"].sum() == 26  # 25 points + pass
    assert env.action_space("black_0").n == 26
    assert reward == 0 and not term and not trunc
    # the other agent's mask is all zeros; its planes are from its own view (colour plane 0 for white)
    other = env.observe("white_0")
    assert other["action_mask"].sum() == 0
    assert other["observation"][..., -1].max() == 0 and obs["observation"][..., -1].min() == 1


def test_observation_is_the_feature_encoding_channels_last():
    env = pettingzoo_env(size=5, komi=0.5)
    env.reset()
    env.step(12)  # black at the centre
    obs = env.observe("white_0")
    board = env.unwrapped.board
    np.testing.assert_array_equal(obs["observation"], np.moveaxis(encode(board, "agz17", WHITE), 0, -1))
    flat = pettingzoo_env(size=5, komi=0.5, channels_last=False)
    flat.reset()
    assert flat.observe("black_0")["observation"].shape == (17, 5, 5)


def _play(env, actions):
    for a in actions:
        env.step(a)


def test_rewards_come_at_the_end_and_go_to_the_area_winner():
    env = pettingzoo_env(size=5, komi=0.5)
    env.reset()
    # black takes the centre column, white passes twice after black's second pass: black wins by area
    _play(env, [12, 25, 25])
    assert all(env.terminations.values())
    assert env.rewards == {"black_0": 1.0, "white_0": -1.0}
    assert env.unwrapped.board.winner() == BLACK
    seen = {}
    for agent in env.agent_iter():
        _, reward, term, _, info = env.last()
        seen[agent] = reward
        assert term and info["result"].startswith("B+")
        env.step(None)
    assert seen == {"white_0": -1.0, "black_0": 1.0}
    assert env.agents == []
    assert env.observe("black_0")["action_mask"].sum() == 0  # an agent that is gone still observes


def test_no_reward_before_the_end():
    env = pettingzoo_env(size=5, komi=0.5)
    env.reset()
    _play(env, [0, 1, 2])
    assert env.rewards == {"black_0": 0.0, "white_0": 0.0}
    assert not any(env.terminations.values())


def test_illegal_action_ends_the_game_with_minus_one_for_the_mover():
    env = pettingzoo_env(size=5, komi=0.5)
    env.reset()
    _play(env, [12, 12])  # white plays on black's stone
    assert all(env.terminations.values())
    assert env.rewards == {"black_0": 0.0, "white_0": -1.0}
    assert env.infos["white_0"]["illegal"]


def test_move_cap_truncates_with_zero_rewards():
    env = pettingzoo_env(size=5, komi=0.5, max_moves=3)
    env.reset()
    _play(env, [0, 1, 2])
    assert all(env.truncations.values()) and not any(env.terminations.values())
    assert env.rewards == {"black_0": 0.0, "white_0": 0.0}
