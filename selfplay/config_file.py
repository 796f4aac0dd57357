"""Config files for every command: a JSON object in, a frozen config dataclass tree out, then overrides.

Vocabulary: a *config* is a frozen dataclass whose fields are plain values or other configs (its
*sections*, e.g. ``DQNConfig.env``, ``Config.mcts``); a *config file* is that tree as a JSON
object (``dataclasses.asdict``), as every trainer keeps it in its run folder (``config.json``);
an *override* is ``{"name": value}`` or ``{"section.name": value}`` applied on top, as the
options given on the command line are. ``MCTSConfig`` sections load through
``MCTSConfig.from_dict``, so old files with the flat ``*_rollout`` keys still load.
"""

from __future__ import annotations

import json
import os
import typing
from dataclasses import asdict, fields, is_dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from engine.config import MCTSConfig
from engine.errors import UserError
from nets.fileio import atomic_write

C = TypeVar("C")


def config_from_dict(cls: type[C], data: dict[str, Any], where: str = "config") -> C:
    """``cls`` built from plain JSON values, its sections from nested objects (lists become tuples).

    Raises:
        UserError: for a key that is no field, or a value a field refuses (``where`` names the place).
    """
    if not isinstance(data, dict):
        raise UserError(f"{where}: a {cls.__name__} is a JSON object, got {type(data).__name__}")
    if cls is MCTSConfig:
        try:
            return MCTSConfig.from_dict(data, where=where)  # type: ignore[return-value]
        except (TypeError, ValueError) as e:
            raise UserError(f"{where}: {e}") from None
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise UserError(f"{where}: unknown {cls.__name__} fields {unknown} (known: {', '.join(sorted(names))})")
    hints = typing.get_type_hints(cls)
    kw = {}
    for k, v in data.items():
        section = _section_type(hints.get(k))
        if section is not None and isinstance(v, dict):
            kw[k] = config_from_dict(section, v, f"{where}.{k}")
        else:
            kw[k] = tuple(v) if isinstance(v, list) else v
    try:
        return cls(**kw)
    except (TypeError, ValueError) as e:
        raise UserError(f"{where}: {e}") from None


def _section_type(hint) -> type | None:
    """The config class of a field annotated ``SomeConfig`` or ``SomeConfig | None``, else ``None``."""
    for t in (hint, *typing.get_args(hint)):
        if isinstance(t, type) and is_dataclass(t):
            return t
    return None


def load_config_file(path: str | os.PathLike, cls: type[C], section: str | None = None) -> C:
    """Read a config file of ``cls`` (a run's ``config.json`` or one written by hand).

    Args:
        path: the JSON file.
        cls: the config class.
        section: the key that holds the config when the file wraps it with other records (e.g.
            ``"sl"`` in a ``train sl`` run's ``config.json``); used only when present.

    Raises:
        UserError: if the file is missing or not JSON, or names a field that does not exist, or
            holds a value a field refuses (the message names the file and the problem).
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: no such config file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise UserError(f"{path}: not valid JSON: {e}") from None
    if section and isinstance(data, dict) and section in data and section not in {f.name for f in fields(cls)}:
        data = data[section]
    return config_from_dict(cls, data, str(path))


def with_overrides(cfg: C, overrides: dict[str, Any]) -> C:
    """``cfg`` with ``{"name" or "section.name": value}`` replaced (``None`` values are skipped).

    Raises:
        UserError: for a name that is no field, or a value a field refuses.
    """
    top: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    for key, value in overrides.items():
        if value is None:
            continue
        head, _, rest = key.partition(".")
        if rest:
            nested.setdefault(head, {})[rest] = value
        else:
            top[head] = value
    names = {f.name for f in fields(cfg)}
    unknown = sorted((set(top) | set(nested)) - names)
    if unknown:
        raise UserError(f"unknown {type(cfg).__name__} fields {unknown}")
    for head, sub in nested.items():
        top[head] = with_overrides(getattr(cfg, head), sub)
    try:
        return replace(cfg, **top)
    except (TypeError, ValueError) as e:
        raise UserError(f"{type(cfg).__name__}: {e}") from None


def write_config(path: str | os.PathLike, cfg: Any, **records: Any) -> Path:
    """Write ``cfg`` (a config, or a dict of them under ``records``) as indented JSON, atomically."""
    data = asdict(cfg) if is_dataclass(cfg) else dict(cfg)
    data.update({k: asdict(v) if is_dataclass(v) else v for k, v in records.items()})
    path = Path(path)
    with atomic_write(path, "w") as f:
        f.write(json.dumps(data, indent=2) + "\n")
    return path
