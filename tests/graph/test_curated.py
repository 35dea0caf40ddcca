"""The curated files of the gazetteer area point only at things the graph describes.

Every ``id/`` IRI that action lines, targets, organisations, events, places, initiatives,
figures, levels and cited documents refer to (sources, paragraphs, places, organisers, ...) must
be the subject of some triple in data/, so no citation dangles after an extractor changes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from wsis_kg.graph.build import graph_of
from wsis_kg.namespaces import ID

ROOT = Path(__file__).resolve().parents[2]
MINE = ["action-lines", "targets", "organisations", "stakeholder-groups", "events", "places",
        "initiatives", "figures", "levels", "documents"]


@pytest.fixture(scope="module")
def described() -> set[URIRef]:
    g = Graph()
    for p in sorted((ROOT / "data").glob("*/*.ttl")):
        g.parse(p, format="turtle")
    return {s for s in g.subjects() if isinstance(s, URIRef)}


@pytest.mark.parametrize("name", MINE)
def test_no_dangling_references(name: str, described: set[URIRef]) -> None:
    path = ROOT / "data" / "curated" / f"{name}.ttl"
    assert graph_of(path).startswith("https://w3id.org/wsis-kg/graph/")
    g = Graph().parse(path, format="turtle")
    dangling = sorted({str(o) for o in g.objects() if isinstance(o, URIRef)
                       and str(o).startswith(str(ID)) and o not in described})
    assert not dangling, f"{path.name} refers to IRIs nothing describes: {dangling}"
