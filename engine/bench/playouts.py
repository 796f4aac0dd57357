"""Measurements behind ``go-engine bench playouts``: throughput, start-up times, OpenSpiel baseline.

* Throughput: ``engine.rollout.playout.playout_rate`` from the empty board, the process pinned to one
  core (``os.sched_setaffinity``) while it runs. Every playout converts the full board first.
  Rates are given per wall-clock second and per CPU second of the measuring thread (the latter
  is not lowered by other processes sharing the core).
* Start-up: a fresh ``python`` subprocess times ``import engine.rollout.playout`` plus the first
  ``random_playouts`` call. ``compile_seconds_cold`` runs it with an empty temporary
  ``NUMBA_CACHE_DIR`` (every kernel compiles); ``start_seconds_warm`` runs it again with the cache
  that run filled. The ``process_seconds_*`` figures add interpreter start-up; the
  ``*_cpu_seconds_*`` ones are the subprocess's CPU time for the same span.
* OpenSpiel (when ``pyspiel`` imports): ``pyspiel.evaluate_bots`` with two C++ uniform random bots
  plays whole games from the empty board in C++ for the same seconds. Its random games also fill
  eyes and run to OpenSpiel's cap of ``2 * n * n`` moves, so games/s and moves/s are both shown.

Throughput rounds alternate ours and OpenSpiel's, and the report gives medians over rounds.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from engine.board import Board
from engine.rollout.playout import playout_rate, timed_rates

_START_CODE = """
import time
t0, c0 = time.perf_counter(), time.process_time()
from engine.board import Board
from engine.rollout.playout import random_playouts
random_playouts(Board({size}), 1, seed=0)
print(time.perf_counter() - t0, time.process_time() - c0)
"""


@contextlib.contextmanager
def pinned_to_one_core():
    """Run the block on one CPU of the current affinity set (the last one); restore afterwards.

    Yields the CPU number, or ``None`` where affinity cannot be set.
    """
    if not hasattr(os, "sched_setaffinity"):
        yield None
        return
    before = os.sched_getaffinity(0)
    cpu = max(before)
    try:
        os.sched_setaffinity(0, {cpu})
    except OSError:
        yield None
        return
    try:
        yield cpu
    finally:
        os.sched_setaffinity(0, before)


def start_times(size: int) -> dict[str, float]:
    """Cold (empty Numba cache) and warm (cache filled) import + first playout, in subprocesses."""
    out = {}
    with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        env.pop("NUMBA_DISABLE_JIT", None)
        for label in ("cold", "warm"):
            t0 = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-c", _START_CODE.format(size=size)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            out[f"process_seconds_{label}"] = time.perf_counter() - t0
            wall, cpu = (float(v) for v in proc.stdout.split()[-2:])
            name = "compile_seconds_cold" if label == "cold" else "start_seconds_warm"
            out[name] = wall
            out[name.replace("_seconds_", "_cpu_seconds_")] = cpu
    return out


def openspiel_rate(size: int, seconds: float, seed: int = 0) -> dict[str, float] | None:
    """Whole uniformly random games of OpenSpiel's C++ Go per second, or ``None`` without pyspiel."""
    try:
        import pyspiel
    except ImportError:
        return None
    game = pyspiel.load_game("go", {"board_size": size})
    bots = [pyspiel.make_uniform_random_bot(0, seed), pyspiel.make_uniform_random_bot(1, seed + 1)]
    games = 0

    def step() -> tuple[int, int]:
        nonlocal games
        state = game.new_initial_state()
        pyspiel.evaluate_bots(state, bots, seed + games)
        games += 1
        return 1, len(state.history())

    return timed_rates(step, seconds)


def playout_report(size: int, seconds: float, rounds: int = 3, startup: bool = True, seed: int = 0) -> dict:
    """Everything ``bench playouts`` prints, as one JSON-ready dict (see the module docstring)."""
    board = Board(size)
    ours, theirs = [], []
    with pinned_to_one_core() as cpu:
        for r in range(rounds):
            ours.append(playout_rate(board, seconds, seed=seed + r))
            other = openspiel_rate(size, seconds, seed=seed + r)
            if other is not None:
                theirs.append(other)
    keys = ("playouts_per_second", "moves_per_second", "playouts_per_cpu_second", "moves_per_cpu_second", "mean_length")
    report = {"size": size, "seconds": seconds, "rounds": rounds, "pinned_cpu": cpu}
    report.update({k: statistics.median(x[k] for x in ours) for k in keys})
    if theirs:
        report.update({f"openspiel_{k}": statistics.median(x[k] for x in theirs) for k in keys})
        report["ratio"] = report["playouts_per_second"] / report["openspiel_playouts_per_second"]
        report["ratio_cpu"] = report["playouts_per_cpu_second"] / report["openspiel_playouts_per_cpu_second"]
    if startup:
        report.update(start_times(size))
    return report


def _rate_line(label: str, report: dict, prefix: str) -> str:
    r = {k[len(prefix) :]: v for k, v in report.items() if k.startswith(prefix)}
    return (
        f"  {label:<10}: {r['playouts_per_second']:>9,.0f} playouts/s {r['moves_per_second']:>12,.0f} moves/s"
        f"  | per CPU second {r['playouts_per_cpu_second']:>9,.0f} playouts {r['moves_per_cpu_second']:>12,.0f} moves"
        f"  ({r['mean_length']:.1f} moves each)"
    )


def format_report(report: dict) -> str:
    """Human-readable lines for a ``playout_report`` dict."""
    n = report["size"]
    lines = [
        f"random playouts, {n}x{n}, empty board, one core (cpu {report['pinned_cpu']}), "
        f"median of {report['rounds']} x {report['seconds']:g} s",
        _rate_line("go-engine", report, ""),
    ]
    if "ratio" in report:
        lines.append(_rate_line("OpenSpiel", report, "openspiel_"))
        lines.append(
            f"  ratio     : {report['ratio']:.1f}x OpenSpiel's C++ random games"
            f" ({report['ratio_cpu']:.1f}x per CPU second)"
        )
    else:
        lines.append("  OpenSpiel : not installed (pip install open-spiel)")
    if "compile_seconds_cold" in report:
        lines.append(
            f"  start     : cold {report['compile_seconds_cold']:.2f} s (empty Numba cache), "
            f"warm {report['start_seconds_warm']:.2f} s (import + first playout; CPU "
            f"{report['compile_cpu_seconds_cold']:.2f} / {report['start_cpu_seconds_warm']:.2f} s; whole process "
            f"{report['process_seconds_cold']:.2f} / {report['process_seconds_warm']:.2f} s)"
        )
    return "\n".join(lines)


def to_json(report: dict) -> str:
    """The report as one JSON object."""
    return json.dumps(report, sort_keys=True)
