"""Save and load networks with their ``NetConfig`` embedded (KataGo ``load_model.py``).

Two formats, both written atomically (temp file in the same folder, ``fsync``, ``os.replace``,
then ``fsync`` of the folder), so a crash leaves either the old file or the new one:

====================  ===================================================================
format                content
====================  ===================================================================
weights               ``.safetensors``: the ``state_dict`` tensors, plus string metadata
(``save_weights``)    ``format`` = ``"go-engine-net/1"``, ``config`` (JSON of ``NetConfig``),
                      ``step``, ``feature_set``, ``meta`` (JSON of optional training data),
                      and ``head`` for the RL nets (``"dqn"``, ``"actor_critic"``)
training checkpoint   ``torch.save`` of ``{"format", "config": dict, "model": state_dict,
(``save_checkpoint``) "optimizer": state_dict | None, "step", "feature_set", "meta": JSON str,
                      "rng": {"torch", "cuda", "numpy", "python", "generator"}}``
====================  ===================================================================

Loads never run pickled code (safetensors, or ``torch.load(weights_only=True)``) and never hand
back a partial model: the model is rebuilt from the embedded config, the tensors go into a fresh
copy with ``strict=True``, and only then into a caller's model. A corrupt or truncated file, a
foreign file, or a config that differs from the expected one raises ``CheckpointError`` naming
the file. A ``head`` in the file makes the rebuild use that RL head
(``nets.factory.build_model(cfg, head)``), so DQN and A3C nets load like every other net.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import save as st_save
from torch import nn

from engine.errors import UserError
from nets.config import NetConfig
from nets.factory import build_model, zero_subnormals
from nets.fileio import atomic_write

FORMAT = "go-engine-net/1"
"""format tag written into every file and checked on load"""


class CheckpointError(UserError):
    """A checkpoint that cannot be used: corrupt, truncated, foreign, or for another config."""


@dataclass
class Loaded:
    """What a load returns: the rebuilt model and the data saved next to it."""

    model: nn.Module
    """the model, rebuilt from ``config`` (or the caller's model, filled in), in eval mode"""
    config: NetConfig
    """the embedded config"""
    step: int = 0
    """training step at save time"""
    feature_set: str = ""
    """name of the input encoding the model was trained on"""
    meta: dict[str, Any] = field(default_factory=dict)
    """optional training metadata (JSON-safe)"""
    optimizer: dict[str, Any] | None = None
    """optimizer ``state_dict`` (training checkpoints only)"""
    rng: dict[str, Any] | None = None
    """saved random states (training checkpoints only); apply with ``restore_rng``"""
    head: str = ""
    """RL head of the net (``"dqn"``, ``"actor_critic"``), ``""`` for the ``cfg.kind`` nets"""


# ------------------------------------------------------------------------------ writing
def _write_file(path: str | os.PathLike, write: Callable[[IO[bytes]], None]) -> Path:
    with atomic_write(path) as f:
        write(f)
    return Path(path)


def _config_of(model: nn.Module) -> NetConfig:
    cfg = getattr(model, "cfg", None)
    if not isinstance(cfg, NetConfig):
        raise TypeError("model has no NetConfig in model.cfg; build it with nets.factory.build_model")
    return cfg


def save_weights(
    path: str | os.PathLike, model: nn.Module, *, step: int = 0, meta: dict | None = None, head: str = ""
) -> Path:
    """Write ``model``'s weights and config as safetensors, atomically; returns the path.

    Args:
        path: destination (conventionally ``*.safetensors``); folders are created.
        model: a model from ``build_model`` (its ``cfg`` is embedded).
        step: training step to record.
        meta: optional JSON-safe training metadata.
        head: the RL head ``model`` was built with (``build_model(cfg, head)``), if any.
    """
    cfg = _config_of(model)
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    header = {
        "format": FORMAT,
        "config": json.dumps(cfg.to_dict()),
        "step": str(int(step)),
        "feature_set": cfg.feature_set,
        "meta": json.dumps(meta or {}),
    }
    if head:
        header["head"] = head
    data = st_save(tensors, metadata=header)
    return _write_file(path, lambda f: f.write(data))


def rng_state(generator: np.random.Generator | None = None) -> dict[str, Any]:
    """The global torch/CUDA/numpy/python random states (and ``generator``'s), in loadable types."""
    name, keys, pos, has_gauss, cached = np.random.get_state()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "numpy": {
            "name": name,
            "keys": torch.from_numpy(keys.astype(np.int64)),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "cached_gaussian": float(cached),
        },
        "python": random.getstate(),
        "generator": generator.bit_generator.state if generator is not None else None,
    }


def restore_rng(state: dict[str, Any], generator: np.random.Generator | None = None) -> None:
    """Set the random states saved by ``rng_state`` (and ``generator``'s, if both are present)."""
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    n = state["numpy"]
    keys = n["keys"].numpy().astype(np.uint32)
    np.random.set_state((n["name"], keys, n["pos"], n["has_gauss"], n["cached_gaussian"]))
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    if generator is not None and state.get("generator") is not None:
        generator.bit_generator.state = state["generator"]


def save_checkpoint(
    path: str | os.PathLike,
    model: nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    *,
    step: int = 0,
    meta: dict | None = None,
    generator: np.random.Generator | None = None,
) -> Path:
    """Write a full training checkpoint (``torch.save``), atomically; returns the path.

    Args:
        path: destination (conventionally ``*.pt``); folders are created.
        model: a model from ``build_model``.
        optimizer: its optimizer, if any.
        step: training step to record.
        meta: optional JSON-safe training metadata.
        generator: a numpy ``Generator`` whose state to save next to the global random states.
    """
    cfg = _config_of(model)
    state = {
        "format": FORMAT,
        "config": cfg.to_dict(),
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        "step": int(step),
        "feature_set": cfg.feature_set,
        "meta": json.dumps(meta or {}),
        "rng": rng_state(generator),
    }
    return _write_file(path, lambda f: torch.save(state, f))


# ------------------------------------------------------------------------------ reading
def _parse_config(path: Path, raw: Any, expected: NetConfig | None) -> NetConfig:
    try:
        cfg = NetConfig.from_dict(json.loads(raw) if isinstance(raw, str) else raw)
    except (ValueError, TypeError) as e:
        raise CheckpointError(f"{path}: bad embedded NetConfig: {e}") from e
    if expected is not None and cfg != expected:
        diff = ", ".join(
            f"{k}: file {v!r} != expected {getattr(expected, k)!r}"
            for k, v in cfg.to_dict().items()
            if getattr(expected, k) != v
        )
        raise CheckpointError(f"{path}: config mismatch ({diff})")
    return cfg


def _rebuild(path: Path, cfg: NetConfig, tensors: dict, into: nn.Module | None, head: str = "") -> nn.Module:
    try:
        fresh = build_model(cfg, head or None)
    except ValueError as e:
        raise CheckpointError(f"{path}: {e}") from e
    try:
        fresh.load_state_dict({k: zero_subnormals(t) for k, t in tensors.items()}, strict=True)
    except (RuntimeError, KeyError, ValueError) as e:
        raise CheckpointError(f"{path}: weights do not fit the embedded config: {e}") from e
    if into is None:
        return fresh.eval()
    into.load_state_dict(fresh.state_dict())  # cannot fail: same config, same keys and shapes
    return into


def load_weights(
    path: str | os.PathLike, *, expected: NetConfig | None = None, model: nn.Module | None = None
) -> Loaded:
    """Read a file written by ``save_weights`` and rebuild its model (CPU, eval mode).

    Args:
        path: the ``.safetensors`` file.
        expected: if given, the embedded config must equal it.
        model: if given, fill this model instead (its ``cfg`` must equal the embedded one).

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        CheckpointError: for a corrupt, truncated or foreign file, or a config mismatch.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no weights file at {path}")
    try:
        with safe_open(str(path), framework="pt", device="cpu") as f:
            header = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 (safe_open is not a dict)
    except Exception as e:  # safetensors raises its own error types for every kind of damage
        raise CheckpointError(f"{path}: not a readable safetensors file (corrupt or truncated?): {e}") from e
    if header.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a go-engine weights file (format {header.get('format')!r})")
    cfg = _parse_config(path, header.get("config"), expected if model is None else _config_of(model))
    try:
        step, meta = int(header.get("step", "0")), json.loads(header.get("meta", "{}"))
    except ValueError as e:
        raise CheckpointError(f"{path}: bad metadata: {e}") from e
    head = header.get("head", "")
    net = _rebuild(path, cfg, tensors, model, head)
    return Loaded(net, cfg, step, header.get("feature_set", cfg.feature_set), meta, head=head)


def load_checkpoint(
    path: str | os.PathLike,
    model: nn.Module | None = None,
    optimizer: torch.optim.Optimizer | None = None,
    *,
    expected: NetConfig | None = None,
    restore_random: bool = False,
    generator: np.random.Generator | None = None,
) -> Loaded:
    """Read a file written by ``save_checkpoint``; rebuild (or fill) the model, restore the rest.

    Args:
        path: the checkpoint file.
        model: if given, fill this model (its ``cfg`` must equal the embedded one); else rebuild.
        optimizer: if given, load the saved optimizer state into it.
        expected: if given (and no ``model``), the embedded config must equal it.
        restore_random: also restore the global random states (and ``generator``'s).
        generator: a numpy ``Generator`` to restore when ``restore_random``.

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        CheckpointError: for a corrupt, truncated or foreign file, a config mismatch, or an
            optimizer state that does not fit ``optimizer``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint file at {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # zip, pickle and EOF errors all mean the same thing here
        raise CheckpointError(f"{path}: not a readable checkpoint (corrupt or truncated?): {e}") from e
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a go-engine training checkpoint")
    cfg = _parse_config(path, state.get("config"), expected if model is None else _config_of(model))
    net = _rebuild(path, cfg, state.get("model") or {}, model)
    if optimizer is not None and state.get("optimizer") is not None:
        try:
            optimizer.load_state_dict(state["optimizer"])
        except (ValueError, KeyError, RuntimeError) as e:
            raise CheckpointError(f"{path}: optimizer state does not fit the given optimizer: {e}") from e
    if restore_random:
        restore_rng(state["rng"], generator)
    meta = json.loads(state.get("meta") or "{}")
    return Loaded(
        net,
        cfg,
        int(state.get("step", 0)),
        state.get("feature_set", cfg.feature_set),
        meta,
        state.get("optimizer"),
        state.get("rng"),
    )
