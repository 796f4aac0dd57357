"""``go-engine train dqn``, ``go-engine train a3c`` and ``go-engine eval rl``: thin click commands.

Each command turns its options into a frozen config (``selfplay.rl.dqn.DQNConfig``,
``selfplay.rl.a3c.A3CConfig``) and makes one library call; torch is imported only inside them.
See docs/rl.md for recipes and measured results.
"""

from __future__ import annotations

import click

from cli import options as opt
from cli.config_option import command_config, config_option

_common = opt.group(
    opt.size(5),
    opt.komi(),
    opt.choice("--mode", words=["opponent", "selfplay"], default="opponent"),
    click.option(
        "--opponent",
        default="random",
        show_default=True,
        help="random | uniform | heuristic | pool | pool:DIR | PATH.safetensors | 'gtp:COMMAND'; comma-separated",
    ),
    click.option("--features", "features_name", default="simple", show_default=True),
    opt.choice("--task", words=["go", "capture"], default="go"),
    opt.choice(
        "--reward",
        words=["win", "margin"],
        default="win",
        help="terminal reward: +1/-1, or half that plus half the score margin / board area",
    ),
    opt.choice(
        "--pass-rule",
        words=["any", "sensible"],
        default="any",
        help="'sensible': the learner may pass only when every other legal move fills its own eye",
    ),
    click.option("--steps", "total_steps", type=click.IntRange(min=1), help="env steps (default: the config's)"),
    click.option("--seconds", type=click.FloatRange(min=0), default=0.0, help="wall-clock budget (0 = none)"),
    opt.counted("--blocks", default=3, least=2),
    opt.counted("--filters", default=32, least=1),
    click.option("--lr", type=float, help="learning rate (default: the config's)"),
    click.option("--eval-every", type=click.IntRange(min=0), help="env steps between quick evals (0 = never)"),
    opt.counted("--eval-games", default=50, least=1),
    click.option("--eval-opponent", "eval_opponents", multiple=True, help="repeatable; default: random"),
    click.option("--checkpoint-every", type=click.IntRange(min=1), help="env steps between checkpoints"),
    click.option("--run-dir", type=click.Path(file_okay=False), required=True),
    click.option("--resume", is_flag=True, help="continue from RUN_DIR/checkpoints/train_state.pt"),
    opt.seed(),
    click.option("--progress/--no-progress", default=True, show_default=True),
    config_option,
)
"""options shared by ``train dqn`` and ``train a3c``"""


ENV_OPTIONS = ("size", "komi", "mode", "opponent", "features_name", "task", "reward", "pass_rule")
"""the common options that are ``EnvSpec`` fields"""


def _config(cls, o: dict, **extra):
    """Build ``cls`` from the common options (``None`` = keep the config default).

    With ``--config FILE`` the file is the start and only the options typed on the command line
    (and ``extra``) override it (``cli.config_option``).
    """
    if not o["eval_opponents"]:
        o.pop("eval_opponents")

    def keys(applied: dict, _) -> dict:
        return {**{("env." if k in ENV_OPTIONS else "") + k: v for k, v in applied.items()}, **extra}

    return command_config(cls, o, keys)


def _report(out: dict) -> None:
    shown = {k: v for k, v in out.items() if k not in ("model", "last")}
    click.echo("done: " + ", ".join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in shown.items()))


@click.command()
@_common
@click.option("--num-envs", type=click.IntRange(min=1), default=8, show_default=True)
@click.option("--n-step", type=click.IntRange(min=1), default=3, show_default=True)
@click.option("--buffer-size", type=click.IntRange(min=64), default=50_000, show_default=True)
@click.option("--learning-starts", type=click.IntRange(min=0), help="env steps before the first update")
@click.option("--eps-steps", type=click.IntRange(min=1), help="env steps of the epsilon decay")
@click.option("--lr-end", type=float, help="anneal the learning rate linearly to this at --steps (default: constant)")
@click.option("--batch-size", type=click.IntRange(min=1), help="minibatch size (default: the config's)")
@click.option("--target-every", type=click.IntRange(min=1), help="updates between target-net copies")
@click.option("--gamma", type=click.FloatRange(0, 1), help="discount (default: the config's)")
@click.option(
    "--actors",
    type=click.IntRange(min=1),
    help="Ape-X: this many actor processes with their own epsilons feed one learner (--num-envs each)",
)
@click.option("--ray-address", help="Ape-X: run the actors as Ray actors ('local' starts Ray here)")
def dqn(actors, ray_address, **o):
    """Train a dueling Double DQN with prioritized n-step replay (selfplay/rl/dqn.py; --actors: Ape-X)."""
    import torch

    from selfplay.rl.dqn import DQNConfig, train

    torch.set_num_threads(1)
    cfg = _config(DQNConfig, o)
    if actors is None and not ray_address:
        _report(train(cfg))
        return
    from selfplay.rl import apex

    _report(apex.train(apex.ApexConfig(dqn=cfg, actors=actors or 2, ray_address=ray_address or "")))


@click.command()
@_common
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True)
@click.option("--t-max", type=click.IntRange(min=1), default=10, show_default=True, help="rollout length")
@click.option("--envs-per-worker", type=click.IntRange(min=1), default=4, show_default=True)
@click.option("--entropy-coef", type=float, default=0.01, show_default=True)
@click.option("--optimizer", type=click.Choice(["adam", "rmsprop"]), default="adam", show_default=True)
@click.option("--sync", is_flag=True, help="synchronous A2C in one process")
@click.option("--ray-address", help="run workers as Ray actors ('local' starts Ray here)")
def a3c(**o):
    """Train an actor-critic with A3C worker processes, A2C (--sync) or Ray actors (selfplay/rl/a3c.py)."""
    import torch

    from selfplay.rl.a3c import A3CConfig, train

    torch.set_num_threads(1)
    cfg = _config(A3CConfig, o, ray_address=o.pop("ray_address") or "")
    _report(train(cfg))


@click.group("eval")
def eval_group():
    """Evaluate trained networks."""


@eval_group.command("rl")
@click.argument("checkpoint", type=click.Path(exists=True, dir_okay=False))
@click.option("--opponent", "opponents", multiple=True, help="repeatable; default: random and heuristic")
@click.option("--games", type=click.IntRange(min=1), default=200, show_default=True)
@click.option("--seed", type=int, default=12345, show_default=True)
@click.option("--curve", type=click.Path(dir_okay=False), help="write the run's learning curve PNG here")
def eval_rl(checkpoint, opponents, games, seed, curve):
    """Win rates (95% Wilson intervals) of a DQN/A3C CHECKPOINT against opponents, playing greedily."""
    from pathlib import Path

    import torch

    from selfplay.rl.common import load_rl_checkpoint
    from selfplay.rl.eval import evaluate, learning_curve

    torch.set_num_threads(1)
    ck = load_rl_checkpoint(checkpoint)
    spec = ck.env
    run_dir = Path(checkpoint).resolve().parent.parent
    click.echo(f"{checkpoint}: {ck.head} at step {ck.step}, {spec.size}x{spec.size}, komi {spec.komi}")
    for opp in opponents or ("random", "heuristic"):
        click.echo(evaluate(ck.model, ck.head, spec, opp, games, seed, run_dir / "pool").line())
    if curve:
        metrics = run_dir / "metrics.csv"
        if not metrics.is_file():
            raise click.ClickException(f"no metrics.csv in {run_dir} for the learning curve")
        click.echo(f"learning curve: {learning_curve(metrics, curve)}")
