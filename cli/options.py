"""Click options that many ``go-engine`` commands share, and short ways to write the common kinds.

Imported as ``from cli import options as opt``. ``opt.group`` bundles options into one decorator
(an option set several commands take). ``opt.size``, ``opt.komi``, ``opt.seed``, ``opt.device``
and ``opt.precision`` give one spelling and type to what means the same in every command (the
board, the seed, the torch device and CPU precision of the nets); ``opt.counted``,
``opt.fraction``, ``opt.choice`` and ``opt.shown`` write the usual kinds of option (a whole
number with a lower bound, a share from 0 to 1, one of a few words, any type) with the default shown in ``--help``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import click

from selfplay.config import PRECISIONS

Decorator = Callable[[Callable], Callable]


def group(*options: Decorator) -> Decorator:
    """One decorator that adds ``options`` to a command, in this order in ``--help``."""

    def decorate(fn: Callable) -> Callable:
        for option in reversed(options):
            fn = option(fn)
        return fn

    return decorate


def shown(*decls: str, type: Any, default: Any, help: str | None = None, **kw: Any) -> Decorator:  # noqa: A002
    """An option of ``type`` whose default ``--help`` shows."""
    return click.option(*decls, type=type, default=default, show_default=True, help=help, **kw)


def counted(*decls: str, default: int, least: int = 0, help: str | None = None) -> Decorator:  # noqa: A002
    """A whole-number option of at least ``least``, its default shown."""
    return shown(*decls, type=click.IntRange(min=least), default=default, help=help)


def fraction(*decls: str, default: float, most: float = 1, help: str | None = None) -> Decorator:  # noqa: A002
    """A number from 0 to ``most`` (a share, a rate), its default shown."""
    return shown(*decls, type=click.FloatRange(0, most), default=default, help=help)


def choice(*decls: str, words: Sequence[str], default: str, help: str | None = None) -> Decorator:  # noqa: A002
    """An option that takes one of ``words``, its default shown."""
    return shown(*decls, type=click.Choice(words), default=default, help=help)


def size(default: int, help: str | None = None) -> Decorator:  # noqa: A002
    """``--size``: the board size, 2 to 19."""
    return shown("--size", type=click.IntRange(2, 19), default=default, help=help)


def komi(default: float = 7.5) -> Decorator:
    """``--komi``: points White receives."""
    return shown("--komi", type=float, default=default)


def seed(default: int = 0, help: str | None = None) -> Decorator:  # noqa: A002
    """``--seed``: the root seed of the command's random numbers."""
    return shown("--seed", type=int, default=default, help=help)


def device(help: str | None = None, default: str = "cpu") -> Decorator:  # noqa: A002
    """``--device``: the torch device of the nets (cpu, cuda, cuda:1 ...)."""
    return click.option("--device", default=default, show_default=True, help=help)


def precision(help: str) -> Decorator:  # noqa: A002
    """``--precision``: CPU inference of the nets (``nets.precision``), ``auto`` by default."""
    return shown("--precision", type=click.Choice(PRECISIONS), default="auto", help=help)
