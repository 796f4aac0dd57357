"""Proportional prioritized replay (sum tree) and n-step returns for ``selfplay/rl/dqn.py``.

Schaul et al. 2016, "Prioritized Experience Replay", section 3.3 and Algorithm 1:

* transition ``i`` is sampled with probability ``P(i) = p_i / sum_k p_k``, ``p_i = (|delta_i| + eps)^alpha``
  (``alpha = 0.6``); new transitions get the largest priority seen so far;
* the bias is corrected by importance weights ``w_i = (N * P(i))^-beta / max_j w_j`` (``beta``
  annealed 0.4 -> 1 by the trainer), the max taken over the whole buffer (the smallest ``P``);
* sampling is stratified: the total is cut into ``batch`` equal segments, one draw from each.

``SumTree`` stores the ``p_i`` in the leaves of a complete binary tree (array layout: node ``k``
has children ``2k`` and ``2k+1``, leaves at ``[cap, 2cap)``, ``cap`` a power of two), so a
prefix-sum search and an update are ``O(log N)``; both are vectorised over a batch.

n-step returns (Mnih et al. 2016; Hessel et al. 2018) in a two-player game. Let ``g = sign * gamma``,
``sign = +1`` when the env plays the opponent's reply (every state is the agent's) and ``sign = -1``
in self-play (consecutive states belong to alternating players, and values are from the view of
the player to move, so each step flips the sign: negamax). For ``k <= n`` steps:

    R = sum_{j<k} g^j r_{t+j},   target = R + g^k * (1 - done) * Q_target(s_{t+k}, a*)

``NStepBuffer`` stores ``discount = g^k`` with each transition, so the trainer's target needs no
sign logic: in self-play with ``n = 1`` it is ``r - gamma * max Q(s', .)``.
"""

from __future__ import annotations

import os
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nets.fileio import atomic_write


class SumTree:
    """Sum tree over ``capacity`` non-negative priorities (float64)."""

    def __init__(self, capacity: int):
        if capacity < 1:
            raise ValueError(f"capacity must be positive, got {capacity}")
        self.capacity = capacity
        self.cap = 1 << (capacity - 1).bit_length()
        self.tree = np.zeros(2 * self.cap, np.float64)

    @property
    def total(self) -> float:
        """Sum of all priorities."""
        return float(self.tree[1])

    def leaves(self, n: int | None = None) -> np.ndarray:
        """View of the first ``n`` (default all) priorities."""
        return self.tree[self.cap : self.cap + (self.capacity if n is None else n)]

    def update(self, idx: np.ndarray, priorities: np.ndarray) -> None:
        """Set ``p[idx] = priorities`` (later entries win on duplicates) and fix the sums above."""
        i = np.asarray(idx, np.int64) + self.cap
        self.tree[i] = priorities
        if i.size == 1:  # the common single add: plain ints are much faster than np.unique per level
            j, t = int(i[0]) // 2, self.tree
            while j >= 1:
                t[j] = t[2 * j] + t[2 * j + 1]
                j //= 2
            return
        i = np.unique(i // 2)
        while i[0] >= 1:
            self.tree[i] = self.tree[2 * i] + self.tree[2 * i + 1]
            if i[0] == 1:
                break
            i = np.unique(i // 2)

    def find(self, values: np.ndarray) -> np.ndarray:
        """Leaf index ``i`` with ``prefix(i) <= v < prefix(i + 1)`` for each ``v`` in ``[0, total)``."""
        v = np.array(values, np.float64)
        i = np.ones(len(v), np.int64)
        while i[0] < self.cap:
            left = 2 * i
            right = v >= self.tree[left]
            v = np.where(right, v - self.tree[left], v)
            i = np.where(right, left + 1, left)
        return i - self.cap


@dataclass
class Batch:
    """A sampled minibatch (numpy arrays, first axis = batch)."""

    idx: np.ndarray
    obs: np.ndarray
    action: np.ndarray
    reward: np.ndarray
    discount: np.ndarray
    done: np.ndarray
    next_obs: np.ndarray
    next_mask: np.ndarray
    weight: np.ndarray


class PrioritizedReplay:
    """Ring buffer of n-step transitions with proportional prioritized sampling.

    Planes are stored as ``uint8`` (the feature planes are 0/1), masks as ``bool``.
    """

    FIELDS = ("obs", "action", "reward", "discount", "done", "next_obs", "next_mask")

    def __init__(
        self, capacity: int, obs_shape: tuple[int, ...], n_actions: int, alpha: float = 0.6, eps: float = 1e-3
    ):
        self.capacity, self.alpha, self.eps = capacity, alpha, eps
        self.tree = SumTree(capacity)
        self.obs = np.zeros((capacity, *obs_shape), np.uint8)
        self.next_obs = np.zeros((capacity, *obs_shape), np.uint8)
        self.next_mask = np.zeros((capacity, n_actions), bool)
        self.action = np.zeros(capacity, np.int64)
        self.reward = np.zeros(capacity, np.float32)
        self.discount = np.zeros(capacity, np.float32)
        self.done = np.zeros(capacity, np.float32)
        self.pos, self.size, self.max_priority = 0, 0, 1.0

    def __len__(self) -> int:
        return self.size

    def add(self, obs, action, reward, discount, done, next_obs, next_mask) -> None:
        """Store one transition with the largest priority so far (``p^alpha`` of it)."""
        i = self.pos
        self.obs[i], self.action[i], self.reward[i] = obs, action, reward
        self.discount[i], self.done[i] = discount, done
        self.next_obs[i], self.next_mask[i] = next_obs, next_mask
        self.tree.update(np.array([i]), np.array([self.max_priority**self.alpha]))
        self.pos, self.size = (i + 1) % self.capacity, min(self.size + 1, self.capacity)

    def add_batch(self, obs, action, reward, discount, done, next_obs, next_mask, priority=None) -> None:
        """Store many transitions (first axis); with ``priority`` (``|TD|`` each) instead of the maximum.

        Ape-X actors compute the initial priorities themselves, so a new transition is sampled by
        its own error rather than by the largest priority seen so far.
        """
        n = len(action)
        idx = (self.pos + np.arange(n)) % self.capacity
        self.obs[idx], self.action[idx], self.reward[idx] = obs, action, reward
        self.discount[idx], self.done[idx] = discount, done
        self.next_obs[idx], self.next_mask[idx] = next_obs, next_mask
        if priority is None:
            self.tree.update(idx, np.full(n, self.max_priority**self.alpha))
        else:
            self.update_priorities(idx, priority)
        self.pos, self.size = int((self.pos + n) % self.capacity), min(self.size + n, self.capacity)

    def sample(self, batch_size: int, beta: float, rng: np.random.Generator) -> Batch:
        """Stratified proportional sample with importance weights ``(N P(i))^-beta / max w``."""
        total = self.tree.total
        bounds = np.arange(batch_size + 1) * (total / batch_size)
        values = rng.uniform(bounds[:-1], bounds[1:])
        idx = np.minimum(self.tree.find(np.minimum(values, np.nextafter(total, 0))), self.size - 1)
        probs = self.tree.leaves(self.size)[idx] / total
        p_min = self.tree.leaves(self.size).min() / total
        weight = (probs / p_min) ** -beta
        data = {f: getattr(self, f)[idx] for f in self.FIELDS}
        return Batch(idx=idx, weight=weight.astype(np.float32), **data)

    def update_priorities(self, idx: np.ndarray, td_error: np.ndarray) -> None:
        """Set priorities from absolute TD errors: ``p = (|delta| + eps)^alpha``."""
        p = np.abs(np.asarray(td_error, np.float64)) + self.eps
        self.max_priority = max(self.max_priority, float(p.max()))
        self.tree.update(idx, p**self.alpha)

    def save(self, path: str | os.PathLike, **extra: np.ndarray) -> None:
        """Write the whole buffer (and ``extra`` arrays) to ``path`` (.npz) atomically."""
        path = Path(path)
        arrays = {f: getattr(self, f) for f in self.FIELDS}
        scalars = np.array([self.pos, self.size], np.int64)
        top = np.float64(self.max_priority)
        with atomic_write(path, suffix=".npz") as f:
            np.savez(f, tree=self.tree.tree, scalars=scalars, max_priority=top, **arrays, **extra)

    def load(self, path: str | os.PathLike) -> dict[str, np.ndarray]:
        """Read a buffer written by ``save`` (same capacity and shapes); returns the ``extra`` arrays."""
        with np.load(path) as data:
            for f in self.FIELDS:
                getattr(self, f)[:] = data[f]
            self.tree.tree[:] = data["tree"]
            self.pos, self.size = (int(x) for x in data["scalars"])
            self.max_priority = float(data["max_priority"])
            known = {*self.FIELDS, "tree", "scalars", "max_priority"}
            return {k: data[k] for k in data.files if k not in known}


def nstep_return(rewards: list[float] | np.ndarray, gamma: float, sign: float = 1.0) -> tuple[float, float]:
    """``(R, discount)`` of ``k = len(rewards)`` steps: ``R = sum_j (sign*gamma)^j r_j``, ``(sign*gamma)^k``."""
    g = sign * gamma
    ret = sum(g**j * float(r) for j, r in enumerate(rewards))
    return float(ret), float(g ** len(rewards))


class NStepBuffer:
    """Turns one env's 1-step transitions into n-step ones (see the module docstring).

    ``push`` returns the transitions that became complete, as tuples
    ``(obs, action, R, discount, done, next_obs, next_mask)``: one per step while the episode
    runs, all pending ones when it terminates (``done = 1``) or is truncated (bootstrapped).
    """

    def __init__(self, n: int, gamma: float, sign: float = 1.0):
        self.n, self.gamma, self.sign = n, gamma, sign
        self.pending: deque[tuple[np.ndarray, int, float]] = deque()

    def clear(self) -> None:
        """Forget the pending steps (an episode cut off without a transition)."""
        self.pending.clear()

    def push(self, obs, action, reward, next_obs, next_mask, terminated: bool, truncated: bool) -> list[tuple]:
        """Add one step; return the completed n-step transitions."""
        self.pending.append((obs, int(action), float(reward)))
        out = []
        if terminated or truncated:
            while self.pending:
                out.append(self._emit(next_obs, next_mask, float(terminated)))
                self.pending.popleft()
        elif len(self.pending) == self.n:
            out.append(self._emit(next_obs, next_mask, 0.0))
            self.pending.popleft()
        return out

    def _emit(self, next_obs, next_mask, done: float) -> tuple:
        obs, action, _ = self.pending[0]
        ret, discount = nstep_return([r for _, _, r in self.pending], self.gamma, self.sign)
        return obs, action, ret, discount, done, next_obs, next_mask
