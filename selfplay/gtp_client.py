"""A GTP client: one engine process spoken to over stdin/stdout, with a timeout per request.

``GtpClient("gnugo --mode gtp --level 1").send("genmove b", timeout=10)`` -> ``(True, "D4")``.
Used by the match referee (``selfplay.match``), GNU Go data generation (``selfplay.expert_data``) and
``selfplay.rl.opponents.GtpPlayer``. Standard library only (no torch, no engine).
"""

from __future__ import annotations

import logging
import queue
import shlex
import subprocess
import threading
import time
from collections.abc import Sequence

log = logging.getLogger("go_engine.gtp_client")


class EngineDied(RuntimeError):
    """The engine process ended (or closed its output)."""


class EngineTimeout(Exception):
    """The engine did not answer in time."""


class GtpClient:
    """One engine process spoken to in GTP: ``send("genmove b", timeout)`` -> ``(ok, text)``.

    A reader thread moves the engine's stdout lines into a queue so that every request can have
    a timeout. Its stderr goes to ``stderr_path`` (or is discarded). ``command`` is a shell-style
    command line or an argument list. With ``ids`` (the default) each request carries a numeric
    id (``"3 genmove b"``); ``ids=False`` sends bare commands, for engines that do not parse ids.
    """

    def __init__(self, command: str | Sequence[str], stderr_path: str | None = None, ids: bool = True):
        self.command = command if isinstance(command, str) else shlex.join(command)
        args = shlex.split(command) if isinstance(command, str) else list(command)
        self._err = open(stderr_path, "a", encoding="utf-8") if stderr_path else subprocess.DEVNULL
        try:
            self.proc = subprocess.Popen(
                args,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._err,
                text=True,
                bufsize=1,
            )
        except OSError:
            self._close_err()
            raise
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._id = 0
        self._ids = ids
        self._eof = False
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _close_err(self) -> None:
        if self._err is not subprocess.DEVNULL:
            self._err.close()

    @property
    def alive(self) -> bool:
        """True while the process runs and its output is open."""
        return not self._eof and self.proc.poll() is None

    def send(self, command: str, timeout: float | None = None) -> tuple[bool, str]:
        """Send one command and wait for its answer (``timeout=None``: wait as long as it takes).

        Returns:
            ``(True, result)`` for ``=``, ``(False, message)`` for ``?``.

        Raises:
            EngineDied: the process ended or closed its output.
            EngineTimeout: no complete answer within ``timeout`` seconds.
        """
        if self._eof:
            raise EngineDied(f"engine output closed before {command!r}")
        self._id += 1
        try:
            self.proc.stdin.write(f"{self._id} {command}\n" if self._ids else f"{command}\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            raise EngineDied(f"cannot write to engine: {command}") from None
        deadline = None if timeout is None else time.monotonic() + timeout
        lines: list[str] = []
        while True:
            try:
                wait = None if deadline is None else max(deadline - time.monotonic(), 0.0)
                line = self._lines.get(timeout=wait)
            except queue.Empty:
                raise EngineTimeout(f"no answer to {command!r} within {timeout:g}s") from None
            if line is None:
                self._eof = True
                raise EngineDied(f"engine exited while answering {command!r}")
            line = line.rstrip("\r\n")
            if not lines and not line.strip():
                continue  # stray empty lines between answers
            if not lines and line[:1] not in ("=", "?"):
                log.debug("ignoring engine output %r", line)
                continue
            if lines and not line.strip():
                break
            lines.append(line)
        head = lines[0]
        ok = head[0] == "="
        first = head[1:].lstrip("0123456789").strip()
        return ok, "\n".join([first, *lines[1:]]).strip()

    def close(self, timeout: float = 2.0, graceful: bool = True) -> None:
        """Ask the engine to quit (if ``graceful``); kill it if it does not end within ``timeout``."""
        if graceful and self.alive:
            try:
                self.send("quit", timeout)
            except (EngineDied, EngineTimeout):
                pass
        try:
            self.proc.wait(timeout=timeout if graceful else 0)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self._close_err()
