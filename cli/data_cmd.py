"""``go-engine data gnugo | value-search``: expert games, and search-labelled value data.

``gnugo`` lets GNU Go play itself (``selfplay.expert_data``); ``value-search`` labels record
positions with a no-network search's value (``selfplay.lee.value_search``).
"""

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


@data.command("value-search")
@click.option(
    "--games",
    "folders",
    multiple=True,
    required=True,
    type=click.Path(exists=True, file_okay=False),
    help="folder of SGF records (repeatable)",
)
@click.option("--size", type=click.IntRange(2, 19), default=9, show_default=True, help="board size of the records used")
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False), required=True, help="folder for the labelled chunks"
)
@click.option(
    "--sims", type=click.IntRange(min=1), default=1000, show_default=True, help="search simulations a position"
)
@click.option(
    "--per-game", type=click.IntRange(min=0), default=0, show_default=True, help="positions a record (0 = all)"
)
@click.option(
    "--perturb",
    type=click.FloatRange(0, 1),
    default=0.5,
    show_default=True,
    help="fraction of positions given one random legal move first",
)
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, help="labelling processes")
@click.option("--seconds", type=click.FloatRange(min=0), default=0, help="stop after this long (a rerun resumes)")
@click.option("--chunk", type=click.IntRange(min=1), default=256, show_default=True, help="positions a file")
@click.option("--seed", type=int, default=0, show_default=True)
def value_search(folders, size, out_dir, **options):
    """Label record positions with a no-network search's value, for ``train value --data OUT``."""
    import logging

    from selfplay.lee.value_search import SearchLabelConfig, label_records, load_records

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    records = load_records(list(folders), size)
    done = label_records(records, out_dir, SearchLabelConfig(**options))
    click.echo(
        f"labelled {done['positions']} positions in {done['chunks']} chunks ({done['seconds']:.0f} s) into {out_dir}"
    )
