"""KataGo's analysis commands: ``kata-analyze`` and ``kata-genmove_analyze``, with score lead and ownership.

Vocabulary:
    info line: one report of the search, ``info move D4 visits N utility U winrate W scoreMean S
        scoreStdev SD scoreLead S scoreSelfplay S prior P lcb L utilityLcb UL order K pv D4 ...``
        repeated per candidate move (win rate, prior and lcb as floats in 0..1, KataGo's format,
        not Leela Zero's 1/10000), then, with ``ownership true``, ``ownership`` and ``n*n`` values.
    view: every value is from the view of the player analysed (the player to move, or the colour
        given); ownership is +1 where that player owns the point, row-major from the top-left
        point (A19 on 19x19) to the bottom-right, as KataGo prints it.
    score estimate: the score lead and ownership of the position and of each candidate move.
        They come from the player's ``score_and_ownership(board)`` where it has one (a net with
        score and ownership heads; it returns black's score lead and black's ownership), else
        from heavy rollouts (``player.ownership(board, 1)``, one rollout a call): the score lead
        is the mean final area score from the analysed player's view, komi included,
        ``scoreStdev`` the spread of the rollouts' scores, and the ownership the mean final
        ownership. A candidate move's figures come from rollouts after that move.
        The rollouts are spread over the reports, each report spending a share of the interval
        on them, so the estimates sharpen as the analysis runs.

``utility`` is ``2 * winrate - 1`` (there is no score utility) and ``scoreSelfplay`` equals
``scoreLead``. Other KataGo keys (``ownershipStdev``, ``movesOwnership``, ``pvVisits``,
``rootInfo``, ``minmoves``) are accepted and ignored with a log line.

References: KataGo ``docs/GTP_Extensions.md`` (kata-analyze, kata-genmove_analyze).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from cli.gtp.core import _resume
from cli.gtp.protocol import GtpError, Streaming, command
from engine import coords
from engine.board import BLACK, Board, color_of
from engine.player import MoveInfo

log = logging.getLogger("go_engine.gtp")

ROLLOUT_SHARE = 0.2
"""share of each report interval spent on the score rollouts (0.3 with ``ownership true``)"""

_KATA_FLAGS = ("ownership", "ownershipStdev", "movesOwnership", "movesOwnershipStdev", "pvVisits", "pvEdgeVisits")
_KATA_FLAGS += ("rootInfo",)


@dataclass
class _Tally:
    """Running sums over the rollouts of one position."""

    n: int = 0
    score: float = 0.0
    score_sq: float = 0.0
    own: object = None  # the summed ownership array (+1 black), None before the first rollout

    def add(self, own, komi: float, sign: float) -> None:
        s = sign * (float(own.sum()) - komi)
        self.n += 1
        self.score += s
        self.score_sq += s * s
        self.own = own.copy() if self.own is None else self.own + own

    def lead(self) -> float:
        return self.score / self.n if self.n else 0.0

    def stdev(self) -> float:
        if self.n < 2:
            return 0.0
        mean = self.score / self.n
        return math.sqrt(max(self.score_sq / self.n - mean * mean, 0.0))


class ScoreEstimate:
    """Score lead, its spread and ownership of a position and its candidate moves (see the module docstring).

    Args:
        player: the engine player (``ownership(board, playouts)`` for rollouts, or
            ``score_and_ownership(board)`` for a net's heads).
        board: the analysed position (copied).
        color: the analysed player (the view of every figure).
    """

    def __init__(self, player, board: Board, color: int):
        self.board = board.copy()
        self.board.to_play = color
        self.size, self.komi = board.size, board.komi
        self.sign = 1.0 if color == BLACK else -1.0
        self._heads = getattr(player, "score_and_ownership", None)
        self._rollout = getattr(player, "ownership", None)
        self._tallies: dict[int | None, _Tally] = {}  # None: the position itself
        self._heads_cache: dict[int | None, tuple[float, object]] = {}

    # ------------------------------------------------------------------ feeding
    def _board_after(self, action: int | None) -> Board:
        if action is None:
            return self.board
        b = self.board.copy()
        b.play(action)
        return b

    def _rollout_once(self, action: int | None) -> None:
        tally = self._tallies.setdefault(action, _Tally())
        tally.add(self._rollout(self._board_after(action), 1), self.komi, self.sign)

    def refine(self, actions: list[int], seconds: float, root_weight: float = 2.0) -> None:
        """Spend about ``seconds`` on rollouts for the position and ``actions``; each gets at least one.

        The position gets ``root_weight`` times the rollouts of a move (its ownership is shown).
        """
        if self._heads is not None or self._rollout is None:
            return
        for key in [None, *actions]:
            if self._tallies.get(key) is None or self._tallies[key].n == 0:
                self._rollout_once(key)
        deadline = time.perf_counter() + seconds
        keys: list[int | None] = [None, *actions]
        while time.perf_counter() < deadline:
            key = min(keys, key=lambda k: self._tallies[k].n / (root_weight if k is None else 1.0))
            self._rollout_once(key)

    # ------------------------------------------------------------------ reading
    def _from_heads(self, action: int | None) -> tuple[float, object]:
        if action not in self._heads_cache:
            lead, own = self._heads(self._board_after(action))
            self._heads_cache[action] = (self.sign * float(lead), own)
        return self._heads_cache[action]

    def lead(self, action: int | None = None) -> tuple[float, float]:
        """``(score lead, score stdev)`` of the position (``None``) or after ``action``, analysed player's view."""
        if self._heads is not None:
            return self._from_heads(action)[0], 0.0
        tally = self._tallies.get(action) or self._tallies.get(None)
        return (tally.lead(), tally.stdev()) if tally else (0.0, 0.0)

    def ownership(self) -> list[float]:
        """``n*n`` values in -1..1 of the position, analysed player's view, row-major from the top-left."""
        if self._heads is not None:
            own = self._from_heads(None)[1]
        else:
            tally = self._tallies.get(None)
            own = tally.own / tally.n if tally and tally.n else self.board.ownership()
        return [self.sign * float(v) for v in own.reshape(-1)]


def format_kata(infos: list[MoveInfo], estimate: ScoreEstimate, max_moves: int = 0, ownership: bool = False) -> str:
    """One KataGo ``kata-analyze`` line for ``infos`` (see the module docstring for the keys)."""
    ranked = sorted(infos, key=lambda m: (m.order, -m.visits))
    if max_moves > 0:
        ranked = ranked[:max_moves]
    size = estimate.size
    parts = []
    for k, m in enumerate(ranked):
        wr, lcb = _unit(m.winrate), _unit(m.lcb)
        lead, stdev = estimate.lead(m.action)
        pv = " ".join(coords.to_gtp(a, size) for a in (m.pv or [m.action]))
        parts.append(
            f"info move {coords.to_gtp(m.action, size)} visits {int(m.visits)} utility {2 * wr - 1:.6g}"
            f" winrate {wr:.6g} scoreMean {lead:.6g} scoreStdev {stdev:.6g} scoreLead {lead:.6g}"
            f" scoreSelfplay {lead:.6g} prior {_unit(m.prior):.6g} lcb {lcb:.6g} utilityLcb {2 * lcb - 1:.6g}"
            f" order {k} pv {pv}"
        )
    if ownership:
        parts.append("ownership " + " ".join(f"{v:.4g}" for v in estimate.ownership()))
    return " ".join(parts)


def _share(ownership: bool) -> float:
    return 1.5 * ROLLOUT_SHARE if ownership else ROLLOUT_SHARE


def _unit(x: float) -> float:
    return min(max(float(x), 0.0), 1.0)


def _is_color(word: str) -> bool:
    return word.lower() in ("b", "w", "black", "white")


class KataCommands:
    """``kata-analyze`` and ``kata-genmove_analyze``: a mixin over ``AnalysisCommands``' helpers."""

    def _kata_args(self, args: tuple[str, ...]) -> tuple[int, float, int, bool]:
        """``(color, interval_seconds, max_moves, ownership)``; KataGo's flag keys are taken out first."""
        rest, own = [], False
        words = list(args)
        while words:
            word = words.pop(0)
            if word in _KATA_FLAGS:
                if not words or words[0].lower() not in ("true", "false"):
                    raise GtpError("syntax error")
                value = words.pop(0).lower() == "true"
                if word == "ownership":
                    own = value
                elif value:
                    log.info("kata-analyze %s is not supported; ignored", word)
            else:
                rest.append(word)
        color, interval, max_moves = self._analysis_args(tuple(rest))
        return color, interval, max_moves, own

    def _kata_reporter(self, estimate: ScoreEstimate, write, interval: float, max_moves: int, own: bool):
        """``report(infos)``: rollouts until the line is due (one ``interval`` after the last), then the line."""
        most = 2 * _share(own) * interval
        due = [time.perf_counter() + interval]

        def report(infos: list[MoveInfo]) -> None:
            if not infos:
                return
            budget = min(max(due[0] - time.perf_counter(), 0.0), most)
            estimate.refine([m.action for m in infos[: max_moves or len(infos)]], budget)
            write(format_kata(infos, estimate, max_moves, own) + "\n")
            now = time.perf_counter()
            due[0] = max(due[0] + interval, now + interval / 2)

        return report

    @command("kata-analyze", when=lambda self: self.can_analyze)
    def cmd_kata_analyze(self, *args: str) -> Streaming:
        """Stream KataGo analysis lines of the position until the next command arrives."""
        color, interval, max_moves, own = self._kata_args(args)
        board = self.board.copy()
        _resume(board)

        def run(write: Callable[[str], None]) -> None:
            estimate = ScoreEstimate(self.player, board, color)
            report = self._kata_reporter(estimate, write, interval, max_moves, own)
            searching = interval * (1 - _share(own))  # the rest of each interval goes to the rollouts
            self._analyze_until_next_command(board, color, report, searching)

        return Streaming(run)

    @command("kata-genmove_analyze", when=lambda self: self.can_analyze)
    def cmd_kata_genmove_analyze(self, *args: str) -> Streaming:
        """Generate and play a move while streaming KataGo analysis lines; ends with ``play VERTEX``."""
        color = self.board.to_play
        if args and _is_color(args[0]):
            color = color_of(args[0])
        _, interval, max_moves, own = self._kata_args(args)

        def run(write: Callable[[str], None]) -> None:
            board = self.board.copy()
            _resume(board)
            estimate = ScoreEstimate(self.player, board, color)
            report = self._kata_reporter(estimate, write, interval, max_moves, own)
            write(f"play {self._genmove_streamed(color, interval, report)}\n")

        return Streaming(run)
