"""selfplay/records.py: SGF files read with named errors, written atomically, loaded by the folder."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest

from engine.board import BLACK, WHITE
from engine.sgf import GameRecord, SGFError, parse_sgf
from selfplay.records import load_sgf_folder, read_sgf_file, write_sgf_file

DATA = Path(__file__).resolve().parents[1] / "data" / "sgf"


def test_read_good_file():
    rec = read_sgf_file(DATA / "game_9x9.sgf")
    assert rec.size == 9 and len(rec.moves) == 16 and rec.black_name == "Alice"
    assert read_sgf_file(str(DATA / "handicap_9x9.sgf")).handicap == [20, 60]


@pytest.mark.parametrize(
    "name, problem",
    [
        ("unterminated.sgf", "syntax error"),
        ("off_board.sgf", "move off the board"),
        ("illegal_move.sgf", "illegal move at move 3"),
        ("chess.sgf", "unsupported game type"),
        ("size_25.sgf", "board size out of range"),
    ],
)
def test_read_error_names_file_and_problem(name, problem):
    path = DATA / "broken" / name
    with pytest.raises(SGFError) as info:
        read_sgf_file(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and problem in message


def test_read_without_legality_check():
    rec = read_sgf_file(DATA / "broken" / "illegal_move.sgf", check_legal=False)
    assert len(rec.moves) == 3


def test_missing_file(tmp_path):
    with pytest.raises(SGFError, match=r"nope\.sgf: cannot read file"):
        read_sgf_file(tmp_path / "nope.sgf")


def test_write_then_read_round_trip(tmp_path):
    rec = read_sgf_file(DATA / "setup_5x5.sgf")
    out = write_sgf_file(tmp_path / "sub" / "game.sgf", rec)
    assert out == tmp_path / "sub" / "game.sgf"
    assert read_sgf_file(out) == rec
    assert os.listdir(tmp_path / "sub") == ["game.sgf"]  # no temp file left behind
    assert out.read_bytes().endswith(b")\n")


def test_write_replaces_existing_file(tmp_path):
    path = tmp_path / "g.sgf"
    write_sgf_file(path, GameRecord(size=9, moves=[(BLACK, 0)]))
    write_sgf_file(path, GameRecord(size=9, moves=[(BLACK, 1), (WHITE, 2)]))
    assert read_sgf_file(path).moves == [(BLACK, 1), (WHITE, 2)]


def test_failed_encode_leaves_target_untouched(tmp_path):
    path = tmp_path / "g.sgf"
    write_sgf_file(path, GameRecord(size=9, moves=[(BLACK, 0)]))
    before = path.read_bytes()
    with pytest.raises(SGFError):
        write_sgf_file(path, GameRecord(size=9, moves=[(BLACK, 99)]))
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["g.sgf"]


def test_failed_replace_leaves_target_and_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "g.sgf"
    write_sgf_file(path, GameRecord(size=9, moves=[(BLACK, 0)]))
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_sgf_file(path, GameRecord(size=9, moves=[(BLACK, 5)]))
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["g.sgf"]


def test_load_folder_skips_and_reports_broken_files(caplog):
    broken = sorted((DATA / "broken").iterdir())
    with caplog.at_level(logging.WARNING, logger="selfplay.records"):
        records, failures = load_sgf_folder(DATA)
    assert len(records) == 5
    assert sorted(p for p, _ in failures) == broken
    for path, message in failures:
        assert message.startswith(str(path))
        assert path.name in caplog.text
    assert f"{len(broken)} of {len(broken) + 5} SGF files" in caplog.text
    good = {r.black_name for r in records}
    assert {"Alice", "Weak", "René", "Jöns"} <= good


def test_load_folder_not_recursive():
    records, failures = load_sgf_folder(DATA, recursive=False)
    assert len(records) == 5 and failures == []


def test_load_folder_of_written_games(tmp_path):
    for name in ("game_9x9.sgf", "handicap_9x9.sgf"):
        write_sgf_file(tmp_path / name, read_sgf_file(DATA / name))
    shutil.copy(DATA / "broken" / "bad_point.sgf", tmp_path / "zz_bad.sgf")
    records, failures = load_sgf_folder(tmp_path)
    assert [r.black_name for r in records] == ["Alice", "Weak"]
    assert [p.name for p, _ in failures] == ["zz_bad.sgf"]
    assert records[0] == parse_sgf((DATA / "game_9x9.sgf").read_bytes())


def test_load_folder_needs_a_folder(tmp_path):
    with pytest.raises(NotADirectoryError):
        load_sgf_folder(tmp_path / "missing")
