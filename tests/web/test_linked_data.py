"""Linked data: 303 content negotiation, per-format URLs, 404/406, public base rewriting,
whole ontology/shapes, dumps, VoID/DCAT, JSON-LD context and CORS.

Runs against a small project under tests/fixtures/web (its own ontology, shapes and data) so the
expectations do not move with the real data; a few checks use the real build.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from wsis_kg.graph.build import build
from wsis_kg.settings import Settings
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.web import close_app, create_app

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "web"
BASE = "https://w3id.org/wsis-kg/"
WHO = BASE + "id/org/who"
OTHER_BASE = "http://data.example.org/wsis/"
RDF_FORMATS = {
    "ttl": ("text/turtle", ox.RdfFormat.TURTLE),
    "jsonld": ("application/ld+json", ox.RdfFormat.JSON_LD),
    "nt": ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    "rdf": ("application/rdf+xml", ox.RdfFormat.RDF_XML),
}


def make_app(**overrides):
    settings = Settings(project_root=FIXTURE, build_on_start=False, workers=1, **overrides)
    store = OxigraphStore()
    build(settings, store, reason=False, check_shapes=False)
    app = create_app(settings, store=store)
    return app, store


@pytest.fixture(scope="module")
def ld():
    app, store = make_app()
    yield app.test_client(), store
    close_app(app)


@pytest.fixture(scope="module")
def client(ld):
    return ld[0]


@pytest.fixture(scope="module")
def moved():
    """The same data served under another public base."""
    app, _ = make_app(public_base=OTHER_BASE)
    yield app.test_client()
    close_app(app)


def parse(body: bytes, fmt: ox.RdfFormat) -> list:
    """Triples for triple formats, quads for dataset formats (N-Quads, TriG, JSON-LD dumps)."""
    items = list(ox.parse(body, fmt))
    if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
        return items
    if all(q.graph_name == ox.DefaultGraph() for q in items):
        return [q.triple for q in items]
    return items


# ---------------------------------------------------------------------------- 303 + conneg

@pytest.mark.parametrize("accept, ext", [
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html"),
    ("text/turtle", "ttl"),
    ("application/ld+json", "jsonld"),
    ("application/n-triples", "nt"),
    ("application/rdf+xml", "rdf"),
    ("application/json", "jsonld"),
    ("*/*", "ttl"),
    ("text/turtle;q=0.5, application/rdf+xml", "rdf"),
])
def test_bare_iri_answers_303_to_the_negotiated_format(client, accept, ext):
    r = client.get("/id/org/who", headers={"Accept": accept})
    assert r.status_code == 303
    assert r.headers["Location"].endswith(f"/id/org/who.{ext}")
    assert "Accept" in r.headers["Vary"]
    assert 'rel="alternate"' in r.headers["Link"]


def test_no_accept_header_gets_turtle(client):
    r = client.get("/id/org/who")
    assert r.status_code == 303 and r.headers["Location"].endswith(".ttl")


@pytest.mark.parametrize("path", ["/def/Organisation", "/shapes/FacilitationShape",
                                  "/graph/reference", "/def", "/shapes", "/def/", "/shapes/"])
def test_terms_shapes_graphs_and_whole_vocabularies_303(client, path):
    r = client.get(path, headers={"Accept": "text/turtle"})
    assert r.status_code == 303
    assert r.headers["Location"].endswith(path.rstrip("/") + ".ttl")
    assert r.headers["Vary"] == "Accept"


@pytest.mark.parametrize("ext", list(RDF_FORMATS))
def test_format_urls_serve_the_description(client, ext):
    media, fmt = RDF_FORMATS[ext]
    r = client.get(f"/id/org/who.{ext}")
    assert r.status_code == 200
    assert r.mimetype == media
    triples = parse(r.data, fmt)
    who = ox.NamedNode(WHO)
    assert ox.Triple(who, ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"),
                     ox.Literal("World Health Organization", language="en")) in triples
    # no blank nodes here: only WHO's own statements and those pointing at WHO (incoming,
    # docs/clients.md), each from an IRI
    assert all(t.subject == who or (t.object == who and isinstance(t.subject, ox.NamedNode))
               for t in triples)


def test_description_includes_the_blank_node_closure(client):
    r = client.get("/def/UNSpecialisedAgency.ttl")
    triples = parse(r.data, ox.RdfFormat.TURTLE)
    restriction = [t for t in triples if t.predicate.value.endswith("#onProperty")]
    assert restriction and isinstance(restriction[0].subject, ox.BlankNode)
    r = client.get("/shapes/FacilitationShape.nt")
    triples = parse(r.data, ox.RdfFormat.N_TRIPLES)
    assert any(t.predicate.value.endswith("#first") for t in triples)  # the sh:in list
    assert any(t.predicate.value == "http://www.w3.org/ns/shacl#message" for t in triples)


def test_unknown_iri_is_404_problem_or_page(client):
    r = client.get("/id/org/nobody")
    assert r.status_code == 404
    assert r.mimetype == "application/problem+json"
    assert r.get_json()["status"] == 404
    r = client.get("/id/org/nobody", headers={"Accept": "text/html"})
    assert r.status_code == 404 and r.mimetype == "text/html"
    assert b"id/org/nobody" in r.data
    assert client.get("/id/org/nobody.ttl").status_code == 404
    assert client.get("/def/NoSuchTerm.html", headers={"Accept": "text/html"}).status_code == 404


@pytest.mark.parametrize("path", ["/id/org/who%3E%20%3Fp%20%3Fo%20%7D", "/id/a%20b",
                                  "/id/x%22y.ttl", "/def/%7Bx%7D.html"])
def test_paths_that_are_no_iri_are_404_and_never_reach_sparql(client, path):
    r = client.get(path)
    assert r.status_code == 404
    assert r.mimetype == "application/problem+json"


def test_unacceptable_media_type_is_406(client):
    r = client.get("/id/org/who", headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert r.mimetype == "application/problem+json"


def test_iri_only_used_as_object_still_resolves(client):
    # the adopted facilitation cites a paragraph; the role individual is only an object elsewhere
    r = client.get("/def/FacilitationStatus.html")
    assert r.status_code == 200
    assert b"adopted" in r.data


# ---------------------------------------------------------------------------- HTML pages

def test_html_page_shows_label_types_properties_incoming_and_source(client):
    html = client.get("/id/facilitation/adopted/C7-e-health/who.html").get_data(as_text=True)
    assert "<title>" in html
    assert "Facilitation" in html  # type, labelled
    assert 'href="/id/org/who"' in html  # linked value, local
    assert "World Health Organization" in html  # label of the linked value
    # the quoted source paragraph and the link to its document
    assert "promote collaborative efforts of governments" in html
    assert 'href="/id/doc/geneva-plan-of-action"' in html
    assert "Plan of Action" in html
    who = client.get("/id/org/who.html").get_data(as_text=True)
    assert "Referred to by" in who and "/id/facilitation/adopted/C7-e-health/who" in who
    assert 'href="/id/org/who.ttl"' in who  # the per-format links
    term = client.get("/def/UNSpecialisedAgency.html").get_data(as_text=True)
    assert "An autonomous organisation working with the United Nations." in term  # definition
    assert "owl:minCardinality" in term  # blank node restriction shown nested


def test_paragraph_page_quotes_its_own_text(client):
    html = client.get("/id/doc/geneva-plan-of-action/para/18.html").get_data(as_text=True)
    assert "<blockquote>" in html and "health professionals and WHO" in html


# ---------------------------------------------------------------------------- public base

def test_public_base_rewrites_rdf_and_keeps_links_local(moved):
    r = moved.get("/id/org/who.nt")
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    assert f"<{OTHER_BASE}id/org/who>" in body
    assert BASE not in body
    r = moved.get("/id/org/who.html")
    html = r.get_data(as_text=True)
    assert OTHER_BASE + "id/org/who" in html  # the IRI as the public sees it
    assert 'href="/id/facilitation/adopted/C7-e-health/who"' in html
    assert moved.get("/id/org/who", headers={"Accept": "text/turtle"}).status_code == 303
    nq = moved.get("/dumps/wsis-kg.nq").get_data(as_text=True)
    assert OTHER_BASE + "id/org/who" in nq and BASE not in nq
    void = moved.get("/.well-known/void.ttl").get_data(as_text=True)
    assert OTHER_BASE in void


def test_public_base_applies_to_script_root(ld):
    client, _ = ld
    r = client.get("/id/org/who", headers={"Accept": "text/html"},
                   base_url="http://localhost/kg")
    assert r.status_code == 303 and r.headers["Location"].endswith("/kg/id/org/who.html")


# ---------------------------------------------------------------------------- /def, /shapes

def test_whole_ontology_in_every_format(ld):
    client, store = ld
    expected = {q.triple for q in store.quads(BASE + "graph/ontology")}
    for ext, (media, fmt) in RDF_FORMATS.items():
        r = client.get(f"/def.{ext}")
        assert r.status_code == 200 and r.mimetype == media
        assert len(set(parse(r.data, fmt))) == len(expected)
    owl = client.get("/def.owl")
    assert owl.mimetype == "application/rdf+xml"
    assert len(set(parse(owl.data, ox.RdfFormat.RDF_XML))) == len(expected)
    shapes = client.get("/shapes.ttl")
    assert b"FacilitationShape" in shapes.data


@pytest.mark.slow
def test_ontology_and_shapes_documentation(client):
    r = client.get("/def.html")
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    assert "WSIS ontology (test slice)" in html
    assert "UN specialised agency" in html
    assert 'id="Organisation"' in html
    assert 'href="/def.owl"' in html and 'href="/shapes.html"' in html  # service navigation
    assert "<script src=\"http" not in html and "stylesheet\" href=\"http" not in html
    shapes = client.get("/shapes.html").get_data(as_text=True)
    assert "Facilitation shape" in shapes and "A facilitation needs exactly one agent." in shapes
    assert client.get("/def", headers={"Accept": "text/html"}).headers["Location"].endswith(
        "/def.html")


# ---------------------------------------------------------------------------- dumps

def test_dumps_parse_and_count(ld):
    client, store = ld
    quads = set(store.quads())
    triples = {q.triple for q in quads}
    graphs = {q.graph_name for q in quads}
    r = client.get("/dumps/wsis-kg.nq")
    assert r.status_code == 200 and r.mimetype == "application/n-quads"
    assert "attachment" in r.headers["Content-Disposition"]
    assert len(set(parse(r.data, ox.RdfFormat.N_QUADS))) == len(quads)
    trig = set(parse(client.get("/dumps/wsis-kg.trig").data, ox.RdfFormat.TRIG))
    assert len(trig) == len(quads) and {q.graph_name for q in trig} == graphs
    jl = set(parse(client.get("/dumps/wsis-kg.jsonld").data, ox.RdfFormat.JSON_LD))
    assert len(jl) == len(quads)
    for ext, fmt in (("ttl", ox.RdfFormat.TURTLE), ("nt", ox.RdfFormat.N_TRIPLES),
                     ("rdf", ox.RdfFormat.RDF_XML)):
        got = client.get(f"/dumps/wsis-kg.{ext}")
        assert got.status_code == 200
        assert len(set(parse(got.data, fmt))) == len(triples), ext
    assert client.get("/dumps/wsis-kg.zip").status_code == 404


def test_dump_is_cached_and_conditional(client):
    r1 = client.get("/dumps/wsis-kg.nq")
    etag = r1.headers["ETag"]
    r2 = client.get("/dumps/wsis-kg.nq", headers={"If-None-Match": etag})
    assert r2.status_code == 304


# ---------------------------------------------------------------------------- VoID / DCAT

def test_void_and_dcat_description(ld):
    client, store = ld
    r = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    g = rdflib.Graph().parse(data=r.data, format="turtle")
    VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
    DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    DCT = rdflib.namespace.DCTERMS
    SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    ds = g.value(predicate=rdflib.RDF.type, object=VOID.Dataset, any=True)
    ds = next(s for s in g.subjects(rdflib.RDF.type, DCAT.Dataset))
    assert (ds, rdflib.RDF.type, VOID.Dataset) in g
    assert str(g.value(ds, VOID.uriSpace)) == BASE
    assert str(g.value(ds, VOID.sparqlEndpoint)).endswith("/sparql")
    dumps = {str(o) for o in g.objects(ds, VOID.dataDump)}
    assert {d.rsplit("/", 1)[-1] for d in dumps} >= {
        "wsis-kg.nq", "wsis-kg.trig", "wsis-kg.ttl", "wsis-kg.nt", "wsis-kg.jsonld"}
    distinct = len({q.triple for q in store.quads()})
    assert int(g.value(ds, VOID.triples)) == distinct
    subsets = list(g.objects(ds, VOID.subset))
    assert {str(g.value(s, SD.name)) for s in subsets} == set(store.named_graphs())
    for s in subsets:
        name = str(g.value(s, SD.name))
        assert int(g.value(s, VOID.triples)) == sum(1 for _ in store.quads(name))
    dists = list(g.objects(ds, DCAT.distribution))
    media = {str(g.value(d, DCAT.mediaType)) for d in dists}
    assert "https://www.iana.org/assignments/media-types/application/n-quads" in media
    service = g.value(ds, DCAT.accessService)
    assert (service, rdflib.RDF.type, DCAT.DataService) in g
    assert str(g.value(service, DCAT.endpointURL)).endswith("/sparql")
    assert str(g.value(ds, DCT.license)) == "https://creativecommons.org/licenses/by/4.0/"
    assert g.value(ds, DCAT.version) is not None
    # browsers are sent to the download page; explicit formats work too
    assert client.get("/.well-known/void", headers={"Accept": "text/html"}).status_code == 303
    assert client.get("/.well-known/void.jsonld").mimetype == "application/ld+json"


def test_jsonld_context_expands_vocabulary_terms(client):
    r = client.get("/context.jsonld")
    assert r.mimetype == "application/ld+json"
    ctx = r.get_json()["@context"]
    assert ctx["wsis"] == BASE + "def/"
    assert ctx["Organisation"] == BASE + "def/Organisation"
    assert ctx["agent"] == {"@id": BASE + "def/agent", "@type": "@id"}
    doc = {"@context": ctx, "@id": BASE + "id/facilitation/x", "@type": "Facilitation",
           "agent": BASE + "id/org/who", "acronym": "X"}
    g = rdflib.Graph().parse(data=json.dumps(doc), format="json-ld")
    assert (rdflib.URIRef(BASE + "id/facilitation/x"), rdflib.URIRef(BASE + "def/agent"),
            rdflib.URIRef(BASE + "id/org/who")) in g


# ---------------------------------------------------------------------------- CORS

@pytest.mark.parametrize("path", ["/id/org/who.ttl", "/def.ttl", "/dumps/wsis-kg.nt",
                                  "/.well-known/void.ttl", "/context.jsonld"])
def test_cors_on_linked_data(client, path):
    r = client.get(path)
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_cors_preflight_and_redirects(client):
    r = client.get("/id/org/who", headers={"Accept": "text/turtle", "Origin": "http://x.test"})
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    r = client.options("/sparql", headers={"Origin": "http://x.test",
                                           "Access-Control-Request-Method": "POST"})
    assert r.headers.get("Access-Control-Allow-Origin") == "*"
    assert "POST" in r.headers.get("Access-Control-Allow-Methods", "")


# ---------------------------------------------------------------------------- real data

def test_real_graph_who_page(app):
    client = app.test_client()
    r = client.get("/id/org/who", headers={"Accept": "text/html"})
    assert r.status_code == 303
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "World Health Organization" in html
    assert "/id/action-line/C7-e-health" in html or "e-health" in html.lower()
