"""Search-labelled value data: positions from game records, each valued by a no-network search.

Why: the paper's recipe (``selfplay/lee/value.py``) labels a position with the outcome ``z`` of one
RL-policy game from it. On 9x9 at the data one machine makes, such a net barely predicts the
games of strong players (docs/lee.md, "Search-labelled value data"). Here the label is what a
strong evaluator says of the position instead, and the positions are the kind a search meets.

Vocabulary:

* **source position**: a game record's position after ``k`` moves (``0 <= k < len(moves)``);
* **perturbed position**: a source position plus one uniformly random legal move, the kind of
  bad move a search tree holds and expert records lack (a fraction ``perturb`` of positions);
* **search value** ``q``: the root value, for the side to move, of a ``sims``-simulation search of
  the no-network MCTS (heavy rollouts with RAVE); it is the regression target;
* **game** ``g``: the record's index, kept so that ``train value`` holds out whole games;
* **chunk**: ``chunk`` positions labelled by one worker and written as one file.

Output: ``out/round-CCCCC.npz`` per chunk, in the layout of ``train value``'s data files
(``planes uint8[B, 49, n, n]``, ``legal``, ``z float32[B]`` = ``q``) plus ``game int64[B]``,
``k`` and ``action`` (the spec's, -1 when unperturbed). Each file is written atomically and a
chunk whose file exists is skipped, so a stopped run resumes. ``train value --data OUT`` then trains on them.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine import procs
from engine.board import Board
from engine.config import MCTSConfig
from engine.sgf import GameRecord, record_to_board
from nets.fileio import atomic_write
from selfplay.lee.data import encode_positions
from selfplay.records import load_sgf_folder

log = logging.getLogger("go_engine.value_search")


@dataclass(frozen=True)
class SearchLabelConfig:
    """What to label and how hard to search."""

    sims: int = 1000
    """simulations of the labelling search per position"""
    per_game: int = 0
    """source positions drawn per record (0 = every position)"""
    perturb: float = 0.5
    """fraction of positions given one uniformly random legal move first"""
    chunk: int = 256
    """positions per worker task and output file"""
    workers: int = 1
    """labelling processes (one chunk each at a time)"""
    seconds: float = 0.0
    """stop handing out chunks after this many seconds (0 = no limit); a rerun resumes"""
    seed: int = 0
    """root seed of the position draws, perturbations and searches"""


@dataclass(frozen=True)
class PositionSpec:
    """One position to label: record ``game`` after ``k`` moves, then ``action`` if >= 0."""

    game: int
    k: int
    action: int


def position_specs(records: list[GameRecord], cfg: SearchLabelConfig) -> list[PositionSpec]:
    """Every position to label, shuffled by ``cfg.seed`` (random moves drawn here, so reproducible)."""
    rng = np.random.default_rng([cfg.seed, 7])
    specs = []
    for g, rec in enumerate(records):
        ks = np.arange(len(rec.moves))
        if cfg.per_game and len(ks) > cfg.per_game:
            ks = np.sort(rng.choice(ks, cfg.per_game, replace=False))
        for k in ks:
            action = -1
            if rng.random() < cfg.perturb:
                action = int(rng.integers(1 << 30))  # resolved to a legal move in build_board
            specs.append(PositionSpec(g, int(k), action))
    order = rng.permutation(len(specs))
    return [specs[i] for i in order]


def build_board(rec: GameRecord, spec: PositionSpec) -> Board | None:
    """The board of ``spec``, ``None`` if the game is over there.

    A perturbation plays the legal non-pass move numbered ``spec.action`` modulo their count.
    """
    board = record_to_board(rec, moves=spec.k)
    if spec.action >= 0:
        moves = [a for a in board.legal_moves() if a != board.pass_action]
        if moves:
            board.play(int(moves[spec.action % len(moves)]))
    return None if board.is_over else board


def search_values(boards: list[Board], sims: int, seed: int) -> np.ndarray:
    """``float32[B]``: each board's root value after ``sims`` simulations of a fresh no-network search."""
    from engine.search.mcts import MCTS, RolloutEvaluator

    search = MCTS(MCTSConfig(), RolloutEvaluator(seed=seed), seed=seed)
    q = np.empty(len(boards), np.float32)
    for i, board in enumerate(boards):
        search.reset()
        search.search(board, num_simulations=sims)
        q[i] = search.root_value()
    return q


def label_chunk(records: list[GameRecord], specs: list[PositionSpec], sims: int, seed: int, path: Path) -> int:
    """Build, label, encode and write one chunk; returns the positions written."""
    kept = [(s, b) for s in specs if (b := build_board(records[s.game], s)) is not None]
    if not kept:
        return 0
    boards = [b for _, b in kept]
    q = search_values(boards, sims, seed)
    planes, legal = encode_positions(boards, value=True)
    with atomic_write(path, suffix=".npz") as f:
        np.savez_compressed(
            f,
            planes=planes,
            legal=legal,
            z=q,
            game=np.array([s.game for s, _ in kept], np.int64),
            k=np.array([s.k for s, _ in kept], np.int64),
            action=np.array([s.action for s, _ in kept], np.int64),
        )
    return len(kept)


_RECORDS: list[GameRecord] = []


def _init_worker(records: list[GameRecord], guard: dict) -> None:
    global _RECORDS
    procs.worker_init(**guard)  # ends with its parent; Ctrl-C is the parent's to handle
    _RECORDS = records


def _work(task: tuple) -> int:
    specs, sims, seed, path = task
    return label_chunk(_RECORDS, specs, sims, seed, Path(path))


def load_records(folders: list[str | Path], size: int) -> list[GameRecord]:
    """Readable records of board ``size`` from ``folders`` (broken files are logged and skipped)."""
    records = []
    for folder in folders:
        found, failures = load_sgf_folder(folder)
        records += [r for r in found if r.size == size and r.moves]
        if failures:
            log.warning("%s: skipped %d unreadable files", folder, len(failures))
    if not records:
        raise ValueError(f"no {size}x{size} game records in {', '.join(map(str, folders))}")
    return records


def label_records(records: list[GameRecord], out: str | Path, cfg: SearchLabelConfig) -> dict:
    """Label the positions of ``records`` into ``out`` (resuming); returns counts and the rate."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    specs = position_specs(records, cfg)
    tasks = []
    for c, i in enumerate(range(0, len(specs), cfg.chunk)):
        path = out / f"round-{c:05d}.npz"
        if not path.exists():
            tasks.append((specs[i : i + cfg.chunk], cfg.sims, cfg.seed * 100_003 + c, str(path)))
    log.info("%d positions in %d chunks, %d to label", len(specs), -(-len(specs) // cfg.chunk), len(tasks))
    t0 = time.perf_counter()
    done = chunks = 0
    ctx = mp.get_context("spawn" if cfg.workers > 1 else "fork")
    with ctx.Pool(cfg.workers, _init_worker, (records, procs.guard_args())) as pool:  # exit: terminate()
        pending = [pool.apply_async(_work, (t,)) for t in tasks]
        for res in pending:
            left = cfg.seconds - (time.perf_counter() - t0) if cfg.seconds else None
            try:
                done += res.get(timeout=max(left, 0.01) if left is not None else None)
            except mp.TimeoutError:
                log.info("time is up: stopping with %d chunks labelled (a rerun resumes)", chunks)
                pool.terminate()
                break
            chunks += 1
            log.info("chunk %d/%d: %d positions, %.1f/s", chunks, len(tasks), done, done / (time.perf_counter() - t0))
    return {"positions": done, "chunks": chunks, "seconds": time.perf_counter() - t0}
