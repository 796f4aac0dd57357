"""REINFORCE trainer: the loss against hand computation, batched games, the CLI with a pool."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from nets.factory import build_model
from nets.presets import preset
from selfplay.lee.rl import RLConfig, play_games, reinforce_loss

torch.set_num_threads(1)


def tiny_policy(seed: int = 0, size: int = 5):
    torch.manual_seed(seed)
    return build_model(preset("policy4x16", board_size=size, in_planes=48, feature_set="aglee48", filters=8))


def test_reinforce_loss_value_and_gradient_by_hand():
    logits = torch.tensor([[0.0, 1.0, 2.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]], requires_grad=True)
    actions = torch.tensor([2, 0, 1])
    adv = torch.tensor([1.0, -1.0, 0.5])  # z - b of each move
    logp = torch.log_softmax(logits, 1).gather(1, actions[:, None]).squeeze(1)
    loss = reinforce_loss(logp, adv, n_games=2)
    p = torch.softmax(logits.detach(), 1).numpy()
    lp = np.log(p[np.arange(3), actions.numpy()])
    assert loss.item() == pytest.approx(-(lp * adv.numpy()).sum() / 2, rel=1e-6)
    loss.backward()
    onehot = np.eye(3)[actions.numpy()]
    expected = -(onehot - p) * adv.numpy()[:, None] / 2  # d/dlogits of -adv * log p(a) / n
    np.testing.assert_allclose(logits.grad.numpy(), expected, rtol=1e-5, atol=1e-7)


def test_play_games_records_only_the_learner_moves():
    cfg = RLConfig(games=4, komi=0.5)  # games end by two passes (a pass right after the end once crashed)
    rng = np.random.default_rng(0)
    batch = play_games(tiny_policy(0), tiny_policy(1), 4, 5, cfg, rng, torch.device("cpu"))
    assert set(np.unique(batch.game)) == {0, 1, 2, 3}
    assert np.all(np.isin(batch.z, [-1.0, 0.0, 1.0]))
    assert np.all(batch.mask[np.arange(len(batch.actions)), batch.actions])  # played moves were allowed
    for g in range(4):  # learner black in even games: moves 1, 3, 5, ...; white in odd games: 2, 4, ...
        own = int((batch.game == g).sum())
        expected = (batch.lengths[g] + 1) // 2 if g % 2 == 0 else batch.lengths[g] // 2
        assert own == expected
    first_black = batch.planes[batch.game == 0][0]
    assert first_black[0].sum() == 0 and first_black[1].sum() == 0  # empty board at black's first move


def test_cli_rl_smoke_with_pool(tmp_path):
    from cli.main import cli
    from nets.checkpoint import save_weights

    sl = save_weights(tmp_path / "sl" / "weights.safetensors", tiny_policy(0))
    out = tmp_path / "rl"
    args = ["train", "rl", "--sl", str(sl.parent), "--out", str(out), "--games", "4", "--pool-every", "1"]
    args += ["--iterations", "2", "--komi", "0.5", "--max-moves", "20", "--baseline", "mean"]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in (out / "pool").glob("*.safetensors")) == [
        "000000.safetensors",
        "000001.safetensors",
        "000002.safetensors",
    ]
    rows = list(csv.DictReader((out / "log.csv").open()))
    assert [r["step"] for r in rows] == ["1", "2"] and rows[-1]["pool_size"] == "3"
    assert (out / "weights.safetensors").is_file()


def test_policy_match_counts_and_the_eval_cli(tmp_path):
    from nets.checkpoint import save_weights
    from selfplay.lee.rl import policy_match

    a, b = tiny_policy(1), tiny_policy(2)
    r = policy_match(a, b, games=6, komi=0.5, seed=3)
    assert r["games"] == 6 and 0 <= r["wins"] + r["draws"] <= 6
    assert r["ci95"][0] <= r["win_rate"] <= r["ci95"][1]
    assert policy_match(a, b, games=6, komi=0.5, seed=3) == r  # same seed, same games
    assert policy_match(a, a, games=6, komi=0.5, seed=4)["games"] == 6  # a net against itself
    save_weights(tmp_path / "a.safetensors", a)
    save_weights(tmp_path / "b.safetensors", b)
    from cli.main import cli

    res = CliRunner().invoke(
        cli, ["eval", "policies", str(tmp_path / "a.safetensors"), str(tmp_path / "b.safetensors"), "--games", "2"]
    )
    assert res.exit_code == 0, res.output
    assert "in 2 games" in res.output and "95% CI" in res.output
