"""HTTP helpers every surface shares: format negotiation for resources, 303s, RDF
responses, CORS on the read routes and the security headers."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Any, NoReturn

from flask import Flask, Response, redirect, request
from werkzeug.datastructures import Headers
from werkzeug.wrappers import Request

from wsis_kg.errors import NotFound, PayloadTooLarge
from wsis_kg.namespaces import BASE
from wsis_kg.rdf.formats import HTML, JSON_LD, N_TRIPLES, RDF_XML, TURTLE, Format, choose
from wsis_kg.web.public import serialize, to_public_iri

#: extension → format (the registry's), in the order used when the client has no preference.
FORMATS: dict[str, Format] = {f.extension: f for f in (TURTLE, HTML, JSON_LD, N_TRIPLES, RDF_XML)}


def negotiate(offers: Iterable[str]) -> str:
    """Pick an extension from ``offers`` by the request's Accept header (the one negotiation)."""
    fmts = tuple(FORMATS[ext] for ext in offers)
    return choose(fmts, request.headers.get("Accept"), what="this resource").extension


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



def rdf_response(triples: Iterable[Any], ext: str, *, filename: str | None = None) -> Response:
    out = FORMATS[ext]
    body = serialize(triples, out)
    resp = Response(body, content_type=out.content_type)
    if filename:
        resp.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return conditional(resp)


def conditional(resp: Response) -> Response:
    """``resp`` with a strong ETag of its body, answered 304 when ``If-None-Match`` matches.

    From the body itself, so it changes exactly when the document does (a write, another
    public base) whatever the store, and link-following clients revalidate cheaply.
    """
    resp.set_etag(hashlib.sha256(resp.get_data()).hexdigest()[:32])
    return resp.make_conditional(request)


def not_found(local: str) -> NoReturn:
    """404 for a path below the root that names nothing here (a page for a browser: problems)."""
    iri = to_public_iri(BASE + local)
    raise NotFound(f"{iri} is not an IRI of this graph.", iri=iri)


#: The read routes, matched exactly (a path merely starting with ``/sparql`` is not one):
#: the query endpoint, linked data, dumps, VoID, the JSON-LD context and the example queries.
#: Writes (``/sparql/update``, the Graph Store, ``/validate``) get no CORS headers at all.
CORS_ROUTES = re.compile(
    r"/(?:sparql/?|id/.+|(?:def|shapes)(?:/.*|\.[a-z]+)?|graph/.+|dumps/[^/]+"
    r"|\.well-known/void(?:\.[a-z]+)?|context\.jsonld|examples\.json|examples/[^/]+\.rq)")

#: The Content Security Policy of HTML pages: scripts only from this service (no inline script,
#: no eval); styles may be inline (the editor and the graph pictures set them); no framing.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def add_cors(headers: Headers, path: str, method: str) -> None:
    """The CORS headers of a response to ``method path``: read routes only, never with
    ``Authorization`` among the allowed headers (a browser page elsewhere cannot write)."""
    if CORS_ROUTES.fullmatch(path):
        headers["Access-Control-Allow-Origin"] = "*"
        headers["Access-Control-Expose-Headers"] = "Link, Location, Content-Disposition, ETag"
        if method == "OPTIONS":
            headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, OPTIONS"
            headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
            headers["Access-Control-Max-Age"] = "86400"


def add_security(headers: Headers) -> None:
    """The security headers: no sniffing and a referrer policy on every response; a CSP and no
    framing on HTML pages."""
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    if headers.get("Content-Type", "").startswith("text/html"):
        headers["Content-Security-Policy"] = CSP
        headers["X-Frame-Options"] = "DENY"


def add_headers(headers: Headers, path: str, method: str) -> None:
    """Every header the app adds to a response of ``method path`` (CORS and security); also
    called by the web fast path, which answers cached SPARQL queries outside Flask."""
    add_cors(headers, path, method)
    add_security(headers)


# Request bodies

def check_size(req: Request, limit: int) -> None:
    """Refuse (413) a body whose declared length is over ``limit`` before reading it."""
    if req.content_length is not None and req.content_length > limit:
        raise too_large(req.content_length, limit)


def too_large(size: int | None, limit: int) -> PayloadTooLarge:
    got = f"{size} bytes" if size is not None else "more"
    return PayloadTooLarge(f"the request body is {got}; this service accepts at most {limit} "
                           f"bytes (setting WSIS_KG_MAX_BODY_BYTES)", limit=limit)


def _headers(resp: Response) -> Response:
    add_headers(resp.headers, request.path, request.method)
    return resp


def init_headers(app: Flask) -> None:
    """Add the CORS (read routes only) and security headers to every response of ``app``."""
    app.after_request(_headers)
