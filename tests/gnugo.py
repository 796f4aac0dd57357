"""A small GTP client for tests: runs ``gnugo --mode gtp`` as a real subprocess.

Usage::

    path = find_gnugo()                      # None if GNU Go is not installed
    with GnuGo("--chinese-rules", "--positional-superko", path=path) as gg:
        gg.send("boardsize 9")               # -> "" (the text after "= ")
        gg.send("play black E5")
        ok, text = gg.try_send("play white E5")   # -> (False, "illegal move")
        stones = gg.send("list_stones black").split()

``send`` raises ``GtpError`` on a ``?`` answer; ``try_send`` returns it instead. One GTP answer
ends at an empty line (GTP version 2 draft, section 3.4); command ids are not used.

Tests use the ``gnugo_path`` fixture of ``tests/conftest.py``, which skips with a clear reason
when GNU Go is absent (CI installs it, so there the tests run).
"""

from __future__ import annotations

import os
import shutil
import subprocess

GNUGO_FALLBACK = "/usr/games/gnugo"  # where Debian/Ubuntu's gnugo package puts it (not on PATH)


class GtpError(RuntimeError):
    """GNU Go answered ``? message`` (``.message`` holds the text), or the process died."""

    def __init__(self, command: str, message: str):
        super().__init__(f"{command!r} failed: {message}")
        self.command = command
        self.message = message


def find_gnugo() -> str | None:
    """Path of the ``gnugo`` executable on PATH or in ``/usr/games``, else ``None``."""
    found = shutil.which("gnugo")
    if found:
        return found
    if os.path.isfile(GNUGO_FALLBACK) and os.access(GNUGO_FALLBACK, os.X_OK):
        return GNUGO_FALLBACK
    return None


class GnuGo:
    """One ``gnugo --mode gtp`` process; ``options`` are extra command-line flags."""

    def __init__(self, *options: str, path: str | None = None):
        exe = path or find_gnugo()
        if exe is None:
            raise FileNotFoundError(f"gnugo is neither on PATH nor at {GNUGO_FALLBACK}")
        self.args = [exe, "--mode", "gtp", *options]
        self.proc = subprocess.Popen(
            self.args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            bufsize=1,
        )

    def try_send(self, command: str) -> tuple[bool, str]:
        """Send one command; return ``(True, answer)`` on ``=``, ``(False, error)`` on ``?``.

        Raises:
            GtpError: if GNU Go has exited or answers something that is not GTP.
        """
        if self.proc.poll() is not None:
            raise GtpError(command, f"gnugo exited with status {self.proc.returncode}")
        self.proc.stdin.write(command.strip() + "\n")
        self.proc.stdin.flush()
        lines = []
        while True:
            line = self.proc.stdout.readline()
            if line == "":
                raise GtpError(command, "gnugo closed its output")
            line = line.rstrip("\r\n")
            if line == "" and lines:
                break
            if line or lines:
                lines.append(line)
        head = lines[0]
        if head[:1] not in ("=", "?"):
            raise GtpError(command, f"not a GTP answer: {head!r}")
        text = "\n".join([head[1:].strip(), *lines[1:]]).strip()
        return head[0] == "=", text

    def send(self, command: str) -> str:
        """Send one command and return the answer text; raise ``GtpError`` on ``?``."""
        ok, text = self.try_send(command)
        if not ok:
            raise GtpError(command, text)
        return text

    def close(self) -> None:
        """Send ``quit`` and wait for the process (killed after 5 s)."""
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            stream.close()

    def __enter__(self) -> GnuGo:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
