"""AlphaGo Lee rollout policy: features, incremental kernels against the direct softmax, training."""

from __future__ import annotations

import numpy as np
import pytest

from engine import _kernels_rollout as KR
from engine import coords
from engine import rollout_policy as RP
from engine.board import BLACK, WHITE, Board
from engine.sgf import GameRecord


def random_board(size: int, moves: int, seed: int) -> Board:
    rng = np.random.default_rng(seed)
    b = Board(size)
    for _ in range(moves):
        legal = b.legal_moves()[:-1]
        if not legal:
            break
        b.play(int(rng.choice(legal)))
    return b


def direct_probs(policy: RP.RolloutPolicy, b: Board) -> np.ndarray:
    """Softmax over ``position_features`` computed from scratch (the definition)."""
    n = b.size
    locs = np.zeros(n * n, np.int64)
    feats = np.zeros((n * n, KR.MAX_FEATURES), np.int64)
    k = KR.position_features(b.pts.copy(), b.scal.copy(), b.to_play, False, locs, feats)
    z = np.log(policy.ew)[feats[:k]].sum(1)
    z = np.exp(z - z.max())
    by_loc = np.zeros(b.pts.shape[1])
    by_loc[locs[:k]] = z / z.sum()
    return RP.RolloutPolicy._to_actions(b, by_loc)


@pytest.mark.parametrize("seed", range(6))
def test_incremental_policy_equals_direct_softmax(seed):
    rng = np.random.default_rng(seed)
    policy = RP.RolloutPolicy(rng.normal(0, 1.5, RP.N_WEIGHTS).astype(np.float32))
    b = random_board(9, 10 + 12 * seed, seed)
    np.testing.assert_allclose(policy.probs(b), direct_probs(policy, b), atol=1e-12)


def test_tracked_play_keeps_weights_exact():
    """After many incremental moves the cached point weights equal a fresh computation."""
    rng = np.random.default_rng(7)
    policy = RP.RolloutPolicy(rng.normal(0, 1, RP.N_WEIGHTS).astype(np.float32))
    b = Board(9)
    pts, scal = b.pts.copy(), b.scal.copy()
    gw, rows, buf = KR.new_rollout_work(9)
    KR.init_rollout(pts, scal, policy.ew, gw, rows)
    state = RP.seed_rng(3)
    for _ in range(150):
        color = scal[1]
        loc = KR.sample_move(pts, scal, color, policy.ew, gw, rows, buf, state)
        if loc == 0:
            break
        KR.play_tracked(pts, scal, b.zob, loc, color, policy.ew, gw, rows, buf)
        gw2, rows2, _ = KR.new_rollout_work(9)
        KR.init_rollout(pts, scal, policy.ew, gw2, rows2)
        np.testing.assert_allclose(gw[:2], gw2[:2], rtol=1e-12)
        np.testing.assert_allclose(rows, rows2, rtol=1e-9, atol=1e-9)
        assert not buf[2].any()


def test_features_of_a_response():
    b = Board(9)
    b.play_gtp("E5", BLACK)
    locs = np.zeros(81, np.int64)
    feats = np.zeros((81, KR.MAX_FEATURES), np.int64)
    k = KR.position_features(b.pts.copy(), b.scal.copy(), WHITE, True, locs, feats)
    by_action = {coords.to_gtp(b._action(int(loc)), 9): set(feats[i].tolist()) for i, loc in enumerate(locs[:k])}
    assert "E5" not in by_action and len(by_action) == 80
    assert KR.F_RESPONSE in by_action["E6"] and KR.F_NEIGHBOUR + 1 in by_action["E6"]  # N of E5
    assert KR.F_RESPONSE in by_action["E7"]
    assert not any(KR.F_NEIGHBOUR <= f < KR.F_NEIGHBOUR + 8 for f in by_action["E7"])
    assert KR.F_RESPONSE not in by_action["E8"]
    assert KR.F_DIST1 + 3 - 1 in by_action["E8"]  # distance 3 to the previous move


def test_save_atari_and_eye_rules():
    b = Board.from_ascii(
        """
        . X O . .
        . O X . .
        . . . . .
        . . . . .
        . . . . .
        """,
        to_play=BLACK,
    )
    b.play_gtp("A4", BLACK)  # ataris white B4: its one liberty is B3, where white saves it
    locs = np.zeros(25, np.int64)
    feats = np.zeros((25, KR.MAX_FEATURES), np.int64)
    k = KR.position_features(b.pts.copy(), b.scal.copy(), WHITE, False, locs, feats)
    got = {coords.to_gtp(b._action(int(loc)), 5): set(feats[i].tolist()) for i, loc in enumerate(locs[:k])}
    assert b.liberties(coords.from_gtp("B4", 5)) == 1
    assert KR.F_SAVE_ATARI in got["B3"]
    eye = Board.from_ascii(
        """
        . X . . .
        X . . . .
        . . . . .
        . . . . .
        . . . . .
        """
    )
    assert not KR.allowed(eye.pts, eye.scal, eye._loc(0), BLACK)  # own eye
    assert not KR.allowed(eye.pts, eye.scal, eye._loc(0), WHITE)  # suicide
    assert KR.allowed(eye.pts, eye.scal, eye._loc(6), BLACK)


def test_rollouts_are_reproducible_and_end():
    policy = RP.RolloutPolicy()
    b = Board(9)
    r1 = policy.rollouts(b, 20, RP.seed_rng(5))
    r2 = policy.rollouts(b, 20, RP.seed_rng(5))
    assert r1 == r2 and 0 < r1[2] < 20 * 3 * 81
    big = policy.rollouts(Board(19), 2, RP.seed_rng(1))
    assert big[2] > 200


def test_training_learns_a_preferred_move_and_round_trips():
    # games where black always answers a white move with the point right below it
    recs = []
    rng = np.random.default_rng(0)
    for _ in range(12):
        b = Board(9)
        moves = []
        for _ in range(8):
            legal = [a for a in b.legal_moves()[:-1] if a + 9 < 81 and b.is_legal(a + 9, BLACK) and a != a + 9]
            wmove = int(rng.choice(legal))
            b.play(int(rng.choice([m for m in b.legal_moves()[:-1] if m != wmove and m != wmove + 9])), BLACK)
            if not b.is_legal(wmove) or not b.is_legal(wmove + 9, BLACK) or wmove + 9 == wmove:
                break
            b.play(wmove, WHITE)
            if not b.is_legal(wmove + 9, BLACK):
                break
            b.play(wmove + 9, BLACK)
            moves = list(b.moves)
        recs.append(GameRecord(size=9, moves=moves))
    ex = RP.examples_from_records(recs)
    assert len(ex) > 50
    w = RP.fit_softmax(ex.without_tree_features(), steps=150, lr=0.2)
    assert w[KR.F_NEIGHBOUR + 6] > 1.0  # "S of the previous move"
    assert RP.top1_accuracy(w, ex.without_tree_features()) > 0.4
    pol = RP.RolloutPolicy(w, w)
    again = RP.RolloutPolicy.from_bytes(pol.to_bytes())
    np.testing.assert_array_equal(again.weights, w)
    tp = again.tree_probs(random_board(9, 6, 1))
    assert abs(tp.sum() - 1) < 1e-9


def tree_feats(b: Board, tree: bool) -> dict[int, set[int]]:
    n = b.size
    locs = np.zeros(n * n, np.int64)
    feats = np.zeros((n * n, KR.MAX_FEATURES), np.int64)
    k = KR.position_features(b.pts.copy(), b.scal.copy(), b.to_play, tree, locs, feats)
    return {int(locs[i]): set(int(f) for f in feats[i]) - {KR.F_PAD} for i in range(k)}


def test_tree_policy_has_the_12_point_diamond_of_the_move():
    b = Board(9)
    for v in ("E5", "C3", "G7"):
        b.play_gtp(v)
    tree, rollout = tree_feats(b, True), tree_feats(b, False)
    diamond = {loc: [f for f in fs if f >= KR.NONRESP12_BASE] for loc, fs in tree.items()}
    assert all(len(d) == 1 and KR.NONRESP12_BASE <= d[0] < KR.N_WEIGHTS for d in diamond.values())
    assert not any(f >= KR.NONRESP12_BASE for fs in rollout.values() for f in fs)
    by_vertex = {coords.to_gtp(b._action(loc), 9): d[0] for loc, d in diamond.items()}
    # C7 and G3: all 12 diamond points on the board and empty, so the same pattern
    assert by_vertex["C7"] == by_vertex["G3"]
    # E7 sees the E5 stone two points below it; C1 sees the edge
    assert len({by_vertex["C7"], by_vertex["E7"], by_vertex["C1"]}) == 3


def test_old_rollout_files_load_with_the_tree_diamond_weights_zero():
    import io

    w = np.random.default_rng(0).normal(0, 1, KR.N_WEIGHTS_V1).astype(np.float32)
    buf = io.BytesIO()
    np.savez_compressed(buf, weights=w, tree_weights=w, n_weights=np.array(KR.N_WEIGHTS_V1))
    policy = RP.RolloutPolicy.from_bytes(buf.getvalue())
    assert policy.weights.shape == (KR.N_WEIGHTS,)
    np.testing.assert_array_equal(policy.weights[: KR.N_WEIGHTS_V1], w)
    assert not policy.weights[KR.N_WEIGHTS_V1 :].any() and not policy.tree_weights[KR.N_WEIGHTS_V1 :].any()
    buf = io.BytesIO()
    np.savez_compressed(buf, weights=w[:100], n_weights=np.array(100))
    with pytest.raises(ValueError, match="100 features"):
        RP.RolloutPolicy.from_bytes(buf.getvalue())
