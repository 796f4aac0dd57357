"""``MCTSPlayer``: a complete Go player from PUCT search plus rollouts, needing no network.

The default evaluator is the ``RolloutEvaluator`` of ``rollout_evaluator(cfg)``: heavy rollouts
(capture/atari heuristics and 3x3 patterns), heuristic tree priors (or a trained tree policy,
``cfg.tree_policy``) and RAVE, all compiled (``engine/rollout/_kernels_policy.py``). Any other
``Evaluator`` (a network) can be passed instead; the game logic below stays the same:

* **Passing** (with ``cfg.pass_guard``): when the opponent has just passed and the Tromp-Taylor
  count with komi already wins, pass at once (the game ends and is scored exactly so), provided the
  count with rollout-dead stones removed wins too (so that a server's dead-stone agreement cannot
  turn the result); never pass
  while behind on the board, since dead opponent stones still count for the opponent under area
  scoring and must be captured first (playing inside one's own territory costs nothing).
* **No self-harm**: never fill one's own true eye; a player with nothing else to play passes (a
  lost player would otherwise fill its eyes until all its stones are dead).
* **Resigning**: only below ``cfg.resign_threshold`` win rate on ``cfg.resign_consecutive`` of
  one's own moves in a row, after ``cfg.resign_min_moves``, and never while the board count wins.
* **Dead stones** (GTP ``final_status_list``, ``kgs-genmove_cleanup``): stones whose points end up
  owned by the opponent in most of a set of heavy rollouts.
* **Dynamic komi** (``cfg.dynamic_komi`` points at most; off by default): a search sure to win
  stops telling good moves from slack ones, since nearly all win, and a net that is overconfident
  (late in a game against an engine unlike itself) turns slack moves into lost games. So the
  player searches as if it had to overcome a *handicap* of extra komi: each own search whose win
  rate is above ``DYNKOMI_HIGH`` raises the handicap by a point (up to the cap), one below
  ``DYNKOMI_LOW`` lowers it by a point, one below one half drops it. The rollouts and the net's
  komi plane see the handicapped komi; passing, resigning (only while the handicap is 0), the
  board count and the dead stones use the game's (Baudis and Gailly 2011, "Balancing MCTS by
  dynamically adjusting the komi value", Pachi's adaptive dynamic komi).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import numpy as np

from engine.board import BLACK, WHITE, Board
from engine.config import MCTSConfig
from engine.player import RESIGN, MoveInfo, ReportMoves, StopCheck
from engine.rollout._kernels_policy import PATTERN_TABLE, ownership_playouts
from engine.search.evaluators import rollout_evaluator
from engine.search.mcts import MCTS, Evaluator
from engine.search.timecontrol import TimeControl

DYNKOMI_HIGH = 0.85
"""an own search above this win rate raises the dynamic komi handicap by a point"""
DYNKOMI_LOW = 0.65
"""an own search below this win rate lowers it by a point (below one half: to 0)"""

MIN_PLAYOUTS = 300
"""playouts of a move worth playing: the time manager's floor (``TimeControl.min_move``) is their time"""


class MCTSPlayer:
    """Player and Analyzer over ``MCTS`` (see the module docstring).

    Args:
        cfg: search settings (``seconds_per_move`` or ``num_simulations`` set the default effort).
        seed: seed of every generator of the search.
        evaluator: leaf evaluator; default ``RolloutEvaluator`` built from ``cfg``.
    """

    name = "mcts"

    def __init__(self, cfg: MCTSConfig | None = None, seed: int | None = None, evaluator: Evaluator | None = None):
        self.cfg = cfg or MCTSConfig()
        if evaluator is None:
            evaluator = rollout_evaluator(self.cfg, seed)
        self.evaluator = evaluator
        self.mcts = MCTS(self.cfg, evaluator, seed)
        self.rng_state = np.array([np.random.default_rng(seed).integers(1, 2**62)], np.uint64)
        self.time_control = TimeControl()
        self.last_info: list[MoveInfo] = []
        self.last_simulations = 0
        self.rate = 0.0
        """playouts a second of the recent searches (a running mean; 0 before the first)"""
        self._warm: set[int] = set()  # board sizes warmed up
        self._hopeless = {BLACK: 0, WHITE: 0}  # own moves in a row that would have resigned
        self.handicap = {BLACK: 0.0, WHITE: 0.0}
        """points of dynamic komi each colour's searches overcome now (``cfg.dynamic_komi``)"""

    def new_game(self, board: Board) -> None:
        """Forget the tree."""
        self.mcts.reset()
        self._hopeless = {BLACK: 0, WHITE: 0}
        self.handicap = {BLACK: 0.0, WHITE: 0.0}

    def warm_up(self, board: Board) -> None:
        """Load the compiled kernels and the nets, and fill the tree's memory, for ``board.size`` now.

        Once per board size, so that the first timed move costs what the others do: a few
        simulations, a re-rooting, then ``reset``, and one ownership rollout (the pass guard and the
        dead stones use them late in a game). The generators are restored, so a
        seeded game plays as without the warm-up (an evaluator's own caches and generators are
        used).
        """
        if board.size in self._warm:
            return
        self._warm.add(board.size)
        sims = 2 * max(1, self.cfg.batch_size)
        search = self.mcts
        if not isinstance(search, MCTS):  # root parallel: its workers warm up themselves
            nodes = 4 * sims + 64
            small = dataclasses.replace(self.cfg, max_nodes=nodes, max_edges=nodes * (board.size**2 + 1))
            search = MCTS(small, self.evaluator, seed=0)
        saved = search.rng_state.copy(), search.np_rng.bit_generator.state
        b = Board(board.size, board.rules)
        search.search(b, num_simulations=sims)
        b.play(search.choose_action(b))
        search.search(b, num_simulations=sims)  # re-rooting: the spare tree too
        search.reset()
        search.rng_state[:] = saved[0]
        search.np_rng.bit_generator.state = saved[1]
        own_state = self.rng_state.copy()
        self.ownership(b, 1)  # the pass guard's and the dead stones' rollouts, used late in a game
        self.rng_state[:] = own_state

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _board_for(board: Board, color: int) -> Board:
        if board.to_play == color:
            return board
        b = board.copy()
        b.to_play = color
        return b

    @staticmethod
    def _count_for(board: Board, color: int) -> float:
        """Tromp-Taylor count with komi from ``color``'s view."""
        s = board.area_score()
        return s if color == 1 else -s

    def _estimate_for(self, board: Board, color: int, playouts: int = 100) -> float:
        """Score from ``color``'s view counting rollout ownership (dead stones removed), with komi."""
        own = self.ownership(board, playouts)
        s = float(np.sum(own > 0.5) - np.sum(own < -0.5)) - board.komi
        return s if color == 1 else -s

    def min_move_seconds(self, playouts: int = MIN_PLAYOUTS) -> float:
        """Seconds this player needs for ``playouts`` playouts at its measured speed (0 before any search)."""
        return playouts / self.rate if self.rate > 0 else 0.0

    def _measure(self, simulations: int, seconds: float) -> None:
        if simulations > 0 and seconds >= 0.02:  # shorter searches time the overhead, not the playouts
            rate = simulations / seconds
            self.rate = rate if self.rate <= 0 else 0.7 * self.rate + 0.3 * rate

    def _budget(self, board: Board, color: int, seconds: float | None) -> tuple[int | None, float | None]:
        if seconds is not None:
            return None, seconds
        self.time_control.min_move = self.min_move_seconds()
        t = self.time_control.budget(color, board.size, board.move_number)
        if t is not None:
            return None, t
        if self.cfg.seconds_per_move is not None:
            return None, self.cfg.seconds_per_move
        return self.cfg.num_simulations, None

    # ------------------------------------------------------------------ Player
    def genmove(
        self, board: Board, color: int, seconds: float | None = None, progress: Callable[[], None] | None = None
    ) -> int:
        """Search and return an action for ``color`` (or ``RESIGN``); ``board`` is not modified.

        ``progress`` is called between chunks of simulations (every few milliseconds), when the
        tree holds no pending evaluation, so it may read ``move_infos()`` (GTP's
        ``lz-genmove_analyze`` streams its info lines this way).
        """
        b = self._board_for(board, color)
        self.last_info, self.last_simulations = [], 0  # a move made without a search reports none
        if b.is_over:
            return b.pass_action
        if self.cfg.pass_guard and b.passes >= 1 and self._count_for(b, color) > 0 and self._estimate_for(b, color) > 0:
            return b.pass_action
        sims, secs = self._budget(b, color, seconds)
        if secs is not None:  # leave room for the work around the search
            secs = max(0.005, 0.98 * secs - 0.01)
        t0 = time.perf_counter()
        poll = None if progress is None else (lambda: progress() or False)
        searched, handicap = self._handicapped(b, color), self.handicap[color]
        self.last_simulations = self.mcts.search(searched, num_simulations=sims, seconds=secs, should_stop=poll)
        self._measure(self.last_simulations, time.perf_counter() - t0)
        self.time_control.record_move(color, time.perf_counter() - t0)
        self.last_info = self.move_infos()
        action = self.mcts.choose_action(searched)
        self._adjust_handicap(color)
        c = self.cfg
        if self._hopeless_for(b, color, counts=handicap == 0) >= c.resign_consecutive:
            return RESIGN
        return self._no_self_harm(b, color, action)

    def _handicapped(self, b: Board, color: int) -> Board:
        """``b`` with ``color``'s dynamic komi handicap added to the komi it gives (``b`` itself at 0)."""
        points = self.handicap[color]
        if points == 0:
            return b
        searched = b.copy()
        shift = -points if color == WHITE else points  # komi is what white receives
        searched.rules = dataclasses.replace(b.rules, komi=b.komi + shift)
        return searched

    def _adjust_handicap(self, color: int) -> None:
        """Raise, lower or drop ``color``'s handicap by its last search's win rate (``cfg.dynamic_komi``)."""
        cap = self.cfg.dynamic_komi
        if cap <= 0:
            return
        winrate = (self.mcts.root_value() + 1) / 2
        h = self.handicap[color]
        if winrate > DYNKOMI_HIGH:
            h = min(h + 1.0, cap)
        elif winrate < 0.5:
            h = 0.0
        elif winrate < DYNKOMI_LOW:
            h = max(h - 1.0, 0.0)
        self.handicap[color] = h

    def _hopeless_for(self, b: Board, color: int, counts: bool = True) -> int:
        """``color``'s own moves in a row, this one included, on which it would resign (0: not now).

        ``counts`` False (a search under a dynamic komi handicap): this move is not one of them.
        """
        c = self.cfg
        winrate = (self.mcts.root_value() + 1) / 2
        low = (
            counts
            and c.resign_threshold > 0
            and b.move_number >= c.resign_min_moves
            and winrate < c.resign_threshold
            and self.mcts.root_visits() >= 100
            and self._count_for(b, color) < 0
        )
        self._hopeless[color] = self._hopeless[color] + 1 if low else 0
        return self._hopeless[color]

    def _no_self_harm(self, b: Board, color: int, action: int) -> int:
        """``action``, unless it fills one of ``color``'s own true eyes or passes while behind.

        With ``cfg.pass_guard`` a pass while behind on the board is replaced by the best other
        move. Neither that move nor the search's own choice may fill one of ``color``'s true eyes:
        a lost player whose moves all look equally bad would otherwise fill its eyes until every
        one of its stones is dead. With no other move left, the player passes.
        """
        if action != b.pass_action and not b.is_eye(action, color):
            return action
        if action == b.pass_action and not (self.cfg.pass_guard and self._count_for(b, color) <= 0):
            return action
        sane = [r.action for r in self.mcts.root_children() if r.action != b.pass_action]
        sane = [a for a in sane if not b.is_eye(a, color)]
        return sane[0] if sane else b.pass_action

    # ------------------------------------------------------------------ Analyzer
    def move_infos(self, max_moves: int = 10) -> list[MoveInfo]:
        """Root moves as ``MoveInfo`` lines (visited moves, most visited first)."""
        out = []
        visited = [r for r in self.mcts.root_children() if r.visits > 0]
        for i, r in enumerate(visited[:max_moves]):
            wr = (r.q + 1) / 2
            lcb = (r.q - 1.96 * np.sqrt(max(1 - r.q * r.q, 0.01) / r.visits) + 1) / 2
            out.append(MoveInfo(r.action, r.visits, wr, r.prior, self.mcts.principal_variation(r.action), lcb, i))
        return out

    def analyze(self, board: Board, color: int, report: ReportMoves, should_stop: StopCheck, interval: float) -> None:
        """Search until ``should_stop()``, calling ``report`` every ``interval`` seconds."""
        b = self._board_for(board, color)
        if b.is_over:
            return
        interval = max(interval, 0.01)
        idle = 0  # searches in a row that added nothing: a full tree (or a starved thread)
        while not should_stop():
            done = self.mcts.search(b, num_simulations=1 << 40, seconds=interval, should_stop=should_stop)
            report(self.move_infos())
            idle = idle + 1 if done == 0 else 0
            if idle >= 20:  # the tree is full: keep reporting the same statistics until stopped
                while not should_stop():
                    time.sleep(interval)
                    report(self.move_infos())
                return

    # ------------------------------------------------------------------ scoring help
    def ownership(self, board: Board, playouts: int = 200) -> np.ndarray:
        """``float64[n*n]``: mean final ownership over heavy rollouts (+1 black, -1 white)."""
        out = np.zeros(board.size * board.size)
        ownership_playouts(
            board.pts.copy(),
            board.scal.copy(),
            board.zob,
            self.rng_state,
            playouts,
            3 * board.size * board.size,
            PATTERN_TABLE,
            out,
        )
        return out

    def dead_stones(self, board: Board, playouts: int = 200) -> list[int]:
        """Actions of the stones that are dead: their points belong to the opponent in most rollouts."""
        own = self.ownership(board, playouts)
        stones = board.stones().reshape(-1)
        dead = ((stones == 1) & (own < -0.5)) | ((stones == 2) & (own > 0.5))
        return [int(a) for a in np.flatnonzero(dead)]
