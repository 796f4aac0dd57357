"""``go-engine gtp --threads N``: a real root-parallel GTP session, its shutdown, and the net warning."""

import logging
import os
import re
import subprocess
import sys
import time

import pytest

from selfplay.players import player_from_options as build_player

GTP = [sys.executable, "-m", "cli", "gtp", "--pipeline", "rollout", "--size", "9", "--seed", "0", "-v"]


def gone(pid: int, timeout: float = 10.0) -> bool:
    """True once no process ``pid`` exists (an exited child of an exited parent is reaped by init)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def session(args, lines, quit_=True):
    """Run ``go-engine gtp`` with ``args``; send ``lines`` one by one; return (answers, stderr, exit code)."""
    proc = subprocess.Popen(
        GTP + args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    answers = []
    try:
        for cmd in lines + (["quit"] if quit_ else []):
            proc.stdin.write(cmd + "\n")
            proc.stdin.flush()
            block = []
            while (line := proc.stdout.readline()) not in ("\n", ""):
                block.append(line.rstrip("\n"))
            answers.append(block)
        _, stderr = proc.communicate(timeout=30)  # closes stdin: without quit, the end of input ends the session
        return answers, stderr, proc.returncode
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def worker_pids(stderr: str) -> list[int]:
    return [int(p) for p in re.findall(r"search worker \d+ started \(pid (\d+)\)", stderr)]


@pytest.mark.parametrize("quit_", [True, False], ids=["quit", "eof"])
def test_gtp_threads_session_plays_and_quits_cleanly(quit_):
    lines = ["komi 7.5", "genmove b", "genmove w", "genmove b", "lz-genmove_analyze w 10"]
    answers, stderr, code = session(["--threads", "2", "--playouts", "200"], lines, quit_)
    assert code == 0, stderr
    moves = [a[0][2:] for a in answers[1:4]]
    assert all(len(a) == 1 and a[0].startswith("= ") for a in answers[1:4])
    assert len(set(moves)) == 3 and "resign" not in moves
    assert answers[4][0] == "=" and answers[4][-1].startswith("play ")
    assert any(ln.startswith("info move ") for ln in answers[4])
    if quit_:
        assert answers[-1] == ["= "]
    pids = worker_pids(stderr)
    assert len(pids) == 2, stderr
    assert all(gone(p) for p in pids), "search workers outlived the GTP session"
    assert re.search(r"genmove B -> \w+ in [\d.]+s, 200 playouts", stderr)  # the split adds up
    assert "not supported" not in stderr and "ERROR" not in stderr


def test_gtp_one_thread_starts_no_worker():
    answers, stderr, code = session(["--threads", "1", "--playouts", "50"], ["genmove b"])
    assert code == 0 and answers[0][0].startswith("= ") and worker_pids(stderr) == []


def test_threads_with_a_net_warn_and_stay_single(caplog):
    pytest.importorskip("torch")
    from engine.search.root_parallel import RootParallelPlayer
    from nets.weights import shipped

    path, settings = shipped()[9]
    with caplog.at_level(logging.WARNING, "go_engine.gtp"):
        p = build_player("mcts", 0, str(path), "zero", "cpu", num_threads=2, num_simulations=10)
    assert not isinstance(p, RootParallelPlayer)
    assert "applies to the rollout search only" in caplog.text
