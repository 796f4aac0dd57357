"""``go-engine analysis`` (a KataGo-style JSON analysis engine) and ``go-engine review`` (an SGF review).

Both commands turn options into the library's objects: ``selfplay.analysis.load_analyzer``, then
``selfplay.analysis_engine.AnalysisEngine.serve`` or ``selfplay.review.review_game``.
docs/analysis.md has the protocol and examples.
"""

from __future__ import annotations

import io
import sys

import click

from cli import options as opt

analyzer_options = opt.group(
    click.option("--weights", type=click.Path(dir_okay=False), help="net (.safetensors); default: the shipped nets"),
    opt.counted("--visits", default=200, least=1, help="visits per position"),
    opt.counted("--ownership-playouts", default=200, help="rollouts for the ownership map and the root's score lead"),
    opt.counted("--move-playouts", default=64, help="rollouts after each candidate move for its score lead"),
    click.option("--lam", type=click.FloatRange(0, 1), help="rollout weight in the leaf value (default: the net's)"),
    opt.device("torch device of the nets"),
    opt.counted("--threads", default=1, least=1, help="torch CPU threads"),
    opt.seed(),
)
"""the options of ``load_analyzer`` (``analysis`` and ``review``)"""


def build_analyzer(threads: int, slots: int = 16, **options):
    """``load_analyzer`` from the options (``analyzer_options``); a bad weights file is a one-line usage error."""
    import torch

    from nets.checkpoint import CheckpointError
    from selfplay.analysis import load_analyzer

    torch.set_num_threads(threads)
    try:
        return load_analyzer(slots=slots, **options)
    except (FileNotFoundError, CheckpointError) as e:
        raise click.UsageError(str(e)) from None


@click.command()
@analyzer_options
@opt.counted("--batch", default=16, least=1, help="positions analysed together")
@opt.shown(
    "--report-as",
    type=click.Choice(["BLACK", "WHITE", "SIDETOMOVE"], case_sensitive=False),
    default="BLACK",
    help="whose view win rates, scores and ownership take",
)
def analysis(batch, report_as, **options):
    """A JSON-lines analysis engine on stdin/stdout, in the shape of KataGo's analysis engine."""
    from selfplay.analysis_engine import AnalysisEngine

    engine = AnalysisEngine(build_analyzer(**options, slots=batch), report_as.upper(), batch)

    def write(text: str) -> None:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    lines = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")  # bad bytes: a JSON error
    engine.serve(lines, write)
    if engine.positions:
        n, wall, cpu = engine.positions, engine.seconds, engine.cpu_seconds
        summary = f"analysed {n} positions in {wall:.1f} s ({n / max(wall, 1e-9):.2f} positions/s; "
        summary += f"{cpu:.1f} CPU s, {n / max(cpu, 1e-9):.2f} positions per CPU second)"
        click.echo(summary, err=True)


@click.command()
@click.argument("game", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", type=click.Path(dir_okay=False), help="annotated SGF (default: GAME.reviewed.sgf)")
@click.option("--graph", type=click.Path(dir_okay=False), help="win-rate and score PNG (default: GAME.reviewed.png)")
@click.option("--in-place", is_flag=True, help="overwrite GAME itself (atomically) instead of writing a new file")
@click.option("--progress/--no-progress", default=True, show_default=True, help="progress bar on stderr")
@analyzer_options
def review(game, out, graph, in_place, progress, **options):
    """Analyse every move of GAME (SGF) and write it back with win rate, score and best move comments."""
    from pathlib import Path

    from tqdm import tqdm

    from engine.errors import UserError
    from selfplay.review import game_positions, review_game

    if in_place and out:
        raise click.UsageError("--in-place and --out exclude each other")
    try:
        game_positions(Path(game).read_bytes())  # a broken game fails before the nets load
    except UserError as e:
        raise click.ClickException(f"{game}: {e}") from None
    analyzer = build_analyzer(**options)
    bar = tqdm(disable=not progress, unit="position", desc="review", file=sys.stderr)
    try:
        path, png, rev = review_game(
            game, analyzer, game if in_place else out, graph, bar.update, lambda n: setattr(bar, "total", n)
        )
    except UserError as e:
        raise click.ClickException(str(e)) from None
    finally:
        bar.close()
    click.echo(f"{path}: {len(rev.analyses)} positions reviewed; graph {png}")
