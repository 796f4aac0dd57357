"""``go-engine train distill`` and ``go-engine train prune``: light nets from a trained Zero net.

Options -> ``DistillConfig`` -> ``selfplay.zero.distill.distill`` (pruning surgery in
``nets/prune.py``). See docs/zero.md ("Light nets: distillation and pruning").
"""

from __future__ import annotations

import click

from cli import options as opt
from cli.train_lee import _logging, build_config, common
from nets.presets import PRESETS

STUDENTS = [name for name, cfg in PRESETS.items() if cfg.kind == "resnet"]
"""presets a student can be (AlphaGo Zero resnets)"""

data_options = opt.group(
    common,
    click.option("--out", type=click.Path(file_okay=False), required=True, help="output folder (resumed when present)"),
    opt.counted("--games", default=256, help="teacher self-play games"),
    click.option("--shards", type=click.Path(file_okay=False, exists=True), help="also use this run folder's shards"),
    opt.counted("--window", default=200_000, least=1, help="shard positions"),
    opt.komi(),
    opt.counted("--steps", default=2000),
    opt.counted("--batch", "batch_size", default=256, least=1),
    opt.shown("--lr", type=float, default=1e-3, help="AdamW peak rate (cosine to 0)"),
    opt.shown("--value-weight", type=click.FloatRange(min=0), default=1.0),
    click.option("--symmetries/--no-symmetries", default=True, show_default=True, help="random symmetry per sample"),
    opt.counted("--eval-every", default=500, least=1),
)
"""the options that distill and prune share (the Lee trainers' ``common`` first)"""


def _run(teacher: str, out: str, options: dict) -> None:
    from selfplay.zero.distill import DistillConfig, distill

    _logging()
    try:
        res = distill(build_config(DistillConfig, options, "distill"), teacher, out)
    except ValueError as e:  # a teacher that is not a resnet, a bad preset or fraction, no positions
        raise click.ClickException(str(e)) from None
    click.echo(f"{res}")


@click.command("distill")
@click.option("--teacher", type=click.Path(dir_okay=False, exists=True), required=True, help="teacher weights")
@click.option("--student", type=click.Choice(STUDENTS), default="b4c32", show_default=True, help="student preset")
@click.option("--prune", type=click.FloatRange(0, 1, max_open=True), default=0.0, help="student = teacher pruned")
@data_options
def distill(teacher, out, **options):
    """Train a small net on the teacher's policy and value (KL + MSE) over its self-play positions.

    With --prune F the student is the teacher with a fraction F of its channels removed (then
    fine-tuned), instead of a fresh --student preset.
    """
    _run(teacher, out, options)


@click.command("prune")
@click.option("--net", "teacher", type=click.Path(dir_okay=False, exists=True), required=True, help="net to prune")
@click.option("--fraction", "prune", type=click.FloatRange(0, 1, min_open=True, max_open=True), required=True)
@data_options
def prune(teacher, out, **options):
    """Remove a FRACTION of NET's trunk channels (smallest batch-norm scales), fine-tune on NET's outputs."""
    _run(teacher, out, options)
