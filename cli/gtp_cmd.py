"""``go-engine gtp`` (a GTP engine on stdin/stdout) and ``go-engine match`` (a GTP referee).

Both commands only turn options into a config and call the library: the player factory
(``selfplay.players``), ``cli.gtp.GtpSession`` and ``selfplay.match.run_match``. See docs/gtp.md
for usage with Sabaki, GoGui, twogtp and server bridges.
"""

from __future__ import annotations

import logging
import sys

import click

from cli import options as opt

log = logging.getLogger("go_engine.gtp")

SEARCH_OPTIONS = {
    "playouts": "num_simulations",
    "threads": "num_threads",
    **{name: name for name in ("resign_threshold", "resign_consecutive", "expand_threshold", "c_puct", "tree_policy")},
    "dynamic_komi": "dynamic_komi",
    "batch_size": "batch_size",
}
"""``gtp`` options that set ``MCTSConfig`` fields, by the field's name"""
LEE_OPTIONS = ("lee_search", "net_visits", "net_batch", "prior_temperature", "lee_rollouts", "value_visits")
"""``gtp`` options of the Lee search (``--pipeline lee`` only)"""
FUSED_OPTIONS = ("zero_search", "net_visits", "net_batch", "prior_temperature", "value_visits")
"""``gtp`` options of a zero net's search (``--zero-search fused`` reads all but the first)"""


@click.command()
@opt.choice("--player", words=["mcts", "random"], default="mcts")
@click.option("--playouts", type=click.IntRange(min=1), help="playouts per move (MCTS)")
@click.option("--time", "seconds", type=click.FloatRange(min=0, min_open=True), help="seconds per move")
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    help="rollout search: root parallelism over this many processes (playouts split, same time each)",
)
@click.option("--resign-threshold", type=click.FloatRange(0, 1), help="resign below this win rate (0 = never)")
@click.option(
    "--resign-consecutive",
    type=click.IntRange(min=1),
    help="resign only after this many own moves in a row below the threshold (default 3)",
)
@click.option(
    "--dynamic-komi",
    type=click.FloatRange(min=0),
    help="points of extra komi at most that the search gives itself to overcome while sure to win (default 0: off)",
)
@opt.komi()
@opt.size(19, help="initial board size")
@opt.choice("--ko", words=["positional", "simple"], default="positional")
@click.option("--allow-suicide", is_flag=True, help="Tromp-Taylor suicide")
@click.option("--seed", type=int, default=None, help="random seed")
@click.option("--weights", type=click.Path(exists=True), help="net (.safetensors) for MCTS leaves; lee: weights folder")
@click.option(
    "--pipeline",
    type=click.Choice(["zero", "lee", "rollout"]),
    help="search flavour (default: zero with --weights FILE, lee with --weights DIR, else rollout)",
)
@click.option("--lam", type=click.FloatRange(0, 1), help="weight of a rollout in the leaf value (lee: 0.5, zero: 0)")
@click.option(
    "--expand-threshold", type=click.IntRange(min=1), help="visits of a leaf before it is expanded (net searches)"
)
@click.option(
    "--c-puct",
    type=click.FloatRange(min=0, min_open=True),
    help="PUCT exploration constant (default: 0.7 for rollout searches, 1.5 zero, 5 batched lee)",
)
@click.option(
    "--tree-policy",
    metavar="FILE|none",
    help="rollout search: priors from this trained tree policy (train rollout's .npz); default: the shipped "
    "one of the board size (nets/weights/tree19.npz on 19x19, else nets/weights/lee9/rollout.npz); none: the "
    "hand-written heuristics",
)
@click.option(
    "--lee-search",
    type=click.Choice(["fused", "batched"]),
    help="lee: compiled rollout simulations with nets on busy nodes (fused, default) or nets on every leaf batch",
)
@click.option(
    "--zero-search",
    type=click.Choice(["batched", "fused"]),
    help="zero: the net on every leaf batch (batched), or compiled rollout simulations with the net on busy nodes"
    " (fused)",
)
@click.option("--net-visits", type=click.IntRange(min=1), help="fused: visits at which a node goes to the nets")
@click.option("--net-batch", type=click.IntRange(min=1), help="fused: positions per net call")
@click.option("--batch-size", type=click.IntRange(min=1), help="batched net search: leaves a net call (default 8)")
@click.option("--prior-temperature", type=click.FloatRange(min=0, min_open=True), help="fused: net prior softmax T")
@click.option("--lee-rollouts", type=click.Choice(["learned", "heavy"]), help="lee fused: rollout policy")
@click.option(
    "--value-visits",
    type=click.FloatRange(min=0),
    help="lee fused: rollouts a value-net value is worth, its weight fading with an edge's rollouts (0: fixed mix)",
)
@opt.device("torch device of the nets: auto, cpu, cuda, cuda:1", default="auto")
@opt.precision("CPU inference of the nets: fp32, bf16, int8; auto = int8 where torch can quantize, else fp32")
@click.option(
    "--ponder", is_flag=True, help="think on the opponent's time between commands (the tree is kept for genmove)"
)
@click.option("-v", "--verbose", count=True, help="log to stderr (-v info, -vv debug)")
def gtp(
    player, seconds, komi, size, ko, allow_suicide, seed, weights, pipeline, lam, device, precision, ponder, verbose,
    **search_options,
):  # fmt: skip
    """Speak GTP version 2 on stdin/stdout (logs go to stderr)."""
    from cli.gtp import GtpSession
    from engine.board import Rules

    logging.basicConfig(stream=sys.stderr, level=[logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)])
    search = {field: search_options[name] for name, field in SEARCH_OPTIONS.items()}
    search["tree_policy"] = _tree_policy(search["tree_policy"])
    c_puct = search["c_puct"]
    search.update(seconds_per_move=seconds, rollout=None if c_puct is None else {"c_puct": c_puct})
    lee = {name: search_options[name] for name in {*LEE_OPTIONS, *FUSED_OPTIONS}}
    engine = _engine(player, seed, weights, pipeline, lam, device, precision, search, lee)
    if "torch" in sys.modules:  # the nets run one thread: steadier move times (docs/gtp.md "Time")
        sys.modules["torch"].set_num_threads(1)
    ctx = click.get_current_context()
    if weights is not None and ctx.get_parameter_source("size") is click.core.ParameterSource.DEFAULT:
        size = _net_size(weights) or size  # a net's own board, unless --size says otherwise
    rules = Rules(komi=komi, allow_suicide=allow_suicide, ko=ko)
    if hasattr(sys.stdin, "reconfigure"):  # undecodable bytes must not end the session
        sys.stdin.reconfigure(errors="replace")
    try:
        options = dict(size=size, rules=rules, seconds=seconds, version=_version(), ponder=ponder)
        GtpSession(engine, sys.stdin, sys.stdout, **options).run()
    finally:
        close = getattr(engine, "close", None)  # root-parallel search workers
        if close is not None:
            close()


def _engine(player, seed, weights, pipeline, lam, device, precision, search: dict, lee: dict):
    """The player of ``go-engine gtp``: the shipped nets, a net of ``--weights``, rollouts or random moves."""
    from pathlib import Path

    from nets.weights import shipped_tree_policy
    from selfplay.players import player_from_options, rollout_player, shipped_player

    shipped_net = pipeline in (None, "lee") and weights is None and player == "mcts"
    shipped_kind = pipeline or "zero"
    if pipeline is None:
        pipeline = "rollout" if weights is None else "lee" if Path(weights).is_dir() else "zero"
    if pipeline != "lee" and weights is not None and Path(weights).is_dir():
        raise click.BadParameter("a folder is a Lee weights folder; use --pipeline lee", param_hint="--weights")
    kind = shipped_kind if shipped_net else pipeline
    allowed = LEE_OPTIONS if kind == "lee" else FUSED_OPTIONS if kind == "zero" else ()
    if any(v is not None for k, v in lee.items() if k not in allowed):
        log.warning(
            "the options of the Lee search apply to --pipeline lee only (fused zero: %s); ignored", FUSED_OPTIONS
        )
    search = {**search, **{k: v for k, v in lee.items() if v is not None and k in allowed}}
    if shipped_net:
        return shipped_player(seed, shipped_kind, torch_device(device), precision, lam=lam, **search)
    if pipeline == "rollout" and player == "mcts":
        return rollout_player(seed, **search)
    if search.get("tree_policy") is None:
        search = {**search, "tree_policy": shipped_tree_policy()}
    extra = {"lam": (0.5 if pipeline == "lee" else 0.0) if lam is None else lam}
    net = None if pipeline == "rollout" else weights
    dev = torch_device(device) if net else "cpu"
    return player_from_options(player, seed, net, pipeline, dev, precision, **extra, **search)


def _tree_policy(option: str | None) -> str | None:
    """``MCTSConfig.tree_policy`` from ``--tree-policy``: the file, "" for ``none``, ``None`` for the shipped ones."""
    if option is None:
        return None
    return "" if option.lower() == "none" else option


def _net_size(weights: str) -> int | None:
    """Board size of the net in ``weights`` (a file, or a Lee folder's SL net), or ``None`` if unknown."""
    import json
    from pathlib import Path

    from safetensors import safe_open

    path = Path(weights)
    if path.is_dir():
        path = next((p for p in (path / "sl.safetensors", path / "weights.safetensors") if p.is_file()), path)
    try:
        with safe_open(str(path), framework="pt", device="cpu") as f:
            return int(json.loads((f.metadata() or {})["config"])["board_size"])
    except Exception:  # noqa: BLE001 - the loaders report bad files; here only a default is at stake
        return None


def torch_device(name: str) -> str:
    """``name``, with ``auto`` resolved to ``cuda`` when torch sees a GPU and ``cpu`` otherwise.

    Raises:
        UserError: for a name torch does not know, or a CUDA device on a torch that has none.
    """
    import torch

    from engine.errors import UserError

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        kind = torch.device(name).type
    except (RuntimeError, ValueError):
        raise UserError(f"--device {name}: not a torch device (auto, cpu, cuda, cuda:N, mps)") from None
    if kind == "cuda" and not torch.cuda.is_available():
        why = "this torch is built without CUDA" if torch.version.cuda is None else "torch sees no GPU"
        raise UserError(f"--device {name}: {why}; use --device cpu (or auto)")
    return name


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("go-engine")
    except PackageNotFoundError:
        return "0.0.0"


def _clock_spec(text: str | None):
    """``--clock`` as a ``selfplay.clock.ClockSpec`` (a usage error if malformed)."""
    if text is None:
        return None
    from selfplay.clock import ClockSpec

    try:
        return ClockSpec.parse(text)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None


@click.command()
@click.argument("engine_a")
@click.argument("engine_b")
@opt.counted("-n", "--games", default=2, least=1)
@opt.choice(
    "--colors",
    words=["alternate", "a-black", "a-white"],
    default="alternate",
    help="ENGINE_A's colour: alternating (black in the first game), always black, or always white",
)
@opt.size(9)
@opt.komi()
@click.option("--max-moves", type=click.IntRange(min=0), default=0, help="move cap (0 = 3 * size^2)")
@click.option(
    "--time",
    "seconds_per_move",
    type=click.FloatRange(min=0, min_open=True),
    help="seconds per move (time_settings takes whole seconds: a fraction is rounded up)",
)
@click.option(
    "--clock",
    callback=lambda ctx, param, v: _clock_spec(v),
    help="game clock: MAIN or MAIN+STONESxPERIOD, e.g. 10m+5x30s (Canadian byo-yomi); losing on time forfeits",
)
@click.option("--move-timeout", type=click.FloatRange(min=0, min_open=True), help="forfeit after this many seconds")
@click.option(
    "--dead-stones/--no-dead-stones", "ask_dead", default=True, show_default=True, help="remove agreed dead stones"
)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="write games as SGF here")
@opt.shown("--parallel", type=click.IntRange(1, 16), default=1)
def match(engine_a, engine_b, **options):
    """Referee GAMES games between two GTP engines given as command lines (colours: --colors).

    Example: go-engine match "go-engine gtp --playouts 200" "gnugo --mode gtp --level 10" -n 20

    Reverse komi (A always white, B receives 7.5 points): go-engine match "go-engine gtp --time 1"
    "gnugo --mode gtp --level 10 --chinese-rules" --colors a-white --komi -7.5 -n 20
    """
    from tqdm import tqdm

    from selfplay.match import MatchConfig, run_match

    cfg = MatchConfig(engines=(engine_a, engine_b), **options)
    whole = cfg.gtp_seconds_per_move
    if whole is not None and whole != cfg.seconds_per_move:
        click.echo(f"note: GTP's time_settings takes whole seconds; the engines get {whole} s a move", err=True)
    with tqdm(total=cfg.games, desc="match", unit="game", file=sys.stderr) as bar:

        def on_game(g):
            bar.set_postfix_str(f"game {g.index}: {g.result} ({g.reason})", refresh=False)
            bar.update(1)

        result = run_match(cfg, on_game)
    for line in result.summary():
        click.echo(line)
