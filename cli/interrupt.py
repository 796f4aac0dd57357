"""Ctrl-C and SIGTERM for the long commands: stop at once, keep what finished, say how to resume.

A *long command* is every ``go-engine`` command but ``gtp`` and ``analysis`` (selfplay, zero, train *, match,
data *, bench *, eval *). ``install(cli)`` wraps each one's callback so that:

- SIGINT (the terminal's Ctrl-C, sent to the whole process group) and SIGTERM (to this process
  alone, e.g. from a job scheduler) raise ``KeyboardInterrupt`` here (``engine.procs``); the
  library's ``finally`` blocks stop the workers (which end with their parent anyway);
- the user gets one line on stderr, no traceback: what is kept and the command that resumes;
- the exit status is 128 + the signal (130 for Ctrl-C, 143 for SIGTERM).

Runs resume from their folders: finished games, labelled chunks and atomic checkpoints are kept;
the RL trainers need ``--resume``, which the printed command adds. ``match`` and ``bench`` do not
resume (nor ``eval`` and ``review``): the line says so.
"""

from __future__ import annotations

import functools
import os
import shlex
import signal
import sys

import click

from engine import procs

SKIP = {"gtp", "analysis"}
"""commands left alone (engines that answer on stdin/stdout and stop at the end of their input)"""
NO_RESUME = {"match": "a match", "eval": "an evaluation", "review": "a review"}
"""commands that start over when run again"""


def resume_line(ctx: click.Context) -> str:
    """The one line printed after a stop: what is kept and how to go on."""
    path = ctx.command_path.split()[1:]  # e.g. ["train", "a3c"]
    argv = ["go-engine", *sys.argv[1:]]
    if "resume" in ctx.params and not ctx.params["resume"]:
        argv.append("--resume")
    how = "stopped by Ctrl-C" if procs.stop_signal() == signal.SIGINT else "stopped by SIGTERM"
    if path[:1] == ["bench"]:
        return f"go-engine: {how}; benchmarks keep nothing: run it again to measure"
    if path[:1] == ["match"]:
        return f"go-engine: {how}; the games written so far are kept; a match starts over: {shlex.join(argv)}"
    if path[:1] and path[0] in NO_RESUME:
        return f"go-engine: {how}; {NO_RESUME[path[0]]} starts over when run again: {shlex.join(argv)}"
    return f"go-engine: {how}; finished work is kept; to resume, run: {shlex.join(argv)}"


def _hard_exit(signum, frame) -> None:
    """A second signal while shutting down: leave now (workers end with us)."""
    os._exit(128 + signum)


def interruptible(callback):
    """Wrap a click callback: stop signals -> one line on stderr and exit status 128 + signal."""

    @functools.wraps(callback)
    def wrapped(*args, **kwargs):
        procs.catch_stop_signals()
        try:
            return callback(*args, **kwargs)
        except KeyboardInterrupt:
            for s in (signal.SIGINT, signal.SIGTERM):
                signal.signal(s, _hard_exit)
            click.echo(resume_line(click.get_current_context()), err=True)
            sys.exit(procs.exit_code())

    return wrapped


def install(group: click.Group) -> None:
    """Make every long command under ``group`` interruptible (idempotent)."""
    for name, cmd in group.commands.items():
        if name in SKIP:
            continue
        if isinstance(cmd, click.Group):
            install(cmd)
        elif cmd.callback is not None and not getattr(cmd.callback, "_interruptible", False):
            cmd.callback = interruptible(cmd.callback)
            cmd.callback._interruptible = True
