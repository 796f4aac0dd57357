"""Knowledge distillation of an AlphaGo Zero net into a smaller one (optionally a pruned copy of it).

Vocabulary:

================  ==================================================================================
word              meaning
================  ==================================================================================
teacher           the trained ``resnet`` net whose outputs are the targets (frozen, eval mode)
student           the net being trained: a fresh preset (``--student b4c32``) or the teacher pruned
                  by ``nets.prune.prune_resnet`` (``--prune FRACTION``: pruning with fine-tuning)
position          the 0/1 input planes of one board in the teacher's stored set
                  (``engine.features.stored_set``) and the komi its player to move receives (a
                  komi net's komi plane is rebuilt from it); from a run folder's shards
                  (``--shards RUN``) and/or from teacher self-play games (``--games N``: both
                  sides sample the teacher's policy over the legal moves, temperature 1, one
                  batched call per ply)
label             the teacher's policy ``p_t`` (softmax over all ``n*n + 1`` actions) and value
                  ``v_t`` of a position, computed once and cached
================  ==================================================================================

Loss (Hinton et al. 2015, "Distilling the Knowledge in a Neural Network", at temperature 1):
``KL(p_t || p_s) + value_weight * (v_t - v_s)^2``, averaged over the batch; each sample under a
random one of the 8 symmetries (planes and ``p_t`` transformed together). AdamW, cosine schedule.

Output folder (``out``):

=======================  ==========================================================================
path                     content
=======================  ==========================================================================
``config.json``          the ``DistillConfig`` and the teacher path
``positions.npz``        planes, komi, game ids and the teacher's labels (atomic; reused on resume)
``checkpoint.pt``        model, optimizer, step, RNG states (atomic); ``distill`` resumes from it
``weights.safetensors``  the student (``nets.checkpoint`` format: ``go-engine gtp --weights``)
``log.csv``, ``tb/``     train KL and value MSE; held-out KL, value MSE and top-1 agreement with the
                         teacher (at step 0 too: a pruned student's loss before fine-tuning)
=======================  ==========================================================================
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from engine.board import Board
from engine.features import encode, has_komi_plane, n_planes, own_komi, stored_set
from engine.symmetry import apply_actions, apply_planes
from nets.checkpoint import load_weights, save_weights
from nets.factory import build_model
from nets.fileio import atomic_write
from nets.presets import preset
from nets.prune import prune_resnet
from selfplay.lee.common import MetricLog, dataclass_table, restore_state, write_json
from selfplay.lee.data import held_out
from selfplay.trainer_config import GameSettings, MinibatchTraining
from selfplay.trainer_loop import MinibatchRun, start_trainer
from selfplay.zero.shards import list_shards, read_shard, row_komi
from selfplay.zero.train import with_komi_plane

log = logging.getLogger("go_engine.distill")
LOG_FIELDS = (
    "step",
    "loss",
    "kl",
    "value_mse",
    "heldout_kl",
    "heldout_value_mse",
    "heldout_top1_agree",
    "lr",
    "samples_per_s",
)


@dataclass(frozen=True)
class DistillConfig(GameSettings, MinibatchTraining):
    """Hyperparameters of distillation (and of pruning with fine-tuning)."""

    student: str = "b4c32"
    """student preset (kind ``resnet``); board size and planes are set to the teacher's"""
    prune: float = 0.0
    """> 0: the student is the teacher with this fraction of its channels pruned (``student`` unused)"""
    games: int = 256
    """teacher self-play games to generate positions from (0 = shards only)"""
    shards: str = ""
    """run folder whose ``shards/`` add positions (the newest ``window`` of them)"""
    window: int = 200_000
    """positions read from the shards at most (the newest files first)"""
    value_weight: float = 1.0
    """weight of the value MSE in the loss"""
    steps: int = 2000
    """total optimiser steps (a resumed run continues up to this number)"""
    batch_size: int = 256
    """positions per step"""
    lr: float = 1e-3
    """AdamW peak rate, cosine-annealed to 0 over ``steps``"""
    holdout: float = 0.05
    """fraction of the positions held out for the held-out metrics"""
    log_every: int = 50
    """steps between log rows"""
    eval_every: int = 500
    """held-out metrics every this many steps (and at the end)"""
    checkpoint_every: int = 500
    """steps between checkpoints (one is always written at the end)"""


# ------------------------------------------------------------------------------ positions
def teacher_selfplay(teacher, games: int, size: int, komi: float, max_moves: int, rng, device) -> tuple:
    """Every position of ``games`` games in which the teacher's policy plays both sides.

    Moves are sampled from the softmax of the teacher's logits over the legal actions
    (temperature 1); all games step together, one batched net call per ply.

    Returns:
        ``(planes uint8[P, C, n, n], game int64[P], komi float32[P])``: the stored set's planes
        and each position's own komi.
    """
    cap = max_moves or 2 * size * size
    boards = [Board(size, komi=komi) for _ in range(games)]
    fs = teacher.cfg.feature_set
    stored = n_planes(stored_set(fs))
    planes_out, game_out, komi_out = [], [], []
    for _ in range(cap):
        live = [g for g, b in enumerate(boards) if not b.is_over]
        if not live:
            break
        planes = np.stack([encode(boards[g], fs) for g in live])
        legal = np.stack([boards[g].legal_mask() for g in live]).astype(bool)
        with torch.inference_mode():
            logits, _ = teacher(torch.from_numpy(planes).to(device))
        logits = logits.float().cpu().masked_fill(~torch.from_numpy(legal), float("-inf"))
        cdf = np.cumsum(torch.softmax(logits, 1).double().numpy(), 1)
        acts = np.minimum((cdf < (rng.random(len(live)) * cdf[:, -1])[:, None]).sum(1), cdf.shape[1] - 1)
        own = [own_komi(komi, boards[g].to_play) for g in live]
        for g, a, ok in zip(live, acts, legal, strict=True):
            boards[g].play(int(a) if ok[a] else int(np.flatnonzero(ok)[-1]))  # rounding at the CDF's top
        planes_out.append(planes[:, :stored].astype(np.uint8))
        game_out.append(np.asarray(live, np.int64))
        komi_out.append(np.asarray(own, np.float32))
    if not planes_out:
        return np.zeros((0, stored, size, size), np.uint8), np.zeros(0, np.int64), np.zeros(0, np.float32)
    return np.concatenate(planes_out), np.concatenate(game_out), np.concatenate(komi_out)


def net_input(data: dict, rows, feature_set: str) -> np.ndarray:
    """``float32`` input planes of ``rows``: the stored planes, and the komi plane for a komi net."""
    planes = data["planes"][rows].astype(np.float32)
    return with_komi_plane(planes, data["komi"][rows]) if has_komi_plane(feature_set) else planes


def label(teacher, data: dict, device, chunk: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """The teacher's ``(policy float32[P, A], value float32[P])`` of ``data``'s positions (eval mode, batched)."""
    pol, val = [], []
    fs = teacher.cfg.feature_set
    with torch.inference_mode():
        for i in range(0, len(data["planes"]), chunk):
            logits, v = teacher(torch.from_numpy(net_input(data, slice(i, i + chunk), fs)).to(device))
            pol.append(torch.softmax(logits.float(), 1).cpu().numpy())
            val.append(v.float().cpu().numpy())
    return np.concatenate(pol), np.concatenate(val)


def gather_positions(cfg: DistillConfig, teacher, out: Path, device) -> dict:
    """Positions and labels: read ``out/positions.npz`` if present, else build and write it."""
    path = out / "positions.npz"
    if path.exists():
        with np.load(path) as d:
            data = {k: d[k] for k in d.files}
        data.setdefault("komi", np.zeros(len(data["game"]), np.float32))  # caches from before komi nets
        return data
    size = teacher.cfg.board_size
    parts, games, komis = [], [], []
    if cfg.shards:
        files = list_shards(Path(cfg.shards) / "shards")
        if not files:
            raise FileNotFoundError(f"{cfg.shards}: no shards/*.npz")
        total = 0
        for g, f in enumerate(reversed(files)):
            if total >= cfg.window:
                break
            shard = read_shard(f)
            planes = shard["planes"]
            parts.append(planes)
            komis.append(row_komi(shard))
            games.append(np.full(len(planes), g, np.int64))
            total += len(planes)
    if cfg.games:
        t0 = time.perf_counter()
        rng = np.random.default_rng([cfg.seed, 2])
        planes, game, komi = teacher_selfplay(teacher, cfg.games, size, cfg.komi, cfg.move_cap(size), rng, device)
        parts.append(planes)
        komis.append(komi)
        games.append(game + len(games))  # ids after the shard games
        log.info("teacher self-play: %d games, %d positions in %.0fs", cfg.games, len(planes), time.perf_counter() - t0)
    if not parts:
        raise ValueError("no positions: give --games N or --shards RUN")
    data = {"planes": np.concatenate(parts), "game": np.concatenate(games), "komi": np.concatenate(komis)}
    data["pi"], data["v"] = label(teacher, data, device)
    with atomic_write(path, suffix=".npz") as f:
        np.savez_compressed(f, **data)
    return data


# ------------------------------------------------------------------------------ training
def distill_loss(logits, values, pi_t, v_t, value_weight: float = 1.0) -> tuple[torch.Tensor, ...]:
    """``(total, kl, mse)``: batch means of ``KL(pi_t || softmax(logits))`` and ``(v_t - v)^2`` (pure)."""
    logp = F.log_softmax(logits.float(), 1)
    kl = torch.sum(pi_t * (torch.log(pi_t.clamp_min(1e-12)) - logp), 1).mean()
    mse = torch.mean((v_t.float() - values.float()) ** 2)
    return kl + value_weight * mse, kl, mse


def cosine_lr(cfg: DistillConfig, step: int) -> float:
    """AdamW rate of step ``step``: ``lr`` cosine-annealed to 0 over ``cfg.steps``."""
    return cfg.lr * 0.5 * (1 + math.cos(math.pi * min(step / max(cfg.steps, 1), 1.0)))


def evaluate(model, data: dict, rows: np.ndarray, device, chunk: int = 512) -> dict:
    """Held-out KL, value MSE and top-1 agreement with the teacher on ``rows`` (no augmentation)."""
    kl = mse = agree = 0.0
    was_training = model.training
    model.eval()
    with torch.inference_mode():
        for i in range(0, len(rows), chunk):
            r = rows[i : i + chunk]
            logits, v = model(torch.from_numpy(net_input(data, r, model.cfg.feature_set)).to(device))
            pi_t = torch.from_numpy(data["pi"][r]).to(device)
            _, k, m = distill_loss(logits, v, pi_t, torch.from_numpy(data["v"][r]).to(device))
            kl, mse = kl + float(k) * len(r), mse + float(m) * len(r)
            agree += float((logits.argmax(1) == pi_t.argmax(1)).float().sum())
    model.train(was_training)
    n = max(len(rows), 1)
    return {"heldout_kl": kl / n, "heldout_value_mse": mse / n, "heldout_top1_agree": agree / n}


def build_student(cfg: DistillConfig, teacher) -> torch.nn.Module:
    """The pruned teacher (``cfg.prune`` > 0) or a fresh ``cfg.student`` for the teacher's board and planes."""
    if cfg.prune > 0:
        return prune_resnet(teacher, cfg.prune)
    t = teacher.cfg
    net_cfg = preset(cfg.student, board_size=t.board_size, in_planes=t.in_planes, feature_set=t.feature_set)
    if net_cfg.kind != "resnet":
        raise ValueError(f"student preset {cfg.student!r} is a {net_cfg.kind!r} net, need a resnet")
    return build_model(net_cfg)


def _split(data: dict, holdout: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(train rows, held-out rows)``: a fraction ``holdout`` of the games held out (as ``train value``)."""
    mask = held_out(data["game"], holdout, np.random.default_rng([seed, 1]))
    return np.flatnonzero(~mask), np.flatnonzero(mask)


def _batch(data: dict, rows: np.ndarray, trans: np.ndarray, feature_set: str, device) -> tuple[torch.Tensor, ...]:
    x = net_input(data, rows, feature_set)
    pi = np.empty((len(rows), data["pi"].shape[1]), np.float32)
    for t in np.unique(trans):
        sel = trans == t
        x[sel] = apply_planes(x[sel], int(t))
        pi[sel] = apply_actions(data["pi"][rows[sel]], int(t))
    return tuple(torch.from_numpy(a).to(device) for a in (x, pi, data["v"][rows]))


def distill(cfg: DistillConfig, teacher_path: str | Path, out: str | Path, *, stop_at: int | None = None) -> dict:
    """Train (or resume) the student on the teacher's labels; outputs in ``out`` (module docstring).

    Args:
        cfg: hyperparameters.
        teacher_path: the teacher's weights (``nets.checkpoint`` safetensors, a ``resnet``).
        out: output folder.
        stop_at: stop at this total step instead of ``cfg.steps`` (the schedule is unchanged).

    Returns:
        The last logged metrics, with ``step`` and ``weights`` (the student's file).

    Raises:
        ValueError: for a teacher that is not a resnet, or no positions.
    """
    out = Path(out)
    stop = cfg.steps if stop_at is None else min(stop_at, cfg.steps)
    rng, device = start_trainer(cfg)
    teacher = load_weights(teacher_path).model
    if teacher.cfg.kind != "resnet":
        raise ValueError(f"{teacher_path}: the teacher must be an AlphaGo Zero resnet, not {teacher.cfg.kind!r}")
    teacher.to(device).eval()
    data = gather_positions(cfg, teacher, out, device)
    train_rows, held_rows = _split(data, cfg.holdout, cfg.seed)
    model = build_student(cfg, teacher)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=1e-4)
    step, _ = restore_state(out / "checkpoint.pt", model, optimizer, rng)
    model.to(device).train()
    write_json(out / "config.json", {"distill": asdict(cfg), "teacher": str(teacher_path), "net": model.cfg.to_dict()})
    log.info("hyperparameters\n%s", dataclass_table(cfg))
    log.info("%d training positions, %d held out; student %s", len(train_rows), len(held_rows), model.cfg)
    metrics_log = MetricLog(out, LOG_FIELDS, "distill")
    metrics: dict = {}
    if step == 0 and len(held_rows):
        metrics = evaluate(model, data, held_rows, device)
        metrics_log.write(0, metrics)
    run = MinibatchRun(cfg, model, optimizer, rng, out / "checkpoint.pt", {"distill": asdict(cfg)}, metrics_log, step)

    def learn():
        """A random minibatch of positions under random symmetries; the distillation loss on it."""
        idx, trans = run.draw(len(train_rows))
        x, pi_t, v_t = _batch(data, train_rows[idx], trans, model.cfg.feature_set, device)
        logits, values = model(x)
        loss, kl, mse = distill_loss(logits, values, pi_t, v_t, cfg.value_weight)
        return loss, lambda: {"kl": kl.item(), "value_mse": mse.item()}

    def held_out():
        """Held-out KL, value MSE and top-1 agreement (nothing without held-out positions)."""
        if not len(held_rows):
            return {}
        found = evaluate(model, data, held_rows, device)
        log.info("step %d: held-out KL %.4f, value MSE %.4f", run.step, found["heldout_kl"], found["heldout_value_mse"])
        return found

    metrics = run.train(stop, learn, lambda s: cosine_lr(cfg, s), held_out, mean_keys=(), metrics=metrics)
    run.finish()
    meta = {"trainer": "distill", "teacher": str(teacher_path), "prune": cfg.prune}
    weights = save_weights(out / "weights.safetensors", model.eval(), step=run.step, meta=meta)
    return {"step": run.step, **metrics, "weights": str(weights)}
