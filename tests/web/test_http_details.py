"""HTTP details clients rely on: one service in the Service Description, Vary and ETag on
resource documents, 406s that say what they depend on, compressed dumps with size and date,
VoID under the public base, and error pages for browsers next to problems for programs."""

from __future__ import annotations

import gzip
import html
from dataclasses import replace

import pyoxigraph as ox
import pytest

from wsis_kg.web import close_app, create_app

#: Heavier than the everyday loop allows (`pytest -m "not slow"` stays under a minute).
pytestmark = pytest.mark.slow

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"


# -- the Service Description ------------------------------------------------------------------

def _sd(client) -> ox.Store:
    r = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    st = ox.Store()
    st.load(r.get_data(), format=ox.RdfFormat.TURTLE)
    return st


def test_service_description_has_one_service_the_query_endpoint(client) -> None:
    """Comunica sends queries to the ``sd:endpoint`` of the document's service: a second
    ``sd:Service`` (the update endpoint) made it post to ``/sparql/update``."""
    st = _sd(client)
    endpoints = [r["e"].value for r in st.query(
        f"SELECT ?e WHERE {{ ?s <{SD}endpoint> ?e }}")]
    assert endpoints == ["http://localhost/sparql"]
    services = list(st.query(f"SELECT ?s WHERE {{ ?s a <{SD}Service> }}"))
    assert len(services) == 1
    assert not st.query(f"ASK {{ ?s <{SD}supportedLanguage> <{SD}SPARQL11Update> }}")


def test_service_description_still_points_to_the_update_endpoint(client) -> None:
    st = _sd(client)
    assert st.query(f"""ASK {{ ?s a <{SD}Service> ;
        <http://www.w3.org/2000/01/rdf-schema#seeAlso> <http://localhost/sparql/update> .
        <http://localhost/sparql/update> a <http://www.w3.org/ns/dcat#DataService> }}""")




# -- browsers get pages, programs get problems -------------------------------------------------

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


def _is_page(r, status: int) -> str:
    assert r.status_code == status
    assert r.mimetype == "text/html"
    assert "Accept" in r.headers.get("Vary", "")
    page = r.get_data(as_text=True)
    assert '<html lang="en">' in page and "<h1>" in page and '<main id="main">' in page
    assert 'href="/"' in page  # a way home
    assert f"Error {status}" in page
    return page


def _is_problem(r, status: int) -> dict:
    assert r.status_code == status
    assert r.mimetype == "application/problem+json"
    assert "Accept" in r.headers.get("Vary", "")
    body = r.get_json()
    assert body["status"] == status and body["title"] and body["type"]
    return body


@pytest.mark.parametrize("path", ["/pictrues", "/editor/", "/data/", "/graph/",
                                  "/id/org/nobody", "/def/NoSuchTerm.html"])
def test_a_browser_gets_an_error_page_a_program_a_problem(client, path: str) -> None:
    _is_page(client.get(path, headers={"Accept": BROWSER}), 404)
    _is_problem(client.get(path, headers={"Accept": "application/json"}), 404)
    _is_problem(client.get(path, headers={"Accept": "*/*"}), 404)
    _is_problem(client.get(path), 404)


def test_an_empty_validate_submit_shows_a_page(client) -> None:
    r = client.post("/validate", data={"data": ""}, headers={"Accept": BROWSER})
    assert "no data" in _is_page(r, 400)


def test_a_bad_query_link_shows_a_page_with_the_detail(client) -> None:
    """The fast path (which answers GET /sparql before Flask) hands a browser to Flask."""
    r = client.get("/sparql", query_string={"query": "SELECT ?x WHERE { ?x ?y }"},
                   headers={"Accept": BROWSER})
    assert "line 1" in _is_page(r, 400)
    _is_problem(client.get("/sparql", query_string={"query": "SELECT ?x WHERE { ?x ?y }"}),
                400)


def test_method_not_allowed_page_keeps_allow(client) -> None:
    r = client.delete("/editor", headers={"Accept": BROWSER})
    _is_page(r, 405)
    assert "GET" in r.headers["Allow"]


def test_406_on_a_resource_says_it_depends_on_accept(client) -> None:
    r = client.get("/id/org/who", headers={"Accept": "application/x-unknown"})
    body = _is_problem(r, 406)
    assert "text/turtle" in body["available"]


# -- resource documents: incoming statements, ETag ---------------------------------------------

WHO = "https://w3id.org/wsis-kg/id/org/who"
AGENT = "https://w3id.org/wsis-kg/def/agent"


@pytest.mark.parametrize("ext", ["ttl", "nt", "jsonld", "rdf"])
def test_resource_rdf_includes_what_points_at_it(client, ext: str) -> None:
    """WHO's four facilitations (``?f wsis:agent <who>``), listed on its HTML page, are in its
    RDF too, with its own statements."""
    r = client.get(f"/id/org/who.{ext}")
    assert r.status_code == 200
    g = list(ox.parse(r.get_data(), format=ox.RdfFormat.from_media_type(r.mimetype)))
    facilitations = {q.subject.value for q in g
                     if q.predicate.value == AGENT and q.object == ox.NamedNode(WHO)}
    assert len(facilitations) == 4
    assert all("/facilitation/" in f for f in facilitations)
    assert any(q.subject == ox.NamedNode(WHO) for q in g)  # outgoing still there


@pytest.mark.parametrize("path", ["/id/org/who.ttl", "/id/org/who.jsonld", "/id/org/who.html",
                                  "/def.ttl"])
def test_resource_documents_carry_an_etag(client, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200 and r.headers.get("ETag", "").startswith('"')
    again = client.get(path, headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304 and not again.get_data()
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


# -- dumps: gzip, size, date ------------------------------------------------------------------

def test_dump_is_gzipped_for_a_client_that_accepts_it(client) -> None:
    plain = client.get("/dumps/wsis-kg.nq")
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    assert int(plain.headers["Content-Length"]) == len(plain.get_data())
    assert plain.headers["Last-Modified"]
    r = client.get("/dumps/wsis-kg.nq", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert r.status_code == 200
    assert r.headers["Content-Encoding"] == "gzip"
    assert r.mimetype == "application/n-quads"
    assert "Accept-Encoding" in r.headers["Vary"]
    assert int(r.headers["Content-Length"]) == len(r.get_data()) < len(plain.get_data()) / 3
    assert gzip.decompress(r.get_data()) == plain.get_data()
    assert r.headers["ETag"] != plain.headers["ETag"] and r.headers["Last-Modified"]
    again = client.get("/dumps/wsis-kg.nq", headers={"Accept-Encoding": "gzip",
                                                     "If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304
    since = client.get("/dumps/wsis-kg.nq",
                       headers={"If-Modified-Since": plain.headers["Last-Modified"]})
    assert since.status_code == 304


@pytest.mark.parametrize("ext", ["nq", "ttl"])
def test_gz_download_of_a_dump(client, ext: str) -> None:
    plain = client.get(f"/dumps/wsis-kg.{ext}").get_data()
    r = client.get(f"/dumps/wsis-kg.{ext}.gz")
    assert r.status_code == 200 and r.mimetype == "application/gzip"
    assert "Content-Encoding" not in r.headers
    assert f'filename="wsis-kg.{ext}.gz"' in r.headers["Content-Disposition"]
    assert int(r.headers["Content-Length"]) == len(r.get_data())
    assert gzip.decompress(r.get_data()) == plain
    assert client.get("/dumps/wsis-kg.zip.gz").status_code == 404
    assert client.get("/dumps/other.nq.gz").status_code == 404


# -- VoID under a public base -------------------------------------------------------------------

OTHER_BASE = "http://data.example.org/wsis/"


@pytest.fixture(scope="module")
def moved(settings, built_store):
    app = create_app(replace(settings, public_base=OTHER_BASE), store=built_store)
    yield app.test_client()
    close_app(app)


def _void(c) -> list[ox.Triple]:
    r = c.get("/.well-known/void.nt")
    assert r.status_code == 200
    return list(ox.parse(r.get_data(), format=ox.RdfFormat.N_TRIPLES))


def test_void_uri_space_follows_the_public_base(moved, client) -> None:
    space = [t.object.value for t in _void(moved) if t.predicate.value == VOID + "uriSpace"]
    assert space == [OTHER_BASE]
    space = [t.object.value for t in _void(client) if t.predicate.value == VOID + "uriSpace"]
    assert space == ["https://w3id.org/wsis-kg/"]
    page = html.unescape(moved.get("/data").get_data(as_text=True))
    assert f'void:uriSpace "{OTHER_BASE}"' in page


def test_void_lists_the_gz_dumps(client) -> None:
    triples = _void(client)
    compressed = {t.subject for t in triples
                  if t.predicate.value == "http://www.w3.org/ns/dcat#compressFormat"}
    urls = {t.object.value for t in triples if t.subject in compressed
            and t.predicate.value == "http://www.w3.org/ns/dcat#downloadURL"}
    assert "http://localhost/dumps/wsis-kg.nq.gz" in urls and len(urls) == 6
    for url in urls:
        assert client.get(url.removeprefix("http://localhost")).status_code == 200


def test_sparql_without_a_query_varies_on_accept(client) -> None:
    """A browser is sent to the editor, a program gets the description: both say so."""
    page = client.get("/sparql", headers={"Accept": BROWSER})
    assert page.status_code == 303 and page.headers["Vary"] == "Accept"
    assert client.get("/sparql").headers["Vary"] == "Accept"
