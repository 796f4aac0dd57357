"""Process lifecycle: no worker outlives its parent, and a stop signal stops the whole tree.

Vocabulary:

============  ===========================================================================
*parent*      the process that starts workers (a CLI command, or a driver of Ray actors)
*worker*      a child process (``multiprocessing`` process or pool worker) or a Ray actor
*orphan*      a worker whose parent is gone (killed, even by SIGKILL, or crashed)
*stop*        SIGINT (Ctrl-C: the terminal sends it to the whole process group) or SIGTERM
============  ===========================================================================

Two guards make an orphan end by itself, within ``WATCH_INTERVAL`` seconds:

- ``set_pdeathsig``: on Linux, ``prctl(PR_SET_PDEATHSIG)`` makes the kernel signal the worker
  when its parent exits (ctypes on libc; a no-op elsewhere);
- ``watch_parent``: a daemon thread that polls the parent's pid (``os.getppid()`` changes when the
  parent dies; a given pid is probed with ``os.kill(pid, 0)``) and ends the worker when it is gone.
  It is the portable fallback, and the only guard of a Ray actor, whose OS parent is the raylet.

``worker_init`` applies both and makes the worker ignore SIGINT: on Ctrl-C the parent alone
decides (it stops its workers with SIGTERM and keeps what they finished). A worker therefore never
prints a ``KeyboardInterrupt`` traceback.

In the parent, ``catch_stop_signals`` turns SIGTERM into ``KeyboardInterrupt`` (and restores
Python's SIGINT handler even where the shell started us with SIGINT ignored, as it does for
background jobs), so the ``finally`` blocks that stop workers run for both signals;
``stop_signal()`` tells which one came. ``stop_processes`` terminates, joins and finally kills.

The module uses the standard library only, so every floor (``engine`` included) can import it.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable

WATCH_INTERVAL = 0.5
"""seconds between two checks of the parent by ``watch_parent``"""
PR_SET_PDEATHSIG = 1
"""``prctl`` option number (linux/prctl.h)"""

_stopped_by: list[int] = []


# ---------------------------------------------------------------------- worker side
def set_pdeathsig(sig: int = signal.SIGTERM) -> bool:
    """Ask the kernel to send ``sig`` to this process when its parent exits (Linux only).

    Returns:
        True where the request was accepted; False on other systems or when libc is not found.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (zombies count as gone on Linux)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie still answers kill(0); /proc tells it apart where there is one
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


def _exit_orphan() -> None:
    """End this orphan: SIGTERM to itself (its handlers and ``finally`` blocks may run), then exit."""
    with contextlib.suppress(OSError):
        os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(2.0)
    os._exit(143)


def watch_parent(pid: int | None = None, interval: float = WATCH_INTERVAL) -> threading.Thread:
    """Start a daemon thread that ends this process once its parent is gone.

    Args:
        pid: the process to watch; default the current OS parent (then a change of
            ``os.getppid()`` also counts as its death: the orphan was re-parented).
        interval: seconds between checks.

    Returns:
        The started thread.
    """
    ppid = os.getppid()
    target = ppid if pid is None else pid

    def gone() -> bool:
        if pid is None or pid == ppid:
            return os.getppid() != ppid or not pid_alive(target)
        return not pid_alive(target)

    def loop() -> None:
        while not gone():
            time.sleep(interval)
        _exit_orphan()

    t = threading.Thread(target=loop, name=f"watch-parent-{target}", daemon=True)
    t.start()
    return t


def worker_init(parent_pid: int | None = None, pdeathsig: bool = True, ignore_sigint: bool = True) -> None:
    """Set up a worker process: parent-death signal, parent watchdog, SIGINT left to the parent.

    Call it first thing in a child process (a process target, a pool ``initializer``, a Ray
    actor's ``__init__`` with the driver's pid); ``guard_args()`` in the parent gives the arguments.

    Args:
        parent_pid: the parent's pid (default: ``multiprocessing``'s parent, else the OS parent). A
            pid that is not the OS parent (a Ray driver) is watched by polling only.
        pdeathsig: also ask for the parent-death signal. Linux sends it when the *thread* that
            started the child ends, so the parent passes False when it starts workers from a
            thread other than its main one (``guard_args`` does).
        ignore_sigint: leave Ctrl-C to the parent (it stops the workers).
    """
    with contextlib.suppress(ValueError):  # signal handlers can be set in the main thread only
        if ignore_sigint:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a forked child inherits the parent's handler
    if parent_pid is None:
        import multiprocessing

        parent = multiprocessing.parent_process()
        parent_pid = parent.pid if parent is not None else os.getppid()
    if pdeathsig and parent_pid == os.getppid():
        set_pdeathsig(signal.SIGTERM)
    watch_parent(parent_pid)
    if not pid_alive(parent_pid):
        _exit_orphan()  # the parent died before the guards were up


def pool_init(guard: dict) -> None:
    """``initializer`` of a ``multiprocessing.Pool``: ``Pool(n, pool_init, (guard_args(),))``."""
    worker_init(**guard)


def guard_args() -> dict:
    """Keyword arguments of ``worker_init`` for a child started now from this process and thread."""
    return {"parent_pid": os.getpid(), "pdeathsig": threading.current_thread() is threading.main_thread()}


# ---------------------------------------------------------------------- parent side
def _term_handler(signum, frame) -> None:
    _stopped_by.append(signum)
    raise KeyboardInterrupt(f"signal {signum}")


def _int_handler(signum, frame) -> None:
    _stopped_by.append(signum)
    raise KeyboardInterrupt


def catch_stop_signals() -> bool:
    """In the main thread: SIGINT and SIGTERM raise ``KeyboardInterrupt`` here.

    SIGINT is taken even where it was ignored at start (a background job of a shell script), so
    the issue "Ctrl-C to the process group does nothing" cannot happen. Returns False (and does
    nothing) outside the main thread.
    """
    if threading.current_thread() is not threading.main_thread():
        return False
    signal.signal(signal.SIGINT, _int_handler)
    signal.signal(signal.SIGTERM, _term_handler)
    return True


def stop_signal() -> int:
    """The first stop signal caught by ``catch_stop_signals`` (SIGINT when none was recorded)."""
    return _stopped_by[0] if _stopped_by else int(signal.SIGINT)


def exit_code() -> int:
    """The conventional exit status after a stop: 128 + the signal number (130 for Ctrl-C)."""
    return 128 + stop_signal()


def stop_processes(procs: Iterable, timeout: float = 3.0) -> None:
    """Terminate ``multiprocessing`` processes, join them, and kill those still alive after ``timeout``.

    A second Ctrl-C while this runs is deferred until every process is signalled.
    """
    procs = [p for p in procs if p is not None]
    with deferred_sigint():
        for p in procs:
            with contextlib.suppress(Exception):
                if p.is_alive():
                    p.terminate()
    deadline = time.monotonic() + timeout
    for p in procs:
        with contextlib.suppress(Exception):
            p.join(max(deadline - time.monotonic(), 0.05))
            if p.is_alive():
                p.kill()
                p.join(1.0)


@contextlib.contextmanager
def deferred_sigint():
    """Hold SIGINT/SIGTERM for the block (main thread only); a signal caught meanwhile is raised after it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    for s in old:
        signal.signal(s, lambda signum, frame: held.append(signum))
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        if held:
            _stopped_by.append(held[0])
            raise KeyboardInterrupt
