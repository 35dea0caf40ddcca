"""SPARQL 1.1 Protocol: ``/sparql`` (read-only queries), ``/sparql/update`` (token).

* ``GET /sparql?query=…`` · ``POST /sparql`` form-encoded (``query=…``) · ``POST /sparql`` with
  ``Content-Type: application/sparql-query``; ``default-graph-uri`` / ``named-graph-uri`` set
  the dataset (otherwise the default graph is the union of all named graphs). The answer format
  is negotiated from ``Accept`` (``format=`` overrides it, for links).
* ``GET /sparql`` without a query: the SPARQL 1.1 Service Description (RDF, negotiated); a
  browser asking for HTML is sent (303) to the query editor at ``/editor``.
* ``POST /sparql/update``: SPARQL 1.1 Update (form ``update=…`` or
  ``application/sparql-update``), only with ``Authorization: Bearer <token>``;
  ``using-graph-uri`` / ``using-named-graph-uri`` are honoured.
``/health`` (and ``/health/live``, ``/health/ready``) is answered by :mod:`wsis_kg.web.ops`.

Queries run through :class:`wsis_kg.sparql.service.QueryService` (time limit, result cap,
SERVICE guard);
errors are raised as :mod:`wsis_kg.errors` and become RFC 9457 problems in ``problems.py``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import parse_qsl

import pyoxigraph as ox
from flask import Blueprint, Response, redirect, request
from werkzeug.http import parse_options_header, quote_etag
from werkzeug.wrappers import Request

from wsis_kg.errors import (
    BadRequest,
    Forbidden,
    NotAcceptable,
    UnsupportedMediaType,
)
from wsis_kg.rdf import formats
from wsis_kg.rdf.formats import GRAPH_FORMATS, HTML, choose
from wsis_kg.sparql import description as service_description
from wsis_kg.sparql.evaluate import QueryRequest
from wsis_kg.sparql.lexer import tokenize
from wsis_kg.web.auth import require_principal
from wsis_kg.web.extension import Service, service

bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
EDITOR_PATH = "/editor"
READ_ONLY = ("The query endpoint is read-only; send SPARQL Update with POST to /sparql/update "
             "with a bearer token.")


# ------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------

def _content_type(r: Request) -> tuple[str, dict[str, str]]:
    mt, opts = parse_options_header(r.headers.get("Content-Type", ""))
    return mt.lower(), opts


def _utf8_body(opts: dict[str, str]) -> str:
    charset = opts.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(
            f"The request body must be UTF-8 encoded (got charset={charset}).")
    try:
        return request.get_data(cache=True).decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadRequest(f"The request body is not valid UTF-8: {e}") from None


def _one(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise BadRequest(f"Exactly one '{name}' parameter is allowed; got {len(values)}.")
    return values[0] if values else None


_KINDS = (formats.SOLUTIONS, formats.BOOLEAN, formats.GRAPH)


#: A request's values of a parameter, by name (``MultiDict.getlist``, or :func:`query_args`'s).
Values = Callable[[str], list[str]]


def _format(values: Values) -> str | None:
    """The ``format`` parameter; repeated values are one when they name the same format.

    SPARQLWrapper (in its default mode) sends a format twice, by name and by media type(s)
    (``format=tsv&format=text/tab-separated-values``, ``format=json-ld&format=application/ld+json,
    application/x-json+ld``) for servers that know only one spelling. Values agree when they name
    the same format (or none) for every kind of answer, since the kind is known only once the
    query is parsed; values that disagree are a client error.
    """
    given = list(dict.fromkeys(_spelling(v) for v in values("format") if v.strip()))
    if len(given) > 1:
        named = {tuple(_named(kind, v) for kind in _KINDS) for v in given}
        if len(named) > 1:
            raise BadRequest("The 'format' parameters name different formats: "
                             + ", ".join(given) + ".", parameter="format")
    return given[0] if given else None


def _spelling(value: str) -> str:
    """One spelling of a ``format`` value: of a list (``a,b``), the first one that names a
    format of some kind."""
    parts = [p.strip() for p in value.split(",") if p.strip()]
    return next((p for p in parts if any(_named(kind, p) for kind in _KINDS)),
                value.strip())


def _named(kind: str, value: str) -> formats.Format | None:
    try:
        return formats.negotiate(kind, None, value)
    except NotAcceptable:
        return None


def _params(r: Request, name: str) -> list[str]:
    """Values from the URL query string and, for form posts, the body."""
    values = r.args.getlist(name)
    if r.method == "POST" and _content_type(r)[0] == FORM:
        values += r.form.getlist(name)
    return values


def _graph_params(r: Request, name: str) -> list[str]:
    """The graph IRIs of a dataset parameter, each checked to be an absolute IRI (else 400)."""
    return _graph_iris(functools.partial(_params, r), name)


def _graph_iris(params: Values, name: str) -> list[str]:
    values = params(name)
    for v in values:
        try:
            ox.NamedNode(v)
        except ValueError as e:
            raise BadRequest(f"{name} {v!r} is not an absolute IRI: {e}", parameter=name) from None
    return values


def _wants_html() -> bool:
    """Whether a browser is asking (HTML preferred to every RDF format): no Accept is no."""
    accept = request.headers.get("Accept")
    if not accept:
        return False
    try:
        return choose((HTML, *GRAPH_FORMATS), accept, what="the service description") is HTML
    except NotAcceptable:
        return False


# ------------------------------------------------------------------------------------------
# query endpoint
# ------------------------------------------------------------------------------------------

_BASES: dict[tuple, str] = {}


def base_url(r: Request) -> str:
    """``r.base_url``, remembered by the environ values it is made of (:func:`environ_base_url`).
    With ``trusted_hosts`` set, werkzeug also checks the host, so nothing is remembered."""
    if r.trusted_hosts is not None:
        return r.base_url
    return environ_base_url(r.environ)


def environ_base_url(e: dict) -> str:
    """werkzeug's ``Request(e).base_url`` (no trusted hosts), remembered by the environ values
    it is made of: werkzeug builds it through ``uri_to_iri`` and IDNA host decoding (≈60 µs a
    request), and the endpoint answers from a handful of (host, path) pairs."""
    key = (e.get("wsgi.url_scheme"), e.get("HTTP_HOST"), e.get("SERVER_NAME"),
           e.get("SERVER_PORT"), e.get("SCRIPT_NAME"), e.get("PATH_INFO"))
    url = _BASES.get(key)
    if url is None:
        url = Request(e).base_url
        if len(_BASES) >= 256:
            _BASES.clear()
        _BASES[key] = url
    return url


def query_args(e: dict) -> Values:
    """The URL parameters of the request ``e``, as werkzeug's ``Request(e).args.getlist`` reads
    them (the same decoding, with its call), without building a request: for the fast path
    (:mod:`wsis_kg.web.fastpath`), where a werkzeug request cost more than the query's
    evaluation. ``tests/web/test_fastpath.py`` compares the two on hostile query strings."""
    pairs = parse_qsl(e.get("QUERY_STRING", "").encode("latin1").decode(),
                      keep_blank_values=True, errors="werkzeug.url_quote")
    args: dict[str, list[str]] = {}
    for name, value in pairs:
        args.setdefault(name, []).append(value)
    return lambda name: list(args.get(name, ()))


def _query_request(r: Request, query: str) -> QueryRequest:
    """The :class:`QueryRequest` of ``query`` with the request's dataset, base and negotiation
    (a GET's parameters, or a POST's form too)."""
    return query_request(query, functools.partial(_params, r), base_url(r),
                         r.headers.get("Accept"))


def query_request(query: str, params: Values, base: str, accept: str | None) -> QueryRequest:
    """The :class:`QueryRequest` of ``query`` with the dataset and format of ``params``, the
    base IRI ``base`` and the ``Accept`` header, passed on as received: it is parsed only when
    the query runs (a cached answer is found by the header's text)."""
    return QueryRequest(
        sparql=query,
        default_graph_uris=tuple(_graph_iris(params, "default-graph-uri")),
        named_graph_uris=tuple(_graph_iris(params, "named-graph-uri")),
        base_iri=base,
        accept=accept,
        format=_format(params),
    )


def get_query(r: Request) -> QueryRequest | None:
    """The query of a GET (or HEAD) ``/sparql`` request (see :func:`read_query`)."""
    return read_query(r.args.getlist, lambda: base_url(r), r.headers.get("Accept"))


def read_query(params: Values, base: Callable[[], str], accept: str | None
               ) -> QueryRequest | None:
    """The query of a GET (or HEAD) ``/sparql`` request from its URL parameters; None when it
    has none (the service description is asked for). Bad parameters raise
    :mod:`wsis_kg.errors`.

    The one parser of GET requests: the view (:func:`get_query`) and the fast path
    (:mod:`wsis_kg.web.fastpath`, from the environ) both call it, so they cannot read a
    request differently.
    """
    if params("update"):
        raise Forbidden(READ_ONLY)
    query = _one(params("query"), "query")
    return None if query is None else query_request(query, params, base(), accept)


def answer(svc: Service, req: QueryRequest, r: Request, *,
           cached_only: bool = False) -> Response | None:
    """The response to ``req``: 304 when ``If-None-Match`` matches, else the answer.

    ``cached_only``: None instead of running the query when its answer is not in the cache
    (the fast path then hands the request to Flask).
    """
    # A strong ETag from (serving process, store generation, request) for GET/HEAD: a matching
    # If-None-Match is answered 304 without running the query. POST answers carry none (RFC
    # 9110 13.1.2 would require 412, not 304, for a matching precondition on POST).
    etag = svc.queries.etag(req) if r.method in ("GET", "HEAD") else None
    if etag is not None and r.if_none_match.contains_weak(etag):
        resp = Response(status=304)
        resp.headers["Vary"] = "Accept"
        resp.set_etag(etag)
        resp.headers["Cache-Control"] = "no-cache"
        return resp
    result = svc.queries.cached(req) if cached_only else svc.queries.query(req)
    if result is None:
        return None
    return Response(result.body, status=200,
                    headers=answer_headers(result.content_type, len(result.body), etag))


def answer_headers(content_type: str, length: int, etag: str | None) -> list[tuple[str, str]]:
    """The headers of a query's answer (200), in the order werkzeug would send them: the
    view's response and the fast path's share them."""
    headers = [("Content-Type", content_type), ("Content-Length", str(length)),
               ("Vary", "Accept")]
    if etag is not None:
        # Reusable only after revalidation: any write may change the answer.
        headers += [("ETag", quote_etag(etag)), ("Cache-Control", "no-cache")]
    else:
        headers.append(("Cache-Control", "no-store"))
    return headers


@bp.route("/sparql", methods=["GET", "POST"], strict_slashes=False)
def sparql() -> Response:
    svc = service()
    if request.method in ("GET", "HEAD"):
        req = get_query(request)
        if req is None:
            if _wants_html():
                resp = redirect(request.script_root + EDITOR_PATH, code=303)
                resp.headers["Vary"] = "Accept"  # the description for programs
                return resp
            return _service_description(svc, request.base_url)
        return answer(svc, req, request)  # type: ignore[return-value]
    mt, opts = _content_type(request)
    if mt == FORM:
        if _params(request, "update"):
            raise Forbidden(READ_ONLY)
        queries = _params(request, "query")
    elif mt == SPARQL_QUERY:
        if request.args.getlist("query"):
            raise BadRequest("A direct POST carries the query in the body, not in 'query='.")
        queries = [_utf8_body(opts)]
    elif mt == SPARQL_UPDATE:
        raise Forbidden("The query endpoint is read-only; send SPARQL Update to /sparql/update "
                        "with a bearer token.")
    else:
        raise UnsupportedMediaType(
            f"POST a query as {FORM} (query=…) or as {SPARQL_QUERY}; got "
            f"{mt or 'no Content-Type'}.")
    query = _one(queries, "query")
    if query is None:
        raise BadRequest("No 'query' parameter in the request.")
    return answer(svc, _query_request(request, query), request)  # type: ignore[return-value]


# ------------------------------------------------------------------------------------------
# update endpoint
# ------------------------------------------------------------------------------------------

def _service_description(svc: Service, endpoint: str) -> Response:
    """The service description negotiated from the request's Accept / ``format``."""
    fmt = formats.negotiate(formats.GRAPH, request.headers.get("Accept"),
                            request.args.get("format"))
    resp = Response(service_description.description(svc.queries, endpoint, fmt),
                    content_type=fmt.content_type)
    resp.headers["Vary"] = "Accept"
    return resp


@bp.route("/sparql/update", methods=["POST"], strict_slashes=False)
def sparql_update() -> Response:
    svc = service()
    require_principal(request, svc.settings)
    mt, opts = _content_type(request)
    if mt == FORM:
        update = _one(_params(request, "update"), "update")
        if _params(request, "query"):
            raise BadRequest("The update endpoint takes 'update=', not 'query='.")
    elif mt == SPARQL_UPDATE:
        update = _utf8_body(opts)
    else:
        raise UnsupportedMediaType(
            f"POST an update as {FORM} (update=…) or as {SPARQL_UPDATE}; got "
            f"{mt or 'no Content-Type'}.")
    if update is None:
        raise BadRequest("No 'update' parameter in the request.")
    using = _graph_params(request, "using-graph-uri")
    using_named = _graph_params(request, "using-named-graph-uri")
    if using or using_named:
        update = apply_using(update, using, using_named)
    svc.queries.update(update, base_iri=request.base_url)
    return Response(status=204)


# ------------------------------------------------------------------------------------------
# using-graph-uri / using-named-graph-uri
# ------------------------------------------------------------------------------------------

def apply_using(update: str, using: list[str], using_named: list[str]) -> str:
    """Add the protocol's ``using-(named-)graph-uri`` as USING clauses to each DELETE/INSERT.

    pyoxigraph's ``Store.update`` takes no dataset, so the SPARQL 1.1 Protocol parameters are
    applied in the request text: before the ``WHERE`` of every DELETE/INSERT … WHERE operation
    (not DELETE WHERE, which has no USING). An operation with its own USING or WITH conflicts
    with the parameters: 400, as the protocol requires.
    """
    clause = "".join(f"USING <{g}> " for g in using)
    clause += "".join(f"USING NAMED <{g}> " for g in using_named)
    out: list[str] = []
    pos = depth = 0
    prev_word = ""
    for t in tokenize(update):
        if t.text == "{":
            depth += 1
        elif t.text == "}":
            depth -= 1
            prev_word = "}"
        elif depth == 0 and t.kind == "word":
            word = t.text.upper()
            if word in ("USING", "WITH"):
                raise BadRequest(
                    "using-graph-uri / using-named-graph-uri cannot be combined with USING or "
                    "WITH in the update itself.")
            if word == "WHERE" and prev_word != "DELETE":
                out.append(update[pos:t.start])
                out.append(clause)
                pos = t.start
            prev_word = word
    out.append(update[pos:])
    return "".join(out)
