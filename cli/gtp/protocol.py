"""GTP version 2 protocol plumbing: line cleaning, parsing, the ``cmd_*`` registry and the input reader.

* ``_preprocess`` cleans one input line (GTP 2 spec section 3.1: control characters other than HT
  and LF removed, comments after ``#`` dropped, HT turned into a space, empty lines ignored);
* ``_parse`` splits it into ``(id, command, args)`` (section 2.6: an optional numeric id first);
* ``GtpEngine`` registers the ``cmd_*`` methods of handler objects, converts their arguments from
  the type annotations (``int``, ``float``, ``str``, ``Color``; a failed conversion or a wrong
  argument count is ``? syntax error``) and turns every exception into a ``?`` answer, so that no
  input can end the session;
* ``_LineReader`` reads input lines in a daemon thread so a streaming command (``lz-analyze``) can
  stop as soon as the next command line arrives.

The commands themselves live in the other modules of ``cli/gtp/``. This module imports only the standard library.

References: GTP version 2 draft 2 (http://www.lysator.liu.se/~gunnar/gtp/gtp2-spec-draft2/).
"""

from __future__ import annotations

import inspect
import logging
import math
import re
import threading
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from engine.board import IllegalMove, color_of

log = logging.getLogger("go_engine.gtp")

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_ID = re.compile(r"[0-9]+")  # ASCII digits only: "²".isdigit() is true, but int("²") fails


class GtpError(Exception):
    """A command failure; its message is the text after ``?``."""


class Color(int):
    """Annotation marker: a GTP colour argument (``b``, ``black``, ``w``, ``white``)."""


def _to_color(text: str) -> int:
    return color_of(text)


def _to_int(text: str) -> int:
    if not re.fullmatch(r"[+-]?\d+", text):
        raise ValueError(f"not an integer: {text!r}")
    return int(text)


def _to_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {text!r}")
    return value


_CONVERTERS: dict[Any, Callable[[str], Any]] = {int: _to_int, float: _to_float, str: str, Color: _to_color}


def command(name: str, *, when: Callable[[Any], bool] | None = None):
    """Decorator: register a handler method under a GTP name that is not ``method_name[4:]``.

    Args:
        name: the GTP command name, e.g. ``"kgs-genmove_cleanup"``.
        when: optional predicate on the handler object; the command exists only if it is true.
    """

    def mark(fn):
        fn.gtp_name = name
        fn.gtp_when = when
        return fn

    return mark


# ------------------------------------------------------------------------------ parsing
def _preprocess(line: str) -> str:
    """One input line cleaned as GTP 2 section 3.1 says; ``""`` if nothing is left."""
    line = _CONTROL.sub("", line.replace("\r", ""))
    line = line.split("#", 1)[0].replace("\t", " ")
    return line.strip(" \n")  # only GTP's white space: a line of U+3000 still wants an answer


def _parse(line: str) -> tuple[int | str | None, str, list[str]]:
    """``(id, command, args)`` of a preprocessed, non-empty line; ``command`` is ``""`` if missing.

    The id is an ``int``, or the digits as a string when they are too many for one (over 18).
    """
    words = [w for w in line.split(" ") if w]  # GTP separates by spaces (tabs are spaces by now)
    cid = None
    if words and _ID.fullmatch(words[0]):
        digits = words.pop(0).lstrip("0") or "0"
        cid = int(digits) if len(digits) <= 18 else digits  # a huge id is echoed as written
    if not words:
        return cid, "", []
    return cid, words[0], words[1:]


class Streaming:
    """A handler result that writes its answer lines itself (``lz-analyze``).

    The engine writes ``=id`` and a newline, calls ``run(write)``, then ends the answer with an
    empty line.
    """

    def __init__(self, run: Callable[[Callable[[str], None]], None]):
        self.run = run


class GtpEngine:
    """The command registry and dispatcher: ``cmd_*`` methods of handler objects by GTP name."""

    def __init__(self):
        self._handlers: dict[str, Callable] = {}

    def register(self, obj: object) -> None:
        """Register every ``cmd_*`` method of ``obj`` (name from ``@command`` or the method name)."""
        for attr in dir(type(obj)):
            if not attr.startswith("cmd_"):
                continue
            fn = getattr(obj, attr)
            when = getattr(fn, "gtp_when", None)
            if when is None or when(obj):
                self._handlers[getattr(fn, "gtp_name", attr[4:])] = fn

    def known(self, name: str) -> bool:
        """True if ``name`` is a registered command."""
        return name in self._handlers

    def commands(self) -> list[str]:
        """All registered command names, sorted."""
        return sorted(self._handlers)

    def dispatch(self, name: str, args: list[str]) -> str | Streaming:
        """Run one command; return its result text (or a ``Streaming``).

        Raises:
            GtpError: with the message to answer after ``?``; every other exception a handler
                raises is turned into one (``illegal move`` for ``IllegalMove``).
        """
        fn = self._handlers.get(name)
        if fn is None:
            raise GtpError("unknown command")
        try:
            values = _convert(fn, args)
        except (ValueError, TypeError) as e:
            log.info("%s %s: %s", name, " ".join(args), e)
            raise GtpError("syntax error") from None
        try:
            result = fn(*values)
        except GtpError:
            raise
        except IllegalMove as e:
            log.info("%s: %s", name, e)
            raise GtpError("illegal move") from None
        except Exception as e:  # a handler bug must not end the session
            log.exception("command %s failed", name)
            raise GtpError(f"internal error: {type(e).__name__}: {e}".replace("\n", " ")) from None
        return "" if result is None else result


def _convert(fn: Callable, args: list[str]) -> list[Any]:
    """Arguments of ``fn`` converted from their annotations; ValueError on a bad count or value."""
    sig = inspect.signature(fn, eval_str=True)
    values: list[Any] = []
    rest = list(args)
    for p in sig.parameters.values():
        conv = _CONVERTERS.get(p.annotation, str)
        if p.kind is p.VAR_POSITIONAL:
            values.extend(conv(a) for a in rest)
            rest = []
        elif rest:
            values.append(conv(rest.pop(0)))
        elif p.default is p.empty:
            raise ValueError(f"missing argument {p.name!r}")
    if rest:
        raise ValueError(f"unexpected arguments {rest!r}")
    return values


# ------------------------------------------------------------------------------ session
class _LineReader:
    """Reads input lines in a daemon thread so that the session can ask "is a new line waiting?"."""

    def __init__(self, stream: Iterable[str]):
        self._lines: deque[str | None] = deque()
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True, name="gtp-stdin")
        self._thread.start()

    def _read(self, stream: Iterable[str]) -> None:
        try:
            for line in stream:
                with self._cond:
                    self._lines.append(line)
                    self._cond.notify_all()
        except Exception:
            log.exception("reading input failed")
        with self._cond:
            self._lines.append(None)
            self._cond.notify_all()

    def pending(self) -> bool:
        """True if a line (or the end of input) is waiting."""
        with self._cond:
            return bool(self._lines)

    def wait(self) -> None:
        """Block until a line (or the end of input) is waiting."""
        with self._cond:
            self._cond.wait_for(lambda: bool(self._lines))

    def get(self) -> str | None:
        """The next line, or ``None`` at the end of input."""
        with self._cond:
            self._cond.wait_for(lambda: bool(self._lines))
            line = self._lines[0]
            if line is not None:  # keep the end marker so that later calls see it too
                self._lines.popleft()
            return line
