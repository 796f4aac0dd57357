"""``go-engine bench net``, ``bench rollouts``, ``bench lee-nets``: real runs at tiny sizes, consistent reports."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cli.main import cli
from engine.board import Board
from engine.rollout.policy import RolloutPolicy
from selfplay.expert_data import save_rollout_policy


def run_json(args: list[str]) -> dict:
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_bench_net_reports_rates_for_the_preset():
    r = run_json(["bench", "net", "--preset", "b6c64", "--size", "5", "--batch", "4", "--iters", "2", "--rounds", "3"])
    assert r["size"] == 5 and r["batch"] == 4 and r["device"] == "cpu" and r["inference_dtype"] == "float32"
    assert r["parameters"] > 100_000  # five residual blocks of 64 filters
    for key in ("evals_per_s", "train_samples_per_s"):
        assert len(r[f"{key}_rounds"]) == 3 and r[key] == sorted(r[f"{key}_rounds"])[1] > 0


def test_bench_rollouts_with_a_trained_policy_file(tmp_path):
    policy = RolloutPolicy()
    policy.weights[:] = 0.1
    save_rollout_policy(tmp_path / "rollout.npz", policy)
    r = run_json(
        [
            "bench",
            "rollouts",
            "--size",
            "5",
            "--count",
            "20",
            "--rounds",
            "1",
            "--policy",
            str(tmp_path / "rollout.npz"),
        ]
    )
    assert r["policy"].endswith("rollout.npz") and r["rollouts_per_s"] > 0
    # a 5x5 rollout fills most of the board and ends within the move cap
    assert 10 <= r["moves_per_rollout"] <= 3 * 25
    assert Board(5).move_number == 0


def test_bench_net_rejects_an_unknown_preset():
    result = CliRunner().invoke(cli, ["bench", "net", "--preset", "nope", "--iters", "1", "--rounds", "1"])
    assert result.exit_code != 0


def test_bench_lee_nets_times_the_shipped_nets_plain_and_frozen():
    r = run_json(["bench", "lee-nets", "--batch", "2", "--iters", "2", "--rounds", "3"])
    assert r["folder"].endswith("lee9") and r["batch"] == 2
    for name in ("sl", "value"):
        assert r[f"{name}_shape"].endswith("9x9")
        for kind in ("plain", "frozen"):
            rounds = r[f"{name}_{kind}_rounds"]
            assert len(rounds) == 3 and r[f"{name}_{kind}_per_s"] == sorted(rounds)[1] > 0


def test_bench_net_times_precisions_side_by_side():
    args = ["bench", "net", "--preset", "b6c64", "--size", "5", "--batch", "4", "--iters", "1", "--rounds", "2"]
    r = run_json([*args, "--precision", "fp32,bf16,int8", "--no-train", "--threads", "1"])
    assert list(r["precisions"]) == ["fp32", "bf16", "int8"] and r["train_samples_per_s"] is None
    assert r["torch_threads"] == 1 and r["evals_per_s"] == r["precisions"]["fp32"]["evals_per_s"]
    for name, p in r["precisions"].items():
        assert p["runs"] in (name, "fp32") and len(p["rounds"]) == 2
        assert p["ratio_to_fp32"] == pytest.approx(p["evals_per_s"] / r["evals_per_s"])
    bad = CliRunner().invoke(cli, [*args, "--precision", "fp32,int4"])
    assert bad.exit_code == 2 and "unknown precision int4" in bad.output


def test_bench_lee_nets_with_a_precision():
    r = run_json(["bench", "lee-nets", "--batch", "2", "--iters", "1", "--rounds", "2", "--precision", "bf16"])
    kind = "bf16" if "bf16" in r["kinds"] else "frozen"  # a CPU without bfloat16 runs fp32 only
    assert r["kinds"][:2] == ["plain", "frozen"] and r[f"sl_{kind}_per_s"] > 0 and r[f"value_{kind}_per_s"] > 0


def test_bench_player_searches_with_the_shipped_net_under_a_clock():
    args = ["bench", "player", "--size", "9", "--seconds", "0.2", "--moves", "2", "--precision", "fp32,int8"]
    r = run_json([*args, "--batch", "4"])
    assert list(r["precisions"]) == ["fp32", "int8"] and r["options"]["batch_size"] == 4
    for p in r["precisions"].values():
        assert len(p["rounds"]) == 2 and min(p["rounds"]) <= p["playouts_per_second"] <= max(p["rounds"])
        assert p["playouts_per_second"] > 100  # a few hundred playouts in 0.2 s on any core
        assert 0 < p["net_share"] < 1
    assert r["precisions"]["fp32"]["ratio"] == 1.0
    no_net = CliRunner().invoke(cli, ["bench", "player", "--size", "7", "--moves", "1"])
    assert no_net.exit_code == 1 and "no net is shipped for 7x7" in no_net.output
