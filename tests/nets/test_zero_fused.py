"""The fused zero search: a Zero net on the busy nodes of the compiled rollout search."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from engine import _kernels as K
from engine.board import Board
from engine.config import MCTSConfig, RolloutSearchConfig
from engine.features import encode
from engine.search import _kernels_mcts as KM
from engine.search.mcts import MCTS
from nets.checkpoint import save_weights
from nets.evaluator import TorchEvaluator
from nets.factory import build_model
from nets.presets import preset
from nets.zero_fused import ZeroRolloutEvaluator


def tiny_zero(size: int = 5, feature_set: str = "agz17"):
    torch.manual_seed(0)
    planes = 18 if feature_set == "agz17k" else 17
    return build_model(preset("b2c16", board_size=size, in_planes=planes, feature_set=feature_set))


class Recording(ZeroRolloutEvaluator):
    """The real evaluator, keeping what each net call was given."""

    calls: list

    def evaluate_nodes(self, pts, scal, boards=None):
        self.calls = getattr(self, "calls", []) + [(pts.copy(), scal.copy(), [b.copy() for b in boards])]
        return super().evaluate_nodes(pts, scal, boards)


def opened(size: int = 5, komi: float = 0.5) -> Board:
    board = Board(size, komi=komi)
    for a in (6, 7, 12, 8):
        board.play(a)
    return board


def test_each_queued_node_reaches_the_net_as_its_position_with_the_game_history():
    board = opened()
    ev = Recording(TorchEvaluator(tiny_zero(), symmetries=False), queue_size=4, seed=0)
    mcts = MCTS(MCTSConfig(rollout=RolloutSearchConfig(lam=0.5, net_visits=3, expand_threshold=2)), ev, seed=0)
    assert mcts.search(board, num_simulations=300) == 300
    assert len(ev.calls) > 3
    w = board.size + 1
    for pts, scal, boards in ev.calls:
        for i, b in enumerate(boards):
            assert np.array_equal(b.pts[K.STONES], pts[i, K.STONES])  # the kernel's queued position
            assert b.to_play == scal[i, K.TO_PLAY]
            assert b.moves[: len(board.moves)] == board.moves  # the game's moves, then the tree's
            assert len(b.position_history(8)) == min(8, len(b.moves) + 1)
    deep = max((b for _, _, bs in ev.calls for b in bs), key=lambda b: len(b.moves))
    grid = deep.pts[K.STONES, w + 1 : w + 1 + board.size * w].reshape(board.size, w)[:, : board.size]
    assert np.array_equal(deep.stones(), grid) and len(deep.moves) > len(board.moves) + 1


def test_the_root_gets_the_net_priors_and_evaluated_nodes_carry_its_values():
    board = opened()
    net = TorchEvaluator(tiny_zero(), symmetries=False)
    ev = ZeroRolloutEvaluator(net, queue_size=4, seed=0)
    mcts = MCTS(MCTSConfig(rollout=RolloutSearchConfig(lam=0.5, net_visits=3)), ev, seed=0)
    mcts.search(board, num_simulations=200)
    want, _ = net.evaluate_boards([board])
    kids = mcts.root_children()
    got = np.array([k.prior for k in kids])
    assert np.allclose(got, [want[0, k.action] for k in kids], atol=1e-5)
    nodes, ef = mcts.tree[0], mcts.tree[2]
    assert np.count_nonzero(nodes[KM.NETQ, : mcts.tree[4][KM.T_NODES]] == 2) > 1
    assert np.count_nonzero(ef[KM.VN]) > 0  # value-net statistics were backed up


def test_the_komi_plane_sees_the_game_komi():
    board = opened(komi=-7.5)
    ev = Recording(TorchEvaluator(tiny_zero(feature_set="agz17k"), symmetries=False), queue_size=2, seed=0)
    MCTS(MCTSConfig(rollout=RolloutSearchConfig(net_visits=2)), ev, seed=0).search(board, num_simulations=60)
    seen = [b for _, _, boards in ev.calls for b in boards]
    assert seen and all(b.komi == -7.5 for b in seen)
    assert not np.array_equal(encode(seen[0], "agz17k")[-1], encode(opened(), "agz17k")[-1])


def test_no_boards_is_refused():
    ev = ZeroRolloutEvaluator(TorchEvaluator(tiny_zero()), seed=0)
    with pytest.raises(ValueError, match="boards"):
        ev.evaluate_nodes(opened().pts[None], opened().scal[None])


def test_gtp_zero_search_fused_plays_legal_moves_with_the_options_in_force(tmp_path):
    from cli.main import cli
    from selfplay.players import player_from_options

    save_weights(tmp_path / "net.safetensors", tiny_zero())
    player = player_from_options("mcts", 0, str(tmp_path / "net.safetensors"), None, zero_search="fused",
                                 net_visits=5, net_batch=3, prior_temperature=2.0, lam=0.25)  # fmt: skip
    ev, cfg = player.mcts.evaluator, player.mcts.cfg
    assert isinstance(ev, ZeroRolloutEvaluator) and (ev.queue_size, ev.temperature) == (3, 2.0)
    assert (cfg.rollout.net_visits, cfg.rollout.lam) == (5, 0.25)
    commands = "boardsize 5\nclear_board\nkomi 0.5\nplay b C3\ngenmove w\ngenmove b\ngenmove w\nquit\n"
    args = ["gtp", "--weights", str(tmp_path / "net.safetensors"), "--size", "5", "--playouts", "64"]
    args += ["--seed", "0", "--zero-search", "fused", "--net-visits", "2", "--device", "cpu"]
    res = CliRunner().invoke(cli, args, input=commands)
    assert res.exit_code == 0, res.output
    replies = [line for line in res.output.splitlines() if line.startswith(("=", "?"))]
    assert not [r for r in replies if r.startswith("?")], res.output
    board = Board(5, komi=0.5)
    board.play_gtp("C3")
    for mv in [r[2:].strip() for r in replies[4:7]]:
        board.play_gtp(mv)  # each reply is legal in sequence
