"""Documents named in running text become citations (wsis_kg.extraction.acts.references)."""

from __future__ import annotations

from rdflib import RDF, Graph, Literal

from wsis_kg.extraction.acts.references import reference_citations
from wsis_kg.namespaces import ID, WSIS


def cited(acts: Graph, part: str) -> set[str]:
    return {str(o).removeprefix(str(ID)) for o in acts.objects(ID[part], WSIS.cites)}


def test_documents_named_by_title_are_cited(seeds) -> None:
    # Plan of Action para 1: "… including those in the Millennium Declaration, the Monterrey
    # Consensus and the Johannesburg Declaration and Plan of Implementation … The Information
    # Society envisaged in the Declaration of Principles …"
    _, acts = seeds["geneva-plan-of-action"]
    assert cited(acts, "doc/geneva-plan-of-action/para/1") == {
        "doc/millennium-declaration", "doc/monterrey-consensus", "doc/johannesburg-declaration",
        "doc/geneva-declaration-of-principles"}
    # ECOSOC 2009/7 para 24: "… not in accordance with international law and the Charter of the
    # United Nations …"
    _, acts = seeds["E-RES-2009-7"]
    assert cited(acts, "resolution/E-RES-2009-7/para/24") == {"doc/charter-of-the-united-nations"}


def test_an_article_is_cited_instead_of_the_whole_document(seeds) -> None:
    # ECOSOC 2009/7 para 31: "… as contained in article 9 of the Convention on the Rights of
    # Persons with Disabilities"
    _, acts = seeds["E-RES-2009-7"]
    article = "doc/convention-on-the-rights-of-persons-with-disabilities/article/9"
    assert cited(acts, "resolution/E-RES-2009-7/para/31") == {article}
    assert (ID[article], RDF.type, WSIS.DocumentPart) in acts
    assert acts.value(ID[article], WSIS.number) == Literal("9")


def test_what_the_reader_already_cites_is_not_repeated(seeds) -> None:
    # GA 66/184 para 10 cites paragraph 111 of the Tunis Agenda (the importer's reader) and
    # mentions the Tunis Agenda: no second, document-level citation
    _, acts = seeds["A-RES-66-184"]
    assert cited(acts, "resolution/A-RES-66-184/para/10") == set()


def test_a_part_cites_what_its_footnote_cites(gazetteer: Graph, ontology: Graph) -> None:
    g = Graph()
    part, note = ID["doc/d/para/1"], ID["doc/d/footnote/1"]
    g.add((part, WSIS.text, Literal("Taking note of the report,", lang="en")))
    g.add((part, WSIS.hasFootnote, note))
    g.add((note, WSIS.text, Literal("A/64/64-E/2009/10.", lang="en")))
    g.add((note, WSIS.cites, ID["doc/A-64-64-E-2009-10"]))
    out = reference_citations(g, gazetteer, ontology)
    assert cited(out, "doc/d/para/1") == {"doc/A-64-64-E-2009-10"}
    g.add((part, WSIS.takesNoteOf, ID["doc/A-64-64-E-2009-10"]))  # already cited, by its verb
    assert cited(reference_citations(g, gazetteer, ontology), "doc/d/para/1") == set()
