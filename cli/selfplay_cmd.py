"""``go-engine selfplay``: play self-play games into a run folder (SGF + training shards).

Options -> ``selfplay.config.Config`` -> ``selfplay.zero.worker.run_selfplay``. See docs/zero.md.
"""

from __future__ import annotations

import json
import multiprocessing as mp
from dataclasses import replace

import click

from cli.zero_cmd import common_options, config_from_options


@click.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True, help="run folder")
@click.option("--games", type=click.IntRange(min=1), default=16, show_default=True)
@click.option("--weights", type=click.Path(dir_okay=False, exists=True), help="net (safetensors); default: fresh")
@click.option("--generation", type=click.IntRange(min=0), default=0, show_default=True, help="tag of the games")
@click.option(
    "--rollout-player", is_flag=True, help="play with the no-network search (heavy rollouts) instead of a net"
)
@click.option("--ray-address", help="run workers as Ray actors on this cluster ('local' starts one)")
@common_options
def selfplay(out_dir, weights, generation, rollout_player, ray_address, **options):
    """Play self-play games with a network (fresh when no --weights) and write SGF + training shards."""
    from selfplay.cluster import RayConnectError
    from selfplay.config import save_config
    from selfplay.zero.models import ROLLOUT_PLAYER
    from selfplay.zero.worker import run_selfplay

    mp.set_start_method("spawn", force=True)
    cfg = config_from_options(options)
    if rollout_player:
        weights = ROLLOUT_PLAYER
    elif weights is not None:  # a bad net is the user's to fix: say so here, not as crashed workers
        from nets.checkpoint import load_weights

        cfg = replace(cfg, net=load_weights(weights).config)  # the net's own planes (agz17 or agz17k)
    save_config(f"{out_dir}/config.json", cfg)
    try:
        summary = run_selfplay(cfg, out_dir, weights, generation, ray_address=ray_address)
    except RayConnectError as e:
        raise click.ClickException(str(e)) from None
    d = summary.to_dict()
    d.pop("batching")
    click.echo(json.dumps(d, indent=2))
