"""``go-engine bench selfplay``: the JSON keys with the null net and a real one, a bad --net."""

import json

from click.testing import CliRunner

from cli.main import cli

SMALL = ["bench", "selfplay", "--size", "5", "--games", "4", "--playouts", "4", "--seconds", "0.5"]


def run(*extra):
    result = CliRunner().invoke(cli, [*SMALL, *extra, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_null_net_reports_the_rates():
    r = run("--leaves", "2")
    for key in ("leaves_per_second", "positions_per_second", "games_per_hour", "net_share"):
        assert r[key] >= 0
    assert r["leaves"] > 0 and r["batch"] == 4 and "net_evals_per_second" not in r


def test_real_net_is_timed_against_its_forward_pass():
    r = run("--net", "b2c16")
    assert r["net_evals_per_second"] > 0 and r["selfplay_over_net"] > 0 and r["net_share"] > 0
    ms = r["evaluator_ms_per_call"]
    assert ms["compute"] > 0 and ms["prepare"] >= 0 and ms["wait"] >= 0 and r["lanes"] == 1


def test_a_precision_times_self_play_and_the_forward_pass_alike():
    for name in ("fp32", "int8"):
        r = run("--net", "b2c16", "--precision", name)
        assert r["precision"] in (name, "fp32") and r["net_evals_per_second"] > 0  # fp32 where torch has no int8
        assert r["leaves"] > 0


def test_bad_net_is_one_line():
    result = CliRunner().invoke(cli, [*SMALL, "--net", "nope"])
    assert result.exit_code == 2 and "Traceback" not in result.output and "--net must be" in result.output


def test_a_komi_net_plays_with_its_komi_plane(tmp_path):
    from dataclasses import replace

    from nets.checkpoint import save_weights
    from nets.factory import build_model
    from nets.presets import preset

    net = build_model(replace(preset("b2c16", board_size=5), in_planes=18, feature_set="agz17k"))
    r = run("--net", str(save_weights(tmp_path / "k.safetensors", net)))
    assert r["leaves"] > 0 and r["net_evals_per_second"] > 0


def test_search_threads_step_their_own_groups():
    r = run("--threads", "2", "--net", "b2c16")
    assert r["threads"] == 2 and r["groups"] == 2 and r["leaves"] > 0 and r["net_evals_per_second"] > 0
    result = CliRunner().invoke(cli, [*SMALL, "--threads", "5"])
    assert result.exit_code == 2 and "Traceback" not in result.output and "--games" in result.output
