"""selfplay/rl/dqn.py and nets/models/dqn.py: targets and loss by hand, CLI smoke, determinism, resume, learning."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from cli.main import cli
from nets.models.dqn import DuelingQNet
from selfplay.rl.common import EnvSpec, load_rl_checkpoint, net_config
from selfplay.rl.dqn import DQNConfig, double_dqn_target, td_loss, train
from selfplay.rl.eval import evaluate
from tests.selfplay.rl.conftest import tiny_run

TINY = dict(
    total_steps=96, num_envs=4, buffer_size=512, batch_size=16, learning_starts=32, target_every=5, eps_steps=64
)


def tiny(tmp_path, **kw) -> DQNConfig:
    return tiny_run(DQNConfig, tmp_path, {**TINY, "eps_steps": 64, "checkpoint_every": 48}, **kw)


# ------------------------------------------------------------------------------ targets and loss
def test_double_dqn_target_masks_and_uses_online_argmax():
    q_online = torch.tensor([[5.0, 1.0, 2.0], [0.0, 3.0, 9.0]])
    q_target = torch.tensor([[10.0, 20.0, 30.0], [40.0, 50.0, 60.0]])
    mask = torch.tensor([[0, 1, 1], [1, 1, 0]])  # the online max of each row is illegal
    target = double_dqn_target(
        torch.tensor([0.5, -1.0]), torch.tensor([0.9, 0.9]), torch.tensor([0.0, 0.0]), q_online, q_target, mask
    )
    # row 0: legal argmax of online is action 2 -> target net's 30; row 1: action 1 -> 50
    torch.testing.assert_close(target, torch.tensor([0.5 + 0.9 * 30.0, -1.0 + 0.9 * 50.0]))


def test_double_dqn_target_negamax_sign_and_done():
    q = torch.tensor([[0.2, 0.7, 0.1]])
    mask = torch.ones(1, 3)
    # self-play, n = 1: discount = -gamma -> r - gamma * Q_target(s', argmax)
    t = double_dqn_target(torch.tensor([0.0]), torch.tensor([-0.99]), torch.tensor([0.0]), q, q, mask)
    assert float(t) == pytest.approx(-0.99 * 0.7)
    t = double_dqn_target(torch.tensor([1.0]), torch.tensor([-0.99]), torch.tensor([1.0]), q, q, mask)
    assert float(t) == pytest.approx(1.0)  # terminal: no bootstrap


def test_td_loss_by_hand():
    q = torch.tensor([[1.0, 2.0], [0.0, -1.0]], requires_grad=True)
    loss, td = td_loss(q, torch.tensor([1, 0]), torch.tensor([2.5, 3.0]), torch.tensor([1.0, 0.5]))
    # Huber: |0.5| -> 0.5 * 0.25 = 0.125; |3| -> 3 - 0.5 = 2.5 (weighted 0.5); mean over 2
    assert float(loss.detach()) == pytest.approx((0.125 + 0.5 * 2.5) / 2)
    torch.testing.assert_close(td, torch.tensor([0.5, 3.0]))
    loss.backward()
    torch.testing.assert_close(q.grad, torch.tensor([[0.0, -0.25], [-0.25, 0.0]]))


def test_dueling_net_shape_and_mean_zero_advantage():
    cfg = net_config(EnvSpec(size=5), blocks=2, filters=8, hidden=16)
    net = DuelingQNet(cfg)
    x = torch.zeros(3, cfg.in_planes, 5, 5)
    q = net(x)
    assert q.shape == (3, 26)
    v = net.value_mlp(net.value_conv(net.trunk(x)))
    torch.testing.assert_close(q.mean(dim=1), v)  # V + A - mean(A) averages to V
    with pytest.raises(ValueError):
        DuelingQNet(replace(cfg, kind="resnet"))


# ------------------------------------------------------------------------------ trainer
def test_same_seed_same_actions_and_weights(tmp_path):
    a = train(tiny(tmp_path / "a"))
    b = train(tiny(tmp_path / "b"))
    c = train(tiny(tmp_path / "c", seed=1))
    assert a["actions_crc"] == b["actions_crc"] != c["actions_crc"]
    assert a["updates"] > 0
    for pa, pb in zip(a["model"].parameters(), b["model"].parameters(), strict=True):
        torch.testing.assert_close(pa, pb, rtol=0, atol=0)


@pytest.mark.parametrize("mode", ["opponent", "selfplay"])
def test_resume_is_exact(tmp_path, mode):
    env = EnvSpec(size=5, mode=mode)
    full = train(tiny(tmp_path / "full", env=env))
    train(tiny(tmp_path / "split", env=env, total_steps=48))
    resumed = train(tiny(tmp_path / "split", env=env, resume=True))
    assert resumed["step"] == full["step"] == 96
    assert resumed["actions_crc"] == full["actions_crc"]
    assert resumed["updates"] == full["updates"]
    for pa, pb in zip(full["model"].parameters(), resumed["model"].parameters(), strict=True):
        torch.testing.assert_close(pa, pb, rtol=0, atol=0)


def test_cli_smoke_train_and_eval(tmp_path):
    run = tmp_path / "run"
    runner = CliRunner()
    args = ["train", "dqn", "--steps", "64", "--num-envs", "4", "--learning-starts", "16", "--checkpoint-every", "32"]
    args += ["--eval-every", "32", "--eval-games", "2", "--blocks", "2", "--filters", "8", "--buffer-size", "256"]
    args += ["--opponent", "random,heuristic,pool", "--run-dir", str(run), "--no-progress"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "|param|value|" in result.output and "done: step=64" in result.output
    for name in ("latest.safetensors", "step_32.safetensors", "step_64.safetensors", "train_state.pt", "replay.npz"):
        assert (run / "checkpoints" / name).is_file()
    assert (run / "pool" / "step_32.safetensors").is_file() and (run / "config.json").is_file()
    assert not list(run.glob("**/*step_*.pt"))
    ck = load_rl_checkpoint(run / "checkpoints" / "latest.safetensors")
    assert ck.head == "dqn" and ck.step == 64 and ck.meta["trainer"]["env"]["size"] == 5
    png = tmp_path / "curve.png"
    ev = ["eval", "rl", str(run / "checkpoints" / "latest.safetensors"), "--games", "4", "--opponent", "random"]
    result = runner.invoke(cli, [*ev, "--curve", str(png)])
    assert result.exit_code == 0, result.output
    assert "vs random:" in result.output and "95% CI" in result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_smoke_selfplay_mode(tmp_path):
    args = ["train", "dqn", "--mode", "selfplay", "--steps", "32", "--num-envs", "4", "--learning-starts", "8"]
    args += ["--checkpoint-every", "32", "--eval-every", "0", "--blocks", "2", "--filters", "8"]
    result = CliRunner().invoke(cli, [*args, "--buffer-size", "128", "--run-dir", str(tmp_path), "--no-progress"])
    assert result.exit_code == 0, result.output


def test_cli_reward_and_pass_rule_reach_the_env_and_the_checkpoint(tmp_path):
    args = ["train", "dqn", "--mode", "selfplay", "--steps", "32", "--num-envs", "4", "--learning-starts", "8"]
    args += ["--checkpoint-every", "32", "--eval-every", "0", "--blocks", "2", "--filters", "8", "--buffer-size", "128"]
    args += ["--reward", "margin", "--pass-rule", "sensible", "--run-dir", str(tmp_path), "--no-progress"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    ck = load_rl_checkpoint(tmp_path / "checkpoints" / "latest.safetensors")
    env = ck.meta["trainer"]["env"]
    assert (env["reward"], env["pass_rule"]) == ("margin", "sensible")
    with np.load(tmp_path / "checkpoints" / "replay.npz") as replay:
        size = int(replay["scalars"][1])
        assert size > 0 and not (replay["action"][:size] == 25).any()  # early on, pass is never allowed
        assert not replay["next_mask"][:size, 25].any()
    ev = ["eval", "rl", str(tmp_path / "checkpoints" / "latest.safetensors"), "--games", "2", "--opponent", "random"]
    result = CliRunner().invoke(cli, ev)
    assert result.exit_code == 0 and "vs random:" in result.output, result.output


@pytest.mark.slow
def test_dqn_learns_to_capture_the_lone_stone(tmp_path):
    spec = EnvSpec(size=5, task="capture")
    cfg = tiny(
        tmp_path,
        env=spec,
        total_steps=8000,
        num_envs=8,
        n_step=1,
        blocks=3,
        filters=32,
        hidden=64,
        buffer_size=20_000,
        batch_size=64,
        lr=1e-3,
        learning_starts=256,
        target_every=100,
        eps_steps=4000,
        checkpoint_every=8000,
    )
    out = train(cfg)
    result = evaluate(out["model"], "dqn", spec, "random", 100, seed=99)
    assert result.win_rate >= 0.9, result.line()


def test_checkpoint_every_must_divide(tmp_path):
    with pytest.raises(ValueError):
        tiny(tmp_path, checkpoint_every=50)
    assert Path(tiny(tmp_path).run_dir).name == "run"
    assert np.isfinite(tiny(tmp_path).gamma)


def test_lr_end_anneals_the_learning_rate(tmp_path):
    out = train(tiny(tmp_path, lr=1e-3, lr_end=1e-5))
    ck_dir = Path(tmp_path) / "run" / "checkpoints"
    ck = torch.load(ck_dir / "train_state.pt", weights_only=True)  # an update runs at each vector step
    assert ck["optimizer"]["param_groups"][0]["lr"] == pytest.approx(1e-5)
    assert out["updates"] > 0


def test_best_checkpoint_keeps_the_best_quick_eval(tmp_path):
    from selfplay.rl.common import BestCheckpoint

    cfg = tiny(tmp_path, eval_every=32, eval_games=4)
    train(cfg)
    ck_dir = Path(cfg.run_dir) / "checkpoints"
    best = load_rl_checkpoint(ck_dir / "best.safetensors")
    scores = read_eval_scores(Path(cfg.run_dir) / "metrics.csv")
    assert best.meta["eval_score"] == max(scores.values())
    assert best.step == max(s for s, v in scores.items() if v == max(scores.values()))
    keeper = BestCheckpoint(ck_dir, resume=True)
    assert keeper.score == best.meta["eval_score"]
    assert not keeper.offer(best.model, keeper.score - 0.25, head="dqn", step=0, trainer={})
    assert load_rl_checkpoint(ck_dir / "best.safetensors").step == best.step


def read_eval_scores(metrics_csv: Path) -> dict[int, float]:
    """step -> win rate of the quick evals against random (the only eval opponent here)."""
    import csv

    with open(metrics_csv, newline="") as f:
        rows = [r for r in csv.reader(f) if len(r) == 3 and r[1] == "eval/win_rate_random"]
    return {int(r[0]): float(r[2]) for r in rows}
