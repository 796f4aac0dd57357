"""``go-engine bench``: throughput measurements. ``bench playouts`` lives here; other modules add commands."""

import click


@click.group()
def bench():
    """Measure engine speed."""


@bench.command()
@click.option("--size", type=click.Choice(["9", "19"]), default="9", show_default=True, help="board size")
@click.option("--seconds", type=float, default=2.0, show_default=True, help="measuring time per round and side")
@click.option("--rounds", type=int, default=3, show_default=True, help="rounds; figures are medians over rounds")
@click.option("--startup/--no-startup", default=True, show_default=True, help="also time cold and warm start")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def playouts(size, seconds, rounds, startup, seed, as_json):
    """Random playouts per second from the empty board on one core, next to OpenSpiel's C++ Go."""
    from engine.bench.playouts import format_report, playout_report, to_json

    report = playout_report(int(size), seconds, rounds=rounds, startup=startup, seed=seed)
    click.echo(to_json(report) if as_json else format_report(report))
