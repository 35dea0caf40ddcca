"""Stocktaking records (a CSV file) → RDF, with a declarative mapping (docs/stocktaking.md).

Why this shape: the mapping from columns to ontology terms is one SPARQL CONSTRUCT
(``stocktaking.rq`` next to this module), run by pyoxigraph over a small graph that holds the
rows as they are (one property per column, in the style of CSVW's default mapping). The Python
here only reads the file, splits the multi-value cells and puts names of already known
organisations in reach of the mapping; what a column means is read in one place, the ``.rq``
file, which a maintainer can change without touching code (RML engines such as morph-kgc pin a
pyoxigraph older than ours).

Rows are validated as part of the whole file against the shapes, in the context of the graph
(:func:`wsis_kg.validation.ingest.write_graph`); each violation is traced back to its row (by
the focus node: the entry, or an organisation or country only that row names) and its column
(by the shape that fired: :data:`SHAPE_COLUMNS`). Rejected rows are left out and the rest is
validated again and written: :func:`import_rows` returns what was written and every rejected
row with the reason.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from wsis_kg.errors import BadRequest, ValidationFailed
from wsis_kg.namespaces import ID
from wsis_kg.validation.report import ValidationReport

MAPPING = Path(__file__).with_name("stocktaking.rq")
COL = "urn:wsis-kg:csv:col/"
ROW = "urn:wsis-kg:csv:row/"
ENTRY = str(ID["stocktaking/"])
#: The documented layout: every column, in order (extra columns are ignored).
COLUMNS = ("id", "title", "description", "lead_organisation", "lead_stakeholder_type",
           "partners", "countries", "action_lines", "targets", "start_year", "status",
           "source_url")
REQUIRED = ("id", "title", "lead_organisation", "action_lines", "source_url")
#: Columns whose cell holds several values separated by ";".
MULTI_VALUED = frozenset({"partners", "countries", "action_lines", "targets"})
#: The column a violation of a shape points at (shapes/wsis-shapes.ttl, section Stocktaking).
SHAPE_COLUMNS = {
    "StocktakingEntryShape-stocktakingId": "id",
    "StocktakingEntryShape-title": "title",
    "StocktakingEntryShape-description": "description",
    "StocktakingEntryShape-leadOrganisation": "lead_organisation",
    "StocktakingEntryShape-leadStakeholderGroup": "lead_stakeholder_type",
    "StocktakingEntryShape-partner": "partners",
    "StocktakingEntryShape-country": "countries",
    "StocktakingEntryShape-servesActionLine": "action_lines",
    "StocktakingEntryShape-servesTarget": "targets",
    "StocktakingEntryShape-startYear": "start_year",
    "StocktakingEntryShape-projectStatus": "status",
    "StocktakingEntryShape-source": "source_url",
    "OrganisationShape-prefLabel": "lead_organisation",
    "OrganisationShape-stakeholderGroup": "lead_stakeholder_type",
    "CountryShape-countryCode": "countries",
    "SourceTargetShape": "source_url",
}
WSIS = "https://w3id.org/wsis-kg/def/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
#: Properties by which the mapping recognises an organisation the graph already describes.
NAME_PROPERTIES = (SKOS + "prefLabel", SKOS + "altLabel", WSIS + "acronym")
#: Passes of validate → drop rejected rows; the second normally conforms (a row is only
#: rejected for what it says itself), the third is a safety net.
MAX_PASSES = 3
#: Rows mapped per CONSTRUCT (the mapping is row by row; batches let a progress bar move).
BATCH = 1000


@dataclass(frozen=True)
class Row:
    """One data row: its line-based number in the file (header = row 1) and its cells."""

    number: int
    cells: dict[str, str]

    @property
    def entry(self) -> str:
        return ENTRY + _encode(self.cells.get("id", ""))


@dataclass(frozen=True)
class Rejection:
    row: int
    column: str
    message: str


@dataclass
class ImportSummary:
    rows: int
    written: int = 0
    triples: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    report: ValidationReport | None = None

    @property
    def rejected_rows(self) -> list[int]:
        return sorted({r.row for r in self.rejected})


def read_rows(data: bytes | str, source: str = "the file") -> tuple[list[Row], list[Rejection]]:
    """Rows of a CSV file in the documented layout, and rows refused before mapping (no id, or
    an id already used by an earlier row). A file without the required columns is refused."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise BadRequest(f"{source}: the header lacks the column(s) {', '.join(missing)}; "
                         f"expected {','.join(COLUMNS)} (docs/stocktaking.md)", source=source)
    reader.fieldnames = header
    rows: list[Row] = []
    refused: list[Rejection] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(reader, start=2):
        cells = {k: (v or "").strip() for k, v in raw.items() if k in COLUMNS}
        if not any(cells.values()):
            continue
        ident = cells.get("id", "")
        if not ident:
            refused.append(Rejection(i, "id", "The row has no id: every stocktaking record "
                                              "needs its identifier from the database."))
        elif ident in seen:
            refused.append(Rejection(i, "id", f"The id {ident!r} is already used by row "
                                              f"{seen[ident]}."))
        else:
            seen[ident] = i
            rows.append(Row(i, cells))
    return rows, refused


def csv_graph(rows: Iterable[Row], known_names: Iterable[tuple[str, str]] = ()) -> ox.Store:
    """The rows as a graph (the mapping's input): one property per column, one value per item
    of a multi-value cell; ``known_names``: (organisation IRI, name) pairs for linking."""
    store = ox.Store()
    quads = []
    for row in rows:
        node = ox.NamedNode(f"{ROW}{row.number}")
        for col, value in row.cells.items():
            values = [v.strip() for v in value.split(";")] if col in MULTI_VALUED else [value]
            quads += [ox.Quad(node, ox.NamedNode(COL + col), ox.Literal(v)) for v in values if v]
    quads += [ox.Quad(ox.NamedNode(org), ox.NamedNode(COL + "key"),
                      ox.Literal(name.strip().lower())) for org, name in known_names]
    store.extend(quads)
    return store


def map_rows(rows: Sequence[Row], known_names: Iterable[tuple[str, str]] = (), *,
             progress: Callable[[int], None] | None = None) -> list[ox.Triple]:
    """The RDF of ``rows``: the CONSTRUCT of ``stocktaking.rq`` over :func:`csv_graph`, in
    batches of :data:`BATCH` rows (``progress`` is told how many rows each batch had)."""
    mapping = MAPPING.read_text(encoding="utf-8")
    known = list(known_names)
    out: dict[ox.Triple, None] = {}
    for i in range(0, len(rows), BATCH):
        batch = rows[i:i + BATCH]
        out.update(dict.fromkeys(csv_graph(batch, known).query(mapping)))
        if progress:
            progress(len(batch))
    return list(out)  # without repeats, in a stable order


def known_organisation_names(store) -> list[tuple[str, str]]:
    """(IRI, name) of every organisation the graph describes, by every name it has."""
    values = " ".join(f"<{p}>" for p in NAME_PROPERTIES)
    q = (f"SELECT ?o ?name WHERE {{ ?o a <{WSIS}Organisation> . "
         f"VALUES ?p {{ {values} }} ?o ?p ?name }}")
    return [(r["o"].value, r["name"].value) for r in store.query(q)
            if isinstance(r["o"], ox.NamedNode)]


def rejections(report: ValidationReport, rows: Sequence[Row],
               triples: Sequence[ox.Triple]) -> list[Rejection]:
    """The rows (and columns) each violation of ``report`` comes from."""
    return trace([(str(r.focus), _local(r.source_shape),
                   " ".join(r.messages) or "does not conform")
                  for r in report.results if r.severity == "Violation"], rows, triples)


def trace(violations: Iterable[tuple[str, str, str]], rows: Sequence[Row],
          triples: Sequence[ox.Triple]) -> list[Rejection]:
    """(focus IRI, shape local name, message) → rejections of the rows that state the focus
    node: its entry's row, or every row whose entry links to it (an organisation, a country).
    A violation no row accounts for is returned with row 0 (the caller refuses the file)."""
    row_of = {row.entry: row.number for row in rows}
    linked: dict[str, set[int]] = defaultdict(set)
    for t in triples:
        n = row_of.get(t.subject.value) if isinstance(t.subject, ox.NamedNode) else None
        if n is not None and isinstance(t.object, ox.NamedNode | ox.Literal):
            linked[t.object.value].add(n)
    out: set[Rejection] = set()
    for focus, shape, message in violations:
        column = SHAPE_COLUMNS.get(shape, "(row)")
        numbers = {row_of[focus]} if focus in row_of else linked.get(focus, {0})
        out |= {Rejection(n, column, message) for n in numbers}
    return sorted(out, key=lambda r: (r.row, r.column, r.message))


def import_rows(rows: Sequence[Row], write: Callable[[list[ox.Triple]], int], *,
                known_names: Iterable[tuple[str, str]] = (),
                refused: Sequence[Rejection] = (),
                on_rejected: Callable[[ValidationReport], Iterable[tuple[str, str, str]]]
                | None = None,
                progress: Callable[[int], None] | None = None) -> ImportSummary:
    """Map, validate and write ``rows``, leaving out the rows that do not conform.

    ``write`` validates and writes the triples (all or nothing) and returns how many were
    written, or raises :class:`ValidationFailed`; ``on_rejected`` turns its report into
    (focus, shape, message) triples when it is not a local :class:`ValidationReport`.
    """
    known = list(known_names)
    summary = ImportSummary(rows=len(rows) + len({r.row for r in refused}),
                            rejected=list(refused))
    todo = list(rows)
    for _ in range(MAX_PASSES):
        if not todo:
            return summary
        triples = map_rows(todo, known, progress=progress)
        progress = None  # the bar covers the first pass
        try:
            summary.triples = write(triples)
            summary.written = len(todo)
            return summary
        except ValidationFailed as e:
            found = (trace(on_rejected(e.report), todo, triples) if on_rejected
                     else rejections(e.report, todo, triples))
            if not found or any(r.row == 0 for r in found):
                raise
            summary.report = e.report
            summary.rejected = sorted(summary.rejected + found,
                                      key=lambda r: (r.row, r.column, r.message))
            bad = {r.row for r in found}
            todo = [r for r in todo if r.number not in bad]
    raise ValidationFailed(f"rows still did not conform after {MAX_PASSES} passes; nothing "
                           "was written", report=summary.report)


def _encode(value: str) -> str:
    """SPARQL's ENCODE_FOR_URI, which the mapping uses for the entry IRI."""
    from urllib.parse import quote

    return quote(value, safe="-_.~")


def _local(shape) -> str:
    return str(shape).rsplit("/", 1)[-1] if shape is not None else ""
