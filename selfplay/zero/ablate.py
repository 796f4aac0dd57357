"""Ablations of the Zero loop: one switch off and on, equal time each, Elo against time on one plot.

Vocabulary: a *switch* is a named set of config changes (``SWITCHES``) that turns one technique
on; an *arm* is one run of the loop (``off`` = the base config, ``on`` = the base with the switch)
in ``OUT/<switch>/<arm>``. Both arms run one after the other in this process with the same
``hours`` (so the same wall-clock and, on an otherwise idle machine, CPU time) and the same seed.
Each arm's Elo is its own Bradley-Terry fit anchored on the same no-network player (rated 0),
so the two curves share a scale; the *curve* of an arm is (cumulative loop seconds, Elo) per
generation, in process CPU seconds by default (``--clock cpu``: fair even when the machine was
shared unevenly) or wall seconds. ``OUT/<switch>/ablation.json`` keeps both curves with the wall and process CPU seconds
of each arm, ``OUT/<switch>/ablation.png`` plots them (matplotlib, the ``plot`` extra).

Run: ``python -m selfplay.zero.ablate --switch gumbel --hours 2 --out runs/ablate [--config base.json]``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path

from selfplay.config import Config, load_config

SWITCHES: dict[str, dict[str, dict]] = {
    "gumbel": {"selfplay": {"root_search": "gumbel", "dirichlet_eps": 0.0}},
    "forced": {"selfplay": {"forced_k": 2.0}},
    "aux_heads": {"net": {"ownership_head": True, "score_head": True}},
    "global_pool": {"net": {"global_pool_every": 3}},
    "playout_cap": {"selfplay": {"playout_cap": True}},
    "window_growth": {"train": {"window_growth": True}},
    "q_target": {"train": {"q_weight": 0.5}},
}
"""switch name -> config section -> field changes that turn it on"""


def switched(cfg: Config, switch: str) -> Config:
    """``cfg`` with ``switch`` on.

    Raises:
        ValueError: for an unknown switch.
    """
    if switch not in SWITCHES:
        raise ValueError(f"unknown switch {switch!r}; known: {', '.join(SWITCHES)}")
    return cfg.replace(**{sec: replace(getattr(cfg, sec), **kw) for sec, kw in SWITCHES[switch].items()})


def curve(run_dir: Path, clock: str = "cpu") -> list[tuple[float, float]]:
    """(cumulative loop seconds, Elo) of each rated generation of a run folder (generation 0 at 0 s).

    ``clock``: ``"cpu"`` (the loop process's CPU seconds, which cover self-play with ``workers`` 0;
    wall seconds for a run from before they were kept) or ``"wall"``.
    """
    ratings = json.loads((run_dir / "ratings.json").read_text())["ratings"]
    history = json.loads((run_dir / "loop.json").read_text())["history"]
    seconds, t = {0: 0.0}, 0.0
    for h in history:
        t += h.get("cpu_seconds", h["seconds"]) if clock == "cpu" else h["seconds"]
        seconds[h["generation"]] = t
    out = []
    for g, s in sorted(seconds.items()):
        name = f"gen_{g:04d}"
        if name in ratings:
            out.append((s, float(ratings[name])))
    return out


def run_ablation(
    cfg: Config,
    switch: str,
    out: Path,
    hours: float,
    progress: bool = False,
    off_run: Path | None = None,
    clock: str = "cpu",
    arms: tuple[str, ...] = ("off", "on"),
    start: Path | None = None,
) -> dict:
    """Run the ``arms`` of ``switch`` for ``hours`` each; write and return ``ablation.json``'s content.

    ``off_run``: a finished run folder of the base config to use as the ``off`` arm (not rerun).
    ``arms``: the arms this call runs; an arm not run here is read from its folder if it has one, so
    that two processes (say one per core, at the same time) can each run one arm and either one
    (or ``arms=()``) collects both. ``start``: a run folder both arms continue from (copied into an
    arm's folder before its first generation), so that they share their first generations.
    """
    from selfplay.zero.loop import run_zero

    configs = {"off": cfg.replace(hours=hours), "on": switched(cfg, switch).replace(hours=hours)}
    result = {"switch": switch, "changes": SWITCHES[switch], "hours": hours, "clock": clock, "arms": {}}
    for arm, c in configs.items():
        folder = off_run if arm == "off" and off_run is not None else out / switch / arm
        record = out / switch / f"{arm}.json"
        if arm in arms and folder != off_run:
            if start is not None and not (folder / "loop.json").exists():
                shutil.copytree(start, folder, dirs_exist_ok=True)
            t, cpu = time.perf_counter(), time.process_time()
            run_zero(c, folder, progress=progress)
            spent = {
                "wall_seconds": round(time.perf_counter() - t, 1),
                "cpu_seconds": round(time.process_time() - cpu, 1),
            }
            record.write_text(json.dumps(spent) + "\n")
        if not (folder / "loop.json").exists():
            continue
        spent = json.loads(record.read_text()) if record.exists() else {"wall_seconds": None, "cpu_seconds": None}
        result["arms"][arm] = {"run": str(folder), **spent, "curve": curve(folder, clock)}
    (out / switch).mkdir(parents=True, exist_ok=True)
    (out / switch / "ablation.json").write_text(json.dumps(result, indent=2) + "\n")
    plot(result, out / switch / "ablation.png")
    return result


def plot(result: dict, path: Path) -> Path | None:
    """Both arms' Elo against loop time on one plot (None without matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(6, 4))
    for arm, data in result["arms"].items():
        xs = [s / 60 for s, _ in data["curve"]]
        ax.plot(xs, [e for _, e in data["curve"]], marker="o", label=f"{result['switch']} {arm}")
    ax.set_xlabel(f"loop {result.get('clock', 'wall')} time (minutes)")
    ax.set_ylabel("Elo (no-network MCTS = 0)")
    ax.set_title(f"ablation: {result['switch']}, {result['hours']} h per arm")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m selfplay.zero.ablate --switch NAME --hours H --out DIR [--config JSON]``."""
    p = argparse.ArgumentParser(prog="python -m selfplay.zero.ablate", description=__doc__.splitlines()[0])
    p.add_argument("--switch", required=True, choices=sorted(SWITCHES))
    p.add_argument("--hours", type=float, required=True, help="loop time of each arm")
    p.add_argument("--out", type=Path, required=True, help="output folder (arms in OUT/SWITCH/off and /on)")
    p.add_argument("--config", type=Path, help="base config JSON (go-engine's --config format); default: Config()")
    p.add_argument("--generations", type=int, default=0, help="also stop each arm after this many generations")
    p.add_argument("--off-run", type=Path, help="a finished run of the base config to use as the off arm")
    p.add_argument("--clock", choices=("cpu", "wall"), default="cpu", help="x axis: loop process CPU or wall time")
    p.add_argument(
        "--arm", choices=("both", "off", "on", "none"), default="both", help="arms to run here (none: only collect)"
    )
    p.add_argument("--start", type=Path, help="a run folder both arms continue from (copied into each arm)")
    a = p.parse_args(argv)
    if a.hours <= 0:
        p.error("--hours must be > 0")
    try:
        cfg = load_config(a.config) if a.config else Config()
    except (OSError, ValueError, TypeError) as e:
        print(f"error: bad --config: {e}", file=sys.stderr)
        return 2
    if a.generations:
        cfg = cfg.replace(max_generations=a.generations)
    if a.off_run is not None and not (a.off_run / "loop.json").exists():
        print(f"error: --off-run {a.off_run} has no loop.json", file=sys.stderr)
        return 2
    if a.start is not None and not (a.start / "loop.json").exists():
        print(f"error: --start {a.start} has no loop.json", file=sys.stderr)
        return 2
    arms = {"both": ("off", "on"), "none": ()}.get(a.arm, (a.arm,))
    res = run_ablation(cfg, a.switch, a.out, a.hours, off_run=a.off_run, clock=a.clock, arms=arms, start=a.start)
    for arm, d in res["arms"].items():
        last = d["curve"][-1] if d["curve"] else (0.0, 0.0)
        print(f"{arm}: {len(d['curve'])} rated generations, last Elo {last[1]:.0f}, cpu {d['cpu_seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
