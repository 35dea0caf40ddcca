"""The seeds' committed data is what the importer produces (``wsis-kg extract`` = the importer)."""

from __future__ import annotations

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from wsis_kg.extraction.extract import SOURCES, curated_graph, extract_doc
from wsis_kg.settings import Settings
from wsis_kg.validation.validate import project_shapes, run_pyshacl

SEEDS = [d for d in SOURCES if d.slug in ("E-RES-2009-7", "A-RES-66-184")]


@pytest.fixture(scope="module")
def gazetteer(settings: Settings) -> Graph:
    return curated_graph(settings)


@pytest.mark.parametrize("doc", SEEDS, ids=lambda d: d.slug)
def test_extracted_file_is_importer_output(doc, settings: Settings, gazetteer: Graph) -> None:
    produced = extract_doc(doc, settings, gazetteer)
    committed = Graph().parse(settings.data_dir / "extracted" / f"{doc.slug}.ttl")
    assert isomorphic(produced, committed), f"run: wsis-kg extract --only {doc.slug}"
    head = (settings.data_dir / "extracted" / f"{doc.slug}.ttl").read_text().splitlines()[0]
    assert head == f"# graph: <https://w3id.org/wsis-kg/graph/{doc.slug}>"


def test_seeds_conform_to_shapes(settings: Settings, gazetteer: Graph) -> None:
    """Both seed graphs, with the ontology and the curated data as context, have no violation
    but the known gap below (warnings allowed: e.g. no adoption date known)."""
    data = Graph()
    for t in gazetteer:
        data.add(t)
    for p in sorted(settings.ontology_dir.glob("*.ttl")):
        data.parse(p)
    focus = set()
    for doc in SEEDS:
        g = Graph().parse(settings.data_dir / "extracted" / f"{doc.slug}.ttl")
        focus |= set(g.subjects())
        for t in g:
            data.add(t)
    report = run_pyshacl(data, project_shapes(settings), focus=sorted(focus))
    bad = {(str(r.focus), r.path_text) for r in report.results if r.severity == "Violation"}
    # tolerated (docs/importer.md, "Modelling choices"): two UN documents cited only by symbol in
    # footnotes, whose titles belong in data/curated/documents.ttl
    known = {("https://w3id.org/wsis-kg/id/doc/A-60-687", "dcterms:title"),
             ("https://w3id.org/wsis-kg/id/doc/A-C-2-59-3", "dcterms:title")}
    assert bad <= known, bad - known
