"""The nets of a Zero run: where each generation's weights live, generation 0, and evaluators.

``model_path(run, g)`` is ``run/models/gen_GGGG.safetensors``, the net that played generation ``g``.
``ensure_weights`` writes generation 0 once (fresh from ``cfg.net`` and ``cfg.seed``, or widened
from ``--init``); ``make_evaluator`` wraps a generation's net for search, and ``make_batch_fn``
serves many searches' leaf batches with one network call per evaluator.
``ROLLOUT_PLAYER`` stands for the no-network search in place of weights.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path

import numpy as np

from engine.errors import UserError
from engine.features import encode
from engine.search.mcts import LeafBatch
from selfplay.config import Config

ROLLOUT_PLAYER = "rollouts"
"""``weights`` value that makes the no-network ``MCTSPlayer`` search (heavy rollouts, heuristic priors)
play the games instead of a net: the bootstrap generation of expert iteration (docs/zero.md)"""


# ------------------------------------------------------------------------------ paths
def model_path(run_dir: str | os.PathLike, generation: int) -> Path:
    """``run_dir/models/gen_GGGG.safetensors``."""
    return Path(run_dir) / "models" / f"gen_{generation:04d}.safetensors"


# ------------------------------------------------------------------------------ nets
def build_net(cfg: Config, weights: str | os.PathLike | None, seed: int = 0):
    """A model from ``weights`` (safetensors) or, without, freshly initialised from ``cfg.net`` with ``seed``."""
    import torch

    from nets.checkpoint import load_weights
    from nets.factory import build_model

    if weights is not None:
        model = load_weights(weights).model
        if model.cfg.board_size != cfg.board.size:
            n = model.cfg.board_size
            raise ValueError(f"{weights}: net is for {n}x{n}, the board is {cfg.board.size}x{cfg.board.size}")
        return model
    torch.manual_seed(seed)
    return build_model(cfg.net).eval()


def ensure_weights(
    cfg: Config, run_dir: str | os.PathLike, weights: str | os.PathLike | None, init: str | os.PathLike | None = None
) -> Path:
    """``weights`` if given; else ``models/gen_0000.safetensors`` of the run, written once.

    Generation 0 is the net ``init`` (widened by ``nets.factory.widen_input`` when ``cfg.net`` adds
    input planes to it, e.g. the komi plane, or KataGo's auxiliary heads) or, without ``init``, a
    fresh net seeded by ``cfg.seed``.

    Raises:
        UserError: if ``init`` is another architecture than ``cfg.net`` (or a broken file).
    """
    if weights is not None:
        return weights if weights == ROLLOUT_PLAYER else Path(weights)
    path = model_path(run_dir, 0)
    if not path.exists():
        from nets.checkpoint import save_weights

        if init is None:
            save_weights(path, build_net(cfg, None, cfg.seed), meta={"generation": 0})
        else:
            from nets.factory import widen_input

            try:
                model = build_net(cfg, init)
                model = model if model.cfg == cfg.net else widen_input(model, cfg.net)
            except ValueError as e:
                raise UserError(f"{init}: not a start for this run ({e})") from None
            save_weights(path, model, meta={"generation": 0, "init": Path(init).name})
    return path


def make_evaluator(cfg: Config, weights, seed: int, device: str | None = None, symmetries=True):
    """A ``TorchEvaluator`` over ``build_net(cfg, weights)``, computing in ``cfg.selfplay.precision``."""
    from nets.evaluator import TorchEvaluator

    sp = cfg.selfplay
    net = build_net(cfg, weights, seed)
    return TorchEvaluator(net, device or sp.device, sp.half, symmetries, seed=seed, precision=sp.precision)


def make_batch_fn(evaluators: dict[Hashable, object]) -> Callable:
    """``batch_fn`` for ``MultiGameSearch``: encode every leaf, one ``evaluate_planes`` call per tag.

    ``evaluators`` maps proxy tags to ``TorchEvaluator``-s (``None`` is the tag of plain proxies).
    """

    def batch_fn(batches: Sequence[LeafBatch], tags: Sequence[Hashable]):
        out: list = [None] * len(batches)
        for tag in dict.fromkeys(tags):
            ev = evaluators[tag]
            mine = [j for j, t in enumerate(tags) if t == tag]
            sizes = [len(batches[j]) for j in mine]
            n = batches[mine[0]].size
            planes = np.empty((sum(sizes), ev.cfg.in_planes, n, n), np.float32)
            row = 0
            for j in mine:
                for i in range(len(batches[j])):
                    encode(batches[j].board(i), ev.feature_set, out=planes[row])
                    row += 1
            legal = np.concatenate([batches[j].legal[: len(batches[j])] for j in mine])
            priors, values = ev.evaluate_planes(planes, legal)
            cuts = np.cumsum(sizes)[:-1]
            for j, p, v in zip(mine, np.split(priors, cuts), np.split(values, cuts), strict=True):
                out[j] = (p, v)
        return out

    return batch_fn
