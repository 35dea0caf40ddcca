"""``/validate``: the SHACL validation service (a form for people, a POST API for programs).

POST accepts the data three ways: as the request body (any RDF media type in Content-Type), as
a multipart upload (file field ``data`` or ``file``) or as a form (``data``, ``format``). An
optional ``shapes`` field (text or file, ``shapes_format``) replaces the project shapes: the data
is then validated against those shapes alone (this is how the W3C SHACL suite runs). Without it
the data is checked against ``shapes/`` in the context of the graph. The answer is the SHACL
report, by content negotiation: Turtle, JSON-LD, simple JSON (``wsis_kg.validation.report``),
HTML, text.
"""

from __future__ import annotations

from flask import Blueprint, Request, Response, render_template, request
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from wsis_kg.errors import (
    BadRequest,
    InputSyntaxError,
    UnsupportedMediaType,
)
from wsis_kg.rdf.formats import HTML, REPORT_FORMATS, TURTLE, choose, rdf_format
from wsis_kg.rdf.parse import (
    ParsedInput,
    format_from_media_type,
    format_from_name,
    format_of_upload,
)
from wsis_kg.sparql.service import QueryService
from wsis_kg.validation.report import FORMATS, ValidationReport, render, short
from wsis_kg.web.auth import bearer_token, require_principal
from wsis_kg.web.extension import service
from wsis_kg.web.http import check_size, too_large

bp = Blueprint("validation", __name__)

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


@bp.get("/validate")
def page() -> str:
    return render_template("validate.html", report=None, short=short)


@bp.post("/validate")
def validate_post() -> Response:
    svc = service()
    is_form = request.mimetype in FORM_TYPES
    out = negotiate(request, prefer_html=is_form)
    try:
        data, shapes = read_validation_request(request, svc.settings.max_body_bytes,
                                               svc.queries)
    except InputSyntaxError as e:
        if out == "html":
            page = render_template("validate.html", report=None, error=e, short=short,
                                   data=request.form.get("data"), fmt=request.form.get("format"))
            return Response(page, status=400, mimetype="text/html")
        raise
    if shapes is not None:
        token = bearer_token(request) is not None and require_principal(request, svc.settings)
        report = svc.queries.validate_with_shapes([data], shapes, allow_sparql=bool(token))
    else:
        report = svc.queries.validate([data])
    return report_response(report, out, form=request.form if is_form else None)


def negotiate(req: Request, *, prefer_html: bool = False) -> str:
    """The name of the report format the client accepts best (406 when none)."""
    offers = REPORT_FORMATS
    if prefer_html:
        offers = (HTML, *(f for f in REPORT_FORMATS if f is not HTML))
    return choose(offers, req.headers.get("Accept"), what="the report").name


def report_response(report: ValidationReport, out: str, *, status: int = 200,
                    form=None) -> Response:
    if out == "html":
        body = render_template("validate.html", report=report, short=short,
                               data=form.get("data") if form else None,
                               fmt=form.get("format") if form else None)
    else:
        body = render(report, out)
    resp = Response(body, status=status, content_type=FORMATS[out].content_type)
    resp.headers["Vary"] = "Accept"
    return resp


def read_validation_request(req: Request, limit: int, queries: QueryService
                            ) -> tuple[ParsedInput, ParsedInput | None]:
    """The data (and optional shapes) of a POST /validate, parsed (in jobs of ``queries``)."""
    check_size(req, limit)
    base = req.args.get("base") or None
    try:
        if req.mimetype in FORM_TYPES:
            base = req.form.get("base") or base
            data = _form_part(req, ("data", "file"), req.form.get("format"), base, queries)
            if data is None:
                raise BadRequest("no data: send it in the form field 'data' (text or file)")
            shapes = _form_part(req, ("shapes",), req.form.get("shapes_format"), base, queries)
            return data, shapes
        body = req.get_data(cache=False)
    except RequestEntityTooLarge:
        raise too_large(req.content_length, limit) from None
    if not req.mimetype:
        raise UnsupportedMediaType("send the data with a Content-Type naming its RDF syntax "
                                   "(e.g. text/turtle)")
    fmt = format_from_media_type(req.mimetype)
    return queries.parse(body, fmt, source="request body", base_iri=base), None


def _form_part(req: Request, names: tuple[str, ...], fmt_name: str | None,
               base: str | None, queries: QueryService) -> ParsedInput | None:
    """A form field given as an uploaded file or as text; format by name, type or extension."""
    for name in names:
        f: FileStorage | None = req.files.get(name)
        if f is not None and (f.filename or f.mimetype not in ("", "application/octet-stream")):
            raw = f.read()
            if not raw and not f.filename:
                continue
            fmt = format_of_upload(f.mimetype, f.filename, name=fmt_name,
                                   default=rdf_format(TURTLE))
            return queries.parse(raw, fmt, source=f.filename or name, base_iri=base)
    for name in names:
        text = req.form.get(name)
        if text and text.strip():
            fmt = format_from_name(fmt_name) if fmt_name else rdf_format(TURTLE)
            return queries.parse(text, fmt, source=name, base_iri=base)
    return None
