"""The one place for Numba compiler flags, and the guard that keeps the kernel cache fresh.

Every kernel in ``engine/`` is decorated with ``@njit(**NJIT)`` so that caching, GIL release and
the error model are chosen once. ``fastmath`` stays off: board logic is integer-only and exact.

Vocabulary:
    kernel file: a module named ``_kernels*.py`` anywhere under ``engine/``; every ``@njit``
        function of the engine lives in one (a test holds this).
    kernel hash: a SHA-256 over the text of every kernel file and of this module.
    stamp: what Numba stores beside a cached function to decide whether the cache is fresh.

Numba stamps a cached function with its own file only, so a cached caller keeps running the old
code of a callee edited in another file. The guard adds the kernel hash to the stamp of every
engine function: an edit to any kernel file makes every engine kernel's cache stale, and Numba
recompiles it on first use and overwrites the old entry. Nothing is deleted, so processes that
share the cache need no lock beyond Numba's own atomic writes.
"""

import hashlib
from pathlib import Path

from numba.core import caching

NJIT = dict(cache=True, nogil=True, boundscheck=False, error_model="numpy")

_ENGINE = Path(__file__).resolve().parent


def kernel_files(root=_ENGINE):
    """The kernel files under ``root`` and this module, in a fixed order.

    Args:
        root: the ``engine`` package folder.

    Returns:
        Sorted paths of every ``_kernels*.py`` below ``root`` plus ``root/_jit.py``.
    """
    files = {p for p in root.rglob("_kernels*.py") if "__pycache__" not in p.parts}
    files.add(root / "_jit.py")
    return sorted(files)


def kernel_hash(root=_ENGINE):
    """The SHA-256 hex digest over the names and texts of the kernel files under ``root``."""
    digest = hashlib.sha256()
    for path in kernel_files(root):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


KERNEL_HASH = kernel_hash()


def _numba_locators():
    """Numba's list of cache locator classes (a private attribute, renamed across versions)."""
    for name in ("CacheImpl", "_CacheImpl"):
        impl = getattr(caching, name, None)
        if impl is not None and isinstance(getattr(impl, "_locator_classes", None), list):
            return impl._locator_classes
    raise ImportError("numba.core.caching has no cache locator list; the kernel cache guard needs one")


class KernelCacheLocator(caching._CacheLocator):
    """Numba's own locator for an engine function, with the kernel hash added to the stamp."""

    def __init__(self, inner):
        self._inner = inner

    def ensure_cache_path(self):
        self._inner.ensure_cache_path()

    def get_cache_path(self):
        return self._inner.get_cache_path()

    def get_source_stamp(self):
        return (self._inner.get_source_stamp(), KERNEL_HASH)

    def get_disambiguator(self):
        return self._inner.get_disambiguator()

    @classmethod
    def from_function(cls, py_func, py_file):
        """Wrap the locator Numba would pick, for functions defined under ``engine/`` only."""
        try:
            Path(py_file).resolve().relative_to(_ENGINE)
        except (OSError, ValueError):
            return None
        for other in _numba_locators():
            if other is cls:
                continue
            inner = other.from_function(py_func, py_file)
            if inner is not None:
                return cls(inner)
        return None


def _install():
    locators = _numba_locators()
    if not any(c.__name__ == KernelCacheLocator.__name__ for c in locators):
        locators.insert(0, KernelCacheLocator)


_install()
