"""External rating opponents of the Zero loop: GNU Go through the GTP referee, with a komi ladder.

GNU Go level 10 at the normal komi is too weak to separate strong players. A *rung* of the ladder
is GNU Go playing Black with a reverse komi (``komi`` -7.5: GNU Go receives 7.5 points) against
our net as White every game (``colors`` ``a-white``); more negative komi makes the next rung. Each
rung is its own player in the loop's Elo table, named after its settings (``gnugo@-7.5W``), since a
handicap changes who it is.

``gnugo_match(cfg, run_dir)`` builds the loop's ``ExternalMatch``: it plays ``go-engine gtp
--weights`` (the net searched at the evaluation playouts) against ``cfg.eval.gnugo`` with
``selfplay.match.run_match``, keeps the games in ``run_dir/ladder/NAME-gGGGG/`` and returns
``(name, score, games)``.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from selfplay.config import Config
from selfplay.match import MatchConfig, run_match


def rung_name(komi: float, board_komi: float, colors: str) -> str:
    """The Elo-table name of a GNU Go rung: ``gnugo`` at the board's komi and alternating colours."""
    if komi == board_komi and colors == "alternate":
        return "gnugo"
    side = {"a-white": "W", "a-black": "B"}.get(colors, "")
    return f"gnugo@{komi:g}{side}"


def gnugo_match(cfg: Config, run_dir: str | Path | None = None):
    """``ExternalMatch`` playing the net of a new best against ``cfg.eval.gnugo`` (one ladder rung)."""
    e = cfg.eval
    komi = cfg.board.komi if e.gnugo_komi is None else e.gnugo_komi
    name = rung_name(komi, cfg.board.komi, e.gnugo_colors)

    def external(weights, generation):
        me = (
            f"{shlex.quote(sys.executable)} -m cli gtp --weights {shlex.quote(str(weights))} "
            f"--playouts {e.playouts} --size {cfg.board.size} --komi {komi}"
        )
        out = None if run_dir is None else str(Path(run_dir) / "ladder" / f"{name}-g{generation:04d}")
        mc = MatchConfig(
            engines=(me, e.gnugo),
            games=e.gnugo_games,
            size=cfg.board.size,
            komi=komi,
            colors=e.gnugo_colors,
            out_dir=out,
        )
        res = run_match(mc)
        return name, res.wins(0) + 0.5 * res.draws(), len(res.games)

    return external
