"""GTP transcript tests: a list of command lines in, the exact answers out.

Each case feeds lines to ``GtpSession`` over in-memory streams; ``answers`` splits the
transcript at the empty lines that end GTP answers. The last test drives ``python -m cli gtp`` as a
real subprocess.
"""

import io
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cli.gtp import GtpSession, _preprocess, cleanup_move, format_analysis
from engine.board import BLACK, WHITE, Board, Rules
from engine.player import RESIGN, MoveInfo, RandomPlayer
from engine.sgf import parse_sgf
from tests.cli.gtp_process import GtpProcess


def transcript(lines, player=None, **kwargs) -> str:
    out = io.StringIO()
    GtpSession(player or RandomPlayer(0), [ln + "\n" for ln in lines], out, **kwargs).run()
    return out.getvalue()


def answers(lines, player=None, **kwargs) -> list[str]:
    text = transcript(lines, player, **kwargs)
    assert text.endswith("\n\n") or text == ""
    return text[:-2].split("\n\n") if text else []


class ScriptedPlayer:
    """Plays a fixed list of answers to genmove; knows dead stones if given."""

    name = "scripted"

    def __init__(self, moves=(), dead=()):
        self.moves, self.dead = list(moves), list(dead)
        self.new_games = 0

    def new_game(self, board):
        self.new_games += 1

    def genmove(self, board, color, seconds=None):
        return self.moves.pop(0)

    def dead_stones(self, board):
        return self.dead


class BrokenPlayer(RandomPlayer):
    def genmove(self, board, color, seconds=None):
        raise RuntimeError("boom\nsecond line")


class FakeAnalyzer(RandomPlayer):
    """Reports two candidate moves every call; sets ``reported`` after two reports."""

    def __init__(self):
        super().__init__(0)
        self.reported = threading.Event()
        self.calls = 0

    def analyze(self, board, color, report, should_stop, interval):
        n = 0
        while not should_stop():
            n += 1
            d4, c3 = board.size * (board.size - 4) + 3, board.size * (board.size - 3) + 2
            report(
                [
                    MoveInfo(c3, visits=n, winrate=0.25, prior=0.1, pv=[c3], lcb=0.2, order=1),
                    MoveInfo(d4, visits=2 * n, winrate=0.56789, prior=0.5, pv=[d4, c3], lcb=0.5, order=0),
                ]
            )
            if n >= 2:
                self.reported.set()
            time.sleep(0.005)


# ----------------------------------------------------------------------------- basics
CASES = [
    ("protocol_version", ["protocol_version"], ["= 2"]),
    ("ids are echoed", ["1 protocol_version", "22 name", "007 version"], ["=1 2", "=22 go-engine", "=7 0.1.0"]),
    ("failure echoes the id", ["5 frobnicate", "frobnicate"], ["?5 unknown command", "? unknown command"]),
    ("commands are case sensitive", ["NAME"], ["? unknown command"]),
    (
        "known_command",
        ["known_command play", "known_command lz-analyze", "known_command foo"],
        ["= true", "= false", "= false"],
    ),
    ("known_command needs a name", ["3 known_command"], ["?3 syntax error"]),
    ("empty and comment lines are ignored", ["", "   ", "# just a comment", "\t", "name # trailing"], ["= go-engine"]),
    ("control characters are removed", ["na\x01me\r", "known_command\tplay", "\x07"], ["= go-engine", "= true"]),
    ("an id alone is a syntax error", ["42"], ["?42 syntax error"]),
    ("quit answers and ends the session", ["quit", "name"], ["= "]),
    ("quit with id", ["9 quit"], ["=9 "]),
    ("boardsize", ["boardsize 9", "boardsize 2", "boardsize 19"], ["= ", "= ", "= "]),
    (
        "unacceptable sizes",
        ["boardsize 1", "boardsize 0", "boardsize 20", "boardsize -5", "7 boardsize 25"],
        ["? unacceptable size"] * 4 + ["?7 unacceptable size"],
    ),
    ("malformed sizes", ["boardsize", "boardsize x", "boardsize 9.5", "boardsize 9 9"], ["? syntax error"] * 4),
    (
        "komi",
        ["komi 6.5", "komi -3", "komi 0", "komi x", "komi", "komi nan", "komi inf"],
        ["= "] * 3 + ["? syntax error"] * 4,
    ),
    (
        "play and list_stones",
        [
            "boardsize 5",
            "play b c3",
            "play w B2",
            "play black pass",
            "play WHITE a1",
            "list_stones b",
            "list_stones white",
        ],
        ["= "] * 5 + ["= C3", "= B2 A1"],
    ),
    (
        "illegal: occupied",
        ["boardsize 5", "play b c3", "play w c3", "4 play b c3"],
        ["= ", "= ", "? illegal move", "?4 illegal move"],
    ),
    (
        "illegal: suicide",
        ["boardsize 5", "play b a2", "play b b1", "play w a1", "list_stones w"],
        ["= ", "= ", "= ", "? illegal move", "= "],
    ),
    (
        "bad vertices and colours",
        [
            "boardsize 9",
            "play b z1",
            "play b a0",
            "play b a10",
            "play b i5",
            "play b 5a",
            "play x a1",
            "play b",
            "play",
            "play b a1 a2",
            "play b j9",
        ],
        ["= "] + ["? syntax error"] * 9 + ["= "],
    ),
    (
        "undo",
        ["boardsize 5", "undo", "play b c3", "play w d4", "undo", "list_stones w", "undo", "undo", "list_stones b"],
        ["= ", "? cannot undo", "= ", "= ", "= ", "= ", "= ", "? cannot undo", "= "],
    ),
    ("clear_board", ["boardsize 5", "play b c3", "clear_board", "list_stones b"], ["= "] * 3 + ["= "]),
    (
        "final_score",
        ["boardsize 5", "komi 0.5", "final_score", "play b c3", "final_score", "komi 25", "final_score"],
        ["= ", "= ", "= W+0.5", "= ", "= B+24.5", "= ", "= 0"],
    ),
    (
        "final_status_list",
        [
            "boardsize 5",
            "play b c3",
            "play w d4",
            "final_status_list alive",
            "final_status_list dead",
            "final_status_list seki",
            "final_status_list x",
            "final_status_list",
        ],
        ["= "] * 3 + ["= C3", "= D4", "= ", "? syntax error", "? syntax error"],  # 5x5: the centre stone wins
    ),
    (
        "time settings",
        [
            "time_settings 300 30 5",
            "time_left b 100 0",
            "time_left white 20 3",
            "time_settings 1 2",
            "time_settings a b c",
            "time_left b -1 0",
            "time_left x 1 1",
        ],
        ["= "] * 3 + ["? syntax error"] * 4,
    ),
    (
        "kgs-time_settings",
        [
            "kgs-time_settings none",
            "kgs-time_settings absolute 60",
            "kgs-time_settings byoyomi 60 10 5",
            "kgs-time_settings canadian 60 30 5",
            "kgs-time_settings byoyomi 60",
            "kgs-time_settings fischer 60 5",
            "kgs-time_settings",
        ],
        ["= "] * 4 + ["? syntax error"] * 3,
    ),
    (
        "play continues after two passes",
        ["boardsize 5", "play b pass", "play w pass", "play b c3", "list_stones b"],
        ["= "] * 4 + ["= C3"],
    ),
    (
        "set_free_handicap",
        ["boardsize 9", "set_free_handicap c3 g7", "list_stones b", "set_free_handicap d4 e5"],
        ["= ", "= ", "= G7 C3", "? board not empty"],
    ),
    (
        "bad free handicaps",
        [
            "boardsize 9",
            "set_free_handicap c3",
            "set_free_handicap c3 c3",
            "set_free_handicap c3 z9",
            "set_free_handicap c3 pass",
            "set_free_handicap",
        ],
        [
            "= ",
            "? invalid number of stones",
            "? bad vertex list",
            "? bad vertex list",
            "? bad vertex list",
            "? invalid number of stones",
        ],
    ),
]


@pytest.mark.parametrize("lines, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_transcript(lines, expected):
    assert answers(lines) == expected


def test_preprocess():
    assert _preprocess("  12 play\tb  c3 # move\r\n") == "12 play b  c3"
    assert _preprocess("\x00\x1b#") == ""
    assert _preprocess("\x7fna\x02me") == "name"


def test_list_commands_are_known_and_complete():
    listed = answers(["list_commands"])[0][2:].split("\n")
    required = """protocol_version name version known_command list_commands quit boardsize clear_board komi play
        genmove undo showboard final_score final_status_list time_settings time_left fixed_handicap
        place_free_handicap set_free_handicap loadsgf printsgf reg_genmove kgs-genmove_cleanup kgs-time_settings
        gogui-analyze_commands list_stones""".split()
    assert set(required) <= set(listed)
    assert "lz-analyze" not in listed  # the random player cannot analyse
    known = answers([f"known_command {c}" for c in listed])
    assert known == ["= true"] * len(listed)
    with_analysis = answers(["list_commands"], FakeAnalyzer())[0][2:].split("\n")
    assert {"lz-analyze", "lz-genmove_analyze"} <= set(with_analysis)


def test_gogui_analyze_commands_are_known():
    entries = answers(["gogui-analyze_commands"])[0][2:].split("\n")
    for entry in entries:
        kind, label, cmd = entry.split("/", 2)
        assert kind in ("string", "plist") and label
        assert answers([f"known_command {cmd.split()[0]}"]) == ["= true"]


def test_showboard_has_no_empty_line():
    ans = answers(["boardsize 5", "play b c3", "showboard"])[-1]
    lines = ans.split("\n")
    assert lines[0] == "= " and lines[1].split() == list("ABCDE")
    assert lines[4].split() == ["3", ".", ".", "X", ".", "."]
    assert all(ln.strip() for ln in lines[1:])


# ----------------------------------------------------------------------------- moves
def test_genmove_plays_a_legal_move():
    ans = answers(["boardsize 5", "play b c3", "genmove w", "list_stones w", "genmove b", "list_stones b"])
    move_w, stones_w = ans[2][2:], ans[3][2:]
    assert move_w == stones_w and move_w not in ("C3", "pass")
    assert ans[5][2:].split() == sorted({"C3", ans[4][2:]}, key=lambda v: (-int(v[1:]), v[0]))


def test_reg_genmove_does_not_play():
    assert answers(["boardsize 5", "reg_genmove b", "list_stones b"], ScriptedPlayer([12]))[1:] == ["= C3", "= "]


def test_resign_and_pass_answers():
    assert answers(["boardsize 5", "genmove b", "genmove w", "list_stones b"], ScriptedPlayer([RESIGN, 25])) == [
        "= ",
        "= resign",
        "= pass",
        "= ",
    ]


def test_genmove_when_all_filled_passes():
    # RandomPlayer passes only when no non-eye move is left: a board of two eyes.
    player = RandomPlayer(0)
    ans = answers(["boardsize 2", "play b a1", "play w pass", "play b b2", "play w pass", "genmove b"], player)
    assert ans[-1] == "= pass"


def test_handler_exceptions_become_failures():
    ans = answers(["boardsize 5", "genmove b", "name"], BrokenPlayer())
    assert ans[1].startswith("? internal error: RuntimeError: boom") and "\n" not in ans[1]
    assert ans[2] == "= go-engine"


def test_ko_recapture_is_illegal():
    lines = [
        "boardsize 5",
        "play b b3",
        "play w c3",
        "play b a2",
        "play w d2",
        "play b b1",
        "play w c1",
        "play b c2",
        "play w b2",
        "play b c2",
    ]
    # W b2 captures black c2 (a ko); black may not retake at once. After two passes the simple ko
    # is gone, but retaking repeats the position after move 7: positional superko forbids it.
    tail = ["list_stones b", "play b pass", "play w pass", "play b c2"]
    ans = answers(lines + tail)
    assert ans[:9] == ["= "] * 9
    assert ans[9] == "? illegal move"
    assert ans[10] == "= B3 A2 B1"
    assert ans[-1] == "? illegal move"
    assert answers(lines + tail, rules=Rules(ko="simple"))[9:] == ["? illegal move", "= B3 A2 B1", "= ", "= ", "= "]


def test_kgs_genmove_cleanup_captures_dead_stones_before_passing():
    board = Board.from_ascii(
        """
        . . . . .
        . X X X .
        . X O X .
        . X . X .
        . . X . .
        """
    )
    dead = [board.size * 2 + 2]
    assert cleanup_move(board, BLACK, dead) == board.size * 3 + 2
    lines = [
        "boardsize 5",
        "play b b4",
        "play b c4",
        "play b d4",
        "play b b3",
        "play b d3",
        "play b b2",
        "play b d2",
        "play b c1",
        "play w c3",
        "kgs-genmove_cleanup b",
        "list_stones w",
        "genmove b",
    ]
    ans = answers(lines, ScriptedPlayer([25, 25], dead=dead))
    assert ans[-3:] == ["= C2", "= ", "= pass"]


def test_final_status_and_score_agree_on_a_dead_stone():
    # black owns columns A-B, white D-E, C is neutral; the white stone on A3 is dead (engine.scoring)
    setup = [f"play b b{i}" for i in range(1, 6)] + [f"play w d{i}" for i in range(1, 6)] + ["play w a3"]
    lines = ["boardsize 5", "komi 0.5", *setup, "final_status_list dead", "final_status_list seki", "final_score"]
    ans = answers(lines, ScriptedPlayer())
    assert ans[-3:] == ["= A3", "= ", "= W+0.5"]
    alive = answers([*lines[:-3], "final_status_list alive"], ScriptedPlayer())[-1][2:].split()
    assert sorted(alive) == sorted([f"B{i}" for i in range(1, 6)] + [f"D{i}" for i in range(1, 6)])


# ----------------------------------------------------------------------------- handicap
def test_fixed_handicap():
    ans = answers(["boardsize 9", "fixed_handicap 2", "list_stones b", "genmove w", "fixed_handicap 2"])
    assert ans[1] == "= C3 G7" and ans[2] == "= G7 C3"  # GTP spec order; list_stones goes top row first
    assert ans[3].startswith("= ") and ans[4] == "? board not empty"
    assert answers(["boardsize 9", "fixed_handicap 1", "fixed_handicap 10", "fixed_handicap x"]) == [
        "= ",
        "? invalid number of stones",
        "? invalid number of stones",
        "? syntax error",
    ]
    assert answers(["boardsize 19", "fixed_handicap 9"])[1].split()[1:] == "D4 Q16 D16 Q4 D10 Q10 K4 K16 K10".split()


def test_place_free_handicap():
    for size, n in ((9, 2), (9, 5), (19, 9), (19, 12), (5, 4), (3, 8)):
        ans = answers([f"boardsize {size}", f"place_free_handicap {n}", "list_stones b", "list_stones w"])
        placed = ans[1][2:].split()
        assert len(placed) == n == len(set(placed)), (size, n, placed)
        assert sorted(ans[2][2:].split()) == sorted(placed) and ans[3] == "= "
    assert answers(["boardsize 9", "place_free_handicap 1", "place_free_handicap 81"]) == [
        "= ",
        "? invalid number of stones",
        "? invalid number of stones",
    ]


# ----------------------------------------------------------------------------- sgf
def test_printsgf_and_loadsgf_round_trip(tmp_path):
    ans = answers(["boardsize 7", "komi 5.5", "play b d4", "play w c3", "play b pass", "printsgf"])
    sgf = ans[-1][2:]
    rec = parse_sgf(sgf)
    assert rec.size == 7 and rec.komi == 5.5 and rec.moves == [(BLACK, 24), (WHITE, 30), (BLACK, 49)]
    path = tmp_path / "g.sgf"
    path.write_text(sgf)
    ans = answers(
        [
            f"loadsgf {path}",
            "list_stones b",
            "list_stones w",
            "showboard",
            f"loadsgf {path} 2",
            "list_stones w",
            f"5 loadsgf {tmp_path / 'missing.sgf'}",
            "list_stones b",
        ]
    )
    assert ans[:3] == ["= white", "= D4", "= C3"]
    assert ans[4:] == ["= white", "= ", "?5 cannot load file", "= D4"]
    (tmp_path / "bad.sgf").write_text("(;GM[1]SZ[9];B[zz")
    assert answers([f"loadsgf {tmp_path / 'bad.sgf'}", "loadsgf"]) == ["? cannot load file", "? syntax error"]
    out = tmp_path / "out.sgf"
    assert answers(["boardsize 5", "play b c3", f"printsgf {out}"])[-1] == "= "
    assert parse_sgf(out.read_text()).moves == [(BLACK, 12)]


# ----------------------------------------------------------------------------- analysis
def test_format_analysis():
    infos = [MoveInfo(30, 5, 0.25, 0.1, [30], 0.2, order=1), MoveInfo(24, 10, 0.56789, 0.5, [24, 30], 1.2, order=0)]
    assert format_analysis(infos, 7) == (
        "info move D4 visits 10 winrate 5679 prior 5000 lcb 10000 order 0 pv D4 C3 "
        "info move C3 visits 5 winrate 2500 prior 1000 lcb 2000 order 1 pv C3"
    )
    assert format_analysis(infos, 7, max_moves=1).count("info move") == 1


def _gated_lines(first, gate, rest):
    """Input that holds back ``rest`` until ``gate`` is set (a controller waiting for analysis)."""
    yield from (ln + "\n" for ln in first)
    assert gate.wait(10)
    yield from (ln + "\n" for ln in rest)


def test_lz_analyze_streams_until_the_next_command():
    player = FakeAnalyzer()
    out = io.StringIO()
    lines = _gated_lines(["boardsize 7", "12 lz-analyze b 1"], player.reported, ["name"])
    GtpSession(player, lines, out).run()
    text = out.getvalue()
    parts = text.split("\n\n")
    assert parts[0] == "= "
    block = parts[1].split("\n")
    assert block[0] == "=12"
    info = block[1:]
    assert len(info) >= 2
    for ln in info:
        assert ln.startswith("info move D4 visits ")
        assert " winrate 5679 prior 5000 lcb 5000 order 0 pv D4 C3 info move C3 visits " in ln
        assert ln.endswith("winrate 2500 prior 1000 lcb 2000 order 1 pv C3")
    assert parts[2:] == ["= go-engine", ""]


def test_lz_analyze_arguments():
    player = FakeAnalyzer()
    out = io.StringIO()
    lines = _gated_lines(
        ["boardsize 7", "lz-analyze interval 1 maxmoves 1"], player.reported, ["lz-analyze b x", "name"]
    )
    GtpSession(player, lines, out).run()
    parts = out.getvalue().split("\n\n")
    assert all(ln.count("info move") == 1 for ln in parts[1].split("\n")[1:])
    assert parts[2:] == ["? syntax error", "= go-engine", ""]


def test_lz_genmove_analyze_falls_back_to_genmove():
    ans = answers(["boardsize 5", "lz-genmove_analyze b 10", "list_stones b", "lz-genmove_analyze"], FakeAnalyzer())
    move = ans[1].split("\n")
    assert move[0] == "=" and move[-1].startswith("play ") and ans[2] == f"= {move[-1][5:]}"
    assert ans[3] == "? syntax error"


# ----------------------------------------------------------------------------- subprocess
def test_gtp_subprocess():
    with GtpProcess("--player", "random", "--seed", "1", stderr=subprocess.PIPE) as gtp:
        ask, proc = gtp.ask, gtp.proc
        assert ask("1 protocol_version") == "=1 2"
        assert ask("boardsize 7") == "= "
        assert ask("play b d4") == "= "
        assert ask("play w d4") == "? illegal move"
        move = ask("genmove w")
        assert move.startswith("= ") and move[2:] not in ("D4", "pass", "resign")
        assert ask("list_stones white") == move
        assert ask("nonsense") == "? unknown command"
        proc.stdin.buffer.write(b"\xff\xfe name\n")  # undecodable bytes: answered, not fatal
        assert ask("\x00\x01name\t# comment") == "? unknown command"
        assert ask("") == "= go-engine"  # the answer to the comment line above
        assert ask("quit") == "= "
        assert proc.wait(timeout=20) == 0


def test_gtp_subprocess_with_mcts_player():
    """The default player: genmove, dead stones, and live lz-analyze stopped by the next command."""
    with GtpProcess("--playouts", "40", "--seed", "0") as gtp:
        send, answer, proc = gtp.send, gtp.answer, gtp.proc
        for cmd in ("boardsize 7", "komi 7.5", "play b d4"):
            send(cmd)
            assert answer() == ["= "]
        send("genmove w")
        (move,) = answer()
        assert move.startswith("= ") and move[2:] not in ("D4", "resign")
        send("known_command lz-analyze")
        assert answer() == ["= true"]
        send("final_status_list dead")
        assert answer()[0].startswith("= ")
        send("lz-analyze b 5")
        assert proc.stdout.readline() == "=\n"
        infos = [proc.stdout.readline() for _ in range(2)]
        assert all(ln.startswith("info move ") and " visits " in ln and " pv " in ln for ln in infos)
        send("name")
        rest = answer()  # the analysis lines still in flight, then the empty line that ends them
        assert all(ln.startswith("info move ") for ln in rest)
        assert answer() == ["= go-engine"]
        send("lz-genmove_analyze b 10")
        lines = answer()
        assert lines[0] == "=" and lines[-1].startswith("play ")
        send("quit")
        assert answer() == ["= "]
        assert proc.wait(timeout=20) == 0


class SecondsRecorder(RandomPlayer):
    def __init__(self):
        super().__init__(0)
        self.seconds = []

    def genmove(self, board, color, seconds=None):
        self.seconds.append(seconds)
        return super().genmove(board, color, seconds)


@pytest.mark.parametrize(
    "default, settings, expected",
    [
        (None, [], None),  # no clock: the player's own budget (playouts)
        (3.0, [], 3.0),  # --time
        (None, ["time_settings 0 10 1"], 8.8),  # Canadian, one stone per 10 s: 90% minus lag
        (3.0, ["time_settings 0 10 1"], 3.0),  # --time caps the clock
        (None, ["time_settings 0 1 0"], None),  # "no time limit"
        (None, ["kgs-time_settings byoyomi 0 5 3"], 4.3),
        (None, ["time_settings 0 10 5", "time_left b 4 2"], 1.6),
    ],
)
def test_time_budget_passed_to_genmove(default, settings, expected):
    player = SecondsRecorder()
    ans = answers(["boardsize 9", *settings, "genmove b"], player, seconds=default)
    assert ans[-1].startswith("= ") and len(player.seconds) == 1
    assert player.seconds[0] == (None if expected is None else pytest.approx(expected, abs=1e-6))


# ----------------------------------------------------------------------------- shipped net
def test_default_player_uses_the_shipped_net_on_9x9_only():
    from engine.search.mcts import RolloutEvaluator
    from nets.evaluator import TorchEvaluator
    from nets.weights import shipped
    from selfplay.players import shipped_player as default_player

    path, _ = shipped()[9]
    assert path.stat().st_size < 10 * 2**20  # a few MB at most
    player = default_player(0, num_simulations=16)
    for size, rollouts in ((9, False), (13, True), (9, False)):
        board = Board(size)
        player.new_game(board)
        net = getattr(player.evaluator, "value_evaluator", player.evaluator)  # MixedEvaluator or the net itself
        assert isinstance(net, TorchEvaluator) != rollouts
        assert isinstance(player.evaluator, RolloutEvaluator) == rollouts
        action = player.genmove(board, board.to_play)
        assert board.legality(action) is None


def test_gtp_subprocess_plays_9x9_with_the_shipped_net():
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "gtp", "--playouts", "24", "--seed", "1", "--size", "9"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        out, _ = proc.communicate("play b e5\ngenmove w\nboardsize 5\nclear_board\ngenmove b\nquit\n", timeout=120)
        answers = [a for a in out.split("\n\n") if a.strip()]
        assert answers[0] == "= " and answers[2] == "= " and answers[3] == "= "
        assert answers[1].startswith("= ") and answers[1][2:] not in ("E5", "resign")
        assert answers[4].startswith("= ")
    finally:
        proc.kill()


def test_lz_genmove_analyze_streams_info_lines_while_searching():
    from engine.config import MCTSConfig
    from engine.search.player import MCTSPlayer

    player = MCTSPlayer(MCTSConfig(seconds_per_move=0.6), seed=0)
    (reply,) = answers(["boardsize 7", "lz-genmove_analyze b 10"], player, seconds=0.6)[1:]
    lines = reply.split("\n")
    assert lines[0] == "=" and lines[-1].startswith("play ")
    infos = lines[1:-1]
    assert len(infos) >= 4  # every 0.1 s during a 0.6 s search, then the final statistics
    visits = [sum(int(v) for v in re.findall(r" visits (\d+)", ln)) for ln in infos]
    assert visits == sorted(visits) and visits[0] < visits[-1]


def test_final_status_list_seki_agrees_with_gnugo_on_a_real_game():
    from engine.search.player import MCTSPlayer

    sgf = Path(__file__).parents[1] / "data" / "seki" / "gnugo_9x9.sgf"
    cmds = [f"loadsgf {sgf}", "final_status_list seki", "final_status_list dead", "final_status_list alive"]
    _, seki, dead, alive = answers(cmds, MCTSPlayer(seed=0))
    chains = sorted(sorted(line.split()) for line in seki[2:].split("\n"))
    gnugo = [["F7", "F8", "F9", "G6", "G7", "G8", "H4", "H5", "H6", "H7", "J6", "E8"], ["H8", "H9"], ["J8"]]
    assert chains == sorted(sorted(c) for c in gnugo)  # GNU Go 3.8: final_status_list seki
    in_seki = set(seki[2:].split())
    assert not in_seki & set(dead[2:].split())
    assert in_seki <= set(alive[2:].split())


@pytest.mark.parametrize(
    "args, priors",
    [((), "tree policy .*tree19.npz"), (("--tree-policy", "none"), "heuristics")],
)
def test_the_rollout_search_on_19x19_uses_the_shipped_tree_policy_unless_told_none(args, priors):
    proc = subprocess.run(
        [sys.executable, "-m", "cli", "gtp", "--size", "19", "-v", *args],
        input="boardsize 19\ngenmove b\nquit\n",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert re.search(rf"rollout search priors: {priors}", proc.stderr), proc.stderr
    assert re.fullmatch(r"= \n\n= [A-HJ-T]\d+\n\n= \n\n", proc.stdout)
