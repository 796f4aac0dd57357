"""Self-play throughput: the compiled many-game engine (``engine.search.batch``) against the old path.

Vocabulary: a *leaf* is one position sent to the evaluator (the root's own evaluation included);
a *position* is one move played in a self-play game; ``net_share`` is the time spent inside
evaluator calls over the wall time (the calls overlap the other groups' search and, with
``lanes`` above 1, each other, so the share may pass 1). With a real net the same run also
times the bare forward pass at the engine's batch (what ``go-engine bench net`` measures), so ``leaves_per_second /
net_evals_per_second`` says how close self-play comes to the network's own speed. The *old path*
is today's ``MultiGameSearch`` over ``selfplay_game`` with ``make_batch_fn`` (threads, Python
encoding per leaf) under a null network, for side-by-side figures.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np

from engine.features import has_komi_plane, stored_set
from engine.search.batch import BatchSearchConfig, ManyGames, NullEvaluator, warm_up
from engine.search.batch_loop import lanes_of

NULL = "null"


def _model(net: str, size: int):
    """``(model, label)`` of a preset name (random weights) or a weights file."""
    from nets.checkpoint import load_weights
    from nets.factory import build_model
    from nets.presets import PRESETS, preset

    if net in PRESETS:
        import torch

        torch.manual_seed(0)
        return build_model(preset(net, board_size=size)).eval(), f"{net} (random weights)"
    if not Path(net).is_file():
        raise ValueError(f"--net must be 'null', a preset ({', '.join(sorted(PRESETS))}) or a weights file: {net}")
    model = load_weights(net).model.eval()
    if model.cfg.board_size != size:
        raise ValueError(f"{net} is a {model.cfg.board_size}x{model.cfg.board_size} net, not {size}x{size}")
    if stored_set(model.cfg.feature_set) != "agz17":
        raise ValueError(f"{net} reads {model.cfg.feature_set!r} planes; the compiled engine writes agz17(k)")
    return model, str(net)


def forward_rate(model, batch: int, device: str, half: bool, iters: int = 10, rounds: int = 3, net=None) -> float:
    """Evaluations/s of the bare forward pass at ``batch`` (``bench net``'s measurement), median of rounds.

    ``net``: the prepared forward pass to time (``nets.precision.prepare_net`` of ``model``) instead
    of ``model`` itself.
    """
    import torch

    from nets.factory import policy_value

    dev = torch.device(device)
    dtype = torch.float16 if half else torch.float32
    infer = net if net is not None else model.to(dev, dtype).eval()
    x = torch.rand(batch, model.cfg.in_planes, model.cfg.board_size, model.cfg.board_size, device=dev, dtype=dtype)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    rates = []
    for r in range(rounds + 1):
        t = time.perf_counter()
        with torch.inference_mode():
            for _ in range(iters):
                policy_value(infer, x)
        sync()
        if r:
            rates.append(batch * iters / (time.perf_counter() - t))
    return statistics.median(rates)


def selfplay_report(
    net: str,
    size: int,
    games: int,
    playouts: int,
    seconds: float,
    device: str = "cpu",
    half: bool = False,
    groups: int = 2,
    seed: int = 0,
    leaves: int = 1,
    threads: int = 1,
    precision: str = "auto",
) -> dict:
    """Play self-play games for ``seconds`` on ``games`` slots and measure (see the module docstring).

    ``leaves`` per game per step (above 1 under virtual loss): the same batch from fewer games.
    ``threads`` search threads step a group each (``max(groups, threads)`` groups). ``precision``:
    how a real net computes on the CPU (``nets.precision``; ``bench net``'s rate is of the same).
    """
    groups = max(groups, threads)
    if games < groups:
        raise ValueError(f"--games must be at least the groups ({groups})")
    model = None
    if net != NULL:
        import torch

        from nets.evaluator import TorchEvaluator

        torch.set_num_threads(1) if device == "cpu" else None
        model, label = _model(net, size)
    komi_plane = model is not None and has_komi_plane(model.cfg.feature_set)
    cfg = BatchSearchConfig(size=size, playouts=playouts, leaves_per_game=leaves, komi_plane=komi_plane)
    startup = warm_up(size)  # loads (or compiles) the kernels
    mg = ManyGames(cfg, games, groups=groups)
    batch = max(b - a for a, b in mg.groups) * cfg.leaves_per_game
    if model is None:
        evaluator, label = NullEvaluator(size * size + 1, batch), "null (uniform priors, value 0)"
    else:
        evaluator = TorchEvaluator(model, device, half, symmetries=True, seed=seed, precision=precision).evaluate_planes
    lengths: list[int] = []
    # the null net has nothing to overlap: with one thread its groups step in turn in this thread
    stats = mg.play(
        evaluator,
        10**9,
        seed_of=lambda i: seed * 1_000_003 + i + 1,
        seconds=seconds,
        on_game=lambda f: lengths.append(len(f.moves)),
        overlap=model is not None,
        threads=threads,
    )
    wall = stats.seconds
    mean_len = float(np.mean(lengths)) if lengths else float(cfg.move_cap)
    out = {
        "net": label,
        "size": size,
        "games": games,
        "groups": groups,
        "threads": threads,
        "lanes": lanes_of(evaluator),
        "leaves_per_game": leaves,
        "playouts": playouts,
        "batch": batch,
        "device": device,
        "seconds": wall,
        "startup_seconds": startup,
        "leaves": stats.leaves,
        "leaves_per_second": stats.leaves / wall,
        "positions_per_second": stats.moves / wall,
        "games_finished": stats.games,
        "mean_game_length": mean_len,
        "games_per_hour": 3600 * stats.moves / wall / mean_len,
        "games_per_hour_basis": "finished games' mean length" if lengths else "move cap (a lower bound)",
        "net_share": stats.net_seconds / wall,
        "mean_batch": float(np.mean(stats.batch_sizes)) if stats.batch_sizes else 0.0,
        "arena_bytes_per_game": (mg.arena_bytes() + mg.scratch_bytes()) / games,
    }
    if model is not None:
        torch_ev = evaluator.__self__
        rate = forward_rate(model, batch, device, half, net=torch_ev.net)
        out["precision"] = torch_ev.precision
        out["net_evals_per_second"] = rate
        out["evaluator_ms_per_call"] = torch_ev.profile.ms_per_call()
        out["selfplay_over_net"] = out["leaves_per_second"] / rate
    return out


def old_path_report(size: int, games: int, playouts: int, seconds: float, seed: int = 0) -> dict:
    """Leaves/s of today's path (``MultiGameSearch`` + ``selfplay_game`` + ``make_batch_fn``), null net."""
    from engine.config import BoardConfig, MCTSConfig
    from nets.config import NetConfig
    from selfplay.config import Config, SelfPlayConfig
    from selfplay.game import selfplay_game
    from selfplay.zero.models import make_batch_fn

    class _Stop(Exception):
        pass

    class NullNet:
        cfg = NetConfig(board_size=size)
        feature_set = "agz17"

        def evaluate_planes(self, planes, legal):
            if time.perf_counter() > deadline:
                raise _Stop
            return np.ones(legal.shape, np.float32), np.zeros(len(legal), np.float32)

    from engine.search.multi import MultiGameSearch

    cfg = Config(
        board=BoardConfig(size=size, komi=7.5),
        mcts=MCTSConfig(num_simulations=playouts, batch_size=8, resign_threshold=0),
        net=NetConfig(board_size=size),
        selfplay=SelfPlayConfig(games_per_worker_batch=games),
    )
    for budget in (0.5, seconds):  # the first round compiles or loads the kernels
        search = MultiGameSearch(make_batch_fn({None: NullNet()}), games)
        t0 = time.perf_counter()
        deadline = t0 + budget
        try:
            search.run(10**6, lambda i, make_eval: selfplay_game(cfg, make_eval(), seed + i))
        except (_Stop, RuntimeError):
            pass
        wall = time.perf_counter() - t0
    return {"games": games, "playouts": playouts, "size": size, "leaves_per_second": search.stats.leaves / wall}
