"""KataGo's auxiliary targets in the Zero pipeline: shards, window, losses, growing window."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from engine.board import BLACK
from engine.sgf import record_to_board
from selfplay.records import read_sgf_file
from selfplay.zero.shards import count_positions, load_window, read_shard, shard_name, write_shard
from selfplay.zero.train import aux_loss, train, window_size
from selfplay.zero.worker import run_selfplay
from tests.selfplay.zero.helpers import tiny_config, with_train


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


def shard(folder, g, n=6, aux=True, seed=0):
    rng = np.random.default_rng(seed)
    pi = rng.random((n, 26)).astype(np.float32)
    planes = rng.integers(0, 2, (n, 17, 5, 5))
    extra = {}
    if aux:  # learnable: the stones on the board now
        own = (planes[:, 0] - planes[:, 8]).reshape(n, 25)
        extra = dict(own=own, score=own.sum(1) + rng.normal(0, 1, n))
    write_shard(
        folder / "shards" / shard_name(0, g),
        planes,
        pi / pi.sum(1, keepdims=True),
        rng.choice([-1, 1], n),
        np.ones(n),
        {"feature_set": "agz17"},
        **extra,
    )


def test_window_marks_rows_with_targets_and_old_shards_still_load(tmp_path):
    shard(tmp_path, 0, aux=False)
    assert load_window(tmp_path / "shards", 100).own is None
    shard(tmp_path, 1, aux=True)
    w = load_window(tmp_path / "shards", 100)
    assert w.own.shape == (12, 25) and w.aux.tolist() == [False] * 6 + [True] * 6
    assert not w.own[:6].any() and np.array_equal(w.own[6:], read_shard(w.files[1])["own"])
    assert count_positions(tmp_path / "shards") == 12


def test_compiled_selfplay_writes_ownership_and_score_from_the_mover_view(tmp_path):
    cfg = tiny_config(games=2, games_per_worker_batch=2)
    run_selfplay(cfg, tmp_path, progress=False)
    for path in sorted((tmp_path / "shards").iterdir()):
        d = read_shard(path)
        if d["meta"]["resigned"]:
            assert "own" not in d
            continue
        board = record_to_board(read_sgf_file(tmp_path / "sgf" / path.name.replace(".npz", ".sgf")))
        sign = np.where(d["to_play"] == BLACK, 1, -1)
        assert np.array_equal(d["own"], board.ownership()[None, :] * sign[:, None])
        np.testing.assert_allclose(d["score"], board.area_score() * sign)


def test_aux_loss_by_hand():
    own_logits = torch.tensor([[0.0, 2.0], [1.0, -1.0]])
    score = torch.tensor([0.5, 0.0])
    own_t = torch.tensor([[1.0, -1.0], [0.0, 0.0]])
    o, s = aux_loss(own_logits, score, own_t, torch.tensor([4.0, 8.0]), torch.tensor([True, False]), 4)
    p = torch.sigmoid(torch.tensor(2.0))
    want = (-torch.log(torch.tensor(0.5)) - torch.log(1 - p)) / 2  # row 0 only: targets 1 and 0
    assert o.item() == pytest.approx(want.item(), rel=1e-6)
    assert s.item() == pytest.approx((0.5 - 1.0) ** 2)
    assert aux_loss(own_logits, score, own_t, score, torch.tensor([False, False]), 4) == (None, None)


def test_training_with_heads_lowers_the_aux_losses_and_without_targets_skips_them(tmp_path):
    for g in range(2):
        shard(tmp_path, g, n=8, seed=g)
    kw = dict(steps=40, lr=0.01, lr_schedule="constant", optimizer="adamw", lr_milestones=())
    kw.update(score_weight=10.0, ownership_weight=5.0)
    cfg = with_train(tiny_config(), **kw)
    cfg = replace(cfg, net=replace(cfg.net, ownership_head=True, score_head=True, global_pool_every=1))
    train(cfg, tmp_path)
    rows = (tmp_path / "train" / "log.csv").read_text().splitlines()
    head = rows[0].split(",")
    table = [dict(zip(head, r.split(","), strict=True)) for r in rows[1:]]

    def mean(key, part):
        return np.mean([float(r[key]) for r in part])

    for key in ("ownership_loss", "score_loss"):
        assert mean(key, table[-8:]) < 0.9 * mean(key, table[:8]), key
    old = tmp_path / "old"
    shard(old, 0, aux=False)
    train(with_train(cfg, steps=2), old)
    row = (old / "train" / "log.csv").read_text().splitlines()[-1].split(",")
    assert float(dict(zip(head, row, strict=True))["ownership_loss"]) == 0.0


def test_growing_window():
    tc = with_train(tiny_config(), window_positions=1000, window_growth=True).train
    assert window_size(tc, 500) == 1000 and window_size(tc, 1000) == 1000
    sizes = [window_size(tc, n) for n in (2000, 10_000, 100_000)]
    assert 1000 < sizes[0] < sizes[1] < sizes[2] < 100_000
    assert sizes[2] == int(1000 * (1 + 0.4 * (100**0.75 - 1) / 0.75))
    assert window_size(with_train(tiny_config(), window_positions=1000).train, 10**6) == 1000
