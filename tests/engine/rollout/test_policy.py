"""AlphaGo Lee rollout policy: features, incremental kernels against the direct softmax, training."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine import coords
from engine.board import BLACK, WHITE, Board
from engine.rollout import _kernels_rollout as KR
from engine.rollout import policy as RP
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


def eye_space_board(white: list[str], black: list[str], last_white: str) -> Board:
    """White stones set up, then white's ``last_white`` played, so black is to move after it."""
    b = Board(7)
    b.setup(black=[coords.from_gtp(v, 7) for v in black], white=[coords.from_gtp(v, 7) for v in white])
    b.to_play = WHITE
    b.play_gtp(last_white)
    return b


def nakade_moves(b: Board) -> list[str]:
    return [coords.to_gtp(b._action(loc), 7) for loc, fs in tree_feats(b, False).items() if KR.F_NAKADE in fs]


# white walls around a row-4 eye space on 7x7: B4..F4 are the candidates, row 3 and row 5 closed
WALL = ["A3", "B3", "C3", "D3", "E3", "F3", "G3", "A5", "B5", "C5", "D5", "E5", "F5", "G5", "A4"]


def test_nakade_is_the_vital_point_of_a_small_eye_space():
    # straight three B4-C4-D4 closed by white's last move E4: the middle point
    assert nakade_moves(eye_space_board(WALL + ["F4", "G4"], [], "E4")) == ["C4"]
    # the same eye space after a white move that does not touch it (E4 and F4 stand between)
    assert nakade_moves(eye_space_board(WALL + ["E4", "F4"], [], "G4")) == []


def test_nakade_shapes_and_non_shapes():
    # bent three in the corner: A1, B1, A2 bordered by white C1, B2, A3 (last move B2): vital A1
    b = Board(7)
    b.setup(white=[coords.from_gtp(v, 7) for v in ("C1", "A3")])
    b.to_play = WHITE
    b.play_gtp("B2")
    assert nakade_moves(b) == ["A1"]
    # pyramid four A1, B1, C1 and B2, closed by white's D2... not adjacent: no feature
    b = Board(7)
    b.setup(white=[coords.from_gtp(v, 7) for v in ("D1", "C2", "A2", "B3")])
    b.to_play = WHITE
    b.play_gtp("D2")  # touches nothing of the region: no feature
    assert nakade_moves(b) == []
    b.undo()
    b.to_play = WHITE
    b.play_gtp("A3")  # not adjacent either (A2 is white)
    assert nakade_moves(b) == []
    b = Board(7)
    b.setup(white=[coords.from_gtp(v, 7) for v in ("D1", "C2", "A2")])
    b.to_play = WHITE
    b.play_gtp("B3")  # closes the pyramid four: its centre B1
    assert nakade_moves(b) == ["B1"]
    # straight four A1-D1 under white A2-D2 + E1: two middle points tie, so no vital point
    b = Board(7)
    b.setup(white=[coords.from_gtp(v, 7) for v in ("A2", "B2", "C2", "D2")])
    b.to_play = WHITE
    b.play_gtp("E1")
    assert nakade_moves(b) == []
    # a black stone on the border: not white's eye space
    b = Board(7)
    b.setup(white=[coords.from_gtp(v, 7) for v in ("A2", "B2")], black=[coords.from_gtp("C2", 7)])
    b.to_play = WHITE
    b.play_gtp("D1")
    assert nakade_moves(b) == []
    b.undo()  # with white on C2 the same three points are white's eye space: the middle B1
    b.setup(white=[coords.from_gtp("C2", 7)])
    b.to_play = WHITE
    b.play_gtp("D1")
    assert nakade_moves(b) == ["B1"]


def test_nakade_weight_reaches_the_incremental_rollout_policy():
    w = np.zeros(RP.N_WEIGHTS, np.float32)
    w[KR.F_NAKADE] = 5.0
    policy = RP.RolloutPolicy(w)
    b = eye_space_board(WALL + ["F4", "G4"], [], "E4")
    probs = policy.probs(b)
    np.testing.assert_allclose(probs, direct_probs(policy, b), atol=1e-12)
    assert int(np.argmax(probs)) == coords.from_gtp("C4", 7)


def test_fine_tuning_starts_from_the_given_weights_and_is_pulled_back_to_them(tmp_path):
    from selfplay.expert_data import load_rollout_policy, train_rollout_policy

    shipped = Path(__file__).parents[3] / "nets" / "weights" / "lee9" / "rollout.npz"
    games = Path(__file__).parents[2] / "data" / "gnugo9"
    start = load_rollout_policy(shipped)
    tuned = tmp_path / "tuned.npz"
    fresh = tmp_path / "fresh.npz"
    # a strong pull keeps the fine-tuned weights near the start; the same pull without a start
    # keeps them near zero: the penalty is centred on the start
    figures = train_rollout_policy(games, tuned, steps=20, l2=10.0, init=shipped, log=lambda _: None)
    train_rollout_policy(games, fresh, steps=20, l2=10.0, log=lambda _: None)
    tuned_p, fresh_p = load_rollout_policy(tuned), load_rollout_policy(fresh)
    assert np.abs(tuned_p.tree_weights - start.tree_weights).max() < 0.25
    assert np.abs(fresh_p.tree_weights).max() < 0.25 < np.abs(start.tree_weights).max()
    assert figures["tree_top1_train"] > 0.2  # the shipped policy's skill survives the short run


def test_the_19x19_tree_policy_predicts_held_out_19x19_games_better_than_the_9x9_one(tmp_path):
    """``--test``: figures on the games of another folder (real GNU Go 19x19 games, unseen by tree19)."""
    import tarfile

    from selfplay.expert_data import _expert_examples, load_rollout_policy, train_rollout_policy

    root = Path(__file__).parents[3]
    with tarfile.open(root / "training" / "gnugo19" / "games.tar.xz") as tar:
        tar.extractall(tmp_path, filter="data")
    test_dir = tmp_path / "gnugo19"
    games = Path(__file__).parents[2] / "data" / "gnugo9"
    figures = train_rollout_policy(games, tmp_path / "p.npz", steps=2, test_dir=test_dir, log=lambda _: None)
    assert figures["test_games"] == 40 and figures["test_dir_positions"] > 8000
    assert 0 < figures["tree_top1_test_dir"] <= figures["tree_top5_test_dir"] <= 1
    assert figures["tree_mean_log_p_test_dir"] < 0
    ex, _ = _expert_examples(test_dir)
    nine = load_rollout_policy(root / "nets" / "weights" / "lee9" / "rollout.npz").tree_weights
    nineteen = load_rollout_policy(root / "nets" / "weights" / "tree19.npz").tree_weights
    by_nine, by_nineteen = RP.prediction_figures(nine, ex), RP.prediction_figures(nineteen, ex)
    assert by_nine["top1"] == RP.top1_accuracy(nine, ex)
    assert by_nineteen["top1"] > by_nine["top1"] + 0.03 and by_nineteen["mean_log_p"] > by_nine["mean_log_p"]
