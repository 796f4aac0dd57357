"""``kata-analyze`` timing with the engine as a subprocess: the first info line and the report interval.

``python tests/cli/test_gtp_kata_timing.py SIZE RUNS [GTP OPTIONS...]`` prints the medians
(docs/gtp.md, "KataGo's format"); the slow test checks them loosely on 9x9.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

import pytest

COMMAND = "kata-analyze w 10 ownership true"
LINES = 11


def measure(size: int, runs: int, options: list[str]) -> tuple[list[float], list[float]]:
    """``(seconds to the first info line per run, seconds between lines)`` of ``runs`` analyses."""
    engine = [sys.executable, "-m", "cli", "gtp", "--size", str(size), *options]
    proc = subprocess.Popen(engine, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def send(cmd: str) -> None:
        proc.stdin.write(cmd + "\n")
        proc.stdin.flush()

    def answer() -> list[str]:
        lines = []
        while (line := proc.stdout.readline()) not in ("\n", ""):
            lines.append(line)
        return lines

    firsts, gaps = [], []
    try:
        for cmd in (f"boardsize {size}", "clear_board", "play b D4"):
            send(cmd)
            answer()
        for _ in range(runs):
            t0 = time.perf_counter()
            send(COMMAND)
            assert proc.stdout.readline().startswith("=")
            stamps = []
            for _ in range(LINES):
                line = proc.stdout.readline()
                stamps.append(time.perf_counter())
                assert line.startswith("info move") and len(line.split("ownership")[1].split()) == size * size
            firsts.append(stamps[0] - t0)
            gaps += [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
            send("name")  # ends the analysis, then is answered
            answer()
            answer()
        send("quit")
        proc.wait(30)
    finally:
        proc.kill()
    return firsts, gaps


@pytest.mark.slow
def test_first_line_and_interval():
    firsts, gaps = measure(9, 3, ["--pipeline", "rollout"])
    assert statistics.median(firsts[1:]) < 0.4 and 0.07 < statistics.median(gaps) < 0.2  # loose: shared machines


if __name__ == "__main__":
    size, runs, options = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    firsts, gaps = measure(size, runs, options)
    print(
        f"{size}x{size} {' '.join(options)}: first line median {1000 * statistics.median(firsts):.0f} ms "
        f"(min {1000 * min(firsts):.0f}, max {1000 * max(firsts):.0f}) over {runs} analyses; interval median "
        f"{1000 * statistics.median(gaps):.0f} ms (p90 {1000 * sorted(gaps)[int(0.9 * len(gaps))]:.0f})"
        f" over {len(gaps)}"
    )
