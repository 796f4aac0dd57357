"""The player factory (``selfplay.players``) and the rollout search's own config section."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from dataclasses import asdict

import pytest

from engine.board import Board
from engine.config import MCTSConfig, RolloutSearchConfig
from engine.errors import UserError
from engine.player import RandomPlayer
from engine.search import _kernels_mcts as KM
from engine.search.player import MCTSPlayer
from nets.config import LeeConfig
from selfplay.config import Config, load_config, save_config
from selfplay.players import PlayerConfig, build_player, player_config


def test_rollout_search_keeps_its_own_defaults():
    cfg = MCTSConfig()
    assert (cfg.c_puct, cfg.expand_threshold) == (1.5, 1)
    assert (cfg.rollout.c_puct, cfg.rollout.expand_threshold) == (0.7, 8)
    fp, ip = MCTSPlayer(cfg, seed=0).mcts._params(Board(5))
    assert (fp[KM.FP_CPUCT], ip[KM.IP_EXPAND], fp[KM.FP_LAMBDA], ip[KM.IP_NET]) == (0.7, 8, 1.0, 0)


def test_the_search_reads_the_rollout_section_not_the_evaluator():
    cfg = MCTSConfig(rollout=RolloutSearchConfig(c_puct=1.1, expand_threshold=3, net_visits=5, lam=0.5))
    fp, ip = MCTSPlayer(cfg, seed=0).mcts._params(Board(5))
    assert (fp[KM.FP_CPUCT], ip[KM.IP_EXPAND]) == (1.1, 3)
    assert (fp[KM.FP_LAMBDA], ip[KM.IP_NET]) == (1.0, 0)  # the built-in rollouts have no nets to mix in


def test_old_rollout_keys_load_with_a_deprecation_note():
    with pytest.warns(DeprecationWarning, match="c_puct_rollout is now rollout.c_puct"):
        cfg = MCTSConfig.from_dict({"c_puct_rollout": 1.4, "expand_threshold_rollout": 4, "c_puct": 2.0})
    assert (cfg.c_puct, cfg.rollout.c_puct, cfg.rollout.expand_threshold) == (2.0, 1.4, 4)
    with pytest.raises(TypeError, match="rollout.nope"):
        MCTSConfig.from_dict({"rollout": {"nope": 1}})


def test_a_run_config_round_trips_with_the_rollout_section(tmp_path):
    cfg = Config()
    cfg = cfg.replace(mcts=MCTSConfig(rollout=RolloutSearchConfig(c_puct=0.9)))
    path = save_config(tmp_path / "config.json", cfg)
    assert json.loads(path.read_text())["mcts"]["rollout"]["c_puct"] == 0.9
    assert load_config(path) == cfg
    old = json.loads(path.read_text())
    del old["mcts"]["rollout"]
    old["mcts"]["c_puct_rollout"] = 1.2
    path.write_text(json.dumps(old))
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        assert load_config(path).mcts.rollout.c_puct == 1.2


def test_factory_builds_each_network_free_kind():
    assert isinstance(build_player(PlayerConfig("random", seed=0)), RandomPlayer)
    p = build_player(PlayerConfig("mcts", MCTSConfig(num_simulations=16), seed=0))
    assert isinstance(p, MCTSPlayer) and p.cfg.num_simulations == 16


def test_options_fill_the_config_and_kind_defaults():
    cfg = player_config("mcts", 3, num_simulations=20, rollout={"c_puct": 1.0}, num_threads=2, lam=None)
    assert cfg.search.num_simulations == 20 and cfg.search.rollout.c_puct == 1.0 and cfg.threads == 2
    assert cfg.search.c_puct == 1.5 and cfg.seed == 3
    assert player_config("mcts").search is None  # no option: the kind's own default
    lee = player_config("lee", 0, "w", lee_search="batched", net_batch=3, c_puct=None, net_visits=4, lam=0.5)
    assert lee.lee == LeeConfig(search="batched", net_batch=3) and lee.lam == 0.5
    assert lee.search.c_puct == 5.0 and lee.search.rollout.net_visits == 4  # over lee_mcts_config


def test_net_kinds_need_weights_and_bad_kinds_are_refused():
    with pytest.raises(UserError, match="needs --weights"):
        build_player(PlayerConfig("lee"))
    with pytest.raises(UserError, match="needs --weights"):
        build_player(PlayerConfig("zero"))
    with pytest.raises(ValueError, match="kind"):
        PlayerConfig("alphago")


def test_asdict_of_a_player_config_is_plain_data():
    d = asdict(PlayerConfig("mcts", MCTSConfig()))
    assert d["search"]["rollout"]["c_puct"] == 0.7 and d["lee"]["search"] == "fused"


def test_the_factory_module_does_not_import_torch():
    code = (
        "import sys; from selfplay.players import PlayerConfig, build_player; "
        "build_player(PlayerConfig('mcts')); assert 'torch' not in sys.modules, 'torch imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_zero_player_over_a_given_evaluator_mixes_rollouts_by_lam():
    from engine.search.mcts import MixedEvaluator, UniformEvaluator

    ev = UniformEvaluator()
    plain = build_player(PlayerConfig("zero", MCTSConfig(num_simulations=8), seed=0), ev)
    assert plain.evaluator is ev
    mixed = build_player(PlayerConfig("zero", MCTSConfig(num_simulations=8), lam=0.5, seed=0), ev)
    assert isinstance(mixed.evaluator, MixedEvaluator) and mixed.evaluator.lam == 0.5
    board = Board(5)
    assert board.legality(mixed.genmove(board, board.to_play)) is None


def test_gtp_search_options_reach_the_shipped_net_player():
    from cli.gtp_cmd import _engine

    search = dict(batch_size=16, resign_consecutive=2, resign_threshold=None, seconds_per_move=None, rollout=None)
    engine = _engine("mcts", 0, None, None, None, "cpu", "fp32", search, {})
    net_player = engine.by_size[9]
    assert net_player.cfg.batch_size == 16 and net_player.cfg.resign_consecutive == 2
    assert net_player.cfg.resign_threshold == MCTSConfig().resign_threshold  # None: the default stays


def test_each_board_size_gets_its_shipped_tree_policy():
    from nets.weights import shipped_tree_policy, shipped_tree_sizes
    from selfplay.players import rollout_player

    assert 19 in shipped_tree_sizes()
    player = rollout_player(seed=0, num_simulations=8)
    chosen = {}
    for size in (9, 13, 19):
        player.new_game(Board(size))
        chosen[size] = player.active.cfg.tree_policy
    assert chosen[19] == shipped_tree_policy(19) and chosen[19].endswith("tree19.npz")
    assert chosen[9] == chosen[13] == shipped_tree_policy() and chosen[9].endswith("lee9/rollout.npz")
    told = rollout_player(seed=0, tree_policy="")  # --tree-policy none: the heuristics on every size
    assert isinstance(told, MCTSPlayer) and told.cfg.tree_policy == ""


def test_the_shipped_default_plays_the_19x19_tree_policy_on_19x19_and_the_net_on_9x9():
    from cli.gtp_cmd import _engine

    search = dict(seconds_per_move=None, rollout=None, tree_policy=None)
    engine = _engine("mcts", 0, None, None, None, "cpu", "fp32", search, {})
    engine.new_game(Board(19))
    assert engine.active.active.cfg.tree_policy.endswith("tree19.npz")
    engine.new_game(Board(9))
    assert engine.active is engine.by_size[9] and engine.active.cfg.tree_policy.endswith("lee9/rollout.npz")
