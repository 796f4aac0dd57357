"""Rate a net of the zero9b run against the shipped net and the no-network search: 40 games each.

``python training/zero9b/evaluate.py NET [--games 40] [--playouts 100] [--against WHO]
[--config RUN/config.json] [--first I]``, WHO = ``shipped``, ``anchor``, ``both`` (default) or
another net's weights file: the nets search without rollouts at the same playouts (the Zero
loop's evaluation games, colours alternating, a few opening moves sampled); the anchor is the
rollout search at the same playouts. ``--config`` takes the board and search settings from
another run (default: this run's); ``--first I`` plays games ``I .. I + games - 1`` of the match,
so that two processes can share one. Prints each score with its 95% Wilson interval.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

from selfplay.config import load_config
from selfplay.elo import wilson_interval
from selfplay.zero.loop import play_match

HERE = Path(__file__).resolve().parent
SHIPPED = HERE.parents[1] / "nets" / "weights" / "zero9.safetensors"


def main() -> None:
    """Parse the arguments, play both matches, print the scores."""
    ap = argparse.ArgumentParser()
    ap.add_argument("net", type=Path)
    ap.add_argument("--games", type=int, default=40)
    ap.add_argument("--playouts", type=int, default=100)
    ap.add_argument("--seed", type=int, default=20261203)
    ap.add_argument("--against", default="both", help="shipped, anchor, both, or another net's weights file")
    ap.add_argument("--config", type=Path, default=HERE / "config.json")
    ap.add_argument("--first", type=int, default=0, help="index of the first game to play")
    args = ap.parse_args()
    cfg = load_config(args.config)
    cfg = replace(
        cfg,
        eval=replace(cfg.eval, playouts=args.playouts, anchor_playouts=args.playouts),
        selfplay=replace(cfg.selfplay, games_per_worker_batch=args.games),
    )
    opponents = {"shipped": ("the shipped zero9 net", SHIPPED), "anchor": ("the no-network search", None)}
    games = range(args.first, args.first + args.games)
    if args.against not in (*opponents, "both"):
        opponents[args.against] = (args.against, Path(args.against))
    for key in ("shipped", "anchor") if args.against == "both" else (args.against,):
        name, other = opponents[key]
        t0 = time.monotonic()
        score = play_match(cfg, args.net, other, args.games, args.seed, indices=games)
        lo, hi = wilson_interval(score, args.games)
        print(
            f"{args.net.name} vs {name}, {args.playouts} playouts, games {games.start}-{games.stop - 1}:"
            f" {score:g}/{args.games}"
            f" ({100 * score / args.games:.1f}%, 95% CI {100 * lo:.1f}-{100 * hi:.1f}%), {time.monotonic() - t0:.0f} s"
        )


if __name__ == "__main__":
    main()
