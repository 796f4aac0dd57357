"""Game records on disk: SGF files read, written atomically, and loaded by the folder.

The codec (``GameRecord``, ``parse_sgf``, ``to_sgf``) lives in ``engine/sgf.py``; this module adds
the file I/O that ``engine/`` must not do.

Contract:

* ``read_sgf_file`` raises ``SGFError`` whose message starts with the file path, then the problem.
* ``write_sgf_file`` writes UTF-8 to a temporary file in the target folder, flushes and fsyncs it,
  then ``os.replace``-s it over the target, so readers never see a half-written file.
* ``load_sgf_folder`` never raises on a broken file: it logs a warning and returns it among the
  failures.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from engine.sgf import GameRecord, SGFError, parse_sgf, record_to_board, to_sgf
from nets.fileio import atomic_write

log = logging.getLogger(__name__)


def read_sgf_file(path: str | os.PathLike, *, check_legal: bool = True) -> GameRecord:
    """Read one SGF file (its first game, main line).

    Args:
        path: the file.
        check_legal: replay the moves on a ``Board`` and reject illegal ones.

    Returns:
        The record.

    Raises:
        SGFError: naming the file and the problem (unreadable file included).
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise SGFError(f"{path}: cannot read file: {e.strerror or e}") from None
    try:
        record = parse_sgf(data)
        if check_legal:
            record_to_board(record)
    except SGFError as e:
        raise SGFError(f"{path}: {e}") from None
    return record


def write_sgf_file(path: str | os.PathLike, record: GameRecord) -> Path:
    """Write a record as an SGF file, atomically (temp file in the same folder + ``os.replace``).

    Args:
        path: the target file; its folder is created if missing. An existing file is replaced.
        record: the game.

    Returns:
        The path written.

    Raises:
        SGFError: if the record cannot be encoded (nothing is written then).
        OSError: if the file cannot be written (the target is left as it was).
    """
    path = Path(path)
    text = to_sgf(record)
    with atomic_write(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text if text.endswith("\n") else text + "\n")
    return path


def load_sgf_folder(
    folder: str | os.PathLike,
    *,
    pattern: str = "*.sgf",
    recursive: bool = True,
    check_legal: bool = True,
) -> tuple[list[GameRecord], list[tuple[Path, str]]]:
    """Read every SGF file of a folder, skipping (and logging) the broken ones.

    Args:
        folder: the folder.
        pattern: file name glob.
        recursive: also look in subfolders.
        check_legal: as in ``read_sgf_file``.

    Returns:
        ``(records, failures)``: the records of the good files in sorted path order, and
        ``(path, message)`` for each file that could not be read.

    Raises:
        NotADirectoryError: if ``folder`` is not a folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder}: not a folder")
    paths = sorted(folder.rglob(pattern) if recursive else folder.glob(pattern))
    records, failures = [], []
    for path in paths:
        if not path.is_file():
            continue
        try:
            records.append(read_sgf_file(path, check_legal=check_legal))
        except SGFError as e:
            log.warning("skipping SGF file: %s", e)
            failures.append((path, str(e)))
    if failures:
        log.warning("%d of %d SGF files in %s could not be read", len(failures), len(paths), folder)
    return records, failures
