"""``go-engine train zero``: fit the AlphaGo Zero net to a run folder's shards (resumes exactly).

The run's ``config.json`` with the options typed over it (``cli.config_option``) -> ``Config`` ->
``selfplay.zero.train.train`` (on ``--nproc`` processes through
``selfplay.distributed.launch``). See docs/zero.md.
"""

from __future__ import annotations

import click

from cli import options as opt
from cli.config_option import command_config, keyed
from cli.train_lee import check_nproc, nproc_option
from selfplay.config import TrainConfig

DEFAULTS = TrainConfig()
"""the trainer's defaults, which the options show"""


@click.command("zero")
@click.option("--run", "run_dir", type=click.Path(file_okay=False, exists=True), required=True, help="run folder")
@opt.counted("--steps", default=DEFAULTS.steps, help="total steps")
@opt.counted("--batch", "batch_size", default=DEFAULTS.batch_size, least=1)
@opt.counted("--window", "window_positions", default=DEFAULTS.window_positions, least=1)
@opt.choice("--optimizer", words=["adamw", "sgd"], default=DEFAULTS.optimizer)
@opt.shown("--lr", type=float, default=DEFAULTS.lr)
@click.option(
    "--schedule", "lr_schedule", type=click.Choice(["constant", "step", "cosine"]), default=DEFAULTS.lr_schedule
)
@opt.device()
@opt.counted("--checkpoint-every", default=DEFAULTS.checkpoint_every, least=1)
@click.option("--export", type=click.Path(dir_okay=False), help="also write the final weights here")
@opt.seed()
@nproc_option
def zero(run_dir, export, nproc, **options):
    """Train on the newest window of RUN/shards; checkpoints in RUN/train (resumed when present).

    With --nproc N (or under torchrun) N processes train data-parallel on slices of each batch.
    """
    from pathlib import Path

    from selfplay.config import Config, load_config
    from selfplay.distributed import launch
    from selfplay.zero.train import train

    path = Path(run_dir) / "config.json"
    keys = {name: "seed" if name == "seed" else f"train.{name}" for name in options}
    options["config_path"] = str(path) if path.exists() else None  # the run's config is the start
    cfg = command_config(Config, options, lambda applied, _: keyed(applied, keys), load=load_config)
    check_nproc(nproc, cfg.train.batch_size)
    _check_run(Path(run_dir))
    res = launch(nproc, cfg.train.device, train, cfg, run_dir, export=export)
    click.echo(f"step {res.step}: {res.metrics}")


def _check_run(run_dir) -> None:
    """A run folder with no self-play samples is a user error: say how to make some."""
    from engine.errors import UserError
    from selfplay.zero.shards import list_shards

    if not list_shards(run_dir / "shards"):
        raise UserError(
            f"{run_dir}: no self-play games to train on (no shards in {run_dir / 'shards'}); play some first with"
            f" 'go-engine selfplay --out {run_dir}' or run the whole loop with 'go-engine zero --run {run_dir}'"
        )
