"""The seeded golden playthrough of the whole game API (after OpenSpiel's playthrough files).

One 9x9 game of seeded random moves (no own-eye fills; pass when nothing else is left). Before
each move the text records what every engine layer says about the position: the board, the legal
actions and the reasons of the illegal empty points, liberties, ownership and area score, CRC-32
checksums of every registered feature encoding, the heuristic priors, the Lee rollout and tree
policies, seeded random, heavy and Lee rollouts, and every tenth move a seeded MCTS search with
the heavy and the random rollout policy. The last block is the final score. Floats are rounded to
9 decimals before they are checksummed.

Regenerate after a change that is meant to alter behaviour, and review the diff::

    python -m tests.golden.regen
"""

from __future__ import annotations

import sys
import zlib
from pathlib import Path

import numpy as np

from engine.board import Board, Rules
from engine.config import MCTSConfig
from engine.features.registry import FEATURES, encode
from engine.rollout import _kernels_policy as KPOL
from engine.rollout.playout import random_playouts, trace_playout
from engine.rollout.policy import N_WEIGHTS, RolloutPolicy, seed_rng
from engine.search.mcts import MCTS, RolloutEvaluator

FILE = Path(__file__).with_name("playthrough_9x9_seed0.txt")
SIZE = 9
SEED = 0
MAX_MOVES = 160
SEARCH_EVERY = 10


def crc(a: np.ndarray) -> str:
    """CRC-32 (8 hex digits) of an array; floats rounded to 9 decimals first."""
    a = np.asarray(a)
    if a.dtype.kind == "f":
        a = np.round(a.astype(np.float64), 9) + 0.0  # +0.0: no negative zeros
    return f"{zlib.crc32(np.ascontiguousarray(a).tobytes()):08x}"


def _policy() -> RolloutPolicy:
    w = np.random.default_rng(SEED + 1).normal(0.0, 0.5, N_WEIGHTS).astype(np.float32)
    return RolloutPolicy(w)


def _search(board: Board, policy: str) -> str:
    cfg = MCTSConfig(num_simulations=64)
    mcts = MCTS(cfg, RolloutEvaluator(policy, seed=SEED), seed=SEED)
    mcts.search(board)
    kids = mcts.root_children()[:5]
    return " ".join(f"{k.action}:{k.visits}" for k in kids)


def _position(board: Board, step: int, policy: RolloutPolicy) -> list[str]:
    n2 = SIZE * SIZE
    legal = board.legal_moves()
    illegal = [
        f"{a}:{board.legality(a)}" for a in range(n2) if board.color_at(a) == 0 and board.legality(a) is not None
    ]
    feats = " ".join(f"{name}={crc(encode(board, name))}" for name in sorted(FEATURES))
    priors = np.zeros(n2 + 1)
    KPOL.heuristic_priors(board.pts.copy(), board.scal.copy(), board.legal_mask(), KPOL.PATTERN_TABLE, priors)
    own = np.zeros(n2)
    KPOL.ownership_playouts(board.pts, board.scal, board.zob, seed_rng(step), 2, 3 * n2, KPOL.PATTERN_TABLE, own)
    trace = trace_playout(board, seed=step)
    scores, lengths = random_playouts(board, 3, seed=step)
    lee = policy.rollouts(board, 3, seed_rng(step))
    return [
        str(board),
        "legal: " + " ".join(map(str, legal)),
        "illegal: " + " ".join(illegal),
        f"liberties: {crc(board.liberty_grid())} ownership: {crc(board.ownership())} area: {board.area_score():g}",
        "features: " + feats,
        f"priors: {crc(priors)} rollout-probs: {crc(policy.probs(board))} tree-probs: {crc(policy.tree_probs(board))}",
        f"random playout: {trace.score} {len(trace.actions)} {crc(np.array(trace.actions))}"
        f" batch: {scores.tolist()} {lengths.tolist()}",
        f"heavy ownership: {crc(own)} lee rollouts: {lee[0]:g} {lee[1]} {lee[2]}",
    ]


def _choose(board: Board, rng: np.random.Generator) -> int:
    color = board.to_play
    moves = [a for a in board.legal_moves() if a != board.pass_action and not board.is_eye(a, color)]
    return int(rng.choice(moves)) if moves else board.pass_action


def playthrough() -> str:
    """The golden text (see the module docstring)."""
    board = Board(SIZE, Rules(komi=7.5))
    rng = np.random.default_rng(SEED)
    policy = _policy()
    lines = [f"# golden playthrough: {SIZE}x{SIZE}, seed {SEED}, komi 7.5, positional superko"]
    step = 0
    while not board.is_over and step < MAX_MOVES:
        lines.append(f"## step {step}")
        lines += _position(board, step, policy)
        if step % SEARCH_EVERY == 0:
            lines.append(f"search heavy: {_search(board, 'heavy')}")
            lines.append(f"search random: {_search(board, 'random')}")
        action = _choose(board, rng)
        lines.append(f"play: {action}")
        board.play(action)
        step += 1
    lines.append("## final")
    lines.append(str(board))
    lines.append(f"score: {board.area_score():g} result: {board.result()} moves: {board.move_number}")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Write the golden file."""
    FILE.write_text(playthrough())
    print(f"wrote {FILE}", file=sys.stderr)


if __name__ == "__main__":
    main()
