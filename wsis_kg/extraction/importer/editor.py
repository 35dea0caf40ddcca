"""An import as the editor's page (``/import``) and its JSON API need it: plain data.

:func:`import_texts` runs in a job of the query service (a forked child, killed at the time
and memory limits), so what it returns crosses a pipe: plain dataclasses, strings and lists,
never an rdflib graph. It is the CLI's pipeline for one text — :func:`import_resolution`, then
mention linking against the curated gazetteer — plus the header fields an editor fixed in the
form (symbol, date, title, body), and the RDF serialised as Turtle, ready for the Graph Store.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import XSD, Literal
from rdflib.namespace import DCTERMS

from wsis_kg.errors import ResolutionImportError
from wsis_kg.extraction.extract import curated_graph, link_all, ontology_graph
from wsis_kg.extraction.importer.resolution import (
    ImportResult,
    Part,
    import_resolution,
    normalise_symbol,
)
from wsis_kg.namespaces import PREFIXES, WSIS, org_iri
from wsis_kg.settings import Settings

#: The two bodies, as the form offers them: org slug → name (the opening line's wording).
BODIES = {"un-general-assembly": "General Assembly", "ecosoc": "Economic and Social Council"}
#: Properties by which a paragraph points to what it cites (docs/importer.md, "Citations").
CITING = ("cites", "recalls", "reaffirms", "takesNoteOf", "welcomes", "notes", "endorses")


@dataclass
class Cited:
    """One thing a paragraph cites: its IRI, its symbol (when it has one) and the property."""

    iri: str
    symbol: str | None
    prop: str


@dataclass
class ImportedPart:
    """A paragraph, item or heading, in document order (see ``resolution.Part``)."""

    iri: str
    kind: str  # preamble | operative | item | heading
    text: str
    number: str | None
    parent: str | None
    leading: str | None
    leading_guessed: bool
    number_recovered: bool
    number_conflict: str | None
    markers: list[tuple[int, int]]  # (offset in text, footnote number)
    label: str
    cites: list[Cited] = field(default_factory=list)


@dataclass
class ImportedText:
    """One input's import, or why it was refused (``error``; ``too_large`` for the 413)."""

    name: str
    error: str | None = None
    too_large: bool = False
    symbol: str = ""
    iri: str = ""
    graph: str = ""  # the named graph the resolution is written to
    title: str | None = None
    date: str | None = None
    body: str | None = None  # org slug, a key of BODIES
    triples: int = 0
    turtle: str = ""
    report: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    parts: list[ImportedPart] = field(default_factory=list)
    footnotes: dict[int, str] = field(default_factory=dict)


def import_texts(texts: list[tuple[str, str]], settings: Settings, *, symbol: str | None = None,
                 date: str | None = None, title: str | None = None, body: str | None = None,
                 mentions: bool = True) -> list[ImportedText]:
    """Import each (name, text); one refused text does not stop the others.

    ``symbol``, ``date``, ``title``, ``body`` override the header of a single text (with
    several they would name one resolution for all: refused).
    """
    if len(texts) > 1 and (symbol or date or title or body):
        raise ResolutionImportError("symbol, date, title and body name one resolution: "
                                    "import one text to set them")
    if body and body not in BODIES:
        raise ResolutionImportError(f"body {body!r} is not one of {', '.join(BODIES)}")
    if symbol and body:
        symbol = normalise_symbol(symbol, body)
    gazetteer = curated_graph(settings) if mentions else None
    ontology = ontology_graph(settings) if mentions else None
    out = []
    for name, text in texts:
        try:
            result = import_resolution(text, symbol=symbol or None, date=date or None,
                                       file_name=name)
        except ResolutionImportError as e:
            out.append(ImportedText(name, error=str(e)))
            continue
        if body and result.graph.value(result.iri, WSIS.adoptedBy) != org_iri(body):
            out.append(ImportedText(name, error=f"the text is a resolution of the "
                                    f"{_body_name(result)}, not of the {BODIES[body]}"))
            continue
        if title and title.strip():
            _set_title(result, title.strip())
        if gazetteer is not None and ontology is not None:
            counts = link_all(result.graph, gazetteer, ontology)
            result.report.append(", ".join(f"{n} {w}" for w, n in counts.items()) + " linked")
        out.append(_plain(name, result))
    return out


def _body_name(result: ImportResult) -> str:
    org = result.graph.value(result.iri, WSIS.adoptedBy)
    return next((n for s, n in BODIES.items() if org_iri(s) == org), str(org))


def _set_title(result: ImportResult, title: str) -> None:
    """The editor's title replaces the found or guessed one (and the problems about it)."""
    g, res = result.graph, result.iri
    old = g.value(res, DCTERMS.title)
    g.remove((res, DCTERMS.title, None))
    g.remove((res, WSIS.guessed, Literal(str(DCTERMS.title), datatype=XSD.anyURI)))
    g.add((res, DCTERMS.title, Literal(title, lang="en")))
    result.problems = [p for p in result.problems if not p.startswith("no title found")
                       and not (old is not None and repr(str(old)) in p)]
    result.report.append(f"title given: {title!r}")


def _cites(result: ImportResult, part: Part) -> list[Cited]:
    g = result.graph
    out = []
    for prop in CITING:
        for o in sorted(g.objects(part.iri, WSIS[prop])):
            sym = g.value(o, WSIS.symbol)
            out.append(Cited(str(o), str(sym) if sym is not None else None, prop))
    return out


def _plain(name: str, result: ImportResult) -> ImportedText:
    g, res = result.graph, result.iri
    for p, iri in PREFIXES.items():
        g.bind(p, iri, override=True)
    org = g.value(res, WSIS.adoptedBy)
    title = g.value(res, DCTERMS.title)
    date = g.value(res, WSIS.adoptionDate)
    guessed_leading = {WSIS.leadingPhrase, WSIS.leadingVerb}
    parts = [ImportedPart(str(p.iri), p.kind, p.text, p.number,
                          str(p.parent) if p.parent is not None else None, p.leading,
                          bool(guessed_leading & set(p.guessed)), p.number_recovered,
                          p.number_conflict, list(p.markers), p.label, _cites(result, p))
             for p in result.parts]
    return ImportedText(
        name, symbol=result.symbol, iri=str(res), graph=str(result.graph_name),
        title=str(title) if title is not None else None,
        date=str(date) if date is not None else None,
        body=next((s for s in BODIES if org_iri(s) == org), None),
        triples=len(g), turtle=g.serialize(format="turtle"),
        report=list(result.report), problems=list(result.problems), parts=parts,
        footnotes=dict(result.footnotes))


def count(item: ImportedText, kind: str) -> int:
    """How many parts of ``kind`` (preamble, operative, item, heading) the import found."""
    return sum(1 for p in item.parts if p.kind == kind)
