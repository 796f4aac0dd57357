"""Self-play workers: processes (or Ray actors) that play games K at a time and write them as they finish.

Layout of a run folder (``out_dir``):

=============================  =================================================================
path                           content
=============================  =================================================================
``sgf/gGGGG-IIIIIII.sgf``      each finished game (SGF, written atomically)
``shards/gGGGG-IIIIIII.npz``   its training samples (``selfplay/zero/shards.py``), written atomically
``models/gen_GGGG.safetensors`` the net that played generation ``G`` (gen 0: fresh, seeded)
``logs/worker-W.log``          each worker's log, with the traceback if it crashed
``selfplay-gGGGG.json``        the summary of a ``run_selfplay`` call (games/s, resignations, ...)
=============================  =================================================================

A game's shard is its completion mark: ``run_selfplay`` skips indices whose shard exists, so a
run that is started again continues, and a crashed worker is restarted on the games it had not
finished (``max_restarts`` times). Game ``i`` of generation ``g`` is seeded from
``SeedSequence([seed, g, i])``, whichever worker plays it.

Inside a worker, ``games_per_worker_batch`` games run at once and share one network call per step:
on the compiled engine (``selfplay/zero/compiled.py``, the default for agz17 nets) or, with
``selfplay.engine = "threads"``, with ``MultiGameSearch`` (``engine/search/multi.py``). Processes use the
``spawn`` start method (CUDA and torch are not fork-safe; OpenSpiel does the same); with
``ray_address`` the same worker code runs as Ray actors (``ray`` is imported only then).
"""

from __future__ import annotations

import functools
import json
import logging
import multiprocessing as mp
import os
import queue as queue_mod
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from engine import procs
from engine.features import n_planes, stored_set
from engine.search.multi import MultiGameSearch
from selfplay.config import Config
from selfplay.game import GameResult, selfplay_game
from selfplay.records import write_sgf_file
from selfplay.zero import compiled
from selfplay.zero.models import ROLLOUT_PLAYER, ensure_weights, make_batch_fn, make_evaluator
from selfplay.zero.shards import aux_targets, read_shard, shard_name, write_shard

log = logging.getLogger("go_engine.selfplay")


# ------------------------------------------------------------------------------ paths and seeds
def game_seed(seed: int, generation: int, index: int) -> int:
    """The seed of game ``index`` of ``generation``."""
    return int(np.random.SeedSequence([seed, generation, index]).generate_state(1, np.uint64)[0] >> 1)


def finished(out_dir: str | os.PathLike, generation: int, indices: Sequence[int]) -> set[int]:
    """Indices among ``indices`` whose shard exists."""
    folder = Path(out_dir) / "shards"
    return {i for i in indices if (folder / shard_name(generation, i)).exists()}


# ------------------------------------------------------------------------------ one worker
def _write_game(out_dir: Path, cfg: Config, generation: int, index: int, res: GameResult) -> dict:
    """Write a finished game's SGF and shard (atomically); return its summary."""
    name = shard_name(generation, index)
    info = {
        "generation": generation,
        "game": index,
        "winner": res.winner,
        "moves": res.moves,
        "positions": res.positions,
        "resigned": res.resigned,
        "resign_disabled": res.resign_disabled,
        "would_resign": res.would_resign,
        "false_resign": res.false_resign,
        "simulations": res.simulations,
        "seconds": round(res.seconds, 3),
    }
    res.record.game_comment = json.dumps(info)
    res.record.event = f"go-engine zero self-play, generation {generation}"
    write_sgf_file(out_dir / "sgf" / name.replace(".npz", ".sgf"), res.record)
    stored = stored_set(cfg.net.feature_set)  # a komi plane is not stored: the reader rebuilds it from the komi
    komi = res.info.get("komi", cfg.board.komi)
    meta = {**info, "feature_set": stored, "size": cfg.board.size, "komi": komi}
    own, score = aux_targets(res.info, res.to_play)
    planes = res.planes[:, : n_planes(stored)]
    write_shard(out_dir / "shards" / name, planes, res.pi, res.z, res.to_play, meta, own=own, score=score, q=res.q)
    return info


def play_games(
    cfg: Config,
    out_dir: str | os.PathLike,
    weights: str | os.PathLike | None,
    generation: int,
    indices: Sequence[int],
    on_game: Callable[[dict], None] | None = None,
    worker_id: int = 0,
) -> dict:
    """Play and write games ``indices`` here, ``games_per_worker_batch`` at a time; returns batching stats."""
    if weights == ROLLOUT_PLAYER:
        return _play_rollout_games(cfg, out_dir, generation, indices, on_game)
    import torch

    torch.set_num_threads(cfg.selfplay.torch_threads)
    out_dir = Path(out_dir)
    ev = make_evaluator(cfg, weights, game_seed(cfg.seed, generation, 10**9 + worker_id))
    if cfg.selfplay.engine == "compiled" and compiled.supports(cfg):

        def on_result(index, res):
            info = _write_game(out_dir, cfg, generation, index, res)
            if on_game is not None:
                on_game(info)

        seeds = [game_seed(cfg.seed, generation, i) for i in indices]
        return compiled.play_compiled(cfg, ev.evaluate_planes, seeds, list(indices), on_result)
    search = MultiGameSearch(make_batch_fn({None: ev}), cfg.selfplay.games_per_worker_batch)

    def play_one(index, make_eval):
        return selfplay_game(cfg, make_eval(), game_seed(cfg.seed, generation, index))

    def on_done(index, res):
        info = _write_game(out_dir, cfg, generation, index, res)
        if on_game is not None:
            on_game(info)

    search.run(list(indices), play_one, on_done)
    st = search.stats
    return {"steps": st.steps, "requests": st.requests, "leaves": st.leaves, "net_seconds": st.seconds_in_batch_fn}


def _play_rollout_games(cfg, out_dir, generation, indices, on_game) -> dict:
    """Games of the no-network search (one at a time: its simulations run whole in Numba).

    Every move is a full search and a sample: the playout cap saves net calls, and this search has none.
    """
    from engine.search.evaluators import rollout_evaluator

    cfg = cfg.replace(selfplay=replace(cfg.selfplay, playout_cap=False))
    m = cfg.mcts
    for index in indices:
        seed = game_seed(cfg.seed, generation, index)
        res = selfplay_game(cfg, rollout_evaluator(m, seed), seed)
        info = _write_game(Path(out_dir), cfg, generation, index, res)
        if on_game is not None:
            on_game(info)
    return {"steps": 0, "requests": 0, "leaves": 0, "net_seconds": 0.0}


def watcher(fn):
    """Decorate a process entry: log to ``logs/worker-W.log`` and record any traceback there."""

    @functools.wraps(fn)
    def wrapped(cfg, out_dir, worker_id, *args):
        path = Path(out_dir) / "logs" / f"worker-{worker_id}.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        logging.basicConfig(filename=path, level=logging.INFO, format="%(asctime)s %(process)d %(message)s")
        log.info("worker %d started (pid %d)", worker_id, os.getpid())
        try:
            return fn(cfg, out_dir, worker_id, *args)
        except BaseException:
            log.error("worker %d crashed:\n%s", worker_id, traceback.format_exc())
            raise

    return wrapped


@watcher
def _process_main(cfg, out_dir, worker_id, weights, generation, indices, q, guard) -> None:
    procs.worker_init(**guard)  # ends with its parent; Ctrl-C is the parent's to handle
    report = lambda info: q.put(("game", worker_id, info))
    stats = play_games(cfg, out_dir, weights, generation, indices, report, worker_id)
    q.put(("done", worker_id, stats))


# ------------------------------------------------------------------------------ the pool
@dataclass
class SelfPlaySummary:
    """What a ``run_selfplay`` call did (also written as ``selfplay-gGGGG.json``)."""

    generation: int
    games: int = 0
    moves: int = 0
    positions: int = 0
    seconds: float = 0.0
    black_wins: int = 0
    resigned: int = 0
    resign_disabled: int = 0
    would_resign: int = 0
    false_resign: int = 0
    restarts: int = 0
    skipped: int = 0
    """games already written before this call"""
    batching: list[dict] = field(default_factory=list)

    def add(self, info: dict) -> None:
        """Count one finished game."""
        self.games += 1
        self.moves += info["moves"]
        self.positions += info["positions"]
        self.black_wins += info["winner"] == 1
        self.resigned += info["resigned"]
        self.resign_disabled += info["resign_disabled"]
        self.would_resign += info["would_resign"] != 0
        self.false_resign += info["false_resign"]

    @property
    def false_resign_rate(self) -> float:
        """False resignations among the played-out games that had a would-be resigner."""
        return self.false_resign / self.would_resign if self.would_resign else 0.0

    def to_dict(self) -> dict:
        """JSON-ready summary with the rates."""
        d = dict(self.__dict__)
        d["games_per_s"] = self.games / self.seconds if self.seconds else 0.0
        d["moves_per_s"] = self.moves / self.seconds if self.seconds else 0.0
        d["positions_per_s"] = self.positions / self.seconds if self.seconds else 0.0
        d["false_resign_rate"] = self.false_resign_rate
        return d


def run_selfplay(
    cfg: Config,
    out_dir: str | os.PathLike,
    weights: str | os.PathLike | None = None,
    generation: int = 0,
    *,
    first_index: int = 0,
    progress: bool = True,
    start_method: str = "spawn",
    ray_address: str | None = None,
    pool=None,
) -> SelfPlaySummary:
    """Play ``cfg.selfplay.games`` games into ``out_dir`` with ``cfg.selfplay.workers`` workers.

    Args:
        cfg: root config.
        out_dir: run folder (see the module docstring).
        weights: net to play with; default the run's generation-0 net (fresh, seeded by ``cfg.seed``).
        generation: generation tag of the games (file names, seeds).
        first_index: index of the first game (games are ``first_index .. first_index + games - 1``).
        progress: show a tqdm bar with games/s and moves/s on stderr.
        start_method: multiprocessing start method of the worker processes.
        ray_address: run the workers as Ray actors on this cluster (``"local"`` starts one here).
        pool: a ``ClusterPool`` (``selfplay/zero/cluster_loop.py``) whose actors play and send back the games.

    Returns:
        The summary; it is also written to ``out_dir/selfplay-gGGGG.json``.

    Raises:
        RuntimeError: if a worker keeps crashing (more than ``max_restarts`` times).
    """
    from tqdm import tqdm

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    weights = ensure_weights(cfg, out_dir, weights)
    indices = list(range(first_index, first_index + cfg.selfplay.games))
    done = finished(out_dir, generation, indices)
    todo = [i for i in indices if i not in done]
    summary = SelfPlaySummary(generation, skipped=len(done))
    t0 = time.perf_counter()
    bar = tqdm(total=len(todo), desc=f"self-play g{generation}", unit="game", disable=not progress, dynamic_ncols=True)

    reported: set[int] = set()

    def on_game(info: dict) -> None:
        if info["game"] in reported:
            return
        reported.add(info["game"])
        summary.add(info)
        dt = max(time.perf_counter() - t0, 1e-9)
        bar.set_postfix_str(f"{summary.games / dt:.2f} games/s, {summary.moves / dt:.1f} moves/s", refresh=False)
        bar.update(1)

    try:
        if not todo:
            pass
        elif pool is not None:
            summary.restarts = pool.selfplay(cfg, out_dir, weights, generation, todo, on_game, summary.batching)
        elif ray_address is not None:
            summary.restarts = _run_ray(cfg, out_dir, weights, generation, todo, on_game, summary.batching, ray_address)
        elif cfg.selfplay.workers == 0:
            summary.batching.append(play_games(cfg, out_dir, weights, generation, todo, on_game))
        else:
            summary.restarts = _run_processes(cfg, out_dir, weights, generation, todo, on_game, summary, start_method)
        for i in sorted(finished(out_dir, generation, todo) - reported):  # messages lost with a killed worker
            on_game(read_shard(out_dir / "shards" / shard_name(generation, i))["meta"])
    finally:
        bar.close()
    summary.seconds = time.perf_counter() - t0
    path = out_dir / f"selfplay-g{generation:04d}.json"
    path.write_text(json.dumps(summary.to_dict(), indent=2) + "\n")
    return summary


def split(indices: Sequence[int], parts: int) -> list[list[int]]:
    """Round-robin split of ``indices`` into at most ``parts`` non-empty lists."""
    groups = [list(indices[w::parts]) for w in range(parts)]
    return [g for g in groups if g]


def _run_processes(cfg, out_dir, weights, generation, todo, on_game, summary, start_method) -> int:
    """Run worker processes over ``todo``; restart crashed ones on their unfinished games."""
    ctx = mp.get_context(start_method)
    q = ctx.Queue()
    groups = split(todo, cfg.selfplay.workers)
    workers: dict[int, mp.Process] = {}
    restarts = {w: 0 for w in range(len(groups))}
    open_workers = set(range(len(groups)))

    def start(w: int, indices: list[int]) -> None:
        p = ctx.Process(
            target=_process_main,
            args=(cfg, str(out_dir), w, str(weights), generation, indices, q, procs.guard_args()),
            name=f"selfplay-{w}",
            daemon=True,
        )
        p.start()
        workers[w] = p

    for w, g in enumerate(groups):
        start(w, g)
    try:
        while open_workers:
            try:
                kind, w, payload = q.get(timeout=0.2)
                if kind == "game":
                    on_game(payload)
                else:
                    summary.batching.append(payload)
                    open_workers.discard(w)
                continue
            except queue_mod.Empty:
                pass
            for w in list(open_workers):
                p = workers[w]
                if p.is_alive() or p.exitcode is None:
                    continue
                p.join()
                left = [i for i in groups[w] if i not in finished(out_dir, generation, groups[w])]
                if p.exitcode == 0 or not left:
                    # a worker that exited cleanly put its "done" message before exiting; drain it next
                    if p.exitcode != 0:
                        open_workers.discard(w)
                    continue
                if restarts[w] >= cfg.selfplay.max_restarts:
                    raise RuntimeError(f"self-play worker {w} crashed {restarts[w] + 1} times; see {out_dir}/logs")
                restarts[w] += 1
                log.warning("worker %d died (exit code %s); restarting on %d games", w, p.exitcode, len(left))
                start(w, left)
    finally:  # also on Ctrl-C / SIGTERM (KeyboardInterrupt): finished games are on disk already
        procs.stop_processes(workers.values())
    return sum(restarts.values())


# ------------------------------------------------------------------------------ Ray
class SelfPlayActor:
    """The worker as a Ray actor: ``play(indices)`` plays and writes those games (shared file system)."""

    def __init__(self, cfg: Config, out_dir: str, weights: str, generation: int, worker_id: int, driver=None):
        from selfplay.cluster import watch_driver

        watch_driver(driver)  # ends with the driver, even one killed by SIGKILL
        self.args = (cfg, out_dir, weights, generation)
        self.worker_id = worker_id

    def play(self, indices: list[int]) -> tuple[list[dict], dict]:
        """Play ``indices``; returns the games' summaries and the batching stats."""
        infos: list[dict] = []
        cfg, out_dir, weights, generation = self.args
        stats = play_games(cfg, out_dir, weights, generation, indices, infos.append, self.worker_id)
        return infos, stats


def _run_ray(cfg, out_dir, weights, generation, todo, on_game, batching, address) -> int:
    """Run ``workers`` Ray actors over ``todo`` in chunks of K games; replace actors that die."""
    from selfplay.cluster import connect, driver_info, import_ray

    ray = import_ray()
    started_here = connect(address)
    driver = driver_info()
    remote_cls = ray.remote(num_cpus=1)(SelfPlayActor)
    n_workers = max(1, cfg.selfplay.workers)
    chunk = cfg.selfplay.games_per_worker_batch
    pending = [todo[i : i + chunk] for i in range(0, len(todo), chunk)]
    actors = {w: remote_cls.remote(cfg, str(out_dir), str(weights), generation, w, driver) for w in range(n_workers)}
    running: dict = {}
    restarts = 0
    try:
        while pending or running:
            for w in [w for w in actors if w not in running.values() and pending]:
                running[actors[w].play.remote(pending.pop(0))] = w
            ready, _ = ray.wait(list(running), num_returns=1)
            ref = ready[0]
            w = running.pop(ref)
            try:
                infos, stats = ray.get(ref)
            except ray.exceptions.RayError as e:
                restarts += 1
                if restarts > cfg.selfplay.max_restarts * n_workers:
                    raise RuntimeError(f"Ray self-play actors keep failing: {e}") from e
                log.warning("Ray actor %d failed (%s); replacing it", w, e)
                ray.kill(actors[w], no_restart=True)
                actors[w] = remote_cls.remote(cfg, str(out_dir), str(weights), generation, w, driver)
                continue  # its unfinished games are picked up from the files below
            for info in infos:
                on_game(info)
            batching.append(stats)
            if not pending and not running:
                left = [i for i in todo if i not in finished(out_dir, generation, todo)]
                pending = [left[i : i + chunk] for i in range(0, len(left), chunk)]
    finally:  # also on Ctrl-C / SIGTERM: the actors' finished games are on disk already
        for a in actors.values():
            ray.kill(a)
        if started_here:
            ray.shutdown()
    return restarts
