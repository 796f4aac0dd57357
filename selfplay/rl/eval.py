"""Evaluation of RL checkpoints: win rates against opponents with 95% Wilson intervals, learning curves.

``evaluate`` plays ``games`` games of a net (greedy over legal actions) against one opponent of
``selfplay.rl.opponents``, alternating colours (even games black), and counts wins; a draw or a
game cut off by the move cap is not a win. The interval is Wilson's score interval
(Wilson 1927; Agresti and Coull 1998), which stays inside [0, 1] at rates near 0 or 1:

    centre = (p + z^2/2n) / (1 + z^2/n),  half = z sqrt(p(1-p)/n + z^2/4n^2) / (1 + z^2/n),  z = 1.96

``learning_curve`` draws the scalars a trainer logged to ``metrics.csv`` (``step,name,value``)
into a PNG: with matplotlib when it imports, else with a small built-in rasteriser (lines and a
grid at -1, 0, 0.5 and 1, no text; the legend goes to the ``.txt`` file written next to it).

``quick_eval`` is the trainers' periodic evaluation: it logs each win rate and returns their mean.
"""

from __future__ import annotations

import csv
import os
import struct
import zlib
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from selfplay.elo import wilson_interval
from selfplay.rl.common import EnvSpec, MetricLogger, make_env, masked_argmax
from selfplay.rl.opponents import make_opponent


@dataclass(frozen=True)
class EvalResult:
    """Outcome of ``evaluate``."""

    opponent: str
    games: int
    wins: int
    losses: int
    draws: int

    @property
    def win_rate(self) -> float:
        """Wins / games."""
        return self.wins / self.games if self.games else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        """95% Wilson interval of the win rate."""
        return wilson_interval(self.wins, self.games)

    def line(self) -> str:
        """One summary line."""
        lo, hi = self.interval
        return (
            f"vs {self.opponent}: {self.wins}/{self.games} wins = {self.win_rate:.1%} "
            f"(95% CI {lo:.1%}-{hi:.1%}; {self.losses} losses, {self.draws} draws/unfinished)"
        )


def greedy_action(model: nn.Module, head: str, obs: dict[str, np.ndarray]) -> int:
    """The net's greedy legal action for one env observation."""
    planes = torch.from_numpy(np.asarray(obs["observation"], np.float32)).unsqueeze(0)
    mask = torch.from_numpy(np.asarray(obs["action_mask"])).unsqueeze(0)
    with torch.no_grad():
        out = model(planes)
    return int(masked_argmax(out if head == "dqn" else out[0], mask)[0])


def evaluate(
    model: nn.Module,
    head: str,
    spec: EnvSpec,
    opponent: str,
    games: int,
    seed: int = 0,
    pool_dir: str | os.PathLike | None = None,
) -> EvalResult:
    """Play ``games`` games of ``model`` (greedy) against ``opponent``, alternating colours.

    Args:
        model: a ``DuelingQNet`` or ``ActorCritic``.
        head: ``"dqn"`` or ``"actor_critic"``.
        spec: board, komi, features and task (mode is forced to ``"opponent"``).
        opponent: an opponent spec (``selfplay.rl.opponents.make_opponent``).
        games: number of games.
        seed: env seed (game ``g`` is then fully determined for non-GTP opponents).
        pool_dir: folder for the ``pool`` opponent.
    """
    opp = make_opponent(opponent, pool_dir)
    env = make_env(replace(spec, mode="opponent", opponent=opponent), opp)
    was_training = model.training
    model.eval()
    wins = losses = draws = 0
    for g in range(games):
        color = "black" if g % 2 == 0 else "white"
        obs, _ = env.reset(seed=seed if g == 0 else None, options={"agent_color": color})
        done, reward = False, 0.0
        while not done:
            obs, reward, terminated, truncated, _ = env.step(greedy_action(model, head, obs))
            done = terminated or truncated
        wins += reward > 0
        losses += reward < 0
        draws += reward == 0
    if hasattr(opp, "close"):
        opp.close()
    model.train(was_training)
    return EvalResult(opponent, games, int(wins), int(losses), int(draws))


# ------------------------------------------------------------------------------ learning curve
def read_metrics(path: str | os.PathLike) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{name: (steps, values)}`` from a ``metrics.csv`` (a later row for the same step wins)."""
    series: dict[str, dict[int, float]] = defaultdict(dict)
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            series[row["name"]][int(row["step"])] = float(row["value"])
    out = {}
    for name, points in series.items():
        steps = np.array(sorted(points), np.int64)
        out[name] = (steps, np.array([points[s] for s in steps], np.float64))
    return out


def _smooth(values: np.ndarray, window: int) -> np.ndarray:
    if len(values) < window:
        return values
    kernel = np.ones(window) / window
    return np.convolve(values, kernel, mode="valid")


def learning_curve(metrics_csv: str | os.PathLike, png: str | os.PathLike, names: list[str] | None = None) -> Path:
    """Draw the win-rate and return curves of ``metrics_csv`` into ``png``; returns the path.

    ``names`` defaults to every ``eval/*`` series plus ``charts/episodic_return`` (smoothed over
    100 episodes). A ``png + ".txt"`` legend lists the series and their last values.
    """
    data = read_metrics(metrics_csv)
    names = names or sorted(n for n in data if n.startswith("eval/")) + ["charts/episodic_return"]
    series = {}
    for name in names:
        if name in data:
            steps, values = data[name]
            if name == "charts/episodic_return" and len(values) > 100:
                values, steps = _smooth(values, 100), steps[99:]
            series[name] = (steps, values)
    png = Path(png)
    png.parent.mkdir(parents=True, exist_ok=True)
    try:
        _plot_matplotlib(series, png)
    except ImportError:
        _plot_builtin(series, png)
    legend = [f"{name}: last step {s[-1]}, last value {v[-1]:.3f}" for name, (s, v) in series.items() if len(s)]
    Path(str(png) + ".txt").write_text("\n".join(legend) + "\n", encoding="utf-8")
    return png


def _plot_matplotlib(series: dict, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for name, (steps, values) in series.items():
        ax.plot(steps, values, label=name)
    ax.set_xlabel("env steps")
    ax.set_ylim(-1.05, 1.05)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    plt.close(fig)


COLORS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189)]


def _plot_builtin(series: dict, png: Path, width: int = 640, height: int = 360, pad: int = 20) -> None:
    img = np.full((height, width, 3), 255, np.uint8)
    x_max = max((int(s[-1]) for s, _ in series.values() if len(s)), default=1) or 1

    def to_px(step, value):
        x = pad + (width - 2 * pad) * np.asarray(step, np.float64) / x_max
        y = pad + (height - 2 * pad) * (1.0 - (np.clip(np.asarray(value, np.float64), -1, 1) + 1) / 2)
        return x, y

    for level in (-1.0, 0.0, 0.5, 1.0):
        _, y = to_px(0, level)
        img[int(round(float(y))), pad : width - pad] = (200, 200, 200)
    img[pad : height - pad, pad] = (0, 0, 0)
    for k, (steps, values) in enumerate(series.values()):
        xs, ys = to_px(steps, values)
        for x0, y0, x1, y1 in zip(xs[:-1], ys[:-1], xs[1:], ys[1:], strict=True):
            m = int(max(abs(x1 - x0), abs(y1 - y0))) + 1
            px = np.round(np.linspace(x0, x1, m)).astype(int)
            py = np.round(np.linspace(y0, y1, m)).astype(int)
            for d in (0, 1):
                img[np.clip(py + d, 0, height - 1), np.clip(px, 0, width - 1)] = COLORS[k % len(COLORS)]
    _write_png(png, img)


def _write_png(path: Path, img: np.ndarray) -> None:
    """Write an RGB ``uint8[H, W, 3]`` image as PNG (zlib, no filters)."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    h, w, _ = img.shape
    raw = b"".join(b"\x00" + img[r].tobytes() for r in range(h))
    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    path.write_bytes(data)


# ------------------------------------------------------------------------------ quick evaluation
def quick_eval(model: nn.Module, head: str, cfg: Any, pool_dir: Path, step: int, logger: MetricLogger, bar) -> float:
    """Play ``cfg.eval_games`` greedy games against each of ``cfg.eval_opponents``; log and print them.

    The games use the fixed seed ``cfg.seed + 10**6``, so every evaluation of a run meets the same
    opponent draws. Returns the mean win rate over the opponents (the score of ``BestCheckpoint``).
    """
    rates = []
    for opp in cfg.eval_opponents:
        res = evaluate(model, head, cfg.env, opp, cfg.eval_games, cfg.seed + 10**6, pool_dir)
        logger.scalar(f"eval/win_rate_{opp}", res.win_rate, step)
        bar.write(f"step {step}: {res.line()}")
        rates.append(res.win_rate)
    logger.flush()
    return float(np.mean(rates))
