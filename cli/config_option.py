"""``--config FILE`` for any command: start from a config file, then the options given on the line.

One loader serves every command that builds a config (``command_config``). The start is a config
file (``--config FILE``, or a run folder's own ``config.json``) or, without one, the config
class's defaults. Over it go the command's options: without a file every option that has a value
(its default included, as ``--help`` shows); with a file only the options typed on the command
line (click's parameter source, ``given_options``), so that an option's default never overrides
a value read from the file. Each command says how its option names become config keys
(``"name"`` or ``"section.name"``, see ``keyed``). Reading and overriding is
``selfplay.config_file``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import click
from click.core import ParameterSource

C = TypeVar("C")

CONFIG_HELP = "start from this JSON config (e.g. a run's config.json); options given on the command line override it"


def config_option_with(help_text: str = CONFIG_HELP):
    """The ``--config FILE`` option (parameter ``config_path``) with its help line."""
    return click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False), help=help_text)


config_option = config_option_with()
"""the ``--config FILE`` option (parameter ``config_path``)"""

Key = str | tuple[str, ...] | Callable[[Any], dict[str, Any]]
"""where an option goes: a config key, several keys, or a function of the value giving overrides"""


def given_options(ctx: click.Context | None = None) -> set[str]:
    """Names of the parameters of the running command set on the command line or by environment."""
    ctx = ctx or click.get_current_context()
    typed = (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT, ParameterSource.PROMPT)
    return {name for name in ctx.params if ctx.get_parameter_source(name) in typed}


def applied_options(options: dict[str, Any], from_file: bool, ctx: click.Context | None = None) -> dict[str, Any]:
    """The options that go over the start config.

    With a file (``from_file``) only the typed ones; without, every one with a value (``None``
    means "not given": the config keeps its default).
    """
    if from_file:
        typed = given_options(ctx)
        return {k: v for k, v in options.items() if k in typed}
    return {k: v for k, v in options.items() if v is not None}


def keyed(options: Mapping[str, Any], table: Mapping[str, Key]) -> dict[str, Any]:
    """Overrides ``{"name" or "section.name": value}`` from the options named in ``table``; others are dropped."""
    out: dict[str, Any] = {}
    for name, value in options.items():
        key = table.get(name)
        if callable(key):
            out.update(key(value))
        elif key is not None:
            out.update(dict.fromkeys((key,) if isinstance(key, str) else key, value))
    return out


def command_config(
    cls: type[C],
    options: dict[str, Any],
    keys: Callable[[dict[str, Any], C], dict[str, Any]] | None = None,
    *,
    section: str | None = None,
    load: Callable[[str], C] | None = None,
    ctx: click.Context | None = None,
) -> C:
    """A command's config: ``--config FILE`` (or ``cls()``), then the options that apply over it.

    Args:
        cls: the config class.
        options: the command's options; ``config_path`` (the file, or ``None``) is taken out.
        keys: ``(applied options, start config) -> overrides``; default: each option sets the field
            of the same name.
        section: the key that holds the config in a file that wraps it with other records (e.g.
            ``"sl"`` in a ``train sl`` run's ``config.json``).
        load: reads the file (default: ``selfplay.config_file.load_config_file``).
        ctx: the click context (default: the running command's).

    Raises:
        UserError: for a bad file, an unknown field or a value a config refuses.
    """
    from selfplay.config_file import load_config_file, with_overrides

    path = options.pop("config_path", None)
    if path:
        start = load(path) if load else load_config_file(path, cls, section)
    else:
        start = cls()
    applied = applied_options(options, bool(path), ctx)
    return with_overrides(start, keys(applied, start) if keys else applied)
