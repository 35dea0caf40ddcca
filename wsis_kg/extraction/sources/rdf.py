"""Graph building shared by the source extractors: one place that knows the part pattern.

Every part gets: its type, ``dcterms:isPartOf`` (parent part or the document),
``wsis:inDocument``, ``wsis:sequence`` (1-based order among the parts of the same parent, in
document order) and, where printed, ``wsis:number``, ``wsis:text`` (@en) and ``wsis:heading``.
"""

from __future__ import annotations

from collections import defaultdict

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from wsis_kg.namespaces import WSIS, doc_iri, part_iri, resolution_iri


class DocBuilder:
    """Accumulates the triples of one source document."""

    def __init__(self, slug: str, doc_class: URIRef, title: str, source_file: str) -> None:
        self.g = Graph()
        self.doc = doc_iri(slug)
        self._seq: dict[URIRef, int] = defaultdict(int)
        self.g.add((self.doc, RDF.type, doc_class))
        self.g.add((self.doc, DCTERMS.title, Literal(title, lang="en")))
        self.g.add((self.doc, WSIS.sourceFile, Literal(source_file)))

    def iri(self, path: str) -> URIRef:
        return part_iri(self.doc, path)

    def part(self, iri: URIRef, cls: URIRef, parent: URIRef | None = None, *,
             number: str | None = None, text: str | None = None,
             heading: str | None = None) -> URIRef:
        parent = parent if parent is not None else self.doc
        if (iri, RDF.type, cls) in self.g:
            raise ValueError(f"part minted twice: {iri}")
        g = self.g
        self._seq[parent] += 1
        g.add((iri, RDF.type, cls))
        g.add((iri, DCTERMS.isPartOf, parent))
        g.add((iri, WSIS.inDocument, self.doc))
        g.add((iri, WSIS.sequence, Literal(self._seq[parent], datatype=XSD.integer)))
        if number is not None:
            g.add((iri, WSIS.number, Literal(number)))
        if text:
            g.add((iri, WSIS.text, Literal(text, lang="en")))
            if "[" in text or "]" in text:
                g.add((iri, WSIS.bracketed, Literal(True)))
        if heading:
            g.add((iri, WSIS.heading, Literal(heading, lang="en")))
        return iri

    def comment(self, iri: URIRef, text: str) -> None:
        self.g.add((iri, RDFS.comment, Literal(text, lang="en")))

    def illegible(self, iri: URIRef, passage: str) -> None:
        self.g.add((iri, WSIS.illegible, Literal(passage)))

    def recovered(self, iri: URIRef) -> None:
        self.g.add((iri, WSIS.numberRecovered, Literal(True)))

    def cite(self, part: URIRef, verb: URIRef, target: URIRef) -> None:
        self.g.add((part, verb, target))

    def cite_resolution(self, part: URIRef, verb: URIRef, symbol: str) -> URIRef:
        """Cite a resolution by symbol and declare it minimally (type and symbol)."""
        res = resolution_iri(symbol)
        self.g.add((part, verb, res))
        self.g.add((res, RDF.type, WSIS.Resolution))
        self.g.add((res, WSIS.symbol, Literal(symbol)))
        return res
