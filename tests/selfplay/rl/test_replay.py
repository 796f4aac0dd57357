"""selfplay/rl/replay.py: sum tree, proportional sampling, importance weights, n-step returns."""

from __future__ import annotations

import numpy as np
import pytest

from selfplay.rl.replay import NStepBuffer, PrioritizedReplay, SumTree, nstep_return


def test_sum_tree_total_and_find():
    tree = SumTree(5)  # padded to 8 leaves
    tree.update(np.arange(5), np.array([1.0, 2.0, 3.0, 4.0, 0.5]))
    assert tree.total == pytest.approx(10.5)
    # prefix sums: [0,1) -> 0, [1,3) -> 1, [3,6) -> 2, [6,10) -> 3, [10,10.5) -> 4
    values = np.array([0.0, 0.99, 1.0, 2.99, 3.0, 5.5, 6.0, 9.99, 10.0, 10.49])
    assert tree.find(values).tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    tree.update(np.array([3, 3]), np.array([7.0, 0.0]))  # later duplicate wins, sums fixed above
    assert tree.total == pytest.approx(6.5)
    assert tree.find(np.array([5.9, 6.2])).tolist() == [2, 4]


def test_sum_tree_sampling_proportions():
    tree = SumTree(4)
    p = np.array([1.0, 2.0, 3.0, 4.0])
    tree.update(np.arange(4), p)
    rng = np.random.default_rng(0)
    idx = tree.find(rng.uniform(0, tree.total, 200_000))
    freq = np.bincount(idx, minlength=4) / len(idx)
    np.testing.assert_allclose(freq, p / p.sum(), atol=0.005)


def _filled(alpha=0.6, eps=0.0, n=4):
    rb = PrioritizedReplay(8, (1, 2, 2), 5, alpha=alpha, eps=eps)
    for i in range(n):
        rb.add(np.full((1, 2, 2), i % 2), i, float(i), 0.9, 0.0, np.zeros((1, 2, 2)), np.ones(5, bool))
    return rb


def test_prioritized_replay_proportions_and_weights():
    rb = _filled()
    td = np.array([1.0, 2.0, 3.0, 4.0])
    rb.update_priorities(np.arange(4), td)
    p = td**0.6
    probs = p / p.sum()
    rng = np.random.default_rng(1)
    counts = np.zeros(4)
    for _ in range(2000):
        b = rb.sample(32, beta=0.4, rng=rng)
        counts += np.bincount(b.idx, minlength=4)
    np.testing.assert_allclose(counts / counts.sum(), probs, atol=0.01)
    # importance weights by hand: w_i = (N P(i))^-beta / max_j (N P(j))^-beta, the max at the smallest P
    b = rb.sample(64, beta=0.7, rng=rng)
    expected = (4 * probs[b.idx]) ** -0.7 / (4 * probs.min()) ** -0.7
    np.testing.assert_allclose(b.weight, expected, rtol=1e-5)
    assert b.weight.max() <= 1.0 + 1e-6
    # the fields travel with the index
    np.testing.assert_array_equal(b.action, b.idx)
    np.testing.assert_allclose(b.reward, b.idx.astype(np.float32))


def test_new_transitions_get_max_priority_and_only_filled_slots_are_sampled():
    rb = _filled(n=3)
    rb.update_priorities(np.array([0]), np.array([5.0]))
    rb.add(np.zeros((1, 2, 2)), 3, 0.0, 0.9, 1.0, np.zeros((1, 2, 2)), np.zeros(5, bool))
    assert rb.tree.leaves(4)[3] == pytest.approx(5.0**0.6)
    b = rb.sample(256, beta=1.0, rng=np.random.default_rng(0))
    assert b.idx.max() < 4


def test_replay_save_load_round_trip(tmp_path):
    rb = _filled()
    rb.update_priorities(np.arange(4), np.array([0.5, 1, 2, 3]))
    rb.save(tmp_path / "r.npz", counters=np.array([7, 8]))
    other = PrioritizedReplay(8, (1, 2, 2), 5)
    extra = other.load(tmp_path / "r.npz")
    assert extra["counters"].tolist() == [7, 8]
    assert (other.pos, other.size, other.max_priority) == (rb.pos, rb.size, rb.max_priority)
    np.testing.assert_array_equal(other.tree.tree, rb.tree.tree)
    np.testing.assert_array_equal(other.obs, rb.obs)


@pytest.mark.parametrize(
    ("rewards", "sign", "ret", "discount"),
    [
        ([0.0, 0.0, 1.0], 1.0, 0.81, 0.729),
        ([0.0, 0.0, 1.0], -1.0, 0.81, -0.729),  # (-0.9)^2 * 1; three flips of view
        ([0.0, 1.0], -1.0, -0.9, 0.81),  # the opponent's win is our loss
        ([1.0], -1.0, 1.0, -0.9),  # n = 1 self-play: r - gamma * max Q(s')
        ([0.5, 1.0], 1.0, 1.4, 0.81),
    ],
)
def test_nstep_return_by_hand(rewards, sign, ret, discount):
    r, d = nstep_return(rewards, 0.9, sign)
    assert r == pytest.approx(ret)
    assert d == pytest.approx(discount)


def test_nstep_buffer_emits_running_terminal_and_truncated():
    buf = NStepBuffer(2, 0.5, sign=1.0)
    o = [np.full(1, i) for i in range(6)]
    m = np.ones(3, bool)
    assert buf.push(o[0], 0, 0.0, o[1], m, False, False) == []
    (t,) = buf.push(o[1], 1, 1.0, o[2], m, False, False)
    assert (t[0][0], t[1], t[2], t[3], t[4], t[5][0]) == (0, 0, 0.5, 0.25, 0.0, 2)
    out = buf.push(o[2], 2, 4.0, o[3], m, True, False)  # terminal: flush both pending steps
    assert [(x[1], x[2], x[3], x[4]) for x in out] == [(1, 3.0, 0.25, 1.0), (2, 4.0, 0.5, 1.0)]
    assert buf.push(o[3], 3, 0.0, o[4], m, False, True)[0][4] == 0.0  # truncated: bootstrap (done = 0)
    assert not buf.pending


def test_nstep_buffer_selfplay_signs():
    buf = NStepBuffer(3, 1.0, sign=-1.0)
    m = np.ones(2, bool)
    buf.push(np.zeros(1), 0, 0.0, np.zeros(1), m, False, False)
    out = buf.push(np.ones(1), 1, 1.0, np.zeros(1), m, True, False)  # the second mover wins
    assert [(x[2], x[3]) for x in out] == [(-1.0, 1.0), (1.0, -1.0)]
