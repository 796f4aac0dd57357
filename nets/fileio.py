"""Atomic file writing, shared by ``nets`` and ``selfplay`` (standard library only, no torch).

``with atomic_write(path, "w") as f: f.write(text)`` writes to a temporary file in the target's
folder (created if missing), flushes and fsyncs it, then ``os.replace``-s it over ``path`` and
fsyncs the folder (where the platform allows), so a reader or a crash sees either the old file or
the new one, never half of one. If the body raises, the temporary file is removed and ``path`` is
left as it was.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any


@contextmanager
def atomic_write(
    path: str | os.PathLike,
    mode: str = "wb",
    *,
    encoding: str | None = None,
    newline: str | None = None,
    suffix: str = ".tmp",
) -> Iterator[IO[Any]]:
    """Open a temporary file for writing that replaces ``path`` when the ``with`` block ends.

    Args:
        path: the target file.
        mode: ``"wb"`` (binary) or ``"w"`` (text; ``encoding`` defaults to UTF-8).
        encoding: text encoding (text mode only).
        newline: newline translation (text mode only), as for ``open``.
        suffix: suffix of the temporary file's name.

    Yields:
        The open temporary file.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write mode must be 'w' or 'wb', not {mode!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    text = {"encoding": encoding or "utf-8", "newline": newline} if mode == "w" else {}
    try:
        with os.fdopen(fd, mode, **text) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    with suppress(OSError):  # make the rename durable; not every platform can open a folder
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
