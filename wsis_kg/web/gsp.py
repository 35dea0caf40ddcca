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
    NotAcceptable,
    NotFound,
    UnsupportedMediaType,
    ValidationFailed,
)
from wsis_kg.namespaces import PREFIXES
from wsis_kg.rdf.parse import format_from_media_type, parse_bytes
from wsis_kg.sparql.service import QueryService
from wsis_kg.validation.ingest import check_graph_iri, ingest_graph_iri, principal_for

bp = Blueprint("gsp", __name__)
ENDPOINT = "/rdf-graphs/service"
METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE"]
#: What GET can answer, first = default.
OUTPUT_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/trig": ox.RdfFormat.TRIG,
    "application/n-quads": ox.RdfFormat.N_QUADS,
}
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
    """Direct identification: the graph IRI is the request URL (without a query string)."""
    return handle(request.base_url)


def handle(graph: str | None) -> Response:
    from wsis_kg.web import service

    svc = service()
    if request.method in ("GET", "HEAD"):
        return get_graph(svc.queries, graph)
    principal = principal_for(svc.settings, bearer_token(request))
    if request.method == "DELETE":
        if not svc.queries.delete_graph(graph):
            raise NotFound(f"there is no graph <{graph}>", graph=graph)
        return Response(status=204)
    quads = read_body(request, svc.settings.max_body_bytes, graph)
    mode = "replace" if request.method == "PUT" else "append"
    result = svc.queries.write_graph(quads, graph=graph, mode=mode, principal=principal,
                                     source=describe_request(request))
    return Response(status=201 if result.created and graph is not None else 204)


def create_graph() -> Response:
    """POST to the endpoint itself: a new graph named by the service (201 + Location)."""
    from wsis_kg.web import service

    svc = service()
    principal = principal_for(svc.settings, bearer_token(request))
    body = _body(request, svc.settings.max_body_bytes)
    graph = ingest_graph_iri(body)
    quads = read_body(request, svc.settings.max_body_bytes, graph, body=body)
    svc.queries.write_graph(quads, graph=graph, mode="replace", principal=principal,
                            source=describe_request(request))
    resp = Response(status=201)
    resp.headers["Location"] = graph
    return resp


def get_graph(queries: QueryService, graph: str | None) -> Response:
    """A graph, as a query of the service: its time limit and result cap apply."""
    if not queries.has_graph(graph):
        raise NotFound(f"there is no graph <{graph}>", graph=graph)
    offers = list(OUTPUT_FORMATS)
    best = best_match(request, offers)
    if best is None:
        raise NotAcceptable(f"a graph is available as {', '.join(offers)}", supported=offers)
    fmt = OUTPUT_FORMATS[best]
    g = ox.NamedNode(graph) if graph else ox.DefaultGraph()
    triples = queries.graph(graph)
    if fmt.supports_datasets:
        data = ox.serialize([ox.Quad(t.subject, t.predicate, t.object, g) for t in triples],
                            format=fmt, **_prefixes(fmt))
    else:
        data = ox.serialize(triples, format=fmt, **_prefixes(fmt))
    mt = fmt.media_type + ("; charset=utf-8" if fmt != ox.RdfFormat.RDF_XML else "")
    resp = Response(data, status=200)
    resp.headers["Content-Type"] = mt
    resp.headers["Vary"] = "Accept"
    return resp


def best_match(req: Request, offers: list[str]) -> str | None:
    """werkzeug's negotiation, ignoring media-type parameters such as ``charset``."""
    from werkzeug.datastructures import MIMEAccept

    if not req.accept_mimetypes:
        return offers[0]
    accept = MIMEAccept([(v.split(";")[0].strip(), q) for v, q in req.accept_mimetypes])
    return accept.best_match(offers)


def _prefixes(fmt: ox.RdfFormat) -> dict:
    if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML):
        return {"prefixes": dict(PREFIXES)}
    return {}


def bearer_token(req: Request) -> str | None:
    auth = req.headers.get("Authorization", "")
    scheme, _, token = auth.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def describe_request(req: Request) -> str:
    """The provenance ``dcterms:source``: the request, and the file name (Slug) if sent."""
    slug = req.headers.get("Slug")
    query = req.query_string.decode("latin-1")
    text = f"{req.method} {req.path}{'?' + query if query else ''}"
    return f"{slug} ({text})" if slug else text


def _body(req: Request, limit: int) -> bytes:
    from wsis_kg.web.validation import check_size, too_large

    check_size(req, limit)
    try:
        return req.get_data(cache=True)
    except RequestEntityTooLarge:
        raise too_large(req.content_length, limit) from None


def read_body(req: Request, limit: int, graph: str | None, *,
              body: bytes | None = None) -> list[ox.Quad]:
    """The RDF of a PUT/POST: the body, or every file of a multipart/form-data request."""
    from wsis_kg.web.validation import check_size, too_large

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
            if not f.mimetype or f.mimetype == "application/octet-stream":
                from wsis_kg.rdf.parse import format_from_path

                fmt = format_from_path(f.filename or "")
            else:
                fmt = format_from_media_type(f.mimetype)
            quads += parse_bytes(f.read(), fmt, source=f.filename or f.name or "part",
                                 base_iri=base).quads
        return quads
    if not req.mimetype:
        raise UnsupportedMediaType("send the graph with a Content-Type naming its RDF syntax "
                                   "(e.g. text/turtle)")
    fmt = format_from_media_type(req.mimetype)
    data = body if body is not None else _body(req, limit)
    return parse_bytes(data, fmt, source="request body", base_iri=base).quads


@bp.errorhandler(ValidationFailed)
def _refused(e: ValidationFailed) -> Response:
    """422: the SHACL report as Turtle/JSON-LD when asked, else a problem with the report."""
    from wsis_kg.validation.report import MEDIA_TYPES, render, to_json
    from wsis_kg.web.problems import problem_response

    report = e.report
    best = best_match(request, ["application/problem+json", "application/json",
                                "text/turtle", "application/ld+json"])
    if report is not None and best in ("text/turtle", "application/ld+json"):
        fmt = "turtle" if best == "text/turtle" else "jsonld"
        resp = Response(render(report, fmt), status=422)
        resp.headers["Content-Type"] = MEDIA_TYPES[fmt]
        return resp
    body = e.to_problem()
    body["instance"] = request.path
    if report is not None:
        body["report"] = to_json(report)
    return problem_response(body, 422)
