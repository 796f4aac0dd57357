"""``selfplay.config_file`` (config files for every command) and ``--config`` on ``train dqn``/``a3c``."""

from __future__ import annotations

import json
from dataclasses import asdict

import click
import pytest
from click.testing import CliRunner

from cli.main import cli
from cli.train_rl import _common, _config
from engine.config import MCTSConfig
from engine.errors import UserError
from selfplay.config import Config
from selfplay.config_file import config_from_dict, load_config_file, with_overrides, write_config
from selfplay.rl.common import EnvSpec
from selfplay.rl.common import write_config as write_run_config
from selfplay.rl.dqn import DQNConfig


def test_a_run_config_reads_back_with_its_sections(tmp_path):
    cfg = DQNConfig(env=EnvSpec(size=7, komi=5.5), total_steps=1234, run_dir=str(tmp_path), eval_opponents=("random",))
    write_run_config(tmp_path, cfg)
    assert load_config_file(tmp_path / "config.json", DQNConfig) == cfg
    root = Config()
    assert load_config_file(write_config(tmp_path / "root.json", root), Config) == root


def test_overrides_reach_sections_and_skip_none():
    cfg = with_overrides(DQNConfig(), {"env.size": 9, "total_steps": 10, "lr": None})
    assert (cfg.env.size, cfg.total_steps, cfg.lr) == (9, 10, DQNConfig().lr)
    with pytest.raises(UserError, match="unknown EnvSpec fields"):
        with_overrides(DQNConfig(), {"env.colour": 1})


def test_bad_files_are_one_clear_user_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(UserError, match="not valid JSON"):
        load_config_file(bad, DQNConfig)
    bad.write_text(json.dumps({"env": {"size": 7, "bogus": 1}}))
    with pytest.raises(UserError, match=r"bad.json.env: unknown EnvSpec fields \['bogus'\]"):
        load_config_file(bad, DQNConfig)
    bad.write_text(json.dumps({"board": {"size": 99}}))
    with pytest.raises(UserError, match="bad.json.board: board size must be 2..19"):
        load_config_file(bad, Config)


def test_wrapped_configs_and_old_search_keys_load(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"dqn": asdict(DQNConfig(total_steps=77)), "net": {}}))
    assert load_config_file(path, DQNConfig, section="dqn").total_steps == 77
    with pytest.warns(DeprecationWarning):
        mcts = config_from_dict(MCTSConfig, {"c_puct_rollout": 1.2}, "old.json")
    assert mcts.rollout.c_puct == 1.2


@click.command()
@_common
def built(**o):
    click.echo(json.dumps(asdict(_config(DQNConfig, o))))


def test_config_option_keeps_the_file_unless_an_option_is_typed(tmp_path):
    write_run_config(tmp_path, DQNConfig(env=EnvSpec(size=7, komi=5.5), total_steps=999, blocks=5))
    args = ["--run-dir", str(tmp_path / "new"), "--config", str(tmp_path / "config.json")]
    res = CliRunner().invoke(built, [*args, "--komi", "6.5"])
    assert res.exit_code == 0, res.output
    got = json.loads(res.output)
    assert (got["env"]["size"], got["env"]["komi"], got["total_steps"], got["blocks"]) == (7, 6.5, 999, 5)
    assert got["run_dir"] == str(tmp_path / "new")
    plain = json.loads(CliRunner().invoke(built, ["--run-dir", str(tmp_path)]).output)
    assert (plain["env"]["size"], plain["blocks"]) == (5, 3)  # without --config: the option defaults


def test_train_dqn_with_a_broken_config_says_so_in_one_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"gamma": 0.9, "nope": 1}))
    res = CliRunner().invoke(cli, ["train", "dqn", "--run-dir", str(tmp_path / "r"), "--config", str(bad)])
    assert res.exit_code != 0
    assert "unknown DQNConfig fields ['nope']" in res.output and "Traceback" not in res.output


def test_lee_trainers_start_from_a_run_config_section(tmp_path):
    from cli.train_lee import build_config, common
    from selfplay.lee.sl import SLConfig

    @click.command()
    @common
    @click.option("--steps", type=int, default=20_000)
    def sl_built(**o):
        click.echo(json.dumps(asdict(build_config(SLConfig, o, "sl"))))

    run = tmp_path / "config.json"
    run.write_text(json.dumps({"sl": asdict(SLConfig(steps=5, seed=3)), "net": {}}))
    res = CliRunner().invoke(sl_built, ["--config", str(run), "--device", "meta"])
    assert res.exit_code == 0, res.output
    got = json.loads(res.output)
    assert (got["steps"], got["seed"], got["device"]) == (5, 3, "meta")
    assert json.loads(CliRunner().invoke(sl_built, []).output)["steps"] == 20_000
