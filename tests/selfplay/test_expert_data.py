"""GNU Go expert games (``go-engine data gnugo``) and the rollout trainer (``go-engine train rollout``)."""

from __future__ import annotations

import numpy as np
from click.testing import CliRunner

from cli.main import cli
from selfplay.expert_data import (
    GnuGoDataConfig,
    generate_gnugo_games,
    load_rollout_policy,
    random_opening_moves,
    save_rollout_policy,
)
from selfplay.records import load_sgf_folder


def test_random_opening_comment():
    assert random_opening_moves("random_opening=3") == 3
    assert random_opening_moves(None) == 0 and random_opening_moves("x=1") == 0


def test_two_tiny_games_deduped(tmp_path, gnugo_path):
    cfg = GnuGoDataConfig(games=2, size=5, out_dir=str(tmp_path / "g"), seed=4, gnugo=gnugo_path, opening_margin=1)
    assert generate_gnugo_games(cfg) == 2
    records, failures = load_sgf_folder(tmp_path / "g")
    assert len(records) == 2 and not failures
    assert records[0].moves != records[1].moves
    for rec in records:
        assert rec.size == 5 and rec.result and "GNU Go" in rec.black_name
        assert 0 <= random_opening_moves(rec.game_comment) <= cfg.max_random_opening
    names = sorted(p.name for p in (tmp_path / "g").iterdir())
    assert all(n.startswith("gnugo_5_") and n.endswith(".sgf") for n in names)
    # the same seed replays the same first games: those are skipped, not written twice
    again = generate_gnugo_games(cfg)
    after = sorted(p.name for p in (tmp_path / "g").iterdir())
    assert set(names) <= set(after) and len(after) == len(names) + again


def test_cli_data_then_train_rollout(tmp_path, gnugo_path):
    runner = CliRunner()
    out = tmp_path / "games"
    res = runner.invoke(
        cli, ["data", "gnugo", "--games", "2", "--size", "5", "--out", str(out), "--seed", "9", "--gnugo", gnugo_path]
    )
    assert res.exit_code == 0, res.output
    assert "wrote 2 games" in res.output
    weights = tmp_path / "w" / "rollout.npz"
    res = runner.invoke(cli, ["train", "rollout", "--data", str(out), "--out", str(weights), "--steps", "5"])
    assert res.exit_code == 0, res.output
    assert "rollout_top1_test" in res.output
    pol = load_rollout_policy(weights)
    assert pol.tree_weights is not None and np.isfinite(pol.weights).all()
    save_rollout_policy(weights, pol)
    assert [p.name for p in weights.parent.iterdir()] == ["rollout.npz"]  # no temp file left
