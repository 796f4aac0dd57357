"""Training shards: one compressed ``.npz`` per finished self-play game, and the window reader.

A run folder holds ``shards/g{generation:04d}-{game:07d}.npz``; names sort oldest to newest
(generation first, then game index). Each file is written atomically (temp file in the same
folder, fsync, ``os.replace``), so a reader or a crash never sees half a shard.

=========  =====================  ================================================================
key        dtype, shape           meaning
=========  =====================  ================================================================
planes     uint8[T, C, n, n]      input planes (0/1) of the feature set named in ``meta``
pi         float32[T, n*n+1]      MCTS visit distribution at the root
z          int8[T]                game outcome from the player to move's view (+1, -1, 0)
to_play    int8[T]                colour to move
own        int8[T, n*n]           optional: final owner of each point, player to move's view (+1 own)
score      float32[T]             optional: final area margin with komi, player to move's view
q          float32[T]             optional: the search's root value at the sample, player to move's view
meta       str (0-d)              JSON: feature set, size, komi, generation, game, winner, moves, ...
=========  =====================  ================================================================

``planes`` are those of the stored feature set (``engine.features.stored_set``): a net with a komi
plane (``agz17k``) trains on ``agz17`` shards, its komi plane rebuilt from ``meta["komi"]`` (the
window's ``komi``, each row's komi from its player to move's view), so shards written at one komi
by older runs serve it too.

``load_window(folder, positions)`` reads the newest shards until ``positions`` samples are
gathered (AlphaGo Zero trained on the newest 500,000 games). ``own`` and ``score`` (KataGo's
auxiliary targets) are written for games scored on the board, not for resigned games nor by older
versions; the window marks which rows carry them (``aux``). ``q`` (the compiled engine's root
value at each sample) lets training aim the value head at a mix of ``z`` and ``q``
(``train.q_weight``); the window's ``q`` is ``z`` itself on rows of shards without one.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.board import BLACK
from engine.features import stored_set
from nets.fileio import atomic_write

SHARD_RE = re.compile(r"^g(\d{4,})-(\d{7,})\.npz$")


def shard_name(generation: int, game: int) -> str:
    """File name of a game's shard: ``g0003-0000042.npz``."""
    return f"g{generation:04d}-{game:07d}.npz"


def write_shard(path: str | os.PathLike, planes, pi, z, to_play, meta: dict, own=None, score=None, q=None) -> Path:
    """Write one shard atomically (``own`` and ``score`` optional, together; ``q`` optional); returns its path.

    Raises:
        ValueError: if the arrays disagree in length.
    """
    if not len(planes) == len(pi) == len(z) == len(to_play):
        raise ValueError("planes, pi, z and to_play must have one row per sample")
    path = Path(path)
    extra = {}
    if own is not None:
        extra = {"own": np.asarray(own, np.int8), "score": np.asarray(score, np.float32)}
        if not len(extra["own"]) == len(extra["score"]) == len(z):
            raise ValueError("own and score must have one row per sample")
    if q is not None:
        extra["q"] = np.asarray(q, np.float32)
        if len(extra["q"]) != len(z):
            raise ValueError("q must have one row per sample")
    with atomic_write(path) as f:
        np.savez_compressed(
            f,
            planes=np.asarray(planes, np.uint8),
            pi=np.asarray(pi, np.float32),
            z=np.asarray(z, np.int8),
            to_play=np.asarray(to_play, np.int8),
            meta=np.array(json.dumps(meta)),
            **extra,
        )
    return path


def aux_targets(info: dict, to_play) -> tuple:
    """KataGo's ``(own, score)`` rows for a game's samples, or ``(None, None)`` when it has none.

    ``info["ownership"]`` and ``info["score"]`` are the final position's, from black's view; each
    row is turned to its sample's player to move (``to_play``).
    """
    if "ownership" not in info:
        return None, None
    sign = np.where(np.asarray(to_play) == BLACK, 1, -1).astype(np.int8)
    return np.asarray(info["ownership"], np.int8)[None, :] * sign[:, None], float(info["score"]) * sign


def read_shard(path: str | os.PathLike) -> dict:
    """The arrays of one shard plus ``meta`` as a dict."""
    with np.load(path, allow_pickle=False) as f:
        out = {k: f[k] for k in ("planes", "pi", "z", "to_play", "own", "score", "q") if k in f.files}
        out["meta"] = json.loads(str(f["meta"]))
    return out


def list_shards(folder: str | os.PathLike) -> list[Path]:
    """Shard files of ``folder``, oldest first (by generation, then game index)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = [(SHARD_RE.match(p.name), p) for p in folder.iterdir()]
    return [p for m, p in sorted(((m, p) for m, p in found if m), key=lambda mp: (int(mp[0][1]), int(mp[0][2])))]


def count_positions(folder: str | os.PathLike) -> int:
    """Samples in every shard of ``folder`` (reads only each file's ``z``)."""
    total = 0
    for path in list_shards(folder):
        with np.load(path, allow_pickle=False) as f:
            total += len(f["z"])
    return total


@dataclass
class Window:
    """Samples of the newest shards, concatenated (newest file last)."""

    planes: np.ndarray
    pi: np.ndarray
    z: np.ndarray
    files: list[Path]
    own: np.ndarray | None = None
    """int8[N, n*n] ownership targets (zeros where ``aux`` is False); None if no shard has them"""
    score: np.ndarray | None = None
    """float32[N] score targets"""
    aux: np.ndarray | None = None
    """bool[N]: the row carries ``own`` and ``score``"""
    komi: np.ndarray | None = None
    """float32[N]: the komi each row's player to move receives (``engine.features.own_komi``)"""
    q: np.ndarray | None = None
    """float32[N]: the search's root value of each row (``z`` where its shard has none); None if no shard has one"""

    def __len__(self) -> int:
        return len(self.z)


def load_window(folder: str | os.PathLike, positions: int, feature_set: str | None = None) -> Window:
    """Read the newest shards of ``folder`` until at least ``positions`` samples (or all of them).

    Args:
        folder: the shards folder.
        positions: window size in samples; the oldest file read is kept whole.
        feature_set: if given, every shard must hold its stored planes (``stored_set``).

    Raises:
        FileNotFoundError: if there is no shard with samples.
        ValueError: on a feature-set or shape mismatch between shards.
    """
    chosen, total = [], 0
    for path in reversed(list_shards(folder)):
        if total >= positions:
            break
        data = read_shard(path)
        want = None if feature_set is None else stored_set(feature_set)
        if want is not None and data["meta"].get("feature_set") != want:
            raise ValueError(f"{path}: feature set {data['meta'].get('feature_set')!r}, expected {want!r}")
        if len(data["z"]):
            chosen.append((path, data))
            total += len(data["z"])
    if not chosen:
        raise FileNotFoundError(f"no training samples in {folder}")
    chosen.reverse()
    win = Window(
        planes=np.concatenate([d["planes"] for _, d in chosen]),
        pi=np.concatenate([d["pi"] for _, d in chosen]),
        z=np.concatenate([d["z"] for _, d in chosen]),
        files=[p for p, _ in chosen],
        komi=np.concatenate([row_komi(d) for _, d in chosen]),
    )
    if any("own" in d for _, d in chosen):
        n2 = win.pi.shape[1] - 1
        win.own = np.concatenate([d.get("own", np.zeros((len(d["z"]), n2), np.int8)) for _, d in chosen])
        win.score = np.concatenate([d.get("score", np.zeros(len(d["z"]), np.float32)) for _, d in chosen])
        win.aux = np.concatenate([np.full(len(d["z"]), "own" in d) for _, d in chosen])
    if any("q" in d for _, d in chosen):
        win.q = np.concatenate([d.get("q", d["z"].astype(np.float32)) for _, d in chosen])
    return win


def value_target(window: Window, rows: np.ndarray, q_weight: float) -> np.ndarray:
    """``float32[len(rows)]``: the value targets of ``rows``: ``(1 - q_weight) z + q_weight q`` (``z`` if no ``q``)."""
    z = window.z[rows].astype(np.float32)
    if q_weight == 0.0 or window.q is None:
        return z
    return ((1.0 - q_weight) * z + q_weight * window.q[rows]).astype(np.float32)


def row_komi(data: dict) -> np.ndarray:
    """``float32[T]``: the komi of a shard's game from each sample's player to move (7.5 if not recorded)."""
    komi = float(data["meta"].get("komi", 7.5))
    return np.where(np.asarray(data["to_play"]) == BLACK, -komi, komi).astype(np.float32)
