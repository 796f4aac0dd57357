"""Expert game records from GNU Go playing itself over GTP (data for the SL and rollout policies).

``generate_gnugo_games(GnuGoDataConfig(games=200, size=9, out_dir="data/gnugo9"))`` starts one
``gnugo --mode gtp`` process per worker and lets it play both colours. Games are made to differ:

* each game first plays ``0 .. max_random_opening`` uniformly random legal moves, drawn from the
  points at least ``opening_margin`` lines from the edge (recorded in the SGF ``GC`` as
  ``random_opening=K`` so that trainers skip them: they are not expert moves);
* each GNU Go process gets its own ``--seed`` (GNU Go breaks ties between equal moves randomly).

A game ends after two passes in a row, a resignation or ``max_moves`` moves. The result is GNU
Go's ``final_score`` (area counting under ``--chinese-rules``), falling back to our own
Tromp-Taylor count. Every move is checked on our ``Board`` (positional superko); a move our board
rejects ends the game there. Each game is written atomically (``selfplay.records``) as
``gnugo_<size>_<sha1 of the moves>.sgf``, so identical games are written once (dedupe by name).

The GTP client here is a minimal synchronous one (GNU Go is trusted and local); the referee in
``selfplay/match.py`` is the hardened one, but ``selfplay`` must not import ``cli``.

Reference: GTP version 2 draft (https://www.lysator.liu.se/~gunnar/gtp/); GNU Go 3.8 manual.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing as mp
import os
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

from engine import coords, procs
from engine.board import Board, IllegalMove, Rules
from engine.sgf import board_to_record
from nets.fileio import atomic_write
from selfplay.gtp_client import GtpClient
from selfplay.records import write_sgf_file
from selfplay.trainer_config import GameSettings

log = logging.getLogger(__name__)
GNUGO_FALLBACK = "/usr/games/gnugo"


@dataclass(frozen=True)
class GnuGoDataConfig(GameSettings):
    """Settings of a GNU Go self-play data run (``komi``, ``max_moves``: ``GameSettings``)."""

    games: int = 10
    """games to write (duplicates are not counted; at most ``2 * games`` attempts)"""
    size: int = 9
    """board size"""
    out_dir: str = "data/gnugo"
    """folder for the SGF files"""
    level: int = 1
    """GNU Go ``--level`` (1 is fast: about 7 ms a move on 9x9)"""
    workers: int = 1
    """GNU Go processes playing at once"""
    seed: int = 0
    """root seed: worker ``i`` uses ``seed * 1000 + i`` for GNU Go and its own opening draws"""
    max_random_opening: int = 4
    """each game starts with 0..this many random legal moves"""
    opening_margin: int = 2
    """random opening moves avoid the first ``opening_margin`` lines"""
    gnugo: str | None = None
    """GNU Go executable (default: on PATH or /usr/games/gnugo)"""

    def __post_init__(self):
        coords.check_size(self.size)
        if self.games < 1 or self.workers < 1 or self.level < 0 or self.max_random_opening < 0:
            raise ValueError("games and workers must be >= 1; level and max_random_opening >= 0")


def find_gnugo(explicit: str | None = None) -> str:
    """Path of the GNU Go executable.

    Raises:
        FileNotFoundError: if it cannot be found.
    """
    path = explicit or shutil.which("gnugo") or (GNUGO_FALLBACK if os.access(GNUGO_FALLBACK, os.X_OK) else None)
    if not path:
        raise FileNotFoundError("gnugo is neither on PATH nor at /usr/games/gnugo (apt-get install gnugo)")
    return path


def _random_opening(board: Board, count: int, margin: int, rng: random.Random) -> None:
    n = board.size
    lo, hi = (margin, n - margin) if n - 2 * margin >= 3 else (0, n)
    for _ in range(count):
        pts = [r * n + c for r in range(lo, hi) for c in range(lo, hi)]
        pts = [a for a in pts if board.is_legal(a)]
        if not pts:
            break
        board.play(rng.choice(pts))


def play_one_game(gtp: GtpClient, cfg: GnuGoDataConfig, rng: random.Random) -> tuple[Board, int, str | None]:
    """One game of GNU Go against itself. Returns ``(board, random opening moves, result text)``."""
    n = cfg.size
    board = Board(n, Rules(komi=cfg.komi))
    for cmd in (f"boardsize {n}", "clear_board", f"komi {cfg.komi}"):
        gtp.send(cmd)
    _random_opening(board, rng.randint(0, cfg.max_random_opening), cfg.opening_margin, rng)
    for color, action in board.moves:
        gtp.send(f"play {'BW'[color - 1]} {coords.to_gtp(action, n)}")
    opening = len(board.moves)
    cap = cfg.move_cap(n)
    result = None
    while not board.is_over and len(board.moves) < cap:
        color = board.to_play
        ok, answer = gtp.send(f"genmove {'BW'[color - 1]}")
        if not ok:
            break
        if answer.lower() == "resign":
            result = f"{'WB'[color - 1]}+R"
            break
        try:
            board.play(coords.from_gtp(answer, n), color)
        except (IllegalMove, ValueError) as e:
            log.warning("gnugo move %s not accepted (%s); game cut", answer, e)
            break
    if result is None:
        ok, score = gtp.send("final_score")
        result = score if ok and score[:2] in ("B+", "W+") or score == "0" else board.result()
    return board, opening, result


def _worker(cfg: GnuGoDataConfig, index: int, quota: int) -> int:
    seed = cfg.seed * 1000 + index
    rng = random.Random(seed)
    args = [find_gnugo(cfg.gnugo), "--mode", "gtp", "--level", str(cfg.level), "--chinese-rules"]
    args += ["--positional-superko", "--komi", str(cfg.komi), "--seed", str(seed + 1)]
    gtp = GtpClient(args, ids=False)
    written = 0
    try:
        for _ in range(2 * quota):
            if written >= quota:
                break
            board, opening, result = play_one_game(gtp, cfg, rng)
            key = hashlib.sha1(repr(board.moves).encode()).hexdigest()[:16]
            path = Path(cfg.out_dir) / f"gnugo_{cfg.size}_{key}.sgf"
            if path.exists():
                continue
            rec = board_to_record(
                board,
                result=result,
                black_name=f"GNU Go level {cfg.level}",
                white_name=f"GNU Go level {cfg.level}",
                game_comment=f"random_opening={opening}",
            )
            write_sgf_file(path, rec)
            written += 1
    finally:
        gtp.close(timeout=5)
    return written


def _worker_star(args: tuple) -> int:
    return _worker(*args)


def generate_gnugo_games(cfg: GnuGoDataConfig) -> int:
    """Play ``cfg.games`` GNU Go self-play games and write them to ``cfg.out_dir``.

    Returns:
        The number of new SGF files written (duplicates of earlier games are skipped).

    Raises:
        FileNotFoundError: if GNU Go is missing.
    """
    find_gnugo(cfg.gnugo)
    Path(cfg.out_dir).mkdir(parents=True, exist_ok=True)
    quotas = [cfg.games // cfg.workers + (i < cfg.games % cfg.workers) for i in range(cfg.workers)]
    jobs = [(cfg, i, q) for i, q in enumerate(quotas) if q > 0]
    if len(jobs) == 1:
        return _worker(*jobs[0])
    with mp.get_context("spawn").Pool(len(jobs), procs.pool_init, (procs.guard_args(),)) as pool:
        return sum(pool.map(_worker_star, jobs))


def random_opening_moves(game_comment: str | None) -> int:
    """The ``random_opening=K`` count written in a record's ``GC`` (0 when absent)."""
    for part in (game_comment or "").replace(";", " ").split():
        if part.startswith("random_opening="):
            try:
                return int(part.split("=", 1)[1])
            except ValueError:
                return 0
    return 0


# ------------------------------------------------------------------ rollout policy files
def save_rollout_policy(path: str | os.PathLike, policy) -> Path:
    """Write a ``RolloutPolicy`` as ``.npz`` atomically (temp file in the folder + ``os.replace``)."""
    path = Path(path)
    data = policy.to_bytes()
    with atomic_write(path) as f:
        f.write(data)
    return path


def load_rollout_policy(path: str | os.PathLike):
    """Read a ``RolloutPolicy`` written by ``save_rollout_policy``."""
    from engine.rollout.policy import RolloutPolicy

    return RolloutPolicy.from_bytes(Path(path).read_bytes())


def train_rollout_policy(
    data_dir: str | os.PathLike,
    out: str | os.PathLike,
    *,
    holdout: float = 0.1,
    steps: int = 300,
    lr: float = 0.1,
    l2: float = 1e-4,
    seed: int = 0,
    init: str | os.PathLike | None = None,
    test_dir: str | os.PathLike | None = None,
    log=print,
) -> dict:
    """Fit the rollout and tree policies on the SGF games of ``data_dir`` and save them to ``out``.

    With ``init`` (a policy file) both start from its weights, and the L2 penalty pulls towards
    them: fine-tuning, e.g. a 9x9 policy on a few 19x19 games.

    Games are split at random (by ``seed``) into training and held-out parts (``holdout`` of the
    games, at least one when there are two or more). Returns the figures: positions, top-1
    accuracy of both policies on both parts; with ``test_dir`` (other games, e.g. of a stronger
    player), the tree policy's top-1, top-5 and mean log-probability of their moves as well.
    """
    import numpy as np

    from engine.rollout.policy import RolloutPolicy, fit_softmax, prediction_figures, top1_accuracy

    ex, records = _expert_examples(data_dir)
    rng = np.random.default_rng(seed)
    n_test = int(round(holdout * len(records))) if len(records) > 1 else 0
    n_test = max(n_test, 1) if holdout > 0 and len(records) > 1 else n_test
    test_games = set(rng.permutation(len(records))[:n_test].tolist())
    is_test = np.array([g in test_games for g in ex.game], bool)
    train, test = ex.subset(~is_test), ex.subset(is_test)
    log(f"{len(records)} games, {len(train)} training / {len(test)} held-out positions")
    start = load_rollout_policy(init) if init is not None else RolloutPolicy()
    w_roll = fit_softmax(train.without_tree_features(), steps=steps, lr=lr, l2=l2, weights=start.weights)
    tree0 = start.tree_weights if start.tree_weights is not None else start.weights
    w_tree = fit_softmax(train, steps=steps, lr=lr, l2=l2, weights=tree0)
    save_rollout_policy(out, RolloutPolicy(w_roll, w_tree))
    figures = {
        "games": len(records),
        "train_positions": len(train),
        "test_positions": len(test),
        "rollout_top1_train": top1_accuracy(w_roll, train.without_tree_features()),
        "rollout_top1_test": top1_accuracy(w_roll, test.without_tree_features()),
        "tree_top1_train": top1_accuracy(w_tree, train),
        "tree_top1_test": top1_accuracy(w_tree, test),
    }
    if test_dir is not None:
        test_ex, test_records = _expert_examples(test_dir)
        figures.update(test_games=len(test_records), test_dir_positions=len(test_ex))
        figures.update({f"tree_{k}_test_dir": v for k, v in prediction_figures(w_tree, test_ex).items()})
    log(", ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in figures.items()))
    return figures


def _expert_examples(folder: str | os.PathLike):
    """``(Examples, records)`` of the SGF games of ``folder``, their random openings skipped."""
    from engine.rollout.policy import examples_from_records
    from selfplay.records import load_sgf_folder

    records, _ = load_sgf_folder(folder)
    if not records:
        raise ValueError(f"no readable SGF games in {folder}")
    return examples_from_records(records, [random_opening_moves(r.game_comment) for r in records]), records
