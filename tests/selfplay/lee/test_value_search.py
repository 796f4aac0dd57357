"""Search-labelled value data: which positions, their boards, real search labels, training on them."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from engine._kernels import STONES
from engine.board import BLACK, WHITE
from nets.checkpoint import load_weights
from selfplay.lee.value import load_value_files
from selfplay.lee.value_search import PositionSpec, SearchLabelConfig, build_board, load_records, position_specs

# 5x5, komi 0.5: black builds a wall while white passes, so black is far ahead from move 3 on
ONE_SIDED = "(;GM[1]FF[4]SZ[5]KM[0.5]RU[Chinese];B[cc];W[];B[cb];W[];B[cd];W[];B[ca])"
# an ordinary short game
PLAIN = "(;GM[1]FF[4]SZ[5]KM[0.5]RU[Chinese];B[bb];W[dd];B[bd];W[db])"


@pytest.fixture
def games(tmp_path):
    folder = tmp_path / "games"
    folder.mkdir()
    (folder / "a.sgf").write_text(ONE_SIDED)
    (folder / "b.sgf").write_text(PLAIN)
    (folder / "broken.sgf").write_text("(;GM[1]SZ[5];B[zz")
    return folder


def test_specs_cover_every_position_and_are_reproducible(games):
    records = load_records([games], 5)
    assert [len(r.moves) for r in records] == [7, 4]  # the broken file is skipped
    specs = position_specs(records, SearchLabelConfig(perturb=0.0))
    assert sorted((s.game, s.k) for s in specs) == [(0, k) for k in range(7)] + [(1, k) for k in range(4)]
    assert all(s.action == -1 for s in specs)
    assert position_specs(records, SearchLabelConfig(seed=3)) == position_specs(records, SearchLabelConfig(seed=3))
    few = position_specs(records, SearchLabelConfig(per_game=2, perturb=1.0))
    assert sorted(s.game for s in few) == [0, 0, 1, 1] and all(s.action >= 0 for s in few)
    with pytest.raises(ValueError, match="no 9x9"):
        load_records([games], 9)


def test_a_perturbation_plays_one_legal_stone(games):
    rec = load_records([games], 5)[1]
    plain = build_board(rec, PositionSpec(1, 2, -1))
    moved = build_board(rec, PositionSpec(1, 2, 12345))
    assert moved.move_number == plain.move_number + 1 == 3
    stones = [np.isin(b.pts[STONES], (BLACK, WHITE)).sum() for b in (plain, moved)]
    assert stones[1] == stones[0] + 1  # one stone more, not a pass
    assert moved.to_play == WHITE and plain.to_play == BLACK


def test_label_then_train_on_search_values(games, tmp_path):
    from cli.main import cli

    out = tmp_path / "labels"
    args = ["data", "value-search", "--games", str(games), "--size", "5", "--out", str(out), "--sims", "200"]
    args += ["--perturb", "0", "--chunk", "3", "--workers", "2"]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    assert "labelled 11 positions in 4 chunks" in res.output
    data = load_value_files(out)
    assert len(data) == 11 and data.planes.shape == (11, 49, 5, 5)
    assert np.all(np.abs(data.target) <= 1)
    files = sorted(out.glob("round-*.npz"))
    ks = np.concatenate([np.load(f)["k"] for f in files])
    # the one-sided game after 4 to 6 moves: black (to move after an even count) is far ahead
    for k, q, game in zip(ks, data.target, data.game, strict=True):
        if game == 0 and k >= 4:
            assert q * (1 if k % 2 == 0 else -1) > 0.5, (k, q)
    # a rerun finds every chunk on disk
    res = CliRunner().invoke(cli, args)
    assert "labelled 0 positions in 0 chunks" in res.output
    # train value --data: held-out games never appear in training
    train, held = data.split_by_game(0.5, np.random.default_rng(0))
    assert not set(train.game) & set(held.game) and len(train) + len(held) == 11
    run = tmp_path / "value"
    args = ["train", "value", "--data", str(out), "--positions", "0", "--out", str(run), "--preset", "value4x16"]
    shape = ["--filters", "8", "--layers", "3", "--momentum", "0.9"]
    res = CliRunner().invoke(cli, [*args, *shape, "--steps", "3", "--batch", "4", "--holdout", "0.5"])
    assert res.exit_code == 0, res.output
    assert (run / "weights.safetensors").is_file() and not (run / "data").exists()
    net = load_weights(run / "weights.safetensors").model
    assert (net.cfg.blocks, net.cfg.filters) == (3, 8) and len(net.trunk) == 2


def test_train_value_needs_data_or_both_policies(tmp_path):
    from cli.main import cli

    res = CliRunner().invoke(cli, ["train", "value", "--out", str(tmp_path / "v"), "--steps", "1"])
    assert res.exit_code == 2 and "--data" in res.output
    with pytest.raises(FileNotFoundError, match="no round"):
        load_value_files(tmp_path)


def test_recipe_files_without_game_ids_get_one_game_each(tmp_path):
    for r, n in enumerate((3, 2)):
        np.savez(
            tmp_path / f"round-{r:05d}.npz",
            planes=np.zeros((n, 49, 5, 5), np.uint8),
            legal=np.ones((n, 26), np.uint8),
            z=np.ones(n, np.int8),
        )
    data = load_value_files(tmp_path)
    assert list(data.game) == [0, 1, 2, 3, 4] and data.target.dtype == np.float32
    assert len(load_value_files(tmp_path, limit=4)) == 4
