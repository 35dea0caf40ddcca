"""The one IRI-minting module: every spelling of a symbol gives one IRI, used everywhere."""

from __future__ import annotations

from pathlib import Path

from wsis_kg.extraction.importer.citations import CitedResolution
from wsis_kg.extraction.mentions import resolution_mentions
from wsis_kg.extraction.sources.rdf import DocBuilder
from wsis_kg.namespaces import (
    ID,
    WSIS,
    doc_iri,
    document_slug,
    graph_iri,
    paragraph_iri,
    resolution_iri,
)

PACKAGE = Path(__file__).resolve().parents[1] / "wsis_kg"


def test_resolution_iri_from_every_spelling() -> None:
    want = ID["resolution/A-RES-57-270B"]
    assert resolution_iri("A/RES/57/270B") == resolution_iri("A/RES/57/270 B") == want
    assert resolution_iri("A-RES-57-270B") == want


def test_the_three_former_minters_agree() -> None:
    """The text extractors, the resolution importer and mention linking mint the same IRI."""
    b = DocBuilder("x", WSIS.Document, "X", "x.txt")
    from_extractor = b.cite_resolution(b.doc, WSIS.cites, "E/RES/2009/7")
    from_importer = CitedResolution("E/RES/2009/7", "ecosoc")
    from_mentions = next(resolution_mentions("resolution 2009/7", {resolution_iri("E/RES/2009/7")}))
    assert from_extractor == from_importer.iri == from_mentions == ID["resolution/E-RES-2009-7"]


def test_documents_paragraphs_graphs() -> None:
    assert paragraph_iri(doc_iri("geneva-plan-of-action"), 12) == \
        ID["doc/geneva-plan-of-action/para/12"]
    assert document_slug("A/60/687.1") == "A-60-687-1"
    assert str(graph_iri("A-RES-66-184")) == "https://w3id.org/wsis-kg/graph/A-RES-66-184"


def test_no_other_module_spells_an_id_path() -> None:
    """IRI patterns below id/ are written in namespaces.py only (the synthetic benchmark data
    has its own base)."""
    spelled = [f"{p.relative_to(PACKAGE)}: {pattern}"
               for p in PACKAGE.rglob("*.py") if p.name != "namespaces.py"
               and p.parent.name != "bench"
               for pattern in ('"resolution/', '"doc/', '"org/', '"action-line/', "/para/{")
               if pattern in p.read_text(encoding="utf-8")]
    assert spelled == []
