"""The buffering RSGI front's event-loop lane: a SPARQL GET that needs no waiting is answered on
the loop, byte for byte as on a request thread; one that would wait is handed on untouched."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from types import SimpleNamespace
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from flask import Flask

from wsis_kg.errors import NeedsProcess
from wsis_kg.settings import Settings
from wsis_kg.sparql.service import NON_BLOCKING
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.web import close_app, create_app
from wsis_kg.web.extension import EXTENSION_KEY
from wsis_kg.web.rsgi import BufferedWSGI

EX = "http://example.org/"
LOOKUP = f"SELECT ?p ?o WHERE {{ <{EX}s1> ?p ?o }}"
JOIN = f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?x . ?x <{EX}p> ?o }}"


@pytest.fixture()
def app(settings: Settings) -> Iterator[Flask]:
    store = OxigraphStore()
    store.ox.bulk_extend(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "p"),
                                 ox.NamedNode(f"{EX}s{i + 1}"), ox.NamedNode(EX + "g"))
                         for i in range(50))
    a = create_app(settings.with_(workers=1, query_cache_bytes=0, search=False), store=store)
    yield a
    close_app(a)


def _scope(query: str, method: str = "GET", accept: str = "application/sparql-results+json"):
    return SimpleNamespace(
        proto="http", method=method, path="/sparql", query_string="query=" + quote(query, safe=""),
        server="127.0.0.1:8080", client="127.0.0.1:50000", scheme="http", http_version="1.1",
        headers={"host": "127.0.0.1:8080", "accept": accept})


class _Proto:
    def __init__(self) -> None:
        self.sent: tuple | None = None

    def response_bytes(self, status: int, headers: list, body: bytes) -> None:
        self.sent = (status, headers, body)


def _serve(front: BufferedWSGI, scope) -> tuple[int, dict, bytes]:
    proto = _Proto()
    asyncio.run(front.__rsgi__(scope, proto))
    assert proto.sent is not None
    status, headers, body = proto.sent
    return status, dict(headers), body


@pytest.mark.parametrize("query", ["ASK {}", LOOKUP, f"ASK {{ <{EX}s1> ?p ?o }}"])
def test_bounded_reads_are_answered_on_the_loop_as_on_a_thread(app: Flask, settings: Settings,
                                                                query: str) -> None:
    front = BufferedWSGI(app, settings, threads=2)
    try:
        on_loop = front.run_on_loop(front.environ(_scope(query), None))
        assert on_loop is not None
        on_thread = front.run(front.environ(_scope(query), None))
        assert on_loop[0] == on_thread[0] == 200
        assert on_loop[2] == on_thread[2]
        assert dict(on_loop[1]) == dict(on_thread[1])
    finally:
        front.pool.shutdown()


def test_a_query_that_would_wait_is_handed_to_a_thread_and_counted_once(
        app: Flask, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """On the loop a join must never reach a query process (that wait would stop every other
    connection); it is refused there before anything is counted, and answered on a thread."""
    svc = app.extensions[EXTENSION_KEY].queries
    ran_on: list[bool] = []
    real_run = svc.pool.run

    def spy(req, timeout):
        ran_on.append(NON_BLOCKING.get())
        return real_run(req, timeout)

    monkeypatch.setattr(svc.pool, "run", spy)
    front = BufferedWSGI(app, settings, threads=2)
    try:
        assert front.run_on_loop(front.environ(_scope(JOIN), None)) is None
        assert ran_on == []
        status, headers, body = _serve(front, _scope(JOIN))
        assert status == 200 and ran_on == [False]
        assert len(list(ox.parse_query_results(body, ox.QueryResultsFormat.JSON))) == 49
        metrics = app.test_client().get("/metrics").get_data(as_text=True)
        counted = [line for line in metrics.splitlines()
                   if line.startswith("wsis_kg_http_requests_total{")
                   and 'route="/sparql"' in line and 'method="GET"' in line]
        assert len(counted) == 1 and counted[0].endswith(" 1.0"), counted
    finally:
        front.pool.shutdown()


def test_the_loop_lane_is_off_with_rate_limits(app: Flask, settings: Settings) -> None:
    """A request tried on the loop and then on a thread would pass the limiter twice."""
    front = BufferedWSGI(app, settings.with_(rate_limit=100.0), threads=1)
    try:
        assert not front._on_loop(_scope("ASK {}"))  # noqa: SLF001
        assert BufferedWSGI(app, settings, threads=1)._on_loop(_scope("ASK {}"))  # noqa: SLF001
    finally:
        front.pool.shutdown()


def test_waiting_raises_instead_under_non_blocking(app: Flask) -> None:
    svc = app.extensions[EXTENSION_KEY].queries
    token = NON_BLOCKING.set(True)
    try:
        with pytest.raises(NeedsProcess):
            svc.query(JOIN)
        assert svc.query("ASK {}").body  # bounded: answered
    finally:
        NON_BLOCKING.reset(token)
    assert svc.query(JOIN).body  # the same query, allowed to wait


def test_a_query_mentioning_service_is_not_checked_on_the_loop(app: Flask,
                                                               monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    """The guard parses such a text fully (rdflib: up to seconds for a long one): that parse
    must not stop the event loop, so it is refused there and done on a request thread."""
    from wsis_kg.sparql import service as service_module

    checked: list[bool] = []
    real = service_module.check_remote_access

    def spy(sparql, allow):
        checked.append(NON_BLOCKING.get())
        return real(sparql, allow)

    monkeypatch.setattr(service_module, "check_remote_access", spy)
    svc = app.extensions[EXTENSION_KEY].queries
    text = f"ASK {{ <{EX}s1> ?p ?o }} # SERVICE <http://example.org/q>"
    token = NON_BLOCKING.set(True)
    try:
        with pytest.raises(NeedsProcess):
            svc.query(text)
    finally:
        NON_BLOCKING.reset(token)
    assert svc.query(text).body and checked == [False]


GROUPED = f"SELECT ?s WHERE {{ ?s <{EX}p> ?o OPTIONAL {{ ?o <{EX}p> ?x }} }}"


def test_a_query_of_several_groups_is_not_tried_on_the_loop(app: Flask, settings: Settings,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    """Such a query can never be a bounded read: with the answer cache off it goes straight
    to a thread (tried on the loop it would be read twice)."""
    front = BufferedWSGI(app, settings, threads=2)
    tried: list[str] = []
    real = front.run_on_loop
    monkeypatch.setattr(front, "run_on_loop", lambda environ: tried.append("x") or real(environ))
    try:
        assert _serve(front, _scope(GROUPED))[0] == 200
        assert tried == []
        assert _serve(front, _scope(LOOKUP))[0] == 200
        assert tried == ["x"]
    finally:
        front.pool.shutdown()


def test_a_remembered_answer_of_any_query_is_sent_from_the_loop(settings: Settings) -> None:
    store = OxigraphStore()
    store.ox.add(ox.Quad(ox.NamedNode(f"{EX}s1"), ox.NamedNode(EX + "p"), ox.NamedNode(f"{EX}s2"),
                         ox.NamedNode(EX + "g")))
    cached = create_app(settings.with_(workers=1, search=False), store=store)
    front = BufferedWSGI(cached, settings, threads=2)
    try:
        environ = front.environ(_scope(GROUPED), None)
        assert not front.at_once(environ)
        first = _serve(front, _scope(GROUPED))  # on a thread: its answer is now remembered
        assert front.at_once(front.environ(_scope(GROUPED), None))
        again = front.run_on_loop(front.environ(_scope(GROUPED), None))
        assert again is not None and again[2] == first[2]
    finally:
        front.pool.shutdown()
        close_app(cached)
