"""The minibatch training loop shared by the SL policy, value and distillation trainers.

Vocabulary:

* a *learn step* (the trainer's function) draws one minibatch, runs the net forward and returns
  the loss, with a function that gives the step's training metrics when a log row wants them;
* the *loop* (``MinibatchRun.train``) sets the step's learning rate, takes the optimiser step and,
  on the cadence of the config (``selfplay.trainer_config.MinibatchTraining``), writes a log row,
  measures the held-out set and saves a checkpoint;
* the *ranks* (``selfplay.distributed.Dist``): data-parallel processes; each learns on its slice of
  the global minibatch, rank 0 measures, logs and writes, the metrics named by ``mean_keys`` are
  averaged over the ranks. A single process is ``Dist()``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from engine.symmetry import N_SYMMETRIES
from selfplay.distributed import Dist
from selfplay.lee.common import MetricLog, pick_device, save_state, set_lr
from selfplay.trainer_config import MinibatchTraining, TrainerRun

LearnStep = Callable[[], tuple[torch.Tensor, Callable[[], dict]]]
"""``() -> (loss, train_metrics)``: forward one minibatch; ``train_metrics()`` is called at log rows only"""


def start_trainer(cfg: TrainerRun, ranks: Dist | None = None) -> tuple[np.random.Generator, torch.device]:
    """Seed torch with ``cfg.seed``; return the trainer's Generator and this rank's torch device."""
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    device = pick_device(cfg.device, cfg.torch_threads)
    return rng, (ranks or Dist()).device(str(device))


def optimizer_step(optimizer: torch.optim.Optimizer, loss: torch.Tensor, lr: float) -> None:
    """One step of ``optimizer`` at rate ``lr`` along the gradient of ``loss``."""
    set_lr(optimizer, lr)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()


@dataclass
class MinibatchRun:
    """A minibatch trainer between two steps: its net, optimiser, Generator, log and step count."""

    cfg: MinibatchTraining
    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    rng: np.random.Generator
    checkpoint: Path
    """the resume file (``checkpoint.pt`` of the run folder)"""
    meta: dict
    """JSON-safe record saved in every checkpoint (the trainer's config)"""
    log: MetricLog | None
    """the metric log (``None`` on ranks other than 0)"""
    step: int = 0
    ranks: Dist = field(default_factory=Dist)

    def draw(self, rows: int) -> tuple[np.ndarray, np.ndarray]:
        """This rank's part of one minibatch: row indices in ``[0, rows)`` and a symmetry for each."""
        n = self.cfg.batch_size
        idx = self.rng.integers(0, rows, n)
        trans = self.rng.integers(0, N_SYMMETRIES, n) if self.cfg.symmetries else np.zeros(n, int)
        return self.ranks.slice(idx), self.ranks.slice(trans)

    def train(
        self,
        stop: int,
        learn: LearnStep,
        lr_at: Callable[[int], float],
        evaluate: Callable[[], dict],
        mean_keys: tuple[str, ...] = ("loss",),
        metrics: dict | None = None,
    ) -> dict:
        """Steps until ``stop``; returns the last log row (``metrics`` when no row is written).

        Args:
            stop: the step to stop at.
            learn: the learn step.
            lr_at: the learning rate of a step (before it is taken).
            evaluate: the held-out metrics (run by rank 0 at the config's ``eval_due`` steps).
            mean_keys: train metrics averaged over the ranks.
            metrics: the row to return if the loop writes none.
        """
        cfg, ranks = self.cfg, self.ranks
        metrics = metrics or {}
        t_log, n_log = time.perf_counter(), 0
        while self.step < stop:
            loss, train_metrics = learn()
            lr = lr_at(self.step)
            optimizer_step(self.optimizer, loss, lr)
            self.step += 1
            n_log += cfg.batch_size
            if cfg.log_due(self.step, stop):
                rate = n_log / max(time.perf_counter() - t_log, 1e-9)
                metrics = {"loss": loss.item(), **train_metrics(), "lr": lr, "samples_per_s": rate}
                metrics = ranks.mean(metrics, mean_keys)
                if cfg.eval_due(self.step, stop) and ranks.is_main:
                    metrics.update(evaluate())
                if self.log is not None:
                    self.log.write(self.step, metrics)
                t_log, n_log = time.perf_counter(), 0
            if cfg.checkpoint_due(self.step, stop) and ranks.is_main:
                self.save()
        return metrics

    def save(self) -> None:
        """Write the resume file: model, optimiser, step, random states and ``meta``."""
        save_state(self.checkpoint, self.model, self.optimizer, self.step, self.meta, self.rng)

    def finish(self) -> None:
        """Rank 0: the final checkpoint, then close the log (the trainer then writes its weights)."""
        if self.ranks.is_main:
            self.save()
            self.log.close()
