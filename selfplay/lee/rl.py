"""AlphaGo Lee RL policy network p_rho: REINFORCE from p_sigma against a pool of earlier versions.

Paper: Silver et al. 2016, Nature 529, Methods "Reinforcement learning of policy networks":
p_rho starts as p_sigma; each iteration plays a minibatch of ``n`` games in parallel between the
current net and an opponent drawn at random from a pool of earlier versions; the current
parameters join the pool every 500 iterations. The reward is ``z = +1`` for a win and ``-1`` for a
loss at the end (0 before), and the update is

    Delta rho = alpha / n * sum_i sum_t  grad log p_rho(a_t^i | s_t^i) * (z_t^i - b(s_t^i))

(the baseline ``b`` is optional: 0, or the batch mean of ``z``).

Games: every game of a minibatch is stepped together; per ply, one net call for all the games where
the learner is to move and one for those where the opponent is (``play_games``). Moves are sampled
from the softmax over the "sensible" points (legal, not filling an own true eye; ``aglee48`` plane
46, positional superko checked); a player passes only when no sensible point is left, so a game
ends with two passes or at ``max_moves``. The learner is black in the even games, white in the odd
ones. ``z`` comes from the Tromp-Taylor area score with komi.

Run folder (``out``): ``config.json``; ``checkpoint.pt`` (model, optimizer, iteration, RNG states;
resumed exactly); ``pool/NNNNNN.safetensors`` (the pool: ``000000`` is p_sigma, then one file per
``pool_every`` iterations, named by iteration); ``weights.safetensors`` (the final p_rho);
``log.csv`` and ``tb/`` (learner win rate, loss, game length, games/s, pool size).
"""

from __future__ import annotations

import copy
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from engine.board import BLACK, EMPTY, WHITE, Board
from engine.features.lee import encode_lee_batch
from nets.checkpoint import load_weights, save_weights
from selfplay.lee.common import (
    MetricLog,
    dataclass_table,
    masked_log_softmax,
    restore_state,
    save_state,
    set_lr,
    write_json,
)
from selfplay.trainer_config import GameSettings, TrainerRun
from selfplay.trainer_loop import start_trainer

log = logging.getLogger("go_engine.rl")
LOG_FIELDS = ("step", "loss", "win_rate", "mean_z", "game_length", "games_per_s", "opponent", "pool_size", "lr")
SENSIBLE_PLANE = 46
"""index of the sensibleness plane in ``aglee48`` (docs/lee.md)"""


@dataclass(frozen=True)
class RLConfig(GameSettings, TrainerRun):
    """Hyperparameters of the REINFORCE trainer (a step is an iteration)."""

    iterations: int = 1000
    """total iterations (one minibatch of games and one SGD step each)"""
    games: int = 128
    """games per minibatch, played in parallel (paper: 128)"""
    lr: float = 0.001
    """SGD step size alpha"""
    momentum: float = 0.0
    """SGD momentum"""
    pool_every: int = 500
    """add the current parameters to the opponent pool every this many iterations (paper: 500)"""
    baseline: str = "none"
    """``"none"`` (b = 0) or ``"mean"`` (b = the minibatch's mean z from the learner's view)"""
    train_chunk: int = 512
    """positions per forward/backward pass of the update (gradients are accumulated)"""
    log_every: int = 1
    """iterations between log rows (an iteration is a whole minibatch of games)"""
    checkpoint_every: int = 10
    """iterations between checkpoints"""

    def __post_init__(self):
        if self.baseline not in ("none", "mean"):
            raise ValueError(f"baseline must be 'none' or 'mean', got {self.baseline!r}")
        if self.games < 1 or self.pool_every < 1:
            raise ValueError("games and pool_every must be >= 1")


def reinforce_loss(logp: torch.Tensor, advantages: torch.Tensor, n_games: int) -> torch.Tensor:
    """``-1/n * sum_t log p(a_t | s_t) * (z_t - b_t)`` (pure; its gradient is REINFORCE's ascent step).

    Args:
        logp: ``[T]`` log-probabilities of the moves played (with grad).
        advantages: ``[T]`` ``z - b`` of each move, from its mover's view (no grad).
        n_games: the minibatch's game count ``n``.
    """
    return -(logp * advantages.to(logp.dtype)).sum() / n_games


# ------------------------------------------------------------------------------ playing
def sensible_mask(planes: np.ndarray, boards: list[Board]) -> np.ndarray:
    """``bool[B, n*n+1]``: sensible legal points, or pass alone where there is none."""
    b, n = len(boards), boards[0].size
    pts = planes[:, SENSIBLE_PLANE].reshape(b, n * n) > 0
    pts &= np.stack([bd.legal_mask()[: n * n] for bd in boards]) > 0
    return np.concatenate([pts, ~pts.any(1, keepdims=True)], axis=1)


def policy_moves(model, boards: list[Board], rng: np.random.Generator, device) -> tuple[np.ndarray, ...]:
    """Sample one move per board from ``model`` over the sensible moves (one batched net call).

    Returns:
        ``(actions int64[B], planes uint8[B, 48, n, n], mask bool[B, n*n+1])``.
    """
    planes = encode_lee_batch(boards)
    mask = sensible_mask(planes, boards)
    with torch.no_grad():
        logits = model(torch.from_numpy(planes).to(device))
        p = torch.exp(masked_log_softmax(logits, torch.from_numpy(mask).to(device))).cpu().double().numpy()
    cdf = np.cumsum(p * mask, axis=1)
    u = rng.random(len(boards)) * cdf[:, -1]
    actions = np.minimum((cdf < u[:, None]).sum(1), mask.shape[1] - 1)
    bad = ~mask[np.arange(len(boards)), actions]  # rounding at the top of the CDF: the last allowed action
    actions[bad] = [np.flatnonzero(m)[-1] for m in mask[bad]]
    return actions.astype(np.int64), planes.astype(np.uint8), mask


@dataclass
class Batch:
    """The learner's moves of a minibatch of games and the outcomes."""

    planes: np.ndarray
    """``uint8[T, 48, n, n]``"""
    mask: np.ndarray
    """``bool[T, n*n+1]``"""
    actions: np.ndarray
    """``int64[T]``"""
    game: np.ndarray
    """``int64[T]``: game of each move"""
    z: np.ndarray
    """``float32[n]``: outcome of each game from the learner's view"""
    lengths: np.ndarray
    """``int64[n]``: moves of each game"""


def outcome(board: Board, color: int) -> float:
    """``+1`` if ``color`` won, ``-1`` if it lost, 0 for a draw (area score with komi)."""
    w = board.winner()
    return 0.0 if w == EMPTY else (1.0 if w == color else -1.0)


def play_games(learner, opponent, n_games: int, size: int, cfg: RLConfig, rng: np.random.Generator, device) -> Batch:
    """Play ``n_games`` learner-vs-opponent games stepped together; record the learner's moves."""
    boards = [Board(size, komi=cfg.komi) for _ in range(n_games)]
    colors = np.where(np.arange(n_games) % 2 == 0, BLACK, WHITE)
    cap = cfg.move_cap(size)
    rec: list[tuple] = []
    live = list(range(n_games))
    while live:
        for net, mine in ((learner, True), (opponent, False)):
            live = [g for g in live if not boards[g].is_over and boards[g].move_number < cap]
            idx = [g for g in live if (boards[g].to_play == colors[g]) == mine]
            if not idx:
                continue
            acts, planes, mask = policy_moves(net, [boards[g] for g in idx], rng, device)
            for j, g in enumerate(idx):
                boards[g].play(int(acts[j]))
            if mine:
                rec.append((planes, mask, acts, np.array(idx)))
        live = [g for g in live if not boards[g].is_over and boards[g].move_number < cap]
    z = np.array([outcome(b, c) for b, c in zip(boards, colors, strict=True)], np.float32)
    planes, mask, acts, game = (np.concatenate(parts) for parts in zip(*rec, strict=True))
    return Batch(planes, mask, acts, game, z, np.array([b.move_number for b in boards]))


def policy_match(a, b, games: int, komi: float = 7.5, seed: int = 0, device="cpu") -> dict:
    """``a`` against ``b`` with no search (moves sampled as in training), colours alternating.

    Args:
        a: policy net (``PolicyNet``) or the path of its weights.
        b: its opponent, for the same board size.
        games: games to play, all stepped together (``a`` is black in the even ones).
        komi: komi of every game.
        seed: seed of the move sampling.
        device: torch device of both nets.

    Returns:
        ``{"games", "wins", "draws", "win_rate", "ci95"}`` for ``a`` (a draw counts half).
    """
    from selfplay.elo import wilson_interval

    nets = [load_weights(x).model if isinstance(x, str | Path) else x for x in (a, b)]
    for net in nets:
        net.to(device).eval()
    cfg = RLConfig(komi=komi)
    batch = play_games(nets[0], nets[1], games, nets[0].cfg.board_size, cfg, np.random.default_rng(seed), device)
    wins, draws = int((batch.z > 0).sum()), int((batch.z == 0).sum())
    score = wins + 0.5 * draws
    return {
        "games": games,
        "wins": wins,
        "draws": draws,
        "win_rate": score / games,
        "ci95": wilson_interval(score, games),
    }


# ------------------------------------------------------------------------------ training
def _load_pool(folder: Path, step: int) -> list[dict]:
    """The pool members saved at iterations up to ``step`` (later ones belong to a lost future)."""
    files = [p for p in sorted(folder.glob("*.safetensors")) if int(p.stem) <= step]
    return [load_weights(p).model.state_dict() for p in files]


def train_rl(cfg: RLConfig, sl_weights: str | Path, out: str | Path, *, stop_at: int | None = None) -> dict:
    """REINFORCE from the SL net at ``sl_weights`` (or its run folder); outputs in ``out``.

    Args:
        cfg: hyperparameters.
        sl_weights: ``weights.safetensors`` of ``train sl``, or the SL run folder holding it.
        out: run folder (see the module docstring).
        stop_at: stop at this total iteration instead of ``cfg.iterations``; a later call resumes.

    Returns:
        The last logged metrics (with ``"step"``).
    """
    out, sl_weights = Path(out), Path(sl_weights)
    if sl_weights.is_dir():
        sl_weights = sl_weights / "weights.safetensors"
    stop = cfg.iterations if stop_at is None else min(stop_at, cfg.iterations)
    rng, device = start_trainer(cfg)
    # --- model (p_rho = p_sigma at start), optimizer, pool, resume
    model = load_weights(sl_weights).model
    size = model.cfg.board_size
    optimizer = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=cfg.momentum)
    step, _ = restore_state(out / "checkpoint.pt", model, optimizer, rng)
    pool_dir = out / "pool"
    if not (pool_dir / f"{0:06d}.safetensors").exists():
        save_weights(pool_dir / f"{0:06d}.safetensors", load_weights(sl_weights).model, meta={"iteration": 0})
    pool = _load_pool(pool_dir, step)
    model.to(device).train()
    opponent = copy.deepcopy(model).eval()
    write_json(out / "config.json", {"rl": asdict(cfg), "sl_weights": str(sl_weights), "net": model.cfg.to_dict()})
    log.info("hyperparameters\n%s", dataclass_table(cfg))
    metrics_log = MetricLog(out, LOG_FIELDS, "rl")
    metrics: dict = {}
    while step < stop:
        t0 = time.perf_counter()
        # --- opponent: a random member of the pool
        k = int(rng.integers(len(pool)))
        opponent.load_state_dict(pool[k])
        # --- collect: a minibatch of games, all stepped together
        model.eval()
        batch = play_games(model, opponent, cfg.games, size, cfg, rng, device)
        model.train()
        baseline = float(batch.z.mean()) if cfg.baseline == "mean" else 0.0
        adv = torch.from_numpy(batch.z[batch.game] - baseline)
        # --- loss (accumulated over chunks of positions: the same gradient as one pass)
        optimizer.zero_grad(set_to_none=True)
        total = 0.0
        for i in range(0, len(batch.actions), cfg.train_chunk):
            sl = slice(i, i + cfg.train_chunk)
            x = torch.from_numpy(batch.planes[sl].astype(np.float32)).to(device)
            logp_all = masked_log_softmax(model(x), torch.from_numpy(batch.mask[sl]).to(device))
            logp = logp_all.gather(1, torch.from_numpy(batch.actions[sl]).to(device)[:, None]).squeeze(1)
            loss = reinforce_loss(logp, adv[sl].to(device), cfg.games)
            loss.backward()
            total += loss.item()
        # --- optimize
        set_lr(optimizer, cfg.lr)
        optimizer.step()
        step += 1
        # --- pool: the current parameters join every pool_every iterations
        if step % cfg.pool_every == 0:
            save_weights(pool_dir / f"{step:06d}.safetensors", model, step=step, meta={"iteration": step})
            pool.append({k2: v.detach().cpu().clone() for k2, v in model.state_dict().items()})
        # --- log
        if cfg.log_due(step, stop):
            metrics = {
                "loss": total,
                "win_rate": float((batch.z > 0).mean()),
                "mean_z": float(batch.z.mean()),
                "game_length": float(batch.lengths.mean()),
                "games_per_s": cfg.games / max(time.perf_counter() - t0, 1e-9),
                "opponent": k,
                "pool_size": len(pool),
                "lr": cfg.lr,
            }
            metrics_log.write(step, metrics)
        # --- checkpoint
        if cfg.checkpoint_due(step, stop):
            save_state(out / "checkpoint.pt", model, optimizer, step, {"rl": asdict(cfg)}, rng)
    save_state(out / "checkpoint.pt", model, optimizer, step, {"rl": asdict(cfg)}, rng)
    metrics_log.close()
    save_weights(out / "weights.safetensors", model, step=step, meta={"trainer": "rl"})
    return {"step": step, **metrics}
