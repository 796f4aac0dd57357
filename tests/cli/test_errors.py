"""User mistakes end in one line ``go-engine: error: ...`` and a non-zero exit; tracebacks only with -v."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from cli.errors import user_message
from cli.main import cli
from engine.errors import UserError

GAMES = Path(__file__).parents[1] / "data" / "games"


def run_cli(*args, stdin=""):
    return CliRunner().invoke(cli, list(args), input=stdin)


def one_line_error(result) -> str:
    """The error line of a failed run, checking there is nothing else (no traceback)."""
    assert result.exit_code == 1, result.output
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert "Traceback" not in result.stderr, result.stderr
    assert len(lines) == 1 and lines[0].startswith("go-engine: error: "), result.stderr
    return lines[0]


@pytest.fixture
def corrupt(tmp_path):
    path = tmp_path / "corrupt.safetensors"
    path.write_bytes(bytes(range(256)) * 2)
    return path


def test_train_zero_on_an_empty_run_says_how_to_make_games(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "cli", "train", "zero", "--run", str(tmp_path)], capture_output=True, text=True
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"go-engine: error: {tmp_path}: no self-play games")
    assert f"go-engine selfplay --out {tmp_path}" in proc.stderr


def test_gtp_with_a_corrupt_net_is_one_line_and_a_traceback_with_v(corrupt):
    line = one_line_error(run_cli("gtp", "--weights", str(corrupt)))
    assert str(corrupt) in line and "corrupt or truncated" in line
    verbose = run_cli("gtp", "-v", "--weights", str(corrupt))
    assert verbose.exit_code == 1 and "Traceback" in verbose.stderr
    assert verbose.stderr.strip().splitlines()[-1] == line
    assert "Traceback" in run_cli("-v", "gtp", "--weights", str(corrupt)).stderr


def test_gtp_with_a_corrupt_tree_policy_is_one_line(corrupt):
    line = one_line_error(run_cli("gtp", "--pipeline", "rollout", "--tree-policy", str(corrupt)))
    assert str(corrupt) in line and "not a rollout policy file" in line


def test_train_sl_on_an_empty_folder_names_only_options_that_exist(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    line = one_line_error(run_cli("train", "sl", "--data", str(empty), "--out", str(tmp_path / "out")))
    assert "no readable SGF games" in line
    options = set(re.findall(r"--[a-z-]+", run_cli("train", "sl", "--help").output))
    assert set(re.findall(r"--[a-z-]+", line)) <= options


def test_gtp_plays_from_a_train_sl_run_folder(tmp_path):
    run = tmp_path / "sl"
    trained = run_cli("train", "sl", "--data", str(GAMES), "--out", str(run), "--preset", "policy4x16", "--steps", "2")
    assert trained.exit_code == 0, trained.output
    assert (run / "weights.safetensors").is_file() and not (run / "sl.safetensors").exists()
    played = run_cli(
        "gtp", "--weights", str(run), "--size", "9", "--playouts", "16", "--seed", "0", stdin="genmove b\nquit\n"
    )
    assert played.exit_code == 0, played.output
    assert re.match(r"= [A-HJ][1-9]\n", played.stdout), played.stdout


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a torch without CUDA")
def test_device_cuda_on_a_cpu_torch_is_one_line():
    line = one_line_error(run_cli("gtp", "--size", "9", "--device", "cuda", stdin="quit\n"))
    assert "--device cuda" in line and "use --device cpu" in line


def test_unknown_device_is_one_line():
    line = one_line_error(run_cli("gtp", "--size", "9", "--device", "banana", stdin="quit\n"))
    assert "not a torch device" in line


def test_bad_config_json_is_one_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    line = one_line_error(run_cli("zero", "--run", str(tmp_path / "run"), "--config", str(bad)))
    assert f"{bad}: not valid JSON" in line
    bad.write_text('{"mcts": {"c_pcut": 1.5}}')
    line = one_line_error(run_cli("zero", "--run", str(tmp_path / "run2"), "--config", str(bad)))
    assert "unknown mcts fields: ['c_pcut']" in line


def test_selfplay_with_a_corrupt_net_is_one_line(tmp_path, corrupt):
    line = one_line_error(run_cli("selfplay", "--out", str(tmp_path / "sp"), "--weights", str(corrupt)))
    assert "corrupt or truncated" in line


def test_click_usage_errors_keep_status_2():
    assert run_cli("gtp", "--size", "25").exit_code == 2


def test_user_message_knows_user_errors_and_leaves_bugs_alone():
    assert user_message(UserError("a\nb")) == "a; b"
    assert user_message(FileNotFoundError(2, "No such file or directory", "x.sgf")) == (
        "x.sgf: no such file or directory"
    )
    assert "use --device cpu" in user_message(AssertionError("Torch not compiled with CUDA enabled"))
    assert user_message(KeyError("bug")) is None and user_message(ValueError("bug")) is None


def test_gtp_with_a_9x9_net_starts_on_its_board():
    from nets.weights import shipped

    path, _ = shipped()[9]
    played = run_cli("gtp", "--weights", str(path), "--playouts", "8", "--seed", "0", stdin="genmove b\nquit\n")
    assert played.exit_code == 0, played.output
    assert re.match(r"= [A-HJ][1-9]\n", played.stdout), played.stdout
    other = run_cli("gtp", "--weights", str(path), "--size", "19", "--playouts", "8", stdin="genmove b\nname\nquit\n")
    assert other.exit_code == 0 and "Traceback" not in other.output  # the session goes on
    assert other.stdout.startswith("? ") and "the model is for 9x9" in other.stdout


def test_zero_init_with_a_net_of_another_shape_is_one_line(tmp_path):
    from nets.checkpoint import save_weights
    from nets.factory import build_model
    from nets.presets import preset

    init = tmp_path / "b2c16.safetensors"
    save_weights(init, build_model(preset("b2c16", board_size=9)))
    args = ["zero", "--run", str(tmp_path / "run"), "--preset", "b6c64k", "--init", str(init), "--workers", "0"]
    line = one_line_error(run_cli(*args))
    assert str(init) in line and "not a start for this run" in line
    assert not (tmp_path / "run" / "models" / "gen_0000.safetensors").exists()
