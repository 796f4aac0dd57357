"""``go-engine bench net``, ``bench rollouts``, ``bench lee-nets`` and ``bench player``: options in, report printed.

Each command makes one ``selfplay.bench.nets`` (or ``selfplay.bench.player``) call; the vocabulary and the
method are there.
"""

from __future__ import annotations

import json

import click

from selfplay.bench.nets import RESNETS


def _precision_list(ctx, param, value: str) -> tuple[str, ...]:
    """``--precision fp32,bf16,int8`` -> the names, each checked."""
    from nets.precision import CHOICES

    names = tuple(v.strip() for v in value.split(",") if v.strip())
    bad = [v for v in names if v not in CHOICES]
    if bad or not names:
        raise click.BadParameter(f"unknown precision {', '.join(bad) or repr(value)}; choose from {', '.join(CHOICES)}")
    return names


def _echo(report: dict, as_json: bool, lines: list[str]) -> None:
    click.echo(json.dumps(report) if as_json else "\n".join(lines))


@click.command()
@click.option("--preset", "preset_name", type=click.Choice(RESNETS), default="b10c128", show_default=True)
@click.option("--size", type=click.IntRange(2, 19), default=9, show_default=True)
@click.option("--batch", type=click.IntRange(min=1), default=256, show_default=True)
@click.option("--device", default="cpu", show_default=True, help="torch device: cpu, cuda, cuda:1")
@click.option("--half", is_flag=True, help="float16 inference (CUDA)")
@click.option(
    "--precision",
    "precisions",
    default="fp32",
    show_default=True,
    callback=_precision_list,
    help="CPU inference precisions to time side by side, comma-separated: fp32,bf16,int8,auto",
)
@click.option("--weights", type=click.Path(dir_okay=False, exists=True), help="time this net (default: random weights)")
@click.option("--threads", type=click.IntRange(min=1), help="torch threads (default: torch's choice)")
@click.option("--train/--no-train", default=True, show_default=True, help="also time training steps")
@click.option("--iters", type=click.IntRange(min=1), default=20, show_default=True, help="batches per round")
@click.option("--rounds", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def net(preset_name, size, batch, device, half, precisions, weights, threads, train, iters, rounds, as_json):
    """Network evaluations/s and training samples/s at one batch size (random weights unless --weights)."""
    if threads:
        import torch

        torch.set_num_threads(threads)
    from selfplay.bench.nets import format_net, net_report

    r = net_report(preset_name, size, batch, device, half, iters, rounds, precisions, weights, train)
    _echo(r, as_json, format_net(r, rounds, len(precisions) > 1, train))


@click.command()
@click.option("--size", type=click.IntRange(2, 19), default=19, show_default=True)
@click.option("--count", type=click.IntRange(min=1), default=300, show_default=True, help="rollouts per round")
@click.option("--rounds", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--policy", "policy_path", type=click.Path(exists=True, dir_okay=False), help="train rollout output")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def rollouts(size, count, rounds, policy_path, seed, as_json):
    """AlphaGo Lee pattern rollouts per second from the empty board, one core."""
    from selfplay.bench.nets import format_rollouts, rollout_report

    r = rollout_report(size, count, rounds, policy_path, seed)
    _echo(r, as_json, format_rollouts(r, count, rounds))


@click.command("lee-nets")
@click.option("--weights", type=click.Path(exists=True, file_okay=False), help="Lee folder (default: shipped 9x9)")
@click.option("--batch", type=click.IntRange(min=1), default=8, show_default=True, help="the search's --net-batch")
@click.option("--iters", type=click.IntRange(min=1), default=50, show_default=True, help="batches per round")
@click.option("--rounds", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--precision", "precisions", default="fp32", callback=_precision_list, help="also time these: bf16,int8")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def lee_nets(weights, batch, iters, rounds, precisions, as_json):
    """Lee SL and value net positions/s on one CPU thread, plain and frozen (what the search runs)."""
    from selfplay.bench.nets import format_lee_nets, lee_nets_report

    r = lee_nets_report(weights, batch, iters, rounds, precisions)
    _echo(r, as_json, format_lee_nets(r, rounds))


@click.command("player")
@click.option("--size", type=click.IntRange(2, 19), default=9, show_default=True)
@click.option("--seconds", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True, help="a move")
@click.option("--moves", type=click.IntRange(min=1), default=8, show_default=True, help="positions searched")
@click.option("--precision", "precisions", default="auto", callback=_precision_list, help="side by side: fp32,int8")
@click.option("--weights", type=click.Path(dir_okay=False, exists=True), help="a net (default: the shipped one)")
@click.option("--lam", type=click.FloatRange(0, 1), help="weight of a rollout in the leaf value (default: shipped)")
@click.option("--batch", "batch_size", type=click.IntRange(min=1), help="leaves a net call (default: shipped)")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def player(size, seconds, moves, precisions, weights, lam, batch_size, seed, as_json):
    """The GTP player's playouts a second under a clock (the shipped net with rollouts, one thread)."""
    from selfplay.bench.player import format_player, player_report

    r = player_report(size, seconds, moves, precisions, weights, seed, lam=lam, batch_size=batch_size)
    _echo(r, as_json, format_player(r).splitlines())
