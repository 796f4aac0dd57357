"""Training shards: atomic writes, ordering by generation and game, the newest window."""

from __future__ import annotations

import numpy as np
import pytest

from selfplay.zero.shards import list_shards, load_window, read_shard, shard_name, write_shard


def _write(folder, gen, game, n, value):
    planes = np.full((n, 17, 5, 5), value % 2, np.uint8)
    pi = np.full((n, 26), 1 / 26, np.float32)
    z = np.full(n, value, np.int8)
    return write_shard(folder / shard_name(gen, game), planes, pi, z, np.ones(n, np.int8), {"feature_set": "agz17"})


def test_round_trip_and_no_temp_files(tmp_path):
    path = _write(tmp_path, 0, 3, 4, 1)
    data = read_shard(path)
    assert data["planes"].shape == (4, 17, 5, 5) and data["planes"].dtype == np.uint8
    assert data["meta"]["feature_set"] == "agz17"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_list_orders_by_generation_then_game(tmp_path):
    for gen, game in [(1, 2), (0, 10), (1, 0), (0, 9)]:
        _write(tmp_path, gen, game, 1, 0)
    (tmp_path / ".junk.tmp").write_text("x")
    assert [p.name for p in list_shards(tmp_path)] == [
        shard_name(0, 9),
        shard_name(0, 10),
        shard_name(1, 0),
        shard_name(1, 2),
    ]


def test_window_reads_newest_first(tmp_path):
    _write(tmp_path, 0, 0, 5, -1)  # oldest, must be left out
    _write(tmp_path, 1, 0, 3, 0)
    _write(tmp_path, 1, 1, 0, 0)  # empty game
    _write(tmp_path, 2, 0, 4, 1)
    w = load_window(tmp_path, positions=6)
    assert len(w) == 7  # newest file (4) + the next one whole (3)
    assert [p.name for p in w.files] == [shard_name(1, 0), shard_name(2, 0)]
    np.testing.assert_array_equal(w.z, [0, 0, 0, 1, 1, 1, 1])
    assert len(load_window(tmp_path, positions=100)) == 12


def test_window_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_window(tmp_path, 10)
    _write(tmp_path, 0, 0, 2, 1)
    with pytest.raises(ValueError):
        load_window(tmp_path, 10, feature_set="simple")
