"""Referee tests against small scripted GTP engines (each fault the referee must handle)."""

import sys
import textwrap

import pytest
from click.testing import CliRunner

from cli.main import cli
from selfplay.clock import ClockSpec
from selfplay.match import EngineStartError, GtpClient, MatchConfig, run_match, wilson_interval
from selfplay.records import read_sgf_file

FAKE_ENGINE = textwrap.dedent(
    """
    import sys, time
    mode = sys.argv[1]
    size, occupied = 9, set()
    COLS = "ABCDEFGHJKLMNOPQRST"

    def sparse():
        for r in range(1, size + 1):
            for c in range(size):
                v = f"{COLS[c]}{r}"
                if (r + c) % 2 == 1 and v not in occupied:
                    return v
        return "pass"

    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if mode.startswith("wait"):
            print(line.strip(), file=sys.stderr, flush=True)
        cid = words.pop(0) if words[0].isdigit() else ""
        cmd, args = words[0], words[1:]
        ok, res = True, ""
        if cmd == "name":
            res = "fake-" + mode
        elif cmd == "boardsize":
            size = int(args[0])
        elif cmd == "clear_board":
            occupied.clear()
        elif cmd == "play":
            if mode == "reject":
                ok, res = False, "illegal move"
            elif args[1].lower() != "pass":
                occupied.add(args[1].upper())
        elif cmd == "genmove":
            if mode == "crash":
                sys.exit(3)
            if mode == "slow":
                time.sleep(30)
            res = {"resign": "resign", "garbage": "xyzzy", "illegal": "A1"}.get(mode, "pass")
            if mode.startswith("wait"):
                time.sleep(float(mode[4:]))
            if mode == "sparse" or mode.startswith("wait"):
                res = sparse()
            if mode.startswith("a1pass"):
                res = "pass" if "A1" in occupied else "A1"
            if res not in ("pass", "resign"):
                occupied.add(res)
        elif cmd == "final_status_list":
            res = "A1" if mode == "a1pass-dead" else ""
        elif cmd == "quit":
            print("=" + cid + " \\n", flush=True)
            break
        print(("=" if ok else "?") + cid + " " + res + "\\n", flush=True)
    """
)


@pytest.fixture(scope="module")
def fake(tmp_path_factory):
    path = tmp_path_factory.mktemp("fake") / "fake_engine.py"
    path.write_text(FAKE_ENGINE)
    return lambda mode: f"{sys.executable} {path} {mode}"


def cfg(fake, a, b, **kw):
    kw.setdefault("games", 2)
    kw.setdefault("size", 5)
    kw.setdefault("startup_timeout", 10.0)
    kw.setdefault("move_timeout", 10.0)
    return MatchConfig(engines=(fake(a), fake(b)), **kw)


def test_wilson_interval():
    lo, hi = wilson_interval(0, 2)
    assert lo == 0 and hi == pytest.approx(0.6576, abs=1e-4)
    lo, hi = wilson_interval(5, 10)
    assert (lo, hi) == (pytest.approx(0.2366, abs=1e-4), pytest.approx(0.7634, abs=1e-4))
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_gtp_client_round_trip(fake):
    client = GtpClient(fake("pass"))
    try:
        assert client.send("name", 10) == (True, "fake-pass")
        assert client.send("genmove b", 10) == (True, "pass")
    finally:
        client.close()
    assert not client.alive


def test_two_passes_are_scored_by_area_and_written(fake, tmp_path):
    res = run_match(cfg(fake, "pass", "pass", komi=7.5, out_dir=str(tmp_path)))
    assert res.names == ("fake-pass", "fake-pass")
    assert [(g.result, g.reason, g.winner, g.moves) for g in res.games] == [
        ("W+7.5", "score", 1, 2),
        ("W+7.5", "score", 0, 2),
    ]
    assert res.wins(0) == res.wins(1) == 1
    for k in (0, 1):
        rec = read_sgf_file(tmp_path / f"game_000{k}.sgf")
        assert rec.result == "W+7.5" and rec.size == 5 and len(rec.moves) == 2
        assert rec.black_name == "fake-pass"
    lines = res.summary()
    assert lines[0] == "2 games: fake-pass (A) vs fake-pass (B); draws 0"
    assert lines[1].startswith("A fake-pass: wins 1/2 (50.0%, 95% CI 9.5-90.5%; 0/1 as black, 1/1 as white), ")
    assert lines[1].endswith(" s/move, forfeits: none")


@pytest.mark.parametrize(
    "mode, kind, result",
    [
        ("illegal", "illegal", "W+F"),
        ("garbage", "bad response", "W+F"),
        ("crash", "crash", "W+F"),
        ("reject", "rejected", "W+F"),
    ],
)
def test_forfeits(fake, tmp_path, mode, kind, result):
    res = run_match(cfg(fake, mode, "pass", out_dir=str(tmp_path)))
    g0, g1 = res.games
    assert (g0.forfeiter, g0.forfeit_kind, g0.result, g0.winner) == (0, kind, result, 1)
    assert (g1.forfeiter, g1.forfeit_kind, g1.result, g1.winner) == (0, kind, "B+F", 1)
    assert res.forfeits(0) == {kind: 2} and res.forfeits(1) == {}
    assert read_sgf_file(tmp_path / "game_0000.sgf").result == result
    assert res.summary()[1].endswith(f"forfeits: {kind} 2")


def test_crashed_engine_is_restarted(fake):
    from selfplay.match import Referee

    ref = Referee(cfg(fake, "crash", "pass"))
    try:
        assert ref.play_game(0).forfeit_kind == "crash"
        assert ref.play_game(1).forfeit_kind == "crash"
        assert ref.slots[0].starts == 2 and ref.slots[1].starts == 1
    finally:
        ref.close()


def test_timeout_forfeits(fake):
    res = run_match(cfg(fake, "slow", "pass", games=1, move_timeout=0.3, startup_timeout=0.5))
    (g,) = res.games
    assert (g.forfeit_kind, g.result, g.winner) == ("timeout", "W+T", 1)


def test_an_engine_that_cannot_start_ends_the_match_with_the_reason():
    with pytest.raises(EngineStartError, match=r"engine A \(/nonexistent/engine --gtp\) could not start: .*No such"):
        run_match(MatchConfig(engines=("/nonexistent/engine --gtp", "/nonexistent/engine"), games=3, size=5))


def test_an_engine_that_exits_at_start_is_named_with_its_stderr(fake):
    dies = f"{sys.executable} -c \"import sys; sys.exit('error: no such net: x.safetensors')\""
    with pytest.raises(EngineStartError, match=r"engine B .*could not start: .*its stderr: error: no such net"):
        run_match(MatchConfig(engines=(fake("pass"), dies), games=2, size=5, startup_timeout=10.0))


def test_an_engine_that_crashes_after_a_good_start_only_forfeits(fake):
    res = run_match(cfg(fake, "crash", "pass", games=3))
    assert [g.forfeit_kind for g in res.games] == ["crash"] * 3


def test_resignation(fake):
    res = run_match(cfg(fake, "resign", "pass"))
    assert [(g.result, g.reason, g.winner) for g in res.games] == [("W+R", "resign", 1), ("B+R", "resign", 1)]


def test_agreed_dead_stones_are_removed(fake):
    # Black plays A1 then both pass; komi 0.5 on 5x5: with A1 counted black wins by 24.5.
    agree = run_match(cfg(fake, "a1pass-dead", "a1pass-dead", games=1, komi=0.5)).games[0]
    assert (agree.result, agree.dead_removed) == ("W+0.5", 1)
    disagree = run_match(cfg(fake, "a1pass-dead", "a1pass", games=1, komi=0.5)).games[0]
    assert (disagree.result, disagree.dead_removed) == ("B+24.5", 0)
    not_asked = run_match(cfg(fake, "a1pass-dead", "a1pass-dead", games=1, komi=0.5, ask_dead=False)).games[0]
    assert not_asked.result == "B+24.5"


def test_move_cap_scores_the_board(fake):
    res = run_match(cfg(fake, "sparse", "sparse", games=1, max_moves=3, komi=0.5))
    (g,) = res.games
    assert (g.reason, g.moves) == ("move cap", 3)
    # B A2, W C2... on sparse points: 2 black and 1 white stones, every other point neutral or owned.
    assert g.result.startswith(("B+", "W+"))


def test_parallel_games(fake):
    res = run_match(cfg(fake, "pass", "sparse", games=4, parallel=2))
    assert [g.index for g in res.games] == [0, 1, 2, 3]
    assert [g.black for g in res.games] == [0, 1, 0, 1]
    assert all(g.reason in ("score", "move cap") for g in res.games)


def test_match_command(fake, tmp_path):
    out = tmp_path / "games"
    result = CliRunner().invoke(
        cli, ["match", fake("pass"), fake("resign"), "-n", "2", "--size", "5", "--out", str(out), "--time", "1"]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "2 games: fake-pass (A) vs fake-resign (B); draws 0"
    assert lines[1].startswith("A fake-pass: wins 2/2 (100.0%, 95% CI 34.2-100.0%; 1/1 as black, 1/1 as white)")
    assert lines[2].startswith("B fake-resign: wins 0/2 (0.0%, 95% CI 0.0-65.8%; 0/1 as black, 0/1 as white)")
    assert sorted(p.name for p in out.glob("*.sgf")) == ["game_0000.sgf", "game_0001.sgf"]


@pytest.mark.parametrize("colors, blacks", [("alternate", [0, 1, 0]), ("a-black", [0, 0, 0]), ("a-white", [1, 1, 1])])
def test_colors_fix_who_plays_black(fake, colors, blacks):
    res = run_match(cfg(fake, "pass", "pass", games=3, komi=-7.5, colors=colors))
    assert [g.black for g in res.games] == blacks
    assert all(g.result == "B+7.5" for g in res.games)  # a reverse komi: black wins the empty board
    assert [g.winner for g in res.games] == blacks


def test_bad_colors_are_refused():
    with pytest.raises(ValueError, match="colors must be one of alternate, a-black, a-white"):
        MatchConfig(engines=("a", "b"), colors="b-black")


def test_match_command_with_an_engine_that_cannot_start(fake):
    result = CliRunner().invoke(cli, ["match", fake("pass"), "/nonexistent/engine --gtp", "-n", "2", "--size", "5"])
    assert result.exit_code == 1
    assert "go-engine: error: engine B (/nonexistent/engine --gtp) could not start" in result.stderr
    assert "nan" not in result.output and "Traceback" not in result.output


def test_match_command_colors_a_white(fake):
    result = CliRunner().invoke(
        cli, ["match", fake("pass"), fake("pass"), "-n", "2", "--size", "5", "--komi", "-7.5", "--colors", "a-white"]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[1].startswith("A fake-pass: wins 0/2 (0.0%, 95% CI 0.0-65.8%; 0/2 as white)")
    assert lines[2].startswith("B fake-pass: wins 2/2 (100.0%, 95% CI 34.2-100.0%; 2/2 as black)")


def test_match_command_says_a_fractional_time_is_rounded_up(fake, tmp_path):
    args = ["match", fake("wait0"), fake("pass"), "-n", "1", "--size", "5", "--out", str(tmp_path)]
    result = CliRunner().invoke(cli, [*args, "--time", "0.5"])
    assert result.exit_code == 0, result.output
    assert "time_settings takes whole seconds; the engines get 1 s a move" in result.stderr
    assert "time_settings 0 1 1" in (tmp_path / "engine_a_0.log").read_text()
    whole = CliRunner().invoke(cli, [*args, "--time", "2"])
    assert whole.exit_code == 0 and "whole seconds" not in whole.stderr


def test_an_engine_that_overdraws_its_clock_loses_on_time(fake, tmp_path):
    spec = ClockSpec.parse("1")  # one second absolute; each move of "wait0.4" takes 0.4 s
    res = run_match(cfg(fake, "sparse", "wait0.4", games=1, clock=spec, out_dir=str(tmp_path)))
    g = res.games[0]
    assert (g.winner, g.forfeiter, g.forfeit_kind, g.result) == (0, 1, "timeout", "B+T")
    assert "lost on time" in g.detail and 3 <= len(g.move_times[1]) <= 4
    log = (tmp_path / "engine_b_0.log").read_text()
    assert "time_settings 1 0 0" in log and "time_left w 1 0" in log
    rec = read_sgf_file(g.sgf_path)
    assert "W clock" in rec.comments[2] and "s main" in rec.comments[2]
    assert any("clock 1s: B used" in line and "lost on time 1" in line for line in res.summary())


def test_byo_yomi_periods_renew_and_are_told_to_the_engine(fake, tmp_path):
    spec = ClockSpec.parse("0.5+2x2")  # half a second, then 2 moves in 2 s: 0.3 s moves fit
    res = run_match(cfg(fake, "sparse", "wait0.3", games=1, clock=spec, out_dir=str(tmp_path)))
    g = res.games[0]
    assert g.forfeit_kind is None and len(g.move_times[1]) >= 6, g.detail
    log = (tmp_path / "engine_b_0.log").read_text()
    assert "time_settings 0 2 2" in log and "time_left w 2 2" in log and "time_left w 1 1" in log


def test_clock_and_seconds_per_move_exclude_each_other(fake):
    with pytest.raises(ValueError, match="not both"):
        cfg(fake, "sparse", "sparse", clock=ClockSpec(60), seconds_per_move=1.0)


def test_match_command_refuses_a_malformed_clock_in_one_line(fake):
    result = CliRunner().invoke(cli, ["match", fake("sparse"), fake("sparse"), "--clock", "ten minutes"])
    assert result.exit_code == 2 and "expected MAIN or MAIN+STONESxPERIOD" in result.output
    assert "Traceback" not in result.output
