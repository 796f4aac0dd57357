"""The repository's layout rules (docs/architecture.md), checked mechanically.

* no import cycle between the project's modules, counting every import (top-level and inside
  functions), found from the source with ``ast``;
* the floors: ``engine`` imports no other project package, ``nets`` only ``engine``, ``selfplay``
  only ``engine`` and ``nets``;
* no module over 500 lines outside the Numba kernel files (``engine/**/_kernels*.py``).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("engine", "nets", "selfplay", "cli")
FLOORS = {"engine": set(), "nets": {"engine"}, "selfplay": {"engine", "nets"}, "cli": {"engine", "nets", "selfplay"}}
MAX_LINES = 500


def module_files() -> dict[str, Path]:
    """``{dotted module name: path}`` for every module of the four packages."""
    out = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules that ``name`` imports anywhere in its source."""
    is_pkg = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")[: len(name.split(".")) - node.level + (1 if is_pkg else 0)]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in modules else base)
    return {m for m in found if m in modules and m != name}


def import_graph() -> dict[str, set[str]]:
    modules = module_files()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles():
    found = cycles(import_graph())
    assert found == [], "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_packages_import_only_lower_floors():
    bad = []
    for name, deps in import_graph().items():
        top = name.split(".")[0]
        bad += [f"{name} -> {d}" for d in deps if d.split(".")[0] not in FLOORS[top] | {top}]
    assert bad == [], "imports against the floors:\n" + "\n".join(bad)


def test_modules_stay_under_500_lines():
    long = []
    for path in module_files().values():
        n = len(path.read_text().splitlines())
        if n > MAX_LINES and not path.name.startswith("_kernels"):
            long.append(f"{path.relative_to(ROOT)}: {n} lines")
    assert long == [], "modules over 500 lines:\n" + "\n".join(long)
