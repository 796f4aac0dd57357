"""engine/symmetry.py: the D4 group algebra on planes and action vectors, and agreement with Go."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from engine.board import Board
from engine.features import encode
from engine.player import RandomPlayer
from engine.symmetry import (
    IDENTITY,
    N_SYMMETRIES,
    action_permutation,
    apply_actions,
    apply_planes,
    compose,
    inverse,
    transform_action,
)

T = range(N_SYMMETRIES)


@pytest.fixture
def planes():
    return np.random.default_rng(0).random((2, 3, 5, 5)).astype(np.float32)


@pytest.fixture
def vectors():
    return np.random.default_rng(1).random((4, 26))


def test_named_transforms():
    x = np.arange(16).reshape(4, 4)
    assert np.array_equal(apply_planes(x, 0), x)
    assert np.array_equal(apply_planes(x, 1), np.rot90(x))
    assert np.array_equal(apply_planes(x, 2), np.rot90(x, 2))
    assert np.array_equal(apply_planes(x, 3), np.rot90(x, 3))
    assert np.array_equal(apply_planes(x, 4), np.fliplr(x))
    assert np.array_equal(apply_planes(x, 5), x.T)
    assert np.array_equal(apply_planes(x, 6), np.flipud(x))
    assert np.array_equal(apply_planes(x, 7), np.rot90(x, 2).T)


def test_all_eight_are_distinct(planes):
    images = {apply_planes(planes, t).tobytes() for t in T}
    assert len(images) == 8
    assert len({tuple(action_permutation(5, t)) for t in T}) == 8


@pytest.mark.parametrize("t", T)
def test_inverse(t, planes, vectors):
    assert np.array_equal(apply_planes(apply_planes(planes, t), inverse(t)), planes)
    assert np.array_equal(apply_actions(apply_actions(vectors, t), inverse(t)), vectors)
    assert compose(t, inverse(t)) == compose(inverse(t), t) == IDENTITY


@pytest.mark.parametrize("a, b", list(itertools.product(T, T)))
def test_composition(a, b, planes, vectors):
    c = compose(a, b)
    assert np.array_equal(apply_planes(apply_planes(planes, b), a), apply_planes(planes, c))
    assert np.array_equal(apply_actions(apply_actions(vectors, b), a), apply_actions(vectors, c))
    pa, pb, pc = (action_permutation(5, s) for s in (a, b, c))
    assert np.array_equal(pa[pb], pc)


def test_group_table():
    table = np.array([[compose(a, b) for b in T] for a in T])
    for row in table:
        assert sorted(row) == list(T)  # Latin square: each row and column a permutation
    for col in table.T:
        assert sorted(col) == list(T)
    assert list(table[IDENTITY]) == list(T) and list(table[:, IDENTITY]) == list(T)
    for a, b, c in itertools.product(T, T, T):
        assert compose(a, compose(b, c)) == compose(compose(a, b), c)
    assert [t for t in T if compose(t, t) == IDENTITY] == [0, 2, 4, 5, 6, 7]


@pytest.mark.parametrize("t", T)
def test_actions_agree_with_planes_and_pass_is_fixed(t, vectors):
    out = apply_actions(vectors, t)
    assert out.shape == vectors.shape
    assert np.array_equal(out[:, -1], vectors[:, -1])
    board_part = vectors[:, :-1].reshape(4, 5, 5)
    assert np.array_equal(out[:, :-1].reshape(4, 5, 5), apply_planes(board_part, t))
    for a in (0, 7, 24, 25):
        one_hot = np.zeros(26)
        one_hot[a] = 1
        assert np.argmax(apply_actions(one_hot, t)) == transform_action(a, t, 5)
    assert transform_action(25, t, 5) == 25


@pytest.mark.parametrize("t", T)
def test_go_is_symmetric(t):
    """Playing the transformed moves gives the transformed position and features."""
    board, mirrored = Board(7), Board(7)
    player = RandomPlayer(t)
    for _ in range(40):
        a = player.genmove(board, board.to_play)
        board.play(a)
        mirrored.play(transform_action(a, t, 7))
    assert np.array_equal(mirrored.stones(), apply_planes(board.stones(), t))
    assert np.array_equal(encode(mirrored), apply_planes(encode(board), t))
    assert np.array_equal(mirrored.legal_mask(), apply_actions(board.legal_mask(), t))


def test_results_are_new_arrays(planes):
    out = apply_planes(planes, 0)
    out[...] = -1
    assert planes.min() >= 0
    assert apply_planes(planes, 3).flags.c_contiguous


def test_bad_input():
    with pytest.raises(ValueError, match="0..7"):
        apply_planes(np.zeros((3, 3)), 8)
    with pytest.raises(ValueError, match="0..7"):
        inverse(-1)
    with pytest.raises(ValueError, match="square"):
        apply_planes(np.zeros((3, 4)), 1)
    with pytest.raises(ValueError, match="n\\*n\\+1"):
        apply_actions(np.zeros(25), 1)
