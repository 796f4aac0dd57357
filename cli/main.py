"""The ``go-engine`` click group; each sub-command lives in its own module and is registered here."""

import click

from cli.errors import ErrorReporting


@click.group(cls=ErrorReporting, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="go-engine")
@click.option("-v", "--verbose", count=True, help="more log lines (-vv debug); tracebacks with error messages")
@click.pass_context
def cli(ctx, verbose):
    """go-engine: a Go engine that learns by reinforcement learning."""
    ctx.obj = {"verbose": verbose}
    if verbose:
        import logging
        import sys

        logging.basicConfig(stream=sys.stderr, level=logging.DEBUG if verbose > 1 else logging.INFO)


def _register():
    from cli import train

    cli.add_command(train.train)
    from cli import bench

    cli.add_command(bench.bench)
    from cli import bench_mcts

    bench.bench.add_command(bench_mcts.mcts)
    from cli import bench_nets

    bench.bench.add_command(bench_nets.net)
    bench.bench.add_command(bench_nets.rollouts)
    bench.bench.add_command(bench_nets.lee_nets)
    bench.bench.add_command(bench_nets.player)
    from cli import bench_selfplay

    bench.bench.add_command(bench_selfplay.selfplay)
    from cli import gtp_cmd

    cli.add_command(gtp_cmd.gtp)
    cli.add_command(gtp_cmd.match)
    from cli import selfplay_cmd, train_zero, zero_cmd

    cli.add_command(selfplay_cmd.selfplay)
    cli.add_command(zero_cmd.zero)
    train.train.add_command(train_zero.zero)
    from cli import train_rl

    train.train.add_command(train_rl.dqn)
    train.train.add_command(train_rl.a3c)
    cli.add_command(train_rl.eval_group)
    from cli import data_cmd, train_rollout

    cli.add_command(data_cmd.data)
    train.train.add_command(train_rollout.rollout)
    from cli import train_lee

    for command in (train_lee.sl, train_lee.rl, train_lee.value):
        train.train.add_command(command)
    from cli import train_distill

    train.train.add_command(train_distill.distill)
    train.train.add_command(train_distill.prune)
    train_rl.eval_group.add_command(train_lee.eval_policies)
    from cli import analysis_cmd

    cli.add_command(analysis_cmd.analysis)
    cli.add_command(analysis_cmd.review)
    from cli import interrupt

    interrupt.install(cli)  # Ctrl-C / SIGTERM: one line saying how to resume, exit 130 / 143


_register()

if __name__ == "__main__":
    cli()
