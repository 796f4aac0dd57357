"""Pondering (``GtpSession(ponder=True)``): searching between commands, stopped at once, tree kept."""

from __future__ import annotations

import io
import statistics
import subprocess
import sys
import threading
import time

from cli.gtp import GtpSession
from engine.config import MCTSConfig
from engine.player import RandomPlayer
from engine.search.player import MCTSPlayer

SIMS = 30


def _player() -> MCTSPlayer:
    return MCTSPlayer(MCTSConfig(num_simulations=SIMS, max_nodes=200_000), seed=0)


class _TimedOut(io.StringIO):
    """A stdout that records when each answer ends (``stamps``)."""

    def __init__(self):
        super().__init__()
        self.stamps: list[float] = []
        self.answered = threading.Event()

    def write(self, text: str) -> int:
        n = super().write(text)
        if text.endswith("\n\n") or text == "\n":
            self.stamps.append(time.perf_counter())
            self.answered.set()
        return n


def _paced(lines, out: _TimedOut, pause: float, sent: list[float]):
    """Each line once the previous answer is out, ``pause`` seconds later; ``sent`` gets the times."""
    for ln in lines:
        assert out.answered.wait(60)
        out.answered.clear()
        time.sleep(pause)
        sent.append(time.perf_counter())
        yield ln + "\n"


def _visits_of_last_genmove(ponder: bool, pause: float) -> tuple[int, int]:
    player, out, sent = _player(), _TimedOut(), []
    out.answered.set()
    lines = ["boardsize 7", "play b D4", "genmove w", "quit"]
    GtpSession(player, _paced(lines, out, pause, sent), out, ponder=ponder).run()
    return sum(m.visits for m in player.last_info), player.last_simulations


def test_the_pondered_tree_is_reused():
    visits, searched = _visits_of_last_genmove(ponder=True, pause=0.5)
    assert searched <= SIMS + 8 and visits > searched + 50  # the ponder's visits carried over
    visits, searched = _visits_of_last_genmove(ponder=False, pause=0.5)
    assert visits <= searched + 1  # without pondering the genmove starts from an empty tree


def test_the_next_command_is_answered_at_once_while_pondering():
    player, out, sent = _player(), _TimedOut(), []
    out.answered.set()
    lines = ["boardsize 7", "genmove b", "name", "time_left b 10 0", "name", "play w pass", "name", "quit"]
    session = GtpSession(player, _paced(lines, out, 0.3, sent), out, ponder=True)
    session.run()
    assert out.getvalue().count("= go-engine") == 3
    waits = [out.stamps[i] - sent[i] for i in (2, 4, 6)]  # the "name"s, each after 0.3 s of pondering
    assert max(waits) < 0.25, waits  # ~ms on an idle machine; generous for a shared one
    assert session.ponderer is not None and not session.ponderer.running


def test_a_player_that_cannot_analyse_does_not_ponder():
    out = io.StringIO()
    session = GtpSession(RandomPlayer(0), ["boardsize 5\n", "genmove b\n"], out, ponder=True)
    session.run()
    assert not session.ponderer.able and out.getvalue().startswith("= \n\n= ")


def answer_times(size: int, ponder: bool, options: list[str], rounds: int = 8) -> list[float]:
    """Seconds from sending ``name`` to its answer, each after a ``genmove`` and 0.5 s (of pondering)."""
    flag = ["--ponder"] if ponder else []
    engine = [sys.executable, "-m", "cli", "gtp", "--size", str(size), *flag, *options]
    proc = subprocess.Popen(engine, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def ask(cmd: str) -> float:
        t0 = time.perf_counter()
        proc.stdin.write(cmd + "\n")
        proc.stdin.flush()
        while proc.stdout.readline() not in ("\n", ""):
            pass
        return time.perf_counter() - t0

    try:
        ask(f"boardsize {size}")
        ask("clear_board")
        waits = []
        for i in range(rounds):
            ask("genmove " + "bw"[i % 2])
            time.sleep(0.5)
            waits.append(ask("name"))
        ask("quit")
        proc.wait(30)
    finally:
        proc.kill()
    return waits


if __name__ == "__main__":  # python tests/cli/test_gtp_ponder.py SIZE [GTP OPTIONS...]: docs/gtp.md figures
    for ponder in (False, True, False, True):
        w = answer_times(int(sys.argv[1]), ponder, sys.argv[2:])
        print(f"ponder={ponder}: name answered in median {1000 * statistics.median(w):.1f} ms, max {1000 * max(w):.1f}")
