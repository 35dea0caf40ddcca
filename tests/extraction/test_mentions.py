"""Mention linking (wsis_kg.extraction.mentions): small parts against a small gazetteer."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from wsis_kg.extraction.mentions import link_mentions
from wsis_kg.namespaces import ID, WSIS

FIXTURES = Path(__file__).parents[1] / "fixtures" / "mentions"
ONTOLOGY = Path(__file__).resolve().parents[2] / "ontology" / "wsis.ttl"
PART = ID["doc/test-doc/para/1"]


@pytest.fixture(scope="module")
def gazetteer() -> Graph:
    return Graph().parse(FIXTURES / "gazetteer.ttl", format="turtle")


@functools.cache
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY, format="turtle")


def mentions(text: str, gazetteer: Graph, *, in_document: URIRef | None = None) -> set[str]:
    g = Graph()
    g.add((PART, WSIS.text, Literal(text, lang="en")))
    if in_document is not None:
        g.add((PART, WSIS.inDocument, in_document))
    link_mentions(g, gazetteer, ontology())
    return {str(o).removeprefix(str(ID)) for o in g.objects(PART, WSIS.mentions)}


@pytest.mark.parametrize(("text", "expected"), [
    # codes, with the Cyrillic "С" of Annex A, and not inside longer codes
    ("Takes note of action line C7 of the World Summit on e-health",
     {"action-line/C7", "action-line/C7-e-health", "event/wsis"}),
    ("С2. Information and communication infrastructure\tITU", {"action-line/C2", "org/itu"}),
    ("C11. International and regional cooperation", {"action-line/C11"}),
    # sub-line labels ignore case; action-line titles do not (ordinary prose)
    ("E-health\tWHO", {"action-line/C7-e-health", "org/who"}),
    ("Promote international and regional cooperation in the field of capacity building", set()),
    ("ITU is the focal point for action lines C2 (Information and communication infrastructure)",
     {"org/itu", "action-line/C2"}),
    # acronyms are case-sensitive and whole-word
    ("those who have not done so", set()),
    ("SILOS and ILOs are not ILO", {"org/ilo"}),
    ("WHO/UNEP/UN-Habitat", {"org/who", "org/un-habitat"}),
    ("the ITU-led initiative", {"org/itu"}),
    # longest name of the same kind wins; other kinds inside a name still count
    ("the United Nations Conference on Trade and Development", {"org/unctad"}),
    ("the secretariat of the United Nations Conference on Trade and Development", {"org/unctad"}),
    ("UN agencies and Regional Commissions", {"org/united-nations", "org/un-regional-commissions"}),
    ("the regional commissions", {"org/un-regional-commissions"}),
    ("the Secretary-General of the International Telecommunication Union",
     {"org/itu-secretary-general", "org/itu"}),
    ("requests the Secretary-General to report", {"org/un-secretary-general"}),
    ("World Summit on the Information Society Forum 2011", {"event/wsis-forum-2011"}),
    # no event inside the name of a document or initiative
    ("Recalling also the 2005 World Summit Outcome", {"doc/2005-world-summit-outcome"}),
    ("The WSIS Golden Book", {"initiative/wsis-golden-book"}),
    ("WSIS Golden Book and WSIS", {"initiative/wsis-golden-book", "event/wsis"}),
    # targets by their label only
    ("e) Connect all health centres and hospitals", {"target/e"}),
    # resolutions by number, known ones only; symbols are not resolutions
    ("Recalling its resolutions 56/183 of 21 December 2001 and 63/202 of 19 December 2008",
     {"resolution/A-RES-63-202"}),
    ("in line with UNGA Resolution 57/270 B, could", {"resolution/A-RES-57-270B"}),
    ("Economic and Social Council resolution 2008/3", {"resolution/E-RES-2008-3"}),
    ("See A/60/687 and A/66/64-E/2011/77.", set()),
    # index names; places and stakeholder groups are not linked
    ("the Information and the ICT Development Index in Geneva by civil society",
     {"index/ict-development-index"}),
])
def test_mentions(text: str, expected: set[str], gazetteer: Graph) -> None:
    assert mentions(text, gazetteer) == expected


def test_resolution_titles_are_not_names(gazetteer: Graph) -> None:
    assert mentions("Information and communications technologies for development", gazetteer) \
        == set()


def test_part_does_not_mention_its_own_document(gazetteer: Graph) -> None:
    res = ID["resolution/E-RES-2009-7"]
    assert mentions("2009/7 and 2008/3", gazetteer, in_document=res) == {
        "resolution/E-RES-2008-3"}


def test_resolutions_known_to_the_document_graph(gazetteer: Graph) -> None:
    g = Graph()
    g.add((PART, WSIS.text, Literal("Recalling its resolution 56/183", lang="en")))
    g.add((ID["resolution/A-RES-56-183"], RDF.type, WSIS.Resolution))
    link_mentions(g, gazetteer, ontology())
    assert set(g.objects(PART, WSIS.mentions)) == {ID["resolution/A-RES-56-183"]}


def test_headings_are_scanned_and_result_is_deterministic(gazetteer: Graph) -> None:
    def run() -> str:
        g = Graph()
        g.add((PART, WSIS.heading, Literal("C7. ICT applications", lang="en")))
        link_mentions(g, gazetteer, ontology())
        return g.serialize(format="nt", encoding="utf-8").decode()

    first = run()
    assert "action-line/C7>" in first
    assert all(run() == first for _ in range(3))


def test_kinds_follow_the_ontology_class_hierarchy(gazetteer: Graph) -> None:
    """A class the ontology adds below wsis:Organisation (or below one of its subclasses) makes
    its instances organisations: the class list is read from the ontology, not kept in code."""
    onto = Graph()
    for t in ontology():
        onto.add(t)
    onto.add((WSIS.ResearchNetwork, RDFS.subClassOf, WSIS.UNSpecialisedAgency))
    gaz = Graph()
    for t in gazetteer:
        gaz.add(t)
    net = ID["org/gkp"]
    gaz.add((net, RDF.type, WSIS.ResearchNetwork))
    gaz.add((net, SKOS.prefLabel, Literal("Global Knowledge Partnership", lang="en")))
    g = Graph()
    g.add((PART, WSIS.text, Literal("with the Global Knowledge Partnership", lang="en")))
    link_mentions(g, gaz, onto)
    assert set(g.objects(PART, WSIS.mentions)) == {net}
    g2 = Graph()
    g2.add((PART, WSIS.text, Literal("with the Global Knowledge Partnership", lang="en")))
    link_mentions(g2, gaz, ontology())  # the project's ontology knows no such class
    assert set(g2.objects(PART, WSIS.mentions)) == set()
