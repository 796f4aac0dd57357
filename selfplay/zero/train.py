"""AlphaGo Zero trainer: fit the policy/value net to the self-play shards of a run folder.

Paper: Silver et al. 2017, "Mastering the game of Go without human knowledge", Nature 550,
Methods "Optimization": loss ``l = (z - v)^2 - pi^T log p + c ||theta||^2`` (``c = 1e-4``), SGD with
momentum 0.9, learning rate annealed 1e-2 -> 1e-3 -> 1e-4, data from the newest self-play games,
each position under a random one of the 8 board symmetries.

Run folder (shared with ``selfplay/zero/worker.py``):

==============================  ===============================================================
path                            content
==============================  ===============================================================
``shards/*.npz``                training data (read: newest ``window_positions`` samples)
``train/checkpoint.pt``         full state (model, optimizer, step, random states, config JSON),
                                written atomically; ``train`` resumes from it exactly
``train/log.csv``               one row per ``log_every`` steps (always written)
``train/tb/``                   TensorBoard scalars, when ``tensorboard`` is importable
==============================  ===============================================================

Determinism: batches and symmetries come from one numpy ``Generator`` (seeded by ``cfg.seed``)
whose state is saved in the checkpoint, and the learning rate is a pure function of the step, so
on the CPU ``train`` to step 2 then to step 4 gives bit-identical weights to 4 steps straight.

Data parallel: run inside ``selfplay.distributed.launch`` (``go-engine train zero --nproc N`` or
``torchrun``), each rank computes its slice of the same global batch of ``batch_size`` samples,
DDP averages the gradients, logged losses are averaged over the ranks, and only rank 0 writes.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from engine.features import KOMI_SCALE, has_komi_plane
from engine.symmetry import N_SYMMETRIES, apply_actions, apply_planes
from nets.checkpoint import load_weights, save_weights
from nets.factory import build_model
from selfplay import distributed
from selfplay.config import Config, TrainConfig, config_table, usable_cores
from selfplay.lee.common import MetricLog, restore_state, save_state, set_lr
from selfplay.zero.shards import count_positions, load_window, value_target

log = logging.getLogger("go_engine.zero")
LOG_FIELDS = (
    "step",
    "loss",
    "value_loss",
    "policy_loss",
    "l2",
    "policy_entropy",
    "value_accuracy",
    "lr",
    "samples_per_s",
    "window",
    "ownership_loss",
    "score_loss",
)
MEAN_FIELDS = ("loss", "value_loss", "policy_loss", "policy_entropy", "value_accuracy", "ownership_loss", "score_loss")
"""log fields averaged over the ranks (each rank computes them on its slice)"""


@dataclass
class ZeroLoss:
    """The terms of the AlphaGo Zero loss (tensors; ``total`` is what is minimised)."""

    total: torch.Tensor
    value: torch.Tensor
    """mean ``(z - v)^2``"""
    policy: torch.Tensor
    """mean ``-pi^T log p``"""
    l2: torch.Tensor
    """``c * sum ||theta||^2``"""
    ownership: torch.Tensor | None = None
    """KataGo's auxiliary terms (unweighted; None without the head or the targets)"""
    score: torch.Tensor | None = None


def zero_loss(
    logits: torch.Tensor,
    values: torch.Tensor,
    pi: torch.Tensor,
    z: torch.Tensor,
    params=(),
    c: float = 1e-4,
) -> ZeroLoss:
    """``(z - v)^2 - pi^T log p + c ||theta||^2``, averaged over the batch (pure function).

    Args:
        logits: ``[B, A]`` policy logits (``p = softmax(logits)``).
        values: ``[B]`` value outputs in [-1, 1].
        pi: ``[B, A]`` search probabilities (rows sum to 1).
        z: ``[B]`` outcomes from the player to move's view.
        params: tensors of ``theta`` to regularise.
        c: the L2 weight.

    Returns:
        The loss terms; does not call ``backward``.
    """
    value = torch.mean((z.float() - values.float()) ** 2)
    policy = -torch.mean(torch.sum(pi.float() * F.log_softmax(logits.float(), dim=1), dim=1))
    l2 = c * sum((p.float() ** 2).sum() for p in params) if params else torch.zeros((), device=logits.device)
    return ZeroLoss(value + policy + l2, value, policy, l2)


def aux_loss(own_logits, score_pred, own, score, aux, n2: int) -> tuple:
    """KataGo's auxiliary losses over the rows with targets (``aux``): ``(ownership, score)``.

    Ownership: mean per-point binary cross-entropy of ``sigmoid(logit)`` against ``(own + 1) / 2``
    (a neutral point is 1/2); score: mean squared error of the prediction against ``score / n2``.
    Either is None when its head is absent or no row has targets.
    """
    if not bool(aux.any()):
        return None, None
    o = s = None
    if own_logits is not None:
        target = (own[aux].float() + 1) / 2
        o = F.binary_cross_entropy_with_logits(own_logits[aux].float(), target)
    if score_pred is not None:
        s = torch.mean((score_pred[aux].float() - score[aux].float() / n2) ** 2)
    return o, s


def window_size(tc: TrainConfig, total: int) -> int:
    """Positions to train on when ``total`` have been written (KataGo's power law if ``window_growth``)."""
    c = tc.window_positions
    if not tc.window_growth or total <= c:
        return c
    a = tc.window_alpha
    return int(c * (1 + tc.window_beta * ((total / c) ** a - 1) / a))


def lr_at(cfg: TrainConfig, step: int) -> float:
    """Learning rate of optimiser step ``step`` (0-based): warm-up, then the schedule."""
    if cfg.warmup_steps and step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    if cfg.lr_schedule == "constant" or cfg.steps == 0:
        return cfg.lr
    frac = step / cfg.steps
    if cfg.lr_schedule == "cosine":
        return cfg.lr * 0.5 * (1 + math.cos(math.pi * min(frac, 1.0)))
    return cfg.lr * 0.1 ** sum(frac >= m for m in cfg.lr_milestones)


def augment(planes: np.ndarray, pi: np.ndarray, transforms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Apply symmetry ``transforms[i]`` to sample ``i``'s planes and policy target."""
    x, p = np.empty(planes.shape, np.float32), np.empty_like(pi)
    for t in np.unique(transforms):
        rows = transforms == t
        x[rows] = apply_planes(planes[rows].astype(np.float32), int(t))
        p[rows] = apply_actions(pi[rows], int(t))
    return x, p


def with_komi_plane(planes: np.ndarray, komi: np.ndarray) -> np.ndarray:
    """``planes [B, C, n, n]`` with the agz17k komi plane appended (``komi[i]``: row ``i``'s own komi)."""
    b, _, n, _ = planes.shape
    plane = np.broadcast_to((np.asarray(komi, np.float32) / KOMI_SCALE)[:, None, None, None], (b, 1, n, n))
    return np.concatenate([planes, plane], axis=1)


def regularised(model: torch.nn.Module) -> list[torch.Tensor]:
    """The weights that ``c ||theta||^2`` covers: conv and linear weights (not biases, not batch norm)."""
    return [p for name, p in model.named_parameters() if p.ndim > 1 and name.endswith("weight")]


@dataclass
class TrainResult:
    """What ``train`` ended with."""

    step: int
    metrics: dict
    checkpoint: Path
    exported: Path | None = None


def _make_optimizer(cfg: TrainConfig, model: torch.nn.Module) -> torch.optim.Optimizer:
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=cfg.momentum)
    return torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.adamw_weight_decay)


def _restore(cfg: Config, run_dir: Path, ckpt_path: Path, device, rng, init_weights) -> tuple:
    """Model, optimizer and step: from the checkpoint if there is one, else from the initial weights."""
    model = build_model(cfg.net)
    optimizer = _make_optimizer(cfg.train, model)
    step = 0
    if ckpt_path.exists():
        step, _ = restore_state(ckpt_path, model, optimizer, rng)
        log.info("resumed from %s at step %d", ckpt_path, step)
    else:
        init = init_weights or (run_dir / "models" / "gen_0000.safetensors")
        if Path(init).exists():
            load_weights(init, model=model)
    model.to(device).train()  # in place: the optimizer keeps the same parameters
    for state in optimizer.state.values():
        for k, v in state.items():
            if torch.is_tensor(v) and k != "step":
                state[k] = v.to(device)
    return model, optimizer, step


def train(
    cfg: Config,
    run_dir: str | Path,
    *,
    stop_at: int | None = None,
    init_weights: str | Path | None = None,
    export: str | Path | None = None,
) -> TrainResult:
    """Train up to ``cfg.train.steps`` total steps on the run's newest shards, resuming if possible.

    Args:
        cfg: root config (``train``, ``net``, ``seed`` are used).
        run_dir: run folder (see the module docstring).
        stop_at: stop at this total step instead (the learning-rate schedule still spans
            ``cfg.train.steps``; past it the last rate holds). A later call resumes exactly.
        init_weights: weights to start from when there is no checkpoint yet (default: the run's
            ``models/gen_0000.safetensors`` if present, else a fresh net seeded by ``cfg.seed``).
        export: also write the final weights here (safetensors), for self-play and matches.

    Returns:
        The final step, the last logged metrics and the checkpoint path.
    """
    tc, run_dir = cfg.train, Path(run_dir)
    stop = tc.steps if stop_at is None else stop_at
    out = run_dir / "train"
    ckpt_path = out / "checkpoint.pt"
    ranks = distributed.current()
    device = ranks.device(tc.device)
    # --- seeding (one block): torch for init, one numpy Generator for batches and symmetries
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    if device.type == "cpu":
        torch.set_num_threads(tc.torch_threads or max(1, usable_cores() // ranks.world))
    # --- model, optimizer, resume
    model, optimizer, step = _restore(cfg, run_dir, ckpt_path, device, rng, init_weights)
    net = ranks.wrap(model, device)  # DDP over the ranks, or the model itself
    size = window_size(tc, count_positions(run_dir / "shards")) if tc.window_growth else tc.window_positions
    window = load_window(run_dir / "shards", size, cfg.net.feature_set)
    heads = cfg.net.kind == "resnet" and (cfg.net.ownership_head or cfg.net.score_head)
    log.info("hyperparameters\n%s", config_table(cfg))
    log.info("window: %d positions from %d shards", len(window), len(window.files))
    metric_log = MetricLog(out, LOG_FIELDS, "zero") if ranks.is_main else None  # out/log.csv and out/tb/
    use_amp = device.type == "cuda" and tc.amp
    metrics: dict = {}
    try:
        t_log, n_log = time.perf_counter(), 0
        while step < stop:
            # --- collect: a random batch of the window under random symmetries
            idx = rng.integers(0, len(window), tc.batch_size)
            trans = rng.integers(0, N_SYMMETRIES, tc.batch_size) if tc.symmetries else np.zeros(tc.batch_size, int)
            idx, trans = ranks.slice(idx), ranks.slice(trans)  # this rank's part of the global batch
            x, pi = augment(window.planes[idx], window.pi[idx], trans)
            if has_komi_plane(cfg.net.feature_set):
                x = with_komi_plane(x, window.komi[idx])
            x, pi = torch.from_numpy(x).to(device), torch.from_numpy(pi).to(device)
            z = torch.from_numpy(window.z[idx].astype(np.float32)).to(device)
            target = torch.from_numpy(value_target(window, idx, tc.q_weight)).to(device)
            # --- loss
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_amp):
                out = net(x, aux=True) if heads else net(x)
            logits, values = out[0], out[1]
            loss = zero_loss(logits, values, pi, target, regularised(model), tc.l2)
            if heads:
                _add_aux(loss, out, window, idx, trans, tc, device)
            # --- optimize
            lr = lr_at(tc, step)
            set_lr(optimizer, lr)
            optimizer.zero_grad(set_to_none=True)
            loss.total.backward()
            optimizer.step()
            step += 1
            n_log += tc.batch_size
            # --- log
            if step % tc.log_every == 0 or step == stop:
                metrics = _metrics(step, loss, logits, values, z, lr, n_log / max(time.perf_counter() - t_log, 1e-9))
                metrics = ranks.mean(metrics, MEAN_FIELDS)
                metrics["window"] = len(window)
                if metric_log is not None:
                    metric_log.write(step, metrics)
                t_log, n_log = time.perf_counter(), 0
            # --- checkpoint
            if step % tc.checkpoint_every == 0 and step < stop and ranks.is_main:
                save_state(ckpt_path, model, optimizer, step, {"config": cfg.to_dict()}, rng)
    finally:
        if metric_log is not None:
            metric_log.close()
    exported = None
    if ranks.is_main:
        save_state(ckpt_path, model, optimizer, step, {"config": cfg.to_dict()}, rng)
        exported = save_weights(export, model, step=step, meta={"run": str(run_dir)}) if export else None
    ranks.barrier()  # every rank returns after the final checkpoint exists
    return TrainResult(step, metrics, ckpt_path, exported)


def _add_aux(loss: ZeroLoss, out, window, idx, trans, tc: TrainConfig, device) -> None:
    """Add the weighted auxiliary terms of this batch to ``loss`` (targets under the batch's symmetries).

    The heads' outputs always enter the graph (times 0 without targets), so DDP sees every parameter used.
    """
    loss.total = loss.total + 0.0 * sum(t.float().sum() for t in out[2:] if t is not None)
    if window.own is None:
        return
    n2 = window.own.shape[1]
    n = int(round(n2**0.5))
    own = window.own[idx].reshape(-1, 1, n, n).astype(np.float32)
    for t in np.unique(trans):
        rows = trans == t
        own[rows] = apply_planes(own[rows], int(t))
    own_t = torch.from_numpy(own.reshape(-1, n2)).to(device)
    score_t = torch.from_numpy(window.score[idx]).to(device)
    aux_t = torch.from_numpy(window.aux[idx]).to(device)
    loss.ownership, loss.score = aux_loss(out[2], out[3], own_t, score_t, aux_t, n2)
    if loss.ownership is not None:
        loss.total = loss.total + tc.ownership_weight * loss.ownership
    if loss.score is not None:
        loss.total = loss.total + tc.score_weight * loss.score


def _metrics(step: int, loss: ZeroLoss, logits, values, z, lr: float, samples_per_s: float) -> dict:
    """One log row: losses, policy entropy, value sign accuracy on decided games, rate."""
    with torch.no_grad():
        p = torch.softmax(logits.float(), 1)
        entropy = float(-(p * torch.log(p.clamp_min(1e-12))).sum(1).mean())
        decided = z != 0
        hits = torch.sign(values.float()[decided]) == z[decided]
        acc = float(hits.float().mean()) if decided.any() else 0.0
    return {
        "step": step,
        "loss": loss.total.item(),
        "value_loss": loss.value.item(),
        "policy_loss": loss.policy.item(),
        "l2": float(loss.l2.detach()),
        "policy_entropy": entropy,
        "value_accuracy": acc,
        "lr": lr,
        "samples_per_s": samples_per_s,
        "ownership_loss": float(loss.ownership.detach()) if loss.ownership is not None else 0.0,
        "score_loss": float(loss.score.detach()) if loss.score is not None else 0.0,
    }
