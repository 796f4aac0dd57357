"""``go-engine zero``: the AlphaGo Zero loop (self-play, training, gated evaluation, ratings).

Also the option set shared by ``selfplay``, ``train zero`` and ``zero`` (``common_options``) and
its translation into the root ``Config`` (``config_from_options``). See docs/zero.md.
"""

from __future__ import annotations

import multiprocessing as mp
from dataclasses import fields

import click

from cli import options as opt
from cli.config_option import Key, command_config, config_option_with, keyed
from selfplay.config import Config, SelfPlayConfig, usable_cores

CPUS = min(usable_cores(), 16)
"""default worker processes: the cores this process may run on (at most 16)"""

common_options = opt.group(
    opt.size(9),
    opt.komi(7.5),
    click.option("--preset", "--net-preset", "net_preset", default="b6c64", show_default=True, help="net preset"),
    opt.counted("--playouts", default=100, least=1, help="per move"),
    opt.counted(
        "--batch-size", "leaf_batch", default=8, least=1, help="leaves per game per network call (virtual loss)"
    ),
    opt.counted("--workers", default=CPUS, help="0 = in-process; default: this machine's cores"),
    opt.counted("--games-per-worker-batch", default=256, least=1, help="games a worker plays at once (K)"),
    opt.counted(
        "--search-threads",
        default=1,
        least=1,
        help="search threads per worker, each with its own group of its games (a GPU needs several)",
    ),
    opt.counted("--temperature-moves", default=8),
    opt.counted(
        "--komi-spread",
        default=0,
        help="each game's komi: --komi plus a uniform whole number of points in +-this (nets with a komi plane)",
    ),
    opt.fraction("--resign-threshold", default=0.05),
    opt.fraction("--resign-disabled-frac", default=0.1),
    click.option(
        "--playout-cap/--no-playout-cap",
        default=True,
        show_default=True,
        help="KataGo's playout-cap randomisation: a quarter of the moves get the full search and become samples",
    ),
    opt.device("torch device (workers and trainer)"),
    opt.precision(
        "CPU inference of the self-play and evaluation nets; auto = int8 where torch can quantize, else fp32"
    ),
    config_option_with("config.json to start from (options given override it)"),
    opt.seed(),
)
"""the self-play and net options that ``selfplay`` and ``zero`` share"""


SELFPLAY_KEYS: dict[str, Key] = {
    **{f.name: f"selfplay.{f.name}" for f in fields(SelfPlayConfig)},
    "size": "board.size",
    "komi": "board.komi",
    "playouts": "mcts.num_simulations",
    "leaf_batch": "mcts.batch_size",
    "device": ("selfplay.device", "train.device"),
    "seed": "seed",
}
"""where each of ``common_options`` (and ``selfplay --games``) goes in the root ``Config``"""

ZERO_KEYS: dict[str, Key] = {
    **SELFPLAY_KEYS,
    "playouts": ("mcts.num_simulations", "eval.playouts"),
    "hours": "hours",
    "max_generations": "max_generations",
    "steps_per_generation": lambda n: {"train_steps_per_generation": n, "train.steps": 100 * n},
    "train_batch": "train.batch_size",
    "eval_games": "eval.games",
    **{name: f"eval.{name}" for name in ("anchor_games", "gating", "gnugo", "gnugo_komi", "gnugo_colors")},
}
"""``SELFPLAY_KEYS`` and the loop's own options (budget, training, evaluation)"""


def config_from_options(options: dict, table: dict[str, Key] = SELFPLAY_KEYS) -> Config:
    """The root ``Config``: ``--config`` (or the defaults), then the options over it (``cli.config_option``).

    ``table`` says where each option goes; ``--preset`` (a whole net section) and ``--size`` (the
    board's and the net's) are translated here.
    """
    from selfplay.config import load_config

    def keys(applied: dict, start: Config) -> dict:
        out = keyed(applied, table)
        if "net_preset" in applied:
            from nets.presets import preset

            out["net"] = preset(applied["net_preset"], board_size=applied.get("size", start.board.size))
        elif "size" in applied:
            out["net.board_size"] = applied["size"]
        return out

    return command_config(Config, options, keys, load=load_config)


@click.command()
@click.option("--run", "run_dir", type=click.Path(file_okay=False), required=True, help="run folder")
@opt.shown("--hours", type=click.FloatRange(min=0, min_open=True), default=1.0)
@click.option("--generations", "max_generations", type=click.IntRange(min=0), default=0, help="0 = until --hours")
@opt.counted("--games", default=512, least=1, help="self-play games per gen")
@opt.counted("--steps-per-generation", default=300, least=1)
@opt.counted("--train-batch", default=256, least=1)
@opt.counted("--eval-games", default=10, help="games of each new net against the previous best")
@opt.counted("--anchor-games", default=10, help="games of each new best against the no-network search")
@click.option(
    "--gating/--no-gating", default=False, show_default=True, help="AlphaGo Zero 55%% gate / AlphaZero (no gate)"
)
@opt.counted(
    "--bootstrap-games",
    default=1200,
    help="generation 0 played by the no-network search (expert iteration start); 0 = by the fresh net",
)
@opt.counted("--bootstrap-playouts", default=400, help="0 = --playouts")
@click.option(
    "--init",
    type=click.Path(dir_okay=False, exists=True),
    help="generation 0 of a new run: these weights (widened if the run's net adds input planes, e.g. the komi plane)",
)
@click.option("--gnugo", help="GNU Go command line: also rate each new best against it (GTP)")
@click.option("--gnugo-komi", type=float, help="komi of the GNU Go games (default --komi; -7.5: the reverse-komi rung)")
@opt.choice(
    "--gnugo-colors",
    words=["alternate", "a-white", "a-black"],
    default="alternate",
    help="a-white: the net is always White (the reverse-komi ladder)",
)
@click.option(
    "--ray-address",
    help="play self-play and evaluation games as Ray actors on this cluster (HOST:PORT, or local); docs/cluster.md",
)
@click.option(
    "--actors", type=click.IntRange(min=0), default=0, help="Ray actors; 0 = one per CPU (GPU) of the cluster"
)
@common_options
def zero(run_dir, ray_address, actors, init, **options):
    """Run the AlphaGo Zero loop for --hours: self-play, train, evaluate, rate (see docs/zero.md)."""
    from selfplay.zero.ladder import gnugo_match
    from selfplay.zero.loop import run_zero

    mp.set_start_method("spawn", force=True)
    cfg = config_from_options(options, ZERO_KEYS)
    external = gnugo_match(cfg, run_dir) if cfg.eval.gnugo else None
    if ray_address:
        from selfplay.cluster import RayConnectError
        from selfplay.zero.cluster_loop import run_zero_on_cluster

        try:
            state = run_zero_on_cluster(cfg, run_dir, ray_address, actors, external=external, init=init)
        except RayConnectError as e:
            raise click.ClickException(str(e)) from None
    else:
        state = run_zero(cfg, run_dir, external=external, init=init)
    click.echo(f"{state.generation} generations; best = generation {state.best}; ratings in {run_dir}/ratings.csv")
