"""The server's allocator: jemalloc through one re-execution, glibc's when asked."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from wsis_kg import allocator

PROBE = ("import sys; from wsis_kg import allocator; allocator.use(sys.argv[1], print); "
         "import os; print('loaded', allocator.loaded(), 'env', os.environ.get('LD_PRELOAD'))")


def _run(choice: str, env: dict[str, str] | None = None) -> str:
    out = subprocess.run([sys.executable, "-c", PROBE, choice], capture_output=True, text=True,
                         timeout=60, env=env or dict(os.environ), check=True)
    return out.stdout.strip().splitlines()[-1]


def test_jemalloc_is_loaded_after_one_re_execution_and_not_passed_on() -> None:
    assert allocator.jemalloc_library(), "jemalloc is missing: run scripts/setup (libjemalloc2)"
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    assert _run("jemalloc", env) == "loaded True env None"


def test_system_keeps_glibc_and_drops_a_jemalloc_preload() -> None:
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    assert _run("system", env) == "loaded False env None"


def test_an_unknown_allocator_is_refused() -> None:
    with pytest.raises(ValueError, match="not one of"):
        allocator.use("tcmalloc", print)


def test_missing_jemalloc_says_so_and_carries_on(monkeypatch) -> None:
    said: list[str] = []
    monkeypatch.setattr(allocator, "jemalloc_library", lambda: None)
    monkeypatch.setattr(allocator, "loaded", lambda name="libjemalloc": False)
    allocator.use("jemalloc", said.append)  # returns instead of re-executing
    assert said and "libjemalloc2" in said[0]
