"""Bounded reads answered in the serving process (wsis_kg.sparql.bounded): what is recognised,
that the answers are the query processes' own, and that the limits still hold."""

from __future__ import annotations

import os
import threading
import time

import pyoxigraph as ox
import pytest

from wsis_kg.errors import QueryTimeout, ResultTooLarge, ServiceBusy, WsisError
from wsis_kg.namespaces import PREFIXES
from wsis_kg.rdf import formats
from wsis_kg.settings import Settings
from wsis_kg.sparql import bounded
from wsis_kg.sparql.bounded import ASK, DESCRIBE, SELECT, shape
from wsis_kg.sparql.evaluate import QueryRequest
from wsis_kg.sparql.service import QueryService
from wsis_kg.store.embedded import OxigraphStore

EX = "http://example.org/"
LOOKUP = f"SELECT ?p ?o WHERE {{ <{EX}s1> ?p ?o }}"


@pytest.mark.parametrize("text, form", [
    ("ASK {}", ASK), ("ask where { }", ASK), ("ASK{}", ASK),
    (f"ASK {{ <{EX}s1> ?p ?o }}", ASK),
    (LOOKUP, SELECT),
    (f"select * {{ <{EX}s1> ?p ?o . }}", SELECT),
    (f"SELECT ?s WHERE {{ ?s a <{EX}C> }} LIMIT 10", SELECT),
    (f'PREFIX ex: <{EX}>\nSELECT ?s {{ ?s ex:p "x"@en }}', SELECT),
    (f'SELECT ?s {{ ?s ?p "1"^^<{EX}int> }}', SELECT),
    ("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", SELECT),
    (f"DESCRIBE <{EX}s1>", DESCRIBE), (f"describe <{EX}s1> <{EX}s2>", DESCRIBE),
    (f"PREFIX ex: <{EX}>\nDESCRIBE ex:s1", DESCRIBE),
    (f"# title: a catalogue header\nDESCRIBE <{EX}s1> # a comment", DESCRIBE),
    ("SELECT ?s WHERE { ?s ?p ?o # a comment }\n}", SELECT),  # the comment hides no brace
])
def test_bounded_shapes_are_recognised(text: str, form: str) -> None:
    found = shape(text)
    assert found is not None and found.form == form


@pytest.mark.parametrize("text", [
    "SELECT ?s WHERE { ?s ?p ?s }",  # a repeated variable scans every match to find one
    "SELECT ?s WHERE { $s ?p ?s }",
    f"SELECT ?s WHERE {{ ?s <{EX}p>* ?o }}",  # paths
    f"SELECT ?s WHERE {{ ?s !<{EX}p> ?o }}",
    f"SELECT ?s WHERE {{ ?s <{EX}p>/<{EX}q> ?o }}",
    f"SELECT ?s WHERE {{ ?s ^<{EX}p> ?o }}",
    "SELECT DISTINCT ?s WHERE { ?s ?p ?o }",  # read everything before the first row
    "SELECT REDUCED ?s WHERE { ?s ?p ?o }",
    "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s",
    "SELECT ?s WHERE { ?s ?p ?o } GROUP BY ?s",
    "SELECT ?s WHERE { ?s ?p ?o } OFFSET 5",
    "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1.5",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT ?s WHERE { ?s ?p ?o . ?o ?q ?r }",  # joins
    "SELECT ?s WHERE { ?s ?p ?o ; ?q ?r }",
    "SELECT ?s WHERE { ?s ?p ?o , ?r }",
    "SELECT ?s WHERE { ?s ?p ?o FILTER(?o > 1) }",
    "SELECT ?s WHERE { ?s ?p ?o OPTIONAL { ?o ?q ?r } }",
    "SELECT ?s WHERE { { ?s ?p ?o } UNION { ?o ?p ?s } }",
    "SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } }",
    "SELECT ?s WHERE { ?s ?p [] }", "SELECT ?s WHERE { ?s ?p _:b }",  # blank nodes
    "SELECT ?s FROM <http://e/g> WHERE { ?s ?p ?o }",
    "SELECT ?s WHERE { ?s ?p ?o # a comment }\n",  # the only closing brace is commented out
    "SELECT ?s WHERE { ?s ?p -1 }",
    "SELECT ?s WHERE { ?s A ?o }",
    "SELECT ?s WHERE { ?s ?p ?o } VALUES ?s { <http://e/a> }",
    "SELECT ?s WHERE { SERVICE <http://e/> { ?s ?p ?o } }",
    "CONSTRUCT WHERE { ?s ?p ?o }", "DESCRIBE ?s WHERE { ?s ?p ?o }", "DESCRIBE *",
    f"DESCRIBE <{EX}s1> WHERE {{}}", f"DESCRIBE <{EX}s1> FROM <{EX}g1>", "DESCRIBE _:b",
    f"DESCRIBE <{EX}s1> ?s", f"DESCRIBE # <{EX}s1>\n", "DESCRIBE",
    "ASK { ?s ?p ?o . ?o ?q ?r }", "INSERT DATA { <http://e/a> <http://e/b> 1 }",
    "SELECT ?s WHERE { ?s ?p ?o", "",
])
def test_anything_else_is_not(text: str) -> None:
    assert shape(text) is None


def _store() -> OxigraphStore:
    st = OxigraphStore()
    st.ox.bulk_extend(
        ox.Quad(ox.NamedNode(f"{EX}s{i % 7}"), ox.NamedNode(f"{EX}p{i % 3}"),
                ox.Literal(f"v{i}", language="en") if i % 2 else ox.Literal(str(i)),
                ox.NamedNode(EX + ("g1" if i % 2 else "g2")))
        for i in range(140))
    st.ox.add(ox.Quad(ox.NamedNode(f"{EX}s1"), ox.NamedNode(PREFIXES["rdf"] + "type"),
                      ox.NamedNode(f"{EX}C"), ox.DefaultGraph()))
    return st


@pytest.fixture(scope="module")
def services():
    """The same store behind a service answering bounded reads in-process and one sending every
    query to a query process (budget 0); answer cache off in both."""
    st = _store()
    base = Settings(build_on_start=False, query_cache_bytes=0, result_limit=30, workers=1)
    inline = QueryService(base, st)
    hop = QueryService(base.with_(inline_query_budget=0.0), st)
    yield inline, hop
    inline.close()
    hop.close()


SAME = [
    QueryRequest(LOOKUP),
    QueryRequest("ASK {}"), QueryRequest(f"ASK {{ <{EX}s1> ?p ?o }}"),
    QueryRequest(f"ASK {{ <{EX}nothing> ?p ?o }}"),
    QueryRequest(f"SELECT * WHERE {{ <{EX}s2> <{EX}p1> ?o }}"),
    QueryRequest(f"SELECT ?s WHERE {{ ?s a <{EX}C> }}"),
    QueryRequest(f'PREFIX ex: <{EX}> SELECT ?s ?p {{ ?s ?p "v1"@en }}'),
    QueryRequest(f"PREFIX ex: <{EX}> SELECT ?o {{ ex:s3 ex:p0 ?o }} LIMIT 2"),
    QueryRequest("SELECT ?o { <s4> <p1> ?o }", base_iri=EX),  # relative: the engine resolves
    QueryRequest("SELECT ?p ?o { wsisid:x ?p ?o }", project_prefixes=True),
    QueryRequest(LOOKUP, default_graph_uris=(EX + "g1",)),
    QueryRequest(LOOKUP, union_default_graph=False),
    QueryRequest("SELECT ?s ?p ?o { ?s ?p ?o }"),  # 141 rows: over the cap
    QueryRequest(f"SELECT ?p ?o {{ <{EX}s1> <{EX}p0> ?o }}"),  # ?p unbound in every row
    QueryRequest("SELECT ?o { undeclared:x ?p ?o }"),  # a syntax error
    QueryRequest(f"DESCRIBE <{EX}s1>"), QueryRequest(f"DESCRIBE <{EX}nothing>"),
    QueryRequest(f"PREFIX ex: <{EX}> DESCRIBE ex:s2 ex:s3"),  # 40 triples: over the cap
    QueryRequest(f"DESCRIBE <{EX}s1>", default_graph_uris=(EX + "g1",)),
    QueryRequest(f"DESCRIBE <{EX}s1>", union_default_graph=False),
    QueryRequest("DESCRIBE undeclared:x"),  # a syntax error
    QueryRequest(f"# a header\nSELECT ?o {{ <{EX}s1> ?p ?o # a }}}} comment\n}}"),
]


def _outcome(svc: QueryService, req: QueryRequest) -> tuple:
    try:
        r = svc.query(req)
        return ("ok", r.body, r.content_type, r.kind)
    except WsisError as e:
        return ("error", type(e).__name__, e.detail, e.extensions)


#: Every request in every results format; each DESCRIBE also in every graph format.
CASES = ([(r, f.media_type) for r in SAME for f in formats.RESULT_FORMATS]
         + [(r, f.media_type) for r in SAME if "DESCRIBE" in r.sparql
            for f in formats.GRAPH_FORMATS])


@pytest.mark.parametrize("req, fmt", CASES,
                         ids=lambda x: x.sparql[:40] if isinstance(x, QueryRequest) else x)
def test_the_same_answers_as_the_query_processes(services, req: QueryRequest,
                                                 fmt: str) -> None:
    inline, hop = services
    req = QueryRequest(**{**req.__dict__, "format": fmt})
    before = (inline.inline_answers, inline.pool.stats.queries)
    expected = _outcome(hop, req)
    assert _outcome(inline, req) == expected
    assert hop.inline_answers == 0
    if expected[0] == "ok":  # answered in the serving process, not by a query process
        assert inline.inline_answers == before[0] + 1
        assert inline.pool.stats.queries == before[1]


def test_over_the_cap_is_refused_without_a_query_process(services) -> None:
    inline, _ = services
    queries = inline.pool.stats.queries
    with pytest.raises(ResultTooLarge):
        inline.query(QueryRequest("SELECT * WHERE { ?s ?p ?o }"))
    assert inline.pool.stats.queries == queries


def test_a_write_under_way_sends_reads_to_a_query_process(services) -> None:
    inline, _ = services
    answers, queries = inline.inline_answers, inline.pool.stats.queries

    def write(store) -> None:
        inline.query(QueryRequest(LOOKUP))  # a write is under way: not read in this process
        raise ResultTooLarge("refused on purpose: nothing changes")

    with pytest.raises(ResultTooLarge):
        inline.write(write)
    assert inline.inline_answers == answers and inline.pool.stats.queries == queries + 1
    inline.query(QueryRequest(LOOKUP))
    assert inline.inline_answers == answers + 1


def test_a_describe_counted_past_the_budget_is_handed_over() -> None:
    """A DESCRIBE is counted by its own lazy triples, with the clock read as for a SELECT: past
    the budget, :func:`bounded.run` gives it up (None) for a query process."""
    st = OxigraphStore()
    st.ox.bulk_load(many_quads(100), format=ox.RdfFormat.N_QUADS)
    st.ox.bulk_extend(ox.Quad(ox.NamedNode(f"{EX}s"), ox.NamedNode(f"{EX}p"), ox.Literal(i),
                              ox.NamedNode(f"{EX}g")) for i in range(100))
    req = QueryRequest(f"DESCRIBE <{EX}s>", accept="application/n-triples")
    assert bounded.run(st.ox, req, None, budget=-1.0) is None
    answer = bounded.run(st.ox, req, None, budget=1.0)
    assert answer is not None and answer.body.count(b"\n") == 100


@pytest.mark.slow
def test_past_the_budget_a_query_process_stops_it_at_the_deadline() -> None:
    """A recognised read whose count outlasts the budget goes to a query process, with the
    rest of its time limit: killed there (503), its CPU freed, like any query."""
    st = OxigraphStore()
    st.ox.bulk_load(many_quads(300_000), format=ox.RdfFormat.N_QUADS)
    svc = QueryService(Settings(build_on_start=False, query_cache_bytes=0, workers=1,
                                query_timeout=0.15, result_limit=10_000_000), st)
    try:
        t0 = time.monotonic()
        with pytest.raises(QueryTimeout):
            svc.query(QueryRequest("SELECT * WHERE { ?s ?p ?o }"))
        assert time.monotonic() - t0 < 2.0
        assert svc.inline_handed_over == 1 and svc.inline_answers == 0
        assert svc.pool.stats.killed_on_timeout == 1
        for pid in svc.pool.stats.pids[:-1]:
            assert _gone(pid)
    finally:
        svc.close()


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def many_quads(n: int) -> bytes:
    """``n`` distinct quads as N-Quads (parsed by the store far faster than built in Python)."""
    return "".join(f'<{EX}s{i}> <{EX}p> "a longer literal value {i}" <{EX}g> .\n'
                   for i in range(n)).encode()


@pytest.mark.slow
def test_a_bounded_read_needs_no_free_query_process() -> None:
    """While every query process is busy with a runaway query, a look-up is still answered
    (a query needing a process would be refused with 503 + Retry-After)."""
    svc = QueryService(Settings(build_on_start=False, query_cache_bytes=0, workers=1,
                                query_timeout=2.0, long_queries=0, query_long_after=10.0),
                       _store())
    runaway = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    try:
        t = threading.Thread(target=lambda: pytest.raises(QueryTimeout, svc.query,
                                                          QueryRequest(runaway)))
        t.start()
        time.sleep(0.3)
        assert b"s1" in svc.query(QueryRequest(f"SELECT ?s {{ ?s a <{EX}C> }}")).body
        with pytest.raises(ServiceBusy):
            svc.query(QueryRequest(f"SELECT ?s {{ ?s a <{EX}C> . ?s ?p ?o }}"))
        t.join()
    finally:
        svc.close()


def test_reads_in_this_process_see_every_write(tmp_path) -> None:
    """On-disk store (mirror mode) and in-memory store: a bounded read answered here sees a
    write at once, like a query process forked after it."""
    for st in (OxigraphStore(tmp_path / "store"), OxigraphStore()):
        svc = QueryService(Settings(build_on_start=False, workers=1), st)
        try:
            q = QueryRequest(f"SELECT ?o {{ <{EX}new> <{EX}p> ?o }}", format="csv")
            assert svc.query(q).body == b"o\r\n"
            svc.update(f'INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}new> <{EX}p> "written" }} }}')
            assert svc.query(q).body == b"o\r\nwritten\r\n"
            assert svc.inline_answers == 2 and svc.pool.stats.queries == 0
        finally:
            svc.close()
            st.close()
