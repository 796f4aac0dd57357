"""Measurements behind ``go-engine bench player``: how fast the GTP player searches under a clock.

Vocabulary: the *player* is what ``go-engine gtp`` plays with a net: the shipped net of the board
size with its shipped search settings (or ``--weights``), its leaf value mixed with rollouts as
``lam`` says; a *move* is one ``genmove`` under a limit of ``seconds``, and its *playouts* are the
simulations its search finished (``MCTSPlayer.last_simulations``). The positions are a seeded
random opening of a few moves per position, the same for every precision. With several
precisions each position is searched by every player in turn, so a busy machine slows them alike;
figures are medians over the positions. The *net share* is the time inside the network's forward
pass (``TorchEvaluator.profile``) over the time of the moves.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from engine.board import Board


def positions(size: int, count: int, seed: int = 0) -> list[Board]:
    """``count`` positions: the empty board after 0, 3, 6, ... seeded random moves (no eye filling)."""
    rng = np.random.default_rng(seed)
    out = []
    b = Board(size)
    for i in range(count):
        while b.move_number < 3 * i and not b.is_over:
            legal = [a for a in b.legal_moves() if a != b.pass_action and not b.is_eye(a, b.to_play)]
            b.play(int(rng.choice(legal)) if legal else b.pass_action)
        out.append(b.copy())
    return out


def _player(size: int, precision: str, weights: str | None, options: dict, seed: int):
    """The GTP player with a net for ``size`` (the shipped one unless ``weights``)."""
    from engine.errors import UserError
    from nets.weights import shipped
    from selfplay.players import build_player, player_config

    settings = {}
    if weights is None:
        found = shipped()
        if size not in found:
            raise UserError(f"no net is shipped for {size}x{size}; give --weights")
        path, settings = found[size]
        weights = str(path)
    given = {k: v for k, v in options.items() if v is not None}
    return build_player(player_config("zero", seed, weights, **{**settings, **given}, precision=precision))


def _net_seconds(player) -> float:
    """Seconds the player's net has spent in forward passes so far (0 if it keeps no profile)."""
    ev = getattr(player, "evaluator", None)
    net = getattr(ev, "value_evaluator", ev)
    prof = getattr(net, "profile", None)
    return float(getattr(prof, "compute", 0.0) or 0.0) if prof is not None else 0.0


def player_report(
    size: int = 9,
    seconds: float = 1.0,
    moves: int = 8,
    precisions: tuple[str, ...] = ("auto",),
    weights: str | None = None,
    seed: int = 0,
    **options,
) -> dict:
    """Playouts a second of the GTP player per precision (see the module docstring).

    Args:
        size: board size.
        seconds: the limit of each move.
        moves: positions searched (one move each) per precision.
        precisions: ``nets.precision`` names, searched in turn on every position.
        weights: a net; default the shipped net of ``size``.
        seed: seed of the positions and the players.
        options: player options as ``go-engine gtp`` has them (``lam``, ``batch_size``, ...).
    """
    import torch

    torch.set_num_threads(1)  # as go-engine gtp runs its nets
    players = {p: _player(size, p, weights, options, seed) for p in precisions}
    boards = positions(size, moves + 1, seed)
    for pl in players.values():  # compile, load, fill the tree's memory
        pl.genmove(boards[0], boards[0].to_play, min(seconds, 0.5))
    rates = {p: [] for p in precisions}
    spent = {p: [0.0, 0.0] for p in precisions}
    for b in boards[1:]:
        for p, pl in players.items():
            pl.new_game(b)
            net0, t = _net_seconds(pl), time.perf_counter()
            pl.genmove(b, b.to_play, seconds)
            dt = time.perf_counter() - t
            rates[p].append(pl.last_simulations / dt)
            spent[p][0] += _net_seconds(pl) - net0
            spent[p][1] += dt
    first = precisions[0]
    out = {"size": size, "seconds": seconds, "moves": moves, "options": options, "precisions": {}}
    for p in precisions:
        med = statistics.median(rates[p])
        out["precisions"][p] = {
            "playouts_per_second": med,
            "rounds": rates[p],
            "net_share": spent[p][0] / spent[p][1] if spent[p][1] else 0.0,
            "ratio": med / statistics.median(rates[first]),
        }
    return out


def format_player(r: dict) -> str:
    """The lines ``go-engine bench player`` prints."""
    lines = [f"GTP player, {r['size']}x{r['size']}, {r['seconds']:g} s a move, median of {r['moves']} positions"]
    for p, f in r["precisions"].items():
        lo, hi = min(f["rounds"]), max(f["rounds"])
        lines.append(
            f"  {p:5s} {f['playouts_per_second']:8,.0f} playouts/s  ({lo:,.0f}-{hi:,.0f}; "
            f"net {100 * f['net_share']:.0f}% of the time; {f['ratio']:.2f}x the first)"
        )
    return "\n".join(lines)
