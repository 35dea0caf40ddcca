"""Hostile RDF from callers: deep nesting, XML entities, and anything that would reach out.

Each document here did harm before it was refused (the figure is in its test's docstring); now
each is a 400 that says what and where, and a listener on 127.0.0.1 (``Tripwire``) proves that
nothing was fetched, while a ``file:`` secret never shows up in an answer.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from rdflib import Graph

from wsis_kg.errors import InputSyntaxError
from wsis_kg.graph.build import build
from wsis_kg.rdf.limits import MAX_NESTING, check_json_nesting
from wsis_kg.rdf.parse import parse_bytes, rdflib_parse
from wsis_kg.settings import Settings
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.testing import Tripwire
from wsis_kg.web import create_app

#: Heavier than the everyday loop allows (`pytest -m "not slow"` stays under a minute).
pytestmark = pytest.mark.slow

PROJECT = Path(__file__).resolve().parents[1] / "fixtures" / "validate" / "project"
JSONLD, RDFXML = ox.RdfFormat.JSON_LD, ox.RdfFormat.RDF_XML
RDF_OPEN = ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns:ex="http://example.org/">')
GSP = "/rdf-graphs/service?graph=" + quote("https://example.org/graph/h", safe="")


JSONLD_HEAD = '{"@id":"http://example.org/a","http://example.org/p":'


def deep_jsonld(depth: int) -> bytes:
    """The finding's document: a JSON-LD list of lists, ``depth`` deep (1,000: 12 KB)."""
    return (JSONLD_HEAD + '{"@list":[' * depth + '"x"' + ']}' * depth + '}').encode()


def deep_rdfxml(depth: int) -> bytes:
    return (RDF_OPEN + '<rdf:Description rdf:about="http://example.org/a">'
            + "<ex:p><rdf:Description>" * depth + "</rdf:Description></ex:p>" * depth
            + "</rdf:Description></rdf:RDF>").encode()


def laughs(levels: int = 9) -> bytes:
    """The "billion laughs": 10**levels copies of "lol" from about 850 bytes."""
    ents = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, levels + 1))
    return (f'<?xml version="1.0"?><!DOCTYPE rdf:RDF [{ents}]>{RDF_OPEN}'
            f'<rdf:Description rdf:about="http://example.org/a"><ex:p>&l{levels};</ex:p>'
            "</rdf:Description></rdf:RDF>").encode()


@pytest.fixture(scope="module")
def hclient():
    settings = Settings(project_root=PROJECT, build_on_start=False, tokens={"tok": "editor"})
    store = OxigraphStore()
    build(settings, store, check_shapes=False)
    return create_app(settings, store=store).test_client()


@pytest.fixture()
def secret_file(tmp_path: Path) -> tuple[Path, str]:
    secret = "wsis-secret-" + secrets.token_hex(8)
    path = tmp_path / "secret.txt"
    path.write_text(secret)
    return path, secret


def refused(resp, *words: str) -> dict:
    assert resp.status_code == 400, resp.get_data(as_text=True)[:300]
    problem = resp.get_json()
    assert problem["type"].endswith("/syntax-error")
    assert all(w in problem["detail"] for w in words), problem["detail"]
    return problem


# -- 1. JSON-LD nesting ----------------------------------------------------------------------

def test_deep_jsonld_is_refused_before_parsing_with_its_position() -> None:
    """1,000 nested lists (12 KB) parsed before; 10,000 killed the process (native stack)."""
    for depth in (1_000, 10_000):
        with pytest.raises(InputSyntaxError) as e:
            parse_bytes(deep_jsonld(depth), JSONLD, source="deep.jsonld")
        assert f"nest deeper than {MAX_NESTING} levels" in e.value.detail
        assert "WSIS_KG_MAX_NESTING" in e.value.detail
        # where: the 257th bracket, the '[' of the 128th '{"@list":['
        assert (e.value.line, e.value.column) == (1, len(JSONLD_HEAD) + 127 * 10 + 9 + 1)
        assert e.value.detail.startswith(f"deep.jsonld:1:{e.value.column}: ")


def test_deep_jsonld_in_a_request_thread_is_a_400(hclient) -> None:
    """Over HTTP (a request thread, a smaller native stack): POST /validate and a Graph Store
    PUT answer 400 instead of parsing (or crashing on) the document."""
    resp = hclient.post("/validate", data=deep_jsonld(1_000),
                        content_type="application/ld+json")
    problem = refused(resp, "nest deeper than 256 levels")
    assert problem["line"] == 1 and problem["column"] > 1
    resp = hclient.put(GSP, data=deep_jsonld(1_000), content_type="application/ld+json",
                       headers={"Authorization": "Bearer tok"})
    refused(resp, "nest deeper than 256 levels")

    results: list[int] = []

    def post() -> None:
        results.append(hclient.post("/validate", data=deep_jsonld(10_000),
                                    content_type="application/ld+json").status_code)

    worker = threading.Thread(target=post)
    worker.start()
    worker.join(30)
    assert results == [400]


def test_nesting_up_to_the_limit_is_read_and_the_limit_is_a_setting() -> None:
    assert len(parse_bytes(deep_jsonld(120), JSONLD).quads) == 2 * 120 + 1
    assert len(parse_bytes(deep_rdfxml(120), RDFXML).quads) == 120
    with pytest.raises(InputSyntaxError):  # 20 lists: 41 levels of objects and arrays
        parse_bytes(deep_jsonld(20), JSONLD, max_nesting=40)
    assert len(parse_bytes(deep_jsonld(20), JSONLD, max_nesting=41).quads) == 41
    assert Settings.from_env({"WSIS_KG_MAX_NESTING": "64"}).max_nesting == 64
    assert Settings().max_nesting == MAX_NESTING == 256


def test_the_setting_bounds_every_upload_route() -> None:
    """WSIS_KG_MAX_NESTING reaches POST /validate (body, form) and the Graph Store."""
    settings = Settings(project_root=PROJECT, build_on_start=False, tokens={"tok": "editor"},
                        max_nesting=30)
    store = OxigraphStore()
    build(settings, store, check_shapes=False)
    client = create_app(settings, store=store).test_client()
    deep, shallow = deep_jsonld(15), deep_jsonld(14)  # 31 and 29 levels
    auth = {"Authorization": "Bearer tok"}
    for doc, status in ((deep, 400), (shallow, 200)):
        assert client.post("/validate", data=doc, content_type="application/ld+json"
                           ).status_code == status
        assert client.post("/validate", data={"data": doc.decode(), "format": "jsonld"}
                           ).status_code == status
    refused(client.put(GSP, data=deep, content_type="application/ld+json", headers=auth),
            "deeper than 30 levels")
    assert client.put(GSP, data=shallow, content_type="application/ld+json",
                      headers=auth).status_code in (200, 201, 204)


def test_brackets_in_strings_do_not_count() -> None:
    text = json.dumps({"@id": "http://example.org/a",
                       "http://example.org/p": "[{" * 5000 + "\\\"[{"}).encode()
    check_json_nesting(text, max_nesting=3)  # no error
    assert len(parse_bytes(text, JSONLD).quads) == 1


def test_json_scan_of_a_large_document_is_cheap() -> None:
    """5 MB of ordinary JSON-LD (50,000 nodes) is scanned in well under a second."""
    nodes = [{"@id": f"http://example.org/n{i}", "http://example.org/p": [{"@value": i}],
              "http://example.org/q": {"@id": f"http://example.org/n{i + 1}"}}
             for i in range(50_000)]
    text = json.dumps({"@graph": nodes}).encode()
    t0 = time.perf_counter()
    check_json_nesting(text)
    assert time.perf_counter() - t0 < 1.0


# -- 2. RDF/XML: DTDs, entities, nesting -------------------------------------------------------

def test_billion_laughs_is_refused_in_milliseconds(hclient) -> None:
    """850 bytes took the process to 1.56 GiB; now the DTD is refused before any expansion."""
    doc = laughs()
    assert len(doc) < 900
    t0 = time.perf_counter()
    with pytest.raises(InputSyntaxError) as e:
        parse_bytes(doc, RDFXML, source="laughs.rdf")
    assert time.perf_counter() - t0 < 0.1
    assert "<!DOCTYPE> (DTD) is not accepted" in e.value.detail
    assert (e.value.line, e.value.column) == (1, 40)  # in the <!DOCTYPE, at its '['
    resp = hclient.post("/validate", data=doc, content_type="application/rdf+xml")
    refused(resp, "DTD", "request body:1:40:")


def test_a_doctype_after_the_root_element_is_not_expanded() -> None:
    """pyoxigraph read a DTD even inside the root element (300,000 characters from 5 levels)."""
    doc = laughs(5).replace(b'<?xml version="1.0"?>', b"")
    dtd_end = doc.index(b"]>") + 2
    doc = RDF_OPEN.encode() + doc[:dtd_end] + doc[dtd_end + len(RDF_OPEN):]
    with pytest.raises(InputSyntaxError) as e:
        parse_bytes(doc, RDFXML, source="late.rdf")
    assert e.value.line == 1 and e.value.column is not None


def test_an_unknown_xml_encoding_is_refused_before_the_dtd() -> None:
    doc = laughs(5).replace(b'version="1.0"', b'version="1.0" encoding="x-unknown"')
    with pytest.raises(InputSyntaxError) as e:
        parse_bytes(doc, RDFXML)
    assert "unknown encoding" in e.value.detail


def test_deep_rdfxml_is_refused_quickly() -> None:
    """60,000 nested RDF/XML elements took 28 s to parse; refused now in milliseconds."""
    doc = deep_rdfxml(60_000)
    t0 = time.perf_counter()
    with pytest.raises(InputSyntaxError) as e:
        parse_bytes(doc, RDFXML, source="deep.rdf")
    assert time.perf_counter() - t0 < 1.0
    assert "XML elements nest deeper than 256 levels" in e.value.detail
    assert e.value.line == 1


def test_external_entities_read_no_file_and_no_url(hclient, secret_file) -> None:
    path, secret = secret_file
    with Tripwire() as wire:
        for target in (path.as_uri(), wire.url + "/entity"):
            doc = (f'<?xml version="1.0"?><!DOCTYPE rdf:RDF [<!ENTITY s SYSTEM "{target}">]>'
                   f'{RDF_OPEN}<rdf:Description rdf:about="http://example.org/a">'
                   "<ex:p>&s;</ex:p></rdf:Description></rdf:RDF>").encode()
            resp = hclient.post("/validate", data=doc, content_type="application/rdf+xml",
                                headers={"Accept": "text/turtle"})
            refused(resp, "DTD")
            assert secret not in resp.get_data(as_text=True)
        time.sleep(0.3)
    assert wire.hits == []


# -- 3. nothing is fetched while parsing ------------------------------------------------------

def test_a_remote_jsonld_context_is_not_fetched(hclient, secret_file) -> None:
    path, secret = secret_file
    with Tripwire() as wire:
        for ctx in (wire.url + "/context.jsonld", path.as_uri(), [wire.url + "/c2"]):
            doc = json.dumps({"@context": ctx, "@id": "http://example.org/a", "name": "x"})
            resp = hclient.post("/validate", data=doc, content_type="application/ld+json")
            refused(resp, "@context given as a URL is not fetched")
            assert secret not in resp.get_data(as_text=True)
            with pytest.raises(InputSyntaxError):
                parse_bytes(doc, JSONLD)
        time.sleep(0.3)
    assert wire.hits == []


def test_rdflib_parse_reads_no_url(secret_file) -> None:
    """THE rdflib parse took any source: rdflib fetched http: and read file: URLs."""
    path, secret = secret_file
    with Tripwire() as wire:
        for source in (wire.url + "/data.ttl", path.as_uri(), "FILE:" + str(path)):
            g = Graph()
            with pytest.raises(InputSyntaxError) as e:
                rdflib_parse(g, source, format="turtle")
            assert "a URL is not read" in e.value.detail
            assert secret not in e.value.detail and len(g) == 0
        time.sleep(0.3)
    assert wire.hits == []
