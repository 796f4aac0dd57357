"""The real client: Sabaki's ``@sabaki/gtp`` and ``@sabaki/sgf`` (npm) drive ``go-engine gtp``.

``tests/js/sabaki_client.js`` plays a few moves, runs ``lz-analyze`` and ``kata-analyze`` as Sabaki
does (interrupted by the next command), parses the info lines as Sabaki reads them and parses
``printsgf`` with ``@sabaki/sgf``. Skipped where node or npm is missing or npm cannot install.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

JS = Path(__file__).resolve().parents[1] / "js"


@pytest.fixture(scope="module")
def client_dir(tmp_path_factory) -> Path:
    """A folder with the client script and Sabaki's libraries installed from npm."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed")
    where = tmp_path_factory.mktemp("sabaki")
    for name in ("package.json", "sabaki_client.js"):
        shutil.copy(JS / name, where / name)
    try:
        done = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--loglevel", "error"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=300,
        )
    except subprocess.TimeoutExpired:
        pytest.skip("npm install timed out")
    if done.returncode != 0:
        pytest.skip(f"npm cannot install @sabaki/gtp: {done.stderr.strip()[-300:]}")
    return where


@pytest.mark.slow
def test_sabaki_drives_the_engine(client_dir):
    engine = [sys.executable, "-m", "cli", "gtp", "--pipeline", "rollout", "--playouts", "100", "--seed", "1"]
    done = subprocess.run(
        ["node", str(client_dir / "sabaki_client.js"), *engine], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout)
    assert out["name"] == "go-engine"
    assert {"lz-analyze", "kata-analyze", "kata-genmove_analyze", "printsgf"} <= set(out["commands"])
    for name in ("lz-analyze", "kata-analyze"):
        result = out[name]
        assert result["error"] is False and result["next"] == "go-engine"  # interrupted by "name"
        assert len(result["parsed"]) >= 3
        for report in result["parsed"]:
            assert report["moves"], report
            for k, move in enumerate(report["moves"]):
                assert move["order"] == k and move["visits"] > 0 and move["pv"][0] == move["move"]
    lz = out["lz-analyze"]["parsed"][0]["moves"][0]
    assert isinstance(lz["winrate"], int) and 0 <= lz["winrate"] <= 10000  # Leela Zero: 1/10000
    kata = out["kata-analyze"]["parsed"][-1]
    assert len(kata["ownership"]) == 81 and all(-1 <= v <= 1 for v in kata["ownership"])
    for move in kata["moves"]:
        assert 0 <= move["winrate"] <= 1 and 0 <= move["prior"] <= 1  # KataGo: floats
        assert move["scoreLead"] == move["scoreMean"] and move["scoreStdev"] >= 0
    assert out["sgf"]["SZ"] == ["9"] and out["sgf"]["KM"] == ["7.5"]
    assert [m[0] for m in out["sgf"]["moves"]] == ["B", "W", "B"]
    assert out["sgf"]["moves"][:2] == [["B", "ee"], ["W", "cg"]]
