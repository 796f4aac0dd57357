"""Ape-X DQN: many actors with their own epsilons feed one prioritized replay and one learner.

Paper: Horgan et al. 2018, "Distributed Prioritized Experience Replay" (ICLR). The learner is the
Double DQN of ``selfplay/rl/dqn.py`` (same net, loss, n-step targets and replay); what changes is
who acts:

===========  ======================================================================================
*actor*      a process (or a Ray actor) with its own vector env and its own copy of the online
             net; it acts epsilon-greedily with a fixed ``epsilon_i = base^(1 + alpha i / (N - 1))``
             (the paper's 0.4 and 7; one actor uses ``base``), forms n-step transitions, and computes
             their initial priorities ``|TD|`` locally with its copy of the net (online net as its
             own target, as in the paper), so the replay need not wait for the learner
*learner*    this process: it adds each batch of transitions to the prioritized replay with the
             actor's priorities, runs Double DQN updates, refreshes priorities from its own TD
             errors, copies the target net, and publishes its weights to the actors
*ratio*      updates per received transition; ``1 / (num_envs * train_every)`` as in the
             single-process trainer, so both see the same replay ratio and differ only in how fast
             transitions arrive
===========  ======================================================================================

Actors are ``multiprocessing`` processes (spawn) that end with the learner (``engine.procs``), or
Ray actors with ``ray_address`` (``selfplay.cluster``). Transitions come back as numpy batches over a
queue (Ray: as remote call results), weights go out as numpy state dicts. The run folder is the
single-process trainer's: ``config.json``, ``metrics.csv``, ``checkpoints/`` (``latest.safetensors``,
``train_state.pt``, ``replay.npz``) and ``pool/``. A resumed run restores the learner exactly; the
actors start afresh (asynchronous acting is not bit-reproducible anyway).
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from engine import procs
from selfplay.rl.common import build_rl_net, hparam_table, make_vector_env, start_run
from selfplay.rl.dqn import DQNConfig, Learner, _collect, _planes, _tensor, double_dqn_target, epsilon_greedy
from selfplay.rl.opponents import make_opponent, split_specs
from selfplay.rl.replay import NStepBuffer, PrioritizedReplay
from selfplay.rl.trainer import run_summary


@dataclass(frozen=True)
class ApexConfig:
    """Ape-X settings over the learner's ``DQNConfig`` (its ``num_envs`` is the envs per actor)."""

    dqn: DQNConfig = field(default_factory=DQNConfig)
    """the learner and the shared hyperparameters (env, net, replay, schedule, run folder, seed)"""
    actors: int = 2
    """actor processes (or Ray actors)"""
    eps_base: float = 0.4
    """epsilon of actor 0 (Ape-X: 0.4)"""
    eps_alpha: float = 7.0
    """spread of the actors' epsilons (Ape-X: 7)"""
    send_every: int = 64
    """transitions an actor collects before it sends them"""
    publish_every: int = 25
    """learner updates between two weight publications to the actors"""
    ray_address: str = ""
    """run the actors as Ray actors on this cluster (``"local"`` starts one here)"""

    def __post_init__(self) -> None:
        if self.actors < 1 or self.send_every < 1 or self.publish_every < 1:
            raise ValueError("actors, send_every and publish_every must be >= 1")


def actor_epsilons(n: int, base: float = 0.4, alpha: float = 7.0) -> list[float]:
    """The actors' fixed epsilons ``base^(1 + alpha i / (n - 1))``, ``i = 0..n-1`` (one actor: ``base``)."""
    if n == 1:
        return [base]
    return [base ** (1 + alpha * i / (n - 1)) for i in range(n)]


# ------------------------------------------------------------------------------ actor
class Actor:
    """One Ape-X actor: its envs, its net copy, its n-step buffers; ``collect`` returns one batch."""

    def __init__(self, cfg: ApexConfig, index: int, run_dir: str):
        torch.set_num_threads(1)
        d = cfg.dqn
        self.cfg, self.eps = cfg, actor_epsilons(cfg.actors, cfg.eps_base, cfg.eps_alpha)[index]
        self.rng = np.random.default_rng([d.seed, index, 17])
        specs = split_specs(d.env.opponent)
        pool = f"{run_dir}/pool"
        self.envs = make_vector_env(d.env, d.num_envs, lambda i: make_opponent(specs[i % len(specs)], pool))
        self.net = build_rl_net("dqn", d.trunk()).eval()
        self.nsteps = [NStepBuffer(d.n_step, d.gamma, d.env.sign) for _ in range(d.num_envs)]
        self.obs, _ = self.envs.reset(seed=[d.seed + 7919 * (index + 1) + i for i in range(d.num_envs)])
        self.after_reset = np.zeros(d.num_envs, bool)

    def set_weights(self, weights: dict[str, np.ndarray]) -> None:
        """Load the learner's published weights."""
        self.net.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})

    def collect(self) -> dict[str, np.ndarray]:
        """Act until ``send_every`` transitions are ready; return them with priorities and returns."""
        fresh, returns, steps = [], [], 0
        while len(fresh) < self.cfg.send_every:
            actions = epsilon_greedy(self.net, self.obs, self.eps, self.rng)
            next_obs, rewards, terms, truncs, _ = self.envs.step(actions)
            new, ended = _collect(
                self.nsteps, self.after_reset, self.obs["observation"], actions, next_obs, rewards, terms, truncs
            )
            fresh += new
            returns += ended
            self.after_reset, self.obs = terms | truncs, next_obs
            steps += len(actions)
        batch = {f: np.stack([np.asarray(t[k]) for t in fresh]) for k, f in enumerate(PrioritizedReplay.FIELDS)}
        batch["priority"] = self._priorities(batch)
        batch["returns"] = np.asarray(returns, np.float32)
        batch["steps"] = np.asarray(steps, np.int64)
        return batch

    def _priorities(self, b: dict[str, np.ndarray]) -> np.ndarray:
        """``|TD|`` of each transition under this actor's net (its own target)."""
        with torch.no_grad():
            q_next = self.net(_planes(b["next_obs"]))
            target = double_dqn_target(
                _tensor(b["reward"]),
                _tensor(b["discount"]),
                _tensor(b["done"]),
                q_next,
                q_next,
                _tensor(b["next_mask"]),
            )
            q = self.net(_planes(b["obs"])).gather(1, _tensor(b["action"], torch.int64).unsqueeze(1)).squeeze(1)
        return (target - q).abs().numpy()


def _actor_process(cfg: ApexConfig, index: int, run_dir: str, out_q, weights_q, stop, guard: dict) -> None:
    """Body of an actor process: collect and send until ``stop``; pick up published weights."""
    procs.worker_init(**guard)
    actor = Actor(cfg, index, run_dir)
    while not stop.is_set():
        try:
            actor.set_weights(weights_q.get_nowait())
        except queue.Empty:
            pass
        batch = actor.collect()
        while not stop.is_set():
            try:
                out_q.put(batch, timeout=0.5)
                break
            except queue.Full:
                continue


class _Processes:
    """Actors as spawned processes; batches over one queue, weights over one small queue each."""

    def __init__(self, cfg: ApexConfig, run_dir: str):
        ctx = mp.get_context("spawn")
        self.out_q, self.stop = ctx.Queue(maxsize=4 * cfg.actors), ctx.Event()
        self.weight_qs = [ctx.Queue(maxsize=1) for _ in range(cfg.actors)]
        for q in self.weight_qs:
            # weights an actor never read may be dropped: without this, the learner's exit waits
            # for the queue's feeder thread, blocked on a pipe that no stopped actor reads any more
            q.cancel_join_thread()
        args = [
            (cfg, i, run_dir, self.out_q, self.weight_qs[i], self.stop, procs.guard_args()) for i in range(cfg.actors)
        ]
        self.procs = [ctx.Process(target=_actor_process, args=a, daemon=True) for a in args]
        for p in self.procs:
            p.start()

    def receive(self, timeout: float) -> list[dict]:
        """The batches that arrived within ``timeout`` seconds (at least one wait, then what is queued)."""
        out = []
        try:
            out.append(self.out_q.get(timeout=timeout))
            while True:
                out.append(self.out_q.get_nowait())
        except queue.Empty:
            pass
        dead = [p.exitcode for p in self.procs if not p.is_alive()]
        if dead and not out:
            raise RuntimeError(f"an Ape-X actor died (exit codes {dead}); see the log above")
        return out

    def publish(self, weights: dict[str, np.ndarray]) -> None:
        """Offer ``weights`` to every actor (an actor that has not taken the last ones gets these)."""
        for q in self.weight_qs:
            try:
                q.get_nowait()
            except queue.Empty:
                pass
            try:
                q.put_nowait(weights)
            except queue.Full:
                pass

    def close(self) -> None:
        self.stop.set()
        procs.stop_processes(self.procs)


class _Ray:
    """Actors as Ray actors; the learner keeps one ``collect`` call in flight per actor."""

    def __init__(self, cfg: ApexConfig, run_dir: str):
        from selfplay import cluster

        self.ray = cluster.import_ray()
        cluster.connect(cfg.ray_address)
        driver = cluster.driver_info()

        class _RayActor(Actor):
            def __init__(self, *args):
                cluster.watch_driver(driver)
                super().__init__(*args)

        remote = self.ray.remote(num_cpus=1)(_RayActor)
        self.actors = [remote.remote(cfg, i, run_dir) for i in range(cfg.actors)]
        self.pending = {a.collect.remote(): a for a in self.actors}

    def receive(self, timeout: float) -> list[dict]:
        ready, _ = self.ray.wait(list(self.pending), num_returns=1, timeout=timeout)
        out = []
        for ref in ready:
            actor = self.pending.pop(ref)
            out.append(self.ray.get(ref))
            self.pending[actor.collect.remote()] = actor
        return out

    def publish(self, weights: dict[str, np.ndarray]) -> None:
        ref = self.ray.put(weights)
        for a in self.actors:
            a.set_weights.remote(ref)

    def close(self) -> None:
        for a in self.actors:
            self.ray.kill(a)


# ------------------------------------------------------------------------------ learner
def train(cfg: ApexConfig) -> dict:
    """Train a dueling Double DQN with Ape-X actors; returns a summary dict like ``dqn.train``'s."""
    # --- run folder, seeding, learner nets and replay (restored on resume)
    d = cfg.dqn
    run, ck_dir, pool_dir, logger = start_run(d)
    ln = Learner(d, (len(_dummy_planes(d)), d.env.size, d.env.size), ck_dir, pool_dir)
    plumbing = f"Ray ({cfg.ray_address})" if cfg.ray_address else "processes"
    epsilons = ", ".join(f"{e:.3g}" for e in actor_epsilons(cfg.actors, cfg.eps_base, cfg.eps_alpha))
    count = f"{cfg.actors} actor{'s' if cfg.actors > 1 else ''}"
    print(f"Ape-X DQN on {d.env.size}x{d.env.size}: {count} ({plumbing}), epsilons {epsilons}")
    print(hparam_table(d))
    actors = (_Ray if cfg.ray_address else _Processes)(cfg, str(run))
    actors.publish(_weights(ln.q_net))
    start, start_step, owed = time.time(), ln.step, 0.0
    next_eval = (ln.step // d.eval_every + 1) * d.eval_every if d.eval_every else None
    next_ck = (ln.step // d.checkpoint_every + 1) * d.checkpoint_every
    try:
        while ln.step < d.total_steps and not (d.seconds and time.time() - start > d.seconds):
            # --- receive: transitions with the actors' priorities
            for b in actors.receive(timeout=1.0):
                ln.rb.add_batch(*(b[f] for f in PrioritizedReplay.FIELDS), priority=b["priority"])
                ln.step += int(b["steps"])
                owed += len(b["action"]) / (d.num_envs * d.train_every)
                ln.episodes_ended(b["returns"], logger)
            # --- learn at the single-process trainer's replay ratio
            while owed >= 1 and ln.step >= d.learning_starts and len(ln.rb) >= d.batch_size:
                owed -= 1
                ln.learn()
                if ln.updates % cfg.publish_every == 0:
                    actors.publish(_weights(ln.q_net))
            owed = min(owed, 1.0) if ln.step < d.learning_starts else owed
            # --- log, evaluate, checkpoint
            sps = (ln.step - start_step) / max(time.time() - start, 1e-9)
            logger.scalar("losses/td_loss", ln.last_loss, ln.step)
            logger.scalar("charts/SPS", sps, ln.step)
            if next_eval is not None and ln.step >= next_eval:
                next_eval += d.eval_every
                ln.evaluate(logger, _Echo())
            if ln.step >= next_ck:
                next_ck += d.checkpoint_every
                ln.save()
    finally:
        actors.close()
    ln.save()
    logger.close()
    return {**run_summary(ln.step, start_step, start, updates=ln.updates, episodes=ln.episodes), "model": ln.q_net}


class _Echo:
    """``quick_eval``'s progress sink when there is no tqdm bar: print the line."""

    def write(self, text: str) -> None:
        print(text, flush=True)


def _weights(net: torch.nn.Module) -> dict[str, np.ndarray]:
    return {k: v.detach().cpu().numpy().copy() for k, v in net.state_dict().items()}


def _dummy_planes(d: DQNConfig) -> np.ndarray:
    """The observation planes of one fresh env (for the replay's shape)."""
    from selfplay.rl.common import make_env

    env = make_env(d.env, make_opponent("random", None))
    obs, _ = env.reset(seed=0)
    env.close()
    return obs["observation"]
