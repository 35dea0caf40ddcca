"""Media types, content negotiation and result serialisation, all delegated to libraries.

Negotiation uses werkzeug's Accept parser (q-values, wildcards); serialisation uses pyoxigraph
(``QuerySolutions.serialize``, ``QueryBoolean.serialize``, ``pyoxigraph.serialize``). Nothing here
writes a result format by hand.

The result cap is enforced while serialising, without truncating anything: SELECT results are
first written as SPARQL TSV (exactly one line per solution, so lines count rows) and CONSTRUCT /
DESCRIBE results as N-Triples (one line per triple); when the count passes the cap the writer
aborts evaluation and :class:`~wsis_kg.errors.ResultTooLarge` is raised. When another format was
asked for, the TSV / N-Triples bytes are re-parsed and re-serialised by pyoxigraph (both are
lossless for RDF terms), so the whole path stays in Rust.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pyoxigraph as ox
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from wsis_kg.errors import NotAcceptable, ResultTooLarge
from wsis_kg.namespaces import PREFIXES

#: What kind of answer a query form gives.
SOLUTIONS, BOOLEAN, GRAPH = "solutions", "boolean", "graph"


@dataclass(frozen=True)
class Format:
    """One offered serialisation: the media type we answer with and pyoxigraph's format."""

    media_type: str
    ox_format: ox.QueryResultsFormat | ox.RdfFormat
    names: tuple[str, ...]  # values accepted by the ``format`` parameter (besides media types)
    aliases: tuple[str, ...] = ()  # other media types clients use for it

    @property
    def content_type(self) -> str:
        mt = self.media_type
        textual = mt.startswith("text/") or mt.endswith(("json", "xml", "trig", "triples",
                                                           "quads"))
        return f"{mt}; charset=utf-8" if textual and "charset" not in mt else mt


R = ox.QueryResultsFormat
F = ox.RdfFormat

#: Formats for SELECT results, the first is the default.
RESULT_FORMATS: tuple[Format, ...] = (
    Format("application/sparql-results+json", R.JSON, ("json", "srj"), ("application/json",)),
    Format("application/sparql-results+xml", R.XML, ("xml", "srx"),
           ("application/xml", "text/xml")),
    Format("text/csv", R.CSV, ("csv",)),
    Format("text/tab-separated-values", R.TSV, ("tsv",)),
)
#: ASK results: JSON and XML are the standard ones (CSV/TSV are pyoxigraph extensions).
BOOLEAN_FORMATS: tuple[Format, ...] = RESULT_FORMATS
#: Formats for CONSTRUCT / DESCRIBE (and RDF documents such as the Service Description).
GRAPH_FORMATS: tuple[Format, ...] = (
    Format("text/turtle", F.TURTLE, ("turtle", "ttl"), ("application/x-turtle",)),
    Format("application/n-triples", F.N_TRIPLES, ("nt", "ntriples", "n-triples"),
           ("text/plain",)),
    Format("application/ld+json", F.JSON_LD, ("jsonld", "json-ld", "json"),
           ("application/json",)),
    Format("application/rdf+xml", F.RDF_XML, ("rdfxml", "rdf", "xml"),
           ("application/xml", "text/xml")),
    Format("application/trig", F.TRIG, ("trig",)),
    Format("application/n-quads", F.N_QUADS, ("nq", "nquads", "n-quads")),
)

_BY_KIND = {SOLUTIONS: RESULT_FORMATS, BOOLEAN: BOOLEAN_FORMATS, GRAPH: GRAPH_FORMATS}


def offered(kind: str) -> tuple[Format, ...]:
    return _BY_KIND[kind]


@functools.lru_cache(maxsize=512)
def negotiate(kind: str, accept: str | None, fmt: str | None = None) -> Format:
    """Pick the format for a ``kind`` of answer.

    Memoised (bounded): parsing and matching ``Accept`` cost ≈0.1 ms, as much as evaluating a
    lookup, and clients send the same few headers over and over.

    ``fmt`` (the ``format`` request parameter: a short name such as ``json``/``turtle`` or a
    media type) wins over ``Accept`` because it exists for clients that cannot set headers
    (browser links). Without either, the first offered format is used. Raises
    :class:`NotAcceptable` when nothing offered matches.
    """
    formats = offered(kind)
    if fmt:
        want = fmt.strip().lower()
        for f in formats:
            if want in f.names or want == f.media_type or want in f.aliases:
                return f
        raise NotAcceptable(
            f"format={fmt!r} is not available for this {kind} result; use one of: "
            + ", ".join(f.names[0] for f in formats),
            available=[f.media_type for f in formats])
    if not accept or not accept.strip():
        return formats[0]
    parsed = parse_accept_header(accept, MIMEAccept)
    candidates: dict[str, Format] = {}
    for f in formats:
        candidates.setdefault(f.media_type, f)
    for f in formats:
        for a in f.aliases:
            candidates.setdefault(a, f)
    best = parsed.best_match(list(candidates))
    if best is None:
        raise NotAcceptable(
            f"none of the requested media types ({accept}) is available for this {kind} "
            "result", available=[f.media_type for f in formats])
    return candidates[best]


def rdf_format(fmt: Format) -> ox.RdfFormat:
    assert isinstance(fmt.ox_format, ox.RdfFormat)
    return fmt.ox_format


class _LineCap:
    """A write-only sink that counts lines and aborts the serialiser past ``max_lines``."""

    def __init__(self, max_lines: int) -> None:
        self.max_lines = max_lines
        self.lines = 0
        self.chunks: list[bytes] = []

    def write(self, b) -> int:
        b = bytes(b)
        self.lines += b.count(b"\n")
        if self.lines > self.max_lines:
            raise _CapReached()
        self.chunks.append(b)
        return len(b)

    def flush(self) -> None:
        pass

    def value(self) -> bytes:
        return b"".join(self.chunks)


class _CapReached(Exception):
    pass


def _too_large(limit: int, what: str) -> ResultTooLarge:
    return ResultTooLarge(
        f"The result has more than {limit} {what}; it is refused rather than truncated. "
        "Add LIMIT/OFFSET to page through it, or narrow the query.", limit=limit)


def serialize_result(result, fmt: Format, limit: int | None) -> bytes:
    """Serialise a pyoxigraph query result in ``fmt``; refuse (never truncate) past ``limit``."""
    if isinstance(result, ox.QueryBoolean):
        return result.serialize(format=fmt.ox_format)
    if isinstance(result, ox.QuerySolutions):
        if limit is None:
            return result.serialize(format=fmt.ox_format)
        sink = _LineCap(limit + 1)  # + header line
        try:
            result.serialize(sink, format=R.TSV)
        except (_CapReached, OSError) as e:
            if sink.lines > sink.max_lines:
                raise _too_large(limit, "rows") from None
            raise e
        tsv = sink.value()
        if fmt.ox_format == R.TSV:
            return tsv
        return ox.parse_query_results(tsv, R.TSV).serialize(format=fmt.ox_format)
    # QueryTriples (CONSTRUCT / DESCRIBE)
    if limit is None:
        nt = result.serialize(format=F.N_TRIPLES)
    else:
        sink = _LineCap(limit)
        try:
            result.serialize(sink, format=F.N_TRIPLES)
        except (_CapReached, OSError) as e:
            if sink.lines > sink.max_lines:
                raise _too_large(limit, "triples") from None
            raise e
        nt = sink.value()
    if fmt.ox_format == F.N_TRIPLES:
        return nt
    return serialize_triples(ox.parse(nt, F.N_TRIPLES), fmt)


def serialize_triples(triples, fmt: Format, extra_prefixes: dict[str, str] | None = None) -> bytes:
    """Serialise triples/quads with the project prefixes where the format has prefixes."""
    f = rdf_format(fmt)
    if f in (F.TURTLE, F.TRIG, F.N3):
        return ox.serialize(triples, format=f, prefixes={**PREFIXES, **(extra_prefixes or {})})
    return ox.serialize(triples, format=f)
