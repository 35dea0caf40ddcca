"""The SPARQL endpoints over HTTP: protocol forms, negotiation, problems, auth, limits, SD."""

from __future__ import annotations

import time

import pyoxigraph as ox
import pytest
import requests

from wsis_kg.settings import Settings
from wsis_kg.store.embedded import OxigraphStore

PROBLEM = "application/problem+json"
COUNT_GRAPHS = "SELECT (COUNT(DISTINCT ?g) AS ?n) { GRAPH ?g { ?s ?p ?o } }"
ORG = "https://w3id.org/wsis-kg/id/org/itu"


@pytest.fixture()
def small_app():
    """An app on a small store a test may change (update tests), with tight limits."""
    from wsis_kg.web import close_app, create_app

    st = OxigraphStore()
    st.load(b"<http://e/a> <http://e/p> <http://e/b> . <http://e/b> <http://e/p> <http://e/c> .",
            ox.RdfFormat.TURTLE, "http://e/g1")
    st.load(b"<http://e/x> <http://e/p> 1 .", ox.RdfFormat.TURTLE, "http://e/g2")
    settings = Settings(build_on_start=False, tokens={"good-token": "editor"},
                        query_timeout=1.0, result_limit=3, workers=1)
    app = create_app(settings, store=st)
    yield app
    close_app(app)


# -- protocol forms ---------------------------------------------------------------------------

def test_get_post_form_and_direct_agree(client) -> None:
    q = f"ASK {{ <{ORG}> ?p ?o }}"
    answers = [
        client.get("/sparql", query_string={"query": q}),
        client.post("/sparql", data={"query": q}),
        client.post("/sparql", data=q, content_type="application/sparql-query"),
    ]
    for r in answers:
        assert r.status_code == 200, r.get_data(as_text=True)
        assert r.content_type.startswith("application/sparql-results+json")
        assert r.json == {"head": {}, "boolean": True}


@pytest.mark.parametrize(("accept", "ctype", "first"), [
    ("application/sparql-results+json", "application/sparql-results+json", b"{"),
    ("application/sparql-results+xml", "application/sparql-results+xml", b"<?xml"),
    ("text/csv", "text/csv", b"g,n"),
    ("text/tab-separated-values", "text/tab-separated-values", b"?g\t?n"),
])
def test_select_formats(client, accept, ctype, first) -> None:
    q = "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    r = client.get("/sparql", query_string={"query": q}, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.content_type.startswith(ctype)
    assert r.get_data().startswith(first)
    assert r.headers["Vary"] == "Accept"


@pytest.mark.parametrize("accept", ["text/turtle", "application/n-triples",
                                    "application/ld+json", "application/rdf+xml",
                                    "application/trig", "application/n-quads"])
def test_construct_formats(client, accept) -> None:
    q = f"CONSTRUCT {{ <{ORG}> ?p ?o }} WHERE {{ <{ORG}> ?p ?o }}"
    r = client.get("/sparql", query_string={"query": q}, headers={"Accept": accept})
    assert r.status_code == 200 and r.content_type.startswith(accept)
    triples = list(ox.parse(r.get_data(), ox.RdfFormat.from_media_type(accept)))
    assert triples and all(t.subject == ox.NamedNode(ORG) for t in triples)


def test_describe_and_format_parameter(client) -> None:
    r = client.get("/sparql", query_string={"query": f"DESCRIBE <{ORG}>", "format": "nt"})
    assert r.status_code == 200 and r.content_type.startswith("application/n-triples")
    r = client.get("/sparql", query_string={"query": "ASK {}", "format": "xml"})
    assert r.content_type.startswith("application/sparql-results+xml")


def test_dataset_parameters(small_app) -> None:
    c = small_app.test_client()

    def n(**params) -> str:
        r = c.get("/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
                                           **params}, headers={"Accept": "text/csv"})
        return r.get_data(as_text=True).split()[-1]

    assert n() == "3"  # union of all named graphs
    assert n(**{"default-graph-uri": "http://e/g1"}) == "2"
    assert n(**{"default-graph-uri": "http://e/g2"}) == "1"
    r = c.get("/sparql", query_string={"query": COUNT_GRAPHS,
                                       "named-graph-uri": "http://e/g2"},
              headers={"Accept": "text/csv"})
    assert r.get_data(as_text=True).split()[-1] == "1"


# -- errors as problems ---------------------------------------------------------------------

def test_syntax_error_is_a_problem_with_position(client) -> None:
    r = client.get("/sparql", query_string={"query": "SELECT * WHERE {\n  ?s ?p }"})
    assert r.status_code == 400 and r.content_type == PROBLEM
    body = r.json
    assert body["type"].endswith("/query-syntax") and body["line"] == 2 and body["column"]
    assert "line 2" in body["detail"]


@pytest.mark.parametrize(("method", "kwargs", "status"), [
    ("put", {"query_string": {"query": "ASK {}"}}, 405),
    ("get", {"query_string": [("query", "ASK {}"), ("query", "ASK {}")]}, 400),
    ("post", {"data": "ASK {}", "content_type": "text/plain"}, 415),
    ("post", {"data": "query=ASK%20%7B%7D"}, 415),
    ("post", {"data": "ASK {}", "content_type": "application/sparql-query; charset=UTF-16"},
     415),
    ("post", {"data": {"update": "CLEAR ALL"}}, 403),
    ("post", {"data": "CLEAR ALL", "content_type": "application/sparql-update"}, 403),
    ("get", {"query_string": {"update": "CLEAR ALL"}}, 403),
    ("post", {"data": {"nothing": "here"}}, 400),
])
def test_bad_requests(client, method, kwargs, status) -> None:
    r = getattr(client, method)("/sparql", **kwargs)
    assert r.status_code == status, r.get_data(as_text=True)
    assert r.content_type == PROBLEM and r.json["status"] == status


def test_not_acceptable(client) -> None:
    r = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Accept": "image/png"})
    assert r.status_code == 406 and r.content_type == PROBLEM


def test_service_is_refused(client) -> None:
    q = "SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"
    r = client.get("/sparql", query_string={"query": q})
    assert r.status_code == 403 and r.json["type"].endswith("/service-not-allowed")
    assert r.json["target"] == "http://example.org/sparql"


def test_result_cap_is_503_never_truncated(small_app) -> None:
    c = small_app.test_client()
    r = c.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }"})
    assert r.status_code == 200  # 3 rows = the cap
    r = c.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o } VALUES ?z { 1 2 }"})
    assert r.status_code == 503 and r.content_type == PROBLEM
    assert r.json["type"].endswith("/result-too-large") and r.json["limit"] == 3


@pytest.mark.slow
def test_timeout_over_real_http(built_store) -> None:
    """A cartesian COUNT with a 1 s limit: 503 within ~2 s and the worker process is gone."""
    import os

    from wsis_kg.testing import LiveServer
    from wsis_kg.web import EXTENSION_KEY, create_app

    app = create_app(Settings(build_on_start=False, query_timeout=1.0, workers=1),
                     store=built_store)
    svc = app.extensions[EXTENSION_KEY].queries
    q = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
    with LiveServer(app) as srv:
        t0 = time.monotonic()
        r = requests.get(srv.url + "/sparql", params={"query": q}, timeout=10)
        elapsed = time.monotonic() - t0
        assert r.status_code == 503 and elapsed < 2.5, elapsed
        assert r.headers["Content-Type"] == PROBLEM
        assert r.json()["type"].endswith("/query-timeout")
        pid = svc.pool.stats.pids[-1]
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
        again = requests.get(srv.url + "/sparql", params={"query": "ASK {}"}, timeout=5)
        assert again.status_code == 200, again.text
    svc.close()


# -- update ---------------------------------------------------------------------------------

INSERT = "INSERT DATA { GRAPH <http://e/g3> { <http://e/new> <http://e/p> 1 } }"


@pytest.mark.parametrize(("headers", "status"), [
    ({}, 401),
    ({"Authorization": "Basic Zm9vOmJhcg=="}, 401),
    ({"Authorization": "Bearer wrong-token"}, 403),
])
def test_update_needs_a_valid_token(small_app, headers, status) -> None:
    c = small_app.test_client()
    r = c.post("/sparql/update", data=INSERT, content_type="application/sparql-update",
               headers=headers)
    assert r.status_code == status and r.content_type == PROBLEM
    if status == 401:
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
    ask = c.get("/sparql", query_string={"query": "ASK { <http://e/new> ?p ?o }"})
    assert ask.json["boolean"] is False


def test_update_direct_and_form(small_app) -> None:
    c = small_app.test_client()
    auth = {"Authorization": "Bearer good-token"}
    r = c.post("/sparql/update", data=INSERT, content_type="application/sparql-update",
               headers=auth)
    assert r.status_code == 204
    ask = c.get("/sparql", query_string={"query": "ASK { <http://e/new> ?p ?o }"})
    assert ask.json["boolean"] is True  # the write is visible at once
    r = c.post("/sparql/update", data={"update": "CLEAR GRAPH <http://e/g3>"}, headers=auth)
    assert r.status_code == 204
    ask = c.get("/sparql", query_string={"query": "ASK { <http://e/new> ?p ?o }"})
    assert ask.json["boolean"] is False


def test_update_errors(small_app) -> None:
    c = small_app.test_client()
    auth = {"Authorization": "Bearer good-token"}
    r = c.post("/sparql/update", data={"update": "CLEAR XYZ"}, headers=auth)
    assert r.status_code == 400 and r.json["type"].endswith("/query-syntax")
    r = c.post("/sparql/update", data="LOAD <http://example.org/x.ttl>",
               content_type="application/sparql-update", headers=auth)
    assert r.status_code == 403 and r.json["type"].endswith("/service-not-allowed")
    # SPARQL 1.1 Update: LOAD SILENT never fails; outside the allow-list it is a no-op
    r = c.post("/sparql/update", data="LOAD SILENT <http://example.org/x.ttl> INTO GRAPH "
               "<http://e/loaded> ; INSERT DATA { GRAPH <http://e/g3> { <http://e/s> "
               "<http://e/p> 1 } }", content_type="application/sparql-update", headers=auth)
    assert r.status_code == 204
    ask = c.get("/sparql", query_string={"query": "ASK { GRAPH ?g { <http://e/s> ?p ?o } }"})
    assert ask.json["boolean"] is True
    r = c.get("/sparql/update")
    assert r.status_code == 405
    r = c.post("/sparql/update", query_string={"using-named-graph-uri": "http://e/g1"},
               data="WITH <http://e/g1> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
               content_type="application/sparql-update", headers=auth)
    assert r.status_code == 400


def test_using_graph_uri(small_app) -> None:
    c = small_app.test_client()
    upd = ('INSERT { GRAPH <http://e/out> { ?s <http://e/seen> "yes" } } '
           "WHERE { ?s <http://e/p> ?o }")
    r = c.post("/sparql/update", query_string={"using-graph-uri": "http://e/g2"}, data=upd,
               content_type="application/sparql-update",
               headers={"Authorization": "Bearer good-token"})
    assert r.status_code == 204
    r = c.get("/sparql", query_string={"query": "SELECT ?s { GRAPH <http://e/out> { ?s ?p ?o } }"},
              headers={"Accept": "text/csv"})
    assert r.get_data(as_text=True).split() == ["s", "http://e/x"]


# -- service description, editor redirect, health ---------------------------------------------

@pytest.mark.parametrize("accept", ["text/turtle", "application/rdf+xml", "application/ld+json",
                                    "application/n-triples", None])
def test_service_description(client, accept) -> None:
    headers = {"Accept": accept} if accept else {}
    r = client.get("/sparql", headers=headers)
    assert r.status_code == 200
    fmt = ox.RdfFormat.from_media_type(r.content_type)
    st = ox.Store()
    st.load(r.get_data(), format=fmt)
    sd = "http://www.w3.org/ns/sparql-service-description#"
    wsis = "https://w3id.org/wsis-kg/def/"
    assert st.query(f"""ASK {{ ?s a <{sd}Service> ; <{sd}endpoint> <http://localhost/sparql> ;
        <{sd}supportedLanguage> <{sd}SPARQL11Query> ; <{sd}feature> <{sd}UnionDefaultGraph> ;
        <{sd}resultFormat> <http://www.w3.org/ns/formats/SPARQL_Results_JSON> ;
        <{wsis}queryTimeout> ?t ; <{wsis}resultLimit> ?l ;
        <{sd}defaultDataset> [ <{sd}namedGraph> [ <{sd}name>
            <https://w3id.org/wsis-kg/graph/ontology> ] ] }}""")


def test_browser_is_sent_to_the_editor(client) -> None:
    r = client.get("/sparql", headers={
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/editor")


def test_health(client, built_store) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    assert r.json["status"] == "ok" and r.json["store"]["quads"] == len(built_store)
    assert r.json["queries"]["query_timeout"] > 0


def test_service_to_an_allowlisted_endpoint_runs(small_app) -> None:
    """SERVICE reaches an allow-listed endpoint (here: another live instance of the service)."""
    from wsis_kg.testing import LiveServer
    from wsis_kg.web import close_app, create_app

    with LiveServer(small_app) as remote:
        app = create_app(Settings(build_on_start=False, service_allowlist=(remote.url + "/",)),
                         store=OxigraphStore())
        try:
            q = (f"SELECT ?o {{ SERVICE <{remote.url}/sparql> "
                 "{ <http://e/a> <http://e/p> ?o } }")
            r = app.test_client().get("/sparql", query_string={"query": q},
                                      headers={"Accept": "text/csv"})
            assert r.status_code == 200, r.get_data(as_text=True)
            assert r.get_data(as_text=True).split() == ["o", "http://e/b"]
            sd = app.test_client().get("/sparql", headers={"Accept": "application/n-triples"})
            assert b"BasicFederatedQuery" in sd.get_data()
        finally:
            close_app(app)


def test_conditional_get_and_cache_headers(small_app) -> None:
    client = small_app.test_client()
    q = {"query": "SELECT ?o { <http://e/a> ?p ?o }"}
    r1 = client.get("/sparql", query_string=q)
    assert r1.status_code == 200 and r1.headers["Cache-Control"] == "no-cache"
    assert r1.headers["Vary"] == "Accept"
    etag = r1.headers["ETag"]
    r2 = client.get("/sparql", query_string=q, headers={"If-None-Match": etag})
    assert r2.status_code == 304 and r2.data == b"" and r2.headers["ETag"] == etag
    # Another format of the same query is another representation.
    r3 = client.get("/sparql", query_string=q,
                    headers={"If-None-Match": etag, "Accept": "text/csv"})
    assert r3.status_code == 200 and r3.headers["ETag"] != etag
    # A write changes every validator.
    upd = client.post("/sparql/update", data={"update": "INSERT DATA { <http://e/a> "
                                                        "<http://e/p> 7 }"},
                      headers={"Authorization": "Bearer good-token"})
    assert upd.status_code == 204
    r4 = client.get("/sparql", query_string=q, headers={"If-None-Match": etag})
    assert r4.status_code == 200 and b"7" in r4.data and r4.headers["ETag"] != etag
    # POST answers carry no validator (a matching precondition on POST would have to be 412).
    r5 = client.post("/sparql", data=q, headers={"If-None-Match": r4.headers["ETag"]})
    assert r5.status_code == 200 and "ETag" not in r5.headers
    assert r5.headers["Cache-Control"] == "no-store"
    # Errors are not validated or reused.
    bad = client.get("/sparql", query_string={"query": "SELEC"})
    assert bad.status_code == 400 and "ETag" not in bad.headers


@pytest.mark.parametrize("query_string", [
    "query=ASK%20%7B%7D", "query=a&query=b&format=json&format=", "a=&b&=c&&d=1=2",
    "query=%ZZ%2&x=%C3%28", "q+x=1+2%2B3", "query=ASK;format=tsv", "x=%00%7F",
    "query=caf\u00c3\u00a9", "query=\u00ff",
    "default-graph-uri=http%3A%2F%2Fe%2Fg&named-graph-uri=",
])
def test_the_fast_path_reads_url_parameters_as_werkzeug_does(query_string: str) -> None:
    """The fast path parses the environ's query string itself (a werkzeug request cost more
    than a look-up); the values, repeated and blank ones, bad escapes and bytes that are not
    UTF-8 included, and the errors, must be werkzeug's."""
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    from wsis_kg.web.sparql import query_args

    environ = EnvironBuilder(path="/sparql").get_environ()
    environ["QUERY_STRING"] = query_string
    try:
        args = Request(environ).args
    except UnicodeError as e:
        with pytest.raises(type(e)):
            query_args(environ)
        return
    ours = query_args(environ)
    for name in {*args.keys(), "query", "format", "absent"}:
        assert ours(name) == args.getlist(name), name
