"""Architecture rules of ``engine/`` (design doc, rules 1 and 2), checked mechanically.

* ``engine`` and all its modules import without torch, click or gymnasium (a fresh subprocess);
* every Numba decorator in ``engine/`` takes the shared ``**NJIT`` options (stumpy's check);
* ``cache=True`` really hits for the board kernels: a second process with the same
  ``NUMBA_CACHE_DIR`` loads them from disk instead of compiling them.
"""

from __future__ import annotations

import json
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import engine
from engine._jit import NJIT

ENGINE_DIR = Path(engine.__file__).parent
FORBIDDEN = ("torch", "click", "gymnasium")


def run_python(code: str, **env: str) -> str:
    """Run ``code`` in a fresh interpreter from the repository root; return its stdout."""
    full_env = {**os.environ, **env}
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ENGINE_DIR.parent,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_engine_imports_no_framework():
    modules = [m.name for m in pkgutil.walk_packages([str(ENGINE_DIR)], prefix="engine.")]
    code = (
        "import importlib, json, sys\n"
        "import engine\n"
        f"before = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"after = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        "print(json.dumps([before, after]))\n"
    )
    before, after = json.loads(run_python(code, NUMBA_DISABLE_JIT="1"))
    assert before == [], f"`import engine` pulled in {before}"
    assert after == [], f"importing all of engine ({len(modules)} modules) pulled in {after}"


DECORATOR = re.compile(r"^\s*@(?:numba\.)?(?:njit|jit|vectorize|guvectorize|cfunc|stencil)\b(.*)$")


def test_every_numba_decorator_uses_njit_options():
    offenders = []
    for path in sorted(ENGINE_DIR.rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            match = DECORATOR.match(line)
            if match and "**NJIT" not in match.group(1):
                offenders.append(f"{path.relative_to(ENGINE_DIR)}:{number}: {line.strip()}")
    assert offenders == [], "decorators without **NJIT:\n" + "\n".join(offenders)
    assert NJIT.get("cache") is True and not NJIT.get("fastmath", False)


CACHE_PROBE = """
import json
from engine import _kernels as K
from engine.board import Board
b = Board(9)
b.play(40)
b.legal_mask()
b.area_score()
out = {}
for name in ("reset_board", "is_legal", "play_unsafe", "fill_legal_mask", "area_score"):
    st = getattr(K, name).stats
    out[name] = [sum(st.cache_hits.values()), sum(st.cache_misses.values())]
print(json.dumps(out))
"""


def test_numba_cache_hits_in_a_second_process(tmp_path):
    env = {"NUMBA_CACHE_DIR": str(tmp_path), "NUMBA_DISABLE_JIT": "0"}
    first = json.loads(run_python(CACHE_PROBE, **env))
    second = json.loads(run_python(CACHE_PROBE, **env))
    assert all(misses >= 1 for _, misses in first.values()), first  # compiled and written
    assert any(tmp_path.rglob("*.nbi")), "no cache index was written"
    for name, (hits, misses) in second.items():
        assert hits >= 1 and misses == 0, f"{name} was compiled again instead of loaded: {second}"
