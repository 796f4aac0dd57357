"""``go-engine train rollout``: fit the AlphaGo Lee rollout (and tree) policy on SGF games."""

from __future__ import annotations

import click


@click.command()
@click.option(
    "--data",
    "data_dir",
    type=click.Path(exists=True, file_okay=False),
    required=True,
    help="folder of SGF games (e.g. from `go-engine data gnugo`)",
)
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="weights file (.npz)")
@click.option("--steps", type=click.IntRange(min=1), default=300, show_default=True, help="Adam steps (full batch)")
@click.option("--lr", type=float, default=0.1, show_default=True, help="Adam step size")
@click.option("--l2", type=float, default=1e-4, show_default=True, help="L2 penalty")
@click.option(
    "--holdout",
    type=click.FloatRange(0, 0.9),
    default=0.1,
    show_default=True,
    help="fraction of games held out for the accuracy figure",
)
@click.option("--seed", type=int, default=0, show_default=True, help="seed of the train/held-out split")
def rollout(data_dir, out, steps, lr, l2, holdout, seed):
    """Softmax regression of the expert move on local pattern features; saves rollout + tree weights."""
    from selfplay.expert_data import train_rollout_policy

    train_rollout_policy(data_dir, out, holdout=holdout, steps=steps, lr=lr, l2=l2, seed=seed, log=click.echo)
