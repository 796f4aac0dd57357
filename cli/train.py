"""``go-engine train``: the group that holds one sub-command per trainer (zero, sl, rollout, rl, value, dqn, a3c)."""

import click


@click.group()
def train():
    """Train networks: each sub-command runs one trainer."""
