"""``go-engine train rollout``: fit the AlphaGo Lee rollout (and tree) policy on SGF games."""

from __future__ import annotations

import click

from cli import options as opt


@click.command()
@click.option(
    "--data",
    "data_dir",
    type=click.Path(exists=True, file_okay=False),
    required=True,
    help="folder of SGF games (e.g. from `go-engine data gnugo`)",
)
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="weights file (.npz)")
@opt.counted("--steps", default=300, least=1, help="Adam steps (full batch)")
@click.option("--lr", type=float, default=0.1, show_default=True, help="Adam step size")
@click.option("--l2", type=float, default=1e-4, show_default=True, help="L2 penalty")
@opt.fraction("--holdout", default=0.1, most=0.9, help="fraction of games held out for the accuracy figure")
@opt.seed(help="seed of the train/held-out split")
@click.option(
    "--init",
    type=click.Path(exists=True, dir_okay=False),
    help="start from this policy file; the L2 penalty then pulls towards it (fine-tuning)",
)
@click.option(
    "--test",
    "test_dir",
    type=click.Path(exists=True, file_okay=False),
    help="folder of other SGF games to report the tree policy's top-1, top-5 and mean log p on",
)
def rollout(data_dir, out, steps, lr, l2, holdout, seed, init, test_dir):
    """Softmax regression of the expert move on local pattern features; saves rollout + tree weights."""
    from selfplay.expert_data import train_rollout_policy

    train_rollout_policy(
        data_dir,
        out,
        holdout=holdout,
        steps=steps,
        lr=lr,
        l2=l2,
        seed=seed,
        init=init,
        test_dir=test_dir,
        log=click.echo,
    )
