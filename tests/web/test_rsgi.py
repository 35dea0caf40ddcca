"""The buffering RSGI front's event-loop lane: a SPARQL GET runs on the loop in a greenlet,
byte for byte as on a request thread; the wait for a query process is a reader on the loop (no
thread), other waits run on a request thread, and the loop serves other requests meanwhile."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from flask import Flask

from wsis_kg.settings import Settings
from wsis_kg.sparql.waiting import WAITER, on_loop
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.web import close_app, create_app
from wsis_kg.web.extension import EXTENSION_KEY
from wsis_kg.web.rsgi import BufferedWSGI

EX = "http://example.org/"
LOOKUP = f"SELECT ?p ?o WHERE {{ <{EX}s1> ?p ?o }}"
JOIN = f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?x . ?x <{EX}p> ?o }}"
#: A query that keeps a query process busy for a while (50⁴ rows counted): ≈0.5–2 s here.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def _chain_app(settings: Settings, **overrides) -> Flask:
    """An app over a chain of 50 triples (s0 → s1 → … → s50), one query process, no cache."""
    store = OxigraphStore()
    store.ox.bulk_extend(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "p"),
                                 ox.NamedNode(f"{EX}s{i + 1}"), ox.NamedNode(EX + "g"))
                         for i in range(50))
    return create_app(settings.with_(workers=1, query_cache_bytes=0, search=False, **overrides),
                      store=store)


@pytest.fixture()
def app(settings: Settings) -> Iterator[Flask]:
    a = _chain_app(settings)
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


async def _answer(front: BufferedWSGI, scope) -> tuple[int, dict, bytes]:
    proto = _Proto()
    await front.__rsgi__(scope, proto)
    assert proto.sent is not None
    status, headers, body = proto.sent
    return status, dict(headers), body


def _serve(front: BufferedWSGI, scope) -> tuple[int, dict, bytes]:
    return asyncio.run(_answer(front, scope))


class _CountingExecutor(ThreadPoolExecutor):
    """The front's request threads, counting what is given to them."""

    def __init__(self) -> None:
        super().__init__(2, thread_name_prefix="test-request")
        self.given: list[str] = []

    def submit(self, fn, /, *args, **kwargs):
        self.given.append(getattr(fn, "__name__", repr(fn)))
        return super().submit(fn, *args, **kwargs)


def _front(app: Flask, settings: Settings) -> tuple[BufferedWSGI, _CountingExecutor]:
    front = BufferedWSGI(app, settings, threads=2)
    front.pool.shutdown()
    front.pool = counting = _CountingExecutor()
    return front, counting


def _get_requests_counted(app: Flask) -> list[str]:
    metrics = app.test_client().get("/metrics").get_data(as_text=True)
    return [line for line in metrics.splitlines()
            if line.startswith("wsis_kg_http_requests_total{")
            and 'route="/sparql"' in line and 'method="GET"' in line]


@pytest.mark.parametrize("query", ["ASK {}", LOOKUP, f"ASK {{ <{EX}s1> ?p ?o }}", JOIN])
def test_the_lane_answers_as_a_request_thread_does(app: Flask, settings: Settings,
                                                   query: str) -> None:
    front, _ = _front(app, settings)
    try:
        in_lane = _serve(front, _scope(query))
        on_thread = front.run(front.environ(_scope(query), None))
        assert in_lane[0] == on_thread[0] == 200
        assert in_lane[2] == on_thread[2]
        assert in_lane[1] == dict(on_thread[1])
    finally:
        front.pool.shutdown()


_Q = "query=" + quote(LOOKUP, safe="")
_HTML = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(("method", "query_string", "headers"), [
    ("GET", _Q, {}),
    ("HEAD", _Q, {"accept": "text/csv"}),
    ("GET", _Q + "&format=tsv", {}),
    ("GET", _Q + "&default-graph-uri=" + quote(EX + "g", safe=""), {}),
    ("GET", "query=" + quote("SELECT * {", safe=""), {}),  # 400, a problem
    ("GET", "query=" + quote("SELECT * {", safe=""), {"accept": _HTML}),  # Flask's page
    ("GET", _Q + "&query=ASK%7B%7D", {}),  # two queries: 400
    ("GET", _Q + "&update=x", {}),  # 403
    ("GET", "xquery=1", {}),  # no query: the service description, from Flask
    ("GET", _Q, {"if-none-match": '"nope"'}),
    ("GET", _Q + "&access_token=secret-token", {}),  # the front's refusal
    ("GET", _Q, {"accept": "image/png"}),  # 406
])
def test_the_direct_answer_is_the_wsgi_answer(settings: Settings, method: str,
                                              query_string: str, headers: dict) -> None:
    """A SPARQL GET on the loop lane skips the WSGI protocol (``App.direct``): every kind of
    answer — 200s, HEAD, formats, a dataset, errors as problems or pages, 304 candidates, the
    front's refusals — is the one the WSGI path gives, counted once in the metrics."""
    app = _chain_app(settings, tokens={"secret-token": "editor"})
    try:
        front, _ = _front(app, settings)

        def environ():
            scope = SimpleNamespace(
                proto="http", method=method, path="/sparql", query_string=query_string,
                server="127.0.0.1:8080", client="127.0.0.1:50000", scheme="http",
                http_version="1.1", headers={"host": "127.0.0.1:8080", **headers})
            return front.environ(scope, None)

        direct = app.direct(environ())
        wsgi = front.run(environ())
        assert direct is not None and direct[0] == wsgi[0]
        assert direct[2] == wsgi[2] and dict(direct[1]) == dict(wsgi[1])
        metrics = app.test_client().get("/metrics").get_data(as_text=True)
        counted = [line for line in metrics.splitlines()
                   if line.startswith("wsis_kg_http_requests_total{")
                   and 'route="/sparql"' in line and f'method="{method}"' in line]
        assert sum(float(line.rsplit(" ", 1)[1]) for line in counted) == 2  # once each
    finally:
        front.pool.shutdown()
        close_app(app)


def test_behind_trusted_proxies_the_direct_answer_steps_aside(settings: Settings) -> None:
    """ProxyFix rewrites the environ before the front's checks: the WSGI path answers."""
    app = _chain_app(settings, trusted_proxies=1)
    try:
        front, _ = _front(app, settings)
        environ = front.environ(_scope(LOOKUP), None)
        assert app.direct(environ) is None and front.answer(environ)[0] == 200
    finally:
        front.pool.shutdown()
        close_app(app)


def test_a_join_waits_for_its_query_process_on_the_loop_and_is_counted_once(
        app: Flask, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The request is read once, runs in the lane, and its wait for the query process is a
    reader on the loop: no request thread is used at all."""
    svc = app.extensions[EXTENSION_KEY].queries
    in_lane: list[bool] = []
    real_run = svc.pool.run

    def spy(req, timeout):
        in_lane.append(on_loop())
        return real_run(req, timeout)

    monkeypatch.setattr(svc.pool, "run", spy)
    front, threads = _front(app, settings)
    try:
        svc.pool.prewarm(1)
        status, _, body = _serve(front, _scope(JOIN))
        assert status == 200 and in_lane == [True]
        assert len(list(ox.parse_query_results(body, ox.QueryResultsFormat.JSON))) == 49
        assert threads.given == []
        counted = _get_requests_counted(app)
        assert len(counted) == 1 and counted[0].endswith(" 1.0"), counted
    finally:
        front.pool.shutdown()


def test_a_query_by_post_runs_in_the_lane_too(app: Flask, settings: Settings) -> None:
    """Direct and form POSTs to the query endpoint (long queries, SPARQLWrapper, Comunica):
    the same lane, no request thread; an update sent there is refused as before."""
    front, threads = _front(app, settings)

    def post(content_type: str, body: bytes) -> tuple[int, dict, bytes]:
        scope = _scope("")
        scope.method, scope.query_string = "POST", ""
        scope.headers = {**scope.headers, "content-type": content_type,
                         "content-length": str(len(body))}
        proto = _Proto()

        asyncio.run(front.__rsgi__(scope, _BodyProto(proto, body)))
        status, headers, data = proto.sent
        return status, dict(headers), data

    try:
        direct = post("application/sparql-query", JOIN.encode())
        form = post("application/x-www-form-urlencoded", b"query=" + quote(JOIN).encode())
        assert direct[0] == form[0] == 200 and direct[2] == form[2]
        assert len(list(ox.parse_query_results(direct[2], ox.QueryResultsFormat.JSON))) == 49
        assert threads.given == []
        update = post("application/sparql-update", b"INSERT DATA { <x:a> <x:b> <x:c> }")
        assert update[0] == 403
    finally:
        front.pool.shutdown()


class _BodyProto:
    """granian's protocol object for a request with a body: iterated for its chunks."""

    def __init__(self, proto: _Proto, body: bytes) -> None:
        self.proto, self.body = proto, body

    def response_bytes(self, status: int, headers: list, body: bytes) -> None:
        self.proto.response_bytes(status, headers, body)

    def __aiter__(self):
        return self._chunks()

    async def _chunks(self):
        yield self.body


@pytest.mark.parametrize("loop_factory", ["asyncio", "uvloop"])
def test_a_large_answer_is_read_whole_after_the_loop_waited(settings: Settings,
                                                             loop_factory: str) -> None:
    """uvloop's reader leaves the pipe non-blocking; a multi-chunk answer was then cut
    half-way and taken for a crashed query process (503 "needed more memory") — found by the
    engines benchmark, 8 of 1,119 requests of one query."""
    uvloop = pytest.importorskip("uvloop") if loop_factory == "uvloop" else None
    store = OxigraphStore()
    store.ox.bulk_extend(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "p"),
                                 ox.Literal("a rather long literal value " * 20 + str(i)),
                                 ox.NamedNode(EX + "g")) for i in range(2000))
    app = create_app(settings.with_(workers=1, query_cache_bytes=0, search=False), store=store)
    front, _ = _front(app, settings)
    query = f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o FILTER(STRLEN(?o) > 10) }}"

    async def several() -> list[tuple[int, int]]:
        return [(r[0], len(r[2])) for r in [await _answer(front, _scope(query))
                                             for _ in range(5)]]

    try:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop if uvloop else None) as runner:
            got = runner.run(several())
        assert all(status == 200 and size > 1_000_000 for status, size in got), got
    finally:
        front.pool.shutdown()
        close_app(app)


def test_the_loop_answers_others_while_a_query_process_works(app: Flask,
                                                             settings: Settings) -> None:
    front, _ = _front(app, settings)
    done: list[str] = []

    async def one(name: str, query: str) -> int:
        status = (await _answer(front, _scope(query)))[0]
        done.append(name)
        return status

    async def both() -> list[int]:
        slow = asyncio.create_task(one("slow", SLOW))
        await asyncio.sleep(0.05)  # the slow query is now in its query process
        quick = [await one(f"quick{i}", q) for i, q in enumerate(["ASK {}", LOOKUP, JOIN])]
        return [await slow, *quick]

    try:
        assert asyncio.run(both()) == [200, 200, 200, 200]
        assert done == ["quick0", "quick1", "quick2", "slow"]
    finally:
        front.pool.shutdown()


def test_in_the_lane_a_query_is_still_stopped_at_its_time_limit(settings: Settings) -> None:
    app = _chain_app(settings, query_timeout=0.3)
    front, _ = _front(app, settings)
    pool = app.extensions[EXTENSION_KEY].queries.pool
    try:
        started = time.monotonic()
        status, headers, body = _serve(front, _scope(SLOW))
        assert status == 503 and b"did not finish within 0.3 s" in body
        assert time.monotonic() - started < 3
        assert pool.stats.killed_on_timeout == 1
        assert _serve(front, _scope(JOIN))[0] == 200  # a process is there for the next one
        assert pool.live_workers <= 1 + settings.long_queries
    finally:
        front.pool.shutdown()
        close_app(app)


def test_in_the_lane_a_long_query_goes_on_and_is_answered(settings: Settings) -> None:
    """Past ``query_long_after`` the rest of the wait (lowest priority, a replacement's fork,
    the wait to the deadline) is done on a request thread; the answer still comes."""
    app = _chain_app(settings, query_long_after=0.05)
    front, threads = _front(app, settings)
    pool = app.extensions[EXTENSION_KEY].queries.pool
    try:
        status, _, body = _serve(front, _scope(SLOW))
        assert status == 200 and b"6250000" in body
        assert "_wait_long" in threads.given and pool.stats.long_queries == 1
    finally:
        front.pool.shutdown()
        close_app(app)


def test_a_cancelled_lane_gives_its_query_process_back(app: Flask, settings: Settings) -> None:
    """If the loop cancels a request (it is closing) while the query runs, the request is
    finished without the loop and the query process is not lost."""
    front, _ = _front(app, settings)
    pool = app.extensions[EXTENSION_KEY].queries.pool

    async def cancel_it() -> None:
        task = asyncio.create_task(_answer(front, _scope(SLOW)))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    try:
        before = pool.live_workers
        asyncio.run(cancel_it())
        assert pool.live_workers <= max(before, 1)
        assert _serve(front, _scope(JOIN))[0] == 200
    finally:
        front.pool.shutdown()


def test_many_lane_requests_at_once_share_the_query_processes(app: Flask,
                                                              settings: Settings) -> None:
    """More requests than query processes: those that find none idle wait on a request
    thread (at most ``query_queue_wait``), every one is answered."""
    front, _ = _front(app, settings)

    async def many() -> list[int]:
        queries = [f"SELECT ?o WHERE {{ <{EX}s{i}> <{EX}p> ?x . ?x <{EX}p> ?o }}"
                   for i in range(12)]
        return [r[0] for r in await asyncio.gather(*(_answer(front, _scope(q))
                                                     for q in queries))]

    try:
        assert asyncio.run(many()) == [200] * 12
    finally:
        front.pool.shutdown()


def test_the_lane_is_used_with_rate_limits_and_counts_a_request_once(
        settings: Settings) -> None:
    store = OxigraphStore()
    app = create_app(settings.with_(workers=1, query_cache_bytes=0, search=False,
                                    rate_limit=0.001, rate_burst=2), store=store)
    front, _ = _front(app, settings)
    try:
        assert front._on_loop(_scope("ASK {}"), None)  # noqa: SLF001
        assert [_serve(front, _scope(q))[0] for q in ("ASK {}", JOIN, "ASK {}")] == [200, 200,
                                                                                      429]
    finally:
        front.pool.shutdown()
        close_app(app)


def test_a_query_mentioning_service_is_checked_on_a_request_thread(
        app: Flask, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The guard parses such a text fully (rdflib: up to seconds for a long one): that parse
    must not stop the event loop."""
    from wsis_kg.sparql import service as service_module

    checked: list[bool] = []
    real = service_module.check_remote_access

    def spy(sparql, allow):
        checked.append(on_loop())
        return real(sparql, allow)

    monkeypatch.setattr(service_module, "check_remote_access", spy)
    front, threads = _front(app, settings)
    try:
        text = f"ASK {{ <{EX}s1> ?p ?o }} # SERVICE <http://example.org/q>"
        assert _serve(front, _scope(text))[0] == 200
        assert checked == [False] and threads.given == ["_guarded"]
    finally:
        front.pool.shutdown()


def test_without_a_waiter_nothing_is_offloaded(app: Flask) -> None:
    """Off the loop (CLI, request threads) the service blocks as before."""
    assert WAITER.get() is None and not on_loop()
    svc = app.extensions[EXTENSION_KEY].queries
    assert svc.query(JOIN).body and svc.query("ASK {}").body


def test_a_remembered_answer_of_any_query_is_sent_from_the_loop(settings: Settings) -> None:
    store = OxigraphStore()
    store.ox.add(ox.Quad(ox.NamedNode(f"{EX}s1"), ox.NamedNode(EX + "p"), ox.NamedNode(f"{EX}s2"),
                         ox.NamedNode(EX + "g")))
    cached = create_app(settings.with_(workers=1, search=False), store=store)
    front, threads = _front(cached, settings)
    try:
        first = _serve(front, _scope(JOIN))
        again = _serve(front, _scope(JOIN))
        assert again[2] == first[2] and threads.given == []
        assert cached.extensions[EXTENSION_KEY].queries.cache.hits >= 1
    finally:
        front.pool.shutdown()
        close_app(cached)


def test_lanes_are_kept_for_the_next_requests_on_their_own_thread(app: Flask,
                                                                   settings: Settings) -> None:
    """A lane (greenlet) is reused by the next request of its thread — a new one costs ≈7 µs
    — and a request on another thread's loop gets a lane of that thread."""
    import threading

    from wsis_kg.web import rsgi

    front, _ = _front(app, settings)
    try:
        assert _serve(front, _scope(JOIN))[0] == 200
        kept = list(rsgi._idle.lanes)  # noqa: SLF001
        assert _serve(front, _scope("ASK {}"))[0] == 200
        assert rsgi._idle.lanes == kept  # noqa: SLF001
        other: list[int] = []
        t = threading.Thread(target=lambda: other.append(_serve(front, _scope(JOIN))[0]))
        t.start()
        t.join()
        assert other == [200] and rsgi._idle.lanes == kept  # noqa: SLF001
    finally:
        front.pool.shutdown()
