"""Position datasets for the AlphaGo Lee nets: expert moves from SGF, outcomes for the value net.

``PositionSet`` holds encoded positions in memory (the planes are 0/1, stored as ``uint8``):

============  ======================  ==========================================================
field         type                    content
============  ======================  ==========================================================
``planes``    ``uint8[N, C, n, n]``   ``aglee48`` (policy) or ``aglee49`` (value) planes, side to move's view
``legal``     ``uint8[N, n*n+1]``     legal actions of the side to move
``target``    ``int64[N]`` / ``float32[N]``  expert action (SL) or outcome ``z`` in {-1, 0, 1} (value)
``game``      ``int64[N]``            index of the game a position comes from (splits are by game)
============  ======================  ==========================================================

Held-out sets are whole games: ``held_out`` picks them (``PositionSet.split_by_game``, and
distillation's split in ``selfplay/zero/distill.py``).

Augmentation: ``augment(planes, legal, actions, transforms)`` maps each sample through one of the
8 dihedral symmetries of ``engine/symmetry.py`` (planes, legal mask and action alike; pass is fixed).

Expert data (``expert_positions``): every move of every record except the leading random-opening
moves (``GC[random_opening=K]``, see docs/lee.md) and, by default, passes (AlphaGo's softmax had
no pass). Reference: Silver et al. 2016, Methods "Supervised learning of policy networks".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.board import Board
from engine.errors import UserError
from engine.features.lee import encode_lee_batch
from engine.sgf import GameRecord, record_to_board
from engine.symmetry import action_permutation, apply_actions, apply_planes
from selfplay.expert_data import random_opening_moves
from selfplay.records import load_sgf_folder

log = logging.getLogger("go_engine.lee_data")


@dataclass
class PositionSet:
    """Encoded positions with a target each (see the module docstring)."""

    planes: np.ndarray
    legal: np.ndarray
    target: np.ndarray
    game: np.ndarray

    def __len__(self) -> int:
        return len(self.target)

    @property
    def size(self) -> int:
        """Board size."""
        return int(self.planes.shape[-1])

    def subset(self, rows: np.ndarray) -> PositionSet:
        """The positions selected by ``rows`` (a boolean mask or indices)."""
        return PositionSet(self.planes[rows], self.legal[rows], self.target[rows], self.game[rows])

    def split_by_game(self, holdout: float, rng: np.random.Generator) -> tuple[PositionSet, PositionSet]:
        """``(train, held_out)`` with a fraction ``holdout`` of the games held out (at least one if > 0)."""
        mask = held_out(self.game, holdout, rng)
        return self.subset(~mask), self.subset(mask)


def held_out(game: np.ndarray, holdout: float, rng: np.random.Generator) -> np.ndarray:
    """``bool[P]``: the positions of a fraction ``holdout`` of the games in ``game`` (a game id per position).

    At least one game is held out when ``holdout > 0``, and at least one is kept for training.
    """
    games = np.unique(game)
    k = min(max(round(holdout * len(games)), 1 if holdout > 0 else 0), max(len(games) - 1, 0))
    held = rng.choice(games, k, replace=False) if k else np.zeros(0, np.int64)
    return np.isin(game, held)


def encode_positions(boards: list[Board], value: bool = False, chunk: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """``(planes uint8[B, 48|49, n, n], legal uint8[B, n*n+1])`` of boards, side to move's view."""
    starts = range(0, len(boards), chunk)
    planes = [encode_lee_batch(boards[i : i + chunk], value=value).astype(np.uint8) for i in starts]
    legal = np.stack([b.legal_mask() for b in boards]).astype(np.uint8)
    return np.concatenate(planes), legal


def expert_positions(records: list[GameRecord], skip_passes: bool = True) -> PositionSet:
    """Policy-net examples from game records (see the module docstring for what is skipped).

    Args:
        records: the games, replayed under their own rules.
        skip_passes: leave out positions whose expert move is a pass.

    Returns:
        A ``PositionSet`` of ``aglee48`` planes with the expert action as target.
    """
    boards, actions, games = [], [], []
    for g, rec in enumerate(records):
        board = record_to_board(rec, moves=0)
        skip = random_opening_moves(rec.game_comment)
        for k, (color, action) in enumerate(rec.moves):
            if k >= skip and board.to_play == color and not (skip_passes and action == rec.size**2):
                boards.append(board.copy())
                actions.append(action)
                games.append(g)
            board.play(action, color)
    if not boards:
        raise ValueError("no expert positions in the records")
    planes, legal = encode_positions(boards)
    return PositionSet(planes, legal, np.array(actions, np.int64), np.array(games, np.int64))


def load_expert_positions(folder: str | Path, size: int | None = None, skip_passes: bool = True) -> PositionSet:
    """``expert_positions`` of every readable SGF file under ``folder`` (of board ``size`` if given).

    Raises:
        UserError: if no game of one board size is found (a ``ValueError``).
    """
    records, _ = load_sgf_folder(folder)
    sizes = sorted({r.size for r in records})
    if size is None and len(sizes) == 1:
        size = sizes[0]
    records = [r for r in records if r.size == size]
    if not records:
        if not sizes:
            raise UserError(f"{folder}: no readable SGF games (files *.sgf, searched in subfolders too)")
        if size is not None:
            raise UserError(f"{folder}: no {size}x{size} games (board sizes found: {sizes})")
        raise UserError(f"{folder}: games of several board sizes {sizes}; put the games of one size in a folder")
    log.info("%d games of %dx%d from %s", len(records), size, size, folder)
    return expert_positions(records, skip_passes)


def augment(
    planes: np.ndarray, legal: np.ndarray, actions: np.ndarray | None, transforms: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Apply symmetry ``transforms[i]`` to sample ``i``: ``(float32 planes, legal, actions)``.

    Does not modify its inputs; ``actions`` may be ``None`` (value data).
    """
    n = planes.shape[-1]
    x = np.empty(planes.shape, np.float32)
    lg = np.empty_like(legal)
    acts = None if actions is None else np.empty_like(actions)
    for t in np.unique(transforms):
        rows = transforms == t
        x[rows] = apply_planes(planes[rows].astype(np.float32), int(t))
        lg[rows] = apply_actions(legal[rows], int(t))
        if acts is not None:
            acts[rows] = action_permutation(n, int(t))[actions[rows]]
    return x, lg, acts
