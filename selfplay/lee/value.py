"""AlphaGo Lee value network v_theta: data from SL/RL self-play, then MSE regression of the outcome.

Paper: Silver et al. 2016, Nature 529, Methods "Reinforcement learning of value networks": to avoid
overfitting to correlated positions, each self-play game gives one position: draw ``U`` uniformly
in ``[1, u_max]`` (450 on 19x19); play moves ``1 .. U-1`` with the SL policy p_sigma; play a
uniformly random legal move at ``U``; play the rest of the game with the RL policy p_rho (both
sides); keep ``(s_{U+1}, z)`` with ``z`` the outcome from the view of the player to move in
``s_{U+1}``. Training: SGD on ``(z - v(s))^2``, minibatch 32, random symmetry per sample.

Deviations: ``u_max`` defaults to ``round(450 * n^2 / 361)`` (101 on 9x9); a game that ends
before move ``U`` gives no position (counted as ``dropped``); the random move at ``U`` is a
uniformly random legal point (pass only when no point is legal); p_sigma and p_rho move as in
``selfplay/lee/rl.py`` (sampled over the sensible points).

Run folder (``out``):

=========================  ===============================================================
path                       content
=========================  ===============================================================
``config.json``            the ``ValueConfig`` and the two policy files
``data/round-RRRRR.npz``   generated positions: ``planes uint8[B, 49, n, n]``, ``legal``, ``z int8[B]``
                           (atomic; round ``r`` uses the generator ``(seed, r)``, so a
                           restart regenerates nothing and continues where it stopped)
``checkpoint.pt``          model, optimizer, step, RNG states (resumed exactly)
``weights.safetensors``    the final value net
``log.csv``, ``tb/``       train MSE, held-out MSE, the MSE of predicting the training mean, lr
=========================  ===============================================================

Data parallel (``go-engine train value --nproc N``, ``torchrun``): see ``selfplay/distributed.py``;
rank 0 generates the data files while the other ranks wait, then every rank trains on its slices.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from engine.board import Board
from engine.features.lee import encode_lee_batch
from nets.checkpoint import load_weights, save_weights
from nets.factory import build_model
from nets.fileio import atomic_write
from selfplay import distributed
from selfplay.lee.common import MetricLog, dataclass_table, restore_state, write_json
from selfplay.lee.data import PositionSet, augment
from selfplay.lee.rl import outcome, policy_moves
from selfplay.trainer_config import GameSettings, HalvingSGD, PresetNet
from selfplay.trainer_loop import MinibatchRun, start_trainer

log = logging.getLogger("go_engine.value")
LOG_FIELDS = ("step", "loss", "heldout_mse", "mean_baseline_mse", "lr", "samples_per_s")


@dataclass(frozen=True)
class ValueConfig(GameSettings, PresetNet, HalvingSGD):
    """Hyperparameters of value data generation and value-net training (the paper's minibatch: 32)."""

    positions: int = 10_000
    """positions to generate (one per game)"""
    games_per_round: int = 128
    """games stepped together; one data file per round"""
    u_max: int = 0
    """``U`` is drawn from ``[1, u_max]``; 0 = ``round(450 * n^2 / 361)``"""
    preset: str = "value13x192"
    """net preset (kind ``value``); board size and planes are set to the policies' (``aglee49``)"""
    layers: int | None = None
    """override the preset's ``L`` (convolution layers before the head; a cheaper net for search)"""
    batch_size: int = 32
    """minibatch (paper: 32)"""
    holdout: float = 0.1
    """fraction of the positions held out (one position per game, so no game leaks)"""
    data: str = ""
    """folder of ready data files (``go-engine data value-search``): train on them, generate nothing"""


def value_loss(values: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """Mean ``(z - v)^2`` (pure function)."""
    return torch.mean((z.float() - values.float()) ** 2)


# ------------------------------------------------------------------------------ data generation
@dataclass
class ValueRound:
    """One round of value-data games: the kept positions (one per game that reached move ``U``)."""

    planes: np.ndarray
    """``uint8[B, 49, n, n]``: ``s_{U+1}`` from the view of its player to move"""
    legal: np.ndarray
    """``uint8[B, n*n+1]``"""
    z: np.ndarray
    """``int8[B]``: the outcome from the view of the player to move in ``s_{U+1}``"""
    to_play: np.ndarray
    """``int64[B]``: that player"""
    winner: np.ndarray
    """``int64[B]``: the game's winner (BLACK, WHITE, or EMPTY for a draw)"""
    u: np.ndarray
    """``int64[B]``: the move number ``U`` of the random move"""
    dropped: int
    """games that ended before move ``U``"""


def generate_round(sl, rl, n_games: int, size: int, cfg: ValueConfig, rng: np.random.Generator, device) -> ValueRound:
    """Play ``n_games`` games as the paper's recipe says, all stepped together.

    Per ply there is at most one SL call (games before move ``U``) and one RL call (games after).
    """
    u_max = cfg.u_max or round(450 * size * size / 361)
    cap = cfg.move_cap(size)
    boards = [Board(size, komi=cfg.komi) for _ in range(n_games)]
    u = rng.integers(1, u_max + 1, n_games)
    kept: dict[int, tuple] = {}  # game -> (planes, legal, colour to move) of s_{U+1}
    live = list(range(n_games))
    while live:
        nxt = {g: boards[g].move_number + 1 for g in live}  # 1-based number of the move to play
        for net, phase in ((sl, [g for g in live if nxt[g] < u[g]]), (rl, [g for g in live if nxt[g] > u[g]])):
            if phase:
                acts, _, _ = policy_moves(net, [boards[g] for g in phase], rng, device)
                for g, a in zip(phase, acts, strict=True):
                    boards[g].play(int(a))
        randoms = [g for g in live if nxt[g] == u[g]]
        for g in randoms:
            moves = [a for a in boards[g].legal_moves() if a != boards[g].pass_action]
            boards[g].play(int(rng.choice(moves)) if moves else boards[g].pass_action)
        if randoms:
            planes = encode_lee_batch([boards[g] for g in randoms], value=True).astype(np.uint8)
            for j, g in enumerate(randoms):
                kept[g] = (planes[j], boards[g].legal_mask().astype(np.uint8), boards[g].to_play)
        live = [g for g in live if not boards[g].is_over and boards[g].move_number < cap]
    games = sorted(kept)
    n = size * size
    return ValueRound(
        planes=np.stack([kept[g][0] for g in games]) if games else np.zeros((0, 49, size, size), np.uint8),
        legal=np.stack([kept[g][1] for g in games]) if games else np.zeros((0, n + 1), np.uint8),
        z=np.array([outcome(boards[g], kept[g][2]) for g in games], np.int8),
        to_play=np.array([kept[g][2] for g in games], np.int64),
        winner=np.array([boards[g].winner() for g in games], np.int64),
        u=u[games],
        dropped=n_games - len(games),
    )


def _save_npz(path: Path, **arrays) -> None:
    with atomic_write(path, suffix=".npz") as f:
        np.savez_compressed(f, **arrays)


def generate_value_data(cfg: ValueConfig, sl, rl, data_dir: Path, device) -> PositionSet:
    """Rounds of ``generate_round`` until ``cfg.positions`` are on disk; returns them (``game`` = row)."""
    size = sl.cfg.board_size
    files = sorted(data_dir.glob("round-*.npz"))
    have = 0
    for f in files:
        with np.load(f) as d:
            have += len(d["z"])
    r = len(files)
    while have < cfg.positions:
        t0 = time.perf_counter()
        rnd = generate_round(sl, rl, cfg.games_per_round, size, cfg, np.random.default_rng([cfg.seed, r]), device)
        if len(rnd.z) == 0:
            raise RuntimeError(f"no game of round {r} reached move U; lower u_max (now {cfg.u_max or 'auto'})")
        _save_npz(data_dir / f"round-{r:05d}.npz", planes=rnd.planes, legal=rnd.legal, z=rnd.z)
        have += len(rnd.z)
        log.info("round %d: %d positions (%d dropped) in %.1fs", r, len(rnd.z), rnd.dropped, time.perf_counter() - t0)
        r += 1
    return load_value_files(data_dir, cfg.positions)


def load_value_files(data_dir: Path, limit: int = 0) -> PositionSet:
    """The positions of ``data_dir/round-*.npz`` in file order (the first ``limit``; 0 = all).

    A file's ``game`` array (search-labelled data) names each position's game; without one (the
    paper's recipe, one position per game) each position is its own game.

    Raises:
        FileNotFoundError: if the folder holds no data file.
    """
    files = sorted(Path(data_dir).glob("round-*.npz"))
    if not files:
        raise FileNotFoundError(f"{data_dir}: no round-*.npz value data")
    parts, first_game = [], 0
    for f in files:
        with np.load(f) as d:
            part = {k: d[k] for k in ("planes", "legal", "z")}
            part["game"] = d["game"] if "game" in d else first_game + np.arange(len(part["z"]))
        first_game = max(first_game, int(part["game"].max(initial=-1)) + 1)
        parts.append(part)
    end = limit or None
    planes, legal, z, game = (np.concatenate([p[k] for p in parts])[:end] for k in ("planes", "legal", "z", "game"))
    return PositionSet(planes, legal, z.astype(np.float32), game.astype(np.int64))


def evaluate_mse(model, data: PositionSet, device, chunk: int = 512) -> float:
    """Mean ``(z - v)^2`` of ``model`` on ``data`` (no augmentation); 0 for an empty set."""
    total = 0.0
    with torch.no_grad():
        for i in range(0, len(data), chunk):
            v = model(torch.from_numpy(data.planes[i : i + chunk].astype(np.float32)).to(device))
            total += float(((torch.from_numpy(data.target[i : i + chunk]).to(device) - v) ** 2).sum())
    return total / max(len(data), 1)


# ------------------------------------------------------------------------------ training
def _resolve(path: str | Path) -> Path:
    path = Path(path)
    return path / "weights.safetensors" if path.is_dir() else path


def train_value(cfg: ValueConfig, sl_weights, rl_weights, out: str | Path, *, stop_at: int | None = None) -> dict:
    """Generate the value data (or reuse it) and train (or resume) the value net; outputs in ``out``.

    Args:
        cfg: hyperparameters.
        sl_weights: p_sigma (``weights.safetensors`` or its run folder); unused with ``cfg.data``.
        rl_weights: p_rho (``weights.safetensors`` or its run folder); unused with ``cfg.data``.
        out: run folder (see the module docstring).
        stop_at: stop at this total step instead of ``cfg.steps``; a later call resumes exactly.

    Returns:
        The last logged metrics (``heldout_mse`` and ``mean_baseline_mse`` at the end).
    """
    out = Path(out)
    stop = cfg.steps if stop_at is None else min(stop_at, cfg.steps)
    # --- seeding
    ranks = distributed.current()  # data parallel under distributed.launch; rank 0 writes
    rng, device = start_trainer(cfg, ranks)
    # --- data: one position per game (SL to U-1, random at U, RL to the end), or ready files
    if cfg.data:
        data = load_value_files(Path(cfg.data), cfg.positions)
    else:
        if ranks.is_main:  # rank 0 generates the files, the other ranks then read them
            sl, rl = (load_weights(_resolve(w)).model.to(device) for w in (sl_weights, rl_weights))
            generate_value_data(cfg, sl, rl, out / "data", device)
        ranks.barrier()
        data = load_value_files(out / "data", cfg.positions)
    train, held = data.split_by_game(cfg.holdout, np.random.default_rng([cfg.seed, 1]))
    mean_z = float(train.target.mean()) if len(train) else 0.0
    baseline_mse = float(np.mean((held.target - mean_z) ** 2)) if len(held) else 0.0
    log.info("hyperparameters\n%s", dataclass_table(cfg))
    log.info("%d training positions, %d held out; mean z %.3f", len(train), len(held), mean_z)
    # --- model, optimizer, resume
    layers = {"blocks": cfg.layers} if cfg.layers else {}
    model = build_model(cfg.net_config(data.size, "aglee49", 49, "value", **layers))
    optimizer = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=cfg.momentum)
    step, _ = restore_state(out / "checkpoint.pt", model, optimizer, rng)
    model.to(device).train()
    net = ranks.wrap(model, device)  # DDP over the ranks, or the model itself
    if ranks.is_main:
        write_json(out / "config.json", {"value": asdict(cfg), "sl": str(sl_weights), "rl": str(rl_weights)})
    metrics_log = MetricLog(out, LOG_FIELDS, "value") if ranks.is_main else None
    meta = {"value": asdict(cfg)}
    run = MinibatchRun(cfg, model, optimizer, rng, out / "checkpoint.pt", meta, metrics_log, step, ranks)

    def learn():
        """A random minibatch under random symmetries; ``(z - v(s))^2`` on it."""
        idx, trans = run.draw(len(train))
        x, _, _ = augment(train.planes[idx], train.legal[idx], None, trans)
        x, z = torch.from_numpy(x).to(device), torch.from_numpy(train.target[idx]).to(device)
        return value_loss(net(x), z), lambda: {"mean_baseline_mse": baseline_mse}

    def evaluate():
        """Held-out MSE, next to the MSE of predicting the training mean."""
        mse = evaluate_mse(model, held, device)
        log.info("step %d: held-out MSE %.4f (mean: %.4f)", run.step, mse, baseline_mse)
        return {"heldout_mse": mse}

    metrics = run.train(stop, learn, cfg.lr_at, evaluate, metrics={"mean_baseline_mse": baseline_mse})
    run.finish()
    if ranks.is_main:
        save_weights(out / "weights.safetensors", model, step=run.step, meta={"trainer": "value"})
    ranks.barrier()  # every rank returns after the final files exist
    return {"step": run.step, **metrics}
