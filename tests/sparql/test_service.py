"""Query execution with limits: real worker processes, real timeouts, caps and the SERVICE guard."""

from __future__ import annotations

import contextlib
import os
import time

import pyoxigraph as ox
import pytest

from wsis_kg.errors import (
    ForbiddenService,
    QuerySyntaxError,
    QueryTimeout,
    ResultTooLarge,
    StoreError,
    ValidationFailed,
)
from wsis_kg.rdf.parse import ParsedInput
from wsis_kg.settings import Settings
from wsis_kg.sparql.evaluate import QueryRequest
from wsis_kg.sparql.service import QueryService
from wsis_kg.store.embedded import OxigraphStore

EX = "http://example.org/"
CARTESIAN = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
#: A short query that a query process answers (FILTER: not a bounded read, which the serving
#: process answers itself: wsis_kg.sparql.bounded).
VIA_PROCESS = "ASK { ?s ?p ?o FILTER(true) }"


def _store(n: int = 200) -> OxigraphStore:
    st = OxigraphStore()
    st.ox.bulk_extend(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "p"),
                              ox.Literal(str(i)), ox.NamedNode(EX + ("g1" if i % 2 else "g2")))
                      for i in range(n))
    return st


@pytest.fixture()
def service():
    svc = QueryService(Settings(build_on_start=False, query_timeout=1.0, result_limit=50,
                                workers=2), _store())
    yield svc
    svc.close()


def _pid_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_answers_in_a_worker_process(service: QueryService) -> None:
    res = service.query(QueryRequest("ASK { ?s ?p ?o }"))
    assert res.body == b'{"head":{},"boolean":true}'
    assert service.pool is not None and service.pool.stats.forked >= 1
    assert service.status()["mode"] == "fork"


def test_timeout_kills_the_worker_and_frees_it(service: QueryService) -> None:
    t0 = time.monotonic()
    with pytest.raises(QueryTimeout) as err:
        service.query(QueryRequest(CARTESIAN))
    elapsed = time.monotonic() - t0
    assert 0.9 <= elapsed < 2.5, elapsed
    assert err.value.status == 503 and err.value.extensions["timeout"] == 1.0
    pid = service.pool.stats.pids[-1]
    assert _pid_gone(pid), f"worker {pid} still exists after the timeout"
    # the service keeps answering afterwards
    assert service.query("ASK {}").body.endswith(b"true}")


def test_result_cap_refuses_and_never_truncates(service: QueryService) -> None:
    ok = service.query(QueryRequest("SELECT ?s { ?s ?p ?o } LIMIT 50", accept="text/csv"))
    assert ok.body.count(b"\r\n") == 51  # header + 50 rows: the cap is inclusive
    with pytest.raises(ResultTooLarge) as err:
        service.query(QueryRequest("SELECT ?s { ?s ?p ?o } LIMIT 51"))
    assert err.value.status == 503 and err.value.extensions["limit"] == 50
    with pytest.raises(ResultTooLarge):
        service.query(QueryRequest("CONSTRUCT WHERE { ?s ?p ?o }", accept="text/turtle"))


def test_writes_are_seen_at_once(service: QueryService) -> None:
    q = QueryRequest(f"ASK {{ <{EX}new> ?p ?o }}")
    assert service.query(q).body.endswith(b"false}")
    gen = service.pool.generation
    insert = f"INSERT DATA {{ GRAPH <{EX}g3> {{ <{EX}new> <{EX}p> 1 }} }}"
    service.write(lambda st: st.update(insert))
    assert service.pool.generation == gen + 1
    assert service.query(q).body.endswith(b"true}")
    service.update(f"DELETE DATA {{ GRAPH <{EX}g3> {{ <{EX}new> <{EX}p> 1 }} }}")
    assert service.query(q).body.endswith(b"false}")


def test_syntax_error_has_line_and_column(service: QueryService) -> None:
    with pytest.raises(QuerySyntaxError) as err:
        service.query("SELECT *\nWHERE { ?s ?p }")
    assert err.value.line == 2 and err.value.column is not None
    assert "line 2" in err.value.detail


def test_dataset_rules(service: QueryService) -> None:
    count = "SELECT (COUNT(*) AS ?n) {{ {} }}"
    union = service.query(QueryRequest(count.format("?s ?p ?o"), accept="text/csv")).body
    assert union.split()[-1] == b"200"  # default graph = union of the named graphs
    one = service.query(QueryRequest(count.format("?s ?p ?o"), accept="text/csv",
                                     default_graph_uris=(EX + "g1",))).body
    assert one.split()[-1] == b"100"
    frm = service.query(QueryRequest(f"SELECT (COUNT(*) AS ?n) FROM <{EX}g2> {{ ?s ?p ?o }}",
                                     accept="text/csv")).body
    assert frm.split()[-1] == b"100"
    named_only = service.query(QueryRequest(count.format("?s ?p ?o"), accept="text/csv",
                                            named_graph_uris=(EX + "g1",))).body
    assert named_only.split()[-1] == b"0"  # protocol dataset without default graph: empty


def test_disk_store_queries_a_mirror(tmp_path) -> None:
    disk = OxigraphStore(tmp_path / "db")
    disk.load(b"<http://example.org/a> <http://example.org/p> 1 .", ox.RdfFormat.TURTLE,
              EX + "g")
    svc = QueryService(Settings(build_on_start=False, workers=1), disk)
    try:
        assert svc.mode == "mirror"
        assert svc.query("ASK { <http://example.org/a> ?p ?o }").body.endswith(b"true}")
        svc.update("INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/b> "
                   "<http://example.org/p> 2 } }")
        assert svc.query("ASK { <http://example.org/b> ?p ?o }").body.endswith(b"true}")
        assert len(disk) == 2  # the write went to the disk store itself
    finally:
        svc.close()
        disk.close()


def test_disk_store_validations_read_the_mirror(tmp_path) -> None:
    """Validation jobs are forked children: one reading RocksDB got "Bad file descriptor"
    (every Graph Store write and /validate failed with an on-disk store)."""
    disk = OxigraphStore(tmp_path / "db")
    disk.ox.bulk_extend(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "p"),
                                ox.NamedNode(EX + "a"), ox.NamedNode(EX + "old"))
                        for i in range(5000))
    disk.ox.flush()  # on disk in SST files, which a child must read with its own descriptors
    svc = QueryService(Settings(build_on_start=False, workers=1, tokens={"editor": "t"}), disk)
    data = [ox.Quad(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "p"), ox.Literal("1"))]
    try:
        assert svc.validate([ParsedInput(data, "test", ox.RdfFormat.N_TRIPLES, {})]).conforms
        for n in range(3):  # each write refreshes the mirror the next validation reads
            svc.write_graph(data, graph=f"{EX}g{n}", mode="replace", principal="editor",
                            source="test")
        assert svc.has_graph(EX + "g2") and len(disk) > 5003
    finally:
        svc.close()
        disk.close()


@pytest.mark.parametrize("sparql", [
    "SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * { ?s ?p ?o OPTIONAL { SERVICE SILENT <http://evil.example/q> { ?s ?q ?r } } }",
    "SELECT * { SERVICE ?endpoint { ?s ?p ?o } }",
    "PREFIX ex: <http://example.org/> ASK { FILTER EXISTS { SERVICE ex:q { ?s ?p ?o } } }",
])
def test_service_is_blocked_before_running(service: QueryService, sparql: str) -> None:
    with pytest.raises(ForbiddenService):
        service.query(sparql)


def test_remote_store_runs_inline(built_store) -> None:
    """A store that is not an embedded Oxigraph store is queried in the request thread."""

    class Wrapped(type(built_store).__mro__[1]):  # a GraphStore that is not OxigraphStore
        def __init__(self, inner):
            self.inner = inner

        def query(self, sparql, **kw):
            return self.inner.query(sparql, **kw)

        def update(self, sparql, *, base_iri=None):
            self.inner.update(sparql, base_iri=base_iri)

        def load(self, data, fmt, graph, *, source=""):
            self.inner.load(data, fmt, graph, source=source)

        def clear_graph(self, graph):
            self.inner.clear_graph(graph)

        def quads(self, graph=None):
            return self.inner.quads(graph)

        def named_graphs(self):
            return self.inner.named_graphs()

        def __len__(self):
            return len(self.inner)

    svc = QueryService(Settings(build_on_start=False), Wrapped(built_store))
    assert svc.mode == "inline" and svc.pool is None
    assert svc.query("ASK { ?s ?p ?o }").body.endswith(b"true}")


@pytest.fixture()
def no_network(monkeypatch):
    """Every outgoing connection attempt from this process is recorded and refused."""
    import socket

    attempts: list = []
    real_connect = socket.socket.connect

    def refuse(*args, **kwargs):
        attempts.append(args[:1])
        raise OSError("network access attempted in a test")

    def connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            attempts.append(address)
            raise OSError("network access attempted in a test")
        return real_connect(sock, address)

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", connect)
    return attempts


def test_load_silent_outside_the_allowlist_is_a_no_op(service: QueryService, no_network,
                                                      monkeypatch) -> None:
    """SPARQL 1.1 Update: LOAD SILENT never fails; the rest of the request still runs.

    Nothing is fetched: the LOAD sources include a listening socket on 127.0.0.1 that must
    receive no connection (pyoxigraph fetches in Rust, past any Python socket patch), and the
    text pyoxigraph receives holds no LOAD at all.
    """
    import socket

    sent: list[str] = []
    real_update = service.store.update
    monkeypatch.setattr(service.store, "update",
                        lambda text, **kw: (sent.append(text), real_update(text, **kw))[1])
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        listener.setblocking(False)
        port = listener.getsockname()[1]
        before = len(service.store)
        service.update(f"INSERT DATA {{ GRAPH <{EX}g3> {{ <{EX}a> <{EX}p> 1 }} }} ;\n"
                       f"LOAD SILENT <http://127.0.0.1:{port}/data.ttl> ;\n"
                       "LOAD # comment\n silent <somescheme://x/y> INTO GRAPH <http://e/g> ;\n"
                       f"LOAD SILENT <http://127.0.0.1:{port}/d2> INTO GRAPH <http://e/g> ;\n"
                       f"INSERT DATA {{ GRAPH <{EX}g3> {{ <{EX}b> <{EX}p> 2 }} }}")
        with pytest.raises(BlockingIOError):
            listener.accept()  # no connection was ever attempted
    assert len(service.store) == before + 2  # the other operations ran
    assert "http://e/g" not in service.store.named_graphs()
    assert len(sent) == 1 and "LOAD" not in sent[0].upper()
    assert no_network == []


def test_load_without_silent_refuses_the_whole_request(service: QueryService,
                                                       no_network) -> None:
    before = len(service.store)
    with pytest.raises(ForbiddenService) as err:
        service.update(f"INSERT DATA {{ <{EX}a> <{EX}p> 1 }} ; "
                       "LOAD SILENT <http://www.example.com/a.ttl> ; "
                       "LOAD <http://www.example.com/b.ttl>")
    assert err.value.extensions["target"] == "http://www.example.com/b.ttl"
    assert len(service.store) == before and no_network == []


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_workers_do_not_inherit_the_servers_descriptors() -> None:
    """A worker holds no socket or pipe the serving process opened before forking it."""
    import socket
    from multiprocessing.connection import wait

    def identities(pid: int) -> set[str]:
        out = set()
        for name in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                out.add(os.readlink(f"/proc/{pid}/fd/{name}"))
        return out

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    r, w = os.pipe()
    svc = QueryService(Settings(build_on_start=False, query_timeout=5, workers=2), _store())
    try:
        svc.query(VIA_PROCESS)  # the worker has started and answered
        worker = svc.pool._idle[0]  # noqa: SLF001
        held = identities(worker.pid)
        theirs = {os.readlink(f"/proc/self/fd/{fd}") for fd in (listener.fileno(), r, w)}
        assert theirs.isdisjoint(held), theirs & held
        # its own pipe is kept: the pool sees it alive, and learns how it ended
        assert svc.query(VIA_PROCESS).body.endswith(b"true}")
        assert wait([worker.pidfd], timeout=0) == [] and worker.alive()
        assert worker.kill() == -9
    finally:
        svc.close()
        listener.close()
        os.close(r)
        os.close(w)


def test_sigterm_kills_a_worker_even_with_a_hanging_server_handler() -> None:
    """A SIGTERM to the process group must end a worker at once, never run the serving
    process's own handler in it (granian's hung there and left orphans behind)."""
    import signal
    from multiprocessing.connection import wait

    hung = []
    previous = signal.signal(signal.SIGTERM, lambda *_: hung.append(time.sleep(3600)))
    svc = QueryService(Settings(build_on_start=False, query_timeout=5, workers=1), _store())
    try:
        svc.pool.prewarm()
        worker = (svc.pool._idle or [None])[0]  # noqa: SLF001
        assert worker is not None
        os.kill(worker.pid, signal.SIGTERM)
        assert wait([worker.pidfd], timeout=5) == [worker.pidfd]
        assert worker.zygote.exitcode(worker.pid, 5) == -signal.SIGTERM
        # blocked only around the fork: the serving thread receives signals again
        assert signal.SIGTERM not in signal.pthread_sigmask(signal.SIG_BLOCK, set())
    finally:
        svc.close()
        signal.signal(signal.SIGTERM, previous)


def test_repeated_answers_come_from_the_cache_until_a_write(service: QueryService) -> None:
    q = QueryRequest(f"SELECT ?o {{ <{EX}s1> ?p ?o }}", accept="text/csv")
    def evaluated() -> int:  # by a query process, or in this process (a bounded read)
        return service.pool.stats.queries + service.inline_answers

    first = service.query(q)
    served = evaluated()
    assert service.query(q).body == first.body
    assert evaluated() == served  # not evaluated again
    other = service.query(QueryRequest(q.sparql, accept="application/sparql-results+json"))
    assert other.body != first.body and evaluated() == served + 1
    service.update(f"INSERT DATA {{ GRAPH <{EX}g1> {{ <{EX}s1> <{EX}p> \"new\" }} }}")
    assert b"new" in service.query(q).body
    assert service.cache.status()["hits"] >= 1


def test_volatile_and_remote_queries_are_never_reused(service: QueryService) -> None:
    for text in ("SELECT (RAND() AS ?r) {}", "SELECT (STRUUID() AS ?u) {}",
                 "SELECT (now () AS ?t) {}", f"SELECT * {{ SERVICE <{EX}sparql> {{ ?s ?p ?o }} }}"):
        assert service.cache_key(QueryRequest(text)) is None
        assert service.etag(QueryRequest(text)) is None
    a = service.query("SELECT (RAND() AS ?r) {}").body
    b = service.query("SELECT (RAND() AS ?r) {}").body
    assert a != b


def test_etag_changes_with_the_request_and_the_generation(service: QueryService) -> None:
    q = QueryRequest("ASK {}")
    tag = service.etag(q)
    assert tag == service.etag(QueryRequest("ASK {}"))
    assert tag != service.etag(QueryRequest("ASK {}", accept="text/csv"))
    assert tag != service.etag(QueryRequest("ASK {}", default_graph_uris=(EX + "g1",)))
    service.write(lambda st: None)
    assert service.etag(q) != tag


def test_cache_is_bounded_in_bytes() -> None:
    from wsis_kg.rdf.formats import RESULT_FORMATS
    from wsis_kg.sparql.cache import ResultCache
    from wsis_kg.sparql.evaluate import QueryResult

    cache = ResultCache(80_000)
    for i in range(20):
        cache.put((0, f"q{i}"), QueryResult(b"x" * 5_000, RESULT_FORMATS[0], "solutions"))
    st = cache.status()
    assert st["bytes"] <= 80_000 and 0 < st["entries"] < 20
    assert cache.get((0, "q19")) is not None and cache.get((0, "q0")) is None
    cache.put((0, "big"), QueryResult(b"x" * 20_000, RESULT_FORMATS[0], "solutions"))
    assert cache.get((0, "big")) is None  # over an eighth of the cache: not kept


def _write_state(svc: QueryService) -> tuple:
    st = svc.status()
    return st["generation"], st["cache"]["entries"], st["forked"], len(svc.store)


def test_a_refused_write_leaves_generation_cache_and_workers_as_they_were(
        service: QueryService) -> None:
    service.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{EX}p> ?o }}")
    before = _write_state(service)
    assert before[1] == 1
    with pytest.raises(QuerySyntaxError):
        service.update("INSERT DATA { <urn:a> <urn:b> ")
    with pytest.raises(ValidationFailed):
        service.write(lambda st: (_ for _ in ()).throw(ValidationFailed("refused")))
    assert _write_state(service) == before
    service.update(f"INSERT DATA {{ <{EX}new> <{EX}p> 'x' }}")
    gen, entries, forked, size = _write_state(service)
    assert (gen, entries, size) == (before[0] + 1, 0, before[3] + 1) and forked > before[2]


def test_an_update_failing_half_way_changes_nothing(service: QueryService) -> None:
    """Oxigraph applies one update request in one transaction: a later failing operation
    undoes the earlier ones, so write() may leave the generation alone."""
    service.update(f"CREATE GRAPH <{EX}made>")
    before = _write_state(service)
    with pytest.raises(StoreError):
        service.update(f"INSERT DATA {{ <{EX}half> <{EX}p> 'x' }} ; CREATE GRAPH <{EX}made>")
    assert _write_state(service) == before
    assert not list(service.store.ox.quads_for_pattern(ox.NamedNode(EX + "half"), None, None))
