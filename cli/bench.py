"""``go-engine bench``: throughput measurements (placeholder group filled by the bench module)."""

import click


@click.group()
def bench():
    """Measure engine speed."""
