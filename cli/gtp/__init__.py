"""GTP version 2 front end: a line parser, a ``cmd_*`` registry and the commands over a ``Player``.

Structure (after minigo's ``gtp_engine.py``, in our own code):

* ``_preprocess`` cleans one input line (GTP 2 spec section 3.1: control characters other than HT
  and LF removed, comments after ``#`` dropped, HT turned into a space, empty lines ignored);
* ``_parse`` splits it into ``(id, command, args)`` (section 2.6: an optional numeric id first);
* ``GtpEngine`` registers the ``cmd_*`` methods of handler objects, converts their arguments from
  the type annotations (``int``, ``float``, ``str``, ``Color``; a failed conversion or a wrong
  argument count is ``? syntax error``) and turns every exception into a ``?`` answer, so that no
  input can end the session;
* ``GtpCommands`` holds the game (a ``Board``) and answers the commands by asking the ``Player``;
* ``GtpSession(player, stdin, stdout)`` reads lines in a background thread (so that ``lz-analyze``
  can stop as soon as the next command line arrives), answers ``=id result`` / ``?id message``
  followed by an empty line, and flushes after every answer. Logs go to the ``logging`` module
  (stderr in the ``gtp`` command), never to stdout.

Error messages follow the spec's canonical texts: ``unknown command``, ``syntax error``,
``illegal move``, ``unacceptable size``, ``cannot undo``, ``board not empty``, ``invalid number of
stones``, ``bad vertex list``, ``cannot load file``. Details go to the log.

Analysis (``lz-analyze``, ``lz-genmove_analyze``) prints Leela Zero's format, which Sabaki and
Lizzie read: ``=`` then one line per report holding ``info move D4 visits 12 winrate 5312 prior
1204 lcb 4980 order 0 pv D4 Q16`` for each candidate (win rate, prior and lcb in 1/10000), ended by
an empty line once the next command arrives (``lz-genmove_analyze`` ends with ``play VERTEX``).

``kata-analyze`` and ``kata-genmove_analyze`` print KataGo's format (win rate, prior and lcb as
floats, score lead, its spread and, with ``ownership true``, the ownership map; ``kata``).
``GtpSession(..., ponder=True)`` searches between commands, keeping the tree (``ponder``).

Modules: ``protocol`` (parser, registry, input reader), ``core`` (``GameCommands``: the game,
setup, play, display), ``handicap``, ``scoring``, ``timing``, ``analysis`` and ``kata`` (command
groups, mixins over the core's state), ``ponder`` (the background search), ``session``
(``GtpCommands``, all groups combined, and ``GtpSession``).
The package imports only ``engine`` and the standard library.

References: GTP version 2 draft 2 (http://www.lysator.liu.se/~gunnar/gtp/gtp2-spec-draft2/);
KGS GTP extensions (https://www.gokgs.com/help/gtp.html); Leela Zero ``GTP.cpp`` (lz-analyze);
GoGui analyze commands (https://www.kombilo.de/gogui/doc/reference-analyze.html).
"""

from cli.gtp.analysis import format_analysis
from cli.gtp.protocol import Color, GtpEngine, GtpError, Streaming, _parse, _preprocess, command
from cli.gtp.session import GtpCommands, GtpSession
from engine.endgame import cleanup_move

__all__ = [
    "Color",
    "GtpCommands",
    "GtpEngine",
    "GtpError",
    "GtpSession",
    "Streaming",
    "cleanup_move",
    "command",
    "format_analysis",
    "_parse",
    "_preprocess",
]
