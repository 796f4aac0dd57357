"""engine/sgf.py: parsing real files, round trips through text and Board, and named errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine import coords
from engine.board import BLACK, EMPTY, WHITE, Board, Rules
from engine.player import RandomPlayer
from engine.sgf import (
    GameRecord,
    SGFError,
    board_to_record,
    parse_sgf,
    record_to_board,
    rules_from_text,
    to_sgf,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "sgf"
GOOD = sorted(p.name for p in DATA.glob("*.sgf"))


def load(name: str) -> GameRecord:
    return parse_sgf((DATA / name).read_bytes())


def sgf_action(point: str, size: int) -> int:
    return coords.from_sgf(point, size)


# ------------------------------------------------------------------ parsing real files
def test_data_files_present():
    assert GOOD == ["game_9x9.sgf", "handicap_9x9.sgf", "latin1_9x9.sgf", "names_19x19.sgf", "setup_5x5.sgf"]


def test_game_9x9_main_line_metadata_and_comments():
    rec = load("game_9x9.sgf")
    assert (rec.size, rec.komi, rec.rules) == (9, 7.5, "Chinese")
    assert (rec.black_name, rec.white_name, rec.date, rec.result) == ("Alice", "Bob", "2024-05-01", "W+4.5")
    assert rec.event == "Club ] night"  # escaped bracket
    assert rec.winner == WHITE
    assert len(rec.moves) == 16
    assert rec.moves[0] == (BLACK, sgf_action("ee", 9))
    # the main line takes the first child: move 5 is B[cc], not the variation's B[ge]
    assert rec.moves[4] == (BLACK, sgf_action("cc", 9))
    assert rec.moves[-2:] == [(BLACK, 81), (WHITE, 81)]
    assert [c for c, _ in rec.moves] == [BLACK, WHITE] * 8
    assert rec.comments[0].startswith("A short 9x9 game.\nWritten by hand")
    assert rec.comments[1] == "Tengen."
    assert rec.comments[6] == "White extends: a [bracket] in a comment."
    assert not rec.handicap and not rec.setup_black and not rec.setup_white


def test_handicap_file():
    rec = load("handicap_9x9.sgf")
    assert rec.handicap == [sgf_action("cc", 9), sgf_action("gg", 9)] == [20, 60]
    assert rec.setup_black == [] and rec.komi == 0.5
    assert rec.moves[0] == (WHITE, sgf_action("gc", 9))
    assert rec.moves[3] == (BLACK, 81)  # B[tt] is a pass on 9x9
    board = record_to_board(rec, moves=0)
    assert board.to_play == WHITE
    assert board.color_at(20) == BLACK and board.color_at(60) == BLACK
    assert board.rules.ko == "simple"  # RU[Japanese]


def test_setup_file_with_compressed_lists_ae_and_pl():
    rec = load("setup_5x5.sgf")
    assert rec.setup_black == [0, 1, 12]  # AB[aa:ba][cc]
    assert rec.setup_white == [5, 6]  # AW[ab:bb]
    assert rec.setup_empty == [24]
    assert rec.first_player == WHITE and rec.komi == 0.0 and rec.rules == "NZ"
    board = record_to_board(rec, moves=0)
    assert board.to_play == WHITE and board.rules.allow_suicide
    board = record_to_board(rec)
    assert board.captures[WHITE] == 2
    assert board.color_at(0) == WHITE and board.color_at(1) == EMPTY and board.color_at(10) == BLACK


def test_bytes_are_decoded_with_the_charset():
    assert load("latin1_9x9.sgf").black_name == "René"
    assert load("latin1_9x9.sgf").white_name == "Zoë"
    rec = load("names_19x19.sgf")
    assert (rec.black_name, rec.white_name, rec.size) == ("Jöns", "Åsa", 19)
    assert rec.moves[4] == (BLACK, 361)  # tt on 19x19 is a pass
    assert parse_sgf((DATA / "names_19x19.sgf").read_text("utf-8")) == rec


def test_missing_km_means_zero_komi_and_default_size_19():
    rec = parse_sgf("(;GM[1];B[pd])")
    assert rec.komi == 0.0 and rec.size == 19 and rec.moves == [(BLACK, sgf_action("pd", 19))]


def test_winner_property():
    assert GameRecord(result="B+R").winner == BLACK
    assert GameRecord(result="0").winner == EMPTY
    assert GameRecord(result="Void").winner is None
    assert GameRecord().winner is None


# ------------------------------------------------------------------ round trips
@pytest.mark.parametrize("name", GOOD)
def test_text_round_trip(name):
    rec = load(name)
    text = to_sgf(rec)
    assert parse_sgf(text) == rec
    assert to_sgf(parse_sgf(text)) == text  # stable after one pass


@pytest.mark.parametrize("name", GOOD)
def test_board_round_trip(name):
    rec = load(name)
    board = record_to_board(rec)
    back = board_to_record(board)
    assert (back.size, back.komi, back.moves) == (rec.size, rec.komi, rec.moves)
    assert back.handicap == rec.handicap
    # AE on an empty point leaves no trace; the stones are what the board can recover
    assert (back.setup_black, back.setup_white) == (rec.setup_black, rec.setup_white)
    assert back.first_player == rec.first_player
    again = record_to_board(parse_sgf(to_sgf(back)), board.rules)
    assert np.array_equal(again.stones(), board.stones()) and again.hash == board.hash


def test_passes_are_written_as_empty_values():
    rec = GameRecord(size=9, komi=6.5, moves=[(BLACK, 40), (WHITE, 81), (BLACK, 81)])
    text = to_sgf(rec)
    assert ";W[]" in text and "KM[6.5]" in text and "SZ[9]" in text and "GM[1]" in text
    assert parse_sgf(text).moves == rec.moves


@pytest.mark.parametrize("seed", [0, 1])
def test_random_game_round_trip(seed):
    board = Board(9, Rules(komi=7.5))
    player = RandomPlayer(seed)
    while not board.is_over and board.move_number < 300:
        board.play(player.genmove(board, board.to_play))
    rec = board_to_record(board, black_name="rand-b", white_name="rand-w", game_comment='{"seed": 0}')
    assert rec.result == board.result() and rec.rules == "Chinese"
    parsed = parse_sgf(to_sgf(rec))
    assert parsed == rec
    replay = record_to_board(parsed)
    assert np.array_equal(replay.stones(), board.stones())
    assert replay.result() == board.result() and replay.captures == board.captures


def test_board_to_record_keeps_resignation_and_metadata():
    board = Board(9)
    board.play(40)
    board.resign(WHITE)
    rec = board_to_record(board, event="test", date="2025-01-01")
    assert rec.result == "B+R" and rec.moves == [(BLACK, 40)] and rec.event == "test"
    with pytest.raises(TypeError, match="nosuchfield"):
        board_to_record(board, nosuchfield=1)


def test_board_to_record_of_from_ascii_position():
    board = Board.from_ascii(
        """
        . X .
        . X O
        . . O
        """,
        to_play=WHITE,
    )
    rec = board_to_record(board)
    assert rec.setup_black == [1, 4] and rec.setup_white == [5, 8] and rec.handicap == []
    assert rec.first_player == WHITE
    assert record_to_board(rec).to_play == WHITE


def test_handicap_detection_can_be_forced():
    board = Board(9)
    board.place_handicap([20, 60])
    assert board_to_record(board).handicap == [20, 60]
    rec = board_to_record(board, handicap=False)
    assert rec.handicap == [] and rec.setup_black == [20, 60] and rec.first_player == WHITE


def test_rules_mapping():
    assert rules_from_text("Chinese", 7.5) == Rules(komi=7.5)
    assert rules_from_text(None, 0.5) == Rules(komi=0.5)
    assert rules_from_text("Japanese", 6.5).ko == "simple"
    assert rules_from_text("NZ", 7.0).allow_suicide
    assert rules_from_text("Tromp-Taylor", 7.0).allow_suicide


# ------------------------------------------------------------------ errors
BROKEN = [
    ("unterminated.sgf", "syntax error: unexpected end"),
    ("not_sgf.sgf", "syntax error: no SGF data"),
    ("empty.sgf", "syntax error: no SGF data"),
    ("bad_point.sgf", "bad point 'e5' in move 2"),
    ("off_board.sgf", "move off the board: 'kk' in move 2"),
    ("illegal_move.sgf", "illegal move at move 3"),
    ("chess.sgf", "unsupported game type GM[3]"),
    ("size_25.sgf", "board size out of range"),
    ("setup_after_root.sgf", "setup properties (AB/AW/AE) after the root node"),
    ("dead_setup.sgf", "bad setup"),
]


def test_every_broken_file_is_listed():
    assert sorted(name for name, _ in BROKEN) == sorted(p.name for p in (DATA / "broken").iterdir())


@pytest.mark.parametrize("name, message", BROKEN)
def test_broken_files_raise_named_errors(name, message):
    with pytest.raises(SGFError) as info:
        record_to_board(parse_sgf((DATA / "broken" / name).read_bytes()))
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)


def test_illegal_move_is_found_only_on_replay():
    rec = parse_sgf((DATA / "broken" / "illegal_move.sgf").read_bytes())
    assert len(rec.moves) == 3
    with pytest.raises(SGFError, match=r"illegal move at move 3: .*G7.*occupied"):
        record_to_board(rec)
    assert record_to_board(rec, moves=2).move_number == 2


@pytest.mark.parametrize(
    "text, message",
    [
        ("(;GM[1]SZ[9];B[ee]W[cc])", "has both B and W"),
        ("(;GM[1]SZ[1];B[aa])", "board size out of range"),
        ("(;GM[1]SZ[0])", "board size out of range"),
        ("(;GM[1]SZ[9:7])", "board size out of range"),
        ("(;GM[1]SZ[9]AB[cc:aa])", "bad point rectangle"),
        ("(;GM[1]SZ[9]AB[])", "pass is not a point"),
        ("(;GM[1]SZ[9]KM[seven])", "bad komi"),
        ("(;GM[1]SZ[9]PL[X])", "bad player to move"),
        ("(;GM[1]SZ[9]HA[two])", "bad handicap"),
        ("(;GM[1]SZ[9];B[abc])", "bad point 'abc' in move 1"),
        ("(;GM[1]SZ[9];B[A1])", "bad point 'A1'"),
        ("(;GM[1]SZ[5];W[af])", "move off the board"),
    ],
)
def test_bad_text_raises_named_errors(text, message):
    with pytest.raises(SGFError, match=message.replace("(", r"\(").replace("[", r"\[")):
        parse_sgf(text)


def test_suicide_is_illegal_unless_the_rules_allow_it():
    text = "(;GM[1]SZ[3]RU[{}]AW[aa]AB[ca][bb][ab];W[ba])"  # W[ba] kills its own two stones
    with pytest.raises(SGFError, match="illegal move at move 1.*suicide"):
        record_to_board(parse_sgf(text.format("Chinese")))
    board = record_to_board(parse_sgf(text.format("NZ")))
    assert board.color_at(0) == EMPTY and board.color_at(1) == EMPTY and board.captures[BLACK] == 2


def test_to_sgf_rejects_bad_records():
    with pytest.raises(SGFError, match="size out of range"):
        to_sgf(GameRecord(size=25))
    with pytest.raises(SGFError, match="off a 9x9 board"):
        to_sgf(GameRecord(size=9, moves=[(BLACK, 82)]))


def test_codec_does_no_file_io():
    source = (Path(__file__).resolve().parents[2] / "engine" / "sgf.py").read_text()
    assert "open(" not in source and "pathlib" not in source and "import os" not in source
