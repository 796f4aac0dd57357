"""``training/ladder.sh``: its argument errors, and one real game of the reverse-komi rung against GNU Go."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from engine.sgf import parse_sgf

ROOT = Path(__file__).resolve().parents[2]
LADDER = ROOT / "training" / "ladder.sh"
NET = ROOT / "nets" / "weights" / "zero9.safetensors"


def _ladder(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(LADDER), *args], capture_output=True, text=True, timeout=600, env={**os.environ, **env}
    )


def test_missing_weights_is_one_line_and_exit_2(tmp_path):
    res = _ladder(str(tmp_path / "none.safetensors"), OUT=str(tmp_path / "out"))
    assert res.returncode == 2
    assert res.stderr.strip() == f"no such weights file: {tmp_path / 'none.safetensors'}"
    assert not (tmp_path / "out").exists()


def test_an_unknown_rung_is_named_before_any_game(tmp_path):
    res = _ladder(str(NET), "even,sideways", OUT=str(tmp_path / "out"), GAMES="0")
    assert res.returncode == 2
    assert "unknown rung sideways" in res.stderr
    assert not (tmp_path / "out" / "even").exists()


@pytest.mark.slow
def test_one_rung_game_against_gnugo_is_white_at_reverse_komi(tmp_path, gnugo_path):
    out = tmp_path / "out"
    res = _ladder(
        str(NET), "rung", OUT=str(out), GAMES="1", PARALLEL="1", PATH=f"{Path(gnugo_path).parent}:{os.environ['PATH']}"
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert "A go-engine: wins" in (out / "rung.txt").read_text()
    (sgf,) = (out / "rung").glob("*.sgf")
    rec = parse_sgf(sgf.read_text())
    assert rec.komi == -7.5
    assert rec.white_name == "go-engine" and rec.winner is not None
