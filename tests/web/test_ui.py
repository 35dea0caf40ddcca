"""The browser pages (served HTML, not a browser): home, editor, pictures, downloads, examples,
assets — every asset local (no CDN), the newcomer's links present."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from wsis_kg.graph.build import build
from wsis_kg.graph.catalogue import read_example
from wsis_kg.settings import Settings
from wsis_kg.sparql.lexer import with_prefixes
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.web import close_app, create_app

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "web"
PAGES = ["/", "/editor", "/pictures", "/data", "/id/org/who.html", "/def/Organisation.html",
         "/editor?example=e-health&run=1", "/def.html", "/shapes.html"]


@pytest.fixture(scope="module")
def client():
    settings = Settings(project_root=FIXTURE, build_on_start=False, workers=1)
    store = OxigraphStore()
    build(settings, store, reason=False, check_shapes=False)
    app = create_app(settings, store=store)
    yield app.test_client()
    close_app(app)


@pytest.mark.parametrize("path", PAGES)
def test_pages_use_only_local_assets(client, path):
    r = client.get(path)
    assert r.status_code == 200, path
    html = r.get_data(as_text=True)
    # scripts, stylesheets, images and fonts all come from this service
    for tag in re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", html):
        for url in re.findall(r'(?:src|href)="([^"]+)"', tag):
            assert not re.match(r"(https?:)?//", url), f"{path}: outside asset {url}"
    for src in re.findall(r'<script[^>]*src="([^"]+)"', html) + re.findall(
            r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"', html):
        assert client.get(src).status_code == 200, src


def test_home_page_shows_counts_and_the_newcomers_links(client):
    html = client.get("/").get_data(as_text=True)
    assert "What the graph holds" in html
    assert re.search(r'class="num">2</td>\s*<th><a [^>]*>Organisations</a>', html)
    assert re.search(r'class="num">2</td>\s*<th><a [^>]*>Facilitation roles</a>', html)
    # the e-health question from the catalogue, one click away
    m = re.search(r'id="run-ehealth" href="([^"]+)"', html)
    assert m
    link = m.group(1).replace("&amp;", "&")
    assert parse_qs(urlparse(link).query) == {"example": ["e-health"], "run": ["1"]}
    assert "Who facilitates e-health?" in html
    assert 'id="who-link" href="/id/org/who"' in html
    assert 'data-picture="facilitation"' in html
    for ext in ("nq", "trig", "ttl", "nt", "jsonld"):
        assert f'href="/dumps/wsis-kg.{ext}"' in html


def _config(html: str) -> dict:
    """The page's config: a JSON data block (the CSP allows no inline script)."""
    return json.loads(re.search(r'<script type="application/json" id="wsis-config">(.*?)</script>',
                                html, re.S).group(1))


def test_editor_opens_an_example_with_prefixes(client):
    html = client.get("/editor?example=e-health&run=1").get_data(as_text=True)
    assert "/assets/yasgui.min.js" in html and "/assets/yasgui.min.css" in html
    assert "Who facilitates e-health?" in html
    assert _config(html)["run"] is True
    assert _config(html)["sparql"] == "/sparql"
    assert client.get("/editor?example=nope").status_code == 404
    q = client.get("/editor?query=SELECT%20*%20WHERE%20%7B%20?s%20a%20wsis:Facilitation%20%7D")
    initial = _config(q.get_data(as_text=True))["initial"]
    assert initial["query"].startswith("PREFIX wsis: <https://w3id.org/wsis-kg/def/>\n")


def test_example_catalogue(client):
    body = client.get("/examples.json").get_json()
    assert body[0]["name"] == "e-health"
    assert body[0]["title"] == "Who facilitates e-health?"
    assert body[0]["description"].startswith("Organisations facilitating action line C7")
    rq = client.get("/examples/e-health.rq")
    assert rq.mimetype == "application/sparql-query" and b"SELECT" in rq.data
    assert client.get("/examples/nope.rq").status_code == 404


def test_example_header_parsing(tmp_path):
    p = tmp_path / "x.rq"
    p.write_text("# title: A title\n# description: first line\n#   continued here\n"
                 "# other comment\nSELECT * WHERE { ?s ?p ?o }\n")
    ex = read_example(p)
    assert ex.title == "A title"
    assert ex.description == "first line continued here"


def test_with_prefixes_adds_only_missing_project_prefixes():
    q = "PREFIX wsis: <https://w3id.org/wsis-kg/def/>\nSELECT ?x WHERE { ?x a wsis:X ; skos:y " \
        "<http://e.org/a:b> }"
    out = with_prefixes(q)
    assert out.count("PREFIX wsis:") == 1
    assert "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>" in out
    assert "PREFIX http" not in out


def test_with_prefixes_reads_strings_with_escaped_quotes():
    """A string holding ``\\"`` then ``#`` is one string: what follows on the line is code.

    The old pattern ended the string at the escaped quote, read the ``#`` as a comment and so
    missed ``skos:`` (the editor then opened a query that cannot run)."""
    q = 'SELECT ?s WHERE { ?s rdfs:comment "say \\"#" ; skos:prefLabel ?x }'
    out = with_prefixes(q)
    assert "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>" in out
    assert "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>" in out


def test_with_prefixes_ignores_prefix_declarations_in_comments_and_strings():
    """``PREFIX skos:`` in a comment or a string declares nothing: skos is still added."""
    q = ('# PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n'
         'SELECT ?x WHERE { ?x skos:prefLabel "PREFIX dcterms: <x>" ; dcterms:title ?t }')
    out = with_prefixes(q)
    assert out.startswith("PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
                          "PREFIX dcterms: <http://purl.org/dc/terms/>\n")


def test_editor_adds_prefixes_after_a_string_with_an_escaped_quote(client):
    q = 'SELECT * WHERE { ?s ?p "a \\"# b" ; skos:prefLabel ?l }'
    r = client.get("/editor", query_string={"query": q})
    initial = _config(r.get_data(as_text=True))["initial"]
    assert initial["query"] == "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n" + q


def test_assets_are_served_from_an_allow_list(client):
    r = client.get("/assets/cytoscape.min.js")
    assert r.status_code == 200 and "javascript" in r.mimetype
    assert client.get("/assets/package.json").status_code == 404
    assert client.get("/assets/..%2Fpackage.json").status_code == 404
    prefixes = client.get("/prefixes.json").get_json()
    assert prefixes["wsis"] == "https://w3id.org/wsis-kg/def/"


def test_pictures_and_data_pages(client):
    html = client.get("/pictures").get_data(as_text=True)
    for pic in ("facilitation", "citations", "timeline"):
        assert f'data-picture="{pic}"' in html
    assert "/static/pictures.js" in html and "/assets/cytoscape.min.js" in html
    data = client.get("/data").get_data(as_text=True)
    assert "void:sparqlEndpoint" in data and "CC BY 4.0" in data
    assert 'href="/def.owl"' in data and 'href="/context.jsonld"' in data


def test_editor_terms_come_from_the_local_graph(client):
    """The editor completes the project's classes, properties and resources from this service
    (``/editor/terms.json``, read through the query service), with their labels."""
    r = client.get("/editor/terms.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    body = r.get_json()
    assert body["prefixes"]["wsis"] == "https://w3id.org/wsis-kg/def/"
    by_iri = {t["iri"]: t for t in body["terms"]}
    assert by_iri["https://w3id.org/wsis-kg/def/Facilitation"]["kind"] == "class"
    assert by_iri["https://w3id.org/wsis-kg/def/agent"]["kind"] == "property"
    who = by_iri["https://w3id.org/wsis-kg/id/org/who"]
    assert who["kind"] == "resource" and who["label"] == "World Health Organization"
    # and the editor page tells its script where they are
    assert _config(client.get("/editor").get_data(as_text=True))["terms"] == "/editor/terms.json"


def test_editor_terms_follow_a_write():
    """Cached per store generation: a write through the query service shows in the next list."""
    settings = Settings(project_root=FIXTURE, build_on_start=False, workers=1)
    store = OxigraphStore()
    build(settings, store, reason=False, check_shapes=False)
    app = create_app(settings, store=store)
    try:
        c = app.test_client()
        new = "https://w3id.org/wsis-kg/id/org/newcomer"
        assert new not in {t["iri"] for t in c.get("/editor/terms.json").get_json()["terms"]}
        app.extensions["wsis_kg"].queries.update(
            f'INSERT DATA {{ GRAPH <https://w3id.org/wsis-kg/graph/test> {{ <{new}> a '
            '<https://w3id.org/wsis-kg/def/Organisation> ; '
            '<http://www.w3.org/2004/02/skos/core#prefLabel> "Newcomer"@en } }')
        terms = {t["iri"]: t for t in c.get("/editor/terms.json").get_json()["terms"]}
        assert terms[new]["label"] == "Newcomer"
    finally:
        close_app(app)


def test_editor_asks_no_outside_service():
    """The editor's script switches Yasgui's LOV completers off and names no outside host."""
    js = (Path(__file__).resolve().parents[2] / "wsis_kg" / "web" / "static" / "editor.js")
    text = js.read_text(encoding="utf-8")
    assert "delete Yasqe.Autocompleters.property" in text
    assert "delete Yasqe.Autocompleters.class" in text
    assert not re.search(r"https?://(?!w3id\.org|www\.w3\.org)", text)
