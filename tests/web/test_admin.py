"""``POST /admin/backup``: an online backup of a running on-disk store, consistent while writes
go on, into the operator's directory only."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from wsis_kg.graph.build import build
from wsis_kg.graph.dump import _BACKUP_LOCK
from wsis_kg.settings import Settings
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.web import close_app, create_app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "validate"
TOKEN = "admin-token-value"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
G = "https://example.org/backup-test"
UPDATE = "application/sparql-update"

#: Real stores on disk and a writer thread: heavier than the everyday loop allows.
pytestmark = pytest.mark.slow


def _app(store: OxigraphStore, **settings):
    s = Settings(project_root=FIXTURES / "project", build_on_start=False,
                 tokens={TOKEN: "operator"}, **settings)
    build(s, store, check_shapes=False)
    return create_app(s, store=store)


@pytest.fixture()
def disk_app(tmp_path: Path):
    store = OxigraphStore(tmp_path / "store")
    app = _app(store, backup_dir=str(tmp_path / "backups"))
    yield app, store, tmp_path / "backups"
    close_app(app)


def _write(i: int) -> str:
    """Write i: three triples in one transaction (a backup must hold all three or none)."""
    s = f"<{G}/s{i}>"
    return (f"INSERT DATA {{ GRAPH <{G}> {{ {s} <{G}/p> {i} . {s} <{G}/q> {i} . "
            f"{s} <{G}/r> {i} }} }}")


def _writes_in(store: ox.Store) -> dict[int, int]:
    """write number → triples of it present."""
    rows = store.query(f"SELECT ?s (COUNT(*) AS ?n) {{ GRAPH <{G}> {{ ?s ?p ?o }} }} GROUP BY ?s")
    return {int(r["s"].value.rsplit("/s", 1)[1]): int(r["n"].value) for r in rows}


def test_a_backup_during_writes_holds_exactly_the_acknowledged_data(disk_app) -> None:
    """Finding: ``wsis-kg backup`` refuses the directory of a running server (one process
    holds a RocksDB store), and copying it with ``cp`` may tear it; there was no way to back
    up without stopping. The service makes the checkpoint itself, while a client writes."""
    app, store, backups = disk_app
    acked: list[tuple[int, float, float]] = []  # (write, sent at, acknowledged at)
    stop = threading.Event()

    def writer() -> None:
        c = app.test_client()
        i = 0
        while not stop.is_set() and i < 2000:
            sent = time.monotonic()
            r = c.post("/sparql/update", data=_write(i), content_type=UPDATE, headers=AUTH)
            assert r.status_code == 204, r.get_data(as_text=True)
            acked.append((i, sent, time.monotonic()))
            i += 1

    t = threading.Thread(target=writer)
    t.start()
    try:
        while len(acked) < 30:
            time.sleep(0.01)
        before = time.monotonic()
        r = app.test_client().post("/admin/backup", headers=AUTH)
        after = time.monotonic()
        n_after = len(acked)
        while len(acked) < n_after + 30:
            time.sleep(0.01)
    finally:
        stop.set()
        t.join()
    assert r.status_code == 201, r.get_data(as_text=True)
    name = r.get_json()["backup"]
    assert [p.name for p in backups.iterdir()] == [name]

    copy = ox.Store.read_only(str(backups / name))
    present = _writes_in(copy)
    assert set(present.values()) == {3}, "a write is partly in the backup"
    done_before = {i for i, _, ack in acked if ack < before}
    sent_after = {i for i, sent, _ in acked if sent > after}
    assert done_before <= present.keys(), "an acknowledged write is missing"
    assert not present.keys() & sent_after, "a write sent after the backup is in it"
    assert sorted(present) == list(range(len(present))), "not a point in the write sequence"
    # Everything else is the store as it was: the same quads outside the written graph.
    others = f"SELECT (COUNT(*) AS ?n) {{ {{ ?s ?p ?o }} UNION {{ GRAPH ?g {{ ?s ?p ?o }} " \
             f"FILTER(?g != <{G}>) }} }}"
    assert next(iter(copy.query(others)))["n"] == next(iter(store.ox.query(others)))["n"]
    # The copy restores: a service on it answers from it.
    del copy
    restored = _app(OxigraphStore(backups / name))
    try:
        ask = restored.test_client().get(
            "/sparql", query_string={"query": f"ASK {{ GRAPH <{G}> {{ <{G}/s0> ?p ?o }} }}"},
            headers={"Accept": "application/sparql-results+json"})
        assert ask.get_json()["boolean"] is True
    finally:
        close_app(restored)


def test_backups_need_a_token_and_go_only_where_the_operator_said(disk_app,
                                                                 tmp_path: Path) -> None:
    app, _, backups = disk_app
    c = app.test_client()
    assert c.post("/admin/backup").status_code == 401
    assert c.post("/admin/backup", headers={"Authorization": "Bearer nope"}).status_code == 403
    elsewhere = tmp_path / "chosen-by-caller"
    r = c.post(f"/admin/backup?to={elsewhere}&target={elsewhere}", headers=AUTH,
               data={"to": str(elsewhere)})
    assert r.status_code == 201 and not elsewhere.exists()
    assert (backups / r.get_json()["backup"] / "CURRENT").is_file()
    assert c.get("/admin/backup").status_code == 405


def test_one_backup_at_a_time(disk_app) -> None:
    app, _, _ = disk_app
    with _BACKUP_LOCK:
        r = app.test_client().post("/admin/backup", headers=AUTH)
    assert r.status_code == 503 and r.get_json()["type"].endswith("/busy")
    assert int(r.headers["Retry-After"]) >= 1


def test_off_without_a_backup_dir_and_refused_for_a_memory_store(tmp_path: Path) -> None:
    off = _app(OxigraphStore(tmp_path / "store"))
    memory = _app(OxigraphStore(), backup_dir=str(tmp_path / "backups"))
    try:
        r = off.test_client().post("/admin/backup", headers=AUTH)
        assert r.status_code == 404 and "WSIS_KG_BACKUP_DIR" in r.get_json()["detail"]
        r = memory.test_client().post("/admin/backup", headers=AUTH)
        assert r.status_code == 409 and "dump" in r.get_json()["detail"]
        assert not (tmp_path / "backups").exists() or not any((tmp_path / "backups").iterdir())
    finally:
        close_app(off)
        close_app(memory)


def test_old_backups_are_pruned_to_the_setting_and_nothing_else_is_touched(tmp_path: Path) -> None:
    """Finding: online backups accumulated without end (each a full store once compaction
    rewrites the store's files); with ``WSIS_KG_BACKUP_KEEP`` the oldest go."""
    backups = tmp_path / "backups"
    backups.mkdir()
    (backups / "operator-notes").mkdir()  # not a backup's name: never removed
    (backups / "wsis-kg-keep-me.txt").write_text("x")
    store = OxigraphStore(tmp_path / "store")
    app = _app(store, backup_dir=str(backups), backup_keep=2)
    try:
        c = app.test_client()
        made, removed = [], []
        for _ in range(4):
            r = c.post("/admin/backup", headers=AUTH)
            assert r.status_code == 201, r.get_data(as_text=True)
            made.append(r.get_json()["backup"])
            removed += r.get_json()["removed"]
        assert removed == made[:2]
        assert sorted(p.name for p in backups.iterdir()) == sorted(
            [*made[2:], "operator-notes", "wsis-kg-keep-me.txt"])
    finally:
        close_app(app)
