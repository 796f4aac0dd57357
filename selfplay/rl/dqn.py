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
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from selfplay.rl.common import (
    TRAIN_STATE,
    BestCheckpoint,
    EnvSpec,
    build_rl_net,
    hparam_table,
    make_vector_env,
    masked_argmax,
    net_config,
    restore_state,
    save_rl_checkpoint,
    save_rl_weights,
    start_run,
)
from selfplay.rl.eval import quick_eval
from selfplay.rl.opponents import make_opponent, split_specs
from selfplay.rl.replay import NStepBuffer, PrioritizedReplay


@dataclass(frozen=True)
class DQNConfig:
    """Hyperparameters of ``train`` (defaults: a 5x5 run on a CPU)."""

    env: EnvSpec = field(default_factory=EnvSpec)
    """board, komi, mode and opponent"""
    total_steps: int = 200_000
    """env steps (summed over the vector envs)"""
    seconds: float = 0.0
    """wall-clock budget; 0 = none (stops at whichever comes first)"""
    num_envs: int = 8
    """envs in the ``SyncVectorEnv``"""
    blocks: int = 3
    """conv layers of the trunk"""
    filters: int = 32
    """trunk channels"""
    hidden: int = 64
    """value-stream hidden units"""
    buffer_size: int = 50_000
    """replay capacity (transitions)"""
    batch_size: int = 64
    """minibatch size"""
    lr: float = 5e-4
    """Adam learning rate"""
    lr_end: float | None = None
    """learning rate reached at ``total_steps``, linearly from ``lr`` (None = constant ``lr``)"""
    gamma: float = 0.99
    """discount"""
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
    max_grad_norm: float = 10.0
    """gradient clipping"""
    eval_every: int = 10_000
    """env steps between quick evaluations (0 = never)"""
    eval_games: int = 50
    """games per quick evaluation, against each of ``eval_opponents``"""
    eval_opponents: tuple[str, ...] = ("random",)
    """opponents of the quick evaluations"""
    checkpoint_every: int = 20_000
    """env steps between checkpoints (a multiple of ``num_envs`` is exact)"""
    run_dir: str = "runs/dqn"
    """output folder: config.json, metrics.csv, checkpoints/, pool/"""
    resume: bool = False
    """continue from ``run_dir/checkpoints/train_state.pt`` (an earlier version's ``latest.pt``)"""
    seed: int = 0
    """root seed"""
    progress: bool = True
    """tqdm progress bar"""

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


# ------------------------------------------------------------------------------ trainer
def train(cfg: DQNConfig) -> dict:
    """Train a dueling Double DQN on ``cfg.env``; returns a summary dict (see the end)."""
    # --- run folder, config.json, metric log; seeding of python, numpy and torch
    run, ck_dir, pool_dir, logger = start_run(cfg)
    # --- seeding of the trainer's Generator and the envs
    rng = np.random.default_rng(cfg.seed)
    specs = split_specs(cfg.env.opponent)
    envs = make_vector_env(cfg.env, cfg.num_envs, lambda i: make_opponent(specs[i % len(specs)], pool_dir))

    q_net = build_rl_net("dqn", net_config(cfg.env, cfg.blocks, cfg.filters, cfg.hidden))
    q_net = q_net.to(memory_format=torch.channels_last)
    target_net = copy.deepcopy(q_net).eval()
    optimizer = torch.optim.Adam(q_net.parameters(), lr=cfg.lr)
    obs_shape = envs.single_observation_space["observation"].shape
    rb = PrioritizedReplay(cfg.buffer_size, obs_shape, cfg.env.n_actions, cfg.alpha)
    nsteps = [NStepBuffer(cfg.n_step, cfg.gamma, cfg.env.sign) for _ in range(cfg.num_envs)]
    step, updates, digest, episodes = 0, 0, 0, 0
    if cfg.resume:
        step, updates, digest, episodes = _restore(ck_dir, q_net, target_net, optimizer, rb, rng)
    best = BestCheckpoint(ck_dir, cfg.resume)
    obs, _ = envs.reset(seed=[cfg.seed + step + i for i in range(cfg.num_envs)])
    after_reset = np.zeros(cfg.num_envs, bool)
    print(f"DQN on {cfg.env.size}x{cfg.env.size} ({cfg.env.mode}, vs {cfg.env.opponent})\n{hparam_table(cfg)}")

    bar = tqdm(total=cfg.total_steps, initial=step, disable=not cfg.progress, unit="step", desc="dqn")
    start, start_step, last_loss = time.time(), step, float("nan")
    while step < cfg.total_steps and not (cfg.seconds and time.time() - start > cfg.seconds):
        # --- act
        eps = linear(cfg.eps_start, cfg.eps_end, step / cfg.eps_steps)
        planes = obs["observation"]
        actions = _act(q_net, obs, eps, rng)
        digest = zlib.crc32(actions.astype(np.int64).tobytes(), digest)

        next_obs, rewards, terms, truncs, _ = envs.step(actions)
        fresh, ended = _collect(nsteps, after_reset, planes, actions, next_obs, rewards, terms, truncs)
        for tr in fresh:
            rb.add(*tr)
        step += cfg.num_envs

        # --- learn
        if _update_due(cfg, step, len(rb)):
            if cfg.lr_end is not None:
                optimizer.param_groups[0]["lr"] = linear(cfg.lr, cfg.lr_end, step / cfg.total_steps)
            b = rb.sample(cfg.batch_size, linear(cfg.beta_start, 1.0, step / cfg.beta_steps), rng)
            last_loss, td = _optimize(q_net, target_net, optimizer, b, cfg.max_grad_norm)
            rb.update_priorities(b.idx, td)
            updates += 1
            if updates % cfg.target_every == 0:
                target_net.load_state_dict(q_net.state_dict())
        for ret in ended:
            episodes += 1
            logger.scalar("charts/episodic_return", ret, step)
        after_reset = terms | truncs
        obs = next_obs
        bar.update(cfg.num_envs)

        # --- log
        if step % 1000 < cfg.num_envs:
            sps = (step - start_step) / max(time.time() - start, 1e-9)
            for name, value in (("losses/td_loss", last_loss), ("charts/epsilon", eps), ("charts/SPS", sps)):
                logger.scalar(name, value, step)
            bar.set_postfix(eps=f"{eps:.2f}", loss=f"{last_loss:.3f}", sps=f"{sps:.0f}", refresh=False)
        if cfg.eval_every and step % cfg.eval_every < cfg.num_envs:
            score = quick_eval(q_net, "dqn", cfg, pool_dir, step, logger, bar)
            best.offer(q_net, score, head="dqn", step=step, trainer=asdict(cfg))

        # --- checkpoint (an episode boundary: envs are reset with seed + step, here and on resume)
        if step % cfg.checkpoint_every == 0:
            _checkpoint(cfg, q_net, target_net, optimizer, rb, rng, ck_dir, pool_dir, (step, updates, digest, episodes))
            obs, _ = envs.reset(seed=[cfg.seed + step + i for i in range(cfg.num_envs)])
            after_reset[:] = False
            for buf in nsteps:
                buf.clear()

    bar.close()
    _checkpoint(cfg, q_net, target_net, optimizer, rb, rng, ck_dir, pool_dir, (step, updates, digest, episodes))
    logger.close()
    envs.close()
    elapsed = time.time() - start
    return {
        "step": step,
        "updates": updates,
        "episodes": episodes,
        "actions_crc": digest,
        "seconds": elapsed,
        "sps": (step - start_step) / max(elapsed, 1e-9),
        "model": q_net,
    }


def _act(q_net, obs: dict, eps: float, rng: np.random.Generator) -> np.ndarray:
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


def _restore(ck_dir: Path, q_net, target_net, optimizer, rb, rng) -> tuple[int, ...]:
    """Load ``train_state.pt`` and ``replay.npz`` (weights, optimizer, random states, buffer, target net)."""
    ck = restore_state(ck_dir, optimizer, rng)
    q_net.load_state_dict(ck.model.state_dict())
    extra = rb.load(ck_dir / "replay.npz")
    prefix = "target/"
    target = {k[len(prefix) :]: torch.from_numpy(v) for k, v in extra.items() if k.startswith(prefix)}
    target_net.load_state_dict(target)
    return tuple(int(x) for x in extra["counters"])


def _checkpoint(cfg, q_net, target_net, optimizer, rb, rng, ck_dir: Path, pool_dir: Path, counters) -> None:
    """Write ``step_<k>.safetensors`` (and in the pool), ``latest.safetensors``, ``train_state.pt``, ``replay.npz``."""
    step = counters[0]
    extra = {f"target/{k}": v.numpy() for k, v in target_net.state_dict().items()}
    rb.save(ck_dir / "replay.npz", counters=np.array(counters, np.int64), **extra)
    save_rl_checkpoint(
        ck_dir / TRAIN_STATE, q_net, optimizer, head="dqn", step=step, trainer=asdict(cfg), generator=rng
    )
    for path in (ck_dir / f"step_{step}.safetensors", pool_dir / f"step_{step}.safetensors"):
        save_rl_weights(path, q_net, head="dqn", step=step, trainer=asdict(cfg))
    save_rl_weights(ck_dir / "latest.safetensors", q_net, head="dqn", step=step, trainer=asdict(cfg))
