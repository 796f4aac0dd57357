"""``go-engine data gnugo | value-search``: expert games, and search-labelled value data.

``gnugo`` lets GNU Go play itself (``selfplay.expert_data``); ``value-search`` labels record
positions with a no-network search's value (``selfplay.lee.value_search``).
"""

from __future__ import annotations

import click

from cli import options as opt


@click.group()
def data():
    """Make training data sets."""


@data.command()
@opt.counted("--games", default=100, least=1, help="games to write")
@opt.size(9, help="board size")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True, help="folder for the SGF files")
@opt.shown("--level", type=click.IntRange(0, 10), default=1, help="GNU Go --level")
@opt.counted("--workers", default=1, least=1, help="GNU Go processes")
@opt.komi()
@opt.seed(help="root seed (openings and GNU Go --seed)")
@opt.counted(
    "--random-opening",
    "max_random_opening",
    default=4,
    help="each game starts with 0..N random legal moves (not used as expert moves)",
)
@click.option("--gnugo", type=click.Path(dir_okay=False), default=None, help="GNU Go executable")
def gnugo(**options):
    """Let GNU Go play itself over GTP and write each game as SGF (atomically, deduplicated)."""
    from selfplay.expert_data import GnuGoDataConfig, generate_gnugo_games

    cfg = GnuGoDataConfig(**options)
    written = generate_gnugo_games(cfg)
    click.echo(f"wrote {written} games to {cfg.out_dir}")


@data.command("value-search")
@click.option(
    "--games",
    "folders",
    multiple=True,
    required=True,
    type=click.Path(exists=True, file_okay=False),
    help="folder of SGF records (repeatable)",
)
@opt.size(9, help="board size of the records used")
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False), required=True, help="folder for the labelled chunks"
)
@opt.counted("--sims", default=1000, least=1, help="search simulations a position")
@opt.counted("--per-game", default=0, help="positions a record (0 = all)")
@opt.fraction("--perturb", default=0.5, help="fraction of positions given one random legal move first")
@opt.counted("--workers", default=1, least=1, help="labelling processes")
@click.option("--seconds", type=click.FloatRange(min=0), default=0, help="stop after this long (a rerun resumes)")
@opt.counted("--chunk", default=256, least=1, help="positions a file")
@opt.seed()
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
