"""Live processes read from ``/proc`` (Linux), for tests that check what a signalled command leaves behind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path


def live_processes() -> Iterator[tuple[int, list[str], str]]:
    """``(pid, stat fields after the command name, command line)`` of every live (non-zombie) process.

    The stat fields start with the state (``fields[0]``), then the parent pid, the process group
    (``fields[2]``) and the session (``fields[3]``).
    """
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if fields[0] != "Z":
            yield int(d.name), fields, cmd


def group(pgid: int) -> list[int]:
    """Live (non-zombie) processes of process group ``pgid``."""
    return [pid for pid, fields, _ in live_processes() if int(fields[2]) == pgid]


def session(sid: int) -> list[tuple[int, str]]:
    """Live processes of session ``sid`` with their command lines."""
    return [(pid, cmd) for pid, fields, cmd in live_processes() if int(fields[3]) == sid]
