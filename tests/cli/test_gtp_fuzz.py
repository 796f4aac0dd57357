"""Fuzzed GTP against the real ``go-engine gtp`` process: it never dies and answers every line well.

The input (``tests/cli/gtp_fuzz.py``) is piped in at once, ``quit`` last; the output must hold one
well-formed answer (``=``/``?``, the command's id, ended by an empty line) per line that GTP wants
answered, no internal error, and the process must exit 0 after ``quit``. The default suite sends
2,000 lines; the slow test sends 100,000.
"""

from __future__ import annotations

import random
import subprocess
import sys

import pytest

from tests.cli.gtp_fuzz import check_answers, fuzz_lines, garbage_files, split_answers

ENGINE = [sys.executable, "-m", "cli", "gtp", "--size", "9", "--pipeline", "rollout", "--playouts", "4"]


def run_fuzz(tmp_path, count: int, seed: int, timeout: float) -> None:
    rng = random.Random(seed)
    files = garbage_files(tmp_path, rng)
    lines = fuzz_lines(rng, count, files)
    data = b"\n".join(lines) + b"\nquit\n"
    proc = subprocess.run(ENGINE, input=data, capture_output=True, timeout=timeout, cwd=tmp_path)
    out = proc.stdout.decode("utf-8", errors="replace")
    answers = split_answers(out)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-3000:]
    assert answers and answers[-1] == ["= "], answers[-3:]  # quit was answered: no line ended the session
    problems = check_answers(lines, answers[:-1])
    assert not problems, "\n".join(problems[:20])


def test_fuzzer_lines_are_varied_and_well_counted():
    rng = random.Random(0)
    lines = fuzz_lines(rng, 3000, ["f.sgf"])
    assert len(lines) == 3000 and len(set(lines)) > 2000
    assert any(b"\xff" in ln or b"\x80" in ln for ln in lines) and any(ln.strip() == b"" for ln in lines)
    assert any(ln.startswith(b"loadsgf f.sgf") for ln in lines) and not any(ln.strip() == b"quit" for ln in lines)
    answers = split_answers("= a\n\n?3 unknown command\n\n=\ninfo move A1\n\n")
    assert answers == [["= a"], ["?3 unknown command"], ["=", "info move A1"]]
    assert check_answers([b"name", b"# c", b"3 foo", b"lz-analyze"], answers) == []
    assert check_answers([b"name", b"4 foo", b"x"], answers) != []


def test_lines_that_the_fuzzer_found_crashing(tmp_path):
    (tmp_path / "nan.sgf").write_bytes(b"(;GM[1]SZ[9]KM[nan];B[ee])")
    lines = [
        "² name".encode(),  # a non-ASCII digit as the id: int() raised and ended the session
        b"1" * 5000 + b" name",  # an id longer than int() converts
        b"lz-analyze b " + b"1" * 70,  # an interval too large for a float
        b"lz-analyze b interval " + b"9" * 40,
        b"loadsgf nan.sgf",  # KM[nan]: an internal error
        "\u3000".encode(),  # not GTP white space: wants an answer
    ]
    proc = subprocess.run(ENGINE, input=b"\n".join(lines) + b"\nquit\n", capture_output=True, timeout=120, cwd=tmp_path)
    answers = split_answers(proc.stdout.decode("utf-8", errors="replace"))
    assert proc.returncode == 0 and answers[-1] == ["= "]
    assert check_answers(lines, answers[:-1]) == []
    assert answers[4] == ["? cannot load file"] and answers[5] == ["? unknown command"]


def test_gtp_survives_2000_fuzzed_lines(tmp_path):
    run_fuzz(tmp_path, 2000, seed=1, timeout=300)


@pytest.mark.slow
@pytest.mark.timeout(5400)
def test_gtp_survives_100000_fuzzed_lines(tmp_path):  # about 30 minutes on a shared 2-core VM
    run_fuzz(tmp_path, 100_000, seed=2, timeout=3600)
