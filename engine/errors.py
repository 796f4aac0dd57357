"""``UserError``: a mistake the user can fix (a path, a file, an option), reported in one line.

Any layer raises it (or a subclass, e.g. ``nets.checkpoint.CheckpointError``) with a message that
says what is wrong and, where it helps, what to do instead. The ``go-engine`` command prints
``go-engine: error: MESSAGE`` and exits with status 1; with ``-v`` it prints the traceback too
(``cli/errors.py``). It is a ``ValueError``, so callers that catch ``ValueError`` keep working.
"""

from __future__ import annotations


class UserError(ValueError):
    """A user mistake; the message is shown as is, on one line."""
