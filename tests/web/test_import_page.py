"""/import: the editor's page and its JSON API over the real graph (own store: commits write).

Texts come from the importer's corpus (tests/fixtures/importer/corpus/, derived from the two
seed resolutions); a new symbol (E/RES/2099/7) makes the import a resolution the graph lacks.
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS

from wsis_kg.graph.build import build
from wsis_kg.settings import Settings
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.web import close_app, create_app
from wsis_kg.web.extension import EXTENSION_KEY

#: Heavier than the everyday loop allows (`pytest -m "not slow"` stays under a minute).
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "fixtures" / "importer" / "corpus"
TOKEN = {"Authorization": "Bearer test-token"}
NEW = "https://w3id.org/wsis-kg/id/resolution/E-RES-2099-7"


def make_app(**settings):
    s = Settings(project_root=ROOT, build_on_start=False, tokens={"test-token": "test-editor"},
                 **settings)
    store = OxigraphStore()
    build(s, store, check_shapes=False)
    return create_app(s, store=store)


@pytest.fixture(scope="module")
def iapp():
    app = make_app()
    yield app
    close_app(app)


@pytest.fixture()
def ic(iapp):
    return iapp.test_client()


def corpus(name: str) -> str:
    return (CORPUS / name).read_text(encoding="utf-8")


def without_symbol(text: str) -> str:
    """The ECOSOC seed text without its symbol line ("2009/7")."""
    return text.split("\n", 1)[1]


# -- the page ------------------------------------------------------------------------------------

class Controls(HTMLParser):
    """Form controls, labels and scripts of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict] = []
        self.labels: set[str] = set()
        self.scripts: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("input", "textarea", "select") and a.get("type") != "hidden":
            self.controls.append(a)
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"])
        if tag == "script":
            self.scripts.append(a)


def check_accessible_form(html: str) -> Controls:
    c = Controls()
    c.feed(html)
    assert c.controls
    unlabelled = [a for a in c.controls if a.get("id") not in c.labels]
    assert not unlabelled, f"controls without a <label for>: {unlabelled}"
    # the CSP allows no inline script: every script is a file or a JSON data block
    assert all(s.get("src") or s.get("type") == "application/json" for s in c.scripts)
    return c


def test_page_has_a_labelled_form_and_the_navigation_link(ic):
    r = ic.get("/import")
    assert r.status_code == 200
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    html = r.get_data(as_text=True)
    check_accessible_form(html)
    for name in ("text", "files", "symbol", "date", "title", "body", "validate"):
        assert f'name="{name}"' in html
    assert 'href="/import"' in ic.get("/validate").get_data(as_text=True)


# -- the JSON API --------------------------------------------------------------------------------

def test_json_api_gives_structure_report_and_turtle(ic):
    expected = json.loads((CORPUS / "ecosoc-plain.json").read_text(encoding="utf-8"))
    r = ic.post("/import", json={"text": corpus("ecosoc-plain.txt")})
    assert r.status_code == 200 and r.mimetype == "application/json"
    (doc,) = r.get_json()["imports"]
    assert doc["symbol"] == expected["symbol"] and doc["date"] == expected["date"]
    assert doc["title"] == expected["title"] and doc["body"] == "ecosoc"
    paragraphs = [p for p in doc["parts"] if p["kind"] in ("preamble", "operative")]
    assert [(p["kind"], p["number"], p["leading"], p["text"]) for p in paragraphs] == [
        (e["kind"], e["number"], e["leading"], e["text"]) for e in expected["paragraphs"]]
    assert {str(k): v for k, v in doc["footnotes"].items()} == expected["footnotes"]
    assert any("mention triples" in line for line in doc["report"])
    assert doc["page"] == "/id/resolution/E-RES-2009-7"
    g = Graph().parse(data=doc["turtle"], format="turtle")
    assert len(g) == doc["triples"]
    assert (URIRef(doc["iri"]), DCTERMS.title, None) in g


def test_plain_text_body_with_the_symbol_in_the_query_string(ic):
    text = without_symbol(corpus("ecosoc-plain.txt"))
    r = ic.post("/import", data=text.encode(), content_type="text/plain")
    assert r.status_code == 400
    assert "no symbol found" in r.get_json()["detail"]
    r = ic.post("/import?symbol=E/RES/2099/7&date=2099-07-24", data=text.encode(),
                content_type="text/plain")
    assert r.status_code == 200, r.get_data(as_text=True)
    (doc,) = r.get_json()["imports"]
    assert doc["iri"] == NEW and doc["date"] == "2099-07-24"


def test_json_api_validates_against_the_live_graph(ic):
    r = ic.post("/import", json={"text": corpus("ecosoc-plain.txt"), "symbol": "E/RES/2099/7",
                                 "validate": True})
    (doc,) = r.get_json()["imports"]
    assert doc["validation"]["violations"] == 0


def test_text_over_the_import_limit_is_refused_with_413():
    app = make_app(import_max_bytes=4000)
    try:
        c = app.test_client()
        r = c.post("/import", json={"text": corpus("ecosoc-plain.txt")})
        assert r.status_code == 413
        assert "WSIS_KG_IMPORT_MAX_BYTES" in r.get_json()["detail"]
        r = c.post("/import", data={"text": corpus("ecosoc-plain.txt")},
                   headers={"Accept": "text/html"})
        assert r.status_code == 413 and r.mimetype == "text/html"
        assert "WSIS_KG_IMPORT_MAX_BYTES" in r.get_data(as_text=True)
        assert 'role="alert"' in r.get_data(as_text=True)
    finally:
        close_app(app)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "latin-1"])
def test_uploads_in_every_encoding_read_alike(ic, encoding):
    text = corpus("ecosoc-plain.txt").replace("all stakeholders", "all stakeholders (Genève)")
    data = text.encode(encoding, "replace")  # latin-1 lacks the text's dashes and quotes
    if encoding == "utf-16":
        assert data[:2] in (b"\xff\xfe", b"\xfe\xff")
    r = ic.post("/import", data={"files": (io.BytesIO(data), "E_RES_2009_7.txt")},
                headers={"Accept": "application/json"})
    assert r.status_code == 200, r.get_data(as_text=True)
    (doc,) = r.get_json()["imports"]
    assert doc["name"] == "E_RES_2009_7.txt"
    assert "all stakeholders (Genève)" in doc["parts"][1]["text"]
    assert doc["symbol"] == "E/RES/2009/7"


def test_a_zip_of_texts_imports_each_and_reports_the_refused(ic):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("ecosoc.txt", corpus("ecosoc-plain.txt"))
        z.writestr("ga.txt", corpus("ga-reflow.txt"))
        z.writestr("empty.txt", "")
        z.writestr("notes.md", "ignored")
    r = ic.post("/import", data={"files": (io.BytesIO(buf.getvalue()), "texts.zip")},
                headers={"Accept": "application/json"})
    assert r.status_code == 200, r.get_data(as_text=True)
    docs = r.get_json()["imports"]
    assert [d["name"] for d in docs] == ["texts.zip:ecosoc.txt", "texts.zip:empty.txt",
                                          "texts.zip:ga.txt"]
    assert docs[0]["symbol"] == "E/RES/2009/7" and docs[2]["symbol"] == "A/RES/66/184"
    assert "empty" in docs[1]["error"]


def test_a_zip_with_too_many_entries_is_refused(ic):
    from wsis_kg.extraction.importer.files import ZIP_MAX_FILES

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for i in range(ZIP_MAX_FILES + 1):
            z.writestr(f"t{i}.txt", "x")
    r = ic.post("/import", data={"files": (io.BytesIO(buf.getvalue()), "many.zip")},
                headers={"Accept": "application/json"})
    assert r.status_code == 400
    assert f"at most {ZIP_MAX_FILES}" in r.get_json()["detail"]


def test_a_busy_service_answers_503_with_retry_after():
    app = make_app(jobs=1)
    try:
        svc = app.extensions[EXTENSION_KEY].queries
        worker = threading.Thread(target=lambda: svc.run_job(time.sleep, 3, what="holding"))
        worker.start()
        time.sleep(0.5)
        r = app.test_client().post("/import", json={"text": corpus("ecosoc-plain.txt")})
        worker.join()
        assert r.status_code == 503
        assert r.headers["Retry-After"]
    finally:
        close_app(app)


# -- the reading view and the header form ------------------------------------------------------

def test_reading_view_shows_numbers_leading_verbs_footnotes_citations_and_warnings(ic):
    r = ic.post("/import", data={"text": corpus("ecosoc-ocr.txt"), "symbol": "E/RES/2099/7"})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    check_accessible_form(html)
    assert '<span class="num">12.' in html
    assert re.search(r'<em class="leading[^"]*"[^>]*>Recognizing</em>', html)
    # a footnote marker links to its footnote
    assert re.search(r'<sup><a href="#fn1-1"', html) and 'id="fn1-1"' in html
    # a cited resolution the graph has links to its page; E/RES/2006/46 is in the graph
    assert '<a class="cite" href="/id/resolution/E-RES-2006-46">2006/46</a>' in html
    # the warning about a garbled verb sits beside its paragraph
    aside = re.search(r"<aside class=\"part-warnings\"[^>]*>.*?Cal s upon.*?</aside>", html,
                      re.S)
    assert aside
    # the symbol the editor gave stays in the form, the date the text said goes back as found
    assert 'name="symbol" value="E/RES/2099/7"' in html
    assert 'name="found_date" value="2009-07-24"' in html
    # the Turtle for the commit is a JSON data block, the script a file
    assert '<script type="application/json" id="turtle-1">' in html
    assert "import.js" in html


def test_unchanged_header_fields_are_not_overrides_and_a_title_is(ic):
    text = corpus("ecosoc-plain.txt")
    r = ic.post("/import", json={"text": text, "symbol": "E/RES/2009/7",
                                 "found_symbol": "E/RES/2009/7", "title": "A title of mine"})
    (doc,) = r.get_json()["imports"]
    assert not any("the text says" in w for w in doc["warnings"])
    g = Graph().parse(data=doc["turtle"], format="turtle")
    assert {str(t) for t in g.objects(URIRef(doc["iri"]), DCTERMS.title)} == {"A title of mine"}


def test_header_fields_name_one_resolution(ic):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", corpus("ecosoc-plain.txt"))
        z.writestr("b.txt", corpus("ga-reflow.txt"))
    r = ic.post("/import", data={"files": (io.BytesIO(buf.getvalue()), "t.zip"),
                                 "symbol": "E/RES/2099/7"},
                headers={"Accept": "application/json"})
    assert r.status_code == 400 and "one resolution" in r.get_json()["detail"]


# -- commit through the validated ingest -------------------------------------------------------

def test_commit_of_the_import_creates_the_resolution_page(ic):
    r = ic.post("/import", json={"text": corpus("ecosoc-plain.txt"), "symbol": "E/RES/2099/8"})
    (doc,) = r.get_json()["imports"]
    put = ic.put("/rdf-graphs/service?graph=" + doc["graph"], data=doc["turtle"],
                 headers={**TOKEN, "Content-Type": "text/turtle"})
    assert put.status_code == 201, put.get_data(as_text=True)
    page = ic.get("/id/resolution/E-RES-2099-8.html")
    assert page.status_code == 200 and "E/RES/2099/8" in page.get_data(as_text=True)


def test_a_non_conforming_import_is_refused_with_422_and_nothing_written(ic):
    # a preamble without operative paragraphs imports but does not conform
    text = corpus("ecosoc-plain.txt").split("1. Reaffirms")[0]
    text = text.split("\n", 1)[1]
    r = ic.post("/import", json={"text": text, "symbol": "E/RES/2099/9"})
    assert r.status_code == 200, r.get_data(as_text=True)
    (doc,) = r.get_json()["imports"]
    assert not [p for p in doc["parts"] if p["kind"] == "operative"]
    put = ic.put("/rdf-graphs/service?graph=" + doc["graph"], data=doc["turtle"],
                 headers={**TOKEN, "Content-Type": "text/turtle"})
    assert put.status_code == 422
    assert put.get_json()["report"]["violations"] > 0
    assert ic.get("/id/resolution/E-RES-2099-9.html").status_code == 404


def test_lettered_items_in_the_json_and_the_reading_view(ic):
    """Items (letters, and roman numerals under a letter) come out as parts in document order
    with their parent, and the reading view shows them under their paragraph, roman ones
    indented further."""
    text = (CORPUS / "hand" / "items.txt").read_text(encoding="utf-8")
    r = ic.post("/import", json={"text": text})
    (doc,) = r.get_json()["imports"]
    res = "https://w3id.org/wsis-kg/id/resolution/A-RES-99-20"
    items = [(p["iri"][len(res) + 1:], p["parent"][len(res) + 1:], p["text"])
             for p in doc["parts"] if p["kind"] == "item"]
    assert len(items) == 23
    assert items[9:13] == [
        ("para/4/a/ii", "para/4/a", "Affordability of devices and services;"),
        ("para/4/b", "para/4", "The role of the private sector and of civil society in:"),
        ("para/4/b/i", "para/4/b", "the financing of infrastructure; and"),
        ("para/4/b/ii", "para/4/b", "the safeguarding of personal data;")]
    r = ic.post("/import", data={"text": text}, headers={"Accept": "text/html"})
    html = r.get_data(as_text=True)
    assert "23 lettered items" in html
    sub = re.search(r'<div class="part item sub"[^>]*para-4-b-ii">\s*<span class="num">\(ii\)',
                    html)
    assert sub, html[html.find("para-4-b-ii") - 200:][:400]
    assert re.search(r'<div class="part item"[^>]*para-4-b">\s*<span class="num">\(b\)', html)
