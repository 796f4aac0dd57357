"""Fast CPU inference: a net's forward pass in bfloat16 or int8, built at load time from fp32 weights.

Vocabulary: a *precision* is how the forward pass computes; ``prepare_net`` turns an fp32 model
into a *fast net* (an ``nn.Module`` with the same ``cfg``, inputs and float32 outputs, so that
``nets.factory.policy_value`` and the evaluators run it unchanged). Nothing is cached on disk.

===========  ==========================================================================================
precision    forward pass on the CPU
===========  ==========================================================================================
``fp32``     the model itself (float32, eager), as before this module
``bf16``     weights and activations in bfloat16, channels-last, traced and frozen (``torch.jit``);
             fast on CPUs with native bfloat16 (AVX-512 BF16 or AMX), slow elsewhere
``int8``     static post-training quantization (``torch.ao.quantization`` FX graph mode, x86 or
             fbgemm engine): the residual tower / conv trunk in int8 (conv + BN + ReLU fused,
             per-channel symmetric weights, per-tensor activations from a histogram observer),
             the first conv and the heads in float32; channels-last, traced and frozen
``auto``     ``int8`` where torch has the x86/fbgemm quantized engine, else ``fp32`` (what the commands
             default to). Measured on the shipped 9x9 net (docs/benchmarks.md): int8 2.6-3.6x fp32
             evaluations a second on one thread, top-1 agreement 97.5%, and 28/40 games against
             fp32 at 1 s a move; with subnormals flushed (``nets.factory``) fp32 beats bf16 on
             AVX-512 BF16 CPUs without AMX
===========  ==========================================================================================

The int8 activations are *calibrated* on positions the net plays itself: ``calibration_planes``
plays a few games from the empty board, sampling each move from the net's own policy (uniform
over legal non-eye moves for a net without a policy), and keeps a sample of their positions. It
needs no data on disk and no download, and is seeded. docs/benchmarks.md ("Fast CPU inference")
has the speed and accuracy figures on the shipped 9x9 net.

``resolve_precision`` turns a requested name into the one that will run: an unknown name is a
``ValueError``; a precision this torch build or device cannot serve falls back to ``fp32`` with
one warning line.
"""

from __future__ import annotations

import copy
import inspect
import logging
import warnings

import numpy as np
import torch
from torch import nn

from engine.board import Board
from engine.features import encode
from nets.factory import policy_value

log = logging.getLogger("go_engine.nets")

PRECISIONS = ("fp32", "bf16", "int8")
"""what ``prepare_net`` builds"""
CHOICES = ("auto", *PRECISIONS)
"""what users may ask for"""

_INT8_PARTS = {
    "resnet": (("tower",), ()),
    "policy": (("trunk",), ("trunk.0",)),
    "value": (("trunk", "extra"), ("trunk.0",)),
}
"""kind -> (modules run in int8, modules inside them kept in float32)"""


def native_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (AVX-512 BF16 or AMX tiles)."""
    cpu = torch.cpu
    return any(getattr(cpu, f, lambda: False)() for f in ("_is_avx512_bf16_supported", "_is_amx_tile_supported"))


def int8_engine() -> str | None:
    """The quantized engine for int8 convolutions here (``"x86"`` or ``"fbgemm"``), or ``None``."""
    try:
        from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx  # noqa: F401
    except ImportError:  # a torch without FX graph-mode quantization
        return None
    engines = torch.backends.quantized.supported_engines
    return next((e for e in ("x86", "fbgemm") if e in engines), None)


def resolve_precision(precision: str, device: str | torch.device = "cpu") -> str:
    """The precision that will run for ``precision`` on ``device``.

    ``auto`` becomes ``int8`` on a CPU with a quantized engine, else ``fp32``. ``bf16`` without native
    bfloat16, ``int8`` without a quantized engine, and either on a non-CPU device fall back to
    ``fp32`` with one warning.

    Raises:
        ValueError: for a name not in ``CHOICES``.
    """
    if precision not in CHOICES:
        raise ValueError(f"unknown precision {precision!r}; choose one of {', '.join(CHOICES)}")
    on_cpu = torch.device(device).type == "cpu"
    if precision == "auto":
        return "int8" if on_cpu and int8_engine() is not None else "fp32"
    why = None
    if precision != "fp32" and not on_cpu:
        why = f"it is for the CPU, the net runs on {device}"
    elif precision == "bf16" and not native_bf16():
        why = "this CPU has no native bfloat16 (AVX-512 BF16 or AMX)"
    elif precision == "int8" and int8_engine() is None:
        why = "this torch build has no x86/fbgemm quantized engine"
    if why:
        log.warning("precision %s unavailable (%s); running fp32", precision, why)
        return "fp32"
    return precision


class FastNet(nn.Module):
    """A prepared forward pass with the interface of the model it came from.

    Attributes:
        cfg: the original model's ``NetConfig``.
        precision: ``"bf16"`` or ``"int8"``.
    """

    def __init__(self, run, cfg, precision: str, dtype: torch.dtype):
        super().__init__()
        self.run, self.cfg, self.precision, self.dtype = run, cfg, precision, dtype

    def forward(self, planes: torch.Tensor):
        """Same outputs as the original model, float32; ``planes`` float32 ``[B, C, n, n]``."""
        with torch.inference_mode():  # the prepared graphs hold inference tensors
            out = self.run(planes.to(self.dtype).contiguous(memory_format=torch.channels_last))
        return tuple(o.float() for o in out) if isinstance(out, tuple) else out.float()


def prepare_net(model: nn.Module, precision: str, calibration: np.ndarray | None = None, seed: int = 0) -> nn.Module:
    """``model`` (fp32, not modified) ready for CPU inference in ``precision`` (a ``PRECISIONS`` name).

    Args:
        model: a ``nets.factory.build_model`` model.
        precision: ``fp32`` returns ``model`` itself (in eval mode); ``bf16`` and ``int8`` a ``FastNet``.
        calibration: int8 only: planes ``float32[N, C, n, n]`` to calibrate on; default
            ``calibration_planes(model, seed=seed)``.
        seed: seed of the calibration games.

    Raises:
        ValueError: for an unknown precision, or int8 for a kind it does not cover.
        RuntimeError: int8 without a quantized engine (``resolve_precision`` avoids both errors).
    """
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
    model = model.eval()
    if precision == "fp32":
        return model
    if precision == "bf16":
        return FastNet(_frozen_bf16(model), model.cfg, "bf16", torch.bfloat16)
    if model.cfg.kind not in _INT8_PARTS:
        raise ValueError(f"int8 covers the kinds {sorted(_INT8_PARTS)}, not {model.cfg.kind!r}")
    engine = int8_engine()
    if engine is None:
        raise RuntimeError("int8 needs torch's x86 or fbgemm quantized engine")
    if calibration is None:
        calibration = calibration_planes(model, seed=seed)
    return FastNet(_quantized(model, engine, torch.from_numpy(calibration)), model.cfg, "int8", torch.float32)


def _frozen_bf16(model: nn.Module) -> nn.Module:
    """A bfloat16 channels-last copy of ``model``, traced and frozen (eager if tracing fails)."""
    net = copy.deepcopy(model).to(torch.bfloat16, memory_format=torch.channels_last)
    cfg = model.cfg
    example = torch.zeros(2, cfg.in_planes, cfg.board_size, cfg.board_size, dtype=torch.bfloat16)
    try:
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")
            return torch.jit.freeze(torch.jit.trace(net, example.contiguous(memory_format=torch.channels_last)))
    except Exception as e:  # an untraceable layer: eager bfloat16 is slower but correct
        log.warning("bf16 net runs untraced (tracing failed: %s)", e)
        return net


def _quantized(model: nn.Module, engine: str, calibration: torch.Tensor) -> nn.Module:
    """Static int8 post-training quantization of ``model``'s trunk (see the module docstring)."""
    from torch.ao.quantization import QConfig, QConfigMapping
    from torch.ao.quantization.observer import HistogramObserver, PerChannelMinMaxObserver
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

    torch.backends.quantized.engine = engine
    # without VNNI the u8 x s8 products can saturate: 7-bit activations, as torch's x86 default
    full_range = getattr(torch.cpu, "_is_vnni_supported", lambda: False)()
    qconfig = QConfig(
        activation=HistogramObserver.with_args(reduce_range=not full_range),
        weight=PerChannelMinMaxObserver.with_args(dtype=torch.qint8, qscheme=torch.per_channel_symmetric),
    )
    quantized, kept_float = _INT8_PARTS[model.cfg.kind]
    mapping = QConfigMapping()
    for name in quantized:
        mapping.set_module_name(name, qconfig)
    for name in kept_float:
        mapping.set_module_name(name, None)
    net = _main_heads_only(copy.deepcopy(model).eval().to(memory_format=torch.channels_last))
    calibration = calibration.contiguous(memory_format=torch.channels_last)
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")  # torch.ao.quantization's deprecation notices
        prepared = prepare_fx(net, mapping, (calibration[:2],))
        for i in range(0, len(calibration), 128):
            prepared(calibration[i : i + 128])
        return _frozen(convert_fx(prepared).eval(), calibration[:8])


def _frozen(net: nn.Module, example: torch.Tensor) -> nn.Module:
    """``net`` traced and frozen by ``torch.jit``; ``net`` itself if tracing fails.

    At batch 8 the frozen graph takes about a quarter less time a call than the FX module's Python.
    """
    try:
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")
            return torch.jit.freeze(torch.jit.trace(net, example).eval())
    except Exception as e:  # an untraceable layer: the FX module computes the same, a little slower
        log.warning("int8 net runs untraced (tracing failed: %s)", e)
        return net


def _main_heads_only(net: nn.Module) -> nn.Module:
    """``net`` with a ``forward(planes)`` that computes the policy and value heads alone.

    FX tracing makes every argument of ``forward`` symbolic, and a symbolic ``aux`` flag cannot
    choose a branch; the copy's class is swapped for a subclass whose ``forward`` passes
    ``aux=False`` as a constant (module names, and so the quantization mapping, are unchanged).
    """
    forward = type(net).forward
    if "aux" not in inspect.signature(forward).parameters:
        return net

    def main_heads(self, planes):
        return forward(self, planes, False)

    net.__class__ = type(type(net).__name__, (type(net),), {"forward": main_heads})
    return net


def calibration_planes(
    model: nn.Module, count: int = 512, games: int = 16, seed: int = 0, feature_sets: tuple[str, ...] = ()
) -> np.ndarray | list[np.ndarray]:
    """Encoded positions of games the net plays itself from the empty board (int8 calibration data).

    Each move is sampled from the net's softmax over the legal moves (pass only once half the
    points have been played or nothing else is legal); a net without a policy plays uniformly
    among legal moves that fill no own eye. ``games`` games run side by side, one batched call a
    move, for at most ``1.5 * n * n`` moves; ``count`` positions are drawn from all their positions.

    Args:
        model: the net (its ``cfg`` gives size and feature set).
        count: positions returned (fewer if the games had fewer).
        games: games played at once.
        seed: seed of the move draws.
        feature_sets: encode the positions in each of these sets; default ``(cfg.feature_set,)``.

    Returns:
        ``float32[count, C, n, n]``, or a list of them (one per feature set) if ``feature_sets``
        was given.
    """
    cfg, rng = model.cfg, np.random.default_rng(seed)
    n, sets = cfg.board_size, feature_sets or (cfg.feature_set,)
    boards, seen = [Board(n) for _ in range(games)], [[] for _ in sets]
    for move in range(int(1.5 * n * n)):
        live = [b for b in boards if not b.is_over]
        if not live:
            break
        planes = [np.stack([encode(b, fs) for b in live]) for fs in sets]
        for acc, p in zip(seen, planes, strict=True):
            acc.append(p)
        legal = np.stack([b.legal_mask() for b in live]) != 0
        if move < n * n // 2:
            legal[:, -1] = ~legal[:, :-1].any(axis=1)
        mine = planes[sets.index(cfg.feature_set)] if cfg.feature_set in sets else None
        for b, p in zip(live, _move_probs(model, live, legal, mine), strict=True):
            b.play(int(rng.choice(len(p), p=p)))
    everything = [np.concatenate(acc) for acc in seen]
    keep = rng.choice(len(everything[0]), min(count, len(everything[0])), replace=False)
    out = [np.ascontiguousarray(x[keep], dtype=np.float32) for x in everything]
    return out if feature_sets else out[0]


def _move_probs(model: nn.Module, boards: list[Board], legal: np.ndarray, planes: np.ndarray | None) -> np.ndarray:
    """Move probabilities ``[B, n*n+1]`` over ``legal``: the net's policy, or uniform over non-eye moves."""
    logits = None
    if model.cfg.kind != "value":
        if planes is None:
            planes = np.stack([encode(b, model.cfg.feature_set) for b in boards])
        with torch.inference_mode():
            logits = policy_value(model, torch.from_numpy(planes).float())[0]
    if logits is None:
        weights = legal.astype(np.float64)
        for i, b in enumerate(boards):
            for a in np.flatnonzero(legal[i, :-1]):
                if b.is_eye(int(a), b.to_play):
                    weights[i, a] = 0.0
            if weights[i].sum() == 0:
                weights[i, -1] = 1.0
    else:
        z = np.where(legal, logits.double().numpy(), -np.inf)
        weights = np.exp(z - z.max(axis=1, keepdims=True))
    return weights / weights.sum(axis=1, keepdims=True)
