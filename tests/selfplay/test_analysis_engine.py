"""selfplay/analysis_engine.py: KataGo-shaped queries and responses, errors as JSON, batching."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine.board import BLACK, WHITE
from engine.coords import from_gtp
from nets.evaluator import TorchEvaluator
from nets.factory import build_model
from nets.presets import preset
from selfplay.analysis import Analyzer, MoveAnalysis, NetSpec, PositionAnalysis
from selfplay.analysis_engine import AnalysisEngine, QueryError, parse_query, response

Q = {"id": "q", "moves": [], "rules": "tromp-taylor", "komi": 7.5, "boardXSize": 5, "boardYSize": 5}


def _query(**fields):
    return {**Q, **fields}


def test_turns_colours_and_positions():
    moves = [["B", "C3"], ["W", "(0,0)"], ["B", "pass"]]
    jobs, warnings = parse_query(_query(moves=moves, analyzeTurns=[3, 0, 2], maxVisits=7), 50)
    assert warnings == [] and [j.turn for j in jobs] == [3, 0, 2]
    assert [j.board.to_play for j in jobs] == [WHITE, BLACK, BLACK]
    assert jobs[0].board.stones()[0, 0] == WHITE and jobs[0].board.stones()[2, 2] == BLACK  # (0,0) is A5
    assert jobs[1].board.stones().sum() == 0 and jobs[0].visits == 7
    default, _ = parse_query(_query(moves=moves), 50)
    assert [j.turn for j in default] == [3] and default[0].visits == 50


def test_initial_stones_and_initial_player():
    jobs, _ = parse_query(_query(initialStones=[["B", "A1"], ["W", "E5"]], initialPlayer="W"), 10)
    b = jobs[0].board
    assert b.to_play == WHITE and b.stones().reshape(-1)[from_gtp("A1", 5)] == BLACK
    rules = parse_query(_query(rules={"ko": "SIMPLE", "suicide": True}), 10)[0][0].board.rules
    assert rules.ko == "simple" and rules.allow_suicide and rules.komi == 7.5


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"id": 3}, "id"),
        ({"boardYSize": 7}, "boardYSize"),
        ({"boardXSize": 25, "boardYSize": 25}, "boardXSize"),
        ({"komi": 7.3}, "komi"),
        ({"komi": "x"}, "komi"),
        ({"rules": "martian"}, "rules"),
        ({"moves": [["B", "C3"], ["W", "C3"]]}, "moves"),
        ({"moves": [["X", "C3"]]}, "moves"),
        ({"moves": [["B", "Z1"]]}, "moves"),
        ({"analyzeTurns": [2]}, "analyzeTurns"),
        ({"maxVisits": 0}, "maxVisits"),
        ({"initialStones": [["B", "A1"], ["W", "A2"], ["W", "B1"]]}, "initialStones"),
    ],
)
def test_bad_fields_name_the_field(fields, field):
    with pytest.raises(QueryError) as err:
        parse_query(_query(**fields), 10)
    assert err.value.field == field


def test_territory_rules_and_unsupported_fields_are_warnings():
    _, warnings = parse_query(_query(rules="japanese", includePolicy=True), 10)
    assert [w.split(":")[0] for w in warnings] == ["rules", "includePolicy"]


def _analysis(to_play):
    own = np.zeros((5, 5))
    own[0, 0] = 1.0
    move = MoveAnalysis(12, "C3", 30, 0.8, 3.0, 0.5, 0.7, 0, ["C3", "D3"])
    return PositionAnalysis(5, to_play, 31, 0.75, 2.5, [move], own)


@pytest.mark.parametrize(
    ("to_play", "report_as", "flipped"),
    [(BLACK, "BLACK", False), (WHITE, "BLACK", True), (WHITE, "SIDETOMOVE", False), (BLACK, "WHITE", True)],
)
def test_response_fields_and_views(to_play, report_as, flipped):
    jobs, _ = parse_query(_query(includeOwnership=True), 10)
    r = response(jobs[0], _analysis(to_play), report_as)
    assert set(r) == {"id", "isDuringSearch", "turnNumber", "moveInfos", "rootInfo", "ownership"}
    info = r["moveInfos"][0]
    keys = {"move", "visits", "winrate", "scoreLead", "scoreMean", "prior", "lcb", "utility", "order", "pv"}
    assert set(info) == keys
    assert info["winrate"] == pytest.approx(0.2 if flipped else 0.8)
    assert info["scoreLead"] == (-3.0 if flipped else 3.0) and info["utility"] == pytest.approx(
        -0.6 if flipped else 0.6
    )
    assert r["rootInfo"]["winrate"] == pytest.approx(0.25 if flipped else 0.75)
    assert r["rootInfo"]["visits"] == 31 and r["rootInfo"]["currentPlayer"] == "BW"[to_play - 1]
    white_view = report_as == "WHITE" or (report_as == "SIDETOMOVE" and to_play == WHITE)
    assert len(r["ownership"]) == 25 and r["ownership"][0] == (-1.0 if white_view else 1.0)


def _engine(batch=8, **kw):
    return AnalysisEngine(Analyzer(visits=16, ownership_playouts=8, move_playouts=4, **kw), batch=batch)


def test_bad_lines_are_answered_and_the_engine_keeps_serving():
    lines = [
        "{not json",
        "[1, 2]",
        json.dumps({"id": "x", "moves": []}),
        json.dumps(_query(id="ok", moves=[["B", "C3"]], analyzeTurns=[0, 1])),
        json.dumps({"id": "v", "action": "query_version"}),
        json.dumps({"id": "c", "action": "clear_cache"}),
        json.dumps({"id": "u", "action": "dance"}),
    ]
    out = []
    _engine().serve(iter(lines), lambda s: out.append(json.loads(s)))
    errors = [r for r in out if "error" in r]
    assert len(errors) == 4 and errors[2]["id"] == "x" and errors[2]["field"] == "boardXSize"
    assert {r["turnNumber"] for r in out if r.get("id") == "ok"} == {0, 1}
    assert next(r for r in out if r.get("id") == "v")["version"]
    assert {"id": "c", "action": "clear_cache"} in out


def test_terminate_drops_turns_not_started():
    engine = _engine()
    engine.handle(json.dumps(_query(id="t", moves=[["B", "C3"]], analyzeTurns=[0, 1])))
    out = engine.handle(json.dumps({"id": "k", "action": "terminate", "terminateId": "t", "turnNumbers": [1]}))
    assert out[0] == {"id": "t", "isDuringSearch": False, "noResults": True, "turnNumber": 1}
    assert out[1]["action"] == "terminate" and [j.turn for j in engine.pending] == [0]


def test_a_failing_analysis_is_an_error_response_not_a_crash():
    wrong = TorchEvaluator(build_model(preset("b6c64")))  # a 9x9 net serving 5x5 positions fails
    engine = AnalysisEngine(Analyzer({5: NetSpec(wrong)}, visits=8), batch=4)
    out = []
    lines = [json.dumps(_query(id="f")), json.dumps({**_query(id="g"), "boardXSize": 7, "boardYSize": 7})]
    engine.serve(iter(lines), lambda s: out.append(json.loads(s)))
    assert {r["id"] for r in out} == {"f", "g"}
    assert all("analysis failed" in r["error"] and r["turnNumber"] == 0 for r in out)


def test_queries_are_analysed_in_batches():
    engine = _engine(batch=3)
    for i in range(5):
        engine.handle(json.dumps(_query(id=str(i))))
    first = engine.run_pending()
    assert [r["id"] for r in first] == ["0", "1", "2"] and len(engine.pending) == 2
    assert [r["id"] for r in engine.run_pending()] == ["3", "4"] and engine.positions == 5
