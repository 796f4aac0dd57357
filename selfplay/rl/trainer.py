"""What the model-free RL trainers (DQN, A3C/A2C, Ape-X) share: their config fields and their checkpoints.

Vocabulary:

* ``RLTrainerConfig``: the fields every RL trainer config inherits (flat, so a run's
  ``config.json`` keeps its keys): the env, the net's trunk, the budget, the optimiser's rate,
  discount and clipping, the quick evaluations, the checkpoint cadence and the run folder;
* a run's *checkpoint* (``save_run_checkpoint``): ``checkpoints/train_state.pt`` (net, optimizer
  and random states), the net as ``checkpoints/step_<k>.safetensors``, as the opponent pool's
  ``pool/step_<k>.safetensors`` and as ``checkpoints/latest.safetensors``;
* the *summary* (``run_summary``): what ``train`` returns: steps, counts, seconds and env steps per second.

Defaults are those of a 5x5 DQN run on a CPU; a trainer gives a field its own default by
declaring it again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nets.config import NetConfig
from selfplay.rl.common import TRAIN_STATE, EnvSpec, net_config, save_rl_checkpoint, save_rl_weights


@dataclass(frozen=True)
class RLTrainerConfig:
    """The fields every RL trainer config has (the env, the net, the budget, evaluation, the run folder)."""

    env: EnvSpec = field(default_factory=EnvSpec)
    """board, komi, mode and opponent"""
    total_steps: int = 200_000
    """env steps (summed over all envs)"""
    seconds: float = 0.0
    """wall-clock budget; 0 = none (stops at whichever comes first)"""
    blocks: int = 3
    """conv layers of the trunk"""
    filters: int = 32
    """trunk channels"""
    hidden: int = 64
    """hidden units of the value stream (value head)"""
    lr: float = 5e-4
    """learning rate"""
    gamma: float = 0.99
    """discount"""
    max_grad_norm: float = 10.0
    """gradient clipping per update"""
    eval_every: int = 10_000
    """env steps between quick evaluations (0 = never)"""
    eval_games: int = 50
    """games per quick evaluation, against each of ``eval_opponents``"""
    eval_opponents: tuple[str, ...] = ("random",)
    """opponents of the quick evaluations"""
    checkpoint_every: int = 20_000
    """env steps between checkpoints"""
    run_dir: str = "runs/dqn"
    """output folder: config.json, metrics.csv, checkpoints/, pool/"""
    resume: bool = False
    """continue from ``run_dir/checkpoints/train_state.pt`` (an earlier version's ``latest.pt``)"""
    seed: int = 0
    """root seed"""
    progress: bool = True
    """tqdm progress bar"""

    def trunk(self) -> NetConfig:
        """The ``NetConfig`` of this trainer's nets (``blocks``, ``filters``, ``hidden`` on ``env``)."""
        return net_config(self.env, self.blocks, self.filters, self.hidden)


def save_run_checkpoint(ck_dir: Path, pool_dir: Path, model, optimizer, generator=None, **meta: Any) -> None:
    """Write ``train_state.pt``, then the net as ``step_<k>.safetensors`` (also in the pool) and ``latest``.

    ``meta`` is what ``save_rl_weights`` takes besides the path and the net (``head``, ``step``,
    ``trainer``, ``extra``); ``generator``'s state goes into ``train_state.pt`` too.
    """
    save_rl_checkpoint(ck_dir / TRAIN_STATE, model, optimizer, **meta, generator=generator)
    step = meta["step"]
    for path in (ck_dir / f"step_{step}.safetensors", pool_dir / f"step_{step}.safetensors"):
        save_rl_weights(path, model, **meta)
    save_rl_weights(ck_dir / "latest.safetensors", model, **meta)


def run_summary(step: int, start_step: int, start: float, **counts: Any) -> dict[str, Any]:
    """``train``'s summary: ``step``, then ``counts`` (updates, episodes, ...), ``seconds`` since ``start``, ``sps``.

    ``sps`` counts the env steps of this session only (from ``start_step``, the step it resumed at).
    """
    elapsed = time.time() - start
    return {"step": step, **counts, "seconds": elapsed, "sps": (step - start_step) / max(elapsed, 1e-9)}
