"""Run the server on jemalloc instead of glibc's malloc.

Why: pyoxigraph allocates many small objects per query, and glibc's allocator is its bottleneck
on this workload: measured in-process on 300k quads, a look-up by IRI takes 98 µs with glibc
and 45 µs with jemalloc (the query alone 63 → 22 µs), the example queries 10–30 % less
(docs/performance.md). An allocator can only be chosen before the process starts, so
``wsis-kg serve`` re-executes itself once with ``LD_PRELOAD`` naming jemalloc (Debian package
``libjemalloc2``, installed by ``scripts/setup``); the query processes forked from the server
inherit it. ``WSIS_KG_ALLOCATOR=system`` (or ``--allocator system``) keeps glibc's.
"""

from __future__ import annotations

import ctypes.util
import os
import sys
from collections.abc import Callable
from pathlib import Path

JEMALLOC = "jemalloc"
SYSTEM = "system"
CHOICES = (JEMALLOC, SYSTEM)

_CANDIDATES = (
    "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
    "/usr/lib/aarch64-linux-gnu/libjemalloc.so.2",
    "/usr/lib64/libjemalloc.so.2",
    "/usr/lib/libjemalloc.so.2",
)


def jemalloc_library() -> str | None:
    """The path of the jemalloc shared library, or None when it is not installed."""
    for path in _CANDIDATES:
        if Path(path).is_file():
            return path
    found = ctypes.util.find_library("jemalloc")
    return found if found and Path(found).is_absolute() else None


def loaded(name: str = "libjemalloc") -> bool:
    """Whether a library whose file name starts with ``name`` is mapped into this process."""
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return False
    return any(Path(line.split()[-1]).name.startswith(name)
               for line in maps.splitlines() if "/" in line)


def use(choice: str, say: Callable[[str], None]) -> None:
    """Make this process run on the ``choice`` allocator, re-executing it if needed.

    Returns when the process already runs on it (or when jemalloc is not installed: the server
    then runs on glibc's allocator, and says so); otherwise replaces the process and does not
    return. Children of the server (the reasoner's Java, a browser) do not inherit the preload.
    """
    if choice not in CHOICES:
        raise ValueError(f"allocator {choice!r} is not one of {', '.join(CHOICES)}")
    preload = [p for p in os.environ.get("LD_PRELOAD", "").split() if p]
    if choice == SYSTEM or loaded():
        kept = [p for p in preload if "jemalloc" not in Path(p).name]
        if kept:
            os.environ["LD_PRELOAD"] = " ".join(kept)
        else:
            os.environ.pop("LD_PRELOAD", None)
        return
    lib = jemalloc_library()
    if lib is None:
        say("wsis-kg: jemalloc is not installed (Debian: libjemalloc2), so the server runs on "
            "the system allocator, which is slower for pyoxigraph (docs/performance.md)")
        return
    if lib in preload:  # asked for before and still not loaded: do not loop
        say(f"wsis-kg: {lib} could not be preloaded; using the system allocator")
        return
    env = dict(os.environ, LD_PRELOAD=" ".join([lib, *preload]))
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], env)
