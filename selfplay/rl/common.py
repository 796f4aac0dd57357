"""Pieces shared by the DQN and A3C trainers, their evaluation and their opponents.

==========================  ==========================================================================
name                        content
==========================  ==========================================================================
``EnvSpec``                 frozen description of the env a trainer steps (size, komi, mode, opponent)
``make_env``                one ``GoEnv`` (or the ``"capture"`` task) from an ``EnvSpec``
``make_vector_env``         ``gymnasium.vector.SyncVectorEnv`` of ``make_env`` copies
``CaptureEnv``              the "capture the lone stone" task: one move, +1 for the capture
``net_config``              the ``NetConfig`` of the RL nets (a conv-ReLU trunk, ``kind="policy"``)
``build_rl_net``            ``"dqn"`` -> ``DuelingQNet``, ``"actor_critic"`` -> ``ActorCritic`` (``nets.models``)
``save_rl_weights``         the net alone, as safetensors (``nets.checkpoint.save_weights`` with ``head``)
``save_rl_checkpoint``      the training state (net, optimizer, random states; ``save_checkpoint``)
``load_rl_checkpoint``      either of the two (and the ``.pt`` nets of earlier versions)
``restore_state``           a trainer's resume: ``train_state.pt``, else an old run's ``latest.pt``
``masked_argmax``           argmax over legal actions only
``masked_logits``           logits with illegal actions set to a large negative number
``MetricLogger``            CSV always (``metrics.csv``: step,name,value) + TensorBoard if importable
``hparam_table``            the CleanRL "hyperparameters" markdown table of a config
``BestCheckpoint``          ``checkpoints/best.safetensors``: the net with the best quick evaluation so far
==========================  ==========================================================================

Run folder files: every net (``checkpoints/step_<k>.safetensors``, ``latest.safetensors``,
``best.safetensors``, ``pool/step_<k>.safetensors``) is a safetensors weights file like every
other go-engine net: ``nets.checkpoint.load_weights`` rebuilds it, since the file names its RL
head (``"dqn"`` or ``"actor_critic"``; ``nets.factory.RL_HEADS``) next to the ``kind="policy"``
trunk config; ``meta`` holds ``head``, ``trainer`` (the trainer config) and extras such as
``eval_score``. ``checkpoints/train_state.pt`` holds what a resume needs on top (optimizer and
random states; ``torch.load(weights_only=True)``). Nets saved as ``.pt`` by earlier versions
still load with ``load_rl_checkpoint``, and an old run resumes from its ``latest.pt``.
"""

from __future__ import annotations

import csv
import json
import os
import random
from dataclasses import asdict, dataclass, fields, is_dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from engine import features
from engine.board import BLACK, Board
from nets.checkpoint import CheckpointError, load_weights, restore_rng, save_checkpoint, save_weights
from nets.config import NetConfig
from nets.factory import RL_HEADS, build_model
from selfplay.env import GoEnv

HEADS: dict[str, type[nn.Module]] = RL_HEADS
"""RL network heads by name"""
TRAIN_STATE = "train_state.pt"
"""name of a run's resume file in ``checkpoints/``"""
NEG = -1e9
"""logit/Q value given to illegal actions (finite, so ``0 * NEG`` stays 0 in the entropy)"""


# ------------------------------------------------------------------------------ envs
@dataclass(frozen=True)
class EnvSpec:
    """The environment a trainer steps (pickles cleanly to spawned workers)."""

    size: int = 5
    """board side"""
    komi: float = 7.5
    """komi (Tromp-Taylor area scoring)"""
    mode: str = "opponent"
    """``"opponent"`` (the env plays the reply) or ``"selfplay"`` (negamax targets)"""
    opponent: str = "random"
    """opponent spec, see ``selfplay.rl.opponents.make_opponent`` (opponent mode only)"""
    features_name: str = "simple"
    """input encoding (``engine.features``)"""
    max_moves: int = 0
    """move cap; 0 = the env default ``3*size*size``"""
    task: str = "go"
    """``"go"`` (full games) or ``"capture"`` (``CaptureEnv``)"""
    reward: str = "win"
    """``"win"`` or ``"margin"`` (``GoEnv``'s ``reward``)"""
    pass_rule: str = "any"
    """``"any"`` or ``"sensible"`` (``GoEnv``'s ``pass_rule``: no pass while a non-eye move is left)"""

    def __post_init__(self) -> None:
        if self.mode not in ("opponent", "selfplay"):
            raise ValueError(f"mode must be 'opponent' or 'selfplay', got {self.mode!r}")
        if self.task not in ("go", "capture"):
            raise ValueError(f"task must be 'go' or 'capture', got {self.task!r}")

    @property
    def n_actions(self) -> int:
        """``size*size + 1`` (pass last)."""
        return self.size * self.size + 1

    @property
    def sign(self) -> float:
        """Sign of the next state's value in a target: -1 in self-play (negamax), +1 otherwise."""
        return -1.0 if self.mode == "selfplay" else 1.0


class CaptureEnv(gym.Wrapper):
    """The "capture the lone stone" task: a white stone with one liberty left; black (the agent) to play.

    Each episode is one move on a fresh position: a white stone on a random point, black stones
    on all its neighbours but one (random). Reward +1 if the move captures, 0 otherwise;
    the episode then ends. Observations and actions are those of ``GoEnv`` (agent = black).
    A learning test for the trainers (SB3's ``IdentityEnv`` idea, on the real board).
    """

    def __init__(self, env: GoEnv):
        super().__init__(env)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """A fresh capture position (all randomness from the env's ``np_random``)."""
        if seed is not None:
            self.env.reset(seed=seed)
        inner: GoEnv = self.env.unwrapped
        rng, n = inner.np_random, inner.size
        stone = int(rng.integers(n * n))
        r, c = divmod(stone, n)
        steps = ((-1, 0), (1, 0), (0, -1), (0, 1))
        nbrs = [(r + dr) * n + c + dc for dr, dc in steps if 0 <= r + dr < n and 0 <= c + dc < n]
        liberty = int(rng.choice(nbrs))
        board = Board(n, inner.rules)
        board.setup(black=[a for a in nbrs if a != liberty], white=[stone])
        return self.env.reset(options={"board": board, "agent_color": "black"})

    def step(self, action):
        """Play one move; +1 if it captured the white stone; the episode ends either way."""
        inner: GoEnv = self.env.unwrapped
        before = inner.board.captures[BLACK]
        obs, _, _, _, info = self.env.step(action)
        captured = inner.board.captures[BLACK] > before
        return obs, float(captured), True, False, info


def make_env(spec: EnvSpec, opponent: Any = None) -> gym.Env:
    """One env for ``spec``; ``opponent`` is the built opponent (``selfplay.rl.opponents.make_opponent``)."""
    env = GoEnv(
        spec.size,
        spec.komi,
        mode="opponent" if spec.task == "capture" else spec.mode,
        agent_color="black" if spec.task == "capture" else "random",
        opponent=opponent,
        features_name=spec.features_name,
        max_moves=spec.max_moves or None,
        reward=spec.reward,
        pass_rule=spec.pass_rule,
    )
    return CaptureEnv(env) if spec.task == "capture" else env


def make_vector_env(spec: EnvSpec, num_envs: int, opponent_factory) -> gym.vector.SyncVectorEnv:
    """``num_envs`` envs stepped together; ``opponent_factory(i)`` builds env ``i``'s opponent.

    Uses Gymnasium's default next-step autoreset: the step after a terminal one resets that env
    (its action is ignored, its reward is 0), so trainers skip that transition.
    """
    return gym.vector.SyncVectorEnv([lambda i=i: make_env(spec, opponent_factory(i)) for i in range(num_envs)])


# ------------------------------------------------------------------------------ nets
def net_config(spec: EnvSpec, blocks: int = 3, filters: int = 32, hidden: int = 64) -> NetConfig:
    """The conv-ReLU trunk config of the RL nets for ``spec``'s board and features."""
    return NetConfig(
        kind="policy",
        board_size=spec.size,
        in_planes=features.n_planes(spec.features_name),
        feature_set=spec.features_name,
        blocks=blocks,
        filters=filters,
        first_kernel=3,
        policy_filters=2,
        value_filters=1,
        value_hidden=hidden,
    )


def build_rl_net(head: str, cfg: NetConfig) -> nn.Module:
    """A fresh ``DuelingQNet`` (``head="dqn"``) or ``ActorCritic`` (``"actor_critic"``)."""
    return build_model(cfg, head)


def save_rl_weights(
    path: str | os.PathLike,
    model: nn.Module,
    *,
    head: str,
    step: int,
    trainer: dict[str, Any],
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write the net alone as safetensors, atomically (``nets.checkpoint.save_weights`` with ``head``)."""
    meta = {"head": head, "trainer": trainer, **(extra or {})}
    return save_weights(path, model, step=step, meta=meta, head=head)


def save_rl_checkpoint(
    path: str | os.PathLike,
    model: nn.Module,
    optimizer: torch.optim.Optimizer | None,
    *,
    head: str,
    step: int,
    trainer: dict[str, Any],
    extra: dict[str, Any] | None = None,
    generator: np.random.Generator | None = None,
) -> Path:
    """Write the training state atomically (``nets.checkpoint.save_checkpoint``), config inside."""
    meta = {"head": head, "trainer": trainer, **(extra or {})}
    return save_checkpoint(path, model, optimizer, step=step, meta=meta, generator=generator)


@dataclass
class RLCheckpoint:
    """What ``load_rl_checkpoint`` returns."""

    model: nn.Module
    head: str
    step: int
    meta: dict[str, Any]
    rng: dict[str, Any] | None

    @property
    def env(self) -> EnvSpec:
        """The env the net was trained on (board, komi, features, task), from the trainer config it carries."""
        saved = self.meta.get("trainer", {}).get("env", {})
        return EnvSpec(**{f.name: saved[f.name] for f in fields(EnvSpec) if f.name in saved})


def load_rl_checkpoint(
    path: str | os.PathLike,
    optimizer: torch.optim.Optimizer | None = None,
    *,
    restore_random: bool = False,
    generator: np.random.Generator | None = None,
) -> RLCheckpoint:
    """Read a net of ``save_rl_weights`` (``.safetensors``) or a state of ``save_rl_checkpoint``.

    The net is rebuilt in eval mode on the CPU. ``optimizer`` and ``restore_random`` apply to
    training states only (a weights file has neither).

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        CheckpointError: for an unreadable or foreign file, weights that do not fit, or a
            safetensors net that is not an RL net.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint file at {path}")
    if path.suffix == ".safetensors":
        loaded = load_weights(path)
        if loaded.head not in HEADS:
            raise CheckpointError(f"{path}: not a DQN or actor-critic net (no RL head in the file)")
        return RLCheckpoint(loaded.model, loaded.head, loaded.step, loaded.meta, None)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        meta = json.loads(state.get("meta") or "{}")
        cfg = NetConfig.from_dict(state["config"])
        model = build_rl_net(meta["head"], cfg)
        model.load_state_dict(state["model"], strict=True)
    except Exception as e:  # every failure means "not a usable RL checkpoint"
        raise CheckpointError(f"{path}: not a readable go-engine RL checkpoint: {e}") from e
    if optimizer is not None and state.get("optimizer") is not None:
        optimizer.load_state_dict(state["optimizer"])
    if restore_random:
        restore_rng(state["rng"], generator)
    return RLCheckpoint(model.eval(), meta["head"], int(state.get("step", 0)), meta, state.get("rng"))


# ------------------------------------------------------------------------------ masking
def masked_logits(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``logits`` with every action where ``mask == 0`` set to ``NEG``."""
    return logits.masked_fill(mask == 0, NEG)


def masked_argmax(q: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Index of the largest ``q`` among legal actions, per row (row 0's index if none is legal)."""
    return masked_logits(q, mask).argmax(dim=-1)


# ------------------------------------------------------------------------------ logging
class MetricLogger:
    """Scalars to ``run_dir/metrics.csv`` (``step,name,value``), and to TensorBoard when it imports."""

    def __init__(self, run_dir: str | os.PathLike, tensorboard: bool = True):
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        path = self.run_dir / "metrics.csv"
        new = not path.exists()
        self._file = open(path, "a", newline="", encoding="utf-8")  # noqa: SIM115 (closed in close())
        self._csv = csv.writer(self._file)
        if new:
            self._csv.writerow(["step", "name", "value"])
        self.tb = None
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter

                self.tb = SummaryWriter(str(self.run_dir))
            except ImportError:  # tensorboard is optional: the CSV has everything
                self.tb = None

    def scalar(self, name: str, value: float, step: int) -> None:
        """Record one scalar."""
        self._csv.writerow([int(step), name, f"{float(value):.6g}"])
        if self.tb is not None:
            self.tb.add_scalar(name, float(value), int(step))

    def text(self, name: str, text: str) -> None:
        """Record a text blob (TensorBoard only; the CSV holds numbers)."""
        if self.tb is not None:
            self.tb.add_text(name, text)

    def flush(self) -> None:
        """Push buffered rows to disk."""
        self._file.flush()
        if self.tb is not None:
            self.tb.flush()

    def close(self) -> None:
        """Flush and close."""
        self.flush()
        self._file.close()
        if self.tb is not None:
            self.tb.close()


def hparam_table(cfg: Any) -> str:
    """``|param|value|`` markdown table of a (nested) dataclass config, CleanRL style."""
    flat = _flatten(asdict(cfg) if is_dataclass(cfg) else dict(cfg))
    return "|param|value|\n|-|-|\n" + "\n".join(f"|{k}|{v}|" for k, v in flat.items())


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def write_config(run_dir: str | os.PathLike, cfg: Any) -> None:
    """Save ``cfg`` as ``run_dir/config.json`` (atomically; ``go-engine train ... --config`` reads it back)."""
    from selfplay.config_file import write_config as write_json_config

    Path(run_dir).mkdir(parents=True, exist_ok=True)
    write_json_config(Path(run_dir) / "config.json", cfg)


def start_run(cfg: Any) -> tuple[Path, Path, Path, MetricLogger]:
    """The common opening of an RL trainer (``cfg`` has ``run_dir`` and ``seed``).

    Creates ``run_dir/checkpoints``, writes ``config.json``, opens the ``MetricLogger`` with the
    hyperparameter table, then seeds python's, numpy's and torch's global RNGs with ``cfg.seed``.

    Returns:
        ``(run_dir, checkpoint folder, pool folder, logger)``.
    """
    run = Path(cfg.run_dir)
    ck_dir, pool_dir = run / "checkpoints", run / "pool"
    ck_dir.mkdir(parents=True, exist_ok=True)
    write_config(run, cfg)
    logger = MetricLogger(run)
    logger.text("hyperparameters", hparam_table(cfg))
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    return run, ck_dir, pool_dir, logger


def restore_state(ck_dir: Path, optimizer: torch.optim.Optimizer, generator=None) -> RLCheckpoint:
    """A resume's state: ``ck_dir/train_state.pt``, or the ``latest.pt`` of a run from an earlier version.

    Restores the optimizer and the random states (and ``generator``'s).
    """
    path = Path(ck_dir) / TRAIN_STATE
    if not path.is_file() and (Path(ck_dir) / "latest.pt").is_file():
        path = Path(ck_dir) / "latest.pt"
    return load_rl_checkpoint(path, optimizer, restore_random=True, generator=generator)


class BestCheckpoint:
    """``checkpoints/best.safetensors``: the weights whose quick evaluation scored highest so far.

    A tie replaces the kept weights (the later net has trained longer). The score is stored in the
    file's meta as ``eval_score``, so a resumed run keeps comparing against it.
    """

    def __init__(self, ck_dir: Path, resume: bool):
        self.path = Path(ck_dir) / "best.safetensors"
        self.score = -1.0
        old = Path(ck_dir) / "best.pt"  # a run from an earlier version
        found = self.path if self.path.is_file() else old if old.is_file() else None
        if resume and found is not None:
            self.score = float(load_rl_checkpoint(found).meta.get("eval_score", -1.0))

    def offer(self, model: nn.Module, score: float, *, head: str, step: int, trainer: dict[str, Any]) -> bool:
        """Save ``model`` as ``best.safetensors`` if ``score`` is at least the best so far; True if saved."""
        if score < self.score:
            return False
        self.score = score
        save_rl_weights(self.path, model, head=head, step=step, trainer=trainer, extra={"eval_score": score})
        return True
