"""One citing-verb table for both citation readers (seed texts and resolution importer)."""

from __future__ import annotations

import pytest
from rdflib import URIRef

from wsis_kg.extraction.importer import citations as importer
from wsis_kg.extraction.sources import citations as sources
from wsis_kg.extraction.verbs import CITING_VERBS
from wsis_kg.namespaces import WSIS

#: Every inflection one of the two former tables handled (past forms aside: see verbs.py).
INFLECTIONS: list[tuple[str, URIRef]] = [
    ("recall", WSIS.recalls), ("recalls", WSIS.recalls), ("Recalling", WSIS.recalls),
    ("reaffirm", WSIS.reaffirms), ("reaffirms", WSIS.reaffirms),
    ("Reaffirming", WSIS.reaffirms),
    ("takes note of", WSIS.takesNoteOf), ("Taking note of", WSIS.takesNoteOf),
    ("takes note with appreciation of", WSIS.takesNoteOf),
    ("taking  note\nof", WSIS.takesNoteOf),
    ("welcomes", WSIS.welcomes), ("Welcoming", WSIS.welcomes),
    ("notes", WSIS.notes), ("Noting", WSIS.notes), ("notes also", WSIS.notes),
    ("noting further", WSIS.notes), ("notes with concern", WSIS.notes),
    ("endorses", WSIS.endorses), ("Endorsing", WSIS.endorses),
]


@pytest.mark.parametrize(("verb", "prop"), INFLECTIONS)
def test_both_readers_know_every_inflection(verb: str, prop: URIRef) -> None:
    text = f"The Assembly {verb} General Assembly resolution 60/252"
    at = text.index("General")
    assert sources._verb(text, at) == prop
    found = importer.verbs(text)
    assert [v.prop for v in found] == [prop]
    assert text[found[0].start:found[0].end] == verb
    assert importer.governing(text, at, found, direct=True) == prop


def test_the_readers_share_the_table() -> None:
    assert importer.VERBS[:len(CITING_VERBS)] == list(CITING_VERBS)


def test_past_participles_describe_the_cited_document() -> None:
    """"endorsed by the General Assembly" says what the Assembly did to the cited document, not
    how the paragraph cites it: the preamble's "Recalling" still governs."""
    text = ("Recalling the Declaration of Principles, and endorsed by the General Assembly, "
            "and the Tunis Agenda for the Information Society")
    at = text.index("the Tunis Agenda")
    assert importer.governing(text, at, importer.verbs(text), direct=True) == WSIS.recalls
    assert sources._verb(text, at) == WSIS.recalls
