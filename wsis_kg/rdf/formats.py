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
from collections.abc import Callable
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


def serialize_triples(triples, fmt: Format, extra_prefixes: dict[str, str] | None = None) -> bytes:
    """Serialise triples/quads with the project prefixes where the format has prefixes."""
    f = rdf_format(fmt)
    if f in (F.TURTLE, F.TRIG, F.N3):
        return ox.serialize(triples, format=f, prefixes={**PREFIXES, **(extra_prefixes or {})})
    return ox.serialize(triples, format=f)
