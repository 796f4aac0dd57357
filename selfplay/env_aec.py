"""``GoAECEnv``: go-engine's Go as a PettingZoo AEC environment (``pettingzoo_env``).

It follows the conventions of PettingZoo's classic Go (``pettingzoo.classic.go_v5``) so code
written for that environment runs on go-engine's Numba board:

================  ==============================================================================
item              content
================  ==============================================================================
agents            ``"black_0"`` (moves first) and ``"white_0"``; ``agent_selection`` is the side
                  to move
actions           ``Discrete(n*n + 1)``: ``a < n*n`` is the point ``(a // n, a % n)`` (row 0 at
                  the top), ``n*n`` is pass
observation       ``{"observation": Box(0, 1, (n, n, C), float32), "action_mask": Box(0, 1,
                  (n*n+1,), int8)}``: the ``engine.features.encode`` planes (``"agz17"``: 17, the
                  AlphaGo Zero stack that go_v5 also uses) from the observing agent's view, made
                  channels-last as in go_v5 (``channels_last=False`` keeps go-engine's
                  ``(C, n, n)``); the mask is 1 on the legal actions of the agent to move and all
                  0 for the other agent
rewards           0 until the game ends; then +1 to the winner and -1 to the loser by Tromp-Taylor
                  area score with komi (0 each for a draw); an illegal action ends the game with
                  -1 for the agent that played it and 0 for the other (go_v5's
                  ``TerminateIllegalWrapper``)
end               two passes in a row: ``terminations`` all True; the move cap ``max_moves``
                  (default ``3*n*n``, both colours and passes counted): ``truncations`` all True,
                  rewards 0
infos             per agent: ``move_number``, ``score`` (area score, black's view, komi
                  included), ``result`` (``"B+3.5"``, ``""`` while the game goes on)
================  ==============================================================================

Differences from go_v5: observations are float32 (go_v5: bool), the board is go-engine's
(``engine.board.Board``: positional superko by default, any size 2..19), and ``render_mode="ansi"``
returns the text diagram (go_v5 draws with pygame). ``pettingzoo_env`` wraps the raw env in
``AssertOutOfBoundsWrapper`` and ``OrderEnforcingWrapper`` as go_v5 does. Needs the
``pettingzoo`` extra (``pip install 'go-engine[pettingzoo]'``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from pettingzoo import AECEnv
from pettingzoo.utils import wrappers

from engine import features
from engine.board import BLACK, EMPTY, WHITE, Board, Rules

AGENTS = ("black_0", "white_0")
"""agent names, in move order (as go_v5)"""


def _color(agent: str) -> int:
    return BLACK if agent == AGENTS[0] else WHITE


def _agent(color: int) -> str:
    return AGENTS[0] if color == BLACK else AGENTS[1]


class GoAECEnv(AECEnv):
    """Two-agent Go; see the module docstring for agents, spaces and rewards.

    Args:
        size: board size (2..19).
        komi: komi; ignored when ``rules`` is given.
        rules: full rule set (komi, suicide, ko); default ``Rules(komi=komi)``.
        features_name: a key of ``engine.features.FEATURES`` (``"agz17"`` default).
        channels_last: observation planes as ``(n, n, C)`` (go_v5) or ``(C, n, n)``.
        max_moves: move cap for truncation (default ``3*size*size``).
        render_mode: ``None`` or ``"ansi"``.
    """

    metadata = {"render_modes": ["ansi"], "name": "go_engine_go_v0", "is_parallelizable": False, "render_fps": 2}

    def __init__(
        self,
        size: int = 19,
        komi: float = 7.5,
        *,
        rules: Rules | None = None,
        features_name: str = features.DEFAULT,
        channels_last: bool = True,
        max_moves: int | None = None,
        render_mode: str | None = None,
    ):
        super().__init__()
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be None or 'ansi', got {render_mode!r}")
        self.rules = rules if rules is not None else Rules(komi=float(komi))
        self.size, self.features_name, self.channels_last = size, features_name, channels_last
        self.render_mode = render_mode
        self.max_moves = 3 * size * size if max_moves is None else int(max_moves)
        if self.max_moves < 1:
            raise ValueError(f"max_moves must be positive, got {max_moves}")
        self.board = Board(size, self.rules)
        c = features.n_planes(features_name)
        shape = (size, size, c) if channels_last else (c, size, size)
        n_actions = size * size + 1
        self.possible_agents = list(AGENTS)
        self.agents = list(AGENTS)
        obs_space = spaces.Dict(
            {
                "observation": spaces.Box(0.0, 1.0, shape, np.float32),
                "action_mask": spaces.Box(0, 1, (n_actions,), np.int8),
            }
        )
        self.observation_spaces = {a: obs_space for a in AGENTS}
        self.action_spaces = {a: spaces.Discrete(n_actions) for a in AGENTS}
        self._reset_state()

    def observation_space(self, agent: str) -> spaces.Space:
        """The observation space of ``agent`` (the same object on every call)."""
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        """The action space of ``agent`` (the same object on every call)."""
        return self.action_spaces[agent]

    # ------------------------------------------------------------------ AEC API
    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None) -> None:
        """Start a new game from the empty board (the game has no randomness; ``seed`` seeds the spaces)."""
        if seed is not None:
            for i, a in enumerate(AGENTS):
                self.action_spaces[a].seed(seed + i)
        self._reset_state()

    def _reset_state(self) -> None:
        self.board = Board(self.size, self.rules)
        self.agents = list(AGENTS)
        self.agent_selection = AGENTS[0]
        self.rewards = {a: 0.0 for a in AGENTS}
        self._cumulative_rewards = {a: 0.0 for a in AGENTS}
        self.terminations = {a: False for a in AGENTS}
        self.truncations = {a: False for a in AGENTS}
        self.infos = {a: self._info() for a in AGENTS}

    def observe(self, agent: str) -> dict[str, np.ndarray]:
        """``agent``'s observation: feature planes from its view and its action mask."""
        planes = features.encode(self.board, self.features_name, _color(agent))
        if self.channels_last:
            planes = np.ascontiguousarray(np.moveaxis(planes, 0, -1))
        mask = np.zeros(self.size * self.size + 1, np.int8)
        live = not (self.terminations.get(agent, True) or self.truncations.get(agent, True))
        if live and agent == self.agent_selection:
            mask[:] = self.board.legal_mask(_color(agent))
        return {"observation": planes.astype(np.float32, copy=False), "action_mask": mask}

    def step(self, action) -> None:
        """Play ``action`` for ``agent_selection``; pass ``None`` for an agent that is done."""
        agent = self.agent_selection
        if self.terminations[agent] or self.truncations[agent]:
            self._was_dead_step(action)
            return
        self._cumulative_rewards[agent] = 0.0
        self.rewards = {a: 0.0 for a in self.agents}
        color = _color(agent)
        reason = None if action is None else self.board.legality(int(action))
        if action is None or reason is not None:
            self.rewards[agent] = -1.0
            self.terminations = {a: True for a in self.agents}
            for a in self.agents:
                self.infos[a] = {**self._info(), "illegal": True, "reason": f"illegal action {action!r}: {reason}"}
        else:
            self.board.play(int(action), color)
            if self.board.is_over:
                self.terminations = {a: True for a in self.agents}
                winner = self.board.winner()
                if winner != EMPTY:
                    self.rewards[_agent(winner)] = 1.0
                    self.rewards[_agent(3 - winner)] = -1.0
            elif self.board.move_number >= self.max_moves:
                self.truncations = {a: True for a in self.agents}
            for a in self.agents:
                self.infos[a] = self._info()
        self.agent_selection = _agent(self.board.to_play) if action is not None and reason is None else agent
        if any(self.terminations.values()) or any(self.truncations.values()):
            self.agent_selection = _agent(3 - color)  # the other agent sees the end first
        self._accumulate_rewards()

    def render(self) -> str | None:
        """The board diagram for ``render_mode="ansi"``, else ``None``."""
        return str(self.board) if self.render_mode == "ansi" else None

    def close(self) -> None:
        """Nothing to release."""

    def _info(self) -> dict[str, Any]:
        b = self.board
        return {"move_number": b.move_number, "score": b.area_score(), "result": b.result() if b.is_over else ""}


def pettingzoo_env(size: int = 19, komi: float = 7.5, **kwargs: Any) -> AECEnv:
    """A ``GoAECEnv`` wrapped as go_v5 is (out-of-bounds check, call-order enforcement).

    Args:
        size: board size (2..19).
        komi: komi.
        **kwargs: further ``GoAECEnv`` arguments (``rules``, ``features_name``, ``channels_last``,
            ``max_moves``, ``render_mode``).
    """
    env = GoAECEnv(size, komi, **kwargs)
    env = wrappers.AssertOutOfBoundsWrapper(env)
    return wrappers.OrderEnforcingWrapper(env)
