"""``--config FILE`` for any command: start from a config file, then the options given on the line.

``config_option`` adds the option; ``given_options`` names the options the user typed (click's
parameter source), so that an option's default never overrides a value read from the file.
The loading itself is ``selfplay.config_file``.
"""

from __future__ import annotations

import click
from click.core import ParameterSource

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False),
    help="start from this JSON config (e.g. a run's config.json); options given on the command line override it",
)
"""the ``--config FILE`` option (parameter ``config_path``)"""


def given_options(ctx: click.Context | None = None) -> set[str]:
    """Names of the parameters of the running command set on the command line or by environment."""
    ctx = ctx or click.get_current_context()
    typed = (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT, ParameterSource.PROMPT)
    return {name for name in ctx.params if ctx.get_parameter_source(name) in typed}
