"""``go-engine gtp`` in a child process, for tests that speak GTP to it over pipes."""

from __future__ import annotations

import subprocess
import sys


class GtpProcess:
    """``python -m cli gtp ARGS`` with pipes; ``send`` a command, read its ``answer`` (the lines up to the empty one).

    A context manager: leaving it kills the process (if still running) and reaps it.
    """

    def __init__(self, *args: str, stderr=subprocess.DEVNULL):
        cmd = [sys.executable, "-m", "cli", "gtp", *args]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, text=True)

    def send(self, cmd: str) -> None:
        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()

    def answer(self) -> list[str]:
        lines = []
        while (line := self.proc.stdout.readline()) not in ("\n", ""):
            lines.append(line.rstrip("\n"))
        return lines

    def ask(self, cmd: str) -> str:
        """``send`` then the answer as one string."""
        self.send(cmd)
        return "\n".join(self.answer())

    def __enter__(self) -> GtpProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.proc.kill()
        self.proc.communicate()
