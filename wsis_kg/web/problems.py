"""Every error becomes a response here, and nowhere else: browsers get pages, programs problems.

The one error mapping, by content negotiation: a client that prefers ``text/html`` to
``application/problem+json`` (a browser) gets an HTML page (``templates/error.html``: status,
title, detail, a way home); every other client (no Accept, ``*/*``, JSON, RDF …) gets the RFC
9457 problem. Both carry ``Vary: Accept``, since the answer depends on it. Users never see a
stack trace: unexpected exceptions are logged and answered with a generic 500; HTTP errors
raised by Flask/Werkzeug (404, 405, 413 …) get the same shape.
"""

from __future__ import annotations

import json
import logging

from flask import Flask, Response, has_request_context, render_template, request
from werkzeug.exceptions import HTTPException

from wsis_kg.errors import PROBLEM_BASE, NotAcceptable, ValidationFailed, WsisError
from wsis_kg.rdf.formats import HTML, JSON_LD, PROBLEM, TURTLE, choose
from wsis_kg.validation.report import render, to_json

log = logging.getLogger(__name__)
PROBLEM_JSON = PROBLEM.media_type


#: the members of a problem an error page shows
PAGE_FIELDS = ("type", "title", "status", "detail", "instance", "line", "column", "retry_after")


def prefers_page(accept: str | None) -> bool:
    """Whether a client asking with ``accept`` would rather read an HTML page than a problem
    (a browser). No Accept or ``*/*`` is a program: it gets the problem."""
    if not accept:
        return False
    try:
        return choose((PROBLEM, HTML), accept, what="an error") is HTML
    except NotAcceptable:
        return False


def problem_response(body: dict, status: int, headers: dict | None = None) -> Response:
    """``body`` (a problem) as the response the client asked for: the HTML page for a browser
    (inside a request), else the problem JSON."""
    if has_request_context() and prefers_page(request.headers.get("Accept")):
        page = render_template("error.html", **{k: body.get(k) for k in PAGE_FIELDS})
        resp = Response(page, status=status, mimetype="text/html")
    else:
        resp = Response(json.dumps(body, ensure_ascii=False, indent=1), status=status,
                        mimetype=PROBLEM_JSON)
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    resp.vary.add("Accept")
    return resp


def error_response(e: WsisError, path: str) -> Response:
    """The response for one of our errors on ``path``. Also used outside Flask's request
    handling (the web fast path): there it is always the problem, so the fast path hands a
    browser's failed request to Flask (:func:`prefers_page`); the front's refusals come through
    :func:`front_error_response`."""
    body = e.to_problem()
    body.setdefault("instance", path)
    headers = dict(e.headers)
    if e.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="wsis-kg"'
    return problem_response(body, e.status, headers)


def front_error_response(app: Flask, e: WsisError, environ: dict) -> Response:
    """The response for a refusal of the outer layer (:class:`wsis_kg.web.ops.Front`: 400 token
    in the URL, 429, 413, 408), which runs before Flask has a request.

    Why a request context of its own: the answer must be negotiated like every other error (a
    browser asking for ``text/html`` gets the page, a program the problem), and the page is a
    template of the app. Only the headers are read; the body (perhaps never received) is not.
    """
    with app.request_context(environ):
        return error_response(e, request.path)


#: What a refused write (422) can answer: a problem (with the simple JSON report) or the SHACL
#: report graph itself.
REFUSAL_FORMATS = (PROBLEM, TURTLE, JSON_LD)


def refusal_response(e: ValidationFailed, path: str, accept: str | None) -> Response:
    """422: the SHACL report as Turtle/JSON-LD when asked for, else a problem with the report."""
    report = e.report
    try:
        fmt = choose(REFUSAL_FORMATS, accept, what="a refused write")
    except NotAcceptable:
        fmt = PROBLEM
    if report is not None and fmt is not PROBLEM:
        return Response(render(report, fmt.name), status=e.status, content_type=fmt.content_type)
    body = e.to_problem()
    body["instance"] = path
    if report is not None:
        body["report"] = to_json(report)
    return problem_response(body, e.status)


def register(app: Flask) -> None:
    @app.errorhandler(WsisError)
    def _wsis_error(e: WsisError) -> Response:
        if isinstance(e, ValidationFailed):
            return refusal_response(e, request.path, request.headers.get("Accept"))
        return error_response(e, request.path)

    @app.errorhandler(HTTPException)
    def _http_error(e: HTTPException) -> Response:
        body = {
            "type": PROBLEM_BASE + (e.name or "error").lower().replace(" ", "-"),
            "title": e.name,
            "status": e.code,
            "detail": e.description,
            "instance": request.path,
        }
        headers = {}
        if e.code == 405 and getattr(e, "valid_methods", None):
            headers["Allow"] = ", ".join(e.valid_methods)
        return problem_response(body, e.code or 500, headers)

    @app.errorhandler(Exception)
    def _unexpected(e: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        body = {
            "type": PROBLEM_BASE + "internal",
            "title": "Internal error",
            "status": 500,
            "detail": "The service failed to answer this request; the error was logged.",
            "instance": request.path,
        }
        return problem_response(body, 500)
