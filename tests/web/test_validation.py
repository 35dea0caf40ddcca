"""POST/GET /validate: body, multipart and form input; report by content negotiation; limits."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import requests
from rdflib import Graph, Literal, Namespace

from wsis_kg.graph.build import build
from wsis_kg.settings import Settings
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.web import create_app

SH = Namespace("http://www.w3.org/ns/shacl#")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "validate"
PROJECT, INPUTS = FIXTURES / "project", FIXTURES / "inputs"


def make_app(**settings):
    """The service over the small fixture project (its shapes and graph), already built."""
    s = Settings(project_root=PROJECT, build_on_start=False, tokens={"tok": "editor"},
                 **settings)
    store = OxigraphStore()
    build(s, store, check_shapes=False)
    return create_app(s, store=store)


@pytest.fixture(scope="module")
def vapp():
    return make_app()


@pytest.fixture()
def vclient(vapp):
    return vapp.test_client()


@pytest.fixture(scope="module")
def small_client():
    return make_app(max_body_bytes=2000).test_client()


@pytest.fixture(scope="module")
def vlive():
    from wsis_kg.testing import LiveServer

    with LiveServer(make_app(max_body_bytes=20_000)) as srv:
        yield srv


def body(name: str) -> bytes:
    return (INPUTS / name).read_bytes()


def conforms(turtle: bytes) -> bool:
    g = Graph().parse(data=turtle, format="turtle")
    return next(g.objects(None, SH.conforms)) == Literal(True)


def test_page_has_paste_and_upload(vclient) -> None:
    resp = vclient.get("/validate")
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    html = resp.get_data(as_text=True)
    assert '<textarea id="data" name="data"' in html and 'type="file"' in html
    assert 'enctype="multipart/form-data"' in html


@pytest.mark.parametrize("name,media_type", [
    ("good.ttl", "text/turtle"), ("good.trig", "application/trig"),
    ("good.nt", "application/n-triples"), ("good.nq", "application/n-quads"),
    ("good.jsonld", "application/ld+json"), ("good.rdf", "application/rdf+xml"),
])
def test_body_in_any_rdf_media_type(vclient, name: str, media_type: str) -> None:
    resp = vclient.post("/validate", data=body(name), content_type=media_type)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/turtle; charset=utf-8"
    assert conforms(resp.get_data())


def test_violations_as_simple_json(vclient) -> None:
    resp = vclient.post("/validate", data=body("bad.ttl"), content_type="text/turtle",
                        headers={"Accept": "application/json"})
    data = resp.get_json()
    assert resp.status_code == 200 and data["violations"] == 5 and data["warnings"] == 1
    focus = {r["focusNode"] for r in data["results"]}
    assert "https://w3id.org/wsis-kg/id/facilitation/adopted/C99/itu" in focus


def test_report_as_json_ld(vclient) -> None:
    resp = vclient.post("/validate", data=body("bad.jsonld"),
                        content_type="application/ld+json",
                        headers={"Accept": "application/ld+json"})
    assert resp.mimetype == "application/ld+json"
    g = Graph().parse(data=resp.get_data(), format="json-ld")
    assert len(list(g.objects(None, SH.result))) == 6


def test_multipart_upload_answers_html_to_browsers(vclient) -> None:
    resp = vclient.post("/validate", data={"file": (io.BytesIO(body("bad.rdf")), "bad.rdf")},
                        content_type="multipart/form-data",
                        headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    assert "Does not conform" in html and "adoptedBy must name a known organisation." in html


def test_form_paste(vclient) -> None:
    resp = vclient.post("/validate", data={"data": body("good.nt").decode(),
                                           "format": "ntriples"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<strong>Conforms</strong>" in html
    assert "&lt;https://w3id.org/wsis-kg/id/resolution/E-RES-2010-3&gt;" in html  # paste kept


def test_form_paste_with_syntax_error_shows_where(vclient) -> None:
    resp = vclient.post("/validate", data={"data": body("syntax-error.ttl").decode()})
    assert resp.status_code == 400 and resp.mimetype == "text/html"
    assert "data:6:3:" in resp.get_data(as_text=True)


def test_caller_shapes(vclient) -> None:
    resp = vclient.post("/validate", data={
        "data": (io.BytesIO(body("good.ttl")), "good.ttl"),
        "shapes": (io.BytesIO(body("custom-shapes.ttl")), "custom-shapes.ttl"),
    }, content_type="multipart/form-data", headers={"Accept": "application/json"})
    data = resp.get_json()
    assert [r["message"] for r in data["results"]] == ["Give the session number."]


def test_syntax_error_is_400_with_line_and_column(vclient) -> None:
    resp = vclient.post("/validate", data=body("syntax-error.ttl"), content_type="text/turtle")
    problem = resp.get_json()
    assert resp.status_code == 400 and resp.mimetype == "application/problem+json"
    assert (problem["line"], problem["column"]) == (6, 3)
    assert problem["type"].endswith("/syntax-error") and "dot" in problem["detail"]


@pytest.mark.parametrize("content_type", ["text/csv", None])
def test_unsupported_media_type_is_415(vclient, content_type) -> None:
    resp = vclient.post("/validate", data=b"a,b", content_type=content_type)
    assert resp.status_code == 415 and resp.get_json()["status"] == 415


def test_not_acceptable_is_406(vclient) -> None:
    resp = vclient.post("/validate", data=body("good.ttl"), content_type="text/turtle",
                        headers={"Accept": "image/png"})
    assert resp.status_code == 406


def test_body_limit_is_413(small_client) -> None:
    resp = small_client.post("/validate", data=b"#" * 5000, content_type="text/turtle")
    problem = resp.get_json()
    assert resp.status_code == 413 and "at most 2000 bytes" in problem["detail"]
    resp = small_client.post("/validate", data={"data": "#" * 5000})
    assert resp.status_code == 413


def test_over_real_http(vlive) -> None:
    resp = requests.post(vlive.url + "/validate", data=body("bad.ttl"), timeout=30,
                         headers={"Content-Type": "text/turtle", "Accept": "application/json"})
    assert resp.status_code == 200 and resp.json()["violations"] == 5
    big = requests.post(vlive.url + "/validate", data=b"#" * 50_000, timeout=30,
                        headers={"Content-Type": "text/turtle"})
    assert big.status_code == 413
    assert json.loads(big.text)["title"] == "Payload too large"


def test_fixture_paths_exist() -> None:
    assert Path(PROJECT, "shapes", "wsis-shapes.ttl").exists()
