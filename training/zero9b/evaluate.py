"""Rate a net of the zero9b run against the shipped net and the no-network search: 40 games each.

``python training/zero9b/evaluate.py NET [--games 40] [--playouts 100]``: both nets search without
rollouts at the same playouts (the Zero loop's evaluation games, colours alternating, a few
opening moves sampled); the anchor is the rollout search at the same playouts. Prints each score
with its 95% Wilson interval.
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
    args = ap.parse_args()
    cfg = load_config(HERE / "config.json")
    cfg = replace(
        cfg,
        eval=replace(cfg.eval, playouts=args.playouts, anchor_playouts=args.playouts),
        selfplay=replace(cfg.selfplay, games_per_worker_batch=args.games),
    )
    for name, other in (("the shipped zero9 net", SHIPPED), ("the no-network search", None)):
        t0 = time.monotonic()
        score = play_match(cfg, args.net, other, args.games, args.seed)
        lo, hi = wilson_interval(score, args.games)
        print(
            f"{args.net.name} vs {name}, {args.playouts} playouts: {score:g}/{args.games}"
            f" ({100 * score / args.games:.1f}%, 95% CI {100 * lo:.1f}-{100 * hi:.1f}%), {time.monotonic() - t0:.0f} s"
        )


if __name__ == "__main__":
    main()
