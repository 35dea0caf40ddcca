"""Linked data: every IRI the graph mints is dereferenceable, plus dumps, VoID/DCAT and context.

An IRI ``<public base>X`` is answered at ``<service root>/X`` (``Settings.public_base``), so one
build serves behind any host name. The data always uses the canonical base
(``https://w3id.org/wsis-kg/``); when the public base differs, IRIs are rewritten on the fly in
what is served (RDF descriptions, dumps, VoID, HTML links), never in the store.

A bare IRI answers **303 See Other** to a format URL chosen from ``Accept`` (``X.ttl``,
``X.jsonld``, ``X.nt``, ``X.rdf``, ``X.html``) with ``Vary: Accept``; the format URLs answer 200.
A resource is described by a SPARQL ``DESCRIBE`` (Oxigraph answers with the Concise Bounded
Description: outgoing triples plus the closure over blank nodes); HTML pages add incoming links,
labels and the quoted source paragraphs. ``/def`` and ``/shapes`` themselves are the whole
ontology / shapes graph (HTML: the pyLODE documentation).
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, redirect, render_template, request
from werkzeug.datastructures import Headers

from wsis_kg.errors import NotAcceptable, NotFound
from wsis_kg.graph.dump import DUMP_FORMATS, dump, dump_format
from wsis_kg.namespaces import (
    BASE,
    GRAPH_ONTOLOGY,
    GRAPH_SHAPES,
    ONTOLOGY_IRI,
    PREFIXES,
    SHAPES_IRI,
)
from wsis_kg.rdf.formats import (
    HTML,
    JSON_LD,
    N_TRIPLES,
    PROBLEM,
    RDF_XML,
    TURTLE,
    Format,
    choose,
    serialize_triples,
)
from wsis_kg.sparql.evaluate import QueryRequest
from wsis_kg.sparql.service import QueryService
from wsis_kg.web import service

bp = Blueprint("linked_data", __name__)

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDF_FIRST = "http://www.w3.org/1999/02/22-rdf-syntax-ns#first"
RDF_REST = "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest"
RDF_NIL = "http://www.w3.org/1999/02/22-rdf-syntax-ns#nil"
WSIS = BASE + "def/"
DCTERMS = "http://purl.org/dc/terms/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"


#: extension → format (the registry's), in the order used when the client has no preference.
FORMATS: dict[str, Format] = {f.extension: f for f in (TURTLE, HTML, JSON_LD, N_TRIPLES, RDF_XML)}
DUMP_NAME = "wsis-kg"
#: path prefixes (below the service root) whose IRIs the graph mints
MINTED_PREFIXES = ("id/", "def/", "shapes/", "graph/")


# --------------------------------------------------------------------------------------------
# Public base mapping
# --------------------------------------------------------------------------------------------

def public_base() -> str:
    base = service().settings.public_base or BASE
    return base if base.endswith(("/", "#")) else base + "/"


def to_public_iri(iri: str) -> str:
    """Canonical IRI → the IRI clients see under the configured public base."""
    pb = public_base()
    if pb != BASE and iri.startswith(BASE):
        return pb + iri[len(BASE):]
    return iri


def local_path(iri: str) -> str | None:
    """The path below the service root that answers ``iri`` (canonical or public), or None."""
    for base in {BASE, public_base()}:
        if iri.startswith(base):
            return iri[len(base):]
    return None


def href(iri: str) -> str:
    """Link target for an IRI in HTML: minted IRIs link into this service, others stay."""
    rest = local_path(iri)
    if rest is None:
        return iri
    return f"{request.script_root}/{rest}"


def rewrite_term(term: Any) -> Any:
    if isinstance(term, ox.NamedNode) and term.value.startswith(BASE):
        return ox.NamedNode(to_public_iri(term.value))
    if isinstance(term, ox.Triple):
        return ox.Triple(*(rewrite_term(t) for t in (term.subject, term.predicate, term.object)))
    return term


def rewrite(items: Iterable[Any]) -> Iterator[Any]:
    """Rewrite triples or quads to the public base (no-op when it is the canonical base)."""
    if public_base() == BASE:
        yield from items
        return
    for it in items:
        if isinstance(it, ox.Quad):
            yield ox.Quad(rewrite_term(it.subject), rewrite_term(it.predicate),
                          rewrite_term(it.object), rewrite_term(it.graph_name))
        else:
            yield rewrite_term(it)


def public_prefixes() -> dict[str, str]:
    return {p: to_public_iri(iri) for p, iri in PREFIXES.items()}


# --------------------------------------------------------------------------------------------
# Queries (through the time-limited query service when the app has one)
# --------------------------------------------------------------------------------------------

def select(sparql: str) -> list[dict[str, Any]]:
    """Run a SELECT; rows as {variable: pyoxigraph term} (unbound variables left out)."""
    body = service().queries.query(QueryRequest(sparql, format="tsv")).body
    sols = ox.parse_query_results(body, ox.QueryResultsFormat.TSV)
    names = [v.value for v in sols.variables]
    rows = []
    for s in sols:
        rows.append({n: s[n] for n in names if s[n] is not None})
    return rows


def construct(sparql: str) -> list[ox.Triple]:
    """Run a CONSTRUCT / DESCRIBE; the triples."""
    body = service().queries.query(QueryRequest(sparql, format="nt")).body
    return list(ox.parse(body, ox.RdfFormat.N_TRIPLES))


def ask_exists(iri: str) -> bool:
    """Whether the graph uses ``iri`` at all (subject, object or named graph)."""
    rows = select(f"SELECT ?x WHERE {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} "
                  f"UNION {{ GRAPH <{iri}> {{ ?s ?p ?o }} }} BIND(1 AS ?x) }} LIMIT 1")
    return bool(rows)


def describe(iri: str) -> list[ox.Triple]:
    """Concise Bounded Description of ``iri`` (duplicates across named graphs removed)."""
    seen: dict[ox.Triple, None] = {}
    for t in construct(f"DESCRIBE <{iri}>"):
        seen.setdefault(t, None)
    return list(seen)


def store_generation() -> Any:
    """A value that changes whenever the store content changes (for caches)."""
    return service().queries.content_version()


# --------------------------------------------------------------------------------------------
# Content negotiation
# --------------------------------------------------------------------------------------------

def negotiate(offers: Iterable[str]) -> str:
    """Pick an extension from ``offers`` by the request's Accept header (the one negotiation)."""
    fmts = tuple(FORMATS[ext] for ext in offers)
    return choose(fmts, request.headers.get("Accept"), what="this resource").extension


def wants_html() -> bool:
    """Whether an error should be an HTML page rather than a problem (no Accept: a problem)."""
    accept = request.headers.get("Accept")
    if not accept:
        return False
    try:
        return choose((PROBLEM, HTML), accept, what="an error") is HTML
    except NotAcceptable:
        return False


def see_other(local: str, offers: Iterable[str] = tuple(FORMATS)) -> Response:
    offers = list(offers)
    ext = negotiate(offers)
    root = request.script_root
    resp = redirect(f"{root}/{local}.{ext}", code=303)
    resp.headers["Vary"] = "Accept"
    resp.headers["Link"] = ", ".join(
        f'<{root}/{local}.{e}>; rel="alternate"; type="{FORMATS[e].media_type}"'
        for e in offers if e in FORMATS)
    return resp


def serialize(triples: Iterable[Any], fmt: Format) -> bytes:
    """The project's serialisation, with IRIs and prefixes under the public base."""
    return serialize_triples(rewrite(triples), fmt, public_prefixes())


def rdf_response(triples: Iterable[Any], ext: str, *, filename: str | None = None) -> Response:
    out = FORMATS[ext]
    body = serialize(triples, out)
    resp = Response(body, content_type=out.content_type)
    if filename:
        resp.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return resp


def not_found(local: str) -> Response:
    iri = to_public_iri(BASE + local)
    detail = f"{iri} is not an IRI of this graph."
    if wants_html():
        html = render_template("404.html", iri=iri, detail=detail)
        return Response(html, status=404, mimetype="text/html")
    raise NotFound(detail, iri=iri)


# --------------------------------------------------------------------------------------------
# Routes: resources
# --------------------------------------------------------------------------------------------

@bp.route("/id/<path:rest>")
def instance(rest: str) -> Response:
    return resource("id/" + rest)


@bp.route("/def/<path:rest>")
def term(rest: str) -> Response:
    return resource("def/" + rest)


@bp.route("/shapes/<path:rest>")
def shape(rest: str) -> Response:
    return resource("shapes/" + rest)


@bp.route("/graph/<path:rest>")
def named_graph(rest: str) -> Response:
    return resource("graph/" + rest)


#: characters an IRI reference may not contain (RFC 3987): such a path names nothing we mint,
#: and it must never reach a SPARQL query text
_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|\\^`\x7f]')


def resource(local: str) -> Response:
    """``local`` is the path below the root: a bare IRI path or one with a format extension."""
    if _NOT_IN_IRI.search(local):
        return not_found(local)
    stem, dot, ext = local.rpartition(".")
    if dot and ext in FORMATS and "/" not in ext and ask_exists(BASE + stem):
        return render_resource(stem, ext)
    if ask_exists(BASE + local):
        return see_other(local)
    return not_found(local)


def render_resource(local: str, ext: str) -> Response:
    iri = BASE + local
    if ext == "html":
        return Response(render_template("resource.html", **resource_view(iri)),
                        mimetype="text/html")
    triples = describe(iri)
    if not triples and local.startswith("graph/"):
        triples = [ox.Triple(ox.NamedNode(iri), ox.NamedNode(RDF_TYPE),
                             ox.NamedNode("http://www.w3.org/ns/sparql-service-description#Graph"))]
    return rdf_response(triples, ext)


# --------------------------------------------------------------------------------------------
# Routes: whole ontology and shapes
# --------------------------------------------------------------------------------------------

_WHOLE = {"def": (ONTOLOGY_IRI, str(GRAPH_ONTOLOGY)), "shapes": (SHAPES_IRI, str(GRAPH_SHAPES))}


@bp.route("/def")
@bp.route("/shapes")
@bp.route("/def/")
@bp.route("/shapes/")
def whole_bare() -> Response:
    """The ontology / shapes graph; the namespace IRIs (with the slash) name them too."""
    name = request.path.rstrip("/").rsplit("/", 1)[-1]
    return see_other(name)


@bp.route("/def.<ext>")
@bp.route("/shapes.<ext>")
def whole(ext: str) -> Response:
    name = request.path.rsplit("/", 1)[-1].split(".", 1)[0]
    _, graph = _WHOLE[name]
    if ext == "html":
        from wsis_kg.graph import docs as docs_gen

        html = docs_gen.documentation(service().settings, name, root=request.script_root,
                                      public_base=public_base())
        return Response(html, mimetype="text/html")
    if ext == "owl" and name == "def":
        resp = rdf_response(_graph_triples(graph), "rdf", filename="wsis.owl")
        return resp
    if ext not in FORMATS:
        return not_found(f"{name}.{ext}")
    fname = "wsis" if name == "def" else "wsis-shapes"
    return rdf_response(_graph_triples(graph), ext, filename=f"{fname}.{ext}")


def _graph_triples(graph: str) -> list[ox.Triple]:
    return [q.triple for q in service().queries.quads(graph)]


# --------------------------------------------------------------------------------------------
# Routes: dumps, VoID / DCAT, JSON-LD context
# --------------------------------------------------------------------------------------------

class _Cache:
    """Per-store-generation cache of generated bodies (dumps, VoID): built once, then reused."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.items: dict[Any, tuple[bytes, str]] = {}

    def get(self, key: Any, make) -> tuple[bytes, str]:
        with self.lock:
            hit = self.items.get(key)
            if hit is None:
                # drop entries of older generations
                self.items = {k: v for k, v in self.items.items() if k[0] == key[0]}
                body = make()
                hit = (body, hashlib.sha256(body).hexdigest()[:32])
                self.items[key] = hit
            return hit


_cache = _Cache()


class _PublicView:
    """Duck-typed store view whose quads are rewritten to the public base (for ``dump``)."""

    def __init__(self, queries: QueryService) -> None:
        self.queries = queries

    def quads(self, graph: str | None = None):
        return rewrite(self.queries.quads(graph))


@bp.route("/dumps/<name>.<ext>")
def dump_file(name: str, ext: str) -> Response:
    out = dump_format(ext)
    if name != DUMP_NAME or out is None or out.extension != ext:
        raise NotFound(f"no dump {name}.{ext}; available: "
                       + ", ".join(f"{DUMP_NAME}.{f.extension}" for f in DUMP_FORMATS.values()))
    fmt = out.name

    def make() -> bytes:
        buf = io.BytesIO()
        dump(_PublicView(service().queries), fmt, buf)  # type: ignore[arg-type]
        return buf.getvalue()

    body, etag = _cache.get((store_generation(), public_base(), "dump", fmt), make)
    resp = Response(body, content_type=out.content_type)
    resp.set_etag(etag)
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}.{ext}"'
    return resp.make_conditional(request)


@bp.route("/.well-known/void")
def void_bare() -> Response:
    ext = negotiate(["ttl", "html", "jsonld", "nt", "rdf"])
    if ext == "html":
        resp = redirect(f"{request.script_root}/data#void", code=303)
        resp.headers["Vary"] = "Accept"
        return resp
    resp = void_doc(ext)
    resp.headers["Vary"] = "Accept"
    return resp


@bp.route("/.well-known/void.<ext>")
def void_doc(ext: str) -> Response:
    if ext not in FORMATS or ext == "html":
        return not_found(f".well-known/void.{ext}")
    from wsis_kg.graph import void

    triples = void.describe_dataset(None, service().settings,
                                    service_root=request.host_url.rstrip("/")
                                    + request.script_root,
                                    select=select, generation=store_generation())
    return rdf_response(triples, ext)


@bp.route("/context.jsonld")
def context() -> Response:
    import json

    from wsis_kg.graph import void

    ctx = void.jsonld_context(select, public_prefixes())
    return Response(json.dumps(ctx, indent=1, ensure_ascii=False),
                    content_type=JSON_LD.content_type)


# --------------------------------------------------------------------------------------------
# CORS: linked data, dumps and the SPARQL endpoint may be used from any web page
# --------------------------------------------------------------------------------------------

CORS_PREFIXES = ("/sparql", "/id/", "/def", "/shapes", "/graph/", "/dumps/", "/.well-known/",
                 "/context.jsonld", "/examples")


def add_cors(headers: Headers, path: str, method: str) -> None:
    """The CORS headers of a response to ``method path`` (also called by the web fast path,
    which answers cached SPARQL queries outside Flask's request context)."""
    if path.startswith(CORS_PREFIXES):
        headers["Access-Control-Allow-Origin"] = "*"
        headers["Access-Control-Expose-Headers"] = "Link, Location, Content-Disposition, ETag"
        if method == "OPTIONS":
            headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, OPTIONS"
            headers["Access-Control-Allow-Headers"] = "Accept, Content-Type, Authorization"
            headers["Access-Control-Max-Age"] = "86400"


@bp.after_app_request
def _cors(resp: Response) -> Response:
    add_cors(resp.headers, request.path, request.method)
    return resp


# --------------------------------------------------------------------------------------------
# HTML view of a resource
# --------------------------------------------------------------------------------------------

@dataclass
class Value:
    """One RDF term prepared for the template."""

    kind: str  # iri | literal | bnode | list
    text: str = ""
    href: str | None = None
    iri: str | None = None
    curie: str | None = None
    lang: str | None = None
    datatype: str | None = None
    graphs: list[str] = field(default_factory=list)
    props: list[tuple[Value, list[Value]]] = field(default_factory=list)  # bnode
    items: list[Value] = field(default_factory=list)  # list


def curie(iri: str) -> str | None:
    best = None
    for p, ns in PREFIXES.items():
        if iri.startswith(ns) and (best is None or len(ns) > len(PREFIXES[best])):
            best = p
    if best is None:
        return None
    rest = iri[len(PREFIXES[best]):]
    return f"{best}:{rest}"


def labels(iris: Iterable[str]) -> dict[str, str]:
    """Human labels for IRIs: prefLabel, label, title, symbol, heading (English first)."""
    iris = sorted({i for i in iris if i})
    out: dict[str, str] = {}
    for i in range(0, len(iris), 200):
        chunk = " ".join(f"<{x}>" for x in iris[i:i + 200])
        rows = select(f"""
          PREFIX skos: <{SKOS}> PREFIX rdfs: <{RDFS}> PREFIX dcterms: <{DCTERMS}>
          PREFIX wsis: <{WSIS}>
          SELECT ?x ?l WHERE {{ VALUES ?x {{ {chunk} }}
            {{ ?x skos:prefLabel ?l }} UNION {{ ?x rdfs:label ?l }} UNION {{ ?x dcterms:title ?l }}
            UNION {{ ?x wsis:symbol ?l }} UNION {{ ?x wsis:heading ?l }}
            FILTER(isLiteral(?l) && (lang(?l) = "" || langMatches(lang(?l), "en")))
          }}""")
        for r in rows:
            out.setdefault(r["x"].value, r["l"].value)
    parts = [x for x in iris if x not in out and x.startswith(BASE + "id/")]
    for i in range(0, len(parts), 200):
        chunk = " ".join(f"<{x}>" for x in parts[i:i + 200])
        rows = select(f"""
          PREFIX dcterms: <{DCTERMS}> PREFIX wsis: <{WSIS}>
          SELECT ?x ?d ?dl WHERE {{ VALUES ?x {{ {chunk} }} ?x wsis:inDocument ?d .
            OPTIONAL {{ ?d wsis:symbol ?sym }} OPTIONAL {{ ?d dcterms:title ?t }}
            BIND(COALESCE(?sym, ?t) AS ?dl) }}""")
        for r in rows:
            x, d = r["x"].value, r["d"].value
            if "dl" in r and x.startswith(d + "/") and x not in out:
                out[x] = f"{r['dl'].value}, {x[len(d) + 1:].replace('/', ' ')}"
    return out


def _fallback_label(iri: str) -> str:
    rest = local_path(iri)
    if rest is not None:
        return rest.removeprefix("id/")
    return curie(iri) or iri


class _ViewBuilder:
    def __init__(self, iri: str, triples: list[ox.Triple]) -> None:
        self.iri = iri
        self.by_subject: dict[Any, list[ox.Triple]] = {}
        for t in triples:
            self.by_subject.setdefault(t.subject, []).append(t)
        self.iris: set[str] = set()
        self.values: list[Value] = []

    def value(self, term: Any, depth: int = 0) -> Value:
        if isinstance(term, ox.NamedNode):
            self.iris.add(term.value)
            v = Value("iri", iri=to_public_iri(term.value), href=href(term.value),
                      curie=curie(term.value))
            v.text = term.value  # replaced by the label later
            self.values.append(v)
            return v
        if isinstance(term, ox.Literal):
            dt = term.datatype.value if term.datatype else None
            plain = dt in (None, "http://www.w3.org/2001/XMLSchema#string",
                           "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString")
            return Value("literal", text=term.value, lang=term.language,
                         datatype=None if plain else (curie(dt) or dt))
        if isinstance(term, ox.BlankNode) and depth < 12:
            items = self._list(term)
            if items is not None:
                return Value("list", items=[self.value(x, depth + 1) for x in items])
            return Value("bnode", props=self.props(term, depth + 1))
        return Value("literal", text=str(term))

    def _list(self, node: Any) -> list[Any] | None:
        items: list[Any] = []
        seen = set()
        while isinstance(node, ox.BlankNode) and node not in seen:
            seen.add(node)
            ts = self.by_subject.get(node, [])
            first = [t.object for t in ts if t.predicate.value == RDF_FIRST]
            rest = [t.object for t in ts if t.predicate.value == RDF_REST]
            if len(ts) != 2 or not first or not rest:
                return None
            items.append(first[0])
            node = rest[0]
        if isinstance(node, ox.NamedNode) and node.value == RDF_NIL:
            return items
        return None

    def props(self, subject: Any, depth: int = 0) -> list[tuple[Value, list[Value]]]:
        grouped: dict[str, list[Any]] = {}
        for t in self.by_subject.get(subject, []):
            grouped.setdefault(t.predicate.value, []).append(t.object)
        out = []
        for p in sorted(grouped, key=lambda p: (p != RDF_TYPE, curie(p) or p)):
            objs = sorted(grouped[p], key=lambda o: (not isinstance(o, ox.Literal), str(o)))
            out.append((self.value(ox.NamedNode(p), depth),
                        [self.value(o, depth) for o in objs]))
        return out

    def finish(self, extra: Iterable[str] = ()) -> dict[str, str]:
        names = labels(self.iris | set(extra))
        for v in self.values:
            if v.kind == "iri" and v.iri is not None:
                canonical = v.text
                minted = canonical.startswith(BASE + "id/")
                v.text = names.get(canonical) or (None if minted else v.curie) \
                    or _fallback_label(canonical)
        return names


def resource_view(iri: str) -> dict[str, Any]:
    triples = describe(iri)
    b = _ViewBuilder(iri, triples)
    subject = ox.NamedNode(iri)
    props = b.props(subject)
    types = [vals for p, vals in props if p.iri == to_public_iri(RDF_TYPE)]
    props = [(p, vals) for p, vals in props if p.iri != to_public_iri(RDF_TYPE)]
    # which named graphs assert each outgoing statement (provenance at a glance)
    graph_rows = select(f"SELECT ?p ?o ?g WHERE {{ GRAPH ?g {{ <{iri}> ?p ?o }} "
                        "FILTER(!isBlank(?o)) }")
    graphs: dict[tuple[str, str], list[str]] = {}
    for r in graph_rows:
        graphs.setdefault((r["p"].value, str(r["o"])), []).append(
            r["g"].value.rsplit("/", 1)[-1])
    for t in b.by_subject.get(subject, []):
        g = graphs.get((t.predicate.value, str(t.object)))
        if not g:
            continue
        for p, vals in props:
            if p.iri == to_public_iri(t.predicate.value):
                for v in vals:
                    if _same(v, t.object):
                        v.graphs = sorted(set(g))
    incoming_limit = 300
    inc_rows = select(f"SELECT ?s ?p WHERE {{ ?s ?p <{iri}> FILTER(isIRI(?s)) }} "
                      f"ORDER BY ?p ?s LIMIT {incoming_limit + 1}")
    more = len(inc_rows) > incoming_limit
    incoming_grouped: dict[str, list[Value]] = {}
    for r in inc_rows[:incoming_limit]:
        incoming_grouped.setdefault(r["p"].value, []).append(b.value(r["s"]))
    incoming = [(b.value(ox.NamedNode(p)), vs) for p, vs in incoming_grouped.items()]
    incoming_total = len(inc_rows)
    if more:
        cnt = select(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p <{iri}> FILTER(isIRI(?s)) }}")
        incoming_total = int(cnt[0]["n"].value) if cnt else incoming_total
    quotes = source_quotes(iri)
    for q in quotes:
        b.iris.add(q["src"])
        if q.get("doc"):
            b.iris.add(q["doc"])
    names = b.finish(extra=[iri])
    for q in quotes:
        q["src_label"] = names.get(q["src"]) or _fallback_label(q["src"])
        q["src_href"] = href(q["src"])
        if q.get("doc"):
            q["doc_label"] = names.get(q["doc"]) or _fallback_label(q["doc"])
            q["doc_href"] = href(q["doc"])
    label = names.get(iri) or _fallback_label(iri)
    type_values = [v for vals in types for v in vals]
    seen_labels = [v.text for v in type_values]
    for v in type_values:  # two types with one label (foaf:Agent, prov:Agent): show the CURIEs
        if seen_labels.count(v.text) > 1 and v.curie:
            v.text = v.curie
    definition = _first_literal(triples, subject, (SKOS + "definition", RDFS + "comment",
                                                   DCTERMS + "description"))
    local = local_path(iri) or ""
    root = request.script_root
    describe_query = f"DESCRIBE <{iri}>"
    return {
        "iri": to_public_iri(iri), "label": label, "definition": definition,
        "types": type_values, "props": props,
        "incoming": incoming, "incoming_total": incoming_total, "incoming_more": more,
        "quotes": quotes, "curie": curie(iri),
        "formats": [(e, f"{root}/{local}.{e}", FORMATS[e].media_type)
                    for e in FORMATS if e != "html"],
        "describe_query": describe_query, "found": bool(triples),
    }


def _same(v: Value, term: Any) -> bool:
    if isinstance(term, ox.NamedNode):
        return v.kind == "iri" and v.iri == to_public_iri(term.value)
    if isinstance(term, ox.Literal):
        return v.kind == "literal" and v.text == term.value and v.lang == term.language
    return False


def _first_literal(triples: list[ox.Triple], subject: Any, preds: tuple[str, ...]) -> str | None:
    for p in preds:
        vals = [t.object for t in triples if t.subject == subject and t.predicate.value == p
                and isinstance(t.object, ox.Literal)]
        en = [v for v in vals if v.language in (None, "en")]
        if en or vals:
            return (en or vals)[0].value
    return None


def source_quotes(iri: str) -> list[dict[str, Any]]:
    """The paragraph text(s) a resource comes from: its own ``wsis:text`` or its sources'."""
    rows = select(f"""
      PREFIX wsis: <{WSIS}> PREFIX dcterms: <{DCTERMS}> PREFIX rdfs: <{RDFS}>
      SELECT ?src ?text ?doc ?seq ?item ?comment WHERE {{
        {{ BIND(<{iri}> AS ?src) <{iri}> wsis:text ?text }}
        UNION {{ <{iri}> dcterms:source ?src . ?src wsis:text ?text }}
        UNION {{ <{iri}> dcterms:source ?src . FILTER NOT EXISTS {{ ?src wsis:text ?t0 }}
                 ?item dcterms:isPartOf ?src ; wsis:text ?text .
                 OPTIONAL {{ ?item wsis:sequence ?seq }} }}
        UNION {{ <{iri}> dcterms:source ?src . FILTER NOT EXISTS {{ ?src wsis:text ?t1 }}
                 FILTER NOT EXISTS {{ ?i1 dcterms:isPartOf ?src ; wsis:text ?t2 }}
                 OPTIONAL {{ ?src rdfs:comment ?comment }} }}
        OPTIONAL {{ ?src wsis:inDocument ?doc }}
      }} ORDER BY ?src ?seq ?item LIMIT 200""")
    by_src: dict[str, dict[str, Any]] = {}
    for r in rows:
        src = r["src"].value if isinstance(r.get("src"), ox.NamedNode) else None
        if src is None:
            continue
        q = by_src.setdefault(src, {"src": src, "texts": [], "doc": None, "comment": None,
                                    "external": local_path(src) is None,
                                    "own": src == iri})
        if "text" in r and r["text"].value not in q["texts"]:
            q["texts"].append(r["text"].value)
        if "doc" in r:
            q["doc"] = r["doc"].value
        if "comment" in r:
            q["comment"] = r["comment"].value
    return list(by_src.values())
