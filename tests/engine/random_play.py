"""Random positions for engine tests: a board after some random legal moves."""

from __future__ import annotations

import numpy as np

from engine.board import Board


def play_random(board: Board, moves: int, rng: np.random.Generator) -> Board:
    """``board`` after up to ``moves`` random legal moves that neither pass nor fill the mover's own eye."""
    for _ in range(moves):
        legal = [a for a in board.legal_moves() if a != board.pass_action and not board.is_eye(a, board.to_play)]
        if not legal:
            break
        board.play(int(rng.choice(legal)))
    return board
