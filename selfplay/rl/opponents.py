"""Opponents for the RL trainers and their evaluation, built from a short spec string.

Every opponent is an env opponent (``selfplay.env``): a callable ``(board, color, rng) -> action``
that draws its randomness from the env's ``rng``, or an ``engine.player.Player``.

=====================  ==============================================================================
spec                   opponent
=====================  ==============================================================================
``random``             ``selfplay.env.random_opponent``: uniform over legal moves that do not fill
                       its own true eyes (pass only when none is left); "uniform random" in docs/rl.md
``uniform``            ``selfplay.env.uniform_opponent``: uniform over all legal actions, pass included
``heuristic``          ``heuristic_opponent``: the biggest capture, else escape from atari, else random
``pool`` / ``pool:D``  ``PoolOpponent``: a random earlier net (``*.safetensors``, or an earlier
                       version's ``*.pt``) of folder ``D`` (``pool`` alone: the run's own pool folder)
                       per game, playing greedily; random while empty
``PATH.safetensors``   ``NetOpponent``: one RL net, greedy (``PATH.pt``: an earlier version's file)
``gtp:COMMAND``        ``GtpPlayer``: any GTP engine, e.g. ``gtp:gnugo --mode gtp --level 1``
``mcts`` / ``mcts:N``  the no-network rollout search from the player factory (``selfplay.players``),
                       ``N`` playouts a move (default ``MCTS_PLAYOUTS``)
=====================  ==============================================================================

``GtpPlayer`` is a tiny GTP client of its own: ``selfplay/match.py`` has a fuller one, but ``selfplay``
may not import ``cli`` (the dependency direction is ``cli -> selfplay -> nets -> engine``).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import torch
from torch import nn

from engine import coords
from engine.board import EMPTY, Board
from engine.player import RESIGN
from selfplay.env import random_opponent, uniform_opponent
from selfplay.gtp_client import GtpClient
from selfplay.rl.common import load_rl_checkpoint, masked_argmax

NET_SUFFIXES = (".safetensors", ".pt")
MCTS_PLAYOUTS = 100
"""playouts a move of the ``mcts`` opponent"""
"""file suffixes of RL nets (``.pt``: written by earlier versions)"""


def _liberty_of(board: Board, chain: list[int]) -> int | None:
    """The one empty neighbour point of a chain in atari (``None`` if not found)."""
    n = board.size
    for a in chain:
        r, c = divmod(a, n)
        for rr, cc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
            if 0 <= rr < n and 0 <= cc < n and board.color_at(rr * n + cc) == EMPTY:
                return rr * n + cc
    return None


def heuristic_opponent(board: Board, color: int, rng: np.random.Generator) -> int:
    """Capture the most stones if any capture is legal; else save an own chain from atari; else random.

    An escape counts only if the chain has at least 2 liberties after the move. Ties are broken
    by ``rng``; the fallback is ``random_opponent``. Does not modify ``board``.
    """
    legal = board.legal_mask(color)
    stones = board.stones().ravel()
    captures: Counter[int] = Counter()
    escapes: list[int] = []
    seen: set[int] = set()
    for a in np.flatnonzero(stones != EMPTY):
        if a in seen:
            continue
        chain = board.chain(int(a))
        seen.update(chain)
        lib = _liberty_of(board, chain) if board.liberties(int(a)) == 1 else None
        if lib is None or not legal[lib]:
            continue
        if stones[a] == color:
            escapes.append(lib)
        else:
            captures[lib] += len(chain)
    if captures:
        best = max(captures.values())
        return int(rng.choice(sorted(a for a, k in captures.items() if k == best)))
    for lib in rng.permutation(sorted(set(escapes))):
        after = board.copy()
        after.play(int(lib), color)
        if after.liberties(int(lib)) >= 2:
            return int(lib)
    return random_opponent(board, color, rng)


def net_action(model: nn.Module, head: str, board: Board, color: int, features_name: str) -> int:
    """Greedy legal action of an RL net (largest Q, or largest policy logit) for ``color``."""
    from engine import features

    planes = torch.from_numpy(features.encode(board, features_name, color)).unsqueeze(0)
    mask = torch.from_numpy(board.legal_mask(color)).unsqueeze(0)
    with torch.no_grad():
        out = model(planes)
    scores = out if head == "dqn" else out[0]
    return int(masked_argmax(scores, mask)[0])


class NetOpponent:
    """One RL checkpoint playing greedily (an env opponent callable)."""

    def __init__(self, path: str | Path):
        ck = load_rl_checkpoint(path)
        self.model, self.head, self.path = ck.model, ck.head, str(path)

    def __call__(self, board: Board, color: int, rng: np.random.Generator) -> int:
        """Greedy action for ``color``."""
        return net_action(self.model, self.head, board, color, self.model.cfg.feature_set)


class PoolOpponent:
    """A random earlier checkpoint per game (AlphaGo Lee's RL opponent pool), random while empty.

    A new game is recognised by a new ``Board`` object (the env makes one per ``reset``); the
    folder is listed again then, so checkpoints written during training join the pool.
    """

    def __init__(self, folder: str | Path, cache: int = 8):
        self.folder, self.cache_size = Path(folder), cache
        self._cache: dict[Path, NetOpponent] = {}
        self._board_id: int | None = None
        self._current: NetOpponent | None = None

    def __call__(self, board: Board, color: int, rng: np.random.Generator) -> int:
        """Move of this game's pool member."""
        if id(board) != self._board_id:
            self._board_id = id(board)
            paths = sorted(p for p in self.folder.glob("*") if p.suffix in NET_SUFFIXES) if self.folder.is_dir() else []
            self._current = self._load(paths[int(rng.integers(len(paths)))]) if paths else None
        if self._current is None:
            return random_opponent(board, color, rng)
        return self._current(board, color, rng)

    def _load(self, path: Path) -> NetOpponent:
        if path not in self._cache:
            if len(self._cache) >= self.cache_size:
                self._cache.pop(next(iter(self._cache)))
            self._cache[path] = NetOpponent(path)
        return self._cache[path]


class GtpPlayer:
    """Any GTP engine as an ``engine.player.Player``: ``GtpPlayer("gnugo --mode gtp --level 1")``.

    The engine's board is kept in step with the caller's: moves it has not seen are sent with
    ``play`` before each ``genmove``; a board that is not a continuation is replayed from
    ``clear_board``. Answers end at an empty line (GTP version 2 draft, section 3.4).
    """

    def __init__(self, command: str):
        self.name = f"gtp:{command}"
        self.client = GtpClient(command, ids=False)
        self._sent: list[tuple[int, int]] = []
        self._size, self._komi = 0, None

    def send(self, command: str) -> str:
        """Send one command; return the text after ``=``.

        Raises:
            RuntimeError: on a ``?`` answer or if the engine closed its output.
        """
        ok, text = self.client.send(command)
        if not ok:
            raise RuntimeError(f"GTP engine {self.name!r} refused {command!r}: ? {text}")
        return text

    def new_game(self, board: Board) -> None:
        """Set size and komi, clear, replay ``board``'s moves."""
        if board.size != self._size:
            self.send(f"boardsize {board.size}")
            self._size = board.size
        if board.komi != self._komi:
            self.send(f"komi {board.komi}")
            self._komi = board.komi
        self.send("clear_board")
        self._sent = []
        self._sync(board)

    def _sync(self, board: Board) -> None:
        if board.size != self._size or board.komi != self._komi:
            self.new_game(board)  # sets both, then comes back here with nothing sent
            return
        if board.moves[: len(self._sent)] != self._sent:
            self.send("clear_board")
            self._sent = []
        for color, action in board.moves[len(self._sent) :]:
            self.send(f"play {'BW'[color - 1]} {coords.to_gtp(action, board.size)}")
            self._sent.append((color, action))

    def genmove(self, board: Board, color: int, seconds: float | None = None) -> int:
        """The engine's move for ``color`` (``RESIGN`` if it resigns)."""
        self._sync(board)
        vertex = self.send(f"genmove {'BW'[color - 1]}").lower()
        if vertex == "resign":
            return RESIGN
        action = coords.from_gtp(vertex, board.size)
        self._sent.append((color, action))
        return action

    def close(self) -> None:
        """Quit the engine."""
        self.client.close(timeout=5)

    def __getstate__(self):
        raise TypeError("GtpPlayer holds a subprocess and cannot be pickled; build one per worker")


def make_opponent(spec: str, pool_dir: str | Path | None = None):
    """Build the opponent named by ``spec`` (see the module docstring).

    Raises:
        ValueError: for an unknown spec.
    """
    spec = spec.strip()
    if spec == "random":
        return random_opponent
    if spec == "uniform":
        return uniform_opponent
    if spec == "heuristic":
        return heuristic_opponent
    if spec == "pool" or spec.startswith("pool:"):
        folder = spec[5:] if spec.startswith("pool:") else pool_dir
        if not folder:
            raise ValueError("opponent 'pool' needs a pool folder (the run's, or pool:DIR)")
        return PoolOpponent(folder)
    if spec.startswith("gtp:"):
        return GtpPlayer(spec[4:])
    if spec == "mcts" or spec.startswith("mcts:"):
        return mcts_opponent(int(spec[5:]) if spec.startswith("mcts:") else MCTS_PLAYOUTS)
    if spec.endswith(NET_SUFFIXES):
        return NetOpponent(spec)
    raise ValueError(
        f"unknown opponent {spec!r}: random, uniform, heuristic, pool, pool:DIR, PATH.safetensors, mcts:N"
        " or gtp:COMMAND"
    )


def mcts_opponent(playouts: int = MCTS_PLAYOUTS, seed: int | None = None):
    """The rollout search as an opponent (an ``engine.player.Player``), built by the player factory.

    Raises:
        ValueError: for fewer than one playout.
    """
    from engine.config import MCTSConfig
    from selfplay.players import PlayerConfig, build_player

    if playouts < 1:
        raise ValueError(f"opponent mcts:{playouts}: playouts must be >= 1")
    search = MCTSConfig(num_simulations=playouts, resign_threshold=0.0)
    return build_player(PlayerConfig("mcts", search, seed=seed))


def split_specs(spec: str) -> list[str]:
    """``"random,heuristic"`` -> ``["random", "heuristic"]``; a ``gtp:`` spec is never split."""
    if spec.strip().startswith("gtp:"):
        return [spec.strip()]
    return [s.strip() for s in spec.split(",") if s.strip()]
