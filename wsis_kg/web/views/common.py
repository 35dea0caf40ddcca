"""What the domain pages share: a link to a resource, natural sorting and document order.

Every read goes through the query service (``web.extension.select``); labels come from
``web.view.labels`` (one place for what a resource is called).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wsis_kg.namespaces import PREFIXES
from wsis_kg.web.extension import select
from wsis_kg.web.public import href, local_path
from wsis_kg.web.view import labels, natural_key

WSIS = PREFIXES["wsis"]
DCTERMS = PREFIXES["dcterms"]
SKOS = PREFIXES["skos"]
RDFS = PREFIXES["rdfs"]
ORG = PREFIXES.get("org", "http://www.w3.org/ns/org#")
PREFIX = (f"PREFIX wsis: <{WSIS}> PREFIX dcterms: <{DCTERMS}> PREFIX skos: <{SKOS}> "
          f"PREFIX rdfs: <{RDFS}> PREFIX org: <{ORG}> "
          "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> ")


@dataclass
class Link:
    """A resource as a page shows it: where it links and what it is called."""

    iri: str
    text: str
    href: str


def link(iri: str, names: dict[str, str]) -> Link:
    text = names.get(iri)
    if text is None:
        rest = local_path(iri)
        text = rest.removeprefix("id/") if rest is not None else iri
    return Link(iri, text, href(iri))


def links(iris: list[str]) -> dict[str, Link]:
    """One label lookup for many IRIs."""
    names = labels(iris)
    return {i: link(i, names) for i in iris}


def rows(query: str) -> list[dict[str, Any]]:
    """A SELECT with the project's prefixes, each row's terms as plain strings."""
    return [{k: v.value for k, v in r.items()} for r in select(PREFIX + query)]


#: Parts of a document that share one sequence numbering are printed in this order
#: (preambular paragraphs, the body, annexes, then footnotes).
_PRINT_RANK = {WSIS + "PreambularParagraph": 0, WSIS + "Annex": 2, WSIS + "Footnote": 3}


@dataclass
class Part:
    """A part of a document in printed order, with its children."""

    iri: str
    parent: str
    seq: int
    number: str = ""
    heading: str = ""
    text: str = ""
    kinds: set[str] = field(default_factory=set)
    children: list[Part] = field(default_factory=list)
    depth: int = 0
    cites: list[Link] = field(default_factory=list)
    href: str = ""
    anchor: str = ""

    @property
    def rank(self) -> int:
        return min((_PRINT_RANK.get(k, 1) for k in self.kinds), default=1)

    @property
    def footnote(self) -> bool:
        return WSIS + "Footnote" in self.kinds



def document_parts(doc: str) -> list[Part]:
    """Every part of ``doc`` in printed order (depth-first): siblings by their printed kind and
    ``wsis:sequence``, never by IRI (which puts footnote 10 before footnote 2)."""
    found: dict[str, Part] = {}
    for r in rows(f"""
        SELECT ?x ?up ?seq ?num ?heading ?text ?marker ?kind WHERE {{
          ?x wsis:inDocument <{doc}> ; dcterms:isPartOf ?up .
          OPTIONAL {{ ?x wsis:sequence ?seq }} OPTIONAL {{ ?x wsis:number ?num }}
          OPTIONAL {{ ?x wsis:heading ?heading }} OPTIONAL {{ ?x wsis:text ?text }}
          OPTIONAL {{ ?x wsis:footnoteMarker ?marker }}
          OPTIONAL {{ ?x a ?kind FILTER(STRSTARTS(STR(?kind), STR(wsis:))) }} }}"""):
        p = found.get(r["x"])
        if p is None:
            seq = r.get("seq", "0")
            p = found[r["x"]] = Part(r["x"], r["up"], int(seq) if seq.isdigit() else 0,
                                     r.get("num") or r.get("marker") or "",
                                     r.get("heading", ""), r.get("text", ""), href=href(r["x"]),
                                     anchor=r["x"].removeprefix(doc + "/").replace("/", "-"))
        if "kind" in r:
            p.kinds.add(r["kind"])
    roots: list[Part] = []
    for p in found.values():
        parent = found.get(p.parent)
        (parent.children if parent is not None and parent is not p else roots).append(p)

    def order(ps: list[Part], depth: int) -> list[Part]:
        out: list[Part] = []
        for p in sorted(ps, key=lambda p: (p.rank, p.seq, natural_key(p.number), p.iri)):
            p.depth = depth
            out.append(p)
            out.extend(order(p.children, depth + 1))
        return out

    return order(roots, 0)
