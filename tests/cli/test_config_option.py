"""``--config FILE`` on ``zero``, ``selfplay`` and ``train zero``: the file's values stay unless an option is typed.

Each command runs for real up to its one library call, which is replaced by a stand-in that keeps
the ``Config`` it was given (or, for ``selfplay``, the run's ``config.json`` is read back).
"""

from __future__ import annotations

import json
from dataclasses import replace
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from cli.main import cli
from nets.presets import preset
from selfplay.config import Config, EvalConfig, save_config


@pytest.fixture
def config_file(tmp_path):
    """A run config with 37 playouts, komi 5.5, 3 temperature moves, lr 0.05 and a b4c32 net."""
    base = Config()
    cfg = replace(
        base,
        board=replace(base.board, komi=5.5),
        mcts=replace(base.mcts, num_simulations=37),
        net=preset("b4c32", board_size=9),
        selfplay=replace(base.selfplay, temperature_moves=3, games=5),
        train=replace(base.train, lr=0.05, steps=40),
        eval=EvalConfig(playouts=37, gnugo_colors="a-white"),
        seed=11,
    )
    return save_config(tmp_path / "given.json", cfg)


@pytest.fixture
def kept(monkeypatch):
    """The ``Config`` handed to the loop or the trainer (no games played, nothing trained)."""
    got: dict[str, Config] = {}
    monkeypatch.setattr("multiprocessing.set_start_method", lambda *a, **k: None)

    def run_zero(cfg, run_dir, external=None, init=None):
        got["cfg"] = cfg
        return SimpleNamespace(generation=0, best=0)

    def launch(nproc, device, fn, cfg, *args, **kwargs):
        got["cfg"] = cfg
        return SimpleNamespace(step=0, metrics={})

    monkeypatch.setattr("selfplay.zero.loop.run_zero", run_zero)
    monkeypatch.setattr("selfplay.distributed.launch", launch)
    monkeypatch.setattr("selfplay.zero.shards.list_shards", lambda folder: ["a shard"])
    return got


def _run(*args: str) -> None:
    res = CliRunner().invoke(cli, list(args))
    assert res.exit_code == 0, res.output


def test_zero_keeps_the_file_unless_an_option_is_typed(tmp_path, config_file, kept):
    _run("zero", "--run", str(tmp_path / "r"), "--config", str(config_file), "--hours", "0.01")
    cfg = kept["cfg"]
    assert (cfg.mcts.num_simulations, cfg.eval.playouts, cfg.board.komi) == (37, 37, 5.5)
    assert (cfg.selfplay.temperature_moves, cfg.selfplay.games, cfg.train.lr, cfg.seed) == (3, 5, 0.05, 11)
    assert (cfg.net, cfg.eval.gnugo_colors, cfg.hours) == (preset("b4c32", board_size=9), "a-white", 0.01)

    _run("zero", "--run", str(tmp_path / "r"), "--config", str(config_file), "--playouts", "50", "--size", "7")
    cfg = kept["cfg"]
    assert (cfg.mcts.num_simulations, cfg.eval.playouts, cfg.board.komi) == (50, 50, 5.5)
    assert (cfg.board.size, cfg.net) == (7, preset("b4c32", board_size=7))  # the file's net, for the typed size

    _run("zero", "--run", str(tmp_path / "r"), "--config", str(config_file), "--preset", "b6c32", "--komi", "6")
    cfg = kept["cfg"]
    assert (cfg.net, cfg.board.komi, cfg.mcts.num_simulations) == (preset("b6c32", board_size=9), 6.0, 37)


def test_zero_without_a_file_takes_the_option_defaults(tmp_path, kept):
    _run("zero", "--run", str(tmp_path / "r"))
    cfg = kept["cfg"]
    assert (cfg.mcts.num_simulations, cfg.eval.playouts, cfg.board.komi, cfg.board.size) == (100, 100, 7.5, 9)
    assert (cfg.net, cfg.train.steps, cfg.train.batch_size, cfg.selfplay.games) == (preset("b6c64"), 30_000, 256, 512)
    assert (cfg.selfplay.bootstrap_games, cfg.selfplay.bootstrap_playouts, cfg.selfplay.playout_cap) == (
        1200,
        400,
        True,
    )
    assert (cfg.eval.gating, cfg.eval.games, cfg.train.optimizer, cfg.train.lr) == (False, 10, "adamw", 0.002)


def test_selfplay_writes_the_file_with_only_the_typed_options_over_it(tmp_path, config_file, monkeypatch):
    monkeypatch.setattr("multiprocessing.set_start_method", lambda *a, **k: None)
    summary = SimpleNamespace(to_dict=lambda: {"games": 0, "batching": {}})
    monkeypatch.setattr("selfplay.zero.worker.run_selfplay", lambda *a, **k: summary)

    def written(*args: str) -> dict:
        out = tmp_path / "out"
        _run("selfplay", "--out", str(out), *args)
        return json.loads((out / "config.json").read_text())

    got = written("--config", str(config_file))
    assert (got["mcts"]["num_simulations"], got["board"]["komi"], got["selfplay"]["games"]) == (37, 5.5, 5)
    got = written("--config", str(config_file), "--komi", "6.5", "--games", "2")
    assert (got["mcts"]["num_simulations"], got["board"]["komi"], got["selfplay"]["games"]) == (37, 6.5, 2)
    got = written()
    assert (got["mcts"]["num_simulations"], got["board"]["komi"], got["selfplay"]["games"]) == (100, 7.5, 16)


def test_train_zero_starts_from_the_run_config(tmp_path, config_file, kept):
    run = tmp_path / "run"
    run.mkdir()
    _run("train", "zero", "--run", str(run))
    assert (kept["cfg"].train.lr, kept["cfg"].train.steps, kept["cfg"].seed) == (0.002, 1000, 0)  # no config.json
    (run / "config.json").write_text(config_file.read_text())
    _run("train", "zero", "--run", str(run))
    assert (kept["cfg"].train.lr, kept["cfg"].train.steps, kept["cfg"].seed) == (0.05, 40, 11)
    _run("train", "zero", "--run", str(run), "--lr", "0.01", "--seed", "4")
    assert (kept["cfg"].train.lr, kept["cfg"].train.steps, kept["cfg"].seed) == (0.01, 40, 4)
