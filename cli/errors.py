"""One place that turns user mistakes into one line and a non-zero exit: ``go-engine: error: ...``.

``ErrorReporting`` is the ``go-engine`` click group class. It catches, from any sub-command:

* ``engine.errors.UserError`` and its subclasses (``nets.checkpoint.CheckpointError``,
  ``engine.sgf.SGFError``, ``selfplay.match.EngineStartError`` ...): the message as is;
* file-system errors (``FileNotFoundError``, ``NotADirectoryError``, ``IsADirectoryError``,
  ``PermissionError``, ``FileExistsError``): ``PATH: reason``;
* a torch without CUDA asked for a CUDA device (``AssertionError: Torch not compiled with CUDA
  enabled``, ``RuntimeError: Found no NVIDIA driver``), or a device name torch does not know;

prints ``go-engine: error: MESSAGE`` on stderr and exits with status 1. Anything else is a bug and
keeps its traceback. ``-v``/``--verbose`` (the group's, or a sub-command's own) also prints the
traceback of a user error. Click's own usage errors keep click's format (status 2).
"""

from __future__ import annotations

import sys
import traceback

import click

from engine.errors import UserError

EXIT_USER_ERROR = 1
FILE_ERRORS = (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError, FileExistsError)
CUDA_HINTS = ("not compiled with cuda", "no nvidia driver", "cuda driver", "no cuda gpus are available")


def user_message(exc: BaseException) -> str | None:
    """The one-line message of a known user error, or ``None`` for anything else (a bug)."""
    if isinstance(exc, UserError):
        return _one_line(str(exc))
    if isinstance(exc, FILE_ERRORS):
        if exc.filename is not None and exc.strerror:
            return f"{exc.filename}: {exc.strerror.lower()}"
        return _one_line(str(exc))
    text = str(exc).lower()
    if isinstance(exc, (AssertionError, RuntimeError)) and any(h in text for h in CUDA_HINTS):
        return f"CUDA is not available to this torch ({_one_line(str(exc))}); use --device cpu (or auto)"
    if isinstance(exc, RuntimeError) and "device type at start of device string" in text:
        return f"not a torch device: {str(exc).rsplit(':', 1)[-1].strip()} (use cpu, cuda, cuda:N or mps)"
    return None


def _one_line(text: str) -> str:
    lines = [ln.strip() for ln in str(text).strip().splitlines() if ln.strip()]
    return "; ".join(lines) if lines else "unknown error"


def verbose_requested(argv: list[str]) -> bool:
    """True when ``argv`` (a sub-command's arguments) holds ``-v``, ``-vv`` ... or ``--verbose``."""
    return any(a == "--verbose" or (a.startswith("-v") and set(a[1:]) == {"v"}) for a in argv)


class ErrorReporting(click.Group):
    """A click group whose sub-commands' user errors end in one line and exit status 1."""

    def invoke(self, ctx: click.Context):
        """Run the sub-command; report a known user error in one line (traceback with ``-v``)."""
        sub_args = [*getattr(ctx, "_protected_args", []), *ctx.args]  # the sub-command's own words
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:  # noqa: BLE001 - known user errors only; the rest re-raised
            message = user_message(exc)
            if message is None:
                raise
            if (ctx.obj or {}).get("verbose") or verbose_requested(sub_args):
                traceback.print_exc()
            click.echo(f"go-engine: error: {message}", err=True)
            sys.exit(EXIT_USER_ERROR)
