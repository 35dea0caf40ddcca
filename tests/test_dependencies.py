"""The dependencies declared in pyproject.toml are exactly what the code imports.

An import nothing declares works only while another package happens to pull it in (click,
jinja2 and werkzeug came with Flask); a runtime dependency the package never imports is
installed on every server for nothing (SPARQLWrapper, which only the tests use). Imports are
read with ``ast``, so the ones inside functions (heavy or optional packages) count too, and
mapped to distributions by ``importlib.metadata.packages_distributions()``.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from collections.abc import Iterator
from functools import cache
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "wsis_kg"
TESTS = ROOT / "tests"
#: Vendored W3C suites: data, not our code.
VENDORED = (TESTS / "conformance" / "sparql11", TESTS / "conformance" / "shacl")

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _normalise(name: str) -> str:
    """PEP 503 name, so ``Jinja2`` and ``jinja2`` are one distribution."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared(requirements: list[str]) -> set[str]:
    return {_normalise(re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", r).group(1))
            for r in requirements}


RUNTIME = _declared(PYPROJECT["dependencies"])
EXTRAS = {extra: _declared(reqs) for extra, reqs in PYPROJECT["optional-dependencies"].items()}


@cache
def _packages_distributions() -> dict[str, list[str]]:
    return packages_distributions()


def _imports(tree: ast.AST, *, module_level_only: bool) -> Iterator[str]:
    """Top-level names of absolute imports; with ``module_level_only``, not those in functions
    (which run only when called, so an optional package may be imported there)."""
    for node in ast.iter_child_nodes(tree):
        if module_level_only and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if isinstance(node, ast.Import):
            yield from (a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]
        yield from _imports(node, module_level_only=module_level_only)


def imported_distributions(root: Path, *, module_level_only: bool = False) -> dict[str, set[str]]:
    """{distribution: files importing it} for the third-party imports of ``root``'s sources.

    Standard-library modules, the project's own package and modules lying beside the importing
    file (the conformance runners import each other that way) are not distributions.
    """
    dists = _packages_distributions()
    found: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        if any(path.is_relative_to(v) for v in VENDORED) or ".venv" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for name in _imports(tree, module_level_only=module_level_only):
            if (name in sys.stdlib_module_names or name == PACKAGE.name
                    or (path.parent / f"{name}.py").exists()):
                continue
            for dist in dists.get(name, [f"<not installed: {name}>"]):
                found.setdefault(_normalise(dist), set()).add(str(path.relative_to(ROOT)))
    return found


def test_requirement_names_are_read() -> None:
    """The comparison below is only as good as the parsing of pyproject.toml."""
    assert {"pyoxigraph", "rdflib", "flask"} <= RUNTIME
    assert {"pytest", "playwright"} <= EXTRAS["test"]


def test_runtime_dependencies_are_exactly_what_the_package_imports() -> None:
    imported = imported_distributions(PACKAGE)
    optional = set().union(*EXTRAS.values()) - RUNTIME
    undeclared = {d: sorted(f) for d, f in imported.items() if d not in RUNTIME | optional}
    assert not undeclared, f"imported by wsis_kg but not in [project].dependencies: {undeclared}"
    unused = RUNTIME - set(imported)
    assert not unused, (f"in [project].dependencies but never imported by wsis_kg: "
                        f"{sorted(unused)} (test-only? move it to the test extra)")


def test_optional_dependencies_are_imported_only_where_they_are_used() -> None:
    """``import wsis_kg.<anything>`` must work without the extras (pyLODE is only for the docs
    pages): an extra's package may be imported inside a function, never at module level."""
    at_module_level = imported_distributions(PACKAGE, module_level_only=True)
    not_runtime = {d: sorted(f) for d, f in at_module_level.items() if d not in RUNTIME}
    assert not not_runtime, f"imported at module level but not a runtime dependency: {not_runtime}"


def test_every_import_of_the_tests_is_declared() -> None:
    declared = RUNTIME | EXTRAS["test"]
    imported = imported_distributions(TESTS)
    undeclared = {d: sorted(f) for d, f in imported.items() if d not in declared}
    assert not undeclared, f"imported by tests/ but not declared (test extra): {undeclared}"
