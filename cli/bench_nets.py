"""``go-engine bench net`` and ``go-engine bench rollouts``: network and pattern-rollout throughput.

Vocabulary: an *evaluation* is one position through the network's forward pass, counted in
batches of ``--batch`` (what the batched search and self-play send); a *training sample* is one
position through forward, backward and an optimiser step (the AlphaGo Zero loss, SGD with
momentum, bfloat16 autocast on CUDA as in ``go-engine train zero``); a *rollout* is one game played
to the end from the empty board by the AlphaGo Lee linear pattern policy
(``engine.rollout.policy.RolloutPolicy``). Every figure is the median of ``--rounds`` timed rounds
after one warm-up round; inputs are random planes (speed does not depend on their values).
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import click

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


def net_report(preset_name: str, size: int, batch: int, device: str, half: bool, iters: int, rounds: int) -> dict:
    """Evaluations/s and training samples/s of a preset net (random weights, random planes)."""
    import torch

    from nets.factory import build_model, count_parameters, policy_value
    from nets.presets import preset
    from selfplay.zero.train import zero_loss

    dev = torch.device(device)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    cfg = preset(preset_name, board_size=size)
    model = build_model(cfg).to(dev)
    x = torch.rand(batch, cfg.in_planes, size, size, device=dev)
    dtype = torch.float16 if half else torch.float32
    infer = build_model(cfg).to(dev, dtype).eval()
    xi = x.to(dtype)

    def forward():
        with torch.inference_mode():
            for _ in range(iters):
                policy_value(infer, xi)
            sync()

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

    evals, eval_rounds = _median_rate(forward, batch * iters, rounds)
    samples, train_rounds = _median_rate(train_steps, batch * iters, rounds)
    return {
        "preset": preset_name,
        "size": size,
        "parameters": count_parameters(model),
        "batch": batch,
        "device": str(dev) + (f" ({torch.cuda.get_device_name(dev)})" if dev.type == "cuda" else ""),
        "inference_dtype": str(dtype).replace("torch.", ""),
        "torch_threads": torch.get_num_threads(),
        "evals_per_s": evals,
        "evals_per_s_rounds": eval_rounds,
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


def lee_nets_report(folder: str | None, batch: int, iters: int, rounds: int) -> dict:
    """Positions/s of a Lee folder's SL and value nets on one CPU thread, plain and frozen.

    ``folder`` None: the shipped 9x9 folder. "Frozen" is what the search runs
    (``nets.lee_player.frozen_for_cpu``).
    """
    import torch

    from nets.checkpoint import load_weights
    from nets.lee_player import SL_FILE, VALUE_FILE, frozen_for_cpu
    from nets.weights import shipped_lee

    path = Path(folder) if folder else shipped_lee()[9][0]
    torch.set_num_threads(1)
    out = {"folder": str(path), "batch": batch, "torch_threads": 1}
    for name, file in (("sl", SL_FILE), ("value", VALUE_FILE)):
        if not (path / file).is_file():
            continue
        net = load_weights(path / file).model.eval()
        cfg = net.cfg
        x = torch.rand(batch, cfg.in_planes, cfg.board_size, cfg.board_size)
        for kind, run in (("plain", net), ("frozen", frozen_for_cpu(net))):

            def work(run=run, x=x):
                with torch.inference_mode():
                    for _ in range(iters):
                        run(x)

            rate, all_rounds = _median_rate(work, batch * iters, rounds)
            out[f"{name}_{kind}_per_s"], out[f"{name}_{kind}_rounds"] = rate, all_rounds
        out[f"{name}_shape"] = f"{cfg.blocks} x {cfg.filters}, {cfg.board_size}x{cfg.board_size}"
    return out


def _echo(report: dict, as_json: bool, lines: list[str]) -> None:
    click.echo(json.dumps(report) if as_json else "\n".join(lines))


@click.command()
@click.option("--preset", "preset_name", type=click.Choice(RESNETS), default="b10c128", show_default=True)
@click.option("--size", type=click.IntRange(2, 19), default=9, show_default=True)
@click.option("--batch", type=click.IntRange(min=1), default=256, show_default=True)
@click.option("--device", default="cpu", show_default=True, help="torch device: cpu, cuda, cuda:1")
@click.option("--half", is_flag=True, help="float16 inference (CUDA)")
@click.option("--iters", type=click.IntRange(min=1), default=20, show_default=True, help="batches per round")
@click.option("--rounds", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def net(preset_name, size, batch, device, half, iters, rounds, as_json):
    """Network evaluations/s and training samples/s at one batch size (random weights)."""
    r = net_report(preset_name, size, batch, device, half, iters, rounds)
    _echo(
        r,
        as_json,
        [
            f"{r['preset']} on {size}x{size} ({r['parameters']:,} parameters), batch {batch}, {r['device']}",
            f"evaluations/s ({r['inference_dtype']}): {r['evals_per_s']:,.0f} (median of {rounds})",
            f"training samples/s: {r['train_samples_per_s']:,.0f} (median of {rounds})",
        ],
    )


@click.command()
@click.option("--size", type=click.IntRange(2, 19), default=19, show_default=True)
@click.option("--count", type=click.IntRange(min=1), default=300, show_default=True, help="rollouts per round")
@click.option("--rounds", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--policy", "policy_path", type=click.Path(exists=True, dir_okay=False), help="train rollout output")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def rollouts(size, count, rounds, policy_path, seed, as_json):
    """AlphaGo Lee pattern rollouts per second from the empty board, one core."""
    r = rollout_report(size, count, rounds, policy_path, seed)
    _echo(
        r,
        as_json,
        [
            f"pattern rollouts on {size}x{size}, policy {r['policy']}",
            f"rollouts/s: {r['rollouts_per_s']:,.0f} (median of {rounds} x {count}; "
            f"{r['moves_per_rollout']:.0f} moves a rollout)",
        ],
    )


@click.command("lee-nets")
@click.option("--weights", type=click.Path(exists=True, file_okay=False), help="Lee folder (default: shipped 9x9)")
@click.option("--batch", type=click.IntRange(min=1), default=8, show_default=True, help="the search's --net-batch")
@click.option("--iters", type=click.IntRange(min=1), default=50, show_default=True, help="batches per round")
@click.option("--rounds", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def lee_nets(weights, batch, iters, rounds, as_json):
    """Lee SL and value net positions/s on one CPU thread, plain and frozen (what the search runs)."""
    r = lee_nets_report(weights, batch, iters, rounds)
    lines = [f"{r['folder']}, batch {batch}, one thread (median of {rounds})"]
    for name in ("sl", "value"):
        if f"{name}_shape" in r:
            plain, frozen = r[f"{name}_plain_per_s"], r[f"{name}_frozen_per_s"]
            lines.append(
                f"{name} net ({r[f'{name}_shape']}): {plain:,.0f} positions/s plain ({1e3 / plain:.3f} ms), "
                f"{frozen:,.0f} frozen ({1e3 / frozen:.3f} ms)"
            )
    _echo(r, as_json, lines)
