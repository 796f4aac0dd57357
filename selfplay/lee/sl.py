"""AlphaGo Lee supervised policy network p_sigma: predict the expert's move (CleanRL-style trainer).

Paper: Silver et al. 2016, Nature 529, Methods "Supervised learning of policy networks": maximise
``log p_sigma(a | s)`` of the expert move by SGD (step size 0.003 halved every 80M steps,
minibatch 16), each sample under a random one of the 8 symmetries, top-1 accuracy on held-out
positions (57.0% on KGS 19x19).

Deviations: the softmax is taken over the legal actions only (the net outputs ``n*n + 1`` logits,
see ``nets/models/policy.py``); positions whose expert move is a pass are skipped by default; held-out
positions are split by game, not by position.

Data parallel (``go-engine train sl --nproc N``, ``torchrun``): see ``selfplay/distributed.py``; the
held-out accuracy is measured by rank 0 alone, the training loss and top-1 are averaged over ranks.

Run folder (``out``):

=======================  ==================================================================
path                     content
=======================  ==================================================================
``config.json``          the ``SLConfig`` of the run
``checkpoint.pt``        model, optimizer, step, RNG states (atomic); ``train_sl`` resumes from it exactly
``weights.safetensors``  final weights (``nets.checkpoint.save_weights``), the input of ``train rl``,
                         ``train value`` and the Lee player (``sl.safetensors`` there)
``log.csv``, ``tb/``     loss, train/held-out top-1, lr, samples/s (TensorBoard when installed)
=======================  ==================================================================
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from nets.checkpoint import save_weights
from nets.factory import build_model
from selfplay import distributed
from selfplay.lee.common import MetricLog, dataclass_table, masked_log_softmax, restore_state, write_json
from selfplay.lee.data import PositionSet, augment, load_expert_positions
from selfplay.trainer_config import HalvingSGD, PresetNet
from selfplay.trainer_loop import MinibatchRun, start_trainer

log = logging.getLogger("go_engine.sl")
LOG_FIELDS = ("step", "loss", "train_top1", "heldout_top1", "lr", "samples_per_s")


@dataclass(frozen=True)
class SLConfig(PresetNet, HalvingSGD):
    """Hyperparameters of the SL policy trainer (the paper's: minibatch 16, step size 0.003)."""

    preset: str = "sl13x192"
    """net preset (kind ``policy``); board size and planes are set from the data (``aglee48``)"""
    skip_passes: bool = True
    """drop positions whose expert move is a pass"""


def policy_loss(logits: torch.Tensor, legal: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
    """Mean ``-log p(a | s)`` with the softmax over legal actions (pure function)."""
    logp = masked_log_softmax(logits, legal)
    return F.nll_loss(logp, actions)


def top1(logits: torch.Tensor, legal: torch.Tensor, actions: torch.Tensor) -> float:
    """Fraction of rows whose most likely legal action is ``actions``."""
    pred = logits.float().masked_fill(~legal.bool(), float("-inf")).argmax(1)
    return float((pred == actions).float().mean()) if len(actions) else 0.0


def evaluate_top1(model, data: PositionSet, device, chunk: int = 512) -> float:
    """Top-1 accuracy of ``model`` on ``data`` (no augmentation); 0 for an empty set."""
    hits = 0
    with torch.no_grad():
        for i in range(0, len(data), chunk):
            x = torch.from_numpy(data.planes[i : i + chunk].astype(np.float32)).to(device)
            lg = torch.from_numpy(data.legal[i : i + chunk]).to(device)
            a = torch.from_numpy(data.target[i : i + chunk]).to(device)
            hits += top1(model(x), lg, a) * len(a)
    return hits / max(len(data), 1)


def build_policy(cfg: SLConfig, size: int):
    """The policy net of ``cfg`` for ``size`` x ``size`` boards and ``aglee48`` planes."""
    return build_model(cfg.net_config(size, "aglee48", 48, "policy"))


@dataclass
class SLResult:
    """What ``train_sl`` ended with."""

    step: int
    metrics: dict
    weights: Path


def train_sl(cfg: SLConfig, data_dir: str | Path, out: str | Path, *, stop_at: int | None = None) -> SLResult:
    """Train (or resume) the SL policy net on the SGF games under ``data_dir``; outputs in ``out``.

    Args:
        cfg: hyperparameters.
        data_dir: folder of SGF files (one board size).
        out: run folder (see the module docstring).
        stop_at: stop at this total step instead of ``cfg.steps`` (the schedule is unchanged);
            a later call resumes exactly.

    Returns:
        The final step, the last logged metrics and the weights path.
    """
    out = Path(out)
    stop = cfg.steps if stop_at is None else min(stop_at, cfg.steps)
    # --- seeding: torch for the init, one Generator for batches/symmetries, a fixed one for the split
    ranks = distributed.current()  # data parallel under distributed.launch; rank 0 writes
    rng, device = start_trainer(cfg, ranks)
    # --- data
    data = load_expert_positions(data_dir, skip_passes=cfg.skip_passes)
    train, held = data.split_by_game(cfg.holdout, np.random.default_rng([cfg.seed, 1]))
    log.info("hyperparameters\n%s", dataclass_table(cfg))
    log.info("%d training positions, %d held out (%dx%d)", len(train), len(held), data.size, data.size)
    # --- model, optimizer, resume
    model = build_policy(cfg, data.size)
    optimizer = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=cfg.momentum)
    step, _ = restore_state(out / "checkpoint.pt", model, optimizer, rng)
    model.to(device).train()
    net = ranks.wrap(model, device)  # DDP over the ranks, or the model itself
    if ranks.is_main:
        write_json(out / "config.json", {"sl": asdict(cfg), "net": model.cfg.to_dict()})
    metrics_log = MetricLog(out, LOG_FIELDS, "sl") if ranks.is_main else None
    run = MinibatchRun(cfg, model, optimizer, rng, out / "checkpoint.pt", {"sl": asdict(cfg)}, metrics_log, step, ranks)

    def learn():
        """A random minibatch under random symmetries; ``-log p(a | s)`` of its expert moves."""
        idx, trans = run.draw(len(train))
        x, legal, acts = augment(train.planes[idx], train.legal[idx], train.target[idx], trans)
        x, legal, acts = (torch.from_numpy(v).to(device) for v in (x, legal, acts))
        logits = net(x)
        return policy_loss(logits, legal, acts), lambda: {"train_top1": top1(logits, legal, acts)}

    def evaluate():
        """Held-out top-1 accuracy."""
        top = evaluate_top1(model, held, device)
        log.info("step %d: held-out top-1 %.3f", run.step, top)
        return {"heldout_top1": top}

    metrics = run.train(stop, learn, cfg.lr_at, evaluate, mean_keys=("loss", "train_top1"))
    run.finish()
    weights = out / "weights.safetensors"
    if ranks.is_main:
        save_weights(weights, model, step=run.step, meta={"trainer": "sl"})
    ranks.barrier()  # every rank returns after the final files exist
    return SLResult(run.step, metrics, weights)
