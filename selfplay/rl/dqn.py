"""DQN trainer: Double DQN + dueling head + proportional prioritized replay + n-step returns.

Paper: Mnih et al. 2015 (DQN), van Hasselt et al. 2016 (Double DQN), Wang et al. 2016 (dueling),
Schaul et al. 2016 (prioritized replay), Sutton 1988 / Hessel et al. 2018 (n-step returns).
The loop reads like CleanRL's ``dqn.py``; the loss step follows SB3's ``DQN.train``.

Targets in a two-player game (see ``selfplay/rl/replay.py`` for the n-step algebra):

==============  ===================================================================================
mode            target of ``Q(s_t, a_t)`` (``a*`` = argmax of the online net over legal actions)
==============  ===================================================================================
``opponent``    ``R + gamma^k (1 - done) Q_target(s_{t+k}, a*)``: the env plays the reply, so
                ``s_{t+k}`` is again the agent's state (standard DQN)
``selfplay``    ``R + (-gamma)^k (1 - done) Q_target(s_{t+k}, a*)``, ``R = sum_j (-gamma)^j r_{t+j}``:
                ``s_{t+1}`` belongs to the opponent and Q is from the view of the player to move,
                so with ``n = 1``: ``r - gamma max_a' Q(s', a')`` (negamax)
==============  ===================================================================================

Illegal actions are masked when acting (greedy and epsilon-random draws pick legal actions only)
and in the argmax of the target (``next_mask`` is stored with every transition).

Checkpoints (``run_dir/checkpoints/step_<k>.safetensors`` + ``latest.safetensors``, the nets;
``train_state.pt``, the optimizer and random states; ``replay.npz`` holding the replay buffer and
the target net) are episode boundaries: after saving, every env is reset
with the seed ``seed + step``, and a resumed run does the same, so a resumed run is
bit-identical to one that never stopped. ``best.safetensors`` holds the weights of the best quick
evaluation so far (``selfplay.rl.common.BestCheckpoint``).
"""

from __future__ import annotations

import copy
import time
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from selfplay.rl.common import (
    BestCheckpoint,
    build_rl_net,
    hparam_table,
    make_vector_env,
    masked_argmax,
    restore_state,
    start_run,
)
from selfplay.rl.eval import quick_eval
from selfplay.rl.opponents import make_opponent, split_specs
from selfplay.rl.replay import NStepBuffer, PrioritizedReplay
from selfplay.rl.trainer import RLTrainerConfig, run_summary, save_run_checkpoint


@dataclass(frozen=True)
class DQNConfig(RLTrainerConfig):
    """Hyperparameters of ``train`` (defaults: a 5x5 run on a CPU; the shared ones: ``RLTrainerConfig``)."""

    num_envs: int = 8
    """envs in the ``SyncVectorEnv``"""
    buffer_size: int = 50_000
    """replay capacity (transitions)"""
    batch_size: int = 64
    """minibatch size"""
    lr_end: float | None = None
    """Adam's learning rate reached at ``total_steps``, linearly from ``lr`` (None = constant ``lr``)"""
    n_step: int = 3
    """n of the n-step return"""
    alpha: float = 0.6
    """priority exponent"""
    beta_start: float = 0.4
    """importance-weight exponent at the start, annealed linearly to 1 over ``beta_steps``"""
    beta_steps: int = 200_000
    """env steps over which beta reaches 1"""
    eps_start: float = 1.0
    """epsilon at the start"""
    eps_end: float = 0.05
    """final epsilon"""
    eps_steps: int = 60_000
    """env steps over which epsilon decays linearly (absolute, so a resumed run keeps the schedule)"""
    learning_starts: int = 1_000
    """env steps before the first update"""
    train_every: int = 1
    """vector steps (of ``num_envs`` env steps each) between updates"""
    target_every: int = 250
    """updates between target-net copies"""
    checkpoint_every: int = 20_000
    """env steps between checkpoints (a multiple of ``num_envs`` is exact)"""

    def __post_init__(self) -> None:
        if self.checkpoint_every % self.num_envs:
            raise ValueError("checkpoint_every must be a multiple of num_envs")


# ------------------------------------------------------------------------------ losses (pure)
def double_dqn_target(
    reward: torch.Tensor,
    discount: torch.Tensor,
    done: torch.Tensor,
    q_next_online: torch.Tensor,
    q_next_target: torch.Tensor,
    next_mask: torch.Tensor,
) -> torch.Tensor:
    """``reward + discount * (1 - done) * q_next_target[a*]``, ``a* = argmax_legal q_next_online``.

    ``discount`` carries the sign: ``gamma^k`` against an env opponent, ``(-gamma)^k`` in self-play.
    """
    a_star = masked_argmax(q_next_online, next_mask)
    q_next = q_next_target.gather(1, a_star.unsqueeze(1)).squeeze(1)
    return reward + discount * (1.0 - done) * q_next


def td_loss(q: torch.Tensor, action: torch.Tensor, target: torch.Tensor, weight: torch.Tensor):
    """Importance-weighted Huber loss of ``q[action]`` vs ``target``; returns ``(loss, td_error)``."""
    q_a = q.gather(1, action.unsqueeze(1)).squeeze(1)
    td = target - q_a
    loss = (weight * F.smooth_l1_loss(q_a, target, reduction="none")).mean()
    return loss, td.detach()


def linear(start: float, end: float, fraction: float) -> float:
    """``start -> end`` linearly as ``fraction`` goes 0 -> 1 (clipped)."""
    return start + (end - start) * min(max(fraction, 0.0), 1.0)


def _tensor(x, dtype=torch.float32) -> torch.Tensor:
    return torch.as_tensor(np.asarray(x), dtype=dtype)


def _planes(x) -> torch.Tensor:
    """Feature planes as a channels-last float tensor (about 1.3x faster convolutions on a CPU)."""
    return _tensor(x).contiguous(memory_format=torch.channels_last)


# ------------------------------------------------------------------------------ learner
class Learner:
    """The Double DQN learner: online and target nets, Adam, the prioritized replay, the Generator, the counts.

    The counts are ``step`` (env steps), ``updates``, ``digest`` (CRC-32 of the actions taken) and
    ``episodes``. ``save`` writes them with everything else into ``checkpoints/`` (``replay.npz``
    holds the buffer, the target net and the counts); with ``cfg.resume`` the constructor reads
    them back. ``best`` keeps the weights of the best quick evaluation.
    """

    def __init__(self, cfg: DQNConfig, obs_shape: tuple[int, ...], ck_dir: Path, pool_dir: Path):
        self.cfg, self.ck_dir, self.pool_dir = cfg, ck_dir, pool_dir
        self.rng = np.random.default_rng(cfg.seed)
        self.q_net = build_rl_net("dqn", cfg.trunk()).to(memory_format=torch.channels_last)
        self.target_net = copy.deepcopy(self.q_net).eval()
        self.optimizer = torch.optim.Adam(self.q_net.parameters(), lr=cfg.lr)
        self.rb = PrioritizedReplay(cfg.buffer_size, obs_shape, cfg.env.n_actions, cfg.alpha)
        self.step = self.updates = self.digest = self.episodes = 0
        self.last_loss = float("nan")
        if cfg.resume:
            self._restore()
        self.best = BestCheckpoint(ck_dir, cfg.resume)

    def learn(self) -> None:
        """One update at env step ``step``: a prioritized minibatch, the Double DQN step, new priorities.

        The lr and beta schedules follow ``step``; the target net is copied every ``target_every`` updates.
        """
        cfg = self.cfg
        if cfg.lr_end is not None:
            self.optimizer.param_groups[0]["lr"] = linear(cfg.lr, cfg.lr_end, self.step / cfg.total_steps)
        b = self.rb.sample(cfg.batch_size, linear(cfg.beta_start, 1.0, self.step / cfg.beta_steps), self.rng)
        self.last_loss, td = _optimize(self.q_net, self.target_net, self.optimizer, b, cfg.max_grad_norm)
        self.rb.update_priorities(b.idx, td)
        self.updates += 1
        if self.updates % cfg.target_every == 0:
            self.target_net.load_state_dict(self.q_net.state_dict())

    def episodes_ended(self, returns, logger) -> None:
        """Count the episodes that ended and log their returns at the current step."""
        for ret in returns:
            self.episodes += 1
            logger.scalar("charts/episodic_return", float(ret), self.step)

    def evaluate(self, logger, bar) -> None:
        """A quick evaluation of the online net (``selfplay.rl.eval.quick_eval``); the best one is kept."""
        score = quick_eval(self.q_net, "dqn", self.cfg, self.pool_dir, self.step, logger, bar)
        self.best.offer(self.q_net, score, head="dqn", step=self.step, trainer=asdict(self.cfg))

    def save(self) -> None:
        """Write ``replay.npz`` (the buffer, the target net, the counts), then the run's checkpoint files."""
        counts = np.array([self.step, self.updates, self.digest, self.episodes], np.int64)
        target = {f"target/{k}": v.numpy() for k, v in self.target_net.state_dict().items()}
        self.rb.save(self.ck_dir / "replay.npz", counters=counts, **target)
        meta = {"head": "dqn", "step": self.step, "trainer": asdict(self.cfg)}
        save_run_checkpoint(self.ck_dir, self.pool_dir, self.q_net, self.optimizer, self.rng, **meta)

    def _restore(self) -> None:
        """Load ``train_state.pt`` and ``replay.npz`` (weights, optimizer, random states, buffer, target net)."""
        ck = restore_state(self.ck_dir, self.optimizer, self.rng)
        self.q_net.load_state_dict(ck.model.state_dict())
        extra = self.rb.load(self.ck_dir / "replay.npz")
        prefix = "target/"
        target = {k[len(prefix) :]: torch.from_numpy(v) for k, v in extra.items() if k.startswith(prefix)}
        self.target_net.load_state_dict(target)
        self.step, self.updates, self.digest, self.episodes = (int(x) for x in extra["counters"])


# ------------------------------------------------------------------------------ trainer
def train(cfg: DQNConfig) -> dict:
    """Train a dueling Double DQN on ``cfg.env``; returns a summary dict (see the end)."""
    # --- run folder, config.json, metric log; seeding of python, numpy and torch
    run, ck_dir, pool_dir, logger = start_run(cfg)
    # --- the envs (seeded with seed + step), the learner (its Generator seeded with seed; restored on resume)
    specs = split_specs(cfg.env.opponent)
    envs = make_vector_env(cfg.env, cfg.num_envs, lambda i: make_opponent(specs[i % len(specs)], pool_dir))
    ln = Learner(cfg, envs.single_observation_space["observation"].shape, ck_dir, pool_dir)
    nsteps = [NStepBuffer(cfg.n_step, cfg.gamma, cfg.env.sign) for _ in range(cfg.num_envs)]
    obs, _ = envs.reset(seed=[cfg.seed + ln.step + i for i in range(cfg.num_envs)])
    after_reset = np.zeros(cfg.num_envs, bool)
    print(f"DQN on {cfg.env.size}x{cfg.env.size} ({cfg.env.mode}, vs {cfg.env.opponent})\n{hparam_table(cfg)}")

    bar = tqdm(total=cfg.total_steps, initial=ln.step, disable=not cfg.progress, unit="step", desc="dqn")
    start, start_step = time.time(), ln.step
    while ln.step < cfg.total_steps and not (cfg.seconds and time.time() - start > cfg.seconds):
        # --- act
        eps = linear(cfg.eps_start, cfg.eps_end, ln.step / cfg.eps_steps)
        planes = obs["observation"]
        actions = epsilon_greedy(ln.q_net, obs, eps, ln.rng)
        ln.digest = zlib.crc32(actions.astype(np.int64).tobytes(), ln.digest)

        next_obs, rewards, terms, truncs, _ = envs.step(actions)
        fresh, ended = _collect(nsteps, after_reset, planes, actions, next_obs, rewards, terms, truncs)
        for tr in fresh:
            ln.rb.add(*tr)
        ln.step += cfg.num_envs

        # --- learn
        if _update_due(cfg, ln.step, len(ln.rb)):
            ln.learn()
        ln.episodes_ended(ended, logger)
        after_reset = terms | truncs
        obs = next_obs
        bar.update(cfg.num_envs)

        # --- log
        if ln.step % 1000 < cfg.num_envs:
            sps = (ln.step - start_step) / max(time.time() - start, 1e-9)
            for name, value in (("losses/td_loss", ln.last_loss), ("charts/epsilon", eps), ("charts/SPS", sps)):
                logger.scalar(name, value, ln.step)
            bar.set_postfix(eps=f"{eps:.2f}", loss=f"{ln.last_loss:.3f}", sps=f"{sps:.0f}", refresh=False)
        if cfg.eval_every and ln.step % cfg.eval_every < cfg.num_envs:
            ln.evaluate(logger, bar)

        # --- checkpoint (an episode boundary: envs are reset with seed + step, here and on resume)
        if ln.step % cfg.checkpoint_every == 0:
            ln.save()
            obs, _ = envs.reset(seed=[cfg.seed + ln.step + i for i in range(cfg.num_envs)])
            after_reset[:] = False
            for buf in nsteps:
                buf.clear()

    bar.close()
    ln.save()
    logger.close()
    envs.close()
    counts = {"updates": ln.updates, "episodes": ln.episodes, "actions_crc": ln.digest}
    return {**run_summary(ln.step, start_step, start, **counts), "model": ln.q_net}


def epsilon_greedy(q_net, obs: dict, eps: float, rng: np.random.Generator) -> np.ndarray:
    """Epsilon-greedy legal actions of every env: greedy on ``q_net``, else uniform over the legal ones."""
    masks = obs["action_mask"]
    with torch.no_grad():
        actions = masked_argmax(q_net(_planes(obs["observation"])), _tensor(masks, torch.int8)).numpy()
    for i in range(len(actions)):
        if rng.random() < eps and masks[i].any():
            actions[i] = rng.choice(np.flatnonzero(masks[i]))
    return actions


def _update_due(cfg: DQNConfig, step: int, stored: int) -> bool:
    """Whether the vector step that ends at env step ``step`` carries a gradient update."""
    return step >= cfg.learning_starts and (step // cfg.num_envs) % cfg.train_every == 0 and stored >= cfg.batch_size


def _optimize(q_net, target_net, optimizer, b, max_grad_norm: float) -> tuple[float, np.ndarray]:
    """One Double DQN step on the minibatch ``b``; returns ``(loss, td_errors)``."""
    next_planes, next_mask = _planes(b.next_obs), _tensor(b.next_mask, torch.int8)
    with torch.no_grad():
        q_next_online, q_next_target = q_net(next_planes), target_net(next_planes)
        reward, discount, done = _tensor(b.reward), _tensor(b.discount), _tensor(b.done)
        target = double_dqn_target(reward, discount, done, q_next_online, q_next_target, next_mask)
    loss, td = td_loss(q_net(_planes(b.obs)), _tensor(b.action, torch.int64), target, _tensor(b.weight))
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(q_net.parameters(), max_grad_norm)
    optimizer.step()
    return float(loss.detach()), td.numpy()


def _collect(nsteps, after_reset, planes, actions, next_obs, rewards, terms, truncs) -> tuple[list, list[float]]:
    """Push one vector step into the n-step buffers; returns the finished transitions and episode returns."""
    fresh, ended = [], []
    for i, buf in enumerate(nsteps):
        if after_reset[i]:  # next-step autoreset: this step only reset env i
            continue
        done = bool(terms[i]), bool(truncs[i])
        nxt = next_obs["observation"][i], next_obs["action_mask"][i]
        fresh.extend(buf.push(planes[i], actions[i], rewards[i], *nxt, *done))
        if any(done):
            ended.append(float(rewards[i]))
    return fresh, ended
