"""GET /search (HTML, JSON, a SPARQL VALUES block) and GET /suggest over HTTP, the search box on
every page, and searches that see every kind of write made through the web."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from wsis_kg.graph.build import build
from wsis_kg.settings import Settings
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.web import close_app, create_app

#: Heavier than the everyday loop allows (`pytest -m "not slow"` stays under a minute).
pytestmark = pytest.mark.slow

ID = "https://w3id.org/wsis-kg/id/"
WSIS = "https://w3id.org/wsis-kg/def/"
POA = ID + "doc/geneva-plan-of-action"
EHEALTH = ID + "action-line/C7-e-health"
HTML = {"Accept": "text/html"}
AUTH = {"Authorization": "Bearer test-token"}


def test_json_is_the_default_with_ranked_hits_and_snippets(client) -> None:
    r = client.get("/search?q=health")
    assert r.status_code == 200 and r.mimetype == "application/json"
    body = r.get_json()
    assert body["total"] >= 20 and len(body["results"]) == 20
    first = body["results"][0]
    # names rank first: the thesaurus concept "health" (data/curated/thesaurus.ttl), then the
    # action line C7 e-health
    top = [h["iri"] for h in body["results"][:3]]
    assert EHEALTH in top, top
    hit = body["results"][top.index(EHEALTH)]
    assert hit["url"].endswith("/id/action-line/C7-e-health")
    assert "<mark>" in first["snippet_html"] and "<mark>" not in first["snippet"]
    assert body["next"] and "offset=20" in body["next"]
    page2 = client.get("/search?q=health&offset=20").get_json()
    assert not {h["iri"] for h in page2["results"]} & {h["iri"] for h in body["results"]}


def test_filters_by_parameter(client) -> None:
    all_ = client.get("/search?q=health").get_json()["total"]
    in_poa = client.get("/search?q=health&document=" + quote(POA)).get_json()
    assert 0 < in_poa["total"] < all_
    assert in_poa["filters"] == {"document": POA}
    typed = client.get("/search?q=health&type=" + quote(WSIS + "Organisation")).get_json()
    assert typed["total"] >= 1
    assert all(r["kind"] == "organisation" for r in typed["results"])


@pytest.mark.parametrize("q", ['"digital divide', "***", 'a"b'])
def test_a_search_it_cannot_read_is_a_400_problem(client, q: str) -> None:
    r = client.get("/search?q=" + quote(q))
    assert r.status_code == 400 and r.mimetype == "application/problem+json"
    assert "search" in r.get_json()["detail"]


def test_a_search_it_cannot_read_is_explained_on_the_page(client) -> None:
    r = client.get("/search?q=" + quote('"digital divide'), headers=HTML)
    assert r.status_code == 400 and r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    assert 'role="alert"' in page and "unclosed quote" in page
    assert 'aria-invalid="true"' in page and 'value="&#34;digital divide"' in page


@pytest.mark.parametrize("args", ["", "q=health&limit=0", "q=health&limit=x",
                                  "q=health&offset=-1", "q=" + "x" * 501])
def test_bad_parameters_are_400(client, args: str) -> None:
    assert client.get("/search?" + args).status_code == 400


def test_the_html_page_lists_ranked_hits_with_marked_snippets(client) -> None:
    r = client.get("/search?q=health", headers=HTML)
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert re.search(r"<h2[^>]*>\s*\d+ results for “health”", page)
    assert page.count('class="search-hit"') == 20
    assert "E-<mark>health</mark>" in page
    assert 'rel="next"' in page
    for name in ("document", "action_line", "organisation", "type"):
        assert f'<label for="f-{name}">' in page
    assert "<script>" not in page  # no inline script under the CSP


def test_empty_search_page_is_the_form(client) -> None:
    r = client.get("/search", headers=HTML)
    assert r.status_code == 200 and 'id="search-q"' in r.get_data(as_text=True)


def test_values_block_combines_with_sparql(client) -> None:
    r = client.get("/search?q=" + quote('"e-health"') + "&format=values")
    assert r.status_code == 200 and r.mimetype == "application/sparql-query"
    block = r.get_data(as_text=True)
    assert block.startswith("VALUES ?hit {") and f"<{EHEALTH}>" in block
    query = ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
             f"SELECT ?hit ?label WHERE {{ {block} ?hit skos:prefLabel ?label }}")
    rows = client.get("/sparql", query_string={"query": query},
                      headers={"Accept": "application/sparql-results+json"}).get_json()
    assert EHEALTH in {b["hit"]["value"] for b in rows["results"]["bindings"]}


def test_suggest_offers_organisations_action_lines_and_documents(client) -> None:
    r = client.get("/suggest?q=heal")
    assert r.status_code == 200
    found = r.get_json()["suggestions"]
    assert {s["iri"] for s in found} >= {EHEALTH, ID + "org/who"}
    assert all(s["url"].startswith("/") for s in found)
    assert client.get("/suggest?q=h").get_json()["suggestions"] == []
    assert client.get("/suggest?q=" + quote('"(*')).status_code == 200


@pytest.mark.parametrize("path", ["/", "/editor", "/validate", "/id/org/who.html",
                                  "/search?q=health"])
def test_every_page_has_the_search_box(client, path: str) -> None:
    page = client.get(path, headers=HTML).get_data(as_text=True)
    form = re.search(r'<form class="site-search" role="search".*?</form>', page, re.S)
    assert form, path
    box = form.group(0)
    assert 'action="/search"' in box and 'role="combobox"' in box
    assert 'aria-controls="site-search-list"' in box and 'role="listbox"' in box
    assert '<label for="site-search-q"' in box
    assert "/static/search.js" in page


@pytest.fixture()
def writable(settings: Settings):
    store = OxigraphStore()
    build(settings, store, check_shapes=False)
    app = create_app(settings.with_(workers=1), store=store)
    yield app.test_client()
    close_app(app)


def _iris(client, q: str) -> list[str]:
    return [h["iri"] for h in client.get("/search?q=" + quote(q)).get_json()["results"]]


def test_writes_through_the_web_are_found_by_the_next_search(writable) -> None:
    thing, graph = ID + "org/quokka-institute", "https://example.org/graph/editor"
    r = writable.post("/sparql/update", headers=AUTH, data={"update": (
        f'INSERT DATA {{ GRAPH <{graph}> {{ <{thing}> '
        f'<http://www.w3.org/2000/01/rdf-schema#label> "Quokka Institute" }} }}')})
    assert r.status_code == 204, r.data
    assert _iris(writable, "quokka") == [thing]
    # a Graph Store PUT replaces the graph: the old name goes, the new one is found
    other = ID + "org/wombat-council"
    ttl = f'<{other}> <http://www.w3.org/2000/01/rdf-schema#label> "Wombat Council" .'
    r = writable.put("/rdf-graphs/service?graph=" + quote(graph, safe=""), data=ttl,
                     headers={**AUTH, "Content-Type": "text/turtle"})
    assert r.status_code in (200, 201, 204), r.data
    assert _iris(writable, "quokka") == []
    assert _iris(writable, "wombat") == [other]
    r = writable.delete("/rdf-graphs/service?graph=" + quote(graph, safe=""), headers=AUTH)
    assert r.status_code in (200, 204)
    assert _iris(writable, "wombat") == []
    assert _iris(writable, '"e-health"')[0] == EHEALTH  # the rest is untouched
