"""What the batched search tells an evaluator about its leaves beyond their board arrays.

Vocabulary: for every leaf it collects, ``collect_leaves`` (``engine/search/_kernels_mcts.py``)
writes a *node path* (the tree nodes from the root to the leaf) and the leaf's *depth*; the leaf's
*path* is the actions into those nodes. ``TreePaths`` reads paths from the tree only when an
evaluator asks (the net evaluators do not); ``LeafPlanes`` writes the leaves' agz17 planes in
compiled code (``_kernels_planes.leaf_planes``) from the root's history and each path, so that
no leaf is replayed move by move in Python.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import numpy as np

from engine.board import Board
from engine.search import _kernels_mcts as KM
from engine.search import _kernels_planes as KP


class TreePaths(Sequence):
    """The paths of ``k`` collected leaves, read from the tree when asked."""

    def __init__(self, nodes: np.ndarray, node_paths: np.ndarray, depths: np.ndarray, k: int):
        self.nodes, self.node_paths, self.depths, self.k = nodes, node_paths, depths, k

    def __len__(self) -> int:
        return self.k

    def __getitem__(self, i: int) -> list[int]:
        if not 0 <= i < self.k:
            raise IndexError(i)
        return [int(a) for a in self.nodes[KM.ACTION, self.node_paths[i, 1 : self.depths[i] + 1]]]


class LeafPlanes:
    """The agz17 planes of the leaves of searches from one root ``board``.

    Args:
        board: the searched position (its history gives the planes of positions before the root).
        hist: room of the scratch board's move history (the root's plus the longest path).
    """

    def __init__(self, board: Board, hist: int):
        n = board.size
        self.ring = np.zeros((8, n * n), np.int8)
        history = board.position_history(8)
        for i, stones in enumerate(history):
            self.ring[i] = stones.reshape(-1)
        self.nring = len(history)
        self.root = (board.pts, board.scal, board.hist, board.zob)
        self.scratch = (np.zeros_like(board.pts), np.zeros_like(board.scal), np.zeros(hist, np.int64))

    def encoder(self, nodes: np.ndarray, out: tuple, k: int) -> Callable[[np.ndarray], None]:
        """``LeafBatch.encoder`` of the ``k`` leaves that ``collect_leaves`` wrote to ``out``."""
        return functools.partial(self._encode, nodes, out, k)

    def _encode(self, nodes: np.ndarray, out: tuple, k: int, planes: np.ndarray) -> None:
        KP.leaf_planes(self.root, self.ring, self.nring, nodes, out[4], out[5], out[6], k, self.scratch, planes)
