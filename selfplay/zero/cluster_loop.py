"""The Zero loop on a Ray cluster: self-play and evaluation games as actors, training on the driver.

Vocabulary:

==============  ==============================================================================
*driver*        the process that runs ``go-engine zero --ray-address``: it owns the run folder,
                trains, and writes every file of it (actors need no shared file system)
*actor*         a ``ZeroActor`` on any node, holding one CPU (or one GPU with a ``cuda``
                ``selfplay.device``); by default one per CPU (GPU) of the cluster at the start
*weights ref*   the bytes of ``models/gen_GGGG.safetensors`` put once into Ray's object store;
                each node fetches them once and its actors share the copy
*task*          up to ``games_per_worker_batch`` game indices given to one ready actor
*ready*         an actor whose ``ready()`` call has returned (placed on a live node)
==============  ==============================================================================

Self-play: an actor plays its task's games together (the compiled many-game engine, as in
``selfplay/zero/worker.py``) and streams each finished game back as soon as it ends (a Ray
streaming generator: the game's summary, SGF bytes and shard bytes); the driver writes the SGF
and then the shard atomically into the run folder. The shard is the mark of a finished game, so
a killed actor or node loses only games that had not finished: the driver replaces the actor
(the replacement joins when Ray can place it) and puts the task's unfinished games back in the
queue for the ready actors. ``logs/cluster-gGGGG.csv`` records which node played each game.

Evaluation: a match's games are split into tasks over the same actors (``play_match`` over a
subset of indices: same seeds and colours as in one process); a failed task is played again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue as queue_mod
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from nets.fileio import atomic_write
from selfplay.config import Config
from selfplay.zero.models import ROLLOUT_PLAYER
from selfplay.zero.shards import shard_name
from selfplay.zero.worker import finished

log = logging.getLogger("go_engine.cluster_loop")


# ------------------------------------------------------------------------------ the actor
class ZeroActor:
    """Plays self-play and match games in a scratch folder of its node; returns files as bytes."""

    def __init__(self, worker_id: int, driver: dict | None = None):
        from selfplay.cluster import watch_driver

        watch_driver(driver)  # ends with the driver, even one killed by SIGKILL
        self.worker_id = worker_id
        self.scratch = Path(tempfile.mkdtemp(prefix="go-zero-actor-"))
        self.models: dict[str, Path] = {}

    def ready(self) -> str:
        """The node this actor runs on (its return marks the actor as placed)."""
        import ray

        return ray.get_runtime_context().get_node_id()

    def _weights(self, weights: tuple[str, list] | None):
        """A local path for ``(name, [weights ref])``, fetched once per name; None/rollouts pass through."""
        if weights is None or weights[0] == ROLLOUT_PLAYER:
            return None if weights is None else ROLLOUT_PLAYER
        name, (ref,) = weights
        if name not in self.models:
            import ray

            path = self.scratch / "models" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(ray.get(ref))
            self.models[name] = path
        return self.models[name]

    def play(self, cfg: Config, weights: tuple[str, list], generation: int, indices: list[int]):
        """Play ``indices``; yield ``("game", info, sgf bytes, shard bytes)`` per game, then ``("done", stats)``."""
        from selfplay.zero.worker import play_games

        path, q = self._weights(weights), queue_mod.Queue()

        def run() -> None:
            try:
                stats = play_games(cfg, self.scratch, path, generation, indices, q.put, self.worker_id)
                q.put(("done", stats))
            except BaseException as e:  # noqa: BLE001 (raised again in the generator)
                q.put(("error", e))

        threading.Thread(target=run, name="zero-actor-play", daemon=True).start()
        while True:
            item = q.get()
            if isinstance(item, dict):
                name = shard_name(generation, item["game"])
                shard, sgf = self.scratch / "shards" / name, self.scratch / "sgf" / name.replace(".npz", ".sgf")
                yield ("game", item, sgf.read_bytes(), shard.read_bytes())
                shard.unlink()
                sgf.unlink()
            elif item[0] == "done":
                yield item
                return
            else:
                raise item[1]

    def match(self, cfg: Config, a, b, games: int, seed: int, indices: list[int]) -> float:
        """Score of ``a`` against ``b`` over games ``indices`` of a ``games``-game match (``play_match``)."""
        from selfplay.zero.loop import play_match

        return play_match(cfg, self._weights(a), self._weights(b), games, seed, indices=indices)

    def close(self) -> None:
        """Remove the scratch folder (the driver calls it before ending the actor)."""
        shutil.rmtree(self.scratch, ignore_errors=True)


# ------------------------------------------------------------------------------ the driver's pool
class ClusterPool:
    """The driver's actors: ``selfplay`` and ``match`` spread tasks over the ready ones."""

    def __init__(self, cfg: Config, address: str, actors: int = 0):
        """Connect to ``address`` and start ``actors`` actors (0: one per CPU, or GPU, of the cluster)."""
        from selfplay.cluster import connect, driver_info, import_ray

        self.ray = ray = import_ray()
        self.started_here = connect(address)
        gpu = cfg.selfplay.device.startswith("cuda")
        res = ray.cluster_resources()
        self.n = actors or max(1, int(res.get("GPU" if gpu else "CPU", 1)))
        self.remote_cls = ray.remote(num_cpus=1, num_gpus=1 if gpu else 0)(ZeroActor)
        self.driver = driver_info()
        self.actors: dict[int, object] = {}
        self.pending_ready: dict = {}  # ready() ref -> actor id
        self.nodes: dict[int, str] = {}  # ready actor id -> node id
        self.refs: dict[str, tuple[str, list]] = {}
        self.failures = 0
        for w in range(self.n):
            self._start(w)
        log.info("%d actors on a cluster with %s", self.n, res)

    # --- actors
    def _start(self, w: int) -> None:
        self.actors[w] = self.remote_cls.remote(w, self.driver)
        self.pending_ready[self.actors[w].ready.remote()] = w
        self.nodes.pop(w, None)

    def _replace(self, w: int, err: BaseException, max_restarts: int) -> None:
        self.failures += 1
        if self.failures > max(1, max_restarts) * self.n:
            raise RuntimeError(f"Ray actors keep failing ({self.failures} times): {err}") from err
        log.warning("actor %d on node %s failed (%s); replacing it", w, self.nodes.get(w, "?")[:12], err)
        with contextlib.suppress(Exception):
            self.ray.kill(self.actors[w], no_restart=True)
        self._start(w)

    def _ready(self, wait: float) -> None:
        """Move actors whose ``ready()`` returned into ``nodes``."""
        if not self.pending_ready:
            return
        done, _ = self.ray.wait(list(self.pending_ready), num_returns=len(self.pending_ready), timeout=wait)
        for ref in done:
            w = self.pending_ready.pop(ref)
            try:
                self.nodes[w] = self.ray.get(ref)
            except self.ray.exceptions.RayError as e:
                self._replace(w, e, 10**6)

    def weights(self, path) -> tuple[str, list] | None:
        """``(file name, [weights ref])`` for a weights file, put into the object store once."""
        if path is None or str(path) == ROLLOUT_PLAYER:
            return None if path is None else (ROLLOUT_PLAYER, [])
        key = str(path)
        if key not in self.refs:
            if len(self.refs) > 4:  # the newest few generations are enough
                self.refs.pop(next(iter(self.refs)))
            self.refs[key] = (Path(path).name, [self.ray.put(Path(path).read_bytes())])
        return self.refs[key]

    # --- the scheduler
    def _map(self, tasks: list, call: Callable, on_item: Callable, requeue: Callable, max_restarts: int) -> None:
        """Run ``tasks`` on ready actors; ``call(actor, task)`` gives an iterable of refs (one thread each).

        ``on_item(w, task, item)`` runs here for every item; ``requeue(task)`` gives what to run
        again after a failure (or None).
        """
        q: queue_mod.Queue = queue_mod.Queue()
        busy: dict[int, object] = {}

        def consume(w: int, task) -> None:
            try:
                for ref in call(self.actors[w], task):
                    q.put(("item", w, task, self.ray.get(ref)))
                q.put(("end", w, task, None))
            except Exception as e:  # noqa: BLE001 (Ray errors, and errors of the games themselves)
                q.put(("fail", w, task, e))

        tasks = list(tasks)
        while tasks or busy:
            self._ready(0.0 if busy else 0.5)
            for w in [w for w in self.nodes if w not in busy]:
                if not tasks:
                    break
                busy[w] = task = tasks.pop(0)
                threading.Thread(target=consume, args=(w, task), daemon=True).start()
            try:
                kind, w, task, payload = q.get(timeout=0.5)
            except queue_mod.Empty:
                continue
            if kind == "item":
                on_item(w, task, payload)
                continue
            busy.pop(w, None)
            if kind == "fail":
                if not isinstance(payload, self.ray.exceptions.RayError) or isinstance(
                    payload, self.ray.exceptions.RayTaskError
                ):
                    raise payload  # a bug in the games, not a lost actor
                self._replace(w, payload, max_restarts)
                again = requeue(task)
                if again:
                    tasks.insert(0, again)

    def selfplay(self, cfg: Config, out_dir, weights, generation: int, todo: Sequence[int], on_game, batching) -> int:
        """Play ``todo`` on the actors, writing each finished game into ``out_dir``; returns the failures."""
        out_dir, failures0 = Path(out_dir), self.failures
        ref, k = self.weights(weights), cfg.selfplay.games_per_worker_batch
        tasks = [list(todo[i : i + k]) for i in range(0, len(todo), k)]
        ledger = out_dir / "logs" / f"cluster-g{generation:04d}.csv"
        ledger.parent.mkdir(parents=True, exist_ok=True)
        if not ledger.exists():
            ledger.write_text("game,actor,node\n")

        def call(actor, task):
            return actor.play.options(num_returns="streaming").remote(cfg, ref, generation, task)

        def on_item(w, task, item) -> None:
            if item[0] == "done":
                batching.append(item[1])
                return
            _, info, sgf, shard = item
            name = shard_name(generation, info["game"])
            with atomic_write(out_dir / "sgf" / name.replace(".npz", ".sgf")) as f:
                f.write(sgf)
            with atomic_write(out_dir / "shards" / name) as f:  # the shard last: the game is finished
                f.write(shard)
            with ledger.open("a") as f:
                f.write(f"{info['game']},{w},{self.nodes.get(w, '')}\n")
            on_game(info)

        def requeue(task):
            return [i for i in task if i not in finished(out_dir, generation, task)]

        self._map(tasks, call, on_item, requeue, cfg.selfplay.max_restarts)
        return self.failures - failures0

    def match(self, cfg: Config, a, b, games: int, seed: int) -> float:
        """``play_match(cfg, a, b, games, seed)`` with the games spread over the actors."""
        pa, pb, k = self.weights(a), self.weights(b), max(1, cfg.selfplay.games_per_worker_batch)
        tasks = [list(range(i, min(i + k, games))) for i in range(0, games, k)]
        scores: dict[int, float] = {}

        def call(actor, task):
            return [actor.match.remote(cfg, pa, pb, games, seed, task)]

        def on_item(w, task, score) -> None:
            scores[task[0]] = score

        self._map(tasks, call, on_item, lambda task: task, cfg.selfplay.max_restarts)
        return float(sum(scores.values()))

    def close(self) -> None:
        """End the actors, after they removed their scratch folders (and Ray, if this pool started it)."""
        with contextlib.suppress(Exception):  # placed actors only; a few seconds at most
            self.ray.wait([self.actors[w].close.remote() for w in self.nodes], num_returns=len(self.nodes), timeout=10)
        for a in self.actors.values():
            with contextlib.suppress(Exception):
                self.ray.kill(a, no_restart=True)
        self.actors.clear()
        if self.started_here:
            self.ray.shutdown()

    def __enter__(self) -> ClusterPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def run_zero_on_cluster(cfg: Config, run_dir: str | os.PathLike, address: str, actors: int = 0, **kwargs):
    """``run_zero`` with self-play and evaluation on the Ray cluster at ``address``; returns the loop state."""
    from selfplay.zero.loop import run_zero

    with ClusterPool(cfg, address, actors) as pool:
        return run_zero(cfg, run_dir, pool=pool, **kwargs)
