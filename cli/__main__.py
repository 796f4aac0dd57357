"""``python -m cli`` runs the ``go-engine`` command."""

from cli.main import cli

cli()
