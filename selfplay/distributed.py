"""Data-parallel training over N processes with torch ``DistributedDataParallel`` (DDP).

Shared by the trainers ``selfplay/zero/train.py``, ``selfplay/lee/sl.py`` and ``selfplay/lee/value.py``.

Vocabulary:

================  ==================================================================================
word              meaning
================  ==================================================================================
rank              index of one training process, ``0 .. world - 1``
world             number of processes (``--nproc N``, or ``WORLD_SIZE`` under ``torchrun``)
local rank        index of the process on its machine (its GPU under NCCL)
main rank         rank 0: the only process that writes (checkpoints, logs, weights, config)
global batch      the config's ``batch_size``: the samples of one optimiser step over all ranks
slice             rank ``r``'s ``global batch / world`` samples: rows ``r*b .. (r+1)*b - 1``
================  ==================================================================================

Sampling. Every rank holds the same seeded ``numpy`` ``Generator`` and draws the same global batch
(indices and symmetries); each rank then computes only its slice, the with-replacement equivalent of
``DistributedSampler``. DDP averages the gradients over the ranks, so one step is the single-process
step on the global batch, except for batch-norm statistics (computed per slice, as DDP does) and the
order of float sums. The sequence of global batches does not depend on ``world``, and the generator's
state is in the checkpoint, so a run resumes on any number of processes.

Launch. ``launch(nproc, device, fn, *args, **kwargs)`` runs ``fn`` in this process when ``nproc``
is 1, spawns ``nproc`` processes (``gloo`` on the CPU, ``nccl`` on CUDA, rendezvous on a free local
TCP port) otherwise, and under ``torchrun`` (``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``,
``MASTER_ADDR``, ``MASTER_PORT`` set) joins the job ``torchrun`` started. It returns the main rank's
result. Inside ``fn``, ``current()`` tells the trainer its place; with no process group it is the
single-process ``Dist()`` and every helper below is a no-op.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from engine import procs

TIMEOUT = timedelta(hours=12)
"""how long a rank waits in a collective (long: rank 0 may generate data while the others wait)"""


class DistributedError(RuntimeError):
    """A training process failed; the message names the rank and its last error line."""


@dataclass(frozen=True)
class Dist:
    """This process's place in the job (``Dist()``: a single process)."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        """True on rank 0, the rank that writes files."""
        return self.rank == 0

    @property
    def active(self) -> bool:
        """True when there is more than one process."""
        return self.world > 1

    def device(self, name: str) -> torch.device:
        """The torch device of this rank: ``cuda:LOCAL_RANK`` for a CUDA ``name``, else ``name``."""
        device = torch.device(name)
        if device.type == "cuda" and self.active:
            device = torch.device("cuda", self.local_rank)
            torch.cuda.set_device(device)
        return device

    def wrap(self, model: torch.nn.Module, device: torch.device) -> torch.nn.Module:
        """``model`` in DDP (parameters broadcast from rank 0), or ``model`` itself for one process."""
        if not self.active:
            return model
        ids = [device.index] if device.type == "cuda" else None
        return DistributedDataParallel(model, device_ids=ids)

    def slice(self, rows: np.ndarray) -> np.ndarray:
        """This rank's slice of a global batch (``len(rows)`` must divide by ``world``)."""
        if not self.active:
            return rows
        if len(rows) % self.world:
            raise ValueError(f"global batch {len(rows)} does not divide by {self.world} processes")
        b = len(rows) // self.world
        return rows[self.rank * b : (self.rank + 1) * b]

    def mean(self, metrics: dict, keys) -> dict:
        """``metrics`` with the values of ``keys`` averaged over the ranks (a collective call)."""
        if not self.active:
            return metrics
        keys = [k for k in keys if k in metrics]
        t = torch.tensor([float(metrics[k]) for k in keys], dtype=torch.float64)
        dist.all_reduce(t)
        return {**metrics, **{k: float(v) / self.world for k, v in zip(keys, t.tolist(), strict=True)}}

    def barrier(self) -> None:
        """Wait until every rank gets here (no-op for one process)."""
        if self.active:
            dist.barrier()


def current() -> Dist:
    """The calling process's ``Dist`` (from the process group; ``Dist()`` when there is none)."""
    if not (dist.is_available() and dist.is_initialized()):
        return Dist()
    rank = dist.get_rank()
    return Dist(rank, dist.get_world_size(), int(os.environ.get("LOCAL_RANK", rank)))


def unwrap(model: torch.nn.Module) -> torch.nn.Module:
    """The plain model inside a DDP wrapper (or ``model``)."""
    return model.module if isinstance(model, DistributedDataParallel) else model


def backend_for(device: str) -> str:
    """``nccl`` for CUDA devices, ``gloo`` otherwise."""
    return "nccl" if torch.device(device).type == "cuda" else "gloo"


def under_torchrun() -> bool:
    """True when ``torchrun`` (or another launcher) set ``WORLD_SIZE`` and ``RANK``."""
    return "WORLD_SIZE" in os.environ and "RANK" in os.environ


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now (for the rendezvous)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(nproc: int, device: str, fn, *args, **kwargs):
    """Run ``fn(*args, **kwargs)`` on ``nproc`` data-parallel processes; returns rank 0's result.

    Args:
        nproc: processes; 1 runs ``fn`` here with no process group. Ignored under ``torchrun``,
            which sets the world size itself.
        device: the trainer's device name (picks the backend).
        fn: a module-level function (it is pickled for ``spawn``).
        *args: its positional arguments (picklable).
        **kwargs: its keyword arguments (picklable).

    Raises:
        ValueError: if ``nproc`` < 1.
        DistributedError: if a spawned process fails (names the rank and its error).
    """
    if nproc < 1:
        raise ValueError(f"nproc must be >= 1, got {nproc}")
    if under_torchrun() and not dist.is_initialized():
        dist.init_process_group(backend_for(device), init_method="env://", timeout=TIMEOUT)
        try:
            return fn(*args, **kwargs)
        finally:
            dist.destroy_process_group()
    if nproc == 1 or dist.is_initialized():
        return fn(*args, **kwargs)
    ctx = torch.multiprocessing.get_context("spawn")
    results = ctx.SimpleQueue()
    spec = (nproc, f"tcp://127.0.0.1:{free_port()}", backend_for(device), fn, args, kwargs, results)
    context = torch.multiprocessing.start_processes(_worker, args=spec, nprocs=nproc, join=False, start_method="spawn")
    try:
        while not context.join():
            pass
    except torch.multiprocessing.ProcessRaisedException as e:
        lines = [line for line in str(e).strip().splitlines() if line.strip()]
        raise DistributedError(f"training process {e.error_index} failed: {lines[-1] if lines else e}") from None
    except torch.multiprocessing.ProcessExitedException as e:
        raise DistributedError(f"training process {e.error_index} exited with code {e.exit_code}") from None
    finally:  # also on Ctrl-C / SIGTERM: the last checkpoint (atomic) is what a rerun resumes from
        procs.stop_processes(context.processes)
    return results.get() if not results.empty() else None


def _worker(rank: int, world: int, init_method: str, backend: str, fn, args, kwargs, results) -> None:
    """Body of one spawned process: join the group, run ``fn``, hand rank 0's result back."""
    procs.worker_init()  # ends with the launching process, however it ends; Ctrl-C is the launcher's
    os.environ.update(RANK=str(rank), WORLD_SIZE=str(world), LOCAL_RANK=str(rank))
    dist.init_process_group(backend, init_method=init_method, rank=rank, world_size=world, timeout=TIMEOUT)
    try:
        out = fn(*args, **kwargs)
        if rank == 0:
            results.put(out)
    finally:
        dist.destroy_process_group()
