"""A3C (asynchronous advantage actor-critic) and its synchronous twin A2C on ``go_engine/Go-v0``.

Paper: Mnih et al. 2016, "Asynchronous Methods for Deep Reinforcement Learning", Algorithm S3.
Each actor-learner steps its own env(s) for ``t_max`` steps with a local copy of the net, forms
n-step returns, takes the gradient of ``a2c_loss`` and applies it to the global net with a shared
optimizer. The three plumbings share ``ActorLearner`` and ``a2c_loss``; only the update differs:

===============  ================================================================================
plumbing         how gradients reach the global net
===============  ================================================================================
processes        ``workers`` processes (``torch.multiprocessing``, spawn); the global net and the
(default)        optimizer state live in shared memory; each worker copies the weights, computes
                 its gradient and steps the shared optimizer itself, without locks (Hogwild)
``sync``         A2C: one process, ``workers`` envs stepped together, one update per rollout
``ray_address``  each worker is a Ray actor; the driver applies each gradient as it arrives and
                 sends the new weights back to that actor (parameter server)
===============  ================================================================================

Returns over a rollout of length ``T`` (``sign = -1`` in self-play, where consecutive states
belong to alternating players and ``V`` is from the view of the player to move: negamax):

    R_T = V(s_T) (0 if the episode ended),   R_t = r_t + sign * gamma * (1 - done_t) * R_{t+1}

A truncated episode (move cap) counts as ended (no bootstrap). Loss (``a2c_loss``), mean over
the valid steps of a rollout, illegal actions masked out of the softmax:

    L = -log pi(a_t|s_t) (R_t - V(s_t))  +  c_v * 1/2 (R_t - V(s_t))^2  -  c_e * H(pi(.|s_t))

Only the ``sync`` plumbing is deterministic, so only it resumes exactly (envs are reset with
``seed + step`` at every checkpoint, here and on resume, as in ``selfplay/rl/dqn.py``).
"""

from __future__ import annotations

import os
import queue as queue_mod
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from engine import procs
from selfplay.rl.common import (
    BestCheckpoint,
    build_rl_net,
    hparam_table,
    make_vector_env,
    masked_logits,
    restore_state,
    start_run,
)
from selfplay.rl.eval import quick_eval
from selfplay.rl.opponents import make_opponent, split_specs
from selfplay.rl.trainer import RLTrainerConfig, run_summary, save_run_checkpoint

CLOSE_SECONDS = 30.0
"""how long ``close`` lets the worker processes finish their update before terminating them"""


@dataclass(frozen=True)
class A3CConfig(RLTrainerConfig):
    """Hyperparameters of ``train`` (defaults: a 5x5 run on a 2-core CPU; the shared ones: ``RLTrainerConfig``)."""

    workers: int = 2
    """actor-learner processes (or Ray actors; envs of the one process with ``sync``)"""
    envs_per_worker: int = 4
    """envs stepped together inside each worker (``sync``: ignored, one env per worker)"""
    t_max: int = 10
    """rollout length (steps per env per update)"""
    optimizer: str = "adam"
    """``"adam"`` or ``"rmsprop"`` (the paper's shared RMSProp); state shared between workers"""
    entropy_coef: float = 0.01
    """entropy bonus ``c_e``"""
    value_coef: float = 0.5
    """value-loss weight ``c_v``"""
    sync: bool = False
    """synchronous A2C in one process"""
    ray_address: str = ""
    """run workers as Ray actors on this cluster (``"local"`` starts one here)"""
    total_steps: int = 500_000
    """env steps summed over all workers (A3C learns from more, cheaper steps than DQN)"""
    lr: float = 1e-3
    """learning rate of the shared optimiser"""
    max_grad_norm: float = 5.0
    """gradient clipping of each worker's update"""
    eval_every: int = 20_000
    """env steps between quick evaluations in the driver (0 = never)"""
    run_dir: str = "runs/a3c"
    """run folder (checkpoints, TensorBoard logs, the config it ran with)"""

    def __post_init__(self) -> None:
        if self.optimizer not in ("adam", "rmsprop"):
            raise ValueError(f"optimizer must be 'adam' or 'rmsprop', got {self.optimizer!r}")
        if self.workers < 1:
            raise ValueError("workers must be >= 1")


# ------------------------------------------------------------------------------ losses (pure)
def nstep_returns(
    rewards: torch.Tensor, dones: torch.Tensor, bootstrap: torch.Tensor, gamma: float, sign: float = 1.0
) -> torch.Tensor:
    """``R_t = r_t + sign * gamma * (1 - done_t) * R_{t+1}``, ``R_T = bootstrap``; shapes ``[T, E]``, ``[E]``."""
    out = torch.empty_like(rewards)
    ret = bootstrap
    for t in range(rewards.shape[0] - 1, -1, -1):
        ret = rewards[t] + sign * gamma * (1.0 - dones[t]) * ret
        out[t] = ret
    return out


def a2c_loss(
    logits: torch.Tensor,
    values: torch.Tensor,
    legal: torch.Tensor,
    actions: torch.Tensor,
    returns: torch.Tensor,
    entropy_coef: float = 0.01,
    value_coef: float = 0.5,
) -> tuple[torch.Tensor, dict[str, float]]:
    """Advantage actor-critic loss (module docstring), mean over the batch; returns ``(loss, stats)``."""
    logp = torch.log_softmax(masked_logits(logits, legal), dim=-1)
    logp_a = logp.gather(1, actions.unsqueeze(1)).squeeze(1)
    advantage = returns - values.detach()
    policy_loss = -(logp_a * advantage).mean()
    value_loss = 0.5 * (returns - values).pow(2).mean()
    entropy = -(logp.exp() * logp).sum(dim=-1).mean()
    loss = policy_loss + value_coef * value_loss - entropy_coef * entropy
    stats = {
        k: float(v.detach())
        for k, v in (("policy_loss", policy_loss), ("value_loss", value_loss), ("entropy", entropy))
    }
    return loss, stats


# ------------------------------------------------------------------------------ actor-learner
class ActorLearner:
    """Envs plus a net: ``learn_step`` collects ``t_max`` steps per env and backpropagates ``a2c_loss``.

    Gradients are left in ``model``'s ``.grad`` (clipped); the caller applies them.
    """

    def __init__(self, cfg: A3CConfig, rank: int, num_envs: int, model: torch.nn.Module | None = None, step: int = 0):
        self.cfg, self.rank, self.num_envs = cfg, rank, num_envs
        specs = split_specs(cfg.env.opponent)
        pool = Path(cfg.run_dir) / "pool"
        self.envs = make_vector_env(
            cfg.env, num_envs, lambda i: make_opponent(specs[(rank * num_envs + i) % len(specs)], pool)
        )
        self.model = model if model is not None else build_rl_net("actor_critic", cfg.trunk())
        self.reset(cfg.seed + step + 1000 * rank)

    def reset(self, seed: int) -> None:
        """Reset every env (``seed + i``); episodes in progress are dropped."""
        self.obs, _ = self.envs.reset(seed=[seed + i for i in range(self.num_envs)])
        self.after_reset = np.zeros(self.num_envs, bool)

    def learn_step(self) -> dict:
        """One rollout and one backward pass; returns ``{"steps", "returns", "loss", ...}``."""
        cfg, T, E = self.cfg, self.cfg.t_max, self.num_envs
        # --- collect
        planes, legal, actions, rewards, dones, valid, ended = [], [], [], [], [], [], []
        for _ in range(T):
            x = torch.as_tensor(self.obs["observation"])
            m = torch.as_tensor(self.obs["action_mask"])
            with torch.no_grad():
                logits, _ = self.model(x)
            a = torch.multinomial(torch.softmax(masked_logits(logits, m), -1), 1).squeeze(1)
            self.obs, r, term, trunc, _ = self.envs.step(a.numpy())
            done = term | trunc
            planes.append(x), legal.append(m), actions.append(a)
            (
                rewards.append(torch.as_tensor(r, dtype=torch.float32)),
                dones.append(torch.as_tensor(done, dtype=torch.float32)),
            )
            valid.append(torch.as_tensor(~self.after_reset))
            ended += [float(r[i]) for i in range(E) if done[i] and not self.after_reset[i]]
            self.after_reset = done
        with torch.no_grad():
            _, bootstrap = self.model(torch.as_tensor(self.obs["observation"]))
        returns = nstep_returns(torch.stack(rewards), torch.stack(dones), bootstrap, cfg.gamma, cfg.env.sign)
        # --- loss (one batched forward over the rollout, autoreset steps left out)
        keep = torch.stack(valid).flatten()
        logits, values = self.model(torch.cat(planes)[keep])
        loss, stats = a2c_loss(
            logits,
            values,
            torch.cat(legal)[keep],
            torch.cat(actions)[keep],
            returns.flatten()[keep],
            cfg.entropy_coef,
            cfg.value_coef,
        )
        self.model.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), cfg.max_grad_norm)
        return {"steps": T * E, "returns": ended, "loss": float(loss.detach()), "pid": os.getpid(), **stats}


def make_optimizer(cfg: A3CConfig, model: torch.nn.Module) -> torch.optim.Optimizer:
    """Adam or RMSProp (alpha 0.99, eps 0.1 as in the paper's shared RMSProp) over ``model``."""
    if cfg.optimizer == "rmsprop":
        return torch.optim.RMSprop(model.parameters(), lr=cfg.lr, alpha=0.99, eps=0.1)
    return torch.optim.Adam(model.parameters(), lr=cfg.lr)


def share_optimizer_state(optimizer: torch.optim.Optimizer) -> None:
    """Create the optimizer state (a zero-gradient step changes no weight) if absent; move it to shared memory."""
    fresh = not optimizer.state  # a resumed optimizer already holds its (loaded) state
    if fresh:
        for group in optimizer.param_groups:
            for p in group["params"]:
                p.grad = torch.zeros_like(p)
        optimizer.step()
    for state in optimizer.state.values():
        for key, value in state.items():
            if torch.is_tensor(value):
                if key == "step" and fresh:
                    value.zero_()
                value.share_memory_()
    optimizer.zero_grad(set_to_none=True)


# ------------------------------------------------------------------------------ plumbings
def _worker(rank: int, cfg: A3CConfig, shared, optimizer, go, stop, results, step0: int, guard: dict) -> None:
    """Process entry: learn until ``stop``; any exception goes to ``run_dir/worker_<rank>.log`` and the driver."""
    procs.worker_init(**guard)  # ends with the driver, however it ends; Ctrl-C is the driver's
    try:
        torch.set_num_threads(1)
        torch.manual_seed(cfg.seed + step0 + 1000 * rank)
        learner = ActorLearner(cfg, rank, cfg.envs_per_worker, step=step0)
        results.put({"ready": os.getpid()})
        go.wait()  # every worker starts learning at the same time
        while not stop.is_set():
            learner.model.load_state_dict(shared.state_dict())
            stats = learner.learn_step()
            for p, sp in zip(learner.model.parameters(), shared.parameters(), strict=True):
                sp.grad = p.grad
            optimizer.step()
            results.put(stats)
    except Exception:
        text = traceback.format_exc()
        Path(cfg.run_dir, f"worker_{rank}.log").write_text(text, encoding="utf-8")
        results.put({"error": f"worker {rank} failed:\n{text}"})


class _Processes:
    """``workers`` spawned processes updating the shared model (Hogwild)."""

    def __init__(self, cfg: A3CConfig, model, optimizer, step0: int):
        import torch.multiprocessing as mp

        ctx = mp.get_context("spawn")
        model.share_memory()
        share_optimizer_state(optimizer)
        go, self.stop, self.results = ctx.Event(), ctx.Event(), ctx.Queue()
        args = (cfg, model, optimizer, go, self.stop, self.results, step0, procs.guard_args())
        self.procs = [ctx.Process(target=_worker, args=(r, *args), daemon=True) for r in range(cfg.workers)]
        for p in self.procs:
            p.start()
        self.worker_pids = []
        for _ in range(cfg.workers):  # wait until every worker has built its envs and net
            msg = self.results.get(timeout=600)
            if "error" in msg:
                self.close()
                raise RuntimeError(msg["error"])
            self.worker_pids.append(msg["ready"])
        go.set()

    def poll(self) -> list[dict]:
        out = []
        try:
            out.append(self.results.get(timeout=1.0))
            while True:
                out.append(self.results.get_nowait())
        except queue_mod.Empty:
            pass
        if not out and not any(p.is_alive() for p in self.procs):
            raise RuntimeError("all A3C workers exited")
        return out

    def close(self, wait: float = CLOSE_SECONDS) -> None:
        """Ask the workers to stop, let them finish their update for ``wait`` seconds, then terminate them."""
        self.stop.set()
        deadline = time.time() + wait
        while any(p.is_alive() for p in self.procs) and time.time() < deadline:
            try:
                self.results.get(timeout=0.2)  # drain so no worker blocks on a full pipe
            except queue_mod.Empty:
                pass
        procs.stop_processes(self.procs)


class _Sync:
    """A2C: one process, ``workers`` envs, one update per rollout; deterministic."""

    def __init__(self, cfg: A3CConfig, model, optimizer, step0: int):
        self.learner = ActorLearner(cfg, 0, cfg.workers, model=model, step=step0)
        self.optimizer = optimizer

    def poll(self) -> list[dict]:
        stats = self.learner.learn_step()
        self.optimizer.step()
        return [stats]

    def close(self, wait: float = 0.0) -> None:
        self.learner.envs.close()


class _RayActorLearner:
    """Ray actor body: an ``ActorLearner`` that answers ``grads(weights)``."""

    def __init__(self, cfg: A3CConfig, rank: int, step0: int, driver: dict | None = None):
        from selfplay.cluster import watch_driver

        watch_driver(driver)  # ends with the driver, even one killed by SIGKILL
        torch.set_num_threads(1)
        torch.manual_seed(cfg.seed + step0 + 1000 * rank)
        self.learner = ActorLearner(cfg, rank, cfg.envs_per_worker, step=step0)

    def ready(self) -> int:
        return os.getpid()

    def grads(self, weights: dict) -> tuple[list, dict]:
        self.learner.model.load_state_dict(weights)
        stats = self.learner.learn_step()
        return [p.grad for p in self.learner.model.parameters()], stats


class _Ray:
    """Workers as Ray actors; the driver applies each gradient as it arrives (async parameter server)."""

    def __init__(self, cfg: A3CConfig, model, optimizer, step0: int):
        from selfplay.cluster import connect, driver_info, import_ray

        ray = import_ray()
        self.ray, self.model, self.optimizer = ray, model, optimizer
        connect(cfg.ray_address, log_to_driver=True)  # token authentication as in docs/zero.md
        remote = ray.remote(num_cpus=1)(_RayActorLearner)
        actors = [remote.remote(cfg, r, step0, driver_info()) for r in range(cfg.workers)]
        self.worker_pids = ray.get([a.ready.remote() for a in actors])  # all up before any gradient counts
        self.pending = {a.grads.remote(self._weights()): a for a in actors}

    def _weights(self) -> dict:
        return {k: v.detach().clone() for k, v in self.model.state_dict().items()}

    def poll(self) -> list[dict]:
        [ready], _ = self.ray.wait(list(self.pending), num_returns=1)
        actor = self.pending.pop(ready)
        grads, stats = self.ray.get(ready)
        for p, g in zip(self.model.parameters(), grads, strict=True):
            p.grad = g
        self.optimizer.step()
        self.pending[actor.grads.remote(self._weights())] = actor
        return [stats]

    def close(self, wait: float = 0.0) -> None:
        for actor in self.pending.values():
            self.ray.kill(actor)


# ------------------------------------------------------------------------------ trainer
def train(cfg: A3CConfig) -> dict:
    """Train an actor-critic with A3C (or A2C, or on Ray); returns a summary dict."""
    # --- run folder, config.json, metric log; seeding of python, numpy and torch
    run, ck_dir, pool_dir, logger = start_run(cfg)
    model = build_rl_net("actor_critic", cfg.trunk())
    optimizer = make_optimizer(cfg, model)
    step = episodes = 0
    if cfg.resume:
        ck = restore_state(ck_dir, optimizer)
        model.load_state_dict(ck.model.state_dict())
        step, episodes = ck.step, int(ck.meta.get("episodes", 0))
    best = BestCheckpoint(ck_dir, cfg.resume)
    plumbing = "sync A2C" if cfg.sync else f"Ray ({cfg.ray_address})" if cfg.ray_address else "processes"
    print(f"A3C on {cfg.env.size}x{cfg.env.size}, {cfg.workers} workers, {plumbing}\n{hparam_table(cfg)}")
    backend = (_Sync if cfg.sync else _Ray if cfg.ray_address else _Processes)(cfg, model, optimizer, step)

    bar = tqdm(total=cfg.total_steps, initial=step, disable=not cfg.progress, unit="step", desc="a3c")
    start, start_step, pids, last = time.time(), step, set(), {}  # workers are up: warm throughput
    stopping = False  # Ctrl-C / SIGTERM: stop the workers at once (train_state.pt is the last checkpoint)
    try:
        while step < cfg.total_steps and not (cfg.seconds and time.time() - start > cfg.seconds):
            # --- collect / loss / optimize happen in the backend (workers, or here for sync)
            for stats in backend.poll():
                if "error" in stats:
                    raise RuntimeError(stats["error"])
                prev, step = step, step + stats["steps"]
                pids.add(stats["pid"])
                bar.update(stats["steps"])
                for ret in stats["returns"]:
                    episodes += 1
                    logger.scalar("charts/episodic_return", ret, step)
                last = stats
                # --- log
                if step // 1000 > prev // 1000:
                    sps = (step - start_step) / max(time.time() - start, 1e-9)
                    for name in ("loss", "policy_loss", "value_loss", "entropy"):
                        logger.scalar(f"losses/{name}", stats[name], step)
                    logger.scalar("charts/SPS", sps, step)
                    bar.set_postfix(loss=f"{stats['loss']:.3f}", H=f"{stats['entropy']:.2f}", sps=f"{sps:.0f}")
                if cfg.eval_every and step // cfg.eval_every > prev // cfg.eval_every:
                    score = quick_eval(model, "actor_critic", cfg, pool_dir, step, logger, bar)
                    best.offer(model, score, head="actor_critic", step=step, trainer=asdict(cfg))
                # --- checkpoint (sync: an episode boundary, envs reset with seed + step, as on resume)
                if step // cfg.checkpoint_every > prev // cfg.checkpoint_every:
                    _checkpoint(cfg, model, optimizer, ck_dir, pool_dir, step, episodes)
                    if cfg.sync:
                        backend.learner.reset(cfg.seed + step)
    except KeyboardInterrupt:
        stopping = True
        raise
    finally:
        backend.close(wait=0.0 if stopping else CLOSE_SECONDS)
        bar.close()
    _checkpoint(cfg, model, optimizer, ck_dir, pool_dir, step, episodes)
    logger.close()
    summary = run_summary(step, start_step, start, episodes=episodes)
    return {**summary, "worker_pids": sorted(getattr(backend, "worker_pids", pids)), "last": last, "model": model}


def _checkpoint(cfg: A3CConfig, model, optimizer, ck_dir: Path, pool_dir: Path, step: int, episodes: int) -> None:
    """Write the run's checkpoint files, the episode count in their meta."""
    meta = {"head": "actor_critic", "step": step, "trainer": asdict(cfg), "extra": {"episodes": episodes}}
    save_run_checkpoint(ck_dir, pool_dir, model, optimizer, **meta)
