"""One game, pure: self-play with training samples (``selfplay_game``) or two players (``play_game``).

No files, processes or clocks beyond timing: ``worker.py`` adds those.

``selfplay_game`` plays one AlphaGo Zero self-play game with a single ``MCTS`` tree shared by
both colours (reused between moves) and returns the record plus one training sample per fully
searched move:

==========  ===================  ==============================================================
array       dtype, shape         meaning
==========  ===================  ==============================================================
planes      uint8[T, C, n, n]    ``engine.features.encode(board, feature_set)`` (0/1 values)
pi          float32[T, n*n+1]    root visit distribution after the search
z           int8[T]              outcome from the view of the player to move: +1 win, -1 loss,
                                 0 draw (or a game stopped by the move cap with a 0 score)
to_play     int8[T]              BLACK (1) or WHITE (2)
==========  ===================  ==============================================================

Self-play rules (Silver et al. 2017, "Self-play"; KataGo for the playout cap):

* root Dirichlet noise ``P = (1 - eps) P + eps Dir(alpha)`` on every full search;
* temperature 1 (moves sampled by visit count) for the first ``temperature_moves`` moves, then
  the most visited move;
* resignation below ``resign_threshold`` win rate (root value mapped to 0..1) after
  ``resign_min_moves``; in a ``resign_disabled_frac`` share of games the game is played out and the
  first would-be resigner is remembered: if that side wins, the resignation would have been false;
* playout-cap randomization (optional): a move gets the full search with probability
  ``full_search_prob`` (noise on, recorded as a sample), else a fast search (no noise, no sample);
* the game ends after two passes, a resignation, or ``max_moves`` (then scored by area).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np

from engine.board import EMPTY, Board
from engine.config import BoardConfig, MCTSConfig
from engine.features import encode, n_planes
from engine.player import RESIGN, Player
from engine.search.mcts import MCTS, Evaluator
from engine.sgf import GameRecord, board_to_record
from selfplay.config import Config


@dataclass
class GameResult:
    """A finished self-play game: its record, its samples and what happened."""

    record: GameRecord
    planes: np.ndarray
    pi: np.ndarray
    z: np.ndarray
    to_play: np.ndarray
    winner: int
    """BLACK, WHITE or EMPTY (draw)"""
    moves: int
    resigned: bool = False
    resign_disabled: bool = False
    would_resign: int = EMPTY
    """with resignation disabled: the colour that would have resigned first (EMPTY = none)"""
    simulations: int = 0
    seconds: float = 0.0
    info: dict = field(default_factory=dict)
    q: np.ndarray | None = None
    """float32[T]: the search's root value at each sample, player to move's view (compiled engine)"""

    @property
    def false_resign(self) -> bool:
        """A would-be resigner that went on to win."""
        return self.would_resign != EMPTY and self.would_resign == self.winner

    @property
    def positions(self) -> int:
        """Training samples in this game."""
        return len(self.z)


def sized(mcts_cfg: MCTSConfig, size: int) -> MCTSConfig:
    """``mcts_cfg`` with tree capacity fitted to its playouts (the 400k-node default is for long searches).

    Many games share a worker, each with its own tree, so an oversized default would cost
    hundreds of megabytes per game. Room is left for the reused subtree of the previous move.
    """
    nodes = 4 * mcts_cfg.num_simulations + 4 * mcts_cfg.batch_size + 64
    return replace(mcts_cfg, max_nodes=nodes, max_edges=nodes * (size * size + 1))


def _search_configs(cfg: Config):
    sp, n = cfg.selfplay, cfg.board.size
    full = replace(
        sized(cfg.mcts, n),
        dirichlet_eps=sp.dirichlet_eps,
        dirichlet_alpha=sp.dirichlet_alpha,
        temperature=1.0,
        temperature_moves=sp.temperature_moves,
        resign_threshold=0.0,
    )
    fast_n = sp.fast_playouts or max(1, full.num_simulations // 4)
    fast = replace(full, dirichlet_eps=0.0, num_simulations=fast_n)
    return full, fast, sp.max_moves or 2 * n * n


def selfplay_game(cfg: Config, evaluator: Evaluator, seed: int) -> GameResult:
    """Play one self-play game with ``evaluator`` at the leaves.

    Args:
        cfg: root config (``board``, ``mcts``, ``selfplay`` and ``net.feature_set`` are used).
        evaluator: the leaf evaluator (a network, or a proxy of ``MultiGameSearch``).
        seed: seed of everything random in this game (noise, temperature, resign-off draw).

    Returns:
        The ``GameResult``; does not write anything.
    """
    t0 = time.perf_counter()
    sp = cfg.selfplay
    rng = np.random.default_rng(seed)
    full_cfg, fast_cfg, max_moves = _search_configs(cfg)
    resign_on = sp.resign_threshold > 0 and rng.random() >= sp.resign_disabled_frac
    board = cfg.board.make_board()
    mcts = MCTS(full_cfg, evaluator, int(rng.integers(2**62)))
    feature_set, n_act = cfg.net.feature_set, board.size**2 + 1
    planes, pis, colors = [], [], []
    would_resign, sims = EMPTY, 0
    while not board.is_over and board.move_number < max_moves:
        # --- search (full or fast)
        full = not sp.playout_cap or rng.random() < sp.full_search_prob
        mcts.cfg = full_cfg if full else fast_cfg
        sims += mcts.search(board, num_simulations=mcts.cfg.num_simulations)
        kids = mcts.root_children()
        if full and kids:
            pi = np.zeros(n_act, np.float32)
            for r in kids:
                pi[r.action] = r.visits
            if pi.sum() > 0:
                planes.append(encode(board, feature_set).astype(np.uint8))
                pis.append(pi / pi.sum())
                colors.append(board.to_play)
        # --- resignation
        winrate = (mcts.root_value() + 1) / 2
        if sp.resign_threshold > 0 and board.move_number >= sp.resign_min_moves and winrate < sp.resign_threshold:
            if resign_on:
                board.resign()
                break
            if would_resign == EMPTY:
                would_resign = board.to_play
        # --- move
        board.play(mcts.choose_action(board))
    winner = board.winner()
    colors_arr = np.array(colors, np.int8)
    z = np.where(winner == EMPTY, 0, np.where(colors_arr == winner, 1, -1)).astype(np.int8)
    n, c = board.size, n_planes(feature_set)
    result = board.result() if (board.is_over or board.move_number >= max_moves) else None
    record = board_to_record(board, result=result, black_name="zero", white_name="zero")
    return GameResult(
        record=record,
        planes=np.stack(planes) if planes else np.zeros((0, c, n, n), np.uint8),
        pi=np.stack(pis) if pis else np.zeros((0, n_act), np.float32),
        z=z,
        to_play=colors_arr,
        winner=int(winner),
        moves=len(board.moves),
        resigned=board.resigned is not None,
        resign_disabled=sp.resign_threshold > 0 and not resign_on,
        would_resign=int(would_resign),
        simulations=sims,
        seconds=time.perf_counter() - t0,
    )


def play_game(board_cfg: BoardConfig, black: Player, white: Player, max_moves: int = 0) -> tuple[int, Board]:
    """Play ``black`` against ``white`` to the end (two passes, resignation, or the move cap).

    Args:
        board_cfg: size and rules.
        black: the player of black; ``new_game`` is called on both players first.
        white: the player of white.
        max_moves: move cap (0 = 2 * size * size), then the area count decides.

    Returns:
        ``(winner, board)``: BLACK, WHITE or EMPTY (draw), and the final board.
    """
    board = board_cfg.make_board()
    cap = max_moves or 2 * board.size**2
    for p in (black, white):
        p.new_game(board)
    while not board.is_over and board.move_number < cap:
        player = black if board.to_play == 1 else white
        action = player.genmove(board, board.to_play)
        if action == RESIGN:
            board.resign()
            break
        board.play(action)
    return int(board.winner()), board
