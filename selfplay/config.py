"""Frozen configuration of the AlphaGo Zero pipeline: self-play, training, evaluation, the root ``Config``.

Plain dataclasses (no framework imports), built once in ``cli`` and passed down; every field has
a docstring. The root ``Config`` composes the sections owned by the other layers
(``engine.config.BoardConfig``/``MCTSConfig``, ``nets.config.NetConfig``) with the ones here, and
round-trips through JSON (``to_dict``/``from_dict``, ``save_config``/``load_config``); a run folder
keeps it as ``config.json``.

Defaults follow the AlphaGo Zero paper scaled down for 9x9 on a CPU (see docs/zero.md).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from engine.config import BoardConfig, MCTSConfig, SelfPlayMoves
from engine.errors import UserError
from engine.features import stored_set
from nets.config import NetConfig
from nets.fileio import atomic_write

PRECISIONS = ("auto", "fp32", "bf16", "int8")
"""``SelfPlayConfig.precision`` values: ``nets.precision.CHOICES`` (kept here free of torch)"""


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity mask where the OS has one)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@dataclass(frozen=True)
class SelfPlayConfig(SelfPlayMoves):
    """How self-play games are played and written (how moves are chosen: ``engine.config.SelfPlayMoves``)."""

    games: int = 64
    """games to play (per generation in the loop)"""
    workers: int = 1
    """worker processes (0 = play in the calling process, for tests and debugging)"""
    games_per_worker_batch: int = 16
    """games each worker plays at once; their leaves share one network call per step (K)"""
    device: str = "cpu"
    """torch device of the workers' nets"""
    half: bool = False
    """float16 inference (CUDA)"""
    precision: str = "auto"
    """CPU inference of the workers' nets (``nets.precision``): ``fp32``, ``bf16``, ``int8``, or ``auto``
    (int8 where torch has a quantized CPU engine, else fp32)"""
    torch_threads: int = 1
    """torch intra-op threads per worker"""
    max_restarts: int = 3
    """restarts allowed per worker that crashed"""
    bootstrap_games: int = 0
    """loop: generation 0 is played by the no-network search (heavy rollouts) for this many games,
    an expert-iteration start (Anthony et al. 2017); 0 = by the fresh net, as in AlphaGo Zero"""
    bootstrap_playouts: int = 0
    """playouts per move of the bootstrap search (0 = the ``mcts.num_simulations`` of the run)"""
    komi_spread: int = 0
    """each game's komi is the run's komi plus a uniform whole number of points in +-``komi_spread``
    (KataGo's komi randomisation, for nets with a komi plane: ``agz17k``); 0 = every game at the
    run's komi. Needs the compiled engine"""
    engine: str = "compiled"
    """``"compiled"``: all of a worker's games in one Numba arena, one network call per step
    (``engine/search/batch.py``; agz17 nets); ``"threads"``: one ``MCTS`` per game in a thread
    (``engine/search/multi.py``), for any feature set"""
    search_threads: int = 1
    """search threads of each worker's compiled engine, each stepping its own group of the worker's
    games while the net serves its calls (one at a time on the CPU, two on CUDA; a GPU evaluates
    faster than one core selects leaves); above 1 the games no longer replay bit for bit"""

    def __post_init__(self):
        super().__post_init__()
        if self.root_search == "gumbel" and self.engine != "compiled":
            raise ValueError("root_search 'gumbel' needs engine 'compiled'")
        if self.forced_k > 0 and self.engine != "compiled":
            raise ValueError("forced_k must be 0 unless the engine is 'compiled' with a PUCT root")
        if self.komi_spread < 0 or (self.komi_spread and self.engine != "compiled"):
            raise ValueError("komi_spread must be >= 0, and 0 unless the engine is 'compiled'")
        if self.search_threads < 1 or (self.search_threads > 1 and self.engine != "compiled"):
            raise ValueError("search_threads must be >= 1, and 1 unless the engine is 'compiled'")
        if self.games < 1 or self.workers < 0 or self.games_per_worker_batch < 1:
            raise ValueError("games and games_per_worker_batch must be >= 1, workers >= 0")
        if self.engine not in ("compiled", "threads"):
            raise ValueError(f"engine must be 'compiled' or 'threads', got {self.engine!r}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {self.precision!r}")


@dataclass(frozen=True)
class TrainConfig:
    """The zero trainer: data window, optimiser, schedule, logging."""

    steps: int = 1000
    """total optimiser steps (a resumed run continues up to this number)"""
    batch_size: int = 256
    """positions per step"""
    window_positions: int = 200_000
    """train on the newest this many positions of the shards (AlphaGo Zero: 500k games)"""
    window_growth: bool = False
    """KataGo's growing window: with ``N`` positions written so far, the newest
    ``c (1 + beta ((N / c)^alpha - 1) / alpha)`` of them (all while ``N <= c``), ``c`` =
    ``window_positions``"""
    window_alpha: float = 0.75
    """``alpha`` of the growing window (KataGo: 0.75)"""
    window_beta: float = 0.4
    """``beta`` of the growing window (KataGo: 0.4)"""
    ownership_weight: float = 1.5
    """weight of the ownership loss (mean per-point cross-entropy) when the net has the head"""
    score_weight: float = 1.0
    """weight of the score loss (squared error of margin / n*n) when the net has the head"""
    q_weight: float = 0.0
    """the value target is ``(1 - q_weight) z + q_weight q``, ``q`` the search's root value kept
    with each sample by the compiled engine (rows without one keep ``z``); 0 = AlphaGo Zero's ``z``"""
    optimizer: str = "adamw"
    """``"adamw"`` or ``"sgd"`` (momentum, as in the paper; at lr 0.02 it learned too slowly from a
    fresh net on a CPU budget, docs/zero.md)"""
    lr: float = 0.002
    """initial learning rate"""
    momentum: float = 0.9
    """SGD momentum"""
    l2: float = 1e-4
    """``c`` of the ``c ||theta||^2`` loss term"""
    adamw_weight_decay: float = 0.0
    """decoupled weight decay of AdamW (on top of the loss's L2 term)"""
    lr_schedule: str = "constant"
    """``"step"`` (x0.1 at each of ``lr_milestones``), ``"cosine"`` or ``"constant"``"""
    lr_milestones: tuple[float, ...] = (0.5, 0.75)
    """step schedule: fractions of ``steps`` where the rate drops tenfold (paper: 1e-2 -> 1e-3 -> 1e-4)"""
    warmup_steps: int = 0
    """linear warm-up steps"""
    symmetries: bool = True
    """augment every sample by a random one of the 8 board symmetries"""
    device: str = "cpu"
    """torch device (``"cuda"`` trains with bfloat16 autocast)"""
    amp: bool = True
    """mixed precision on CUDA (ignored on the CPU)"""
    checkpoint_every: int = 500
    """steps between checkpoints (one is always written at the end)"""
    log_every: int = 10
    """steps between log rows"""
    torch_threads: int = 0
    """torch intra-op threads on the CPU (0 = every core this process may use)"""

    def __post_init__(self):
        if self.optimizer not in ("sgd", "adamw"):
            raise ValueError(f"optimizer must be 'sgd' or 'adamw', got {self.optimizer!r}")
        if self.lr_schedule not in ("step", "cosine", "constant"):
            raise ValueError(f"lr_schedule must be step, cosine or constant, got {self.lr_schedule!r}")
        if not 0.0 <= self.q_weight <= 1.0:
            raise ValueError(f"q_weight must be in [0, 1], got {self.q_weight}")
        if self.steps < 0 or self.batch_size < 1 or self.window_positions < 1:
            raise ValueError("steps >= 0, batch_size >= 1 and window_positions >= 1 required")


@dataclass(frozen=True)
class EvalConfig:
    """Evaluation matches of the loop and the ratings anchor."""

    games: int = 40
    """games of each new net against the current best (AlphaGo Zero: 400)"""
    playouts: int = 100
    """playouts per move in evaluation games (no noise, temperature 0 after a few moves)"""
    random_moves: int = 4
    """opening moves sampled by visits (T = 1) so that evaluation games differ"""
    threshold: float = 0.55
    """win rate the new net needs to become the best (gating)"""
    gating: bool = True
    """AlphaGo Zero gating; False = AlphaZero, self-play always uses the latest net"""
    anchor_games: int = 10
    """games of each new best against the no-network ``MCTSPlayer`` (the Elo anchor, rated 0)"""
    anchor_playouts: int = 100
    """playouts per move of the anchor (rollouts with heuristic priors)"""
    gnugo: str | None = None
    """GNU Go command line; when set, each new best also plays it through the GTP referee"""
    gnugo_games: int = 10
    """games against GNU Go per new best"""
    gnugo_komi: float | None = None
    """komi of the GNU Go games (``None``: the board's); -7.5 with ``gnugo_colors="a-white"`` is
    the reverse-komi ladder rung (GNU Go as Black receives 7.5 points)"""
    gnugo_colors: str = "alternate"
    """colours of the GNU Go games: ``alternate``, ``a-white`` (our net always White) or ``a-black``"""


@dataclass(frozen=True)
class Config:
    """The root: every section, plus the loop's budget and the seed."""

    board: BoardConfig = field(default_factory=lambda: BoardConfig(size=9, komi=7.0))
    mcts: MCTSConfig = field(default_factory=lambda: MCTSConfig(num_simulations=100, batch_size=8, resign_threshold=0))
    net: NetConfig = field(default_factory=lambda: NetConfig(board_size=9, blocks=5, filters=64))
    selfplay: SelfPlayConfig = field(default_factory=SelfPlayConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    hours: float = 1.0
    """wall-clock budget of the loop"""
    max_generations: int = 0
    """stop after this many generations (0 = only the time budget)"""
    train_steps_per_generation: int = 200
    """optimiser steps added in each generation of the loop"""
    seed: int = 0
    """root seed; games, workers and the trainer derive theirs from it"""

    def __post_init__(self):
        if self.net.board_size != self.board.size:
            raise ValueError(f"net is for {self.net.board_size}x{self.net.board_size}, board is {self.board.size}")
        compiled_only = self.selfplay.root_search == "gumbel" or self.selfplay.forced_k
        if compiled_only and stored_set(self.net.feature_set) != "agz17":
            raise ValueError("gumbel and forced playouts run on the compiled engine, which encodes agz17(k) only")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Config:
        """Inverse of ``to_dict``; unknown keys raise ``TypeError``."""
        sections = {
            "board": BoardConfig,
            "mcts": MCTSConfig,
            "net": NetConfig,
            "selfplay": SelfPlayConfig,
            "train": TrainConfig,
            "eval": EvalConfig,
        }
        kw = {}
        for k, v in data.items():
            if k == "mcts":
                kw[k] = MCTSConfig.from_dict(v)
            elif k in sections:
                sec = sections[k]
                names = {f.name for f in fields(sec)}
                if set(v) - names:
                    raise TypeError(f"unknown {k} fields: {sorted(set(v) - names)}")
                kw[k] = sec(**{n: tuple(x) if isinstance(x, list) else x for n, x in v.items()})
            else:
                kw[k] = v
        return cls(**kw)

    def replace(self, **changes: Any) -> Config:
        """A copy with fields replaced (sections by whole objects)."""
        return replace(self, **changes)


def save_config(path: str | os.PathLike, cfg: Config) -> Path:
    """Write ``cfg`` as indented JSON (atomically: temp file + ``os.replace``)."""
    path = Path(path)
    with atomic_write(path, "w") as f:
        f.write(json.dumps(cfg.to_dict(), indent=2, sort_keys=True) + "\n")
    return path


def load_config(path: str | os.PathLike) -> Config:
    """Read a ``config.json`` written by ``save_config`` (or by hand).

    Raises:
        UserError: if the file is not JSON, or names a field or section that does not exist, or
            holds a value a field refuses (the message names the file and the problem).
    """
    try:
        data = json.loads(Path(path).read_text())
    except json.JSONDecodeError as e:
        raise UserError(f"{path}: not valid JSON: {e}") from None
    if not isinstance(data, dict):
        raise UserError(f"{path}: a config is a JSON object of sections (board, mcts, net, selfplay, train, eval)")
    unknown = sorted(set(data) - {f.name for f in fields(Config)})
    if unknown:
        known = ", ".join(f.name for f in fields(Config))
        raise UserError(f"{path}: unknown sections or fields {unknown} (known: {known})")
    try:
        return Config.from_dict(data)
    except (TypeError, ValueError) as e:
        raise UserError(f"{path}: {e}") from None


def config_table(cfg: Config) -> str:
    """The hyperparameters as a two-column markdown table (logged at the start, as CleanRL does)."""
    rows = ["| parameter | value |", "|---|---|"]
    for sec, values in cfg.to_dict().items():
        if isinstance(values, dict):
            rows += [f"| {sec}.{k} | {v} |" for k, v in values.items()]
        else:
            rows.append(f"| {sec} | {values} |")
    return "\n".join(rows)
