"""selfplay/rl/apex.py: epsilons, the replay's batch add with priorities, real actor processes, CLI, learning."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from cli.main import cli
from selfplay.rl import apex
from selfplay.rl.common import EnvSpec, load_rl_checkpoint
from selfplay.rl.eval import evaluate
from selfplay.rl.replay import PrioritizedReplay
from tests.selfplay.rl.test_dqn import tiny


def test_actor_epsilons_follow_the_paper():
    eps = apex.actor_epsilons(8)
    assert eps[0] == pytest.approx(0.4) and eps[-1] == pytest.approx(0.4**8)
    assert all(a > b for a, b in zip(eps, eps[1:], strict=False))
    assert apex.actor_epsilons(1) == [0.4]
    assert apex.actor_epsilons(2, 0.5, 1.0) == pytest.approx([0.5, 0.25])


def test_add_batch_stores_rows_and_uses_the_given_priorities():
    rb = PrioritizedReplay(8, (1, 2, 2), 5, alpha=1.0, eps=0.0)
    n = 6
    obs = np.arange(n * 4, dtype=np.uint8).reshape(n, 1, 2, 2) % 2
    args = (obs, np.arange(n), np.ones(n), np.ones(n), np.zeros(n), obs, np.ones((n, 5), bool))
    rb.add_batch(*args, priority=np.array([1.0, 2, 3, 4, 5, 6]))
    assert len(rb) == 6 and rb.pos == 6
    np.testing.assert_array_equal(rb.action[:6], np.arange(6))
    assert rb.tree.total == pytest.approx(21.0)
    rb.add_batch(*args, priority=np.full(6, 10.0))  # wraps around: 2 at the end, 4 from the start
    assert len(rb) == 8 and rb.pos == 4
    np.testing.assert_allclose(rb.tree.leaves(8), [10, 10, 10, 10, 5, 6, 10, 10])
    rb.add_batch(*args)  # no priorities: the largest so far
    assert rb.tree.leaves(8).max() == pytest.approx(10.0)


def test_an_actor_collects_transitions_with_their_td_priorities(tmp_path):
    cfg = apex.ApexConfig(dqn=tiny(tmp_path), actors=2, send_every=10)
    (tmp_path / "run" / "pool").mkdir(parents=True)
    actor = apex.Actor(cfg, 1, str(tmp_path / "run"))
    b = actor.collect()
    assert actor.eps == pytest.approx(0.4**8)
    assert len(b["action"]) >= 10 and b["priority"].shape == b["action"].shape
    assert (b["priority"] >= 0).all() and b["steps"] >= 10
    assert all(mask.any() for mask, done in zip(b["next_mask"], b["done"], strict=True) if not done)


def test_apex_with_two_actor_processes_trains_and_checkpoints(tmp_path):
    cfg = apex.ApexConfig(dqn=tiny(tmp_path, total_steps=400, checkpoint_every=200), actors=2, send_every=16)
    out = apex.train(cfg)
    assert out["step"] >= 400 and out["updates"] > 0
    ck = load_rl_checkpoint(tmp_path / "run" / "checkpoints" / "latest.safetensors")
    assert ck.head == "dqn"
    assert (tmp_path / "run" / "checkpoints" / "replay.npz").is_file()
    resumed = apex.train(replace(cfg, dqn=replace(cfg.dqn, total_steps=600, resume=True)))
    assert resumed["step"] >= 600 and resumed["updates"] > out["updates"]


EXIT_AFTER_LATE_WEIGHTS = """
import sys, numpy as np
from selfplay.rl import apex
from tests.selfplay.rl.test_dqn import tiny
from pathlib import Path
procs = apex._Processes(apex.ApexConfig(dqn=tiny(Path(sys.argv[1])), actors=2), sys.argv[1])
procs.close()
procs.publish({"w": np.zeros(1 << 18, np.float32)})  # 1 MiB that no actor will read
print("closed", flush=True)
"""


def test_the_learner_exits_when_stopped_actors_left_weights_unread(tmp_path):
    """Weights published just before the actors stop must not hold the learner's exit (it hung)."""
    script = tmp_path / "late_weights.py"
    script.write_text(EXIT_AFTER_LATE_WEIGHTS)
    root = Path(__file__).resolve().parents[3]
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run([sys.executable, str(script), str(tmp_path)], env=env, capture_output=True, timeout=60)
    assert done.returncode == 0 and b"closed" in done.stdout, done.stderr[-2000:]


def test_cli_actors_option_runs_apex(tmp_path):
    args = ["train", "dqn", "--size", "5", "--steps", "200", "--num-envs", "2", "--blocks", "2", "--filters", "8"]
    args += ["--buffer-size", "256", "--learning-starts", "32", "--checkpoint-every", "100", "--eval-every", "0"]
    args += ["--actors", "2", "--run-dir", str(tmp_path / "r"), "--no-progress"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "Ape-X DQN on 5x5: 2 actors" in result.output and "done:" in result.output


@pytest.mark.slow
def test_apex_learns_to_capture_the_lone_stone(tmp_path):
    spec = EnvSpec(size=5, task="capture")
    d = tiny(tmp_path, env=spec, total_steps=8000, num_envs=4, n_step=1, blocks=3, filters=32, hidden=64)
    d = replace(d, buffer_size=20_000, batch_size=64, lr=1e-3, learning_starts=256, target_every=100)
    d = replace(d, checkpoint_every=8000)
    out = apex.train(apex.ApexConfig(dqn=d, actors=2, send_every=32))
    result = evaluate(out["model"], "dqn", spec, "random", 100, seed=99)
    assert result.win_rate >= 0.9, result.line()
    assert os.path.isfile(tmp_path / "run" / "checkpoints" / "latest.safetensors")


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray not installed")
def test_apex_actors_on_a_local_ray_cluster(tmp_path):
    cfg = apex.ApexConfig(dqn=tiny(tmp_path, total_steps=200, checkpoint_every=100), actors=2, ray_address="local")
    try:
        out = apex.train(cfg)
    finally:
        import ray

        ray.shutdown()
    assert out["step"] >= 200 and out["updates"] > 0
