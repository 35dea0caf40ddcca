"""Report rendering: grouped text, simple JSON, Turtle/JSON-LD (W3C vocabulary), HTML, paths."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection

from wsis_kg.graph.build import build
from wsis_kg.rdf.parse import parse_file
from wsis_kg.settings import Settings
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.validation.report import SH, path_to_text, render, short, to_json
from wsis_kg.validation.validate import validate_new_data

FIXTURES = Path(__file__).parents[1] / "fixtures" / "validate"
WSIS = Namespace("https://w3id.org/wsis-kg/def/")


@pytest.fixture(scope="module")
def bad_report():
    settings = Settings(project_root=FIXTURES / "project", build_on_start=False)
    store = OxigraphStore()
    build(settings, store, check_shapes=False)
    return validate_new_data([parse_file(FIXTURES / "inputs" / "bad.ttl")], settings, store)


def test_text_is_grouped_by_focus_node(bad_report) -> None:
    text = render(bad_report, "text")
    assert "does not conform: 5 violations, 1 warning, 0 infos" in text.splitlines()[0]
    blocks = text.split("\n\n")[1:]
    assert len(blocks) == 3  # three focus nodes (one is the cited, unknown resolution)
    res = next(b for b in blocks if "E-RES-2099-1" in b.splitlines()[0])
    assert "Violation wsis:adoptedBy  value: <https://w3id.org/wsis-kg/id/org/no-such-org>" in res
    assert "adoptedBy must name a known organisation." in res
    assert "Warning   dcterms:title" in res
    assert "wsiss:ResolutionShape (property wsis:symbol)" in res


def test_simple_json_shape(bad_report) -> None:
    data = json.loads(render(bad_report, "json"))
    assert set(data) == {"conforms", "violations", "warnings", "infos", "results"}
    assert (data["conforms"], data["violations"], data["warnings"]) == (False, 5, 1)
    first = data["results"][0]
    assert set(first) == {"focusNode", "path", "value", "severity", "message", "sourceShape",
                          "constraint"}
    assert first["constraint"].startswith(str(SH))
    assert data == to_json(bad_report)


@pytest.mark.parametrize("fmt,syntax", [("turtle", "turtle"), ("jsonld", "json-ld")])
def test_rdf_renderings_are_shacl_reports(bad_report, fmt: str, syntax: str) -> None:
    g = Graph().parse(data=render(bad_report, fmt), format=syntax)
    report = next(g.subjects(URIRef(str(SH) + "conforms"), None))
    assert g.value(report, SH.conforms) == Literal(False)
    assert len(list(g.objects(report, SH.result))) == 6


def test_html_page(bad_report) -> None:
    html = render(bad_report, "html")
    assert html.startswith("<!doctype html>")
    assert "Does not conform" in html and html.count("<article") == 3
    assert "A facilitation concerns a known action line." in html


def test_paths_in_sparql_syntax() -> None:
    g = Graph()
    seq, inv, alt, star = BNode(), BNode(), BNode(), BNode()
    alts = BNode()
    Collection(g, alts, [WSIS.text, WSIS.heading])
    g.add((alt, SH.alternativePath, alts))
    g.add((inv, SH.inversePath, URIRef("http://purl.org/dc/terms/isPartOf")))
    g.add((star, SH.zeroOrMorePath, URIRef("http://www.w3.org/2004/02/skos/core#broader")))
    Collection(g, seq, [WSIS.cites, inv, star])
    assert path_to_text(g, alt) == "(wsis:text|wsis:heading)"
    assert path_to_text(g, seq) == "wsis:cites/^dcterms:isPartOf/skos:broader*"
    assert path_to_text(g, inv, compact=False) == "^<http://purl.org/dc/terms/isPartOf>"


def test_short_names() -> None:
    assert short(WSIS.Resolution) == "wsis:Resolution"
    assert short(URIRef("https://example.org/x")) == "<https://example.org/x>"
    assert short(Literal("hi", lang="en")) == '"hi"@en'
    assert short(None) == "—"
