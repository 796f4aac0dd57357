"""The sections every trainer config is made of: how a trainer runs, the games it plays, how it learns.

Vocabulary (each word a frozen dataclass that trainer configs inherit, so their fields stay flat:
a run's ``config.json`` keeps its keys and old files load; a trainer gives a field its own default
by declaring it again):

=====================  ==========================================================================
section                fields
=====================  ==========================================================================
``TrainerRun``         where and how reproducibly a trainer runs (device, torch threads, seed) and
                       how often it writes a log row and a checkpoint
``GameSettings``       komi and move cap of the games a trainer plays itself (policy games, value
                       data, teacher games, GNU Go records)
``MinibatchTraining``  steps on random minibatches of stored positions, each under a random board
                       symmetry, with a held-out set split by game and measured every ``eval_every``
``HalvingSGD``         the AlphaGo Lee optimiser on top: SGD whose rate halves every
                       ``lr_halve_every`` steps
``PresetNet``          a named net preset (``nets.presets``) with its filters optionally overridden
=====================  ==========================================================================

Users: ``selfplay.lee.sl.SLConfig``, ``selfplay.lee.value.ValueConfig``, ``selfplay.lee.rl.RLConfig``,
``selfplay.zero.distill.DistillConfig``, ``selfplay.expert_data.GnuGoDataConfig``. Plain
dataclasses: no torch here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TrainerRun:
    """Where a trainer runs, its seed, and the cadence of its log rows and checkpoints."""

    log_every: int = 100
    """steps between log rows (one is always written at the last step)"""
    checkpoint_every: int = 1000
    """steps between checkpoints (one is always written at the end)"""
    device: str = "cpu"
    """torch device"""
    torch_threads: int = 1
    """torch intra-op threads on the CPU"""
    seed: int = 0
    """root seed: the torch init and the trainer's ``numpy`` Generator"""

    def log_due(self, step: int, stop: int) -> bool:
        """Whether step ``step`` of a run that stops at ``stop`` writes a log row."""
        return step % self.log_every == 0 or step == stop

    def checkpoint_due(self, step: int, stop: int) -> bool:
        """Whether a checkpoint follows step ``step`` (the one at ``stop`` is the trainer's final save)."""
        return step % self.checkpoint_every == 0 and step < stop


@dataclass(frozen=True)
class GameSettings:
    """The rules and the length of the games a trainer plays itself."""

    komi: float = 7.5
    """komi of every game (area scoring)"""
    max_moves: int = 0
    """move cap per game; 0 = 2 * n * n"""

    def move_cap(self, size: int) -> int:
        """``max_moves``, or ``2 * size * size`` when it is 0."""
        return self.max_moves or 2 * size * size


@dataclass(frozen=True)
class MinibatchTraining(TrainerRun):
    """Steps on random minibatches of stored positions, with a held-out set split by game."""

    steps: int = 20_000
    """total optimiser steps (a resumed run continues up to this number)"""
    batch_size: int = 16
    """positions per step (AlphaGo Lee's SL policy: 16)"""
    lr: float = 0.003
    """initial learning rate (AlphaGo Lee: 0.003)"""
    holdout: float = 0.1
    """fraction of the games held out for the held-out metrics"""
    symmetries: bool = True
    """a random one of the 8 board symmetries per sample"""
    eval_every: int = 1000
    """held-out metrics every this many steps (and at the end)"""

    def eval_due(self, step: int, stop: int) -> bool:
        """Whether step ``step`` measures the held-out set (every ``eval_every`` steps and at ``stop``)."""
        return step % self.eval_every == 0 or step == stop

    def log_due(self, step: int, stop: int) -> bool:
        """A log row every ``log_every`` steps and at every held-out measurement."""
        return step % self.log_every == 0 or self.eval_due(step, stop)


@dataclass(frozen=True)
class HalvingSGD(MinibatchTraining):
    """AlphaGo Lee's optimiser: SGD at ``lr``, halved every ``lr_halve_every`` steps."""

    lr_halve_every: int = 10_000
    """halve the step size every this many steps (AlphaGo Lee: 80M; 0 = never)"""
    momentum: float = 0.0
    """SGD momentum (AlphaGo Lee: plain asynchronous SGD)"""

    def lr_at(self, step: int) -> float:
        """The rate of step ``step``: ``lr * 0.5 ** (step // lr_halve_every)`` (``lr`` when 0)."""
        return self.lr * 0.5 ** (step // self.lr_halve_every) if self.lr_halve_every > 0 else self.lr


@dataclass(frozen=True)
class PresetNet:
    """A net named by a ``nets.presets`` preset, its filters optionally overridden."""

    preset: str = ""
    """net preset; board size and input planes are set from the data"""
    filters: int | None = None
    """override the preset's ``k`` (filters per layer)"""

    def net_config(self, size: int, feature_set: str, in_planes: int, kind: str, **overrides):
        """The preset's ``NetConfig`` for ``size`` boards and ``feature_set`` planes (``filters`` applied).

        Raises:
            ValueError: if the preset is not a ``kind`` net.
        """
        from nets.presets import preset

        extra = {"filters": self.filters} if self.filters else {}
        cfg = preset(self.preset, board_size=size, in_planes=in_planes, feature_set=feature_set, **extra, **overrides)
        if cfg.kind != kind:
            raise ValueError(f"preset {self.preset!r} is a {cfg.kind!r} net, need a {kind} net")
        return cfg
