"""SL policy trainer: expert positions, augmentation, the loss, the CLI, exact resume."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from engine.board import Board
from engine.sgf import board_to_record
from engine.symmetry import N_SYMMETRIES, apply_planes
from selfplay.lee.data import augment, expert_positions, load_expert_positions
from selfplay.lee.sl import SLConfig, policy_loss, top1, train_sl
from selfplay.records import load_sgf_folder, write_sgf_file

torch.set_num_threads(1)


def write_random_games(folder, games: int = 6, size: int = 5, seed: int = 0, opening: int = 2, max_moves: int = 30):
    """Random non-eye-filling games written as SGF, each marked ``random_opening=opening``."""
    rng = np.random.default_rng(seed)
    for g in range(games):
        board = Board(size, komi=0.5)
        while not board.is_over and board.move_number < max_moves:
            moves = [a for a in board.legal_moves() if a != board.pass_action and not board.is_eye(a, board.to_play)]
            board.play(int(rng.choice(moves)) if moves else board.pass_action)
        rec = board_to_record(board, game_comment=f"random_opening={opening}")
        write_sgf_file(folder / f"g{g}.sgf", rec)
    return folder


@pytest.fixture(scope="module")
def games5(tmp_path_factory):
    return write_random_games(tmp_path_factory.mktemp("games5"))


def test_expert_positions_skip_opening_and_passes(games5):
    records, _ = load_sgf_folder(games5)
    data = expert_positions(records)
    expected = sum(sum(1 for _, a in r.moves[2:] if a != 25) for r in records)
    assert len(data) == expected
    assert data.planes.shape[1:] == (48, 5, 5) and data.planes.dtype == np.uint8
    assert np.all(data.legal[np.arange(len(data)), data.target] == 1)  # the expert move is legal
    with_passes = expert_positions(records, skip_passes=False)
    assert len(with_passes) >= len(data)


def test_augment_maps_planes_legal_and_action_together(games5):
    data = load_expert_positions(games5)
    rows = np.arange(8)
    for t in range(N_SYMMETRIES):
        x, legal, acts = augment(data.planes[rows], data.legal[rows], data.target[rows], np.full(8, t))
        onehot = np.zeros((8, 1, 5, 5), np.float32)
        onehot.reshape(8, 25)[np.arange(8), data.target[rows]] = 1
        moved = apply_planes(onehot, t).reshape(8, 25)
        assert np.array_equal(moved.argmax(1), acts)
        assert np.array_equal(apply_planes(data.legal[rows, :25].reshape(8, 5, 5), t).reshape(8, 25), legal[:, :25])
        assert np.array_equal(x, apply_planes(data.planes[rows].astype(np.float32), t))


def test_policy_loss_matches_hand_computation():
    logits = torch.tensor([[1.0, 2.0, 3.0], [0.5, 0.0, -1.0]])
    legal = torch.tensor([[1, 1, 0], [1, 1, 1]])
    acts = torch.tensor([1, 2])
    p0 = np.exp(2.0) / (np.exp(1.0) + np.exp(2.0))
    p1 = np.exp(-1.0) / (np.exp(0.5) + np.exp(0.0) + np.exp(-1.0))
    assert policy_loss(logits, legal, acts).item() == pytest.approx(-(np.log(p0) + np.log(p1)) / 2, rel=1e-6)
    assert top1(logits, legal, acts) == 0.5  # row 0: best legal is 1 (hit); row 1: best is 0 (miss)


def test_cli_sl_smoke(games5, tmp_path):
    from cli.main import cli

    out = tmp_path / "sl"
    args = ["train", "sl", "--data", str(games5), "--out", str(out), "--preset", "policy4x16", "--filters", "8"]
    res = CliRunner().invoke(cli, [*args, "--steps", "3", "--batch", "4", "--eval-every", "2"])
    assert res.exit_code == 0, res.output
    assert (out / "weights.safetensors").is_file() and (out / "checkpoint.pt").is_file()
    rows = list(csv.DictReader((out / "log.csv").open()))
    assert rows[-1]["step"] == "3" and 0.0 <= float(rows[-1]["heldout_top1"]) <= 1.0


def test_resume_is_exact(games5, tmp_path):
    cfg = SLConfig(preset="policy4x16", filters=8, steps=4, batch_size=4, lr=0.05, momentum=0.9, log_every=1)
    straight = train_sl(cfg, games5, tmp_path / "a")
    train_sl(cfg, games5, tmp_path / "b", stop_at=2)
    resumed = train_sl(cfg, games5, tmp_path / "b")
    assert straight.step == resumed.step == 4
    from nets.checkpoint import load_weights

    wa = load_weights(straight.weights).model.state_dict()
    wb = load_weights(resumed.weights).model.state_dict()
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
