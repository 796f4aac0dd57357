"""``go-engine train sl | rl | value``: the AlphaGo Lee trainers (options -> config -> one library call).

See docs/lee.md ("Trainers and search"). Torch is imported only inside the commands. ``sl`` and
``value`` take ``--nproc N`` (data parallel, ``selfplay.distributed``), as does ``train zero``.
"""

from __future__ import annotations

import logging

import click

from cli import options as opt
from cli.config_option import command_config, config_option

common = opt.group(
    opt.device(),
    opt.counted("--threads", "torch_threads", default=1, least=1),
    opt.seed(),
    click.option("--checkpoint-every", type=click.IntRange(min=1), help="steps between checkpoints"),
    click.option("--log-every", type=click.IntRange(min=1), help="steps between log rows"),
    config_option,
)
"""the options every Lee trainer (and ``train distill``/``prune``) shares"""


run_folder = click.option(
    "--out", type=click.Path(file_okay=False), required=True, help="run folder (resumed when present)"
)
"""``--out``: a trainer's run folder"""


def fit_options(batch: int):
    """``--steps`` to ``--eval-every``: the supervised fit of ``train sl`` and ``train value``."""
    return opt.group(
        opt.counted("--steps", default=20_000),
        opt.counted("--batch", "batch_size", default=batch, least=1),
        opt.shown("--lr", type=float, default=0.003),
        opt.counted("--lr-halve-every", default=10_000),
        opt.shown("--momentum", type=float, default=0.0),
        opt.fraction("--holdout", default=0.1, most=0.9),
        opt.counted("--eval-every", default=1000, least=1),
    )


nproc_option = click.option(
    "--nproc",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="data-parallel processes (DDP: gloo on the CPU, NCCL on GPUs); --batch is split among them",
)


def check_nproc(nproc: int, batch_size: int | None) -> None:
    """One clear line when the global batch does not split evenly over the processes."""
    if batch_size is not None and batch_size % nproc:
        raise click.BadParameter(f"--batch {batch_size} must be a multiple of --nproc {nproc}", param_hint="--nproc")


def build_config(cls, options: dict, section: str):
    """``cls`` from the options, or from ``--config FILE`` with the typed options over it.

    ``section`` is the key of the config in a run's ``config.json`` (``"sl"``, ``"value"``, ...).
    """
    return command_config(cls, options, section=section)


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")


@click.command("sl")
@click.option("--data", "data_dir", type=click.Path(file_okay=False, exists=True), required=True, help="SGF folder")
@run_folder
@click.option("--preset", type=click.Choice(["sl13x192", "policy4x16"]), default="sl13x192", show_default=True)
@click.option("--filters", type=click.IntRange(min=1), help="override the preset's filters k")
@fit_options(batch=16)
@nproc_option
@common
def sl(data_dir, out, nproc, **options):
    """Train the SL policy net on expert SGF games; writes OUT/weights.safetensors."""
    from selfplay.distributed import launch
    from selfplay.lee.sl import SLConfig, train_sl

    cfg = build_config(SLConfig, options, "sl")
    check_nproc(nproc, cfg.batch_size)
    _logging()
    res = launch(nproc, cfg.device, train_sl, cfg, data_dir, out)
    click.echo(f"step {res.step}: {res.metrics} -> {res.weights}")


@click.command("rl")
@click.option("--sl", "sl_weights", type=click.Path(exists=True), required=True, help="SL weights or run folder")
@run_folder
@click.option("--iterations", type=click.IntRange(min=0), default=1000, show_default=True)
@click.option("--games", type=click.IntRange(min=1), default=128, show_default=True, help="games per minibatch")
@click.option("--lr", type=float, default=0.001, show_default=True)
@click.option("--pool-every", type=click.IntRange(min=1), default=500, show_default=True)
@click.option("--baseline", type=click.Choice(["none", "mean"]), default="none", show_default=True)
@opt.komi()
@click.option("--max-moves", type=click.IntRange(min=0), default=0, help="move cap (0 = 2 n^2)")
@common
def rl(sl_weights, out, **options):
    """REINFORCE from the SL net against a pool of earlier versions; writes OUT/weights.safetensors."""
    from selfplay.lee.rl import RLConfig, train_rl

    _logging()
    metrics = train_rl(build_config(RLConfig, options, "rl"), sl_weights, out)
    click.echo(f"{metrics}")


@click.command("value")
@click.option(
    "--sl", "sl_weights", type=click.Path(exists=True), help="SL weights or run folder (the recipe's p_sigma)"
)
@click.option("--rl", "rl_weights", type=click.Path(exists=True), help="RL weights or run folder (the recipe's p_rho)")
@click.option(
    "--data",
    type=click.Path(exists=True, file_okay=False),
    help="train on ready data files (go-engine data value-search) instead of --sl/--rl self-play",
)
@run_folder
@opt.counted("--positions", default=10_000, help="to generate (--data: use; 0 all)")
@click.option("--games-per-round", type=click.IntRange(min=1), default=128, show_default=True)
@click.option("--u-max", type=click.IntRange(min=0), default=0, help="U drawn in [1, u_max] (0 = 450 n^2/361)")
@click.option("--preset", type=click.Choice(["value13x192", "value4x16"]), default="value13x192", show_default=True)
@click.option("--filters", type=click.IntRange(min=1), help="override the preset's filters k")
@click.option("--layers", type=click.IntRange(min=2), help="override the preset's layer count L (paper: 13)")
@fit_options(batch=32)
@opt.komi()
@nproc_option
@common
def value(sl_weights, rl_weights, out, nproc, **options):
    """Generate one position per self-play game and regress the value net; writes OUT/weights.safetensors.

    With --data, regress the targets of ready data files instead (e.g. search values).
    """
    from selfplay.distributed import launch
    from selfplay.lee.value import ValueConfig, train_value

    cfg = build_config(ValueConfig, options, "value")
    if not cfg.data and not (sl_weights and rl_weights):
        raise click.UsageError("give --sl and --rl (the paper's data recipe) or --data DIR")
    check_nproc(nproc, cfg.batch_size)
    _logging()
    metrics = launch(nproc, cfg.device, train_value, cfg, sl_weights, rl_weights, out)
    click.echo(f"{metrics}")


@click.command("policies")
@click.argument("net_a", type=click.Path(exists=True))
@click.argument("net_b", type=click.Path(exists=True))
@click.option("--games", type=click.IntRange(min=1), default=100, show_default=True)
@opt.komi()
@opt.seed()
def eval_policies(net_a, net_b, games, komi, seed):
    """Play policy net NET_A against NET_B with no search (weights files or run folders), e.g. RL vs SL."""
    from pathlib import Path

    from selfplay.lee.rl import policy_match

    paths = [Path(p) / "weights.safetensors" if Path(p).is_dir() else Path(p) for p in (net_a, net_b)]
    r = policy_match(*paths, games=games, komi=komi, seed=seed)
    lo, hi = r["ci95"]
    click.echo(
        f"A {paths[0]}: {r['wins']} wins, {r['draws']} draws in {games} games "
        f"({100 * r['win_rate']:.1f}%, 95% CI {100 * lo:.1f}-{100 * hi:.1f}%)"
    )
