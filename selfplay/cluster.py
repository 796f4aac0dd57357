"""Ray for self-play and A3C: connect with token authentication, and actors that end with their driver.

Vocabulary:

==============  ==============================================================================
*address*       ``"local"`` (start a one-machine cluster inside this process) or the head
                node's ``HOST:PORT`` (``ray start --head`` prints it)
*driver*        this process, the one that calls ``connect`` and creates the actors
*token*         Ray's shared secret for token authentication (Ray 2.52 and later; on by default
                for local clusters from 2.59, for all clusters from 2.61)
==============  ==============================================================================

``connect(address)`` joins or starts a cluster. Ray reads the token from ``RAY_AUTH_TOKEN``,
from the file named by ``RAY_AUTH_TOKEN_PATH``, or from ``~/.ray/auth_token`` (the file
``ray start --head`` writes on the head node). With an explicit address Ray 2.60 only sends it
when ``RAY_AUTH_MODE=token`` is set; ``connect`` turns token mode on whenever a token is found
and ``RAY_AUTH_MODE`` is unset, so a cluster started with the default settings just works (a
cluster without authentication ignores the token). A missing or wrong token, or a cluster that
does not answer, raises ``RayConnectError`` with one line saying what to do (docs/zero.md).

``watch_driver(driver)`` is called in an actor's ``__init__`` with ``driver_info()`` of the
driver: on the driver's machine the actor polls the driver's pid and ends when it is gone (even
after a SIGKILL); elsewhere Ray's owner tracking ends it (an actor dies with its owner).
"""

from __future__ import annotations

import logging
import os
import socket
import threading

from engine import procs

log = logging.getLogger("go_engine.cluster")

TOKEN_HELP = (
    "copy the head node's token (`ray get-auth-token` there) to ~/.ray/auth_token here, "
    "or set RAY_AUTH_TOKEN (or RAY_AUTH_TOKEN_PATH); see docs/zero.md"
)
PROBE_SECONDS = 5.0
"""how long ``connect`` waits for its quick token check before leaving it to ``ray.init``"""


class RayConnectError(RuntimeError):
    """The cluster cannot be joined; the message is one line for the user."""


def import_ray():
    """``ray``, or a ``RayConnectError`` saying how to install it."""
    try:
        import ray
    except ImportError:
        raise RayConnectError(
            "--ray-address needs Ray: pip install 'go-engine[cluster]' (or pip install ray)"
        ) from None  # noqa: E501
    return ray


def _enable_token_if_available() -> bool:
    """Token mode on when ``RAY_AUTH_MODE`` is unset and a token is found (as Ray 2.61 does)."""
    if os.environ.get("RAY_AUTH_MODE"):
        return os.environ["RAY_AUTH_MODE"].lower() == "token"
    try:
        from ray._private.authentication import authentication_token_setup as setup
    except ImportError:  # Ray before 2.52: no token authentication
        return False
    quiet = logging.getLogger(setup.__name__)
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        return bool(setup.maybe_enable_token_auth_if_token_available(warn_if_disabled=False))
    finally:
        quiet.setLevel(level)


def _is_auth_error(e: BaseException | None) -> bool:
    """Whether ``e`` or an exception it was raised from is Ray's authentication failure."""
    seen = 0
    while e is not None and seen < 10:
        text = f"{type(e).__name__} {e}"
        if "AuthenticationError" in text or "InvalidAuthToken" in text or "Unauthenticated" in text:
            return True
        e, seen = e.__cause__ or e.__context__, seen + 1
    return False


def _probe_token(address: str) -> BaseException | None:
    """One quick GCS request (Ray retries a refused token for 20 s); the error if it failed at once."""
    try:
        from ray._raylet import GcsClient
    except ImportError:
        return None
    out: list = []

    def run() -> None:
        try:
            GcsClient(address=address).cluster_id  # noqa: B018 (the request is the point)
            out.append(None)
        except Exception as e:  # noqa: BLE001 (reported by the caller)
            out.append(e)

    t = threading.Thread(target=run, name="ray-token-probe", daemon=True)
    t.start()
    t.join(PROBE_SECONDS)
    return out[0] if out else None


def _reachable(address: str, seconds: float = 3.0) -> str | None:
    """``None`` when a TCP connection to ``HOST:PORT`` opens, else why not."""
    host, _, port = address.rpartition(":")
    if address.startswith(("ray://", "auto")) or not port.isdigit():
        return None  # Ray client addresses and "auto" are Ray's to resolve
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=seconds):
            return None
    except OSError as e:
        return e.strerror or type(e).__name__


def connect(address: str, **init_kwargs) -> bool:
    """Join the cluster at ``address`` (``"local"``: start one here); True if this call started Ray.

    Raises:
        RayConnectError: Ray missing, the token missing or refused, or no cluster at ``address``.
    """
    ray = import_ray()
    if ray.is_initialized():
        return False
    init_kwargs.setdefault("include_dashboard", False)
    init_kwargs.setdefault("log_to_driver", False)
    if address == "local":  # a new cluster here, even where another one runs on this machine
        ray.init(address="local", **init_kwargs)
        return True
    unreachable = _reachable(address)
    if unreachable:
        raise RayConnectError(
            f"no Ray cluster answers at {address} ({unreachable}); start one with `ray start --head` "
            "and pass HOST:PORT of its head node"
        )
    token = _enable_token_if_available()
    err = _probe_token(address)
    if _is_auth_error(err):
        why = "it is not the cluster's" if token else "none was found"
        raise RayConnectError(f"Ray at {address} wants a token and {why}: {TOKEN_HELP}")
    try:
        ray.init(address=address, **init_kwargs)
    except (ConnectionError, RuntimeError) as e:
        if _is_auth_error(e):
            raise RayConnectError(f"Ray at {address} refused the token: {TOKEN_HELP}") from e
        raise RayConnectError(
            f"no Ray cluster answers at {address} (start one with `ray start --head`; the address is "
            f"HOST:PORT of its head node): {e}"
        ) from e
    return True


def driver_info() -> dict:
    """What an actor needs to watch this driver: pid and host name."""
    return {"pid": os.getpid(), "host": socket.gethostname()}


def watch_driver(driver: dict | None) -> bool:
    """In an actor: end this worker process when the driver is gone (same machine only).

    Returns:
        True where a watchdog was started.
    """
    if not driver or driver.get("host") != socket.gethostname():
        return False
    procs.watch_parent(driver["pid"])
    return True
