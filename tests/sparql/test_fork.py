"""A forked child (a job, a query process) never finalises what it inherited from the server.

Finding (CI, stop 19): a validation job hung until its 60 s limit. The child's garbage
collector had found an earlier service's on-disk store in a reference cycle and closed it, and
RocksDB's close waits for background flushes and compactions whose threads exist only in the
server (py-spy: ``rocksdb::port::CondVar::Wait`` under ``gc.collect``; 8 children of 8 hung in
a reproduction). :func:`wsis_kg.sparql.jobs.fork_child` now freezes the server's objects across
the fork.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from wsis_kg.sparql.jobs import JobRunner

EX = "http://example.org/"


class _Cycle:
    """Unreachable once dropped, but freed only by the garbage collector (it refers to itself)."""

    def __init__(self, payload: object = None, log: Path | None = None) -> None:
        self.me = self
        self.payload = payload
        self.log = log

    def __del__(self) -> None:
        if self.log is not None:
            with self.log.open("a") as f:
                f.write(f"{os.getpid()}\n")


@pytest.fixture
def no_collection() -> Iterator[None]:
    """The server's collector has not yet run when the child is forked (as in the finding)."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _collect() -> int:
    return gc.collect()


def test_a_child_never_finalises_the_servers_garbage(no_collection, tmp_path: Path) -> None:
    log = tmp_path / "finalised"
    _Cycle(log=log)
    runner = JobRunner(slots=1, memory_mb=0)
    runner.run(_collect, timeout=30, what="The collection")
    assert not log.exists(), "the child ran a finaliser of the server's object"
    gc.collect()
    assert log.read_text().split() == [str(os.getpid())]  # the server's collector still does


def test_a_child_does_not_hang_on_an_unreachable_disk_store(no_collection, tmp_path: Path) -> None:
    store = ox.Store(str(tmp_path / "db"))
    for batch in range(6):  # several flushed files: RocksDB has background work scheduled
        store.extend(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "p"),
                             ox.Literal(f"{batch}-{i}")) for i in range(30_000))
        store.flush()
    _Cycle(store)
    del store
    runner = JobRunner(slots=1, memory_mb=0)
    assert runner.run(_collect, timeout=20, what="The collection") == 0
