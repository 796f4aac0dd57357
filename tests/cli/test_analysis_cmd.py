"""cli/analysis_cmd.py: ``go-engine analysis`` over real stdin/stdout with the shipped 9x9 net."""

from __future__ import annotations

import json
import subprocess
import sys

CMD = [sys.executable, "-m", "cli", "analysis"]


def test_analysis_answers_every_turn_over_stdin_and_stdout():
    queries = [
        {
            "id": "a",
            "moves": [["B", "E5"], ["W", "C3"]],
            "rules": "chinese",
            "komi": 7.5,
            "boardXSize": 9,
            "boardYSize": 9,
            "analyzeTurns": [1, 2],
            "includeOwnership": True,
        },
        {"id": "b", "moves": [], "rules": "tromp-taylor", "boardXSize": 9, "boardYSize": 9, "maxVisits": 12},
        {"id": "c", "moves": [["B", "J10"]], "rules": "chinese", "boardXSize": 9, "boardYSize": 9},
    ]
    text = "\n".join(json.dumps(q) for q in queries) + "\nnot json\n"
    args = ["--visits", "16", "--ownership-playouts", "8", "--move-playouts", "4", "--report-as", "SIDETOMOVE"]
    proc = subprocess.run([*CMD, *args], input=text, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    by_id = {(r.get("id"), r.get("turnNumber")): r for r in out}
    assert set(by_id) == {("a", 1), ("a", 2), ("b", 0), ("c", None), (None, None)}
    a1 = by_id["a", 1]
    assert a1["rootInfo"]["currentPlayer"] == "W" and len(a1["ownership"]) == 81
    assert a1["rootInfo"]["visits"] >= 16 and a1["moveInfos"][0]["pv"][0] == a1["moveInfos"][0]["move"]
    assert "ownership" not in by_id["b", 0] and by_id["b", 0]["rootInfo"]["visits"] >= 12
    assert by_id["c", None]["field"] == "moves"


def test_a_missing_weights_file_is_one_line_and_exit_2(tmp_path):
    proc = subprocess.run(
        [*CMD, "--weights", str(tmp_path / "none.safetensors")], input="", capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "none.safetensors" in proc.stderr
