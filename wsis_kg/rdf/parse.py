"""Reading RDF that users send (files, request bodies, form pastes) in any common syntax.

Parsing is pyoxigraph's (fast, and its errors carry line and column); RDF/XML errors from
pyoxigraph lack a position, so rdflib's SAX-based parser is asked for it. The format comes from
an explicit name (``--input-format``, a form field), a media type (``Content-Type``) or the file
extension, in that order (the formats themselves are the registry in ``wsis_kg.rdf.formats``).
Every failure is an :class:`~wsis_kg.errors.InputSyntaxError` (HTTP 400) or
:class:`~wsis_kg.errors.UnsupportedMediaType` (HTTP 415) saying where; both exit 2 in the CLI.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

from wsis_kg.errors import InputSyntaxError, UnsupportedMediaType
from wsis_kg.rdf.formats import (
    RDF_FORMATS,
    RDF_XML,
    rdf_by_extension,
    rdf_by_media_type,
    rdf_by_name,
    rdf_format,
)
from wsis_kg.rdf.limits import MAX_NESTING, check_untrusted

#: The short names, for messages (the registry in ``wsis_kg.rdf.formats`` knows the rest).
SUPPORTED = tuple(f.name for f in RDF_FORMATS)
#: Media types that say nothing about the syntax of an uploaded file: its name's extension
#: decides (``text/plain`` is what browsers and curl send for a ``.ttl`` file they don't know).
GENERIC_MEDIA_TYPES = ("", "application/octet-stream", "text/plain")
_XSD_STRING = str(XSD.string)
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
#: pyoxigraph repeats the position in its message; we give it once, as file:line:column.
_POSITION_PREFIX = re.compile(
    r"^Parser error at line \d+ (?:between columns \d+ and \d+|column \d+): ")
#: pyoxigraph's words for a JSON-LD document that needs another document (a remote
#: ``@context``), which it does not fetch, and what we say instead.
_NO_LOADER = "No LoadDocumentCallback has been set"
_NOT_FETCHED = ("a JSON-LD @context given as a URL is not fetched (this service reads no URL "
                "or file named in its input): put the context inline")
#: A URL scheme (``http:``, ``file:`` …); a Windows drive letter (``C:``) is not one.
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]+:")


@dataclass
class ParsedInput:
    """The quads of one input, where they came from and the syntax they were in."""

    quads: list[ox.Quad]
    source: str
    format: ox.RdfFormat
    #: Prefixes the input declared (SHACL-SPARQL queries may rely on them, as in pyshacl).
    prefixes: dict[str, str] = field(default_factory=dict)

    def graph(self) -> Graph:
        """All triples (named graphs merged) as an rdflib graph, for pyshacl."""
        g = to_rdflib(self.quads)
        bind_prefixes(g, self.prefixes)
        return g


def bind_prefixes(g: Graph, prefixes: dict[str, str]) -> None:
    for prefix, iri in prefixes.items():
        g.namespace_manager.bind(prefix, iri, override=True, replace=True)


def format_from_name(name: str) -> ox.RdfFormat:
    """``turtle``, ``jsonld`` … or a media type → the format; 415 when unknown."""
    fmt = rdf_by_name(name)
    if fmt is not None:
        return rdf_format(fmt)
    if "/" in name:
        return format_from_media_type(name)
    raise UnsupportedMediaType(
        f"unknown RDF format {name!r}; use one of {', '.join(SUPPORTED)} or a media type",
        supported=list(SUPPORTED))


def format_from_media_type(media_type: str) -> ox.RdfFormat:
    """A ``Content-Type`` value (parameters ignored) → the format; 415 when not RDF."""
    fmt = rdf_by_media_type(media_type)
    if fmt is None:
        mt = media_type.split(";", 1)[0].strip().lower()
        raise UnsupportedMediaType(
            f"media type {mt or '(none)'!r} is not an RDF syntax this service reads "
            f"(send {', '.join(f.media_type for f in RDF_FORMATS)})",
            supported=[f.media_type for f in RDF_FORMATS])
    return rdf_format(fmt)


def format_from_path(path: str | Path) -> ox.RdfFormat:
    """The format a file name's extension stands for; 415 (exit 2) when it names none."""
    ext = Path(path).suffix.lstrip(".").lower()
    fmt = rdf_by_extension(ext) if ext else None
    if fmt is None:
        raise UnsupportedMediaType(
            f"{path}: cannot tell the RDF syntax from the extension "
            f"{('.' + ext) if ext else ''!r}; "
            f"name it with --input-format ({', '.join(SUPPORTED)})")
    return rdf_format(fmt)


def format_of_upload(media_type: str | None, filename: str | None, *, name: str | None = None,
                     default: ox.RdfFormat | None = None) -> ox.RdfFormat:
    """The syntax of one uploaded file (a multipart part): the one rule of every route.

    An explicit ``name`` (a form's ``format`` field) wins; then a media type that names an RDF
    syntax; then the file name's extension when it names one. A generic media type
    (:data:`GENERIC_MEDIA_TYPES`) never overrides the extension: ``data.ttl`` sent as
    ``text/plain`` is Turtle. A part without a file name gets ``default`` (a form's text
    field); then ``text/plain`` is N-Triples (its registered alias); else 415.
    """
    if name:
        return format_from_name(name)
    mt = (media_type or "").split(";", 1)[0].strip().lower()
    if mt not in GENERIC_MEDIA_TYPES:
        return format_from_media_type(mt)
    by_ext = rdf_by_extension(Path(filename).suffix) if filename else None
    if by_ext is not None:
        return rdf_format(by_ext)
    if default is not None and not filename:
        return default
    if mt == "text/plain":
        return format_from_media_type(mt)
    return format_from_path(filename or "")


def parse_bytes(data: bytes | str, fmt: ox.RdfFormat, *, source: str = "input",
                base_iri: str | None = None, max_nesting: int = MAX_NESTING) -> ParsedInput:
    """Parse ``data`` completely (so nothing is half-read) or raise with line/column.

    ``data`` may be hostile: nesting deeper than ``max_nesting`` and RDF/XML DTDs are refused
    before parsing (:mod:`wsis_kg.rdf.limits`), and nothing is ever fetched (pyoxigraph has no
    document loader: a remote JSON-LD ``@context`` is an error, reworded here).
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not check_untrusted(data, fmt, source=source, max_nesting=max_nesting):
        raise _xml_error(data, source, base_iri)
    try:
        parser = ox.parse(data, format=fmt, base_iri=base_iri or None, rename_blank_nodes=True)
        quads = list(parser)
        prefixes = dict(getattr(parser, "prefixes", None) or {})
    except SyntaxError as e:
        raise _syntax_error(e, data, fmt, source, base_iri) from None
    except ValueError as e:  # e.g. a bad base IRI
        raise InputSyntaxError(f"{source}: {e}", source=source) from None
    if any(isinstance(q.subject, ox.Triple) or isinstance(q.object, ox.Triple) for q in quads):
        raise InputSyntaxError(f"{source}: RDF-star / RDF 1.2 triple terms are not supported",
                               source=source)
    return ParsedInput(quads, source, fmt, prefixes)


def parse_file(path: str | Path, fmt: ox.RdfFormat | None = None, *,
               max_nesting: int = MAX_NESTING) -> ParsedInput:
    """Read and parse one file; relative IRIs resolve against the file's ``file:`` URI."""
    p = Path(path)
    fmt = fmt or format_from_path(p)
    try:
        data = p.read_bytes()
    except OSError as e:
        err = InputSyntaxError(f"{p}: cannot read the file: {e.strerror or e}", source=str(p))
        raise err from None
    return parse_bytes(data, fmt, source=str(p), base_iri=p.resolve().as_uri(),
                       max_nesting=max_nesting)


def _syntax_error(e: SyntaxError, data: bytes, fmt: ox.RdfFormat, source: str,
                  base_iri: str | None) -> InputSyntaxError:
    line, col = getattr(e, "lineno", None), getattr(e, "offset", None)
    msg = _POSITION_PREFIX.sub("", getattr(e, "msg", None) or str(e))
    if _NO_LOADER in msg:
        msg = _NOT_FETCHED
    if line is None and fmt == ox.RdfFormat.RDF_XML:
        return _xml_error(data, source, base_iri, msg)
    return _located(msg, source, line, col, fmt)


def _xml_error(data: bytes, source: str, base_iri: str | None,
               fallback: str = "not well-formed XML") -> InputSyntaxError:
    line, col, xml_msg = _xml_position(data, base_iri)
    return _located(xml_msg or fallback, source, line, col, ox.RdfFormat.RDF_XML)


def _located(msg: str, source: str, line: int | None, col: int | None,
             fmt: ox.RdfFormat) -> InputSyntaxError:
    where = f"{source}:{line}:{col or 1}: " if line else f"{source}: "
    return InputSyntaxError(f"{where}{msg}", source=source, line=line, column=col,
                            format=fmt.name)


#: rdflib's parsers share module-level state (its SPARQL parser's pyparsing grammar is not
#: thread-safe, nor are some plugin registries): every rdflib parse in a process that serves
#: requests holds this lock. The SPARQL guard takes the same lock for rdflib's query parser.
RDFLIB_LOCK = threading.RLock()


def rdflib_parse(graph: Graph, source: str | Path | None = None, *, data: bytes | str | None = None,
                 format: str, public_id: str | None = None) -> Graph:
    """THE rdflib parse: ``graph.parse`` under :data:`RDFLIB_LOCK` (for request threads).

    ``source`` is a local file: rdflib would fetch a URL (``http:``, ``file:`` …), so one is
    refused (nothing this service parses may make it reach the network or other files).
    """
    if source is not None and _URL.match(str(source)):
        raise InputSyntaxError(f"{source}: a URL is not read as an RDF source; give a local "
                               "file or the data itself", source=source)
    with RDFLIB_LOCK:
        return graph.parse(source=None if source is None else str(source), data=data,
                           format=format, publicID=public_id)


def _xml_position(data: bytes, base_iri: str | None) -> tuple[int | None, int | None, str]:
    """rdflib's RDF/XML parser (SAX) knows where an XML or RDF/XML error is."""
    from xml.sax import SAXParseException

    try:
        rdflib_parse(Graph(), data=data, format=RDF_XML.rdflib or "xml",
                     public_id=base_iri or "urn:x-wsis-kg:input")
    except SAXParseException as e:
        # SAX columns are 0-based; ours (like pyoxigraph's) are 1-based.
        return e.getLineNumber(), e.getColumnNumber() + 1, e.getMessage()
    except Exception as e:  # noqa: BLE001 - any rdflib complaint is still a useful message
        return None, None, str(e)
    return None, None, ""


def to_rdflib_term(t: ox.NamedNode | ox.BlankNode | ox.Literal):
    """One pyoxigraph term as the equal rdflib term (xsd:string literals stay plain)."""
    if isinstance(t, ox.NamedNode):
        return URIRef(t.value)
    if isinstance(t, ox.BlankNode):
        return BNode(t.value)
    if isinstance(t, ox.Literal):
        if t.language:
            return Literal(t.value, lang=t.language)
        dt = t.datatype.value
        if dt == _XSD_STRING:
            return Literal(t.value)
        return Literal(t.value, datatype=URIRef(dt))
    raise TypeError(f"unsupported RDF term {t!r} (RDF-star triples are not supported)")


def to_rdflib(triples, graph: Graph | None = None) -> Graph:
    """Add pyoxigraph quads or triples to an rdflib graph (graph names dropped)."""
    g = graph if graph is not None else Graph()
    add = g.add
    conv = to_rdflib_term
    for q in triples:
        add((conv(q.subject), conv(q.predicate), conv(q.object)))
    return g


def to_ox_term(t):
    """An rdflib term as the pyoxigraph term (for writing into the store)."""
    if isinstance(t, URIRef):
        return ox.NamedNode(str(t))
    if isinstance(t, BNode):
        return ox.BlankNode(str(t))
    if isinstance(t, Literal):
        if t.language:
            return ox.Literal(str(t), language=t.language)
        if t.datatype is not None and str(t.datatype) != _RDF_LANGSTRING:
            return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype)))
        return ox.Literal(str(t))
    raise TypeError(f"unsupported RDF term {t!r}")
