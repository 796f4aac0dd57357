"""``go-engine bench selfplay``: self-play throughput of the compiled many-game engine.

See ``selfplay/zero/bench.py`` for what is measured and the vocabulary.
"""

from __future__ import annotations

import json

import click

from cli import options as opt


@click.command()
@click.option("--net", default="null", show_default=True, help="null, a preset name (random weights) or a weights file")
@click.option("--size", type=click.IntRange(2, 19), default=9, show_default=True)
@click.option("--games", type=click.IntRange(min=2), default=256, show_default=True, help="games at once (K)")
@click.option("--playouts", type=click.IntRange(min=1), default=100, show_default=True, help="simulations a move")
@click.option("--device", default="cpu", show_default=True, help="torch device of a real net")
@click.option("--half", is_flag=True, help="float16 inference (CUDA)")
@click.option("--seconds", type=float, default=10.0, show_default=True, help="measuring time")
@click.option("--leaves", type=click.IntRange(min=1), default=1, show_default=True, help="leaves a game a step")
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="search threads, each stepping its own group of the games (a fast GPU needs several)",
)
@click.option("--old-path", is_flag=True, help="also time today's threaded path (null net) for the same time")
@click.option("--old-games", type=click.IntRange(min=1), default=16, show_default=True, help="K of the old path")
@click.option("--seed", type=int, default=0, show_default=True)
@opt.precision("how a real net computes on the CPU (bench net is timed the same way)")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def selfplay(
    net, size, games, playouts, device, half, seconds, leaves, threads, old_path, old_games, seed, precision, as_json
):
    """Leaves/s, positions/s, games/hour and the network's share of self-play on the compiled engine."""
    from selfplay.zero.bench import old_path_report, selfplay_report

    try:
        r = selfplay_report(
            net,
            size,
            games,
            playouts,
            seconds,
            device,
            half,
            seed=seed,
            leaves=leaves,
            threads=threads,
            precision=precision,
        )
    except ValueError as e:
        raise click.UsageError(str(e)) from None
    if old_path:
        old = old_path_report(size, old_games, playouts, seconds, seed)
        r["old_path_games"] = old_games
        r["old_path_leaves_per_second"] = old["leaves_per_second"]
    if as_json:
        click.echo(json.dumps(r))
        return
    lines = [
        f"{r['net']} on {size}x{size}, {games} games at once in {r['groups']} groups (batch {r['batch']}, "
        f"{threads} search thread{'s' * (threads > 1)}), "
        f"{playouts} playouts, {r['seconds']:.1f} s (kernels ready in {r['startup_seconds']:.1f} s)",
        f"leaves/s: {r['leaves_per_second']:,.0f}",
        f"positions/s: {r['positions_per_second']:,.1f}",
        f"games/hour: {r['games_per_hour']:,.0f} ({r['games_finished']} finished; length from "
        f"{r['games_per_hour_basis']}, {r['mean_game_length']:.0f} moves)",
        f"net share: {r['net_share']:.0%}",
        f"arena: {r['arena_bytes_per_game'] / 1024:,.0f} KiB a game",
    ]
    if "net_evals_per_second" in r:
        lines.append(
            f"bench net at batch {r['batch']} ({r['precision']}): {r['net_evals_per_second']:,.0f} evaluations/s; "
            f"self-play reaches {r['selfplay_over_net']:.0%} of it"
        )
        ms = r["evaluator_ms_per_call"]
        lines.append(
            f"evaluator call ({r['lanes']} at a time): {ms['prepare']:.2f} ms prepare, "
            f"{ms['compute']:.2f} ms compute, {ms['wait']:.2f} ms wait"
        )
    if old_path:
        lines.append(f"old path ({old_games} games, threads): {r['old_path_leaves_per_second']:,.0f} leaves/s")
    click.echo("\n".join(lines))
