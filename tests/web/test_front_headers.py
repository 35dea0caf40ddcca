"""Who may write, and what browsers are told: tokens only in the header, CORS on exactly the
read routes (never allowing ``Authorization``), security headers on every response."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

from wsis_kg.graph.build import build
from wsis_kg.settings import Settings
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.web import close_app, create_app
from wsis_kg.web.http import CSP

#: Heavier than the everyday loop allows (`pytest -m "not slow"` stays under a minute).
pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "validate"
GOOD = (FIXTURES / "inputs" / "good.ttl").read_bytes()
TOKEN = "s3cret-token-value"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
GRAPH = "https://example.org/g"


@pytest.fixture()
def small_app():
    s = Settings(project_root=FIXTURES / "project", build_on_start=False,
                 tokens={TOKEN: "editor"})
    store = OxigraphStore()
    build(s, store, check_shapes=False)
    app = create_app(s, store=store)
    yield app
    close_app(app)


def _everything(app) -> str:
    """Every quad of the store as N-Quads text (provenance, dumps' source) — via a query."""
    r = app.test_client().get("/sparql", query_string={
        "query": "SELECT ?s ?p ?o ?g { GRAPH ?g { ?s ?p ?o } }"},
        headers={"Accept": "text/csv"})
    assert r.status_code == 200
    return r.get_data(as_text=True)


#: Percent-encoding any character, or a '+' for nothing: a URL that decodes to a token.
_ENCODED = "".join(f"%{ord(ch):02x}" for ch in TOKEN)


@pytest.mark.parametrize("query", [f"token={TOKEN}", f"access_token={TOKEN}", f"x={TOKEN}",
                                   "token=anything", f"x={_ENCODED}", "access%5Ftoken=anything",
                                   f"x=%73{TOKEN[1:]}", "%74oken=anything"])
def test_a_token_in_the_url_is_refused_and_never_stored(small_app, query: str) -> None:
    """Finding: a token in the URL beside a valid header was stored in the public provenance
    graph (the request line is the provenance ``dcterms:source``)."""
    c = small_app.test_client()
    url = f"/rdf-graphs/service?graph={quote(GRAPH, safe='')}&{query}"
    r = c.put(url, data=GOOD, content_type="text/turtle", headers=AUTH)
    assert r.status_code == 400
    assert "Authorization" in r.get_json()["detail"]
    assert TOKEN not in r.get_data(as_text=True)
    assert TOKEN not in _everything(small_app)
    assert c.get(f"/rdf-graphs/service?graph={quote(GRAPH, safe='')}").status_code == 404
    # Reads too: a token in any URL is refused, whatever the route.
    assert c.get(f"/sparql?query=ASK%7B%7D&{query}").status_code == 400
    # The same write with the token in its header only is accepted.
    ok = c.put(f"/rdf-graphs/service?graph={quote(GRAPH, safe='')}", data=GOOD,
               content_type="text/turtle", headers=AUTH)
    assert ok.status_code == 201


FORM = "application/x-www-form-urlencoded"
_INSERT = f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <{GRAPH}#s> <{GRAPH}#p> "in-the-graph" }} }}'


@pytest.mark.parametrize("path,body", [
    ("/sparql/update", {"update": _INSERT, "access_token": TOKEN}),
    ("/sparql/update", {"update": _INSERT, "ACCESS_TOKEN": "not-even-a-valid-one"}),
    ("/sparql/update", {"update": _INSERT, "note": TOKEN}),
    ("/sparql/update", f"update={quote(_INSERT)}&note={_ENCODED}"),
    ("/sparql/update", f"update={quote(_INSERT)}&access%5Ftoken=anything"),
    ("/sparql", {"query": "ASK {}", "access_token": TOKEN}),
    ("/validate", {"data": GOOD.decode(), "format": "turtle", "access_token": TOKEN}),
])
@pytest.mark.parametrize("with_header", [True, False])
def test_a_token_in_a_form_body_is_refused_and_never_stored_or_logged(
        small_app, caplog, path: str, body: dict | str, with_header: bool) -> None:
    """Finding: a token sent as RFC 6750's form-encoded body parameter (section 2.2) was not
    checked: beside a valid header the update ran (the body and its token reaching whatever
    the update stores); without one the answer was the header's 401. The service takes tokens
    only in the header (section 2.1): 400 naming the rule, before anything runs."""
    caplog.set_level(logging.DEBUG)
    c = small_app.test_client()
    sent = body if isinstance(body, str) else urlencode(body)
    r = c.post(path, data=sent, content_type=FORM, headers=AUTH if with_header else {})
    assert r.status_code == 400, r.get_data(as_text=True)
    assert "RFC 6750" in r.get_json()["detail"] and "access_token" in r.get_json()["detail"]
    assert TOKEN not in r.get_data(as_text=True)
    everything = _everything(small_app)
    assert TOKEN not in everything and "in-the-graph" not in everything  # nothing ran
    dump = c.get("/dumps/wsis-kg.nq")
    assert dump.status_code == 200 and TOKEN.encode() not in dump.get_data()
    logged = caplog.text + "".join(str(rec.msg) for rec in caplog.records)
    assert TOKEN not in logged
    # The same form without a token is answered (the update needs the header).
    if isinstance(body, str):
        body = {"update": _INSERT}
    plain = {k: v for k, v in body.items() if k.lower() not in ("access_token", "note")}
    ok = c.post(path, data=urlencode(plain), content_type=FORM,
                headers=AUTH if with_header else {})
    if path == "/sparql/update":
        assert ok.status_code == (204 if with_header else 401)
    else:
        assert ok.status_code == 200


@pytest.mark.parametrize("path", ["/sparql", "/sparql/", "/id/org/itu", "/def.ttl", "/def",
                                  "/shapes.ttl", "/dumps/wsis.ttl", "/.well-known/void",
                                  "/context.jsonld", "/examples.json"])
def test_cors_on_the_read_routes_without_authorization(client, path: str) -> None:
    r = client.options(path, headers={"Origin": "http://elsewhere.example",
                                      "Access-Control-Request-Method": "GET"})
    assert r.headers.get("Access-Control-Allow-Origin") == "*", path
    assert "Authorization" not in r.headers.get("Access-Control-Allow-Headers", "")
    g = client.get(path, headers={"Origin": "http://elsewhere.example"})
    assert g.headers.get("Access-Control-Allow-Origin") == "*", path


@pytest.mark.parametrize("path", ["/sparql/update", "/sparqlfoo", "/sparql-update",
                                  "/rdf-graphs/service", "/validate", "/definitely",
                                  "/shapesX", "/health"])
def test_no_cors_on_writes_and_look_alike_paths(client, path: str) -> None:
    """Finding: ``/sparql/update`` and any path starting with ``/sparql`` answered CORS ``*``
    with ``Authorization`` allowed."""
    for method in ("OPTIONS", "POST", "GET"):
        r = client.open(path, method=method, headers={"Origin": "http://elsewhere.example",
                                                      "Access-Control-Request-Method": "POST"})
        assert "Access-Control-Allow-Origin" not in r.headers, (method, path)
        assert "Access-Control-Allow-Headers" not in r.headers, (method, path)


@pytest.mark.parametrize("path", ["/", "/editor", "/validate", "/pictures", "/data",
                                  "/id/org/itu.html", "/id/no-such-thing", "/def.html"])
def test_html_pages_have_a_csp_without_inline_scripts(client, path: str) -> None:
    r = client.get(path, headers={"Accept": "text/html"})
    assert r.mimetype == "text/html", path
    assert r.headers["Content-Security-Policy"] == CSP
    assert "script-src 'self';" in CSP and "unsafe-inline" not in CSP.split("script-src")[1] \
        .split(";")[0]
    assert "frame-ancestors 'none'" in CSP
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"]
    html = r.get_data(as_text=True)
    # Every <script> element loads a file or is a JSON data block (not executed).
    for tag in html.split("<script")[1:]:
        head = tag.split(">", 1)[0]
        assert "src=" in head or 'type="application/json"' in head \
            or 'type="application/ld+json"' in head, (path, head)


@pytest.mark.parametrize("path", ["/sparql?query=ASK%7B%7D", "/health", "/metrics",
                                  "/id/org/itu.ttl", "/static/wsis.css", "/no-such-thing"])
def test_every_response_says_nosniff(client, path: str) -> None:
    for _ in range(2):  # the second GET /sparql is answered by the fast path
        r = client.get(path)
        assert r.headers["X-Content-Type-Options"] == "nosniff", path
