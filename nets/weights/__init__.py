"""Nets shipped with the package, used by ``go-engine gtp`` when no ``--weights`` is given.

Each net is ``zero<N>.safetensors`` (an AlphaGo Zero policy-value net for N x N, written by
``nets.checkpoint.save_weights``) with ``zero<N>.json`` beside it: ``search`` holds the MCTS
settings it is played with (``MCTSConfig`` fields and ``lam``), ``trained`` says how it was made.
docs/zero.md has the recipe and the figures.

The trained tree policy of ``lee9/rollout.npz`` (local patterns, size-independent) also gives the
priors of the no-network search that ``go-engine gtp`` plays on the sizes without a net;
``tree<N>.npz``, a tree policy trained on N x N games, replaces it on N x N
(``shipped_tree_policy``; docs/lee.md "The tree policy as the rollout search's priors").

``lee<N>/`` is an AlphaGo Lee weights folder for N x N (``sl.safetensors``, ``value.safetensors``,
``rollout.npz``; docs/lee.md) with ``lee.json`` beside them in the same form; ``go-engine gtp
--pipeline lee`` plays it when no ``--weights`` is given.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).parent


def shipped() -> dict[int, tuple[Path, dict]]:
    """``{board size: (weights path, search settings)}`` of every shipped net."""
    found = {}
    for path in sorted(HERE.glob("zero*.safetensors")):
        meta_path = path.with_suffix(".json")
        meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
        found[int(path.stem.removeprefix("zero"))] = (path, dict(meta.get("search", {})))
    return found


def shipped_lee() -> dict[int, tuple[Path, dict]]:
    """``{board size: (weights folder, search settings)}`` of every shipped Lee weights folder."""
    found = {}
    for folder in sorted(p for p in HERE.glob("lee*") if p.is_dir()):
        meta_path = folder / "lee.json"
        meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
        found[int(folder.name.removeprefix("lee"))] = (folder, dict(meta.get("search", {})))
    return found


def shipped_tree_policy(size: int | None = None) -> str:
    """The rollout-policy file whose tree policy gives the shipped no-network search its priors ("" if none).

    ``tree<size>.npz`` when one is shipped for ``size`` (a tree policy trained on that board's
    games), else the size-independent ``lee9/rollout.npz``.
    """
    own = HERE / f"tree{size}.npz"
    if size is not None and own.is_file():
        return str(own)
    path = HERE / "lee9" / "rollout.npz"
    return str(path) if path.is_file() else ""


def shipped_tree_sizes() -> list[int]:
    """Board sizes with a tree policy of their own (``tree<size>.npz``)."""
    return sorted(int(p.stem.removeprefix("tree")) for p in HERE.glob("tree*.npz"))
