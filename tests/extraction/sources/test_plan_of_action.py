"""Geneva Plan of Action extractor against the real source text."""

from __future__ import annotations

import pytest
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from wsis_kg.errors import BuildError
from wsis_kg.extraction.sources import plan_of_action
from wsis_kg.extraction.sources.text import looks_garbled
from wsis_kg.namespaces import ID, WSIS

from .conftest import source_text

DOC = ID["doc/geneva-plan-of-action"]


def p(path: str) -> URIRef:
    return URIRef(f"{DOC}/{path}") if path else DOC


def text(g: Graph, path: str) -> str:
    return str(g.value(p(path), WSIS.text))


def children(g: Graph, path: str, cls: URIRef) -> list[str]:
    parent = p(path)
    found = [s for s in g.subjects(DCTERMS.isPartOf, parent) if (s, RDF.type, cls) in g]
    return sorted(str(g.value(s, WSIS.number)) for s in found)


def test_document_resource(poa: Graph) -> None:
    assert (DOC, RDF.type, WSIS.OutcomeDocument) in poa
    assert poa.value(DOC, DCTERMS.title) == Literal("Plan of Action", lang="en")
    assert poa.value(DOC, WSIS.sourceFile) == Literal("data/sources/geneva-plan-of-action.txt")


def test_every_paragraph_present(poa: Graph) -> None:
    paras = {str(poa.value(s, WSIS.number)) for s in poa.subjects(RDF.type, WSIS.Paragraph)
             if (s, WSIS.inDocument, DOC) in poa}
    # 14 is lost entirely by OCR damage (see test_c7_recovered); every other number is there
    assert paras == {str(n) for n in range(1, 30)} - {"14"}


@pytest.mark.parametrize(("para", "letters"), [
    ("para/3", "abcd"), ("para/6", "abcdefghij"), ("para/8", "abcdefghi"),
    ("para/9", "abcdefghijkl"), ("para/10", "abcdefghij"), ("para/11", "abcdefghijklmnop"),
    ("para/12", "abcdefghij"), ("para/13", "abcdefghi"), ("para/15", "bc"),
    ("para/16", "abc"), ("para/18", "abcdef"), ("para/22", "abcde"),
    ("para/23", "abcdefghijklmn"), ("para/24", "cdefg"), ("para/25", "abcd"),
    ("para/26", "abc"), ("para/28", "abcdef"), ("para/29", "ab"),
    ("section/D1", "ab"), ("section/D2", "abcdefg"),
])
def test_items_per_paragraph(poa: Graph, para: str, letters: str) -> None:
    assert children(poa, para, WSIS.Item) == sorted(letters)


def test_roman_sub_items(poa: Graph) -> None:
    assert children(poa, "para/9/d", WSIS.Item) == ["i", "ii", "iii", "iv"]
    assert children(poa, "para/13/b", WSIS.Item) == ["i", "ii", "iii", "iv"]
    assert children(poa, "para/13/c", WSIS.Item) == ["i", "ii", "iii"]
    assert children(poa, "section/D2/d", WSIS.Item) == ["i", "ii", "iii"]
    # letter i) after h) is a letter, not a roman numeral
    assert (p("para/13/i"), DCTERMS.isPartOf, p("para/13")) in poa
    assert text(poa, "para/13/c/ii") == ("manage or supervise, as appropriate, their respective "
                                         "country code top-level domain name (ccTLD);")


def test_sections(poa: Graph) -> None:
    assert children(poa, "", WSIS.Section) == ["A", "B", "C", "D", "E", "F"]
    assert children(poa, "section/C", WSIS.Section) == sorted(f"C{n}" for n in range(1, 12))
    assert children(poa, "section/D", WSIS.Section) == ["D1", "D2"]
    assert str(poa.value(p("section/C2"), WSIS.heading)) == (
        "Information and communication infrastructure: an essential foundation for the "
        "Information Society")
    assert str(poa.value(p("section/E"), WSIS.heading)) == "Follow-up and evaluation"
    assert (p("para/8"), DCTERMS.isPartOf, p("section/C1")) in poa
    assert (p("para/27"), DCTERMS.isPartOf, p("section/D")) in poa


def test_text_as_printed(poa: Graph) -> None:
    # runs of spaces and line breaks normalised, words untouched
    assert text(poa, "para/2").startswith(
        "The Information Society is an evolving concept that has reached different levels "
        "across the world, reflecting the different stages of development.")
    assert text(poa, "para/6/j") == ("to ensure that more than half the world’s inhabitants "
                                     "have access to ICTs within their reach.")
    # page furniture gone: the "- 5 -" page number between 10 b) and 10 c)
    assert "- 5 -" not in text(poa, "para/10/b")
    assert text(poa, "para/10/b").endswith("is encouraged.")
    assert text(poa, "para/10/c").startswith("Promote research and development")
    assert text(poa, "para/29/b").endswith("through partnerships among stakeholders.")
    assert not any("*" in str(o) for o in poa.objects(None, WSIS.text))
    assert (p("para/8"), WSIS.sequence, Literal(1)) in poa
    assert (p("para/8/i"), WSIS.sequence, Literal(9)) in poa


def test_illegible_c8_and_c9_recovered(poa: Graph) -> None:
    n = p("para/23/n")
    assert poa.value(n, WSIS.illegible) == Literal(
        "on ecta hytcP op ate hngbic exct  Ea e  sty,ht di otbl")
    assert text(poa, "para/23/n").endswith("based on the outcome of on ecta hytcP op ate hngbic "
                                           "exct Ea e sty,ht di otbl")
    c9, p24 = p("section/C9"), p("para/24")
    for part in (c9, p24):
        assert poa.value(part, WSIS.numberRecovered) == Literal(True)
        assert "lost" in str(poa.value(part, URIRef("http://www.w3.org/2000/01/rdf-schema#comment")))
    assert str(poa.value(c9, WSIS.heading)) == "Media"
    assert poa.value(p24, WSIS.text) is None  # never invented
    assert (p24, DCTERMS.isPartOf, c9) in poa
    assert text(poa, "para/24/c").startswith("Take appropriate measures—consistent with freedom "
                                             "of expression—to combat illegal")
    assert (p("para/25"), DCTERMS.isPartOf, p("section/C10")) in poa


def test_illegible_c5_item_b_recovered(poa: Graph) -> None:
    a, b = p("para/12/a"), p("para/12/b")
    assert text(poa, "para/12/a").endswith("consider existing and potential threats to ICTs; and a")
    assert poa.value(a, WSIS.illegible) is None
    assert str(poa.value(b, WSIS.illegible)).startswith("on nce t  P t c pe")
    assert poa.value(b, WSIS.numberRecovered) == Literal(True)
    assert text(poa, "para/12/b").endswith("considering legislation that allows for effective "
                                           "investigation and prosecution of misuse; promoting "
                                           "effective mutual assistance efforts; strengthening "
                                           "institutional support at the international level "
                                           "for preventing, detecting and recovering from such "
                                           "incidents; and encouraging education and raising "
                                           "awareness.")


def test_c7_recovered(poa: Graph) -> None:
    i = p("para/13/i")
    assert poa.value(i, WSIS.illegible) == Literal(
        "entl  acti vel  promote usa)  epucatiod  and  awarenesc eboutonlin")
    c7, p15 = p("section/C7"), p("para/15")
    assert poa.value(c7, WSIS.numberRecovered) == Literal(True)
    assert poa.value(p15, WSIS.numberRecovered) == Literal(True)
    assert (p15, DCTERMS.isPartOf, c7) in poa
    assert text(poa, "para/15/b").startswith("Develop national e-government initiatives")
    assert (p("para/14"), None, None) not in poa
    for n in range(16, 23):
        assert (p(f"para/{n}"), DCTERMS.isPartOf, c7) in poa
    assert text(poa, "para/16") == "E-business"
    assert text(poa, "para/17") == "E-learning (see section C4)"


def test_all_garbled_lines_are_registered() -> None:
    """Every line the screening flags holds a registered damaged passage, and vice versa."""
    src = source_text("geneva-plan-of-action")
    flagged = [ln for ln in src.splitlines() if looks_garbled(ln)]
    assert flagged
    assert all(any(d in ln for d in plan_of_action.DAMAGE) for ln in flagged)
    assert all(src.count(d) == 1 for d in plan_of_action.DAMAGE)


def test_citations(poa: Graph) -> None:
    res = ID["resolution/A-RES-56-183"]
    assert (p("para/29"), WSIS.recalls, res) in poa
    assert (res, RDF.type, WSIS.Resolution) in poa
    assert poa.value(res, WSIS.symbol) == Literal("A/RES/56/183")
    decl = ID["doc/geneva-declaration-of-principles"]
    cited = {o for o in poa.objects(p("para/7"), WSIS.cites)}
    assert cited == {URIRef(f"{decl}/para/{n}") for n in range(11, 17)}


def test_changed_source_is_refused() -> None:
    src = source_text("geneva-plan-of-action").replace("hytcP", "hytc")
    with pytest.raises(BuildError, match="damaged passage"):
        plan_of_action.extract(src)
