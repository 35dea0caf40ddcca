"""Graph Store Protocol at /rdf-graphs/service: auth, validated atomic writes, provenance."""

from __future__ import annotations

import contextlib
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import pytest
import requests
from rdflib import Graph, Namespace
from rdflib.compare import isomorphic

from wsis_kg.graph.build import build
from wsis_kg.settings import Settings
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.validation.ingest import GRAPH_PROVENANCE
from wsis_kg.web import close_app, create_app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "validate"
PROJECT, INPUTS = FIXTURES / "project", FIXTURES / "inputs"
SH = Namespace("http://www.w3.org/ns/shacl#")
G = "https://example.org/graph/editor-1"
URL = "/rdf-graphs/service?graph=" + quote(G, safe="")
AUTH = {"Authorization": "Bearer tok"}
TTL = "text/turtle"


def make_app(**settings):
    s = Settings(project_root=PROJECT, build_on_start=False, tokens={"tok": "editor"},
                 **settings)
    store = OxigraphStore()
    build(s, store, check_shapes=False)
    return create_app(s, store=store), store


@pytest.fixture()
def served():
    app, store = make_app(max_body_bytes=20_000)
    yield app.test_client(), store
    close_app(app)


def body(name: str) -> bytes:
    return (INPUTS / name).read_bytes()


def snapshot(store) -> set:
    return set(store.ox.quads_for_pattern(None, None, None, None))


def sparql_ask(client, q: str) -> bool:
    resp = client.get("/sparql", query_string={"query": q},
                      headers={"Accept": "application/sparql-results+json"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()["boolean"]


def test_reads_are_public_writes_need_a_known_token(served) -> None:
    client, _ = served
    resp = client.put(URL, data=body("good.ttl"), content_type=TTL)
    assert resp.status_code == 401 and resp.headers["WWW-Authenticate"].startswith("Bearer")
    resp = client.put(URL, data=body("good.ttl"), content_type=TTL,
                      headers={"Authorization": "Bearer nope"})
    assert resp.status_code == 403
    assert client.get(URL).status_code == 404  # public, and no such graph yet


def test_put_get_and_sparql_sees_it_at_once(served) -> None:
    client, _ = served
    ask = "ASK { <https://w3id.org/wsis-kg/id/resolution/E-RES-2010-3> ?p ?o }"
    assert not sparql_ask(client, ask)
    resp = client.put(URL, data=body("good.jsonld"), content_type="application/ld+json",
                      headers=AUTH)
    assert resp.status_code == 201
    got = client.get(URL, headers={"Accept": TTL})
    assert got.headers["Content-Type"] == "text/turtle; charset=utf-8"
    assert isomorphic(Graph().parse(data=got.get_data(), format="turtle"),
                      Graph().parse(INPUTS / "good.ttl"))
    assert sparql_ask(client, ask)
    assert client.put(URL, data=body("good.ttl"), content_type=TTL,
                      headers=AUTH).status_code == 204  # replaced, not created
    assert sparql_ask(client, f"""PREFIX prov: <http://www.w3.org/ns/prov#>
        ASK {{ GRAPH <{GRAPH_PROVENANCE}> {{ <{G}> prov:wasAttributedTo ?a ;
              prov:generatedAtTime ?t }} }}""")


def test_non_conforming_data_is_422_and_changes_nothing(served) -> None:
    client, store = served
    client.put(URL, data=body("good.ttl"), content_type=TTL, headers=AUTH)
    before = snapshot(store)
    for method in (client.put, client.post):
        resp = method(URL, data=body("bad.ttl"), content_type=TTL, headers=AUTH)
        problem = resp.get_json()
        assert resp.status_code == 422 and problem["report"]["violations"] == 5
        assert problem["type"].endswith("/validation-failed")
    resp = client.post("/rdf-graphs/service", data=body("bad.ttl"), content_type=TTL,
                       headers={**AUTH, "Accept": TTL})
    assert resp.status_code == 422 and resp.mimetype == "text/turtle"
    report = Graph().parse(data=resp.get_data(), format="turtle")
    assert len(list(report.objects(None, SH.result))) == 6
    assert snapshot(store) == before


def test_post_to_the_endpoint_creates_an_ingest_graph(served) -> None:
    client, store = served
    resp = client.post("/rdf-graphs/service", data=body("good.nt"),
                       content_type="application/n-triples", headers={**AUTH, "Slug": "good.nt"})
    assert resp.status_code == 201
    graph = resp.headers["Location"]
    assert graph.startswith("https://w3id.org/wsis-kg/graph/ingest/")
    assert len(list(store.quads(graph))) == 8
    assert sparql_ask(client, f"""PREFIX dcterms: <http://purl.org/dc/terms/>
        ASK {{ GRAPH <{GRAPH_PROVENANCE}> {{ <{graph}> dcterms:source ?s
              FILTER(STRSTARTS(?s, "good.nt")) }} }}""")


def test_post_appends_and_multipart(served) -> None:
    client, store = served
    client.put(URL, data=body("good.ttl"), content_type=TTL, headers=AUTH)
    resp = client.post(URL, headers=AUTH, content_type="multipart/form-data", data={
        "a": ((INPUTS / "cites-new.ttl").open("rb"), "cites-new.ttl", TTL),
        "b": ((INPUTS / "warning-only.ttl").open("rb"), "warning-only.ttl", TTL)})
    assert resp.status_code == 204
    assert len(list(store.quads(G))) == 8 + 9 + 3


def test_delete_and_default_graph(served) -> None:
    client, store = served
    client.put(URL, data=body("good.ttl"), content_type=TTL, headers=AUTH)
    assert client.delete(URL, headers=AUTH).status_code == 204
    assert client.get(URL).status_code == 404
    assert client.delete(URL, headers=AUTH).status_code == 404
    assert client.put("/rdf-graphs/service?default", data=body("good.ttl"), content_type=TTL,
                      headers=AUTH).status_code == 204
    got = client.get("/rdf-graphs/service?default", headers={"Accept": "application/n-triples"})
    assert len(Graph().parse(data=got.get_data(), format="nt")) == 8


def test_errors(served) -> None:
    client, _ = served
    assert client.put(URL, data=b"a,b", content_type="text/csv",
                      headers=AUTH).status_code == 415
    resp = client.put(URL, data=body("syntax-error.ttl"), content_type=TTL, headers=AUTH)
    assert resp.status_code == 400 and resp.get_json()["line"] == 6
    assert client.put(URL, data=b"#" * 30_000, content_type=TTL, headers=AUTH).status_code == 413
    assert client.get("/rdf-graphs/service?graph=not%20an%20iri").status_code == 400
    assert client.get("/rdf-graphs/service").status_code == 400
    assert client.get(URL.replace("graph=", "default&graph=")).status_code == 400
    assert client.patch(URL, headers=AUTH).status_code == 405


def test_over_real_http() -> None:
    from wsis_kg.testing import LiveServer

    app, store = make_app()
    with LiveServer(app) as srv, contextlib.closing(app.extensions["wsis_kg"]):
        target = srv.url + URL
        resp = requests.put(target, data=body("good.ttl"), timeout=30,
                            headers={**AUTH, "Content-Type": TTL})
        assert resp.status_code == 201
        assert requests.head(target, timeout=30).status_code == 200
        assert requests.get(target, timeout=30,
                            headers={"Accept": "application/rdf+xml"}).status_code == 200


def _health(client) -> tuple:
    q = client.get("/health").get_json()["queries"]
    return q["generation"], q["cache"]["entries"], q["forked"]


def test_a_refused_write_resets_nothing(served) -> None:
    """A 422 (validation) or 400 (syntax) write leaves the store generation, the answer cache
    and the query processes as they were: nothing changed, so nothing is re-forked."""
    client, store = served
    assert not sparql_ask(client, "ASK { <urn:x> ?p ?o }")  # one answer in the cache
    before, quads = _health(client), snapshot(store)
    assert before[1] == 1
    assert client.put(URL, data=body("bad.ttl"), content_type=TTL,
                      headers=AUTH).status_code == 422
    assert client.put(URL, data=body("syntax-error.ttl"), content_type=TTL,
                      headers=AUTH).status_code == 400
    assert client.post("/sparql/update", data={"update": "INSERT DATA { <urn:x> "},
                       headers=AUTH).status_code == 400
    assert _health(client) == before and snapshot(store) == quads
    assert client.put(URL, data=body("good.ttl"), content_type=TTL,
                      headers=AUTH).status_code == 201
    after = _health(client)
    assert after[0] == before[0] + 1 and after[1] == 0


def test_a_get_obeys_the_result_cap() -> None:
    """GET is a query like any other: a graph over the result cap is refused (503), never
    sent whole, and the default graph is the store's own, not the union."""
    big = "http://example.org/big"
    store = OxigraphStore()
    store.load("".join(f"<http://e/s{i}> <http://e/p> {i} .\n" for i in range(60)).encode(),
               ox.RdfFormat.TURTLE, big)
    store.load(b"<http://e/d> <http://e/p> 1 .", ox.RdfFormat.TURTLE, None)
    app = create_app(Settings(build_on_start=False, result_limit=50, workers=1), store=store)
    try:
        client = app.test_client()
        resp = client.get("/rdf-graphs/service", query_string={"graph": big},
                          headers={"Accept": "application/n-triples"})
        assert resp.status_code == 503
        assert resp.get_json()["type"].endswith("/result-too-large")
        resp = client.get("/rdf-graphs/service?default",
                          headers={"Accept": "application/n-triples"})
        assert resp.status_code == 200
        assert resp.get_data() == b"<http://e/d> <http://e/p> \"1\"^^" \
            b"<http://www.w3.org/2001/XMLSchema#integer> .\n"
    finally:
        close_app(app)
