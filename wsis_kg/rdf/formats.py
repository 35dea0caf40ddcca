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
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from wsis_kg.errors import NotAcceptable, ResultTooLarge
from wsis_kg.namespaces import PREFIXES

#: What kind of answer a query form gives.
SOLUTIONS, BOOLEAN, GRAPH = "solutions", "boolean", "graph"


@dataclass(frozen=True)
class Format:
    """One serialisation this service reads or writes: everything known about it, in one place.

    ``ox_format`` is None for renderings that are not RDF or SPARQL results (HTML pages, the
    simple JSON and text validation reports): they take part in negotiation like the others.
    """

    media_type: str
    ox_format: ox.QueryResultsFormat | ox.RdfFormat | None
    names: tuple[str, ...]  # values accepted by ``format`` parameters (besides media types)
    aliases: tuple[str, ...] = ()  # other media types clients use for it
    #: File extensions that stand for it; the first one is used in the URLs we mint.
    extensions: tuple[str, ...] = ()
    #: rdflib's name of the format (for the few graphs rdflib writes, e.g. SHACL reports).
    rdflib: str | None = None

    @property
    def name(self) -> str:
        """The short name of the format (the CLI's ``--format`` values, dump names)."""
        return self.names[0]

    @property
    def extension(self) -> str:
        return self.extensions[0]

    @property
    def label(self) -> str:
        return self.ox_format.name if self.ox_format is not None else self.media_type

    @property
    def is_rdf(self) -> bool:
        return isinstance(self.ox_format, ox.RdfFormat)

    @property
    def dataset(self) -> bool:
        """Whether the format keeps named graphs (quads), rather than triples only."""
        return isinstance(self.ox_format, ox.RdfFormat) and self.ox_format.supports_datasets

    @property
    def content_type(self) -> str:
        """Every textual format is sent as UTF-8 and says so (one rule for every route)."""
        mt = self.media_type
        textual = mt.startswith("text/") or mt.endswith(("json", "xml", "trig", "triples",
                                                           "quads"))
        return f"{mt}; charset=utf-8" if textual and "charset" not in mt else mt


R = ox.QueryResultsFormat
F = ox.RdfFormat

#: Formats for SELECT results, the first is the default.
RESULTS_JSON = Format("application/sparql-results+json", R.JSON, ("json", "srj"),
                      ("application/json",), ("srj", "json"))
RESULTS_XML = Format("application/sparql-results+xml", R.XML, ("xml", "srx"),
                     ("application/xml", "text/xml"), ("srx", "xml"))
RESULTS_CSV = Format("text/csv", R.CSV, ("csv",), (), ("csv",))
RESULTS_TSV = Format("text/tab-separated-values", R.TSV, ("tsv",), (), ("tsv",))
RESULT_FORMATS: tuple[Format, ...] = (RESULTS_JSON, RESULTS_XML, RESULTS_CSV, RESULTS_TSV)
#: ASK results: JSON and XML are the standard ones (CSV/TSV are pyoxigraph extensions).
BOOLEAN_FORMATS: tuple[Format, ...] = RESULT_FORMATS

#: "n3": clients (SPARQLWrapper) ask for N3 by name; Turtle is N3, so it is the answer.
TURTLE = Format("text/turtle", F.TURTLE, ("turtle", "ttl", "n3"), ("application/x-turtle",),
                ("ttl",), "turtle")
N_TRIPLES = Format("application/n-triples", F.N_TRIPLES, ("ntriples", "nt", "n-triples"),
                   ("text/plain",), ("nt",), "nt")
JSON_LD = Format("application/ld+json", F.JSON_LD, ("jsonld", "json-ld", "json"),
                 ("application/json",), ("jsonld", "json"), "json-ld")
RDF_XML = Format("application/rdf+xml", F.RDF_XML, ("rdfxml", "rdf", "xml", "rdf/xml", "rdf+xml"),
                 ("application/xml", "text/xml"), ("rdf", "owl", "xml"), "xml")
TRIG = Format("application/trig", F.TRIG, ("trig",), (), ("trig",), "trig")
N_QUADS = Format("application/n-quads", F.N_QUADS, ("nquads", "nq", "n-quads"), (), ("nq",),
                 "nquads")
#: THE registry of RDF syntaxes, read and written; the first is the default answer.
#: (CONSTRUCT / DESCRIBE results, RDF documents, the Graph Store, linked data, dumps, input.)
GRAPH_FORMATS: tuple[Format, ...] = (TURTLE, N_TRIPLES, JSON_LD, RDF_XML, TRIG, N_QUADS)
RDF_FORMATS = GRAPH_FORMATS
#: HTML pages, offered next to RDF where people browse.
HTML = Format("text/html", None, ("html",), ("application/xhtml+xml",), ("html",))
#: Validation reports: the SHACL report graph as RDF, or simple JSON / text / HTML renderings.
REPORT_FORMATS: tuple[Format, ...] = (
    TURTLE, JSON_LD,
    Format("application/json", None, ("json",)),
    HTML,
    Format("text/plain", None, ("text",)),
)
#: Search answers (``/search``): JSON hits, the HTML page, or the hits' IRIs as a SPARQL
#: ``VALUES`` block to paste into a query.
SEARCH_FORMATS: tuple[Format, ...] = (
    Format("application/json", None, ("json",)),
    HTML,
    Format("application/sparql-query", None, ("values", "sparql")),
)
#: RFC 9457 problem details (an error answer that still takes part in negotiation).
PROBLEM = Format("application/problem+json", None, ("problem",), ("application/json",))

_BY_KIND = {SOLUTIONS: RESULT_FORMATS, BOOLEAN: BOOLEAN_FORMATS, GRAPH: GRAPH_FORMATS}


def offered(kind: str) -> tuple[Format, ...]:
    return _BY_KIND[kind]


def rdf_by_name(name: str) -> Format | None:
    """The RDF format a short name (``turtle``, ``nt``, ``rdf/xml`` …) stands for."""
    key = name.strip().lower()
    return next((f for f in RDF_FORMATS if key in f.names), None)


def rdf_by_media_type(media_type: str) -> Format | None:
    """The RDF format of a media type or one of its aliases (parameters ignored)."""
    mt = media_type.split(";", 1)[0].strip().lower()
    return next((f for f in RDF_FORMATS if mt == f.media_type or mt in f.aliases), None)


def rdf_by_extension(ext: str) -> Format | None:
    """The RDF format a file extension (with or without its dot) stands for."""
    key = ext.lstrip(".").lower()
    return next((f for f in RDF_FORMATS if key in f.extensions), None)


def negotiate(kind: str, accept: str | None, fmt: str | None = None) -> Format:
    """Pick the format for a ``kind`` of query answer (see :func:`choose`)."""
    return choose(offered(kind), accept, fmt, what=f"this {kind} result")


@functools.lru_cache(maxsize=512)
def choose(offers: tuple[Format, ...], accept: str | None, fmt: str | None = None,
           what: str = "this resource") -> Format:
    """THE content negotiation: pick one of ``offers`` for a request.

    Memoised (bounded): parsing and matching ``Accept`` cost ≈0.1 ms, as much as evaluating a
    lookup, and clients send the same few headers over and over.

    ``fmt`` (a ``format`` request parameter: a short name such as ``json``/``turtle`` or a
    media type) wins over ``Accept`` because it exists for clients that cannot set headers
    (browser links). Without either, the first offer is used. Media-type parameters (such as
    ``charset``) in ``Accept`` are ignored. Raises :class:`NotAcceptable` when nothing offered
    matches.
    """
    if fmt:
        want = fmt.strip().lower()
        for f in offers:
            if want in f.names or want == f.media_type or want in f.aliases:
                return f
        raise NotAcceptable(
            f"format={fmt!r} is not available for {what}; use one of: "
            + ", ".join(f.names[0] for f in offers),
            available=[f.media_type for f in offers])
    if not accept or not accept.strip():
        return offers[0]
    parsed = MIMEAccept([(v.split(";", 1)[0].strip(), q)
                         for v, q in parse_accept_header(accept, MIMEAccept)])
    candidates: dict[str, Format] = {}
    for f in offers:
        candidates.setdefault(f.media_type, f)
    for f in offers:
        for a in f.aliases:
            candidates.setdefault(a, f)
    best = parsed.best_match(list(candidates))
    if best is None:
        raise NotAcceptable(
            f"none of the requested media types ({accept}) is available for {what}",
            available=[f.media_type for f in offers])
    return candidates[best]


def rdf_format(fmt: Format) -> ox.RdfFormat:
    assert isinstance(fmt.ox_format, ox.RdfFormat)
    return fmt.ox_format


class _Lines:
    """Counts lines: one per row of TSV (plus its header line), one per N-Triples triple."""

    def __init__(self) -> None:
        self.count = 0

    def feed(self, b: bytes) -> None:
        self.count += b.count(b"\n")


class _JsonRowBound:
    """An upper bound on the solutions of SPARQL JSON results (pyoxigraph's writer), counted
    as they are written; exact unless a literal holds ``,{}`` or ``[{}``.

    A solution starts with ``[{`` or ``,{`` followed by ``"`` and a variable name, or by ``}``
    (an empty solution). Inside a string a ``"`` is always escaped except the closing one,
    which is followed by ``,`` ``}`` ``:`` or ``]``, so a non-empty solution is never miscounted;
    only ``,{}`` / ``[{}`` in a literal's text can add to the count.
    """

    #: Two patterns with a literal prefix each: ``re`` then scans for it at memchr speed
    #: (≈1 ms per MB, against ≈11 ms for one pattern starting with a class).
    _ROWS = (re.compile(rb',\{(?:"[^,}:\]"]|\})'), re.compile(rb'\[\{(?:"[^,}:\]"]|\})'))

    def __init__(self) -> None:
        self.count = 0
        self._tail = b""

    def _starts(self, b: bytes) -> int:
        return sum(len(p.findall(b)) for p in self._ROWS)

    def feed(self, b: bytes) -> None:
        both = self._tail + b  # a solution's start may be cut by the chunk's end
        self.count += self._starts(both) - self._starts(self._tail)
        self._tail = both[-3:]


class _XmlRows:
    """Counts ``<result>`` elements of SPARQL XML results; text escapes ``<``, so the tag
    appears nowhere else. The last bytes of a chunk are kept for a tag cut in two."""

    TAG = b"<result>"

    def __init__(self) -> None:
        self.count = 0
        self._tail = b""

    def feed(self, b: bytes) -> None:
        both = self._tail + b
        self.count += both.count(self.TAG)
        self._tail = both[-(len(self.TAG) - 1):]


class _CappedSink:
    """A write-only sink that keeps the answer, counts its rows or triples with ``counter``
    and aborts the serialiser as soon as there are more than ``cap``."""

    def __init__(self, counter: _Lines | _JsonRowBound | _XmlRows, cap: int) -> None:
        self.counter = counter
        self.cap = cap
        self.chunks: list[bytes] = []

    @property
    def over(self) -> bool:
        return self.counter.count > self.cap

    def write(self, b) -> int:
        b = bytes(b)
        self.counter.feed(b)
        if self.over:
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


def _capped(result, fmt_out, counter, cap: int, limit: int, what: str) -> bytes:
    sink = _CappedSink(counter, cap)
    try:
        result.serialize(sink, format=fmt_out)
    except (_CapReached, OSError) as e:
        if sink.over:
            raise _too_large(limit, what) from None
        raise e
    return sink.value()


def serialize_result(result, fmt: Format, limit: int | None,
                     again: Callable[[], Any] | None = None) -> bytes:
    """Serialise a pyoxigraph query result in ``fmt``; refuse (never truncate) past ``limit``.

    The cap is counted while the answer is written, so an over-large answer stops early: XML
    answers by their ``<result>`` tags, TSV and N-Triples by lines, JSON answers by an upper
    bound (:class:`_JsonRowBound`); only when that bound passes the cap is the query run
    ``again`` and counted exactly as TSV. CSV (a quoted value may hold a line break) and the
    RDF formats other than N-Triples are written as TSV / N-Triples first and converted.
    """
    if isinstance(result, ox.QueryBoolean):
        return result.serialize(format=fmt.ox_format)
    if isinstance(result, ox.QuerySolutions):
        if limit is None:
            return result.serialize(format=fmt.ox_format)
        if fmt.ox_format == R.XML:
            return _capped(result, R.XML, _XmlRows(), limit, limit, "rows")
        if fmt.ox_format == R.JSON and again is not None:
            sink = _CappedSink(_JsonRowBound(), limit)
            try:
                result.serialize(sink, format=R.JSON)
                return sink.value()
            except (_CapReached, OSError) as e:
                if not sink.over:
                    raise e
            result = again()  # maybe over the cap: count exactly
        tsv = _capped(result, R.TSV, _Lines(), limit + 1, limit, "rows")  # + header line
        if fmt.ox_format == R.TSV:
            return tsv
        return ox.parse_query_results(tsv, R.TSV).serialize(format=fmt.ox_format)
    # QueryTriples (CONSTRUCT / DESCRIBE)
    if limit is None:
        nt = result.serialize(format=F.N_TRIPLES)
    else:
        nt = _capped(result, F.N_TRIPLES, _Lines(), limit, limit, "triples")
    if fmt.ox_format == F.N_TRIPLES:
        return nt
    return serialize_triples(ox.parse(nt, F.N_TRIPLES), fmt)


def serialize_triples(triples: Iterable[Any], fmt: Format,
                      prefixes: dict[str, str] | None = None) -> bytes:
    """THE serialise-with-prefixes of the project: triples/quads in ``fmt``.

    Formats with prefix declarations (Turtle, TriG, RDF/XML) get the project prefixes plus
    ``prefixes`` (which win: linked data maps the project prefixes to its public base).
    Quads given to a triples-only format are written as their triples (graph names dropped);
    triples given to a dataset format land in the default graph.
    """
    f = rdf_format(fmt)
    items = _fit(triples, fmt.dataset)
    if f in (F.TURTLE, F.TRIG, F.RDF_XML):
        return ox.serialize(items, format=f, prefixes={**PREFIXES, **(prefixes or {})})
    return ox.serialize(items, format=f)


def _fit(items: Iterable[Any], dataset: bool) -> Iterable[Any]:
    """Quads as triples for a triples-only format; triples stay triples for a dataset one
    (pyoxigraph puts them in the default graph)."""
    if dataset:
        return items
    return (i.triple if isinstance(i, ox.Quad) else i for i in items)
