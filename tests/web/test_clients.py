"""The Python clients of docs/clients.md (SPARQLWrapper, rdflib's SPARQLStore) against a live
service, written as the documentation shows them (only the endpoint URL differs)."""

from __future__ import annotations

import shutil
import subprocess
from json import dumps as json_dumps
from pathlib import Path

import pytest
import rdflib
import requests
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import (
    CSV,
    JSON,
    JSONLD,
    N3,
    POST,
    RDF,
    RDFXML,
    TSV,
    TURTLE,
    XML,
    SPARQLWrapper,
)
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

ROOT = Path(__file__).resolve().parents[2]
C7 = "https://w3id.org/wsis-kg/id/action-line/C7"
SKOS_PREF = rdflib.URIRef("http://www.w3.org/2004/02/skos/core#prefLabel")
ACTION_LINES = """
PREFIX wsis: <https://w3id.org/wsis-kg/def/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?line ?label WHERE {
  ?line a wsis:ActionLine ; skos:notation ?n ; skos:prefLabel ?label .
} ORDER BY ?n
"""


@pytest.fixture(scope="module")
def endpoint(live_server) -> str:
    return live_server.url + "/sparql"


# -- SPARQLWrapper ----------------------------------------------------------------------------

def test_sparqlwrapper_select(endpoint: str) -> None:
    sparql = SPARQLWrapper(endpoint)
    sparql.setQuery(ACTION_LINES)
    sparql.setReturnFormat(JSON)
    rows = sparql.queryAndConvert()["results"]["bindings"]
    lines = {row["line"]["value"]: row["label"]["value"] for row in rows}
    assert len(lines) >= 11 and C7 in lines
    assert all(row["label"].get("xml:lang") == "en" for row in rows)


def test_sparqlwrapper_select_by_post(endpoint: str) -> None:
    sparql = SPARQLWrapper(endpoint)
    sparql.setMethod(POST)  # long queries: form-encoded POST instead of a long URL
    sparql.setQuery(ACTION_LINES)
    sparql.setReturnFormat(JSON)
    assert len(sparql.queryAndConvert()["results"]["bindings"]) >= 11


def test_sparqlwrapper_ask(endpoint: str) -> None:
    sparql = SPARQLWrapper(endpoint)
    sparql.setQuery(f"ASK {{ <{C7}> a <https://w3id.org/wsis-kg/def/ActionLine> }}")
    sparql.setReturnFormat(JSON)
    assert sparql.queryAndConvert()["boolean"] is True


def test_sparqlwrapper_construct(endpoint: str) -> None:
    sparql = SPARQLWrapper(endpoint)
    sparql.setQuery(f"CONSTRUCT WHERE {{ <{C7}> ?p ?o }}")
    sparql.setReturnFormat(TURTLE)
    graph = rdflib.Graph().parse(data=sparql.queryAndConvert(), format="turtle")
    assert (rdflib.URIRef(C7), SKOS_PREF, None) in graph


#: what each SELECT return format must parse to (SPARQLWrapper's ``convert``): the C7 IRI is in it
SELECT_FORMATS = {JSON: "application/sparql-results+json", XML: "application/sparql-results+xml",
                  CSV: "text/csv", TSV: "text/tab-separated-values"}
#: CONSTRUCT return formats and the media type the service answers with
GRAPH_FORMATS = {TURTLE: "text/turtle", N3: "text/turtle", RDF: "application/rdf+xml",
                 RDFXML: "application/rdf+xml", XML: "application/rdf+xml",
                 JSONLD: "application/ld+json"}


@pytest.mark.parametrize("only_conneg", [False, True], ids=["default", "conneg"])
@pytest.mark.parametrize("fmt", list(SELECT_FORMATS))
def test_sparqlwrapper_every_select_format(endpoint: str, fmt: str, only_conneg: bool) -> None:
    """SPARQLWrapper's default mode sends ``format=tsv&format=text/tab-separated-values``
    (both spellings of one format) besides Accept: the service must take them as one."""
    sparql = SPARQLWrapper(endpoint)
    sparql.setOnlyConneg(only_conneg)
    sparql.setQuery(ACTION_LINES)
    sparql.setReturnFormat(fmt)
    res = sparql.query()
    assert res.response.headers["Content-Type"].startswith(SELECT_FORMATS[fmt])
    converted = res.convert()
    text = converted.toxml() if fmt == XML else (
        json_dumps(converted) if fmt == JSON else converted.decode("utf-8"))
    assert C7 in text


@pytest.mark.parametrize("only_conneg", [False, True], ids=["default", "conneg"])
@pytest.mark.parametrize("fmt", list(GRAPH_FORMATS))
def test_sparqlwrapper_every_graph_format(endpoint: str, fmt: str, only_conneg: bool) -> None:
    """CONSTRUCT in every return format SPARQLWrapper has, N3 included (answered as Turtle,
    which is N3), in its default mode (``format=`` twice, with both spellings) and by Accept."""
    sparql = SPARQLWrapper(endpoint)
    sparql.setOnlyConneg(only_conneg)
    sparql.setQuery(f"CONSTRUCT WHERE {{ <{C7}> ?p ?o }}")
    sparql.setReturnFormat(fmt)
    res = sparql.query()
    media = res.response.headers["Content-Type"].split(";")[0]
    # by Accept alone SPARQLWrapper asks for RDF with */*: the default answer (Turtle) is right
    assert media == ("text/turtle" if (fmt, only_conneg) == (RDF, True) else GRAPH_FORMATS[fmt])
    converted = res.convert()
    graph = converted if isinstance(converted, rdflib.Graph) else rdflib.Graph().parse(
        data=converted, format={"text/turtle": "turtle", "application/ld+json": "json-ld",
                                "application/rdf+xml": "xml"}[media])
    assert (rdflib.URIRef(C7), SKOS_PREF, None) in graph


def test_disagreeing_format_parameters_are_refused(endpoint: str) -> None:
    """Two ``format`` values that name different formats are still a client error."""
    r = requests.get(endpoint, params=[("query", ACTION_LINES), ("format", "json"),
                                       ("format", "csv")], timeout=30)
    assert r.status_code == 400
    assert "format" in r.json()["detail"]


def test_sparqlwrapper_reports_a_bad_query(endpoint: str) -> None:
    sparql = SPARQLWrapper(endpoint)
    sparql.setQuery("SELECT ?x WHERE { ?x ?y }")
    sparql.setReturnFormat(JSON)
    with pytest.raises(QueryBadFormed, match="line 1"):
        sparql.queryAndConvert()


# -- rdflib SPARQLStore -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def graph(endpoint: str) -> rdflib.Graph:
    return rdflib.Graph(SPARQLStore(endpoint))


def test_rdflib_select(graph: rdflib.Graph) -> None:
    rows = list(graph.query(ACTION_LINES))
    assert rdflib.URIRef(C7) in {row.line for row in rows}
    assert len(rows) >= 11


def test_rdflib_ask(graph: rdflib.Graph) -> None:
    assert graph.query(f"ASK {{ <{C7}> ?p ?o }}").askAnswer is True


def test_rdflib_construct(graph: rdflib.Graph) -> None:
    result = graph.query(f"CONSTRUCT WHERE {{ <{C7}> ?p ?o }}")
    assert (rdflib.URIRef(C7), SKOS_PREF, None) in result.graph


def test_rdflib_triple_patterns(graph: rdflib.Graph) -> None:
    labels = list(graph.objects(rdflib.URIRef(C7), SKOS_PREF))
    assert labels and all(label.language == "en" for label in labels)


def test_rdflib_runs_a_catalogue_query_like_the_store(graph: rdflib.Graph, built_store) -> None:
    sparql = (ROOT / "queries" / "e-health-facilitators.rq").read_text(encoding="utf-8")
    over_http = sorted(tuple(str(v) for v in row) for row in graph.query(sparql))
    local_result = built_store.query(sparql)
    names = [v.value for v in local_result.variables]
    local = sorted(tuple("None" if row[v] is None else row[v].value for v in names)
                   for row in local_result)
    assert over_http == local and len(local) > 0


# -- curl ---------------------------------------------------------------------------------------

def curl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["curl", "-sS", "--fail-with-body", *args], capture_output=True,
                          timeout=60, check=False)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_as_docs_show_it(live_server) -> None:
    """The curl lines of docs/clients.md: a query by GET with Accept, by POST, a resource
    followed to its N-Triples, and a compressed dump."""
    url = live_server.url
    got = curl("-G", f"{url}/sparql", "--data-urlencode", f"query={ACTION_LINES}",
               "-H", "Accept: text/csv")
    assert got.returncode == 0 and C7 in got.stdout.decode()
    got = curl(f"{url}/sparql", "--data-urlencode", f"query={ACTION_LINES}",
               "-H", "Accept: application/sparql-results+json")
    assert got.returncode == 0 and C7 in got.stdout.decode()
    got = curl("-L", "-H", "Accept: application/n-triples", f"{url}/id/org/who")
    assert got.returncode == 0 and b"facilitation/adopted/C7-e-health/who" in got.stdout
    plain = curl(f"{url}/dumps/wsis-kg.nt").stdout
    assert curl("--compressed", f"{url}/dumps/wsis-kg.nt").stdout == plain
    headers = curl("-s", "-o", "/dev/null", "-D", "-", "-H", "Accept-Encoding: gzip",
                   f"{url}/dumps/wsis-kg.nt").stdout.decode().lower()
    assert "content-encoding: gzip" in headers and "content-length:" in headers
    assert "last-modified:" in headers
    bad = curl("-G", f"{url}/sparql", "--data-urlencode", "query=SELECT ?x WHERE { ?x ?y }")
    assert bad.returncode == 22 and b'"status": 400' in bad.stdout
