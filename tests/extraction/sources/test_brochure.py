"""ITU brochure extractor against the real source text; block numbers are pinned."""

from __future__ import annotations

import pytest
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from wsis_kg.namespaces import ID, WSIS

DOC = ID["doc/itu-brochure-implementing-action-plan"]
TARGETS = "section/critical-targets-for-global-connectivity-to-be-reached-by-2015"


def p(path: str) -> URIRef:
    return URIRef(f"{DOC}/{path}")


def text(g: Graph, path: str) -> str:
    return str(g.value(p(path), WSIS.text))


def test_document(brochure: Graph) -> None:
    assert (DOC, RDF.type, WSIS.Publication) in brochure
    assert brochure.value(DOC, WSIS.sourceFile) == \
        Literal("data/sources/itu-brochure-implementing-action-plan.txt")


# Curated figures cite these block numbers: changing them breaks data/curated (docs/sources.md).
@pytest.mark.parametrize(("n", "section", "start"), [
    (1, "worldwide-commitment-and-ownership", "The World Summit on the Information Society "
                                              "provided a unique opportunity"),
    (5, TARGETS.split("/")[1], "The Summit established 11 key action lines"),
    (7, "wsis-stocktaking", "An ongoing process, the stocktaking database has registered more "
                            "than 3’000 projects."),
    (9, "wsis-golden-book", "More than 375 submissions announced to promote WSIS goals represent "
                            "a total value of nearly USD 4 billion."),
    (11, "connect-the-world", "Connect the World has identified three key areas of activity"),
    (19, "multi-stakeholder-process", "ITU, UNESCO and UNDP have been designated to play leading "
                                      "facilitating roles"),
    (20, "multi-stakeholder-process", "ITU is the focal point for action lines C2"),
    (25, "wsis-follow-up", "In 2015, the UN General Assembly will review"),
])
def test_blocks_pinned(brochure: Graph, n: int, section: str, start: str) -> None:
    blk = p(f"block/{n}")
    assert (blk, RDF.type, WSIS.TextBlock) in brochure
    assert text(brochure, f"block/{n}").startswith(start)
    assert (blk, DCTERMS.isPartOf, p(f"section/{section}")) in brochure


def test_block_count_and_markup_removed(brochure: Graph) -> None:
    blocks = set(brochure.subjects(RDF.type, WSIS.TextBlock))
    assert blocks == {p(f"block/{n}") for n in range(1, 26)}
    texts = [str(o) for o in brochure.objects(None, WSIS.text)]
    assert not any("**" in t or "](" in t or "<li>" in t for t in texts)
    assert text(brochure, "block/10").startswith("ITU launched the Connect the World initiative")
    assert "E-mail: itumail@itu.int www.itu.int/wsisis" in text(brochure, "block/3")


def test_targets_list(brochure: Graph) -> None:
    items = sorted(str(brochure.value(s, WSIS.number))
                   for s in brochure.subjects(DCTERMS.isPartOf, p(TARGETS))
                   if (s, RDF.type, WSIS.Item) in brochure)
    assert items == list("abcdefghij")
    assert text(brochure, f"{TARGETS}/a") == "Connect all villages with ICTs"
    assert text(brochure, f"{TARGETS}/j") == ("Ensure that more than half the world’s "
                                              "inhabitants have access to ICTs within reach")
    assert text(brochure, "section/national-level/b/3") == "promoting ICT for development"


@pytest.mark.parametrize(("code", "heading", "cell"), [
    ("C1", "C1. The role of stakeholders", "UN/DESA"),
    ("C4", "C4. Capacity building", "UNDP"),
    ("C7", "C7. ICT applications", "UN/DESA UNCTAD UNESCO WHO ILO WMO FAO UNESCO"),
    ("C7-e-government", "E-government", "UN/DESA"),
    ("C7-e-business", "E-business", "UNCTAD"),
    ("C7-e-environment", "E-environment", "WMO"),
    ("C7-e-science", "E-science", "UNESCO"),
    ("C9", "C9. Media", "UNESCO"),
    ("C11", "C11. International and regional cooperation", "UN/DESA"),
])
def test_facilitator_table(brochure: Graph, code: str, heading: str, cell: str) -> None:
    row = p(f"table/facilitators/row/{code}")
    assert (row, RDF.type, WSIS.TableRow) in brochure
    assert str(brochure.value(row, WSIS.heading)) == heading
    assert text(brochure, f"table/facilitators/row/{code}") == cell
    assert (row, WSIS.mentions, ID[f"action-line/{code}"]) in brochure


def test_table_row_count(brochure: Graph) -> None:
    rows = set(brochure.subjects(RDF.type, WSIS.TableRow))
    assert len(rows) == 11 + 8
