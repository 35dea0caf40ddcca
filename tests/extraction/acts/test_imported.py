"""acts_for on a resolution the importer reads (not one of the seeds)."""

from __future__ import annotations

from pathlib import Path

from rdflib import RDF, Graph
from rdflib.namespace import DCTERMS

from wsis_kg.extraction.acts import acts_for
from wsis_kg.extraction.importer.resolution import import_resolution
from wsis_kg.extraction.mentions import link_mentions
from wsis_kg.namespaces import ID, WSIS

SYNTHETIC = Path(__file__).parents[2] / "fixtures" / "importer" / "synthetic-resolution.txt"


def test_acts_of_an_imported_resolution(gazetteer: Graph, ontology: Graph) -> None:
    # the symbol is printed only in a page header ("A/RES/99/1"), as the importer tests pass it
    result = import_resolution(SYNTHETIC.read_text(encoding="utf-8"), symbol="A/RES/99/1")
    doc = result.graph
    link_mentions(doc, gazetteer, ontology)
    acts = acts_for(doc, gazetteer, ontology)
    res = str(result.iri)
    by_source = {}
    for m in acts.subjects(RDF.type, WSIS.Mandate):
        by_source.setdefault(str(acts.value(m, DCTERMS.source)).removeprefix(res), []).append(m)
    # 1. Requests the Secretary-General: (a) To submit a report …; (b) To consult Member States
    # on: (i) …; (ii) … — the paragraph's verb and addressee pass to its items
    item_a, item_b = by_source["/para/1/a"][0], by_source["/para/1/b"][0]
    for m in (item_a, item_b):
        assert acts.value(m, WSIS.actKind) == ID["act-kind/requests"]
        assert set(acts.objects(m, WSIS.addressee)) == {ID["org/un-secretary-general"]}
        assert acts.value(m, WSIS.issuedBy) == ID["org/un-general-assembly"]
    assert str(acts.value(item_a, WSIS.asks)) == (
        "submit a report on the implementation of the present resolution")
    assert str(acts.value(item_b, WSIS.asks)).startswith("consult Member States on")
    # 2. Decides to include in the provisional agenda of its one hundredth session …
    [decides] = by_source["/para/2"]
    assert acts.value(decides, WSIS.actKind) == ID["act-kind/decides"]
    [t] = acts.objects(decides, WSIS.timing)
    assert acts.value(t, WSIS.sessionNumber).toPython() == 100
    assert (str(acts.value(t, WSIS.beginValue)), str(acts.value(t, WSIS.endValue))) == (
        "2045", "2046")
