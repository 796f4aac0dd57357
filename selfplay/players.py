"""One player factory: a ``PlayerConfig`` in, a ready ``engine.player.Player`` out.

Vocabulary. A *player kind* is one of

=========  =====================================================================================
kind       player
=========  =====================================================================================
random     uniform random legal moves (``engine.player.RandomPlayer``)
mcts       the no-network rollout search (``engine.search.player.MCTSPlayer``; root-parallel over
           ``threads`` processes, ``engine.search.root_parallel.RootParallelPlayer``)
zero       PUCT search with an AlphaGo Zero net on the leaves (``nets.evaluator.TorchEvaluator``),
           its value optionally mixed with heavy rollouts (``lam`` > 0); with ``zero_search``
           ``"fused"``, the compiled rollout search with the net on busy nodes
           (``nets.zero_fused``)
lee        the AlphaGo Lee player of a weights folder (``nets.lee_player.build_lee_player``)
=========  =====================================================================================

Every search setting lives in ``PlayerConfig.search`` (an ``engine.config.MCTSConfig``, the rollout
search's settings in its ``rollout`` section); the evaluators only evaluate. *Options* are the flat
``{name: value}`` dicts of the command line and of the shipped nets' ``search`` settings
(``nets/weights``); ``player_config`` turns them into a ``PlayerConfig``. ``shipped_player`` is the
default of ``go-engine gtp``: a shipped net on its board size, the rollout search elsewhere.
torch is imported only when a net is built.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, fields, replace
from typing import Any

from engine.config import MCTSConfig, pop_legacy_rollout
from engine.errors import UserError
from nets.config import LeeConfig

log = logging.getLogger("go_engine.players")

KINDS = ("random", "mcts", "zero", "lee")
"""player kinds (module docstring)"""
ZERO_SEARCHES = ("batched", "fused")
"""how a ``zero`` player searches (``PlayerConfig.zero_search``)"""
LEE_OPTIONS = {
    "lee_search": "search",
    "lee_rollouts": "rollouts",
    "net_batch": "net_batch",
    "prior_temperature": "prior_temperature",
    "value_offset": "value_offset",
}
"""option names of ``LeeConfig`` fields"""
ROLLOUT_OPTIONS = {"net_visits": "net_visits", "value_visits": "value_visits"}
"""option names of ``RolloutSearchConfig`` fields (the others come as ``rollout={...}``)"""
PLAYER_OPTIONS = {"lam", "num_threads", "zero_search", *LEE_OPTIONS, *ROLLOUT_OPTIONS}
"""options that are no ``MCTSConfig`` field"""


@dataclass(frozen=True)
class PlayerConfig:
    """Everything that makes a player (kinds in the module docstring)."""

    kind: str = "mcts"
    """``random``, ``mcts``, ``zero`` or ``lee``"""
    search: MCTSConfig | None = None
    """search settings; ``None``: ``MCTSConfig()`` (``lee`` batched: ``lee_mcts_config()``)"""
    weights: str | None = None
    """``zero``: a ``.safetensors`` net; ``lee``: a weights folder (docs/lee.md)"""
    device: str = "cpu"
    """torch device of the nets"""
    precision: str = "fp32"
    """how the nets compute on the CPU (``nets.precision``): fp32, bf16, int8, auto"""
    threads: int = 1
    """``mcts``: root-parallel search over this many processes (the net searches run one thread)"""
    lam: float | None = None
    """weight of a rollout in the leaf value; ``None``: 0.5 for ``lee``, 0 for ``zero``"""
    lee: LeeConfig = field(default_factory=LeeConfig)
    """``lee``: which evaluator is built; ``zero`` fused: ``net_batch`` and ``prior_temperature``"""
    zero_search: str = "batched"
    """``zero``: ``"batched"`` (the net on every leaf batch) or ``"fused"`` (``nets.zero_fused``)"""
    seed: int | None = None
    """seed of the search, the symmetries and the rollouts"""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"player kind must be one of {KINDS}, got {self.kind!r}")
        if self.threads < 1:
            raise ValueError("threads must be >= 1")
        if self.zero_search not in ZERO_SEARCHES:
            raise ValueError(f"zero_search must be one of {ZERO_SEARCHES}, got {self.zero_search!r}")


def player_config(kind: str, seed: int | None = None, weights: str | None = None, **options: Any) -> PlayerConfig:
    """A ``PlayerConfig`` from flat options (``None`` values are left at their defaults).

    Options are ``MCTSConfig`` fields, ``rollout`` (a dict of ``RolloutSearchConfig`` fields),
    ``net_visits``, ``value_visits``, ``lam``, ``num_threads``, ``device``, ``precision`` and the
    Lee options ``lee_search``, ``lee_rollouts``, ``net_batch``, ``prior_temperature``,
    ``value_offset``. The old keys ``c_puct_rollout`` and ``expand_threshold_rollout`` are read
    with a ``DeprecationWarning``; any other name is logged and ignored.
    """
    opts = {k: v for k, v in options.items() if v is not None}
    top = {k: opts.pop(k) for k in ("device", "precision") if k in opts}
    lee = LeeConfig(**{LEE_OPTIONS[k]: opts.pop(k) for k in list(opts) if k in LEE_OPTIONS})
    rollout = dict(opts.pop("rollout", {}))
    rollout.update({ROLLOUT_OPTIONS[k]: opts.pop(k) for k in list(opts) if k in ROLLOUT_OPTIONS})
    rollout = {**pop_legacy_rollout(opts, "player options"), **rollout}
    lam, threads = opts.pop("lam", None), opts.pop("num_threads", 1)
    zero_search = opts.pop("zero_search", "batched")
    for k in sorted(set(opts) - {f.name for f in fields(MCTSConfig)}):
        log.warning("option %s is not supported by this MCTSConfig; ignored", k)
        opts.pop(k)
    search = None
    if opts or rollout:
        base = _default_search(kind, lee)
        search = replace(base, **opts, rollout=replace(base.rollout, **rollout))
    return PlayerConfig(
        kind, search, weights, lam=lam, threads=threads, lee=lee, zero_search=zero_search, seed=seed, **top
    )


def player_from_options(
    kind: str = "mcts",
    seed: int | None = None,
    weights: str | None = None,
    pipeline: str | None = None,
    device: str = "cpu",
    precision: str = "fp32",
    **options: Any,
):
    """``build_player(player_config(...))`` in the terms of ``go-engine gtp``.

    ``kind`` is ``random`` or ``mcts``; an ``mcts`` player with ``weights`` is a ``zero`` player, or
    a ``lee`` one with ``pipeline="lee"`` (``pipeline="rollout"`` drops the weights).
    """
    if kind == "mcts" and weights is not None and pipeline != "rollout":
        kind = "lee" if pipeline == "lee" else "zero"
    elif kind == "mcts" and pipeline == "lee":
        raise UserError("--pipeline lee needs --weights DIR (sl/value .safetensors, rollout.npz)")
    else:
        weights = None
    return build_player(player_config(kind, seed, weights, device=device, precision=precision, **options))


def _default_search(kind: str, lee: LeeConfig) -> MCTSConfig:
    """The search settings of ``kind`` before any option."""
    if kind == "lee" and lee.search == "batched":
        from engine.search.lee import lee_mcts_config

        return lee_mcts_config()
    return MCTSConfig()


def build_player(cfg: PlayerConfig, evaluator=None):
    """The player ``cfg`` describes (kinds in the module docstring).

    Args:
        cfg: the player.
        evaluator: ``zero``: the net's evaluator, made elsewhere (e.g. one that batches the leaves
            of many games, ``engine.search.multi``); ``None``: loaded from ``cfg.weights``.

    Raises:
        UserError: for a net kind without weights, or weights that cannot be read
            (``nets.checkpoint.CheckpointError``).
    """
    if cfg.kind in ("zero", "lee") and cfg.weights is None and (evaluator is None or cfg.kind == "lee"):
        what = "a weights folder (sl/value .safetensors, rollout.npz)" if cfg.kind == "lee" else "a net"
        raise UserError(f"a {cfg.kind} player needs --weights: {what}")
    if cfg.threads > 1 and cfg.kind != "mcts":
        log.warning(
            "--threads %d applies to the rollout search only; the %s player (%s) runs in one thread",
            cfg.threads,
            cfg.kind,
            cfg.weights,
        )
    if cfg.kind == "random":
        from engine.player import RandomPlayer

        return RandomPlayer(cfg.seed)
    search = cfg.search or _default_search(cfg.kind, cfg.lee)
    if cfg.kind == "lee":
        from nets.lee_player import build_lee_player

        lam = 0.5 if cfg.lam is None else cfg.lam
        return build_lee_player(cfg.weights, search, cfg.lee, lam, cfg.seed, cfg.device, cfg.precision)
    from engine.search.player import MCTSPlayer

    if cfg.kind == "mcts":
        priors = f"tree policy {search.tree_policy}" if search.tree_policy else "heuristics"
        log.info("rollout search priors: %s", priors)
        if cfg.threads > 1:
            from engine.search.root_parallel import RootParallelPlayer

            return RootParallelPlayer(search, seed=cfg.seed, threads=cfg.threads)
        return MCTSPlayer(search, seed=cfg.seed)
    if evaluator is None:
        evaluator = load_evaluator(cfg.weights, cfg.seed, cfg.device, cfg.precision)
    if cfg.zero_search == "fused":
        player = _fused_zero_player(cfg, search, evaluator)
    else:
        player = MCTSPlayer(search, seed=cfg.seed, evaluator=with_rollouts(evaluator, cfg.lam or 0.0, cfg.seed))
    if getattr(evaluator, "has_score_heads", False):  # score lead and ownership from the net (kata-analyze)
        player.score_and_ownership = evaluator.score_and_ownership
    return player


def _fused_zero_player(cfg: PlayerConfig, search: MCTSConfig, net):
    """The Zero net on the busy nodes of the compiled rollout search (``nets.zero_fused``)."""
    from engine.search.evaluators import load_tree_policy
    from engine.search.player import MCTSPlayer
    from nets.zero_fused import NET_VISITS, ZeroRolloutEvaluator

    tree = load_tree_policy(search.tree_policy) if search.tree_policy else None
    lee, cap = cfg.lee, search.max_playout_moves
    evaluator = ZeroRolloutEvaluator(net, lee.net_batch, lee.prior_temperature, cfg.seed, tree, cap)
    lam = 0.5 if cfg.lam is None else cfg.lam
    visits = search.rollout.net_visits or NET_VISITS
    search = replace(search, rollout=replace(search.rollout, lam=lam, net_visits=visits))
    log.info("fused zero search: the net on nodes of %d visits, lambda %.2f", visits, lam)
    return MCTSPlayer(search, seed=cfg.seed, evaluator=evaluator)


def load_evaluator(weights, seed: int | None = None, device: str = "cpu", precision: str = "fp32"):
    """``nets.evaluator.TorchEvaluator`` over the zero net in ``weights`` (random symmetries)."""
    from nets.checkpoint import load_weights
    from nets.evaluator import TorchEvaluator

    return TorchEvaluator(load_weights(weights).model, device, symmetries=True, seed=seed, precision=precision)


def with_rollouts(evaluator, lam: float, seed: int | None = None):
    """``evaluator``, its value mixed with heavy rollouts as ``(1 - lam) v + lam z`` when ``lam > 0``."""
    if lam <= 0:
        return evaluator
    from engine.search.mcts import MixedEvaluator, RolloutEvaluator

    return MixedEvaluator(evaluator, RolloutEvaluator("heavy", False, seed=seed), lam)


def shipped_player(
    seed: int | None = None, kind: str = "zero", device: str = "cpu", precision: str = "fp32", **options: Any
):
    """The shipped nets of ``kind`` (``zero`` or ``lee``) on their board sizes, the rollout search elsewhere.

    Each shipped net plays with its own ``search`` settings (``nets/weights``), ``options`` (flat,
    as in ``player_config``; ``None`` ignored) over them.

    Raises:
        UserError: for ``lee`` when no Lee weights are shipped.
    """
    from engine.player import BySizePlayer
    from nets.weights import shipped, shipped_lee, shipped_tree_policy

    found = shipped_lee() if kind == "lee" else shipped()
    if kind == "lee" and not found:
        raise UserError("--pipeline lee needs --weights DIR (no Lee weights are shipped)")
    given = {k: v for k, v in options.items() if v is not None}
    mcts = {k: v for k, v in given.items() if k not in LEE_OPTIONS and k not in ROLLOUT_OPTIONS}
    rollout = rollout_player(seed, **mcts)
    nets = {}
    for size, (path, settings) in found.items():
        opts = {"tree_policy": shipped_tree_policy(size), **settings, **given, "device": device, "precision": precision}
        if "rollout" in settings and "rollout" in given:
            opts["rollout"] = {**settings["rollout"], **given["rollout"]}
        nets[size] = build_player(player_config(kind, seed, str(path), **opts))
    return BySizePlayer(nets, rollout) if nets else rollout


def rollout_player(seed: int | None = None, **options: Any):
    """The no-network search of ``go-engine gtp`` (``options`` flat, as in ``player_config``).

    Without a ``tree_policy`` option each board size gets its shipped tree policy
    (``nets.weights.shipped_tree_policy``): one player per size that has its own, switched on
    ``new_game``, and the size-independent one elsewhere.
    """
    from engine.player import BySizePlayer
    from nets.weights import shipped_tree_policy, shipped_tree_sizes

    if options.get("tree_policy") is not None:
        return build_player(player_config("mcts", seed, **options))

    def with_tree(size: int | None):
        return build_player(player_config("mcts", seed, **{**options, "tree_policy": shipped_tree_policy(size)}))

    sizes = shipped_tree_sizes()
    return BySizePlayer({n: with_tree(n) for n in sizes}, with_tree(None)) if sizes else with_tree(None)
