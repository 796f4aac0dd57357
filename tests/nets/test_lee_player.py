"""The AlphaGo Lee search: rollout values' perspective, the net evaluator, GTP play with a weights folder."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from engine.board import Board
from engine.config import MCTSConfig, RolloutSearchConfig
from engine.features.lee import encode_lee
from engine.rollout.policy import RolloutPolicy
from engine.search import _kernels_mcts as KM
from engine.search.lee import PolicyRolloutEvaluator, lee_mcts_config
from engine.search.mcts import MCTS, LeafBatch, MixedEvaluator
from nets.factory import build_model
from nets.lee_player import SL_FILE, VALUE_FILE, LeeNetEvaluator, LeeRolloutEvaluator, masked_softmax
from nets.presets import preset
from tests.selfplay.lee.test_rl import tiny_policy

torch.set_num_threads(1)


def tiny_value(seed: int = 0):
    torch.manual_seed(seed)
    return build_model(preset("value4x16", in_planes=49, feature_set="aglee49", filters=8))


def root_batch(board: Board) -> LeafBatch:
    return LeafBatch(
        board.pts[None].copy(),
        board.scal[None].copy(),
        board.legal_mask()[None],
        np.array([board.to_play]),
        board,
        [[]],
    )


def test_rollout_values_are_from_the_view_of_the_player_to_move():
    board = Board(5, komi=0.5)
    board.setup(black=[a for a in range(25) if a not in (0, 12, 24)])  # black owns the board; white cannot move
    ev = PolicyRolloutEvaluator(RolloutPolicy(), seed=1)
    for to_play, expected in ((2, -1.0), (1, 1.0)):
        board.to_play = to_play
        priors, values = ev(root_batch(board))
        assert values[0] == expected
        assert np.array_equal(priors[0] > 0, board.legal_mask() > 0)


def test_net_evaluator_priors_are_masked_softmax():
    board = Board(5)
    for a in (6, 7, 12):
        board.play(a)
    ev = LeeNetEvaluator(tiny_policy(), tiny_value(), symmetries=True, seed=0)
    priors, values = ev(root_batch(board))
    legal = board.legal_mask() > 0
    assert priors.shape == (1, 26) and abs(priors.sum() - 1) < 1e-5
    assert np.all(priors[0][~legal] == 0) and np.all(priors[0][legal] > 0)
    assert -1 <= values[0] <= 1


def test_lee_search_leaves_no_virtual_loss_and_counts_visits():
    cfg = lee_mcts_config(num_simulations=24, batch_size=4, expand_threshold=2)
    assert isinstance(cfg, MCTSConfig) and cfg.c_puct == 5.0 and cfg.virtual_loss == 3
    nets = LeeNetEvaluator(tiny_policy(), tiny_value())
    evaluator = MixedEvaluator(nets, PolicyRolloutEvaluator(RolloutPolicy()), 0.5)
    mcts = MCTS(cfg, evaluator, seed=0)
    board = Board(5, komi=0.5)
    done = mcts.search(board)
    assert done == 24 and mcts.pending_virtual_loss() == 0
    assert sum(c.visits for c in mcts.root_children()) == mcts.root_visits() - 1


@pytest.mark.parametrize("rollout", [RolloutPolicy(), None])
def test_fused_lee_search_gives_the_root_the_policy_net_priors(rollout):
    board = Board(5, komi=0.5)
    for a in (6, 7, 12):
        board.play(a)
    nets = LeeNetEvaluator(tiny_policy(), tiny_value(), symmetries=False)
    ev = LeeRolloutEvaluator(nets, rollout, queue_size=4, seed=0)
    assert ev.policy == ("heavy" if rollout is None else "learned")
    mcts = MCTS(MCTSConfig(rollout=RolloutSearchConfig(lam=0.5, net_visits=4)), ev, seed=0)
    assert mcts.search(board, num_simulations=200) == 200
    logits, _ = nets.evaluate_arrays(board.pts[None], board.scal[None])
    want = masked_softmax(logits, board.legal_mask()[None])[0]
    kids = mcts.root_children()
    assert np.allclose([k.prior for k in kids], [want[k.action] for k in kids], atol=1e-5)
    nodes = mcts.tree[0]
    evaluated = np.flatnonzero(nodes[KM.NETQ, : mcts.tree[4][KM.T_NODES]] == 2)
    assert len(evaluated) > 1 and sum(k.visits for k in kids) == mcts.root_visits()


@pytest.mark.parametrize("search", ["fused", "batched"])
def test_gtp_lee_pipeline_plays_legal_moves(tmp_path, search):
    from cli.main import cli
    from nets.checkpoint import save_weights
    from selfplay.expert_data import save_rollout_policy

    save_weights(tmp_path / SL_FILE, tiny_policy())
    save_weights(tmp_path / VALUE_FILE, tiny_value())
    save_rollout_policy(tmp_path / "rollout.npz", RolloutPolicy())
    commands = "boardsize 5\nclear_board\nkomi 0.5\nplay b C3\ngenmove w\ngenmove b\ngenmove w\nshowboard\nquit\n"
    args = ["gtp", "--pipeline", "lee", "--weights", str(tmp_path), "--size", "5", "--playouts", "16", "--seed", "0"]
    args += ["--expand-threshold", "2", "--device", "auto", "--lee-search", search, "--net-visits", "2"]
    res = CliRunner().invoke(cli, args, input=commands)
    assert res.exit_code == 0, res.output
    replies = [line for line in res.output.splitlines() if line.startswith(("=", "?"))]
    assert not [r for r in replies if r.startswith("?")], res.output
    moves = [r[2:].strip() for r in replies[4:7]]
    board = Board(5, komi=0.5)
    board.play_gtp("C3")
    for mv in moves:  # each reply is a legal move (or pass) in sequence
        board.play_gtp(mv)
    assert all(m and m.upper() != "RESIGN" for m in moves)


def test_net_evaluator_caches_positions_so_a_revisited_leaf_costs_no_net_call():
    calls = []
    policy = tiny_policy()
    policy.register_forward_hook(lambda mod, inp, out: calls.append(inp[0].shape[0]))
    ev = LeeNetEvaluator(policy, tiny_value(), symmetries=True, seed=0, fast=False)  # hooks: eager
    board = Board(5)
    board.play(6)
    first = ev(root_batch(board))
    second = ev(root_batch(board))
    assert calls == [1]
    np.testing.assert_array_equal(first[0], second[0])
    assert first[1][0] == second[1][0]
    board.play(7)  # a new position is evaluated
    ev(root_batch(board))
    assert calls == [1, 1]
    uncached = LeeNetEvaluator(policy, tiny_value(), seed=0, cache_size=0, fast=False)
    uncached(root_batch(board))
    uncached(root_batch(board))
    assert calls == [1, 1, 1, 1]


def test_net_evaluator_cache_overflow_keeps_the_batch_whole():
    ev = LeeNetEvaluator(tiny_policy(), tiny_value(), seed=0, cache_size=2)
    boards = []
    for a in (6, 7, 8):
        b = Board(5)
        b.play(a)
        boards.append(b)
    ev(root_batch(boards[0]))
    ev(root_batch(boards[1]))
    # a batch with one cached and one new leaf, when the new one overflows the cache
    batch = LeafBatch(
        np.stack([boards[0].pts, boards[2].pts]),
        np.stack([boards[0].scal, boards[2].scal]),
        np.stack([boards[0].legal_mask(), boards[2].legal_mask()]),
        np.array([2, 2]),
        Board(5),
        [[6], [8]],
    )
    priors, values = ev(batch)
    assert priors.shape == (2, 26) and np.allclose(priors.sum(1), 1, atol=1e-5) and len(ev.cache) <= 2


def test_policy_net_runs_only_when_the_tree_expands_the_leaf():
    policy_calls, value_calls = [], []
    policy, value = tiny_policy(), tiny_value()
    policy.register_forward_hook(lambda mod, inp, out: policy_calls.append(inp[0].shape[0]))
    value.register_forward_hook(lambda mod, inp, out: value_calls.append(inp[0].shape[0]))
    ev = LeeNetEvaluator(policy, value, seed=0, fast=False)  # forward hooks count eager calls
    board = Board(5)
    board.play(6)
    batch = root_batch(board)
    batch.expanding = np.array([False])
    priors, first = ev(batch)
    assert policy_calls == [] and value_calls == [1]
    assert np.allclose(priors[0], board.legal_mask() / board.legal_mask().sum())  # uniform, unread
    batch.expanding = np.array([True])
    priors, again = ev(batch)
    assert policy_calls == [1] and value_calls == [1] and again[0] == first[0]
    assert abs(priors.sum() - 1) < 1e-5 and not np.allclose(priors[0], board.legal_mask() / board.legal_mask().sum())


def test_device_auto_is_cuda_only_when_torch_sees_a_gpu():
    from cli.gtp_cmd import torch_device

    assert torch_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    assert torch_device("cpu") == "cpu"
    if torch.cuda.is_available():
        assert torch_device("cuda:0") == "cuda:0"
    else:  # a user mistake on this torch: one clear message, not an AssertionError deep in torch
        from engine.errors import UserError

        with pytest.raises(UserError, match="use --device cpu"):
            torch_device("cuda:1")


def test_gtp_pipeline_lee_without_weights_plays_the_shipped_folder():
    from cli.main import cli
    from nets.weights import shipped_lee

    folder, settings = shipped_lee()[9]
    assert (folder / SL_FILE).is_file() and (folder / "rollout.npz").is_file()
    assert settings.get("lee_search", "fused") == "fused"
    commands = "genmove b\ngenmove w\ngenmove b\nboardsize 5\nclear_board\ngenmove b\nquit\n"
    args = ["gtp", "--pipeline", "lee", "--size", "9", "--playouts", "64", "--seed", "0", "--device", "cpu"]
    res = CliRunner().invoke(cli, args, input=commands)
    assert res.exit_code == 0, res.output
    replies = [line for line in res.output.splitlines() if line.startswith(("=", "?"))]
    assert not [r for r in replies if r.startswith("?")], res.output
    board = Board(9)
    for reply in replies[:3]:  # legal moves of the shipped 9x9 Lee player, in sequence
        board.play_gtp(reply[2:].strip())
    assert Board(5).legal_mask().sum() > 0 and replies[5][2:].strip()  # other sizes: the rollout search


def test_the_shipped_lee_settings_reach_the_search():
    from nets.weights import shipped_lee
    from selfplay.players import player_from_options as build_player

    folder, settings = shipped_lee()[9]
    player = build_player("mcts", 0, str(folder), "lee", "cpu", **settings)
    ev = player.mcts.evaluator
    fp, ip = player.mcts._params(Board(9))
    assert ev.nets.value is not None and ev.nets.value.cfg.board_size == 9
    assert fp[KM.FP_LAMBDA] == settings["lam"] and fp[KM.FP_VALUE_EQUIV] == settings["value_visits"]
    assert ip[KM.IP_NET] == settings["net_visits"] and fp[KM.FP_CPUCT] == settings["rollout"]["c_puct"]


def test_gtp_options_reach_the_fused_lee_search(tmp_path):
    from nets.checkpoint import save_weights
    from selfplay.players import player_from_options as build_player

    save_weights(tmp_path / SL_FILE, tiny_policy())
    save_weights(tmp_path / VALUE_FILE, tiny_value())
    opts = dict(c_puct=1.4, c_puct_rollout=1.4, net_visits=5, net_batch=3, value_offset=0.25, lam=0.5, value_visits=40)
    player = build_player("mcts", 0, str(tmp_path), "lee", "cpu", **opts)
    ev = player.mcts.evaluator
    assert isinstance(ev, LeeRolloutEvaluator) and ev.policy == "heavy"  # no rollout.npz: built-in rollouts
    cfg = player.mcts.cfg
    assert cfg.rollout.c_puct == 1.4 and (cfg.rollout.net_visits, ev.queue_size, cfg.rollout.lam) == (5, 3, 0.5)
    fp, _ = player.mcts._params(Board(5))
    assert (fp[KM.FP_LAMBDA], fp[KM.FP_VALUE_EQUIV]) == (0.5, 40.0)
    board = Board(5)
    raw = ev.nets.value(torch.from_numpy(encode_lee(board, value=True)[None])).item()
    _, values = ev.evaluate_nodes(board.pts[None], board.scal[None])
    assert abs(values[0] - (raw - 0.25)) < 1e-5  # the value net's output less the offset


def test_frozen_nets_give_the_eager_nets_outputs_at_any_batch_size():
    from nets.checkpoint import load_weights
    from nets.weights import shipped_lee

    folder, _ = shipped_lee()[9]
    policy, value = (load_weights(folder / f).model for f in (SL_FILE, VALUE_FILE))
    fast, plain = (LeeNetEvaluator(policy, value, symmetries=False, fast=f) for f in (True, False))
    assert fast.run_policy is not policy and plain.run_policy is policy
    rng = np.random.default_rng(0)
    for k in (1, 5, 8):
        boards = []
        for _ in range(k):
            b = Board(9)
            for _ in range(int(rng.integers(0, 30))):
                legal = np.flatnonzero(b.legal_mask()[:-1])
                b.play(int(rng.choice(legal)))
            boards.append(b)
        pts, scal = np.stack([b.pts for b in boards]), np.stack([b.scal for b in boards])
        (lf, vf), (lp, vp) = fast.evaluate_arrays(pts, scal), plain.evaluate_arrays(pts, scal)
        assert np.abs(lf - lp).max() < 1e-3 and np.abs(vf - vp).max() < 1e-4 and np.any(vp != 0)
