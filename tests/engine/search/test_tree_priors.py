"""The fused rollout search with a trained tree policy as priors (AlphaGo Lee's ``p_tau``).

Uses the shipped 9x9 rollout policy (``nets/weights/lee9/rollout.npz``) and real GNU Go games.
"""

from pathlib import Path

import numpy as np
import pytest

from engine.board import Board
from engine.config import MCTSConfig
from engine.errors import UserError
from engine.rollout import _kernels_rollout as KR
from engine.rollout.policy import RolloutPolicy
from engine.search import _kernels_mcts as KM
from engine.search.evaluators import load_tree_policy, rollout_evaluator
from engine.search.mcts import MCTS
from engine.sgf import record_to_board
from selfplay.records import load_sgf_folder

ROOT = Path(__file__).parents[3]
TREE_FILE = ROOT / "nets" / "weights" / "lee9" / "rollout.npz"
GAMES = ROOT / "tests" / "data" / "gnugo9"
SMALL = dict(max_nodes=20_000, max_edges=400_000)


def game_positions(every: int = 7) -> list[Board]:
    records, _ = load_sgf_folder(GAMES)
    boards = []
    for rec in records[:4]:
        for k in range(0, len(rec.moves), every):
            board = record_to_board(rec, moves=k)
            if not board.is_over:
                boards.append(board)
    assert len(boards) > 10
    return boards


def kernel_priors(policy: RolloutPolicy, board: Board) -> np.ndarray:
    n = board.size
    out = np.zeros(n * n + 1)
    locs = np.zeros(n * n, np.int64)
    feats = np.zeros((n * n, KR.MAX_FEATURES), np.int64)
    KR.tree_priors(board.pts.copy(), board.scal.copy(), board.legal_mask(), policy.tree_ew, locs, feats, out)
    return out


def test_tree_priors_are_the_tree_policy_on_its_moves_and_a_floor_elsewhere():
    policy = load_tree_policy(str(TREE_FILE))
    for board in game_positions():
        n = board.size
        pri = kernel_priors(policy, board)
        probs = policy.tree_probs(board)
        legal = board.legal_mask().astype(bool)
        assert np.all(pri[~legal] == 0) and np.all(pri[legal] > 0)
        considered = probs[: n * n] > 0
        assert np.all(legal[: n * n][considered])
        got = pri[: n * n][considered] / pri[: n * n][considered].sum()
        np.testing.assert_allclose(got, probs[: n * n][considered], rtol=1e-9)
        others = legal.copy()
        others[: n * n][considered] = False  # pass and the moves the policy never plays
        low = pri[: n * n][considered].min()
        np.testing.assert_allclose(pri[others], KR.TREE_FLOOR * low)


def test_the_search_expands_nodes_with_the_tree_priors():
    cfg = MCTSConfig(tree_policy=str(TREE_FILE), num_simulations=600, **SMALL)
    ev = rollout_evaluator(cfg, seed=3)
    assert ev.priors_id() == KM.PRIORS_TREE
    board = game_positions()[5]
    mcts = MCTS(cfg, ev, seed=3)
    assert mcts.search(board) == 600
    children = mcts.root_children()
    want = kernel_priors(ev.tree_policy, board)
    want /= want.sum()
    assert len(children) == int(board.legal_mask().sum())
    for child in children:
        assert child.prior == pytest.approx(want[child.action], rel=1e-6)
    assert sum(c.visits for c in children) == 600  # the fused search expands the root without a simulation
    # an expanded node below the root got tree priors too: its largest prior is the policy's favourite
    nodes, _, ef, ei, tinfo = mcts.tree
    best = max(children, key=lambda c: c.visits)
    child = mcts._child(mcts.root, best.action)
    assert nodes[KM.FIRST, child] >= 0
    below = board.copy()
    below.play(best.action)
    first, nch = nodes[KM.FIRST, child], nodes[KM.NCH, child]
    top = ei[KM.EACT, first + np.argmax(ef[KM.PRIOR, first : first + nch])]
    assert top == int(np.argmax(kernel_priors(ev.tree_policy, below)))


def test_same_seed_same_search_and_the_priors_change_the_search():
    board = game_positions()[3]

    def visits(**kw):
        cfg = MCTSConfig(num_simulations=400, **SMALL, **kw)
        mcts = MCTS(cfg, rollout_evaluator(cfg, seed=5), seed=5)
        mcts.search(board)
        return {c.action: c.visits for c in mcts.root_children()}

    tree = visits(tree_policy=str(TREE_FILE))
    assert tree == visits(tree_policy=str(TREE_FILE))
    assert tree != visits()


def test_unreadable_or_treeless_policy_files_are_user_errors(tmp_path):
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip file")
    with pytest.raises(UserError, match="not a rollout policy file"):
        load_tree_policy(str(junk))
    treeless = tmp_path / "rollout_only.npz"
    treeless.write_bytes(RolloutPolicy(load_tree_policy(str(TREE_FILE)).weights).to_bytes())
    with pytest.raises(UserError, match="no tree weights"):
        load_tree_policy(str(treeless))
    with pytest.raises(UserError):
        rollout_evaluator(MCTSConfig(tree_policy=str(tmp_path / "missing.npz")))
