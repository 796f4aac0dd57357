r"""PUCT Monte-Carlo tree search over a preallocated array tree, for every evaluator.

Letters follow the AlphaGo papers and are used only in search code: for an edge (s, a), ``N`` is
its visit count, ``W`` the sum of the values backed up through it, ``Q = W / N`` its mean value,
``P`` its prior, and ``c_puct`` the exploration constant. A simulation descends from the root
choosing

    a = argmax_a  Q(s, a) + U(s, a),    U(s, a) = c_puct * P(s, a) * sqrt(N(s)) / (1 + N(s, a)),

optionally with AlphaZero's schedule ``c_puct = log((1 + N(s) + c_base) / c_base) + c_init``.
An unvisited edge takes the first-play urgency value ``Q(s) - fpu_reduction * sqrt(sum of P over
visited edges)`` (Leela Zero). Pending evaluations count as ``virtual_loss`` lost visits on every
node of their path so that a batch spreads out (AlphaGo Lee, n_vl = 3). Rollout search may mix in
all-moves-as-first statistics: ``Q <- (1 - beta) Q + beta Q_amaf`` with
``beta = n_amaf / (n_amaf + N + n_amaf N / rave_equiv)`` (Gelly & Silver 2007, michi).

Sign convention: an ``Evaluator`` returns values in [-1, 1] from the view of the player to move at
the leaf. The tree stores ``W`` at each node from the view of the player who made the move into
that node, so a parent maximises its children's ``Q`` directly, and backup negates the value at
each step up. Terminal positions (two passes) are scored exactly by Tromp-Taylor area with komi.

The evaluators (``Evaluator``, ``LeafBatch``, the rollout and mixed evaluators) are in
``engine/search/evaluators.py``, the root statistics and move ranking in ``engine/search/root.py``,
the leaves' paths and compiled feature planes in ``engine/search/leaves.py``.
Two drivers share the compiled kernels of ``engine/search/_kernels_mcts.py`` (select, expand,
backup): ``search_fused`` runs whole simulations in Numba when the evaluator is Numba-native
(``RolloutEvaluator``); otherwise leaves are collected ``batch_size`` at a time under virtual loss
and handed to the evaluator as one ``LeafBatch`` (minigo's select_leaf / add_virtual_loss /
incorporate_results / revert_virtual_loss cycle). Root moves are the board's legal moves under its
own rules (positional superko included). Below the root, the batched path checks legality on the
scratch board with the game history plus the path, so superko holds in the whole tree; the fused
rollout path uses simple ko there (a superko scan per expansion costs more than it is worth to
rollouts, whose own moves ignore superko anyway). Rollout search also defers expansion: a leaf
runs plain rollouts until it has ``cfg.rollout.expand_threshold`` visits (8 by default, as in michi),
which keeps the tree small and shallow; its edges are then stored in prior order so that selection
without RAVE stops at the first unvisited edge (Leela Zero).

References: Silver et al. 2016, Nature 529, Methods "Search algorithm"; Silver et al. 2017,
Nature 550, "Search algorithm"; Silver et al. 2018, Science 362 (c_puct schedule, Dirichlet
alpha); Gelly & Silver 2007, ICML (RAVE); OpenSpiel ``mcts.py``; minigo ``mcts.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from engine import _kernels as K
from engine.board import Board
from engine.config import MCTSConfig
from engine.rollout._kernels_policy import PATTERN_TABLE
from engine.search import _kernels_mcts as KM
from engine.search.evaluators import (  # noqa: F401  (re-exported: the search's public names)
    Evaluator,
    LeafBatch,
    MixedEvaluator,
    RolloutEvaluator,
    UniformEvaluator,
    _rng_state,
    played,
)
from engine.search.leaves import LeafPlanes, TreePaths
from engine.search.root import RANK_VISITS, RootChild, rank_children  # noqa: F401  (re-exported)

MAX_DEPTH = 1000
"""deepest tree path followed in one simulation"""


def _expanding(nodes: np.ndarray, out: tuple, k: int, ip: np.ndarray) -> np.ndarray:
    """Which of the ``k`` collected leaves ``KM.incorporate`` will expand (its test, before the call)."""
    depth = out[5][:k]
    leaf = out[4][np.arange(k), depth]
    return (nodes[KM.FIRST, leaf] < 0) & (nodes[KM.NVIS, leaf] + 1 >= ip[KM.IP_EXPAND]) & (depth < ip[KM.IP_MAX_DEPTH])


class MCTS:
    """The search: a tree kept between moves, driven by ``search`` and read by ``root_children``.

    Args:
        cfg: search settings.
        evaluator: leaf evaluator; a ``RolloutEvaluator`` runs in the fused compiled loop.
        seed: seed of the search's generators (rollouts, Dirichlet noise, temperature).
    """

    def __init__(self, cfg: MCTSConfig, evaluator: Evaluator, seed: int | None = None):
        self.cfg = cfg
        self.evaluator = evaluator
        self.np_rng = np.random.default_rng(seed)
        self.rng_state = _rng_state(self.np_rng)
        self.fused = bool(getattr(evaluator, "fused", False))
        self.tree: tuple | None = None
        self._spare: tuple | None = None
        self._size = 0
        self._root_board: Board | None = None
        self._clean_root_priors: np.ndarray | None = None

    # ------------------------------------------------------------------ tree storage
    def _alloc(self, size: int) -> tuple:
        c = self.cfg
        return (
            np.zeros((KM.NODE_ROWS, c.max_nodes), np.int64),
            np.zeros(c.max_nodes, np.float64),
            np.zeros((KM.EF_ROWS, c.max_edges), np.float32),
            np.zeros((2, c.max_edges), np.int32),
            np.zeros(3, np.int64),
        )

    def reset(self) -> None:
        """Forget the tree (new game)."""
        if self.tree is not None:
            KM.tree_reset(self.tree[0], self.tree[1], self.tree[4])
        self._root_board = None
        self._clean_root_priors = None

    @property
    def root(self) -> int:
        """Index of the root node."""
        return int(self.tree[4][KM.T_ROOT])

    def _sync_root(self, board: Board) -> None:
        """Make the tree's root ``board``: re-root on the moves played since the last search, or reset."""
        if self.tree is None or self._size != board.size:
            self.tree, self._spare, self._size = self._alloc(board.size), None, board.size
            self._root_board = None
        old = self._root_board
        node = -1
        if self.cfg.reuse_tree and old is not None and old.rules == board.rules:
            node = self._walk(old, board)
        if node < 0:
            KM.tree_reset(self.tree[0], self.tree[1], self.tree[4])
            self._clean_root_priors = None
        elif node != self.root:
            if self._spare is None:
                self._spare = self._alloc(board.size)
            KM.compact_tree(self.tree, self._spare, node)
            self.tree, self._spare = self._spare, self.tree
            self._clean_root_priors = None
            self._prune_root(board)
        self._root_board = board.copy()

    def _prune_root(self, board: Board) -> None:
        """Drop the edges of a reused root that the game's rules forbid (keeping their order).

        Edges below the root were made under simple ko (fused rollout search) or with the history
        known then, so a move can be banned by positional superko once the node is the root.
        """
        nodes, _, ef, ei, _ = self.tree
        root = self.root
        first, nch = int(nodes[KM.FIRST, root]), int(nodes[KM.NCH, root])
        if first < 0:
            return
        keep = board.legal_mask()[ei[KM.EACT, first : first + nch]] != 0
        if keep.all():
            return
        idx = first + np.flatnonzero(keep)
        ef[:, first : first + len(idx)] = ef[:, idx]
        ei[:, first : first + len(idx)] = ei[:, idx]
        nodes[KM.NCH, root] = len(idx)

    def _walk(self, old: Board, board: Board) -> int:
        """Node of ``board`` reached from the old root by the moves played since, or -1."""
        n_old = len(old.moves)
        if board.moves[:n_old] != old.moves or board.size != old.size:
            return -1
        nodes, _, _, ei, _ = self.tree
        replay = old.copy()
        node = self.root
        for color, action in board.moves[n_old:]:
            if color != replay.to_play or nodes[KM.FIRST, node] < 0:
                return -1
            first, nch = nodes[KM.FIRST, node], nodes[KM.NCH, node]
            hit = np.flatnonzero(ei[KM.EACT, first : first + nch] == action)
            if len(hit) == 0 or ei[KM.CHILD, first + hit[0]] < 0:
                return -1
            node = int(ei[KM.CHILD, first + hit[0]])
            replay.play(action)
        ok = replay.hash == board.hash and replay.to_play == board.to_play and replay.passes == board.passes
        return node if ok and nodes[KM.TERM, node] == 0 else -1

    # ------------------------------------------------------------------ parameters
    def _params(self, board: Board) -> tuple[np.ndarray, np.ndarray]:
        c, r, n = self.cfg, self.cfg.rollout, board.size
        fp = np.zeros(KM.NFP)
        fp[KM.FP_CPUCT] = r.c_puct if self.fused else c.c_puct
        fp[KM.FP_SCHEDULE] = float(c.c_puct_schedule)
        fp[KM.FP_CBASE], fp[KM.FP_CINIT] = c.c_base, c.c_init
        fp[KM.FP_FPU] = c.fpu_reduction
        fp[KM.FP_VLOSS] = 0.0 if self.fused else float(c.virtual_loss)
        fp[KM.FP_KOMI] = board.komi
        ev = self.evaluator
        fp[KM.FP_RAVE] = float(self.fused and c.rave and ev.policy == "heavy")
        fp[KM.FP_RAVE_EQUIV] = c.rave_equiv
        fp[KM.FP_LAMBDA] = r.lam if self.fused and ev.gives_values() else 1.0
        fp[KM.FP_VALUE_EQUIV] = r.value_visits if self.fused else 0.0
        ip = np.zeros(KM.NIP, np.int64)
        ip[KM.IP_EXPAND] = r.expand_threshold if self.fused else c.expand_threshold
        ip[KM.IP_MAX_DEPTH] = MAX_DEPTH
        if self.fused:
            ip[KM.IP_MAX_MOVES] = ev.max_moves or c.max_playout_moves or 3 * n * n
            ip[KM.IP_POLICY] = ev.policy_id()
            ip[KM.IP_PRIORS] = ev.priors_id()
            ip[KM.IP_NET] = r.net_visits if ev.has_nets() else 0
        return fp, ip

    def _scratch(self, board: Board, batch: int) -> tuple:
        n, area = board.size, board.pts.shape[1]
        hist = max(len(board.hist), int(board.scal[K.NHIST])) + MAX_DEPTH + 8
        return (
            np.zeros((batch, K.NROWS, area), np.int64),
            np.zeros((batch, K.NSCAL), np.int64),
            np.zeros((batch, hist), np.int64),
            np.zeros((batch, n * n + 1), np.int8),
            np.zeros((batch, MAX_DEPTH + 1), np.int64),
            np.zeros(batch, np.int64),
            np.zeros(batch, np.int64),
            np.zeros((batch, MAX_DEPTH + 1), np.int64),
        )

    # ------------------------------------------------------------------ root
    def _expand_root(self, board: Board, fp: np.ndarray, ip: np.ndarray) -> int:
        """Expand an unexpanded root; returns the simulations this took (1 for a batched evaluator)."""
        nodes = self.tree[0]
        root = self.root
        if nodes[KM.FIRST, root] >= 0:
            return 0
        legal = board.legal_mask()
        if self.fused:
            priors = self.evaluator.priors(board, legal)
            KM.expand_node(nodes, self.tree[2], self.tree[3], self.tree[4], root, legal, priors, fp[KM.FP_RAVE] == 0)
            return 0
        out = self._scratch(board, 1)
        out[0][0], out[1][0] = board.pts, board.scal
        out[3][0], out[6][0] = legal, board.to_play
        out[4][0, 0] = root
        batch = LeafBatch(out[0], out[1], out[3], out[6], board, [[]])
        priors, values = self.evaluator(batch)
        ip1 = ip.copy()
        ip1[KM.IP_EXPAND] = 1
        nodes[KM.VLOSS, root] += 1
        KM.incorporate(
            self.tree,
            out,
            1,
            np.asarray(priors, np.float64),
            np.asarray(values, np.float64),
            ip1,
            np.zeros(1, np.int64),
        )
        return 1

    def _add_noise(self, board: Board) -> None:
        c = self.cfg
        nodes, ef = self.tree[0], self.tree[2]
        first, nch = int(nodes[KM.FIRST, self.root]), int(nodes[KM.NCH, self.root])
        if c.dirichlet_eps <= 0 or first < 0 or nch < 2:
            return
        if self._clean_root_priors is None:
            self._clean_root_priors = ef[KM.PRIOR, first : first + nch].copy()
        ef[KM.PRIOR, first : first + nch] = self._clean_root_priors
        nodes[KM.SORTED, self.root] = 0  # noisy priors are out of order: select scans every edge
        alpha = c.dirichlet_alpha if c.dirichlet_alpha > 0 else 10.0 / nch
        noise = self.np_rng.dirichlet(np.full(nch, alpha))
        KM.add_root_noise(ef, first, nch, noise, c.dirichlet_eps)

    # ------------------------------------------------------------------ search
    def search(
        self,
        board: Board,
        num_simulations: int | None = None,
        seconds: float | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> int:
        """Search from ``board`` (which is not modified) by simulation count or by time.

        Args:
            board: the position; its side to move is the searching player.
            num_simulations: simulations to add (default ``cfg.num_simulations`` when no time given).
            seconds: wall-clock budget; the search stops at whichever limit comes first.
            should_stop: polled between chunks of simulations; True ends the search.

        Returns:
            Simulations done (fewer if the tree filled up or the game is over).
        """
        t0 = time.perf_counter()
        num_simulations, seconds = self.cfg.budget(num_simulations, seconds)
        target = num_simulations if num_simulations is not None else 1 << 62
        deadline = t0 + seconds if seconds is not None else float("inf")
        self._sync_root(board)
        if board.is_over:
            return 0
        fp, ip = self._params(board)
        done = self._expand_root(board, fp, ip)
        self._add_noise(board)
        if self.fused:
            done += self._run_fused(board, fp, ip, target - done, deadline, should_stop)
        else:
            done += self._run_batched(board, fp, ip, target - done, deadline, should_stop)
        return done

    def _run_fused(self, board, fp, ip, target, deadline, should_stop) -> int:
        ev = self.evaluator
        out = self._scratch(board, 1)
        scratch = (
            out[0][0],
            out[1][0],
            out[2][0],
            out[4][0],
            np.zeros(board.size**2 + 1, np.int64),
            out[3][0],
            np.zeros(board.size**2 + 1),
            out[7][0],
        )
        pwork = ev.playout_work(board.size)
        rollout_args = ev.rollout_args(board.size)
        tree_args = ev.tree_args(board.size)
        queue = ev.net_queue(board.size)
        if ip[KM.IP_NET] > 0:
            self._net_root(board, queue)
        done, chunk = 0, 16
        while done < target:
            t = time.perf_counter()
            if t >= deadline or (should_stop is not None and should_stop()):
                break
            k = KM.search_fused(
                self.tree,
                board.pts,
                board.scal,
                board.hist,
                board.zob,
                fp,
                ip,
                self.rng_state,
                min(chunk, target - done),
                PATTERN_TABLE,
                scratch,
                pwork,
                rollout_args,
                tree_args,
                queue,
            )
            done += k
            dt = time.perf_counter() - t
            if len(queue[2]) and queue[3][0] >= len(queue[2]):
                self._flush_net(queue, board)
            if k == 0:
                break
            rate = k / max(dt, 1e-6)
            left = deadline - time.perf_counter()
            chunk = int(max(8, min(rate * min(0.02, max(left, 0.0) * 0.5), 1 << 20)))
        KM.unqueue(self.tree[0], queue[2], int(queue[3][0]))
        queue[3][0] = 0
        return done

    def _net_root(self, board: Board, queue: tuple) -> None:
        """Give the root its network priors and value now, if it has none yet."""
        nodes = self.tree[0]
        root = self.root
        if nodes[KM.NETQ, root] == 2 or nodes[KM.FIRST, root] < 0 or not len(queue[2]):
            return
        KM.unqueue(nodes, queue[2], int(queue[3][0]))
        queue[0][0], queue[1][0], queue[2][0], queue[3][0] = board.pts, board.scal, root, 1
        self._flush_net(queue, board)

    def _flush_net(self, queue: tuple, board: Board) -> None:
        """Evaluate the queued positions with the evaluator's nets and install the results.

        An evaluator that reads earlier positions (``wants_boards``: ``agz17``'s history planes)
        also gets each queued node as a ``Board``: the root ``board`` with the node's moves played.
        """
        q_pts, q_scal, q_node, q_count = queue
        k = int(q_count[0])
        if k:
            args = (q_pts[:k], q_scal[:k])
            if getattr(self.evaluator, "wants_boards", False):
                args += ([played(board, self._node_moves(int(node))) for node in q_node[:k]],)
            logits, values = self.evaluator.evaluate_nodes(*args)
            logits, values = np.asarray(logits, np.float64), np.asarray(values, np.float64)
            KM.apply_net(self.tree, q_node, k, logits, values, float(self.evaluator.temperature))
        q_count[0] = 0

    def _node_moves(self, node: int) -> list[int]:
        """The moves from the root to tree node ``node``."""
        nodes, root, moves = self.tree[0], self.root, []
        while node != root:
            moves.append(int(nodes[KM.ACTION, node]))
            node = int(nodes[KM.PARENT, node])
        return moves[::-1]

    def _run_batched(self, board, fp, ip, target, deadline, should_stop) -> int:
        bs = self.cfg.batch_size
        out = self._scratch(board, bs)
        planes = LeafPlanes(board, out[2].shape[1])
        amaf = np.zeros(board.size**2 + 1, np.int64)
        nodes = self.tree[0]
        done, step = 0, 0.0  # step: seconds of the last batch (one that would end past the deadline is not begun)
        while done < target:
            t = time.perf_counter()
            if t + step >= deadline or (should_stop is not None and should_stop()):
                break
            k, term = KM.collect_leaves(
                self.tree, board.pts, board.scal, board.hist, board.zob, fp, ip, min(bs, target - done), out, amaf
            )
            done += term
            if k == 0:
                if term == 0:
                    break
                continue
            paths = TreePaths(nodes, out[4], out[5], k)
            expanding = _expanding(nodes, out, k, ip)
            encoder = planes.encoder(nodes, out, k)
            batch = LeafBatch(out[0][:k], out[1][:k], out[3][:k], out[6][:k], board, paths, expanding, encoder)
            priors, values = self.evaluator(batch)
            KM.incorporate(
                self.tree,
                out,
                k,
                np.asarray(priors, np.float64).reshape(k, -1),
                np.asarray(values, np.float64).reshape(k),
                ip,
                amaf,
            )
            done += k
            step = time.perf_counter() - t
        return done

    # ------------------------------------------------------------------ reading the tree
    def root_children(self) -> list[RootChild]:
        """Statistics of the root's moves (from the root player's view), most visited first."""
        nodes, nodew, ef, ei, _ = self.tree
        root = self.root
        first, nch = int(nodes[KM.FIRST, root]), int(nodes[KM.NCH, root])
        out = []
        for e in range(max(first, 0), max(first, 0) + (nch if first >= 0 else 0)):
            ch = int(ei[KM.CHILD, e])
            n = int(nodes[KM.NVIS, ch]) if ch >= 0 else 0
            q = float(nodew[ch] / n) if n > 0 else 0.0
            out.append(RootChild(int(ei[KM.EACT, e]), n, q, float(ef[KM.PRIOR, e])))
        return rank_children(out, self._size)

    def root_visits(self) -> int:
        """N of the root."""
        return int(self.tree[0][KM.NVIS, self.root])

    def root_value(self) -> float:
        """Mean value of the root from the view of its player to move (0 before any visit)."""
        n = self.tree[0][KM.NVIS, self.root]
        return float(-self.tree[1][self.root] / n) if n > 0 else 0.0

    def principal_variation(self, action: int, max_len: int = 12) -> list[int]:
        """Most-visited line starting with root move ``action``."""
        nodes, _, _, ei, _ = self.tree
        pv, node = [action], self._child(self.root, action)
        while node >= 0 and len(pv) < max_len and nodes[KM.FIRST, node] >= 0:
            first, nch = nodes[KM.FIRST, node], nodes[KM.NCH, node]
            kids = ei[KM.CHILD, first : first + nch]
            visits = np.where(kids >= 0, nodes[KM.NVIS, np.maximum(kids, 0)], 0)
            if visits.max() <= 0:
                break
            j = int(np.argmax(visits))
            pv.append(int(ei[KM.EACT, first + j]))
            node = int(kids[j])
        return pv

    def _child(self, node: int, action: int) -> int:
        nodes, _, _, ei, _ = self.tree
        first, nch = nodes[KM.FIRST, node], nodes[KM.NCH, node]
        if first < 0:
            return -1
        hit = np.flatnonzero(ei[KM.EACT, first : first + nch] == action)
        return int(ei[KM.CHILD, first + hit[0]]) if len(hit) else -1

    def choose_action(self, board: Board) -> int:
        """The move to play: most visits (or LCB), or sampled with the temperature early in a game.

        Ties in visits and Q go to the higher prior (``rank_children``), so that a search of one
        playout, or one cut short by the clock, plays the best move its priors know.
        """
        kids = [r for r in self.root_children()]
        if not kids:
            return board.pass_action
        c = self.cfg
        visits = np.array([r.visits for r in kids], np.float64)
        if c.temperature > 0 and board.move_number < c.temperature_moves and visits.sum() > 0:
            p = visits ** (1.0 / c.temperature)
            return kids[int(self.np_rng.choice(len(kids), p=p / p.sum()))].action
        if c.use_lcb and visits[0] > 0:
            ok = [r for r in kids if r.visits >= max(2, 0.1 * visits[0])]
            if ok:
                return max(ok, key=lambda r: r.q - 1.96 * np.sqrt(max(1.0 - r.q * r.q, 0.01) / r.visits)).action
        return kids[0].action

    def pending_virtual_loss(self) -> int:
        """Total virtual loss left in the tree (0 after every search)."""
        nodes, _, ef, _, t = self.tree
        return int(np.abs(nodes[KM.VLOSS, : t[KM.T_NODES]]).sum() + np.abs(ef[KM.EVL, : t[KM.T_EDGES]]).sum())
