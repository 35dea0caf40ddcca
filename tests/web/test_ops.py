"""Operating the service: access and audit logs, /metrics, /health/live and /ready, rate
limits, and logging that no library changes at run time."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from prometheus_client.parser import text_string_to_metric_families

from wsis_kg.graph.build import build
from wsis_kg.settings import Settings
from wsis_kg.sparql.service import QueryService
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.web import close_app, create_app
from wsis_kg.web.extension import EXTENSION_KEY

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "validate"
GOOD = (FIXTURES / "inputs" / "good.ttl").read_bytes()
TOKEN = "ops-token-value"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _app(**settings):
    s = Settings(project_root=FIXTURES / "project", build_on_start=False,
                 tokens={TOKEN: "editor"}, **settings)
    store = OxigraphStore()
    build(s, store, check_shapes=False)
    return create_app(s, store=store)


@pytest.fixture()
def small_app():
    app = _app()
    yield app
    close_app(app)


def _samples(text: str) -> dict[tuple, float]:
    out = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_metrics_count_requests_by_route_and_status_fast_path_included(small_app) -> None:
    c = small_app.test_client()
    for _ in range(3):  # evaluated, then answered twice by the fast path
        assert c.get("/sparql?query=ASK%7B%7D").status_code == 200
    assert c.get("/sparql?query=NOT%20SPARQL").status_code == 400
    assert c.get("/id/nothing-here.ttl").status_code == 404
    r = c.get("/metrics")
    assert r.status_code == 200 and r.mimetype == "text/plain"
    got = _samples(r.get_data(as_text=True))
    req = "wsis_kg_http_requests_total"
    assert got[(req, (("method", "GET"), ("route", "/sparql"), ("status", "200")))] == 3
    assert got[(req, (("method", "GET"), ("route", "/sparql"), ("status", "400")))] == 1
    assert got[(req, (("method", "GET"), ("route", "/id/<path:rest>"), ("status", "404")))] == 1
    assert got[("wsis_kg_http_request_duration_seconds_count", (("route", "/sparql"),))] == 4
    assert ("wsis_kg_query_kills_total", (("reason", "timeout"),)) in got
    assert ("wsis_kg_query_processes", ()) in got


def test_rejections_are_counted(small_app) -> None:
    c = small_app.test_client()
    assert c.get("/sparql?query=ASK%7B%7D&token=x").status_code == 400
    got = _samples(c.get("/metrics").get_data(as_text=True))
    assert got[("wsis_kg_http_rejections_total", (("reason", "bad-request"),))] == 1


def test_access_log_is_one_json_line_per_request_without_secrets(small_app, caplog) -> None:
    c = small_app.test_client()
    caplog.set_level(logging.INFO, logger="wsis_kg.access")
    query = "ASK { ?s ?p ?o }"
    for _ in range(2):
        c.get("/sparql", query_string={"query": query}, headers=AUTH)
    c.post("/sparql/update", data={"update": "INSERT DATA { <http://e/a> <http://e/p> 1 }"},
           headers=AUTH)
    lines = [r.msg for r in caplog.records if r.name == "wsis_kg.access"]
    assert len(lines) == 3
    first = lines[0]
    assert first["method"] == "GET" and first["route"] == "/sparql" and first["status"] == 200
    assert first["ms"] >= 0 and len(first["query_hash"]) == 16
    assert lines[1]["query_hash"] == first["query_hash"]  # the fast path logs the same
    assert lines[2]["route"] == "/sparql/update" and lines[2]["status"] == 204
    text = "\n".join(caplog.text.splitlines() + [json.dumps(x) for x in lines])
    assert TOKEN not in text and "Bearer" not in text and "?s ?p ?o" not in text


def test_each_write_has_an_audit_line_naming_its_principal(small_app, caplog) -> None:
    c = small_app.test_client()
    caplog.set_level(logging.INFO, logger="wsis_kg.audit")
    graph = "https://example.org/audited"
    assert c.put(f"/rdf-graphs/service?graph={quote(graph, safe='')}", data=GOOD,
                 content_type="text/turtle", headers=AUTH).status_code == 201
    assert c.put(f"/rdf-graphs/service?graph={quote(graph, safe='')}", data=GOOD,
                 content_type="text/turtle").status_code == 401  # no principal: no write
    audit = [r.msg for r in caplog.records if r.name == "wsis_kg.audit"]
    assert len(audit) == 1
    line = audit[0]
    assert line["principal"] == "editor" and line["graph"] == graph
    assert line["method"] == "PUT" and line["triples"] > 0
    assert TOKEN not in json.dumps(audit)
    # The provenance of the write names the principal too.
    r = c.get("/sparql", query_string={"query": 'ASK { ?x ?p ?o FILTER(STR(?o) = "editor" '
                                                '|| CONTAINS(STR(?o), "/editor")) }'},
              headers={"Accept": "application/sparql-results+json"})
    assert r.get_json()["boolean"] is True


def test_health_live_and_ready(small_app) -> None:
    c = small_app.test_client()
    live = c.get("/health/live")
    assert live.status_code == 200 and live.get_json() == {"status": "ok"}
    ready = c.get("/health/ready")
    assert ready.status_code == 200 and ready.get_json()["status"] == "ok"
    assert ready.get_json()["queries"]["workers"] >= 1
    old = c.get("/health")
    assert old.status_code == 200 and old.get_json()["store"]["quads"] > 0
    close_app(small_app)  # no query processes: not ready, still alive
    assert c.get("/health/live").status_code == 200


def test_health_counts_the_store_once_per_generation_and_not_in_this_process(
        small_app, monkeypatch: pytest.MonkeyPatch) -> None:
    """/health is open to anyone without limit; counting the store there held the serving
    process's GIL for the whole count (0.16 s at 1M quads on disk, seconds at 10M)."""
    c = small_app.test_client()
    store = small_app.extensions[EXTENSION_KEY].queries.store
    quads = len(store)

    def counted_here(self) -> int:
        raise AssertionError("the store was counted in the serving process")

    monkeypatch.setattr(OxigraphStore, "__len__", counted_here)
    counts: list[int] = []
    count = QueryService._count_quads
    monkeypatch.setattr(QueryService, "_count_quads",
                        lambda self, gen: (counts.append(gen), count(self, gen)))
    first = c.get("/health").get_json()
    assert first["status"] == "ok" and first["store"]["quads"] == quads
    again = c.get("/health/ready").get_json()
    assert again["store"]["quads"] == quads and len(counts) == 1
    assert c.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
    c.post("/sparql/update", data={"update": "INSERT DATA { <http://example.org/x> "
                                             "<http://example.org/p> 1 }"}, headers=AUTH)
    assert c.get("/health").get_json()["store"]["quads"] == quads + 1  # a new generation
    assert len(counts) == 2 and counts[1] > counts[0]


def test_rate_limit_answers_429_with_retry_after() -> None:
    app = _app(rate_limit=0.5, rate_burst=3)
    try:
        c = app.test_client()
        codes = [c.get("/sparql?query=ASK%7B%7D").status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
        r = c.get("/id/org/itu.ttl")
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
        assert r.mimetype == "application/problem+json"
        assert "WSIS_KG_RATE_LIMIT" in r.get_json()["detail"]
        assert c.get("/health/live").status_code == 200  # probes are never limited
        other = c.get("/sparql?query=ASK%7B%7D", environ_base={"REMOTE_ADDR": "10.0.0.9"})
        assert other.status_code == 200  # per client
    finally:
        close_app(app)


BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_the_fronts_refusals_are_pages_for_browsers() -> None:
    """Finding: 429, 413, 408 (and the 400 of a token in the URL) were answered by the outer
    layer as JSON problems even to a browser; they are negotiated like every other error now
    (the page, with its security headers; Retry-After kept), and programs still get problems."""
    app = _app(rate_limit=0.5, rate_burst=2, max_body_bytes=1000)
    try:
        c = app.test_client()
        refusals = {
            413: lambda h: c.post("/validate", data=b"x" * 2000, content_type="text/turtle",
                                  headers=h, environ_base={"REMOTE_ADDR": "10.0.0.1"}),
            408: lambda h: c.post("/validate", data=b"<a> <b> <c> .", content_type="text/turtle",
                                  headers=h, environ_overrides={"CONTENT_LENGTH": "500"},
                                  environ_base={"REMOTE_ADDR": "10.0.0.2"}),
            400: lambda h: c.get("/sparql?query=ASK%7B%7D&access_token=x", headers=h,
                                 environ_base={"REMOTE_ADDR": "10.0.0.3"}),
        }
        for status, send in refusals.items():
            page = send(BROWSER)
            assert page.status_code == status and page.mimetype == "text/html", status
            assert f"Error {status}" in page.get_data(as_text=True)
            assert "Content-Security-Policy" in page.headers and "Accept" in page.vary
            program = send({"Accept": "application/json"})
            assert program.status_code == status, status
            assert program.mimetype == "application/problem+json", status
        for _ in range(2):  # the burst
            burst = c.get("/id/org/itu.ttl", environ_base={"REMOTE_ADDR": "10.0.0.4"})
            assert burst.status_code < 400
        limited = c.get("/id/org/itu.ttl", headers=BROWSER,
                        environ_base={"REMOTE_ADDR": "10.0.0.4"})
        assert limited.status_code == 429 and limited.mimetype == "text/html"
        assert int(limited.headers["Retry-After"]) >= 1
        assert "try again in" in limited.get_data(as_text=True)
    finally:
        close_app(app)


def _limited(c, xff: str | None, peer: str = "10.9.9.9") -> int:
    headers = {"X-Forwarded-For": xff} if xff is not None else {}
    return c.get("/id/org/itu.ttl", headers=headers,
                 environ_base={"REMOTE_ADDR": peer}).status_code


def test_behind_a_trusted_proxy_the_limit_keys_on_the_real_client(caplog) -> None:
    """Finding: the rate limit keyed on the socket's address, so behind nginx every client was
    one. With ``WSIS_KG_TRUSTED_PROXIES=1`` the client is the address nginx appended to
    ``X-Forwarded-For``; what a client put there itself is not believed."""
    app = _app(rate_limit=0.01, rate_burst=2, trusted_proxies=1)
    try:
        c = app.test_client()
        # Two clients behind the one proxy (10.9.9.9): each has its own bucket.
        assert [_limited(c, "203.0.113.1") for _ in range(3)] == [200, 200, 429]
        caplog.set_level(logging.INFO, logger="wsis_kg.access")
        assert [_limited(c, "203.0.113.2") for _ in range(2)] == [200, 200]
        assert [r.msg["client"] for r in caplog.records
                if r.name == "wsis_kg.access"] == ["203.0.113.2"] * 2
        # A limited client claiming to be someone else: nginx appends its real address.
        assert _limited(c, "198.51.100.7, 203.0.113.1") == 429
        assert _limited(c, "203.0.113.2, 203.0.113.1") == 429
    finally:
        close_app(app)


def test_without_trusted_proxies_x_forwarded_for_is_ignored() -> None:
    """The default (0): the header is a client's claim; spoofing it gets no fresh bucket."""
    assert Settings().trusted_proxies == 0
    app = _app(rate_limit=0.01, rate_burst=2)
    try:
        c = app.test_client()
        codes = [_limited(c, f"203.0.113.{i}") for i in range(4)]
        assert codes == [200, 200, 429, 429]
    finally:
        close_app(app)


def test_rate_limit_is_off_by_default() -> None:
    assert Settings().rate_limit == 0


def test_def_html_leaves_the_root_logger_alone() -> None:
    """Finding: ``GET /def.html`` switched the whole process to DEBUG logging (pyLODE calls
    ``logging.basicConfig(level=DEBUG)`` when imported). Run in a fresh interpreter, where the
    root logger has no handler yet, as in a freshly started server."""
    code = """
import logging, sys
from wsis_kg.settings import Settings
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.web import close_app, create_app
from wsis_kg.web.extension import EXTENSION_KEY

logging.getLogger().setLevel(logging.WARNING)
app = create_app(Settings(build_on_start=False), store=OxigraphStore())
r = app.test_client().get("/def.html")
assert r.status_code == 200, r.status_code
print(logging.getLogger().level)
close_app(app)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.split()[-1]) == logging.WARNING
