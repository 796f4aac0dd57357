"""``go-engine bench mcts``: options in, ``engine.bench.mcts.run_bench`` called, its report printed."""

from __future__ import annotations

import json

import click


@click.command("mcts")
@click.option("--size", type=click.Choice(["9", "19"]), default="9", help="board size")
@click.option("--seconds", type=float, default=15.0, show_default=True, help="total measuring time")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def mcts(size: str, seconds: float, as_json: bool):
    """MCTS playouts/s (tree + random rollouts, one core) vs bare random playouts and OpenSpiel."""
    from engine.bench.mcts import format_report, run_bench

    res = run_bench(int(size), seconds)
    click.echo(json.dumps(res) if as_json else "\n".join(format_report(res)))
