"""The package tree shows the architecture, and the imports keep to it.

Layers, lowest first: the core modules (errors, settings, namespaces, allocator, testing), ``rdf``
(formats, parsing), ``store`` (where the graph lives), the services (``sparql``, ``graph``,
``validation``, ``extraction``), and the fronts (``web``, ``cli``, ``bench``). A module imports
only from its own layer or lower ones; the web layer and the command line never reach the store
package (they go through the services, which enforce the limits); no two modules import each
other, directly or round a ring, even from inside a function; and only command-line modules
import inside functions (so ``wsis-kg --help`` stays fast) — anywhere else such an import would
exist only to hide a cycle.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "wsis_kg"

#: Layer of each part (``sparql.lexer``, the SPARQL language itself, sits with ``rdf``: the
#: stores read query text with it too).
LAYERS = {
    "sparql.lexer": 1, "sparql.memo": 1,
    "errors": 0, "settings": 0, "namespaces": 0, "allocator": 0, "testing": 0, "wsis_kg": 0,
    "rdf": 1,
    "store": 2,
    "sparql": 3, "graph": 3, "validation": 3, "extraction": 3,
    "web": 4, "cli": 4, "bench": 4,
}
#: Fronts that must reach the store only through a service.
NO_STORE = ("web", "cli")
#: Where a function may import a project module: lazy loading of a subcommand's machinery.
LAZY_OK = ("cli",)


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _part(module: str) -> str:
    parts = module.split(".")
    if ".".join(parts[1:3]) in LAYERS:
        return ".".join(parts[1:3])
    return parts[1] if len(parts) > 1 else "wsis_kg"


def _imports() -> list[tuple[str, str, bool, int, bool]]:
    """(importer, imported, at top level, line, for type checking only) for every import of a
    project module."""
    modules = {_module(p) for p in PACKAGE.rglob("*.py")}
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        mod = _module(path)
        pkg = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top_level = {id(n) for n in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = pkg.rsplit(".", node.level - 1)[0] if node.level > 1 else pkg
                    base = f"{anchor}.{base}" if base else anchor
                # ``from pkg import module`` names a module; ``from module import name`` not
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                           for a in node.names]
            else:
                continue
            typing_only = _in_type_checking(tree, node)
            at_top = id(node) in top_level or typing_only
            for target in targets:
                if target == "wsis_kg" or target.startswith("wsis_kg."):
                    out.append((mod, target, at_top, node.lineno, typing_only))
    return out


def _in_type_checking(tree: ast.Module, node: ast.AST) -> bool:
    for stmt in tree.body:
        if isinstance(stmt, ast.If) and "TYPE_CHECKING" in ast.unparse(stmt.test):
            if any(n is node for n in ast.walk(stmt)):
                return True
    return False


IMPORTS = _imports()


def test_the_scan_sees_the_package() -> None:
    assert len({m for m, *_ in IMPORTS}) > 40
    assert {_part(m) for m, *_ in IMPORTS} <= set(LAYERS)


@pytest.mark.parametrize("layer", sorted(set(LAYERS) - {"wsis_kg"}))
def test_imports_point_down(layer: str) -> None:
    upward = [f"{m}:{line} imports {t}" for m, t, _, line, _ in IMPORTS
              if _part(m) == layer and LAYERS[_part(t)] > LAYERS[layer]]
    assert not upward, "\n".join(upward)


def test_web_and_cli_reach_the_store_only_through_services() -> None:
    direct = [f"{m}:{line} imports {t}" for m, t, _, line, typing_only in IMPORTS
              if _part(m) in NO_STORE and _part(t) == "store" and not typing_only]
    assert not direct, "\n".join(direct)


def test_no_import_cycles() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for m, t, _, _, _ in IMPORTS:
        if m != t and not m.startswith(t + "."):  # a module's own package __init__ is no edge
            graph[m].add(t)
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(path[path.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, "\n".join(cycles)


def test_function_level_imports_only_in_the_command_line() -> None:
    lazy = [f"{m}:{line} imports {t} inside a function" for m, t, top, line, _ in IMPORTS
            if not top and _part(m) not in LAZY_OK]
    assert not lazy, "\n".join(lazy)
