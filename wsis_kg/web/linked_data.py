"""Linked data: every IRI the graph mints is dereferenceable, plus dumps, VoID/DCAT and context.

A bare IRI answers **303 See Other** to a format URL chosen from ``Accept`` (``X.ttl``,
``X.jsonld``, ``X.nt``, ``X.rdf``, ``X.html``) with ``Vary: Accept``; the format URLs answer 200.
A resource is described by a SPARQL ``DESCRIBE`` (Oxigraph answers with the Concise Bounded
Description: outgoing triples plus the closure over blank nodes) plus the statements that point
at it (``?s ?p <resource>``, IRI subjects, at most :data:`INCOMING_LIMIT`), so a client that
follows links finds what the HTML page shows (WHO's facilitations on ``/id/org/who``). The
formats are triple formats: incoming statements are included as they are, told apart by their
subject, which is not the resource. HTML pages (``web.view``) add labels and the quoted source
paragraphs. Every document carries a strong ETag (``If-None-Match`` → 304). ``/def`` and
``/shapes`` themselves are the whole ontology / shapes graph (HTML: the pyLODE documentation).
IRIs are served under the public base (``web.public``).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, redirect, render_template, request

from wsis_kg.errors import LimitExceeded, NotFound, ServiceBusy
from wsis_kg.graph import docs as docs_gen
from wsis_kg.graph import void
from wsis_kg.graph.dump import (
    DUMP_FORMATS,
    GZIP_EXTENSION,
    GZIP_MEDIA_TYPE,
    dump,
    dump_format,
)
from wsis_kg.namespaces import BASE, GRAPH_ONTOLOGY, GRAPH_SHAPES, ONTOLOGY_IRI, SHAPES_IRI
from wsis_kg.rdf.formats import JSON_LD
from wsis_kg.sparql.service import QueryService
from wsis_kg.web import ops
from wsis_kg.web.extension import select, service, store_generation
from wsis_kg.web.http import (
    FORMATS,
    conditional,
    negotiate,
    not_found,
    rdf_response,
    see_other,
)
from wsis_kg.web.public import public_base, public_prefixes, rewrite
from wsis_kg.web.view import RDF_TYPE
from wsis_kg.web.views import resource_page

bp = Blueprint("linked_data", __name__)

DUMP_NAME = "wsis-kg"
#: path prefixes (below the service root) whose IRIs the graph mints
MINTED_PREFIXES = ("id/", "def/", "shapes/", "graph/")
#: at most this many statements pointing at a resource go into its RDF (a class such as
#: ``wsis:Paragraph`` is the object of every ``rdf:type`` of its members; SPARQL has them all)
INCOMING_LIMIT = 1000




# --------------------------------------------------------------------------------------------
# Routes: resources
# --------------------------------------------------------------------------------------------

@bp.route("/id/<path:rest>", defaults={"space": "id"})
@bp.route("/def/<path:rest>", defaults={"space": "def"})
@bp.route("/shapes/<path:rest>", defaults={"space": "shapes"})
@bp.route("/graph/<path:rest>", defaults={"space": "graph"})
def minted(space: str, rest: str) -> Response:
    """A resource below one of the :data:`MINTED_PREFIXES`."""
    return resource(f"{space}/{rest}")


#: characters an IRI reference may not contain (RFC 3987): such a path names nothing we mint,
#: and it must never reach a SPARQL query text
_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|\\^`\x7f]')


def resource(local: str) -> Response:
    """``local`` is the path below the root: a bare IRI path or one with a format extension."""
    if _NOT_IN_IRI.search(local):
        return not_found(local)
    stem, dot, ext = local.rpartition(".")
    named = stem if dot and ext in FORMATS else local
    if named.startswith("def/") and (ontology := _versioned(BASE + named)) is not None:
        # a version IRI names that version of the ontology: the ontology's own documents
        return see_other(ontology) if named == local else redirect(
            f"{request.script_root}/{ontology}.{ext}", code=303)
    if dot and ext in FORMATS and "/" not in ext and service().queries.uses(BASE + stem):
        return render_resource(stem, ext)
    if service().queries.uses(BASE + local):
        return see_other(local)
    return not_found(local)


def _versioned(iri: str) -> str | None:
    """The local path of the ontology whose ``owl:versionIRI`` is ``iri``, if any."""
    rows = select(f"SELECT ?o WHERE {{ ?o <http://www.w3.org/2002/07/owl#versionIRI> <{iri}> "
                  "FILTER(STRSTARTS(STR(?o), STR(<" + BASE + ">))) } LIMIT 1")
    return rows[0]["o"].value[len(BASE):] if rows else None


def render_resource(local: str, ext: str) -> Response:
    iri = BASE + local
    if ext == "html":
        return conditional(Response(render_template("resource.html", **resource_page(iri)),
                                    mimetype="text/html"))
    queries = service().queries
    triples = queries.describe(iri)
    if not triples and local.startswith("graph/"):
        triples = [ox.Triple(ox.NamedNode(iri), ox.NamedNode(RDF_TYPE),
                             ox.NamedNode("http://www.w3.org/ns/sparql-service-description#Graph"))]
    return rdf_response(list(dict.fromkeys(triples + incoming(queries, iri))), ext)


def incoming(queries: QueryService, iri: str) -> list[ox.Triple]:
    """The statements pointing at ``iri`` from an IRI (in a stable order, bounded)."""
    return queries.construct(
        f"CONSTRUCT {{ ?s ?p <{iri}> }} WHERE {{ SELECT DISTINCT ?s ?p WHERE {{ "
        f"?s ?p <{iri}> FILTER(isIRI(?s)) }} ORDER BY ?p ?s LIMIT {INCOMING_LIMIT} }}")


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
        # pyLODE is imported on the first page, not at start (≈0.2 s of CPU at every start).
        ops.import_quietly("pylode")
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

@dataclass(frozen=True)
class _Body:
    """A generated dump: its bytes, their gzip compression (made once, byte-stable), a strong
    ETag and when it was made (``Last-Modified``: the dataset cannot say when it last
    changed, so the time this body of the current store generation was made stands in)."""

    data: bytes
    gzip: bytes
    etag: str
    made: datetime


class _Cache:
    """Per-store-generation cache of generated bodies (dumps): built once, then reused.

    A body is built outside the lock (in a job: killable, memory-limited); while it is being
    built, other requests for it get 503 + ``Retry-After`` instead of waiting. A build stopped
    at a limit is remembered for the generation, so a graph whose dump cannot be made (say,
    a blank-node clique that canonical labelling cannot finish) costs one job, not one per
    request.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.items: dict[Any, _Body | LimitExceeded] = {}
        self.building: set[Any] = set()

    def get(self, key: Any, make: Callable[[], bytes]) -> _Body:
        with self.lock:
            hit = self.items.get(key)
            if isinstance(hit, LimitExceeded):
                raise hit
            if hit is not None:
                return hit
            if key in self.building:
                raise ServiceBusy("The dump is being generated; try again shortly.",
                                  retry_after=5)
            # drop entries of older generations
            self.items = {k: v for k, v in self.items.items() if k[0] == key[0]}
            self.building.add(key)
        try:
            body = make()
            made = _Body(body, gzip.compress(body, mtime=0),
                         hashlib.sha256(body).hexdigest()[:32],
                         datetime.now(UTC).replace(microsecond=0))
        except LimitExceeded as e:
            with self.lock:
                self.items[key] = e
            raise
        finally:
            with self.lock:
                self.building.discard(key)
        with self.lock:
            self.items[key] = made
        return made


_cache = _Cache()


class _PublicView:
    """Duck-typed store view whose quads are rewritten to the public base (for ``dump``)."""

    def __init__(self, queries: QueryService) -> None:
        self.queries = queries

    def quads(self, graph: str | None = None):
        return rewrite(self.queries.quads(graph))


def _dump_bytes(view: _PublicView, fmt: str) -> bytes:
    buf = io.BytesIO()
    dump(view, fmt, buf)  # type: ignore[arg-type]
    return buf.getvalue()


@bp.route("/dumps/<name>.<ext>")
def dump_file(name: str, ext: str) -> Response:
    """A dump; ``….gz`` is the gzip file of it, and a client that accepts gzip gets the dump
    with ``Content-Encoding: gzip`` (the same bytes, decompressed by the client)."""
    download_gz = ext == GZIP_EXTENSION
    if download_gz:
        name, _, ext = name.rpartition(".")
    out = dump_format(ext)
    if name != DUMP_NAME or out is None or out.extension != ext:
        raise NotFound(f"no dump {name}.{ext}; available: "
                       + ", ".join(f"{DUMP_NAME}.{f.extension}[.{GZIP_EXTENSION}]"
                                   for f in DUMP_FORMATS.values()))
    fmt = out.name
    queries = service().queries

    def make() -> bytes:
        # In a job (time and memory limits): canonical blank-node labelling of a hostile graph
        # can run for ever or overflow the stack, which must not happen in the serving process.
        return queries.run_job(_dump_bytes, _PublicView(queries), fmt,
                               what="Generating the dump", reads_store=True)

    body = _cache.get((store_generation(), public_base(), "dump", fmt), make)
    filename = f"{name}.{ext}"
    if download_gz:
        resp = Response(body.gzip, content_type=GZIP_MEDIA_TYPE)
        resp.set_etag(body.etag + "-gz")
        filename += "." + GZIP_EXTENSION
    elif request.accept_encodings["gzip"]:
        resp = Response(body.gzip, content_type=out.content_type)
        resp.headers["Content-Encoding"] = "gzip"
        resp.set_etag(body.etag + "-gzip")  # another representation: another strong ETag
    else:
        resp = Response(body.data, content_type=out.content_type)
        resp.set_etag(body.etag)
    resp.headers["Vary"] = "Accept-Encoding"
    resp.content_length = len(resp.get_data())
    resp.last_modified = body.made
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
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
    triples = void.describe_dataset(None, service().settings,
                                    service_root=request.host_url.rstrip("/")
                                    + request.script_root,
                                    select=select, generation=store_generation(),
                                    uri_space=public_base())
    return rdf_response(triples, ext)


@bp.route("/context.jsonld")
def context() -> Response:
    ctx = void.jsonld_context(select, public_prefixes())
    return Response(json.dumps(ctx, indent=1, ensure_ascii=False),
                    content_type=JSON_LD.content_type)
