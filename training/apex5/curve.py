"""Time to target of Ape-X runs: evaluate every step checkpoint, stamp it with its wall time, plot.

    python training/apex5/curve.py eval RUN START_EPOCH_SECONDS [GAMES]   # writes RUN/curve.json
    python training/apex5/curve.py plot OUT.png LABEL=RUN [LABEL=RUN ...]   # win rate vs minutes

Each ``checkpoints/step_<k>.safetensors`` plays GAMES greedy games (default 200, colours
alternating, ``go-engine eval rl``'s seed 12345) against ``random`` and against ``heuristic``; its
time is the file's modification time minus the run's start (taken just before the trainer was
launched, so start-up counts). The target is the single-process DQN's 5x5 figure: at least 95%
against ``random`` (and 60% against ``heuristic``) over 200 games.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path


def evaluate_run(run: Path, start: float, games: int = 200) -> list[dict]:
    """One row per step checkpoint: step, seconds since ``start``, wins against each opponent."""
    import torch

    from selfplay.rl.common import load_rl_checkpoint
    from selfplay.rl.eval import evaluate

    torch.set_num_threads(1)
    rows = []
    paths = sorted(run.glob("checkpoints/step_*.safetensors"), key=lambda p: int(re.findall(r"\d+", p.name)[-1]))
    for p in paths:
        ck = load_rl_checkpoint(p)
        spec = ck.env
        row = {"step": ck.step, "seconds": round(p.stat().st_mtime - start, 1), "games": games}
        for opp in ("random", "heuristic"):
            row[opp] = evaluate(ck.model, ck.head, spec, opp, games, 12345, run / "pool").wins
        rows.append(row)
        print(json.dumps(row), flush=True)
    (run / "curve.json").write_text(json.dumps(rows, indent=1))
    return rows


def first_at_target(rows: list[dict], random_share: float = 0.95, heuristic_share: float = 0.60) -> dict | None:
    """The earliest checkpoint that meets the target, or ``None``."""
    for r in rows:
        if r["random"] >= random_share * r["games"] and r["heuristic"] >= heuristic_share * r["games"]:
            return r
    return None


def plot(out: str, runs: dict[str, list[dict]]) -> None:
    """Win rate against ``random`` (solid) and ``heuristic`` (dashed) over wall minutes, one colour a run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for i, (label, rows) in enumerate(runs.items()):
        t, colour = [r["seconds"] / 60 for r in rows], f"C{i}"
        for opp, style in (("random", "-"), ("heuristic", "--")):
            wins = [100 * r[opp] / r["games"] for r in rows]
            ax.plot(t, wins, style, color=colour, label=f"{label}: vs {opp}")
    ax.axhline(95, color="grey", lw=0.8)
    ax.set(xlabel="wall minutes (2-core VM)", ylabel="wins of 200 games (%)", ylim=(0, 100))
    ax.set_title("Ape-X DQN, 5x5: step checkpoints over wall time")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def main(argv: list[str]) -> None:
    """``eval`` or ``plot`` (see the module docstring)."""
    if argv[0] == "eval":
        rows = evaluate_run(Path(argv[1]), float(argv[2]), int(argv[3]) if len(argv) > 3 else 200)
        print("first at target:", first_at_target(rows))
    elif argv[0] == "plot":
        runs = {}
        for spec in argv[2:]:
            label, run = spec.split("=", 1)
            runs[label] = json.loads((Path(run) / "curve.json").read_text())
            print(label, "first at target:", first_at_target(runs[label]))
        plot(argv[1], runs)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
