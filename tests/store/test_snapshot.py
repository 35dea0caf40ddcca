"""The snapshot query processes fork from for an on-disk store: an in-memory copy up to
``mirror_max_triples`` quads, a read-only handle on a checkpoint of the disk beyond (bounded
memory at 10M; never the store's own directory, which its read-write handle compacts)."""

from __future__ import annotations

import multiprocessing as mp
import os
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from wsis_kg.settings import Settings
from wsis_kg.sparql.service import QueryService
from wsis_kg.store.embedded import DiskSnapshot, OxigraphStore, snapshots_dir

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
        assert len(list(snapshots_dir(disk.path).iterdir())) == 2  # the first kept a while
    finally:
        svc.close()
    assert list(snapshots_dir(disk.path).iterdir()) == []  # closed: nothing reads them


def test_a_write_to_a_large_store_is_counted_in_a_job_not_in_the_serving_process(
        disk: OxigraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """Counting a RocksDB store holds the GIL (0.16 s per million quads): after every write
    to a store served from checkpoints, the whole service stood still while it was counted."""
    settings = Settings(project_root=Path(__file__).resolve().parents[2], build_on_start=False,
                        mirror_max_triples=10, search=False)
    svc = QueryService(settings, disk, workers=1)
    here = os.getpid()
    count = OxigraphStore.__len__

    def counted(self: OxigraphStore) -> int:
        assert os.getpid() != here, "the store was counted in the serving process"
        return count(self)

    monkeypatch.setattr(OxigraphStore, "__len__", counted)
    try:
        first = svc._mirror
        svc.update(f"INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}x> <{EX}p> 1 }} }}")
        assert isinstance(svc._mirror, DiskSnapshot) and svc._mirror is not first
        count_g = f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{EX}g> {{ ?s ?p ?o }} }}"
        assert b"51" in svc.query(count_g).body
        monkeypatch.setattr(OxigraphStore, "__len__", count)
        svc.update(f"DELETE WHERE {{ GRAPH <{EX}g> {{ ?s <{EX}p> ?o }} }}")  # 0 quads left
        assert isinstance(svc._mirror, ox.Store)  # small again: back in memory
        assert svc.status()["mirror"]["in_memory"] is True
    finally:
        svc.close()


def test_a_large_store_is_read_from_a_checkpoint_nobody_writes(disk: OxigraphStore) -> None:
    snap = disk.snapshot(10)
    assert isinstance(snap, DiskSnapshot) and snap.path != disk.path
    assert snap.path.parent == snapshots_dir(disk.path) == disk.path.parent / "store.snapshots"
    _insert(disk.ox)
    disk.ox.flush()
    disk.ox.optimize()  # the store's own compaction rewrites and deletes its files
    assert len(snap) == 50  # the checkpoint still holds them
    disk.close()
    assert not snap.path.exists()  # nothing reads it once the store is closed


def test_superseded_checkpoints_are_kept_for_their_readers_then_deleted(
        disk: OxigraphStore) -> None:
    first = disk.snapshot(10, keep_seconds=0.5)
    second = disk.snapshot(10, keep_seconds=0.5)
    assert first.path.exists() and second.path.exists()  # a retiring process may still read
    time.sleep(0.6)
    third = disk.snapshot(10, keep_seconds=0.5)
    assert not first.path.exists() and second.path.exists() and third.path.exists()
    assert len(third) == 50


def test_a_previous_runs_checkpoints_are_removed(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "store")
    store.load(DATA, ox.RdfFormat.N_QUADS, None)
    left = snapshots_dir(store.path) / "0"
    left.mkdir(parents=True)
    snap = store.snapshot(10)
    assert not left.exists() and len(snap) == 50


def _open_and_count(path: str, seconds: float, out) -> None:
    """A query process's part: open the snapshot read-only and count, again and again."""
    errors, done, first = 0, 0, None
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            handle = DiskSnapshot(Path(path)).ox
            list(handle.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                              use_default_graph_as_union=True))
            done += 1
        except (OSError, RuntimeError) as e:
            errors += 1
            first = first or str(e)[:300]
    out.put((done, errors, first))


def test_readers_are_not_broken_by_the_stores_own_compactions(tmp_path: Path) -> None:
    """The 502 of DESCRIBE at 10M: a process opening a read-only handle on the store's own
    directory while the serving process's handle compacts it failed ("No such file … .sst",
    reproduced here within a second); on a checkpoint it never does."""
    store = OxigraphStore(tmp_path / "store")
    store.ox.bulk_extend(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "p"),
                                 ox.Literal(f"v{i}"), ox.NamedNode(EX + "g"))
                         for i in range(50_000))
    store.ox.flush()
    snap = store.snapshot(10)
    stop = threading.Event()

    def write_and_compact() -> None:
        k = 0
        while not stop.is_set():
            store.ox.extend(ox.Quad(ox.NamedNode(f"{EX}w{k}-{i}"), ox.NamedNode(EX + "p"),
                                    ox.Literal("x"), ox.NamedNode(EX + "g"))
                            for i in range(2000))
            store.ox.flush()
            k += 1
            if k % 3 == 0:
                store.ox.optimize()

    writer = threading.Thread(target=write_and_compact)
    writer.start()
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    reader = ctx.Process(target=_open_and_count, args=(str(snap.path), 4.0, out))
    try:
        reader.start()
        done, errors, first = out.get(timeout=60)
        reader.join(10)
    finally:
        stop.set()
        writer.join()
        store.close()
    assert errors == 0 and done > 0, first


def test_the_first_checkpoint_is_of_a_compacted_store(tmp_path: Path) -> None:
    """A store fresh from loads is many unmerged files, which a checkpoint would keep (queries
    3–6× slower at 10M): the store is compacted once, before the first checkpoint only."""
    store = OxigraphStore(tmp_path / "store")
    for k in range(4):
        store.ox.bulk_extend(ox.Quad(ox.NamedNode(f"{EX}s{k}-{i}"), ox.NamedNode(EX + "p"),
                                     ox.Literal(f"v{i}"), ox.NamedNode(EX + "g"))
                             for i in range(5000))
        store.ox.flush()

    def tables(path: Path) -> int:
        return sum(1 for f in path.iterdir() if f.suffix == ".sst")

    loaded = tables(store.path)
    first = store.snapshot(10)
    assert tables(first.path) < loaded and len(first) == 20_000
    store.ox.extend(ox.Quad(ox.NamedNode(f"{EX}w{i}"), ox.NamedNode(EX + "p"), ox.Literal("x"),
                            ox.NamedNode(EX + "g")) for i in range(100))
    store.ox.flush()
    second = store.snapshot(10)  # after a write: no compaction (seconds at 10M, under the lock)
    assert tables(second.path) > tables(first.path) and len(second) == 20_100
    store.close()
