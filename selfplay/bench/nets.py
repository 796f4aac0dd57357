"""Measurements behind ``go-engine bench net``, ``bench rollouts`` and ``bench lee-nets``.

Vocabulary: an *evaluation* is one position through the network's forward pass, counted in
batches of ``--batch`` (what the batched search and self-play send); a *training sample* is one
position through forward, backward and an optimiser step (the AlphaGo Zero loss, SGD with
momentum, bfloat16 autocast on CUDA as in ``go-engine train zero``); a *rollout* is one game played
to the end from the empty board by the AlphaGo Lee linear pattern policy
(``engine.rollout.policy.RolloutPolicy``). Every figure is the median of ``--rounds`` timed rounds
after one warm-up round; inputs are random planes (speed does not depend on their values).
With several ``--precision`` names (``nets.precision``) the evaluations of each are timed in
alternating rounds, so that a busy machine slows them alike, and reported with their ratio to fp32.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from nets.presets import PRESETS

RESNETS = [name for name, cfg in PRESETS.items() if cfg.kind == "resnet"]
"""the presets ``bench net`` measures: AlphaGo Zero policy-value nets"""


def _median_rate(work, count: int, rounds: int) -> tuple[float, list[float]]:
    """``count / seconds`` of ``work()`` per round, after one warm-up call; (median, all rounds)."""
    work()
    rates = []
    for _ in range(rounds):
        t = time.perf_counter()
        work()
        rates.append(count / (time.perf_counter() - t))
    return statistics.median(rates), rates


def _alternating_rates(works: dict, count: int, rounds: int) -> dict[str, list[float]]:
    """``count / seconds`` of each ``works[name]()`` per round, the names taking turns; one warm-up each."""
    for work in works.values():
        work()
    rates: dict[str, list[float]] = {name: [] for name in works}
    for _ in range(rounds):
        for name, work in works.items():
            t = time.perf_counter()
            work()
            rates[name].append(count / (time.perf_counter() - t))
    return rates


def net_report(
    preset_name: str,
    size: int,
    batch: int,
    device: str,
    half: bool,
    iters: int,
    rounds: int,
    precisions: tuple[str, ...] = ("fp32",),
    weights: str | None = None,
    train: bool = True,
) -> dict:
    """Evaluations/s (per precision) and training samples/s of a preset net (random planes).

    ``weights``: a net file to time instead of the preset with random weights. The first of
    ``precisions`` gives ``evals_per_s``; ``precisions`` holds each one's rate and ratio to fp32.
    """
    import torch

    from nets.checkpoint import load_weights
    from nets.factory import build_model, count_parameters, policy_value
    from nets.precision import prepare_net, resolve_precision
    from nets.presets import preset
    from selfplay.zero.train import zero_loss

    dev = torch.device(device)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    cfg = load_weights(weights).model.cfg if weights else preset(preset_name, board_size=size)
    size = cfg.board_size
    model = build_model(cfg).to(dev)
    x = torch.rand(batch, cfg.in_planes, size, size, device=dev)
    dtype = torch.float16 if half else torch.float32
    infer = (load_weights(weights).model if weights else build_model(cfg)).to(dev, dtype).eval()
    xi = x.to(dtype)
    nets = {p: prepare_net(infer, resolve_precision(p, dev)) for p in dict.fromkeys(precisions)}

    def forward(net):
        with torch.inference_mode():
            for _ in range(iters):
                policy_value(net, xi)
            sync()

    eval_rates = _alternating_rates({p: (lambda n=n: forward(n)) for p, n in nets.items()}, batch * iters, rounds)
    medians = {p: statistics.median(r) for p, r in eval_rates.items()}

    pi = torch.softmax(torch.rand(batch, cfg.n_actions, device=dev), dim=1)
    z = torch.rand(batch, device=dev) * 2 - 1
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)

    def train_steps():
        for _ in range(iters):
            with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=dev.type == "cuda"):
                logits, values = policy_value(model, x)
            loss = zero_loss(logits, values.reshape(-1), pi, z, list(model.parameters()))
            opt.zero_grad(set_to_none=True)
            loss.total.backward()
            opt.step()
        sync()

    first = next(iter(nets))
    samples, train_rounds = _median_rate(train_steps, batch * iters, rounds) if train else (None, [])
    return {
        "preset": weights or preset_name,
        "size": size,
        "parameters": count_parameters(model),
        "batch": batch,
        "device": str(dev) + (f" ({torch.cuda.get_device_name(dev)})" if dev.type == "cuda" else ""),
        "inference_dtype": str(dtype).replace("torch.", ""),
        "torch_threads": torch.get_num_threads(),
        "evals_per_s": medians[first],
        "evals_per_s_rounds": eval_rates[first],
        "precisions": {
            p: {
                "runs": getattr(n, "precision", "fp32"),
                "evals_per_s": medians[p],
                "rounds": eval_rates[p],
                "ratio_to_fp32": medians[p] / medians["fp32"] if "fp32" in medians else None,
            }
            for p, n in nets.items()
        },
        "train_samples_per_s": samples,
        "train_samples_per_s_rounds": train_rounds,
    }


def rollout_report(size: int, count: int, rounds: int, policy_path: str | None, seed: int) -> dict:
    """Pattern-policy rollouts per second from the empty board, one core."""
    from engine.board import Board
    from engine.rollout.policy import RolloutPolicy, seed_rng

    if policy_path:
        from selfplay.expert_data import load_rollout_policy

        policy = load_rollout_policy(policy_path)
    else:
        policy = RolloutPolicy()
    rng, board, moves = seed_rng(seed), Board(size), []

    def work():
        moves.append(policy.rollouts(board, count, rng)[2])

    rate, all_rounds = _median_rate(work, count, rounds)
    return {
        "size": size,
        "policy": policy_path or "untrained (all weights 0)",
        "rollouts_per_s": rate,
        "rollouts_per_s_rounds": all_rounds,
        "moves_per_rollout": statistics.median(moves) / count,
    }


def lee_nets_report(folder: str | None, batch: int, iters: int, rounds: int, precisions: tuple[str, ...] = ()) -> dict:
    """Positions/s of a Lee folder's SL and value nets on one CPU thread, plain, frozen and per precision.

    ``folder`` None: the shipped 9x9 folder. "Frozen" is what the search runs at fp32
    (``nets.lee_player.frozen_for_cpu``); ``precisions`` other than fp32 add ``bf16``/``int8``
    kinds (``nets.precision``, int8 calibrated on the SL net's own games); the kinds alternate.
    """
    import torch

    from nets.checkpoint import load_weights
    from nets.lee_player import SL_FILE, VALUE_FILE, frozen_for_cpu, prepare_lee_nets
    from nets.precision import resolve_precision
    from nets.weights import shipped_lee

    path = Path(folder) if folder else shipped_lee()[9][0]
    torch.set_num_threads(1)
    out = {"folder": str(path), "batch": batch, "torch_threads": 1}
    nets = {name: load_weights(path / file).model.eval() for name, file in (("sl", SL_FILE), ("value", VALUE_FILE))
            if (path / file).is_file()}  # fmt: skip
    kinds = {name: {"plain": net, "frozen": frozen_for_cpu(net)} for name, net in nets.items()}
    for p in dict.fromkeys(resolve_precision(p) for p in precisions if p != "fp32"):
        if p != "fp32":
            fast = prepare_lee_nets(nets["sl"], nets.get("value"), p)
            for name, run in zip(("sl", "value"), fast, strict=True):
                if run is not None:
                    kinds[name][p] = run
    works = {}
    for name, net in nets.items():
        cfg = net.cfg
        x = torch.rand(batch, cfg.in_planes, cfg.board_size, cfg.board_size)
        out[f"{name}_shape"] = f"{cfg.blocks} x {cfg.filters}, {cfg.board_size}x{cfg.board_size}"
        for kind, run in kinds[name].items():

            def work(run=run, x=x):
                with torch.inference_mode():
                    for _ in range(iters):
                        run(x)

            works[f"{name}_{kind}"] = work
    for key, rates in _alternating_rates(works, batch * iters, rounds).items():
        out[f"{key}_per_s"], out[f"{key}_rounds"] = statistics.median(rates), rates
    out["kinds"] = list(next(iter(kinds.values()), {}))
    return out


def format_net(r: dict, rounds: int, several: bool, train: bool) -> list[str]:
    """The lines ``go-engine bench net`` prints (``several``: more than one precision timed)."""
    n = r["size"]
    lines = [
        f"{r['preset']} on {n}x{n} ({r['parameters']:,} parameters), batch {r['batch']}, {r['device']}, "
        f"{r['torch_threads']} torch thread(s)",
        f"evaluations/s (median of {rounds}" + (", precisions alternating):" if several else "):"),
    ]
    for name, p in r["precisions"].items():
        ran = f" (ran {p['runs']})" if p["runs"] != name else ""
        ratio = f"  {p['ratio_to_fp32']:.2f}x fp32" if p["ratio_to_fp32"] else ""
        lines.append(f"  {name:5s} {p['evals_per_s']:>9,.0f}{ratio}{ran}")
    if train:
        lines.append(f"training samples/s: {r['train_samples_per_s']:,.0f} (median of {rounds})")
    return lines


def format_rollouts(r: dict, count: int, rounds: int) -> list[str]:
    """The lines ``go-engine bench rollouts`` prints."""
    size = r["size"]
    return [
        f"pattern rollouts on {size}x{size}, policy {r['policy']}",
        f"rollouts/s: {r['rollouts_per_s']:,.0f} (median of {rounds} x {count}; "
        f"{r['moves_per_rollout']:.0f} moves a rollout)",
    ]


def format_lee_nets(r: dict, rounds: int) -> list[str]:
    """The lines ``go-engine bench lee-nets`` prints."""
    lines = [f"{r['folder']}, batch {r['batch']}, one thread (median of {rounds})"]
    for name in ("sl", "value"):
        if f"{name}_shape" in r:
            rates = [(kind, r[f"{name}_{kind}_per_s"]) for kind in r["kinds"] if f"{name}_{kind}_per_s" in r]
            each = ", ".join(f"{v:,.0f} {kind} ({1e3 / v:.3f} ms)" for kind, v in rates)
            lines.append(f"{name} net ({r[f'{name}_shape']}), positions/s: {each}")
    return lines
