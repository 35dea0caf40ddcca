"""SPARQL 1.1 Graph Store HTTP Protocol at ``/rdf-graphs/service``.

Graphs are named indirectly (``?graph=<IRI>``, ``?default``) or directly (the request URL
under ``/rdf-graphs/service/…`` *is* the graph IRI). GET/HEAD are public; PUT, POST and DELETE
need ``Authorization: Bearer <token>`` (401 without, 403 for an unknown token). Every write is
validated against the shapes in the context of the graph (422 problem with the SHACL report,
store unchanged) and committed in one transaction with provenance (``wsis_kg.validation.ingest``,
through the query service). GET is a query like any other: time limit and result cap.
POST without a graph creates ``wsisg:ingest/{id}`` and answers 201 with its IRI in Location.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Request, Response, request
from werkzeug.exceptions import RequestEntityTooLarge

from wsis_kg.errors import (
    BadRequest,
    NotFound,
    UnsupportedMediaType,
)
from wsis_kg.rdf.formats import GRAPH_FORMATS, choose, serialize_triples
from wsis_kg.rdf.parse import format_from_media_type, format_of_upload
from wsis_kg.sparql.service import QueryService
from wsis_kg.validation.ingest import check_graph_iri, ingest_graph_iri
from wsis_kg.web.auth import require_principal
from wsis_kg.web.extension import service
from wsis_kg.web.http import check_size, too_large
from wsis_kg.web.ops import TRIPLES_KEY

bp = Blueprint("gsp", __name__)
ENDPOINT = "/rdf-graphs/service"
METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE"]
_DEFAULT = object()


@bp.route(ENDPOINT, methods=METHODS)
def indirect() -> Response:
    if "default" in request.args and "graph" in request.args:
        raise BadRequest("use either ?default or ?graph=<IRI>, not both")
    if "default" in request.args:
        return handle(None)
    if "graph" in request.args:
        return handle(check_graph_iri(request.args["graph"]))
    if request.method == "POST":
        return create_graph()
    raise BadRequest("name the graph with ?graph=<IRI> or ?default")


@bp.route(ENDPOINT + "/<path:_rest>", methods=METHODS)
def direct(_rest: str) -> Response:
    """Direct identification: the graph IRI is the request URL (without a query string),
    checked like ``?graph=`` (a path decoding to ``>`` or a control character is no IRI)."""
    return handle(check_graph_iri(request.base_url))


def handle(graph: str | None) -> Response:
    svc = service()
    if request.method in ("GET", "HEAD"):
        return get_graph(svc.queries, graph)
    principal = require_principal(request, svc.settings)
    if request.method == "DELETE":
        if not svc.queries.delete_graph(graph):
            raise NotFound(f"there is no graph <{graph}>", graph=graph)
        return Response(status=204)
    quads = read_body(request, svc.settings.max_body_bytes, graph, svc.queries)
    mode = "replace" if request.method == "PUT" else "append"
    result = svc.queries.write_graph(quads, graph=graph, mode=mode, principal=principal,
                                     source=describe_request(request))
    request.environ[TRIPLES_KEY] = result.triples  # the audit line (web.ops)
    return Response(status=201 if result.created and graph is not None else 204)


def create_graph() -> Response:
    """POST to the endpoint itself: a new graph named by the service (201 + Location)."""
    svc = service()
    principal = require_principal(request, svc.settings)
    body = _body(request, svc.settings.max_body_bytes)
    graph = ingest_graph_iri(body)
    quads = read_body(request, svc.settings.max_body_bytes, graph, svc.queries, body=body)
    result = svc.queries.write_graph(quads, graph=graph, mode="replace", principal=principal,
                                     source=describe_request(request))
    request.environ[TRIPLES_KEY] = result.triples  # the audit line (web.ops)
    resp = Response(status=201)
    resp.headers["Location"] = graph
    return resp


def get_graph(queries: QueryService, graph: str | None) -> Response:
    """A graph, as a query of the service: its time limit and result cap apply."""
    if not queries.has_graph(graph):
        raise NotFound(f"there is no graph <{graph}>", graph=graph)
    fmt = choose(GRAPH_FORMATS, request.headers.get("Accept"), what="a graph")
    g = ox.NamedNode(graph) if graph else ox.DefaultGraph()
    triples = queries.graph(graph)
    data = serialize_triples((ox.Quad(t.subject, t.predicate, t.object, g) for t in triples),
                             fmt)
    resp = Response(data, status=200, content_type=fmt.content_type)
    resp.headers["Vary"] = "Accept"
    return resp


def describe_request(req: Request) -> str:
    """The provenance ``dcterms:source``: the request, and the file name (Slug) if sent."""
    slug = req.headers.get("Slug")
    query = req.query_string.decode("latin-1")
    text = f"{req.method} {req.path}{'?' + query if query else ''}"
    return f"{slug} ({text})" if slug else text


def _body(req: Request, limit: int) -> bytes:
    check_size(req, limit)
    try:
        return req.get_data(cache=True)
    except RequestEntityTooLarge:
        raise too_large(req.content_length, limit) from None


def read_body(req: Request, limit: int, graph: str | None, queries: QueryService, *,
              body: bytes | None = None) -> list[ox.Quad]:
    """The RDF of a PUT/POST: the body, or every file of a multipart/form-data request
    (parsed in jobs of ``queries``: a hostile document cannot pin the serving process)."""
    check_size(req, limit)
    base = graph or req.base_url
    if req.mimetype == "multipart/form-data":
        try:
            files = list(req.files.values())
        except RequestEntityTooLarge:
            raise too_large(req.content_length, limit) from None
        if not files:
            raise BadRequest("the multipart request has no file parts")
        quads: list[ox.Quad] = []
        for f in files:
            fmt = format_of_upload(f.mimetype, f.filename)
            quads += queries.parse(f.read(), fmt, source=f.filename or f.name or "part",
                                   base_iri=base).quads
        return quads
    if not req.mimetype:
        raise UnsupportedMediaType("send the graph with a Content-Type naming its RDF syntax "
                                   "(e.g. text/turtle)")
    fmt = format_from_media_type(req.mimetype)
    data = body if body is not None else _body(req, limit)
    return queries.parse(data, fmt, source="request body", base_iri=base).quads
