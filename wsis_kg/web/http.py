"""HTTP helpers every surface shares: format negotiation for resources, 303s, RDF
responses, CORS on the read routes and the security headers."""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterable
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


@functools.lru_cache(maxsize=1024)
def added_headers(path: str, method: str, html: bool) -> tuple[tuple[str, str], ...]:
    """Every header the app adds to a response to ``method path`` (``html``: an HTML page):
    CORS on the read routes only, never with ``Authorization`` among the allowed headers (a
    browser page elsewhere cannot write); no sniffing and a referrer policy on every response;
    a CSP and no framing on HTML pages. The one list: the response hook applies it
    (:func:`add_headers`), the SPARQL fast path appends it to the headers it builds."""
    out: list[tuple[str, str]] = []
    if CORS_ROUTES.fullmatch(path):
        out += [("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Expose-Headers", "Link, Location, Content-Disposition, ETag")]
        if method == "OPTIONS":
            out += [("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS"),
                    ("Access-Control-Allow-Headers", "Accept, Content-Type"),
                    ("Access-Control-Max-Age", "86400")]
    out += [("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "strict-origin-when-cross-origin")]
    if html:
        out += [("Content-Security-Policy", CSP), ("X-Frame-Options", "DENY")]
    return tuple(out)


AddedHeaders = Callable[[str, str, bool], Iterable[tuple[str, str]]]


def add_headers(headers: Headers, path: str, method: str,
                added: AddedHeaders = added_headers) -> None:
    """Set ``added``'s headers (:func:`added_headers`) on a response's headers: the response
    hook, the front's refusals, the fast path's error responses."""
    html = headers.get("Content-Type", "").startswith("text/html")
    for name, value in added(path, method, html):
        headers[name] = value


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


#: A whole answer: status code, headers and body.
Answer = tuple[int, list[tuple[str, str]], bytes]


def wsgi_answer(app: Callable[..., Iterable[bytes]], environ: dict) -> Answer:
    """Call the WSGI ``app`` and return its whole answer: the one conversion from the WSGI
    protocol to an answer (the RSGI front's requests, the fast path's refusals)."""
    started: list[Any] = []
    written: list[bytes] = []

    def start_response(status: str, headers: list, exc_info: Any = None) -> Any:
        if exc_info is not None and started:
            raise exc_info[1].with_traceback(exc_info[2])
        started[:] = [status, headers]
        return written.append

    result = app(environ, start_response)
    try:
        chunks = list(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status, headers = started
    return int(status.split(" ", 1)[0]), [(k, v) for k, v in headers], \
        b"".join(written + chunks)
