"""Every route reads and writes RDF by the one registry (``wsis_kg.rdf.formats``): the same
upload means the same syntax everywhere, and a format is sent with the same Content-Type."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from wsis_kg.graph.build import build
from wsis_kg.rdf.formats import GRAPH_FORMATS, RDF_XML, Format
from wsis_kg.settings import Settings
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.web import create_app

#: Heavier than the everyday loop allows (`pytest -m "not slow"` stays under a minute).
pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "validate"
GOOD_TTL = (FIXTURES / "inputs" / "good.ttl").read_bytes()
AUTH = {"Authorization": "Bearer tok"}


@pytest.fixture()
def vclient():
    s = Settings(project_root=FIXTURES / "project", build_on_start=False, tokens={"tok": "editor"})
    store = OxigraphStore()
    build(s, store, check_shapes=False)
    return create_app(s, store=store).test_client()


def _upload(part_type: str) -> dict:
    return {"data": (io.BytesIO(GOOD_TTL), "data.ttl", part_type)}


@pytest.mark.parametrize("part_type", ["text/plain", "application/octet-stream", "text/turtle"])
def test_a_ttl_part_is_turtle_on_every_route(vclient, part_type) -> None:
    """A ``data.ttl`` multipart part sent as text/plain was Turtle for /validate (200) but
    N-Triples for the Graph Store (400): both now read it by its extension."""
    validated = vclient.post("/validate", data=_upload(part_type),
                             content_type="multipart/form-data",
                             headers={"Accept": "application/json"})
    assert validated.status_code == 200, validated.get_data(as_text=True)
    assert validated.get_json()["conforms"] is True
    stored = vclient.post("/rdf-graphs/service", data=_upload(part_type),
                          content_type="multipart/form-data", headers=AUTH)
    assert stored.status_code == 201, stored.get_data(as_text=True)


def test_a_part_without_a_known_extension_is_refused_alike(vclient) -> None:
    """An octet-stream part named ``data.bin`` names no syntax: 415 from both routes."""
    up = {"data": (io.BytesIO(GOOD_TTL), "data.bin", "application/octet-stream")}
    validated = vclient.post("/validate", data=up, content_type="multipart/form-data",
                             headers={"Accept": "application/json"})
    up = {"data": (io.BytesIO(GOOD_TTL), "data.bin", "application/octet-stream")}
    stored = vclient.post("/rdf-graphs/service", data=up, content_type="multipart/form-data",
                          headers=AUTH)
    assert validated.status_code == stored.status_code == 415


def _routes(f: Format) -> dict[str, tuple[str, dict]]:
    """The routes that answer in ``f``: path → (query string, headers)."""
    accept = {"Accept": f.media_type}
    routes = {
        "/sparql": ({"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 3"}, accept),
        "/sparql (service description)": ({}, accept),
        "/rdf-graphs/service": ({"default": ""}, accept),
        f"/dumps/wsis-kg.{f.extension}": ({}, {}),
    }
    if not f.dataset:
        routes[f"/def.{f.extension}"] = ({}, {})
        routes[f"/.well-known/void.{f.extension}"] = ({}, {})
        routes["/def"] = ({}, accept)  # 303 to the format URL, followed
    return routes


@pytest.mark.parametrize("fmt", GRAPH_FORMATS, ids=lambda f: f.name)
def test_every_route_sends_a_format_with_one_content_type(client, fmt) -> None:
    """Only the Graph Store sent RDF/XML without a charset, and dumps sent JSON-LD, N-Quads and
    TriG without one: every route now sends the registry's Content-Type."""
    for name, (query, headers) in _routes(fmt).items():
        path = name.split(" ")[0]
        resp = client.get(path, query_string=query, headers=headers, follow_redirects=True)
        assert resp.status_code == 200, (name, resp.get_data(as_text=True)[:300])
        assert resp.headers["Content-Type"] == fmt.content_type, name


def test_rdf_xml_is_utf8_and_says_so() -> None:
    assert RDF_XML.content_type == "application/rdf+xml; charset=utf-8"
