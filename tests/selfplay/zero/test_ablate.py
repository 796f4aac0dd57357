"""The ablation harness: switches, both arms of a tiny loop, the curves and the plot."""

from __future__ import annotations

import json

import pytest

from selfplay.zero.ablate import SWITCHES, main, switched
from tests.selfplay.zero.helpers import tiny_config


@pytest.mark.parametrize("switch", sorted(SWITCHES))
def test_every_switch_makes_a_valid_config_that_differs(switch):
    cfg = tiny_config()
    on = switched(cfg, switch)
    assert on != cfg
    for sec, kw in SWITCHES[switch].items():
        for k, v in kw.items():
            assert getattr(getattr(on, sec), k) == v


def test_unknown_switch():
    with pytest.raises(ValueError, match="unknown switch"):
        switched(tiny_config(), "magic")


def test_bad_config_is_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["--switch", "forced", "--hours", "1", "--out", str(tmp_path), "--config", str(bad)]) == 2
    assert capsys.readouterr().err.startswith("error: bad --config")


def test_off_run_must_be_a_run(tmp_path, capsys):
    assert main(["--switch", "forced", "--hours", "1", "--out", str(tmp_path), "--off-run", str(tmp_path)]) == 2
    assert "no loop.json" in capsys.readouterr().err


@pytest.mark.slow
def test_both_arms_of_a_tiny_ablation(tmp_path):
    from selfplay.config import save_config

    save_config(tmp_path / "base.json", tiny_config())
    args = ["--switch", "forced", "--hours", "1", "--generations", "1", "--out", str(tmp_path / "out")]
    assert main([*args, "--config", str(tmp_path / "base.json")]) == 0
    res = json.loads((tmp_path / "out" / "forced" / "ablation.json").read_text())
    for arm in ("off", "on"):
        curve = res["arms"][arm]["curve"]
        assert curve[0][0] == 0.0 and len(curve) == 2 and curve[1][0] > 0
    assert res["clock"] == "cpu"
    hist = json.loads((tmp_path / "out" / "forced" / "on" / "loop.json").read_text())["history"]
    assert res["arms"]["on"]["curve"][1][0] == hist[0]["cpu_seconds"] > 0
    on = json.loads((tmp_path / "out" / "forced" / "on" / "config.json").read_text())
    assert on["selfplay"]["forced_k"] == 2.0
    off = tmp_path / "out" / "forced" / "off"
    again = ["--switch", "window_growth", "--hours", "1", "--generations", "1", "--out", str(tmp_path / "out")]
    assert main([*again, "--config", str(tmp_path / "base.json"), "--off-run", str(off)]) == 0
    res = json.loads((tmp_path / "out" / "window_growth" / "ablation.json").read_text())
    assert res["arms"]["off"]["run"] == str(off) and not (tmp_path / "out" / "window_growth" / "off").exists()


def test_start_must_be_a_run(tmp_path, capsys):
    assert main(["--switch", "gumbel", "--hours", "1", "--out", str(tmp_path), "--start", str(tmp_path)]) == 2
    assert "--start" in capsys.readouterr().err


@pytest.mark.slow
def test_arms_run_apart_from_one_start_and_are_collected(tmp_path):
    from selfplay.config import save_config
    from selfplay.zero.loop import run_zero

    cfg = tiny_config()
    start = tmp_path / "start"
    run_zero(cfg.replace(max_generations=1), start, progress=False)
    save_config(tmp_path / "base.json", cfg)
    args = ["--switch", "forced", "--hours", "1", "--generations", "2", "--out", str(tmp_path / "out")]
    args += ["--config", str(tmp_path / "base.json"), "--start", str(start), "--clock", "wall"]
    assert main([*args, "--arm", "on"]) == 0
    res = json.loads((tmp_path / "out" / "forced" / "ablation.json").read_text())
    assert list(res["arms"]) == ["on"]
    assert main([*args, "--arm", "off"]) == 0
    assert main([*args, "--arm", "none"]) == 0
    res = json.loads((tmp_path / "out" / "forced" / "ablation.json").read_text())
    start_history = json.loads((start / "loop.json").read_text())["history"]
    for arm in ("off", "on"):
        curve = res["arms"][arm]["curve"]
        assert len(curve) == 3 and curve[1][0] == start_history[0]["seconds"]  # the shared first generation
        assert res["arms"][arm]["wall_seconds"] > 0
    assert res["arms"]["on"]["curve"][2] != res["arms"]["off"]["curve"][2]
