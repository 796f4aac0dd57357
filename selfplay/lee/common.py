"""Pieces shared by the AlphaGo Lee trainers (``sl.py``, ``rl.py``, ``value.py``): logging, lr, state.

The Zero trainer (``selfplay/zero/train.py``), distillation and the minibatch loop
(``selfplay/trainer_loop.py``) use them too; the trainers' config sections are in
``selfplay/trainer_config.py``.

==========================  =====================================================================
name                        does
==========================  =====================================================================
``MetricLog``               one CSV row per ``write`` plus TensorBoard scalars (when installed)
``set_lr``                  writes a learning rate into every parameter group
``save_state``              atomic training checkpoint (model, optimizer, step, RNG states, meta)
``restore_state``           inverse of ``save_state``; returns ``(step, meta)``
``dataclass_table``         a frozen config as a two-column markdown table (logged at the start)
``write_json``              atomic JSON file (a run's ``config.json``)
``masked_log_softmax``      log-probabilities with illegal actions at ``-inf`` (rows with none legal stay finite)
``pick_device``             a torch device; on the CPU also the number of torch threads
==========================  =====================================================================
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from nets.checkpoint import load_checkpoint, save_checkpoint
from nets.fileio import atomic_write


class MetricLog:
    """CSV log (always) plus TensorBoard scalars under ``prefix/`` (when ``tensorboard`` imports).

    Args:
        folder: run folder; writes ``folder/log.csv`` and ``folder/tb/``.
        fields: CSV columns; ``write`` fills missing ones with blanks.
        prefix: TensorBoard tag prefix (``"sl"``, ``"rl"``, ``"value"``).
    """

    def __init__(self, folder: str | Path, fields: tuple[str, ...], prefix: str):
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "log.csv"
        new = not path.exists()
        self.prefix = prefix
        self._file = path.open("a", newline="")
        self._csv = csv.DictWriter(self._file, fields, extrasaction="ignore")
        if new:
            self._csv.writeheader()
        self._tb = tb_writer(folder / "tb")

    def write(self, step: int, metrics: dict) -> None:
        """Append one row and the scalars of ``metrics`` at ``step``."""
        self._csv.writerow({"step": step, **metrics})
        self._file.flush()
        if self._tb is not None:
            for k, v in metrics.items():
                if isinstance(v, (int, float)) and k != "step":
                    self._tb.add_scalar(f"{self.prefix}/{k}", v, step)

    def close(self) -> None:
        """Flush and close both outputs."""
        self._file.close()
        if self._tb is not None:
            self._tb.close()


def tb_writer(folder: Path):
    """A TensorBoard ``SummaryWriter`` for ``folder``, or ``None`` when tensorboard is missing."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:  # tensorboard not installed: the CSV log is the record
        return None
    return SummaryWriter(str(folder))


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    """Set the learning rate of every parameter group."""
    for group in optimizer.param_groups:
        group["lr"] = lr


def save_state(path: Path, model, optimizer, step: int, meta: dict, rng: np.random.Generator) -> None:
    """Atomic training checkpoint: model, optimizer, step, every RNG state, ``meta`` (JSON-safe)."""
    save_checkpoint(path, model, optimizer, step=step, meta=meta, generator=rng)


def restore_state(path: Path, model, optimizer, rng: np.random.Generator) -> tuple[int, dict]:
    """Load ``save_state``'s file into ``model``/``optimizer``/``rng`` (and the global RNGs).

    Returns:
        ``(step, meta)``; ``(0, {})`` when ``path`` does not exist (nothing is changed then).
    """
    if not Path(path).exists():
        return 0, {}
    loaded = load_checkpoint(path, model, optimizer, restore_random=True, generator=rng)
    return loaded.step, loaded.meta


def dataclass_table(cfg) -> str:
    """A (frozen) dataclass as a two-column markdown table."""
    rows = ["| parameter | value |", "|---|---|"]
    rows += [f"| {k} | {v} |" for k, v in asdict(cfg).items()]
    return "\n".join(rows)


def write_json(path: str | Path, data: dict) -> Path:
    """Write ``data`` as JSON atomically (temp file in the folder + ``os.replace``)."""
    path = Path(path)
    with atomic_write(path, "w") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.write("\n")
    return path


def masked_log_softmax(logits: torch.Tensor, legal: torch.Tensor) -> torch.Tensor:
    """``log_softmax`` over the legal actions only (``legal`` bool/0-1, same shape); illegal -> ``-inf``."""
    mask = legal.bool()
    z = logits.float().masked_fill(~mask, float("-inf"))
    none = ~mask.any(dim=1, keepdim=True)
    z = torch.where(none, logits.float(), z)  # a row with no legal action: plain softmax, no NaN
    return torch.log_softmax(z, dim=1)


def pick_device(name: str, threads: int) -> torch.device:
    """``torch.device(name)``; on the CPU also limits torch to ``threads`` threads."""
    device = torch.device(name)
    if device.type == "cpu":
        torch.set_num_threads(threads)
    return device
