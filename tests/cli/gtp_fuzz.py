"""A GTP fuzzer: hostile input lines for ``go-engine gtp`` and a checker of the answers.

``fuzz_lines(rng, count, files)`` makes ``count`` input lines (bytes, without the newline):
commands known and unknown with wrong argument counts and types, huge and tiny numbers, sizes
from -1 to 10^30, vertices off the board, colours that are not, ``loadsgf`` of garbage files,
unicode, control characters, invalid UTF-8, comments, empty lines, long lines and ids (numeric,
huge, non-ASCII digits). Every command the engine knows comes with well-formed arguments often
enough to reach the handlers; ``quit`` is never sent (the caller ends the input).

``expects_answer(line)`` says whether GTP (version 2 draft 2, section 3.1) wants an answer to a
line: it does unless nothing but spaces and tabs is left once control characters and the comment
after ``#`` are removed.

``split_answers(text)`` cuts the engine's output into answers (each ended by an empty line) and
``check_answers(lines, answers)`` returns the problems: a missing or extra answer, an answer that
does not start with ``=`` or ``?``, an id that does not match the command's, or an internal error
(a handler bug that the session caught).
"""

from __future__ import annotations

import random
import re

COMMANDS = (
    "boardsize clear_board final_score final_status_list fixed_handicap genmove gogui-analyze_commands "
    "kgs-genmove_cleanup kgs-time_settings known_command komi list_commands list_stones loadsgf lz-analyze "
    "lz-genmove_analyze name place_free_handicap play printsgf protocol_version reg_genmove "
    "set_free_handicap showboard time_left time_settings undo version"
).split()
"""every command of ``go-engine gtp`` but ``quit``"""
SLOW = {"genmove", "reg_genmove", "kgs-genmove_cleanup", "lz-genmove_analyze", "final_score", "final_status_list"}
"""commands that search or run playouts: sent less often, so that a run stays short"""

_UNICODE = ["é", "ß", "日本", "🀄", "\u200b", "\u202e", "\ufeff", "\u3000", "\xa0", "\x85", "Ａ１", "²", "١٢", "\u0301"]
_CONTROL = [chr(c) for c in range(32) if chr(c) not in "\r\n"] + ["\x7f"]
_INTS = ["0", "1", "2", "-1", "+3", "7", "9", "13", "19", "20", "25", "361", "-0", "00", "1e3", "0x10", "10" * 20]
_FLOATS = ["7.5", "0", "-7.5", "0.5", "nan", "inf", "-inf", "1e308", "1e-320", "6.5.5", "1_000", "１"]
_COLORS = ["b", "w", "black", "white", "B", "WHITE", "x", "o", "bw", "", "empty"]
_LETTERS = "ABCDEFGHJKLMNOPQRSTUVWXYZIabcdefghjkt"


def _vertex(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.1:
        return rng.choice(["pass", "PASS", "resign", "tt", "A0", "Z26", "A-1", "I5", "A99999999999999999999"])
    return rng.choice(_LETTERS) + str(rng.choice([rng.randint(1, 9), rng.randint(0, 25)]))


def _word(rng: random.Random, files: list[str]) -> str:
    kind = rng.randrange(10)
    if kind == 0:
        return rng.choice(_INTS)
    if kind == 1:
        return rng.choice(_FLOATS)
    if kind == 2:
        return rng.choice(_COLORS)
    if kind == 3:
        return _vertex(rng)
    if kind == 4:
        return rng.choice(_UNICODE) * rng.randint(1, 3)
    if kind == 5 and files:
        return rng.choice(files)
    if kind == 6:
        return str(rng.choice([10**30, -(10**30), 2**63, -(2**31), 10**400]))
    if kind == 7:
        return "".join(rng.choice(_CONTROL + ["a", "#", "\\", '"', "(", ";"]) for _ in range(rng.randint(1, 4)))
    return "".join(rng.choice("abcxyz019-_.") for _ in range(rng.randint(1, 8)))


def _good_args(name: str, rng: random.Random, files: list[str]) -> list[str]:
    """Arguments of the right shape for ``name`` (values may still be out of range)."""
    color = rng.choice(["b", "w"])
    table = {
        "boardsize": [rng.choice(["9", "9", "5", "7", "13", "19", "2", "1", "0", "-1", "20", "1000"])],
        "komi": [rng.choice(_FLOATS)],
        "play": [color, _vertex(rng)],
        "genmove": [color],
        "reg_genmove": [color],
        "kgs-genmove_cleanup": [color],
        "list_stones": [color],
        "fixed_handicap": [rng.choice(["2", "4", "9", "1", "10", "0"])],
        "place_free_handicap": [rng.choice(["2", "5", "9", "0", "400"])],
        "set_free_handicap": [_vertex(rng) for _ in range(rng.randint(0, 5))],
        "final_status_list": [rng.choice(["dead", "alive", "seki", "x"])],
        "known_command": [rng.choice([*COMMANDS, "quit", "foo"])],
        "undo": [],
        "loadsgf": [rng.choice(files) if files else "none.sgf", str(rng.randint(-2, 60))][: rng.randint(1, 2)],
        "time_settings": [str(rng.randint(0, 5)), str(rng.randint(0, 3)), str(rng.randint(0, 3))],
        "kgs-time_settings": [rng.choice(["none", "absolute", "byoyomi", "canadian", "x"])]
        + [str(rng.randint(0, 3)) for _ in range(rng.randint(0, 3))],
        "time_left": [color, str(rng.randint(0, 3)), str(rng.randint(0, 2))],
        "lz-analyze": [color, str(rng.randint(1, 50))][: rng.randint(0, 2)],
        "lz-genmove_analyze": [color, str(rng.randint(1, 50))][: rng.randint(1, 2)],
        "printsgf": [],
    }
    return table.get(name, [])


def _command_line(rng: random.Random, files: list[str]) -> str:
    roll = rng.random()
    if roll < 0.8:
        name = rng.choice(COMMANDS)
        while name in SLOW and rng.random() < 0.8:
            name = rng.choice(COMMANDS)
    elif roll < 0.9:
        name = rng.choice(COMMANDS).upper()
    else:
        name = _word(rng, files)
    if name == "printsgf":  # it writes files: only ever into the fuzzer's own folder
        args = [rng.choice(files) + ".out"] if files and rng.random() < 0.5 else []
    elif rng.random() < 0.6:
        args = _good_args(name, rng, files)
    else:
        args = [_word(rng, files) for _ in range(rng.randint(0, 5))]
    words = [name, *args]
    if rng.random() < 0.25:
        words.insert(0, rng.choice(["1", "42", "007", "0", "9" * 30, "1" * 5000, "²", "١", "-3", "+4", "1.5"]))
    sep = rng.choice([" ", " ", " ", "\t", "  ", " \t "])
    line = sep.join(words)
    if rng.random() < 0.1:
        line += " #" + _word(rng, files)
    if rng.random() < 0.05:
        line = rng.choice(["", " ", "\t"]) + line + rng.choice(["", " ", "\t", "\x00"])
    return line


def fuzz_lines(rng: random.Random, count: int, files: list[str]) -> list[bytes]:
    """``count`` fuzzed input lines (UTF-8 bytes, some invalid on purpose), none of them ``quit``."""
    out: list[bytes] = []
    while len(out) < count:
        roll = rng.random()
        if roll < 0.05:
            line = rng.choice(["", " ", "\t", "   \t", "# a comment", "#", "\x01\x02", " # quit"]).encode()
        elif roll < 0.07:
            line = bytes(rng.choice([*range(0x80, 0x100), 0x41, 0x20]) for _ in range(rng.randint(1, 12)))
        elif roll < 0.08:
            line = (rng.choice(COMMANDS) + " " + "x" * rng.randint(1000, 20000)).encode()
        else:
            line = _command_line(rng, files).encode("utf-8")
        if rng.random() < 0.03:
            line += b"\r"  # a CRLF line end
        if re.fullmatch(rb"\s*(\d+\s+)?quit\b.*", line.split(b"#")[0].replace(b"\x00", b"")):
            continue
        out.append(line)
    return out


def garbage_files(folder, rng: random.Random) -> list[str]:
    """Write files that ``loadsgf`` must refuse or survive into ``folder``; return their paths."""
    samples = {
        "empty.sgf": b"",
        "binary.sgf": bytes(rng.randrange(256) for _ in range(2000)),
        "truncated.sgf": b"(;FF[4]GM[1]SZ[9];B[ee];W[",
        "size0.sgf": b"(;GM[1]SZ[0];B[aa])",
        "size52.sgf": b"(;GM[1]SZ[52];B[aa])",
        "size1e9.sgf": b"(;GM[1]SZ[1000000000];B[aa])",
        "rect.sgf": b"(;GM[1]SZ[9:13];B[aa])",
        "chess.sgf": b"(;GM[3]SZ[8])",
        "offboard.sgf": b"(;GM[1]SZ[9];B[zz];W[jj])",
        "illegal.sgf": b"(;GM[1]SZ[9];B[ee];W[ee])",
        "suicide.sgf": b"(;GM[1]SZ[5]AB[ba][ab];W[aa])",
        "komi.sgf": b"(;GM[1]SZ[9]KM[nan]HA[-3];B[ee])",
        "deep.sgf": b"(;GM[1]SZ[9]" + b"(;B[aa]" * 3000 + b")" * 3000 + b")",
        "unicode.sgf": "(;GM[1]SZ[9]C[日本語 🀄]PB[\u202e];B[ee])".encode(),
        "latin1.sgf": b"(;GM[1]CA[ISO-8859-1]SZ[9]PB[J\xe9r\xf4me];B[ee])",
        "badca.sgf": b"(;GM[1]CA[klingon]SZ[9];B[ee])",
        "many.sgf": b"(;GM[1]SZ[19]" + b"".join(b";B[%c%c]" % (97 + i % 19, 97 + i // 19) for i in range(361)) + b")",
        "good.sgf": b"(;GM[1]FF[4]SZ[9]KM[7.5];B[ee];W[gc];B[cg];W[];B[])",
        "ab_ae.sgf": b"(;GM[1]SZ[9]AB[aa:ii]AE[ee];W[ee])",
    }
    paths = []
    for name, data in samples.items():
        path = folder / name
        path.write_bytes(data)
        paths.append(str(path))
    paths += [str(folder / "missing.sgf"), str(folder), "/dev/null"]
    return paths


# ------------------------------------------------------------------------------ checking
_HEAD = re.compile(r"([=?])(\d*)(?: |$)")


def expects_answer(line: bytes) -> bool:
    """True if GTP wants an answer to ``line``: something other than spaces and tabs is left."""
    text = re.sub(rb"[\x00-\x08\x0a-\x1f\x7f]", b"", line).split(b"#", 1)[0]
    return text.strip(b" \t") != b""


def split_answers(text: str) -> list[list[str]]:
    """The engine's output cut into answers: lists of lines, each answer ended by an empty line."""
    answers, current = [], []
    for line in text.split("\n"):
        if line == "":
            if current:
                answers.append(current)
                current = []
            continue
        current.append(line)
    if current:
        answers.append(current + ["<not ended by an empty line>"])
    return answers


def _expected_id(line: bytes) -> str:
    """The id GTP echoes for ``line``: its leading ASCII digits as a number, or ``""``."""
    text = re.sub(rb"[\x00-\x08\x0a-\x1f\x7f]", b"", line).split(b"#", 1)[0].replace(b"\t", b" ")
    words = text.strip(b" ").split(b" ")
    if re.fullmatch(rb"[0-9]+", words[0]):
        return words[0].lstrip(b"0").decode() or "0"
    return ""


def check_answers(lines: list[bytes], answers: list[list[str]]) -> list[str]:
    """Problems found: answer count, malformed heads, wrong ids, internal errors (empty if none)."""
    wanted = [line for line in lines if expects_answer(line)]
    problems = []
    if len(answers) != len(wanted):
        problems.append(f"{len(wanted)} lines want an answer, got {len(answers)}")
    for line, answer in zip(wanted, answers, strict=False):  # a count mismatch is reported above
        head = _HEAD.match(answer[0])
        if head is None or answer[-1] == "<not ended by an empty line>":
            problems.append(f"malformed answer {answer[:2]!r} to {line[:80]!r}")
        elif head.group(2) != _expected_id(line):
            problems.append(f"id {head.group(2)!r} answers {line[:80]!r}")
        elif head.group(1) == "?" and "internal error" in answer[0]:
            problems.append(f"{answer[0][:200]!r} to {line[:80]!r}")
    return problems
