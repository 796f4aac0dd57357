"""``GoEnv``: the Gymnasium environment of go-engine, registered as ``go_engine/Go-v0``.

Importing this module registers the id; ``gymnasium.make("go_engine/Go-v0", size=9)`` then
works, as does ``gymnasium.make("selfplay.env:go_engine/Go-v0")`` without importing it first.

Modes (``mode=``):

* ``"opponent"`` (default): the agent plays one colour (``agent_color`` = ``"black"``,
  ``"white"`` or ``"random"`` per episode, drawn from ``self.np_random``) against an opponent
  policy that the env calls after each agent move (and in ``reset`` if the opponent moves
  first). The opponent is a callable ``(board, color, rng) -> action`` (``rng`` is the env's
  ``np_random``), an ``engine.player.Player`` (``genmove(board, color)``; it brings its own
  randomness), ``"random"`` (default: uniform over legal moves that do not fill one of its own
  true eyes, pass only when no such move is left) or ``"uniform"`` (uniform over all legal
  actions, pass included). An opponent may return ``engine.player.RESIGN``.
* ``"selfplay"``: each ``step`` plays for the side to move; colours alternate.

Observation (``Dict``):

==================  =====================================  =========================================
key                 space                                  content
==================  =====================================  =========================================
``"observation"``   ``Box(0, 1, (C, n, n), float32)``      ``engine.features.encode`` planes (``C``
                                                           from the encoding, ``"agz17"`` default:
                                                           17) seen by the agent (``"opponent"``)
                                                           or by the side to move (``"selfplay"``)
``"action_mask"``   ``MultiBinary(n*n + 1)`` (int8)        1 for each legal action of that player;
                                                           all 0 once the episode has ended
==================  =====================================  =========================================

Actions: ``Discrete(n*n + 1)``; action ``a < n*n`` is the point ``(a // n, a % n)`` (row 0 at the
top, see ``engine/coords.py``), ``n*n`` is pass.

Rewards, from the view of the agent (``"opponent"``) or of the player who just moved
(``"selfplay"``):

==========================================  ======  ===========================================
event                                       reward  flags
==========================================  ======  ===========================================
game continues                              0       -
two consecutive passes, area score > 0      +1      ``terminated``; score by Tromp-Taylor area
for this player (komi included), < 0, = 0   -1, 0   scoring with komi (``Board.area_score``);
                                                    ``reward="margin"``: ``0.5 * (that) + 0.5 *
                                                    score / (n*n)`` (the sign still says who won)
opponent resigns                            +1      ``terminated``
illegal action (``illegal="lose"``)         -1      ``terminated``; ``info["illegal"]`` True
move cap reached (``max_moves``)            0       ``truncated``; ``info["score"]`` still set
==========================================  ======  ===========================================

``pass_rule="sensible"`` (the rule of the ``"random"`` opponent, for the agent): pass is illegal,
and out of the action mask, while the player to move has a legal move that does not fill one of
its own true eyes, so a learner cannot pass while its groups are being captured.

An illegal action with ``illegal="raise"`` raises ``engine.IllegalMove`` (a ``ValueError``)
and leaves the board unchanged. Actions outside ``0..n*n`` count as illegal too.

``max_moves`` (default ``3*n*n``) counts every move of the game, both colours and passes; random
games end well before it (about ``1.3-1.4*n*n`` moves), so it only stops degenerate play.

``info`` (every ``reset`` and ``step``): ``action_mask`` (copy of the mask), ``move_number``,
``to_play``, ``score`` (area score of the current position, black's view, komi included),
``winner`` (BLACK=1, WHITE=2, 0 = draw, -1 while the game goes on), ``result`` (``"B+3.5"``,
``"W+R"``, ``"B+F"`` for a forfeit by an illegal action, ``""`` while running), ``illegal``,
``reason`` (why the episode ended, ``""`` while running), ``reward_color`` (whose view the reward
takes) and, in ``"opponent"`` mode, ``agent_color``.

``reset(options=...)`` accepts ``{"agent_color": ..., "board": Board}``: the board (copied, its
own rules kept) is the start position, e.g. an endgame.

``render_mode="ansi"``: ``render()`` returns the board diagram (``str(board)``).

``pettingzoo_env(size, komi, ...)`` returns the two-agent PettingZoo AEC version of the game
(``selfplay/env_aec.py``, agents ``"black_0"``/``"white_0"`` as in PettingZoo's ``go_v5``); it
needs the ``pettingzoo`` extra.

Paper: the action/observation layout follows AlphaGo Zero (Silver et al. 2017) and the
``action_mask`` convention of PettingZoo's ``go_v5``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from engine import features
from engine.board import BLACK, EMPTY, WHITE, Board, IllegalMove, Rules, color_of
from engine.player import RESIGN, Player

ENV_ID = "go_engine/Go-v0"
REWARDS = ("win", "margin")
PASS_RULES = ("any", "sensible")
OpponentFn = Callable[[Board, int, np.random.Generator], int]


def sensible_moves(board: Board, color: int, mask: np.ndarray | None = None):
    """Lazily, the legal points of ``color`` (``mask``: its legal mask) that do not fill its own true eyes."""
    mask = board.legal_mask(color) if mask is None else mask
    return (int(a) for a in np.flatnonzero(mask[:-1]) if not board.is_eye(int(a), color))


def random_opponent(board: Board, color: int, rng: np.random.Generator) -> int:
    """Uniform over legal moves that do not fill ``color``'s own true eyes; pass if none is left."""
    moves = list(sensible_moves(board, color))
    return int(rng.choice(moves)) if moves else board.pass_action


def uniform_opponent(board: Board, color: int, rng: np.random.Generator) -> int:
    """Uniform over all legal actions of ``color``, pass included."""
    return int(rng.choice(board.legal_moves(color)))


def _opponent_fn(opponent: OpponentFn | Player | str | None) -> OpponentFn:
    if opponent is None or opponent == "random":
        return random_opponent
    if opponent == "uniform":
        return uniform_opponent
    if isinstance(opponent, Player):
        return lambda board, color, rng: opponent.genmove(board, color)
    if callable(opponent):
        return opponent
    raise ValueError(f"opponent must be a callable, a Player, 'random' or 'uniform'; got {opponent!r}")


class GoEnv(gym.Env):
    """Go on an ``n x n`` board for one agent against an opponent, or for self-play.

    See the module docstring for the tables of observations, actions, rewards and info keys.
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(
        self,
        size: int = 9,
        komi: float = 7.5,
        *,
        rules: Rules | None = None,
        mode: str = "opponent",
        agent_color: str | int = "random",
        opponent: OpponentFn | Player | str | None = None,
        features_name: str = features.DEFAULT,
        max_moves: int | None = None,
        illegal: str = "lose",
        reward: str = "win",
        pass_rule: str = "any",
        render_mode: str | None = None,
    ):
        """Make the env.

        Args:
            size: board size (2..19).
            komi: komi; ignored when ``rules`` is given.
            rules: full rule set (komi, suicide, ko); default ``Rules(komi=komi)``.
            mode: ``"opponent"`` or ``"selfplay"``.
            agent_color: ``"black"``, ``"white"`` or ``"random"`` (opponent mode).
            opponent: the opponent policy (opponent mode), see the module docstring.
            features_name: a key of ``engine.features.FEATURES``.
            max_moves: move cap for truncation (default ``3*size*size``).
            illegal: ``"lose"`` (end the episode as a loss) or ``"raise"``.
            reward: ``"win"`` (+1 / -1 / 0) or ``"margin"`` (the win reward plus the score margin).
            pass_rule: ``"any"`` (pass is always legal) or ``"sensible"`` (pass only when no move
                but filling one's own true eyes is left).
            render_mode: ``None`` or ``"ansi"``.

        Raises:
            ValueError: on a bad argument.
        """
        if mode not in ("opponent", "selfplay"):
            raise ValueError(f"mode must be 'opponent' or 'selfplay', got {mode!r}")
        if illegal not in ("lose", "raise"):
            raise ValueError(f"illegal must be 'lose' or 'raise', got {illegal!r}")
        if reward not in REWARDS:
            raise ValueError(f"reward must be one of {REWARDS}, got {reward!r}")
        if pass_rule not in PASS_RULES:
            raise ValueError(f"pass_rule must be one of {PASS_RULES}, got {pass_rule!r}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be None or 'ansi', got {render_mode!r}")
        self.rules = rules if rules is not None else Rules(komi=float(komi))
        self.board = Board(size, self.rules)
        self.size, self.mode, self.illegal, self.render_mode = size, mode, illegal, render_mode
        self.reward_kind, self.pass_rule = reward, pass_rule
        self.features_name = features_name
        self._agent_color_option = self._parse_agent_color(agent_color)
        self.opponent = _opponent_fn(opponent)
        self._player = opponent if isinstance(opponent, Player) else None
        self.max_moves = 3 * size * size if max_moves is None else int(max_moves)
        if self.max_moves < 1:
            raise ValueError(f"max_moves must be positive, got {max_moves}")
        n_actions = size * size + 1
        self.action_space = spaces.Discrete(n_actions)
        self.observation_space = spaces.Dict(
            {
                "observation": spaces.Box(0.0, 1.0, (features.n_planes(features_name), size, size), np.float32),
                "action_mask": spaces.MultiBinary(n_actions),
            }
        )
        self.agent_color = BLACK
        self._done = False
        self._end = ("", "", -1)  # (reason, result, winner) once the episode has ended
        self._illegal = False
        self._reward_color = BLACK

    @staticmethod
    def _parse_agent_color(value: str | int) -> int | None:
        """BLACK, WHITE, or ``None`` for "random"."""
        if isinstance(value, str) and value.strip().lower() == "random":
            return None
        return color_of(value)

    # ---------------------------------------------------------------- gym API
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Start a new game; see the module docstring for ``options``."""
        super().reset(seed=seed)
        options = options or {}
        start = options.get("board")
        if start is not None:
            if not isinstance(start, Board) or start.size != self.size:
                raise ValueError(f"options['board'] must be a Board of size {self.size}")
            if start.is_over:
                raise ValueError("options['board'] is a finished game")
            self.board = start.copy()
        else:
            self.board = Board(self.size, self.rules)
        choice = self._parse_agent_color(options.get("agent_color", "random"))
        if "agent_color" not in options:
            choice = self._agent_color_option
        self.agent_color = int(self.np_random.choice([BLACK, WHITE])) if choice is None else choice
        self._done, self._end, self._illegal = False, ("", "", -1), False
        if self._player is not None:
            self._player.new_game(self.board)
        if self.mode == "opponent":
            while self.board.to_play != self.agent_color and not self._finished():
                self._opponent_move()
        self._reward_color = self.agent_color if self.mode == "opponent" else 3 - self.board.to_play
        return self._observe()

    def step(self, action):
        """Play ``action`` for the agent (opponent mode) or the side to move (self-play).

        Raises:
            RuntimeError: if the episode has ended (call ``reset``).
            IllegalMove: for an illegal action when ``illegal="raise"``.
        """
        if self._done:
            raise RuntimeError("the episode has ended; call reset()")
        mover = self.board.to_play
        perspective = self.agent_color if self.mode == "opponent" else mover
        if self._finished():  # the opponent ended the game inside reset (e.g. resigned)
            self._done = True
            obs, info = self._observe()
            return obs, self._reward(perspective), True, False, info
        self._reward_color = perspective
        reason = self._illegality(action)
        if reason is not None:
            if self.illegal == "raise":
                raise IllegalMove(f"illegal action {action!r} for {'BW'[mover - 1]}: {reason}", reason)
            self._done, self._illegal = True, True
            self._end = (f"illegal action {action!r}: {reason}", f"{'BW'[2 - mover]}+F", 3 - mover)
            obs, info = self._observe()
            return obs, -1.0, True, False, info
        self.board.play(int(action), mover)
        if self.mode == "opponent" and not self._finished():
            self._opponent_move()
        terminated, truncated = self._finished(), False
        if not terminated and self.board.move_number >= self.max_moves:
            truncated = True
            self._end = (f"move cap {self.max_moves} reached", "", -1)
        self._done = terminated or truncated
        reward = self._reward(perspective) if terminated else 0.0
        obs, info = self._observe()
        return obs, reward, terminated, truncated, info

    def render(self) -> str | None:
        """The board diagram for ``render_mode="ansi"``, else ``None``."""
        if self.render_mode == "ansi":
            return str(self.board)
        return None

    # ---------------------------------------------------------------- helpers
    def _illegality(self, action) -> str | None:
        """``None`` if ``action`` is legal for the side to move, else the reason."""
        try:
            a = int(action)
        except (TypeError, ValueError):
            return "not an integer action"
        if a != action or not 0 <= a <= self.size * self.size:
            return f"off the board (valid actions: 0..{self.size * self.size})"
        if a == self.board.pass_action and self.pass_rule == "sensible" and self._has_sensible_move():
            return "pass while a move that does not fill an own eye is left (pass_rule='sensible')"
        return self.board.legality(a)

    def _has_sensible_move(self, mask: np.ndarray | None = None) -> bool:
        """Whether the side to move has a legal move other than pass and filling its own true eyes."""
        return next(sensible_moves(self.board, self.board.to_play, mask), None) is not None

    def _legal_mask(self, color: int) -> np.ndarray:
        mask = self.board.legal_mask(color)
        if self.pass_rule == "sensible" and color == self.board.to_play and self._has_sensible_move(mask):
            mask[-1] = 0
        return mask

    def _opponent_move(self) -> None:
        color = self.board.to_play
        action = self.opponent(self.board, color, self.np_random)
        if action == RESIGN:
            self.board.resign(color)
            return
        try:
            self.board.play(int(action), color)
        except ValueError as e:  # IllegalMove included: a broken opponent is a bug, not a game result
            raise RuntimeError(f"the opponent policy chose an illegal action {action!r}: {e}") from e

    def _finished(self) -> bool:
        """True if the game is over; records why in ``self._end``."""
        board = self.board
        if not board.is_over:
            return False
        reason = "resignation" if board.resigned is not None else "two passes"
        self._end = (reason, board.result(), board.winner())
        return True

    def _reward(self, color: int) -> float:
        winner = self._end[2]
        win = 0.0 if winner == EMPTY else (1.0 if winner == color else -1.0)
        if self.reward_kind == "win" or self.board.resigned is not None:
            return win
        margin = self.board.area_score() * (1.0 if color == BLACK else -1.0) / (self.size * self.size)
        return 0.5 * win + 0.5 * float(np.clip(margin, -1.0, 1.0))

    def _view(self) -> int:
        return self.agent_color if self.mode == "opponent" else self.board.to_play

    def _observe(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """The observation and info of the current state (fresh arrays each call)."""
        view = self._view()
        mask = np.zeros(self.size * self.size + 1, np.int8) if self._done else self._legal_mask(view)
        obs = {"observation": features.encode(self.board, self.features_name, view), "action_mask": mask}
        reason, result, winner = self._end if self._done else ("", "", -1)
        info = {
            "action_mask": mask.copy(),
            "move_number": self.board.move_number,
            "to_play": self.board.to_play,
            "score": self.board.area_score(),
            "winner": int(winner),
            "result": result,
            "illegal": self._illegal,
            "reason": reason,
            "reward_color": self._reward_color,
        }
        if self.mode == "opponent":
            info["agent_color"] = self.agent_color
        return obs, info


def pettingzoo_env(size: int = 19, komi: float = 7.5, **kwargs: Any):
    """The PettingZoo AEC environment of Go (``selfplay.env_aec.pettingzoo_env``; needs ``pettingzoo``).

    Raises:
        ImportError: if pettingzoo is not installed (``pip install 'go-engine[pettingzoo]'``).
    """
    try:
        from selfplay.env_aec import pettingzoo_env as make
    except ImportError as e:
        raise ImportError(f"pettingzoo_env needs pettingzoo: pip install 'go-engine[pettingzoo]' ({e})") from e
    return make(size, komi, **kwargs)


def register() -> None:
    """Register ``go_engine/Go-v0`` with Gymnasium (idempotent)."""
    if ENV_ID not in gym.registry:
        gym.register(id=ENV_ID, entry_point="selfplay.env:GoEnv")


register()
