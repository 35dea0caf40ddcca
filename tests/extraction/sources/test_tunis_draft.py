"""Tunis draft extractor against the real source text."""

from __future__ import annotations

import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from wsis_kg.errors import BuildError
from wsis_kg.extraction.sources import tunis_draft
from wsis_kg.namespaces import ID, WSIS

from .conftest import source_text

DOC = ID["doc/tunis-draft-implementation-mechanism"]
C7_SUBS = ["e-government", "e-business", "e-learning", "e-health", "e-employment",
           "e-environment", "e-agriculture", "e-science"]


def p(path: str) -> URIRef:
    return URIRef(f"{DOC}/{path}") if path else DOC


def text(g: Graph, path: str) -> str | None:
    v = g.value(p(path), WSIS.text)
    return None if v is None else str(v)


def numbers(g: Graph, parent: str, cls: URIRef) -> list[str]:
    return [str(g.value(s, WSIS.number)) for s in sorted(
        (s for s in g.subjects(DCTERMS.isPartOf, p(parent)) if (s, RDF.type, cls) in g),
        key=lambda s: int(g.value(s, WSIS.sequence)))]


def test_document_and_chapters(tunis: Graph) -> None:
    assert (DOC, RDF.type, WSIS.DraftDocument) in tunis
    assert numbers(tunis, "", WSIS.Section) == ["1", "4"]
    assert str(tunis.value(p("section/chapter-1"), WSIS.heading)) == \
        "[Chapter One: Implementation Mechanism"
    assert tunis.value(p("section/chapter-1"), WSIS.bracketed) == Literal(True)
    assert str(tunis.value(p("section/chapter-4"), WSIS.heading)) == "Chapter Four: The Way Ahead"
    assert numbers(tunis, "section/chapter-1", WSIS.Paragraph) == [str(n) for n in range(1, 23)]
    assert numbers(tunis, "section/chapter-4", WSIS.Paragraph) == [str(n) for n in range(40, 50)]


def test_number_on_its_own_line_joined(tunis: Graph) -> None:
    assert text(tunis, "para/1").startswith("We recognise that it is now time to move from "
                                            "principles to action")
    assert text(tunis, "para/49") == (
        "We request the Secretary General of the United Nations to submit a report on "
        "implementation activities of the WSIS decisions within the UN family as part of the "
        "annual report to the ECOSOC and/or UNGA.")


def test_brackets_kept_and_flagged(tunis: Graph) -> None:
    assert text(tunis, "para/5").startswith(
        "We reaffirm that [only] through the [international] cooperation [of governments in "
        "partnership with other stakeholders will it be] and partnership")
    assert tunis.value(p("para/5"), WSIS.bracketed) == Literal(True)
    assert tunis.value(p("para/1"), WSIS.bracketed) is None
    assert text(tunis, "para/7/f") == ("promoting community [volunteerism] [involvement]in the "
                                       "ICT for development sector;")
    # bracketed paragraph numbers: the bracket moves into the text
    assert text(tunis, "para/13").startswith("[We also recognize that structuring")
    assert text(tunis, "para/13").endswith("international level.]")
    for n in (15, 21, 22):
        assert text(tunis, f"para/{n}").startswith("[") and text(tunis, f"para/{n}").endswith("]")
        assert tunis.value(p(f"para/{n}"), WSIS.bracketed) == Literal(True)
    assert text(tunis, "para/15").startswith("[Inspired by the principles")


def test_items(tunis: Graph) -> None:
    assert numbers(tunis, "para/7", WSIS.Item) == list("abcdefghijklmnopqrstuvw")
    assert numbers(tunis, "para/17", WSIS.Item) == list("abc")
    assert numbers(tunis, "para/20", WSIS.Item) == list("abcdef")
    assert numbers(tunis, "para/41", WSIS.Item) == list("abc")
    assert text(tunis, "para/17/b") == "evaluation;[/ review]"
    a41 = text(tunis, "para/41/a")
    assert a41 is not None and "Goals. In order to build a inclusive" in a41
    assert tunis.value(p("para/41/a"), RDFS.comment) is not None


@pytest.mark.parametrize(("annex", "code", "label", "cell"), [
    ("a", "C1", "С1. The role of public governance authorities and all stakeholders in the "
                "promotion of ICTs for development", "ECOSOC"),
    ("a", "C2", "С2. Information and communication infrastructure", "ITU"),
    ("a", "C6", "C6. Enabling environment", "ITU+ UNDP"),
    ("a", "C7-e-business", "E-business", "WTO + UNCTAD"),
    ("a", "C7-e-health", "E-health", "WHO+ ITU"),
    ("a", "C7-e-environment", "E-environment", "WMO"),
    ("a", "C11", "C11. International and regional cooperation", "ITU + UNDP + ECOSOC"),
    ("a", "D", "D. Digital Solidarity", "ITU+ UNDP"),
    ("b", "C1", "C1. The role of governments and all stakeholders in the promotion of ICTs for "
                "Development", "- UN Regional Commissions (UN RCs) +Regional political bodies"),
    ("b", "C4", "C4. Capacity building", "ITU/UNESCO+UN RCs+Regional political bodies"),
    ("b", "C7", "C7. ICT applications", "ITU +UN RCs"),
    ("b", "C7-e-learning", "E-learning", "UNESCO"),
    ("b", "C7-e-environment", "E-environment", "WHO/UNEP/UN-Habitat"),
    ("b", "C9", "C9. Media", "-"),
    ("b", "E", "E. Follow-up and evaluation",
     "- ITU +UN RCs + Global Alliance on ICT and Development"),
])
def test_annex_rows(tunis: Graph, annex: str, code: str, label: str, cell: str) -> None:
    row = p(f"annex/{annex}/row/{code}")
    assert (row, RDF.type, WSIS.TableRow) in tunis
    assert tunis.value(row, WSIS.number) == Literal(code)
    assert str(tunis.value(row, WSIS.heading)) == label
    assert text(tunis, f"annex/{annex}/row/{code}") == cell


def test_annexes(tunis: Graph) -> None:
    for annex, state in (("a", "russian-federation"), ("b", "ghana")):
        a = p(f"annex/{annex}")
        assert (a, RDF.type, WSIS.Annex) in tunis
        assert tunis.value(a, WSIS.proposedBy) == ID["org/" + state]
        assert numbers(tunis, f"annex/{annex}", WSIS.TableRow) == \
            [f"C{n}" for n in range(1, 12)] + ["B", "D", "E"]
        assert numbers(tunis, f"annex/{annex}/row/C7", WSIS.TableRow) == \
            [f"C7-{s}" for s in C7_SUBS]
    assert text(tunis, "annex/a/row/C7") is None
    assert text(tunis, "annex/b/row/C7-e-government") is None
    assert text(tunis, "annex/b/row/C7-e-business") is None
    assert (p("annex/b/row/C7-e-health"), WSIS.mentions, ID["action-line/C7-e-health"]) in tunis
    assert (p("annex/a/row/B"), DCTERMS.references,
            ID["doc/geneva-plan-of-action/section/B"]) in tunis


def test_citations(tunis: Graph) -> None:
    res = ID["resolution/A-RES-57-270B"]
    assert (p("para/20/b"), WSIS.cites, res) in tunis
    assert tunis.value(res, WSIS.symbol) == Literal("A/RES/57/270B")
    poa = ID["doc/geneva-plan-of-action"]
    assert (p("para/9"), WSIS.recalls, poa) in tunis
    assert (p("para/44"), WSIS.recalls, poa) in tunis


def test_annex_layout_change_is_refused() -> None:
    src = source_text("tunis-draft-implementation-mechanism").replace("\nFAO\n", "\n")
    with pytest.raises(BuildError, match="sub-lines but"):
        tunis_draft.extract(src)
