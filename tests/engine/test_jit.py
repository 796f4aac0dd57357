"""The kernel cache guard: an edited callee in another kernel file never runs stale.

Each test works on a copy of the ``engine`` package in a temporary folder (the real tree and its
cache are never touched) and imports it in fresh subprocesses, as a user restarting Python would.
"""

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import engine
from engine import _jit

ENGINE = Path(engine.__file__).resolve().parent

CALLEE = """
from numba import njit
from engine._jit import NJIT


@njit(**NJIT)
def answer():
    return {value}
"""

CALLER = """
from numba import njit
from engine._jit import NJIT
from engine._kernels_probe_callee import answer


@njit(**NJIT)
def ask():
    return answer() + 1000
"""

RUN = (
    "import engine, sys; from engine.search._kernels_probe_caller import ask; "
    "assert engine.__file__.startswith(sys.argv[1]), engine.__file__; "
    "print(ask(), ask.stats.cache_hits.get(ask.signatures[0], 0))"
)

pytestmark = pytest.mark.skipif(
    os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="the cache exists only when Numba compiles"
)


def _copy_engine(tmp_path):
    """A copy of the engine package's sources, without caches, with the probe caller in it."""
    shutil.copytree(ENGINE, tmp_path / "engine", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "engine" / "search" / "_kernels_probe_caller.py").write_text(CALLER)
    return tmp_path / "engine"


def _write_callee(root, value):
    (root / "_kernels_probe_callee.py").write_text(CALLEE.format(value=value))


def _ask(tmp_path):
    """(value, cache hits) of the probe caller, in a fresh interpreter importing the copy."""
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    env.pop("NUMBA_CACHE_DIR", None)
    out = subprocess.run(
        [sys.executable, "-c", RUN, str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return int(out[0]), int(out[1])


def test_edited_callee_in_another_kernel_file_is_seen(tmp_path):
    root = _copy_engine(tmp_path)
    _write_callee(root, 1)
    assert _ask(tmp_path) == (1001, 0)  # compiled and cached
    assert _ask(tmp_path) == (1001, 1)  # served from the cache: the guard keeps caching
    _write_callee(root, 2)
    assert _ask(tmp_path) == (1002, 0)  # the caller's own file is unchanged, yet it recompiled


@pytest.mark.slow
def test_plain_numba_serves_the_stale_callee(tmp_path):
    """Control: without the guard, Numba runs the old callee (why the guard exists)."""
    root = _copy_engine(tmp_path)
    (root / "_jit.py").write_text("NJIT = dict(cache=True, nogil=True, boundscheck=False, error_model='numpy')\n")
    _write_callee(root, 1)
    assert _ask(tmp_path) == (1001, 0)
    _write_callee(root, 2)
    assert _ask(tmp_path) == (1001, 1)


def test_kernel_hash_covers_every_kernel_file(tmp_path):
    root = _copy_engine(tmp_path)
    before = _jit.kernel_hash(root)
    assert before == _jit.kernel_hash(root)
    for path in _jit.kernel_files(root):
        text = path.read_text()
        path.write_text(text + "\n")
        assert _jit.kernel_hash(root) != before, path
        path.write_text(text)
    assert _jit.kernel_hash(root) == before


def test_every_njit_function_lives_in_a_kernel_file():
    """The guard hashes kernel files only, so no other engine module may define a kernel."""
    kernels = set(_jit.kernel_files(ENGINE))
    for path in ENGINE.rglob("*.py"):
        if path in kernels:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Name | ast.Attribute):
                name = node.id if isinstance(node, ast.Name) else node.attr
                assert name not in ("njit", "jit", "vectorize", "NJIT"), f"{path}: {name}"
