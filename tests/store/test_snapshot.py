"""The snapshot query processes fork from for an on-disk store: an in-memory copy up to
``mirror_max_triples`` quads, a read-only handle on the disk beyond (bounded memory at 10M)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from wsis_kg.settings import Settings
from wsis_kg.sparql.service import QueryService
from wsis_kg.store.embedded import OxigraphStore

EX = "http://example.org/"
DATA = "".join(f"<{EX}s{i}> <{EX}p> \"{i}\" <{EX}g> .\n" for i in range(50)).encode()


@pytest.fixture
def disk(tmp_path: Path) -> OxigraphStore:
    store = OxigraphStore(tmp_path / "store")
    store.load(DATA, ox.RdfFormat.N_QUADS, None)
    return store


def _insert(store: ox.Store) -> None:
    store.update(f"INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}x> <{EX}p> 1 }} }}")


def test_small_store_gets_an_in_memory_copy(disk: OxigraphStore) -> None:
    snap = disk.snapshot(1000)
    assert len(snap) == 50
    _insert(snap)  # a copy: writable, and the disk does not change
    assert len(snap) == 51 and len(disk) == 50


def test_large_store_gets_a_read_only_handle_not_a_copy(disk: OxigraphStore) -> None:
    snap = disk.snapshot(10)
    assert len(snap) == 50
    with pytest.raises(RuntimeError, match="read-write"):
        _insert(snap)  # read-only: the disk itself, no second copy of the data in memory


def test_in_memory_store_is_its_own_snapshot() -> None:
    mem = OxigraphStore()
    assert mem.snapshot(0) is mem.ox


def test_service_serves_a_large_disk_store_from_disk_and_sees_its_writes(
        disk: OxigraphStore) -> None:
    settings = Settings(project_root=Path(__file__).resolve().parents[2], build_on_start=False,
                        mirror_max_triples=10, search=False)
    svc = QueryService(settings, disk, workers=1)
    try:
        count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{EX}g> {{ ?s ?p ?o }} }}"
        assert b"50" in svc.query(count).body
        with pytest.raises(RuntimeError, match="read-write"):
            _insert(svc._readable().ox)  # what forked jobs and query processes read
        svc.write(lambda st: st.update(
            f"INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}x> <{EX}p> 1 }} }}"))
        assert b"51" in svc.query(count).body  # the next generation reads a new snapshot
    finally:
        svc.close()
