"""``go-engine data gnugo``: expert games from GNU Go playing itself (``selfplay.expert_data``)."""

from __future__ import annotations

import click


@click.group()
def data():
    """Make training data sets."""


@data.command()
@click.option("--games", type=click.IntRange(min=1), default=100, show_default=True, help="games to write")
@click.option("--size", type=click.IntRange(2, 19), default=9, show_default=True, help="board size")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True, help="folder for the SGF files")
@click.option("--level", type=click.IntRange(0, 10), default=1, show_default=True, help="GNU Go --level")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, help="GNU Go processes")
@click.option("--komi", type=float, default=7.5, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="root seed (openings and GNU Go --seed)")
@click.option(
    "--random-opening",
    type=click.IntRange(min=0),
    default=4,
    show_default=True,
    help="each game starts with 0..N random legal moves (not used as expert moves)",
)
@click.option("--gnugo", type=click.Path(dir_okay=False), default=None, help="GNU Go executable")
def gnugo(games, size, out_dir, level, workers, komi, seed, random_opening, gnugo):
    """Let GNU Go play itself over GTP and write each game as SGF (atomically, deduplicated)."""
    from selfplay.expert_data import GnuGoDataConfig, generate_gnugo_games

    cfg = GnuGoDataConfig(
        games=games,
        size=size,
        out_dir=out_dir,
        level=level,
        komi=komi,
        workers=workers,
        seed=seed,
        max_random_opening=random_opening,
        gnugo=gnugo,
    )
    written = generate_gnugo_games(cfg)
    click.echo(f"wrote {written} games to {out_dir}")
