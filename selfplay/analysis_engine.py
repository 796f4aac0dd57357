"""A JSON-lines analysis engine in the shape of KataGo's (``go-engine analysis``).

Vocabulary:
    query: one JSON object on one input line; an analysis query names a game (``moves``,
        ``initialStones``, ``rules``, ``komi``, ``boardXSize``/``boardYSize``) and the turns to
        analyse (``analyzeTurns``); an action query has an ``action`` field.
    job: one turn of one query, i.e. one position to analyse.
    response: one JSON object on one output line: an analysis of one job, an error, a warning,
        or the answer to an action query.
    turn: turn ``t`` is the position after the first ``t`` moves (0 = the initial position).

Query fields read (as KataGo's analysis engine): ``id`` (string, required), ``moves`` (list of
``["B"|"W", vertex]``, required; vertices ``"D4"``, ``"pass"`` or ``"(x,y)"`` with ``y = 0`` at the
top), ``initialStones``, ``initialPlayer``, ``rules`` (``"tromp-taylor"``, ``"chinese"``,
``"aga"``, ``"new-zealand"``, ``"chinese-ogs"``, ``"chinese-kgs"``, ``"stone-scoring"``, or an
object with ``ko`` and ``suicide``; territory rules such as ``"japanese"`` are scored by area,
with a warning), ``komi`` (default 7.5), ``boardXSize`` and ``boardYSize`` (equal, 2..19),
``analyzeTurns`` (default: the last turn), ``maxVisits``, ``includeOwnership``,
``includeMovesOwnership``. Other known KataGo fields are accepted and ignored with a warning
(``includePolicy``, ``avoidMoves``, ``allowMoves``, ``overrideSettings``, ...); ``priority`` is
ignored silently (queries run in arrival order).

Responses: ``{"id", "turnNumber", "isDuringSearch": false, "moveInfos": [{"move", "visits",
"winrate", "scoreLead", "scoreMean", "prior", "lcb", "utility", "order", "pv"}...], "rootInfo":
{"visits", "winrate", "scoreLead", "utility", "currentPlayer", "thisHash"}, "ownership": [n*n]}``,
row-major from the top-left point. Values are from the view of ``report_as``: ``"BLACK"``
(default, as KataGo's example analysis config), ``"WHITE"`` or ``"SIDETOMOVE"``; ``utility`` is
``2 * winrate - 1`` (no score utility), ``scoreMean`` equals ``scoreLead`` (KataGo keeps both).
See ``selfplay/analysis.py`` for where the score lead and ownership come from. Errors:
``{"error": message}`` for a line that is not a JSON object, ``{"id", "error", "field"}`` for a
bad query; a failure inside an analysis answers ``{"id", "turnNumber", "error"}``. The engine
never stops on a bad line. Action queries: ``query_version``, ``clear_cache`` (nothing to clear)
and ``terminate`` (drops the named query's turns not yet started, answering each with
``noResults``), each echoed back as KataGo does.
"""

from __future__ import annotations

import json
import math
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from engine.board import BLACK, WHITE, Board, Rules
from engine.coords import from_gtp, from_rowcol
from selfplay.analysis import Analyzer, PositionAnalysis

RULES = {
    "tromp-taylor": Rules(allow_suicide=True),
    "chinese": Rules(),
    "chinese-ogs": Rules(),
    "chinese-kgs": Rules(),
    "aga": Rules(),
    "new-zealand": Rules(allow_suicide=True),
    "stone-scoring": Rules(),
}
"""rule names played as they are (area scoring); komi comes from the query"""
TERRITORY_RULES = ("japanese", "korean", "aga-button", "bga")
"""rule names answered with a warning and played with area scoring"""
IGNORED = (
    "includePolicy",
    "includePVVisits",
    "avoidMoves",
    "allowMoves",
    "overrideSettings",
    "reportDuringSearchEvery",
    "rootPolicyTemperature",
    "rootFpuReductionMax",
    "whiteHandicapBonus",
)
"""KataGo query fields accepted but not acted on (a warning each)"""
MAX_VISITS = 100_000
REPORT_AS = ("BLACK", "WHITE", "SIDETOMOVE")


class QueryError(ValueError):
    """A query that cannot be analysed; ``field`` names the offending field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass
class Job:
    """One turn of one query."""

    id: str
    turn: int
    board: Board
    visits: int
    ownership: bool
    moves_ownership: bool


# ------------------------------------------------------------------------------ parsing
def _color(value: Any, field: str) -> int:
    if isinstance(value, str) and value.strip().upper() in ("B", "BLACK"):
        return BLACK
    if isinstance(value, str) and value.strip().upper() in ("W", "WHITE"):
        return WHITE
    raise QueryError(f"bad player {value!r} (expected 'B' or 'W')", field)


def _vertex(value: Any, size: int, field: str) -> int:
    try:
        text = str(value).strip()
        if text.startswith("(") and text.endswith(")"):
            x, y = (int(v) for v in text[1:-1].split(","))
            return from_rowcol(y, x, size)
        return from_gtp(text, size)
    except ValueError as e:
        raise QueryError(f"bad location {value!r}: {e}", field) from None


def _pairs(q: dict, field: str, size: int) -> list[tuple[int, int]]:
    raw = q.get(field, [])
    if not isinstance(raw, list):
        raise QueryError(f"{field} must be a list of [player, location] pairs", field)
    out = []
    for item in raw:
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise QueryError(f"{field} entries must be [player, location] pairs, got {item!r}", field)
        out.append((_color(item[0], field), _vertex(item[1], size, field)))
    return out


def _rules(q: dict, komi: float) -> tuple[Rules, str | None]:
    """Rules of the query and a warning (or ``None``)."""
    raw = q.get("rules", "tromp-taylor")
    if isinstance(raw, dict):
        ko = str(raw.get("ko", "POSITIONAL")).upper()
        if ko not in ("SIMPLE", "POSITIONAL", "SITUATIONAL"):
            raise QueryError(f"unknown ko rule {ko!r}", "rules")
        warn = "situational superko is played as positional superko" if ko == "SITUATIONAL" else None
        if str(raw.get("scoring", "AREA")).upper() != "AREA":
            warn = "only area scoring is supported; the game is scored by area"
        rules = Rules(komi, bool(raw.get("suicide", False)), "simple" if ko == "SIMPLE" else "positional")
        return rules, warn
    name = str(raw).strip().lower()
    if name in RULES:
        return Rules(komi, RULES[name].allow_suicide, RULES[name].ko), None
    if name in TERRITORY_RULES:
        return Rules(komi), f"rules {raw!r} use territory scoring; the game is scored by area (chinese rules)"
    raise QueryError(f"unknown rules {raw!r}; known: {sorted(RULES) + list(TERRITORY_RULES)}", "rules")


def _int(q: dict, field: str, default: int, lo: int, hi: int) -> int:
    value = q.get(field, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value) or not lo <= value <= hi:
        raise QueryError(f"{field} must be an integer in {lo}..{hi}, got {value!r}", field)
    return int(value)


def parse_query(q: dict, default_visits: int) -> tuple[list[Job], list[str]]:
    """The jobs of an analysis query and its warnings (``"field: message"``).

    Raises:
        QueryError: for a missing or bad field, or an illegal move.
    """
    qid = q.get("id")
    if not isinstance(qid, str):
        raise QueryError("id must be a string", "id")
    size = _int(q, "boardXSize", -1, 2, 19) if "boardXSize" in q else None
    if size is None or "boardYSize" not in q:
        raise QueryError("boardXSize and boardYSize are required", "boardXSize" if size is None else "boardYSize")
    if _int(q, "boardYSize", -1, 2, 19) != size:
        raise QueryError("only square boards are supported (boardXSize == boardYSize)", "boardYSize")
    komi = q.get("komi", 7.5)
    if isinstance(komi, bool) or not isinstance(komi, int | float) or not math.isfinite(komi) or abs(komi) > 150:
        raise QueryError(f"komi must be a number in [-150, 150], got {komi!r}", "komi")
    if komi * 2 != int(komi * 2):
        raise QueryError(f"komi must be an integer or half-integer, got {komi!r}", "komi")
    if "moves" not in q:
        raise QueryError("moves is required (an empty list for a position without history)", "moves")
    rules, warning = _rules(q, float(komi))
    warnings = [f"rules: {warning}"] if warning else []
    warnings += [f"{f}: not supported; ignored" for f in IGNORED if f in q]
    moves = _pairs(q, "moves", size)
    board = Board(size, rules)
    stones = _pairs(q, "initialStones", size)
    try:
        board.setup(black=[a for c, a in stones if c == BLACK], white=[a for c, a in stones if c == WHITE])
    except ValueError as e:
        raise QueryError(f"bad initial stones: {e}", "initialStones") from None
    first = moves[0][0] if moves else _color(q["initialPlayer"], "initialPlayer") if "initialPlayer" in q else BLACK
    turns = q.get("analyzeTurns", [len(moves)])
    if not isinstance(turns, list) or not all(isinstance(t, int) and 0 <= t <= len(moves) for t in turns):
        raise QueryError(f"analyzeTurns must be a list of integers in 0..{len(moves)}", "analyzeTurns")
    visits = _int(q, "maxVisits", default_visits, 1, MAX_VISITS)
    own, moves_own = bool(q.get("includeOwnership", False)), bool(q.get("includeMovesOwnership", False))
    wanted, jobs = set(turns), {}
    board.to_play = first
    for t in range(len(moves) + 1):
        if t in wanted:
            b = board.copy()
            b.to_play = moves[t][0] if t < len(moves) else (3 - moves[-1][0] if moves else first)
            jobs[t] = Job(qid, t, b, visits, own, moves_own)
        if t < len(moves):
            color, action = moves[t]
            reason = board.legality(action, color)
            if reason is not None:
                raise QueryError(f"illegal move {t} ({'BW'[color - 1]} {q['moves'][t][1]}): {reason}", "moves")
            board.play(action, color)
    return [jobs[t] for t in turns], warnings


# ------------------------------------------------------------------------------ responses
def _flip(report_as: str, to_play: int) -> bool:
    return report_as == "WHITE" or (report_as == "BLACK" and to_play == WHITE)


def response(job: Job, a: PositionAnalysis, report_as: str = "BLACK") -> dict[str, Any]:
    """The KataGo-shaped response of one analysed job."""
    flip = _flip(report_as, a.to_play)
    wr = (lambda x: 1.0 - x) if flip else (lambda x: x)
    sc = (lambda x: -x) if flip else (lambda x: x)
    infos = []
    for m in a.moves:
        info = {
            "move": m.move,
            "visits": m.visits,
            "winrate": wr(m.winrate),
            "scoreLead": sc(m.score_lead),
            "scoreMean": sc(m.score_lead),
            "prior": m.prior,
            "lcb": wr(m.lcb),
            "utility": 2 * wr(m.winrate) - 1,
            "order": m.order,
            "pv": m.pv,
        }
        if job.moves_ownership and m.ownership is not None:
            info["ownership"] = _own(m.ownership, report_as, a.to_play)
        infos.append(info)
    root = {
        "visits": a.visits,
        "winrate": wr(a.winrate),
        "scoreLead": sc(a.score_lead),
        "utility": 2 * wr(a.winrate) - 1,
        "currentPlayer": "BW"[a.to_play - 1],
        "thisHash": f"{job.board.hash & (2**64 - 1):016X}{'BW'[a.to_play - 1]}",
    }
    out = {"id": job.id, "isDuringSearch": False, "turnNumber": job.turn, "moveInfos": infos, "rootInfo": root}
    if job.ownership and a.ownership is not None:
        out["ownership"] = _own(a.ownership, report_as, a.to_play)
    return out


def _own(grid, report_as: str, to_play: int) -> list[float]:
    """Ownership row-major from the top-left, +1 for black (or for ``report_as``'s side)."""
    white_view = report_as == "WHITE" or (report_as == "SIDETOMOVE" and to_play == WHITE)
    return [round(float(-v if white_view else v), 4) for v in grid.reshape(-1)]


# ------------------------------------------------------------------------------ the engine
class AnalysisEngine:
    """Reads queries, analyses their jobs in batches, writes responses (see the module docstring).

    Args:
        analyzer: the ``selfplay.analysis.Analyzer`` doing the searches.
        report_as: ``"BLACK"``, ``"WHITE"`` or ``"SIDETOMOVE"``.
        batch: most jobs analysed together (their net evaluations share forward passes).
    """

    def __init__(self, analyzer: Analyzer, report_as: str = "BLACK", batch: int = 16):
        if report_as not in REPORT_AS:
            raise ValueError(f"report_as must be one of {REPORT_AS}, got {report_as!r}")
        self.analyzer, self.report_as, self.batch = analyzer, report_as, max(1, batch)
        self.pending: list[Job] = []
        self.positions = 0
        self.seconds = self.cpu_seconds = 0.0
        """positions analysed, and the wall and process CPU time spent analysing them"""

    def handle(self, line: str) -> list[dict[str, Any]]:
        """Parse one input line: queue its jobs; return the responses due now (errors, warnings, actions)."""
        line = line.strip()
        if not line:
            return []
        try:
            q = json.loads(line)
        except ValueError as e:
            return [{"error": f"could not parse JSON: {e}"}]
        if not isinstance(q, dict):
            return [{"error": "a query must be a JSON object"}]
        if "action" in q:
            return self._action(q)
        try:
            jobs, warnings = parse_query(q, self.analyzer.visits)
        except QueryError as e:
            err = {"error": str(e), "field": e.field}
            return [{**err, "id": q["id"]} if isinstance(q.get("id"), str) else err]
        self.pending.extend(jobs)
        return [{"warning": w.split(": ", 1)[1], "field": w.split(": ", 1)[0], "id": q["id"]} for w in warnings]

    def _action(self, q: dict) -> list[dict[str, Any]]:
        action = q.get("action")
        if not isinstance(q.get("id"), str):
            return [{"error": "id must be a string", "field": "id"}]
        if action == "query_version":
            return [{**q, "version": metadata.version("go-engine"), "git_hash": "<omitted>"}]
        if action == "clear_cache":
            return [dict(q)]
        if action == "terminate":
            target, turns = q.get("terminateId"), q.get("turnNumbers")
            hit = [j for j in self.pending if j.id == target and (turns is None or j.turn in turns)]
            self.pending = [j for j in self.pending if j not in hit]
            dropped = [{"id": j.id, "isDuringSearch": False, "noResults": True, "turnNumber": j.turn} for j in hit]
            return [*dropped, dict(q)]
        return [{"error": f"unknown action {action!r}", "field": "action", "id": q["id"]}]

    def run_pending(self) -> list[dict[str, Any]]:
        """Analyse up to ``batch`` queued jobs together; their responses (errors for a failed batch)."""
        jobs, self.pending = self.pending[: self.batch], self.pending[self.batch :]
        if not jobs:
            return []
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            results = self.analyzer.analyse_many(
                [j.board for j in jobs], [j.visits for j in jobs], any(j.moves_ownership for j in jobs)
            )
        except Exception as e:  # noqa: BLE001 - answered as JSON, the engine keeps serving
            return [{"id": j.id, "turnNumber": j.turn, "error": f"analysis failed: {e}"} for j in jobs]
        self.seconds += time.perf_counter() - t0
        self.cpu_seconds += time.process_time() - c0
        self.positions += len(jobs)
        return [response(j, a, self.report_as) for j, a in zip(jobs, results, strict=True)]

    def serve(self, lines: Iterable[str], write: Callable[[str], None]) -> None:
        """Answer every line of ``lines`` (read in a thread) until it ends and every job is done.

        Lines that arrive while a batch runs join the next batch, so a client that writes many
        queries at once gets them analysed together.
        """
        inbox: queue.Queue[str | None] = queue.Queue()

        def reader() -> None:
            try:
                for line in lines:
                    inbox.put(line)
            finally:
                inbox.put(None)

        threading.Thread(target=reader, daemon=True).start()
        done = False
        while not done or self.pending:
            if not done:
                block = not self.pending
                while True:
                    try:
                        line = inbox.get(block=block)
                    except queue.Empty:
                        break
                    if line is None:
                        done = True
                        break
                    for r in self.handle(line):
                        write(json.dumps(r))
                    block = False
            for r in self.run_pending():
                write(json.dumps(r))
