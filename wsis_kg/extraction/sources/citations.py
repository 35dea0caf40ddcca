"""Citations stated in the seed texts: "Recalling General Assembly Resolution 56/183",
"in line with UNGA Resolution 57/270 B", "paragraphs 11-16 of the Declaration of Principles".

Only explicit references (a resolution symbol, a numbered paragraph of a named document) are
turned into triples here; loose mentions of documents are left to ``wsis_kg.extraction.mentions``.
"""

from __future__ import annotations

import re

from rdflib import RDF, Literal, URIRef
from rdflib.namespace import DCTERMS

from wsis_kg.extraction.sources.rdf import DocBuilder
from wsis_kg.extraction.verbs import CITING_VERBS
from wsis_kg.namespaces import WSIS, doc_iri, paragraph_iri

RESOLUTION = re.compile(
    r"(?:General Assembly|UNGA)\s+[Rr]esolution\s+(\d{2})/(\d{1,3})(?:\s+([A-Z])\b)?")
DECLARATION_PARAS = re.compile(
    r"paragraphs?\s+(\d{1,2})(?:\s*[-\u2013]\s*(\d{1,2}))?\s+of\s+the\s+Declaration of Principles")
DECLARATION = doc_iri("geneva-declaration-of-principles")
# "We recall that the [Geneva] Plan of Action identifies…": a verb governing the document itself.
PLAN_OF_ACTION = re.compile(r"(?:\[Geneva\] |Geneva )?Plan of Action\b")
PLAN_OF_ACTION_DOC = doc_iri("geneva-plan-of-action")


def _verb(text: str, start: int) -> URIRef:
    """The citing verb in the clause before ``start`` (up to the previous sentence or ';'): the
    first of :data:`CITING_VERBS` found there decides the sub-property of wsis:cites."""
    clause = re.split(r"[.;]\s", text[:start])[-1].lower()
    for pattern, prop in CITING_VERBS:
        if re.search(r"\b" + pattern + r"\b", clause):
            return prop
    return WSIS.cites


def link_citations(b: DocBuilder, part: URIRef, text: str) -> None:
    for m in RESOLUTION.finditer(text):
        # "57/270 B" → "A/RES/57/270B", the spelling the resolution importer uses
        symbol = f"A/RES/{m.group(1)}/{m.group(2)}{m.group(3) or ''}"
        b.cite_resolution(part, _verb(text, m.start()), symbol)
    for m in PLAN_OF_ACTION.finditer(text):
        # only when a citing verb governs it directly: "recall that the Plan of Action"
        before = text[:m.start()]
        if re.search(r"\b(?:recall|Recalling)\s+that\s+the\s+$", before):
            b.cite(part, WSIS.recalls, PLAN_OF_ACTION_DOC)
    for m in DECLARATION_PARAS.finditer(text):
        first = int(m.group(1))
        last = int(m.group(2) or first)
        verb = _verb(text, m.start())
        for n in range(first, last + 1):
            para = paragraph_iri(DECLARATION, n)
            b.cite(part, verb, para)
            # declared minimally (like the importer's cited paragraphs): the Declaration's own
            # text is not in the seed set, so it is a bare wsis:DocumentPart
            b.g.add((para, RDF.type, WSIS.DocumentPart))
            b.g.add((para, WSIS.number, Literal(str(n))))
            b.g.add((para, WSIS.inDocument, DECLARATION))
            b.g.add((para, DCTERMS.isPartOf, DECLARATION))
