"""Measurements behind ``go-engine bench mcts``: MCTS simulations per second next to bare playouts and OpenSpiel.

All three are measured in the same run, on one core, from the empty board, in alternating rounds;
the figures are medians over rounds. MCTS uses uniform priors and uniform random rollouts (the
same ``playout_score`` kernel as the bare playouts), so the ratio shows the cost of the tree.
OpenSpiel's C++ ``MCTSBot`` with ``RandomRolloutEvaluator`` (one rollout per leaf) runs the same
number of simulations per move as our MCTS in the comparison rounds.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from engine.board import Board
from engine.config import MCTSConfig
from engine.search import _kernels_mcts as KM
from engine.search.mcts import MCTS, RolloutEvaluator


def _bare_rate(board: Board, rng: np.ndarray, seconds: float, pwork) -> float:
    n, count, done, t0 = board.size, 64, 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        KM.bare_playouts(board.pts, board.scal, board.zob, rng, count, 3 * n * n, pwork)
        done += count
    return done / (time.perf_counter() - t0)


def _mcts_rate(board: Board, sims: int, seconds: float, seed: int) -> float:
    cfg = MCTSConfig(
        num_simulations=sims,
        rollout_policy="random",
        heuristic_priors=False,
        rave=False,
        reuse_tree=False,
        max_nodes=max(4 * sims, 1000),
        max_edges=max(4 * sims, 1000) * (board.size**2 + 1) // 4,
    )
    mcts = MCTS(cfg, RolloutEvaluator("random", heuristic_priors=False, seed=seed), seed=seed)
    done, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        done += mcts.search(board, num_simulations=sims)
    return done / (time.perf_counter() - t0)


def _openspiel_rate(size: int, sims: int, seconds: float) -> float | None:
    try:
        import pyspiel
    except ImportError:
        return None
    game = pyspiel.load_game("go", {"board_size": size, "komi": 7.5})
    bot = pyspiel.MCTSBot(game, pyspiel.RandomRolloutEvaluator(1, 0), 2.0, sims, 10**7, False, 0, False)
    state, done, t0 = game.new_initial_state(), 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        bot.step(state)
        done += sims
    return done / (time.perf_counter() - t0)


def run_bench(size: int, seconds: float, rounds: int = 5) -> dict:
    """Measure the three rates in ``rounds`` alternating rounds; return medians and ratios."""
    board = Board(size)
    sims = 2000 if size == 9 else 500
    rng = np.array([12345], np.uint64)
    pwork = KM.make_playout_work(size)
    _bare_rate(board, rng, 0.05, pwork)  # compile
    _mcts_rate(board, 50, 0.05, 0)
    per = seconds / (3 * rounds)
    bare, mcts, spiel = [], [], []
    for r in range(rounds):
        bare.append(_bare_rate(board, rng, per, pwork))
        mcts.append(_mcts_rate(board, sims, per, r))
        os_rate = _openspiel_rate(size, sims, per)
        if os_rate is not None:
            spiel.append(os_rate)
    med = statistics.median
    out = {
        "size": size,
        "simulations_per_move": sims,
        "rounds": rounds,
        "bare_playouts_per_s": med(bare),
        "mcts_playouts_per_s": med(mcts),
        "mcts_over_bare": med([m / b for m, b in zip(mcts, bare, strict=True)]),
        "openspiel_sims_per_s": med(spiel) if spiel else None,
        "mcts_over_openspiel": med([m / s for m, s in zip(mcts, spiel, strict=True)]) if spiel else None,
    }
    return out


def format_report(res: dict) -> list[str]:
    """The lines ``go-engine bench mcts`` prints for a ``run_bench`` report."""
    lines = [
        f"{res['size']}x{res['size']}, {res['simulations_per_move']} simulations per move, "
        f"medians of {res['rounds']} rounds",
        f"bare random playouts/s  {res['bare_playouts_per_s']:10.0f}",
        f"MCTS playouts/s         {res['mcts_playouts_per_s']:10.0f}   "
        f"ratio {res['mcts_over_bare']:.2f} (target >= 0.8)",
    ]
    if res["openspiel_sims_per_s"] is None:
        lines.append("OpenSpiel                not importable")
    else:
        lines.append(
            f"OpenSpiel MCTS sims/s   {res['openspiel_sims_per_s']:10.0f}   "
            f"ours/OpenSpiel {res['mcts_over_openspiel']:.1f}x (target >= 10x)"
        )
    return lines
