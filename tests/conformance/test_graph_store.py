"""W3C SPARQL 1.1 Graph Store HTTP Protocol suite against ``/rdf-graphs/service``.

Reads the suite's manifests (vendored unmodified in tests/conformance/sparql11/)
and replays each test's ``ht:Request`` list in order on a fresh service with an empty store:
the suite's ``/gsp`` prefix becomes ``/rdf-graphs/service``, writes carry a bearer token, the
status must be one of ``mf:expectedStatus``, the Content-Type the expected one, the body
isomorphic to the expected graph, and ``mf:expectedLocation`` templates are filled from the
Location header into the later requests.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Namespace
from rdflib.collection import Collection
from rdflib.compare import isomorphic

from wsis_kg.settings import Settings
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.web import create_app

HERE = Path(__file__).parent
SUITE = HERE / "sparql11" / "graph-store-protocol"  # vendored, unmodified
FIXTURE_PROJECT = HERE.parent / "fixtures" / "validate" / "project"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
ENDPOINT = "/rdf-graphs/service"
TOKEN = "gsp-token"


def status_code(iri) -> set[int]:
    """hts:NoContent → {204}; hts:StatusCode2xx → 200..299."""
    name = str(iri).rsplit("#", 1)[-1]
    m = re.fullmatch(r"StatusCode(\d)xx", name)
    if m:
        return set(range(int(m.group(1)) * 100, int(m.group(1)) * 100 + 100))
    if name == "OK":
        return {200}
    return {HTTPStatus[re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper()].value}


def load_tests() -> list[tuple[str, Graph, object]]:
    tests = []
    top = Graph().parse(SUITE / "manifest.ttl", format="turtle")
    for inc in top.objects(None, MF.include):
        for lst in top.items(inc) if (inc, RDF.first, None) in top else [inc]:
            path = SUITE / str(lst).rsplit("/", 1)[-1]
            g = Graph().parse(path, format="turtle")
            for entries in g.objects(None, MF.entries):
                for t in Collection(g, entries):
                    tests.append((str(t).rsplit("#", 1)[-1], g, t))
    return tests


TESTS = load_tests()


def headers_of(g: Graph, node) -> dict[str, str]:
    lst = g.value(node, HT.headers)
    if lst is None:
        return {}
    return {str(g.value(h, HT.fieldName)).lower(): str(g.value(h, HT.fieldValue))
            for h in Collection(g, lst)}


@pytest.mark.slow
@pytest.mark.parametrize("name,g,test", TESTS, ids=[t[0] for t in TESTS])
def test_graph_store_protocol(name: str, g: Graph, test) -> None:
    settings = Settings(project_root=FIXTURE_PROJECT, build_on_start=False,
                        tokens={TOKEN: "gsp-suite"})
    client = create_app(settings, store=OxigraphStore()).test_client()
    action = g.value(test, MF.action)
    variables: dict[str, str] = {}

    def fill(text: str) -> str:
        for k, v in variables.items():
            text = text.replace(k, v)
        return text

    for i, req in enumerate(Collection(g, g.value(action, HT.requests)), 1):
        method = str(g.value(req, HT.methodName))
        path = fill(str(g.value(req, HT.absolutePath)))
        path = ENDPOINT + path[len("/gsp"):]
        headers = headers_of(g, req)
        if method in ("PUT", "POST", "DELETE"):
            headers["authorization"] = f"Bearer {TOKEN}"
        body = g.value(req, HT.body)
        data = fill(str(g.value(body, CNT.chars))).encode() if body is not None else None
        resp = client.open(path, method=method, headers=headers, data=data)
        where = f"{name} request {i} ({method} {path})"
        expected_resp = g.value(req, HT.resp)
        allowed = set().union(*(status_code(s) for s in
                                g.objects(expected_resp, MF.expectedStatus)))
        assert resp.status_code in allowed, \
            f"{where}: got {resp.status_code}, expected {sorted(allowed)}: {resp.get_data()[:300]}"
        template = g.value(expected_resp, MF.expectedLocation)
        if template is not None:
            assert resp.headers.get("Location"), f"{where}: no Location header"
            variables[str(template)] = resp.headers["Location"]
        want = headers_of(g, expected_resp)
        if "content-type" in want:
            assert resp.mimetype == want["content-type"].split(";")[0].strip().lower(), where
        expected_body = g.value(expected_resp, HT.body)
        if expected_body is not None:
            expected = Graph().parse(data=str(g.value(expected_body, CNT.chars)),
                                     format="turtle")
            got = Graph().parse(data=resp.get_data(as_text=True), format=resp.mimetype)
            assert isomorphic(expected, got), f"{where}: graph differs:\n{resp.get_data(True)}"
