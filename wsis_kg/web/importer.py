"""``/import``: the editor's page for resolution texts, and the same route as a JSON API.

GET shows the form: paste a text or upload files (``.txt``, or ``.zip`` of them). POST imports
them with the project's importer (``wsis_kg.extraction.importer``) in a job of the query
service — the time, memory and concurrency limits of every costly path, 503 + Retry-After when
busy — and answers with a reading view (HTML, for the page's form) or JSON (for programs: the
structure, the report and the RDF as Turtle). The header fields an editor fixes (symbol, date,
title, body) are sent with the text again; ``validate`` adds the SHACL report against the live
graph (``QueryService.validate``, nothing written). Committing is not done here: the page's
script sends the Turtle to the Graph Store (PUT of the resolution's named graph, validated
ingest: 422 and nothing written when it does not conform) with the token the editor typed, in
the ``Authorization`` header only.

Request forms of POST: a form (``text``, ``files``, ``symbol``, ``date``, ``title``, ``body``,
``validate``), ``application/json`` (``{"text": …}`` or ``{"texts": [{"name", "text"}]}``
with the same fields) or a bare ``text/plain`` body (the fields in the query string). Texts
over ``WSIS_KG_IMPORT_MAX_BYTES`` are refused (413 for a single text); each upload is read as
UTF-8 (with or without BOM), UTF-16 (with BOM) or Latin-1.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from flask import Blueprint, Request, Response, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge

from wsis_kg.errors import (
    BadRequest,
    PayloadTooLarge,
    ResolutionImportError,
    UnsupportedMediaType,
    WsisError,
)
from wsis_kg.extraction.importer.editor import BODIES, ImportedPart, ImportedText, count
from wsis_kg.extraction.importer.files import Input, read_bytes, read_zip
from wsis_kg.rdf.formats import TURTLE, rdf_format
from wsis_kg.validation.report import ValidationReport, short, to_json
from wsis_kg.web.extension import service
from wsis_kg.web.http import check_size, too_large
from wsis_kg.web.public import href, local_path

bp = Blueprint("importer", __name__)

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
HEADER_FIELDS = ("symbol", "date", "title", "body")
#: What the importer's messages tell a command-line user, said for the page's form.
CLI_WORDS = (("pass --symbol", "give the symbol"), ("pass --date", "give the date"),
             ("--symbol", "the symbol given"), ("--date", "the date given"))


@dataclass
class ImportRequest:
    """What a POST /import asks: the texts, the header an editor gave, whether to validate."""

    inputs: list[Input]
    header: dict[str, str] = field(default_factory=dict)
    validate: bool = False
    pasted: str = ""  # the text of the form's text box (shown again)
    found: dict[str, str] = field(default_factory=dict)  # what the text said (the form's found_…)


@bp.get("/import")
def page() -> str:
    return render_template("import.html", **_page(None, [], {}))


@bp.post("/import")
def import_post() -> Response:
    svc = service()
    html = request.mimetype in FORM_TYPES and _prefers_html(request)
    req: ImportRequest | None = None
    try:
        req = read_import_request(request, svc.settings.max_body_bytes,
                                  svc.settings.import_max_bytes)
        items = _import(req)
        reports = {i: _validate(item) for i, item in enumerate(items)
                   if req.validate and not item.error}
    except WsisError as e:
        if not html:
            raise
        body = render_template("import.html", **_page(req, [], {}, error=e))
        return Response(body, status=e.status, headers=e.headers, mimetype="text/html")
    if html:
        return Response(render_template("import.html", **_page(req, items, reports)),
                        mimetype="text/html")
    return Response(_json(items, reports), mimetype="application/json")


def _prefers_html(req: Request) -> bool:
    best = req.accept_mimetypes.best_match(["text/html", "application/json"])
    return best != "application/json"


def read_import_request(req: Request, body_limit: int, text_limit: int) -> ImportRequest:
    """The texts and fields of a POST /import, each text read within ``text_limit``."""
    check_size(req, body_limit)
    try:
        if req.mimetype in FORM_TYPES:
            return _from_form(req, text_limit)
        if req.mimetype == "application/json":
            return _from_json(req, text_limit)
        if req.mimetype == "text/plain":
            data = req.get_data(cache=False)
            return ImportRequest([read_bytes("request body", data, text_limit)],
                                 _header(req.args), _flag(req.args.get("validate")))
    except RequestEntityTooLarge:
        raise too_large(req.content_length, body_limit) from None
    raise UnsupportedMediaType("send the text as text/plain, as JSON ({\"text\": …}) or as a "
                               "form (fields 'text' or 'files')")


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() in ("1", "on", "true", "yes")


def _header(fields: Any) -> dict[str, str]:
    """The header fields given, without those equal to what the text said (``found_…``, the
    page sends them back): an unchanged guess stays a guess."""
    out = {}
    for name in HEADER_FIELDS:
        value = str(fields.get(name) or "").strip()
        if value and value != str(fields.get(f"found_{name}") or "").strip():
            out[name] = value
    return out


def _from_form(req: Request, limit: int) -> ImportRequest:
    inputs: list[Input] = []
    for f in req.files.getlist("files"):
        if not f.filename:
            continue
        data = f.read(2 * limit + 1) if not _is_zip(f.filename) else f.read()
        if _is_zip(f.filename) or data[:4] == b"PK\x03\x04":
            inputs.extend(read_zip(io.BytesIO(data), limit, name=f.filename))
        else:
            inputs.append(read_bytes(f.filename, data, limit))
    pasted = req.form.get("text") or ""
    if pasted.strip():
        inputs.insert(0, read_bytes("pasted text", pasted.encode("utf-8"), limit))
    if not inputs:
        raise BadRequest("no text: paste one in the text box or upload a file")
    found = {name: req.form.get(f"found_{name}", "") for name in HEADER_FIELDS}
    return ImportRequest(inputs, _header(req.form), _flag(req.form.get("validate")), pasted,
                         found)


def _from_json(req: Request, limit: int) -> ImportRequest:
    doc = req.get_json(silent=True)
    if not isinstance(doc, dict):
        raise BadRequest("the body is not a JSON object")
    texts = doc.get("texts")
    if texts is None and isinstance(doc.get("text"), str):
        texts = [{"name": doc.get("name") or "request body", "text": doc["text"]}]
    if not isinstance(texts, list) or not texts or not all(
            isinstance(t, dict) and isinstance(t.get("text"), str) for t in texts):
        raise BadRequest("give the text as {\"text\": \"…\"} or {\"texts\": [{\"name\": …, "
                         "\"text\": …}]}")
    inputs = [read_bytes(str(t.get("name") or f"text {i + 1}"), t["text"].encode("utf-8"), limit)
              for i, t in enumerate(texts)]
    return ImportRequest(inputs, _header(doc), _flag(doc.get("validate")))


def _is_zip(name: str) -> bool:
    return name.lower().endswith(".zip")


def _import(req: ImportRequest) -> list[ImportedText]:
    """Import the readable inputs in one job; a single input that cannot be imported is the
    answer's error (413 for its size, else 400)."""
    if len(req.inputs) == 1 and req.inputs[0].error:
        inp = req.inputs[0]
        assert inp.error is not None
        if inp.too_large:
            raise PayloadTooLarge(inp.error, limit=service().settings.import_max_bytes)
        raise ResolutionImportError(inp.error)
    readable = [(i.name, i.text) for i in req.inputs if i.text is not None]
    done = iter(service().queries.import_texts(readable, **req.header) if readable else [])
    items = [next(done) if i.text is not None else ImportedText(i.name, error=i.error,
                                                                 too_large=i.too_large)
             for i in req.inputs]
    if len(items) == 1 and items[0].error:
        raise ResolutionImportError(_for_the_page(items[0].error))
    return items


def _validate(item: ImportedText) -> ValidationReport:
    """The imported RDF checked against the shapes in the context of the live graph."""
    queries = service().queries
    parsed = queries.parse(item.turtle, rdf_format(TURTLE), source=item.symbol or item.name)
    return queries.validate([parsed])


def _for_the_page(message: str) -> str:
    for cli, words in CLI_WORDS:
        message = message.replace(cli, words)
    return message


# -- JSON ----------------------------------------------------------------------------------------

def _json(items: list[ImportedText], reports: dict[int, ValidationReport]) -> str:
    out = []
    for i, item in enumerate(items):
        if item.error:
            out.append({"name": item.name, "error": item.error})
            continue
        doc = asdict(item)
        doc.pop("error"), doc.pop("too_large")
        doc["page"] = href(item.iri)
        doc["warnings"] = doc.pop("problems")
        doc["parts"] = [dict(asdict(p), warnings=w) for p, w in
                        zip(item.parts, _warnings_by_part(item)[0], strict=True)]
        if i in reports:
            doc["validation"] = to_json(reports[i])
        out.append(doc)
    return json.dumps({"imports": out}, ensure_ascii=False, indent=1)


# -- the reading view ----------------------------------------------------------------------------

def _warnings_by_part(item: ImportedText) -> tuple[list[list[str]], list[str]]:
    """Each warning beside the part its message names ("paragraph 4 (line 207)": the longest
    label found in it), the rest for the whole text."""
    labels = sorted(((p.label, i) for i, p in enumerate(item.parts) if p.label),
                    key=lambda x: -len(x[0]))
    beside: list[list[str]] = [[] for _ in item.parts]
    general = []
    for msg in item.problems:
        at = next((i for label, i in labels if label in msg), None)
        (beside[at] if at is not None else general).append(msg)
    return beside, general


def _short_symbol(symbol: str) -> str:
    """How a text prints a cited resolution: "2008/3" for E/RES/2008/3."""
    return re.sub(r"^[AE]/RES/", "", symbol)


def segments(part: ImportedPart, known: set[str]) -> list[dict[str, Any]]:
    """The part's text cut for the reading view: the leading phrase or verb, cited symbols
    (linked when the live graph has the cited thing) and footnote markers, in text order."""
    text = part.text
    spans: list[tuple[int, int, str, str | None]] = []
    if part.leading:
        at = text.lower().find(part.leading.lower(), 0, 40 + len(part.leading))
        if at >= 0:
            spans.append((at, at + len(part.leading), "lead", None))
        elif part.leading_guessed:  # printed damaged ("Sresses"): its first words
            words = len(part.leading.split()) - 1
            m = re.match(r"\s*(?:\S+\s+){" + str(words) + r"}\w+", text)
            if m:
                spans.append((0, m.end(), "lead", None))
    for c in part.cites:
        if not c.symbol:
            continue
        for m in re.finditer(r"(?<![\w/])" + re.escape(_short_symbol(c.symbol)) + r"(?![\w/])",
                             text):
            spans.append((m.start(), m.end(), "cite", href(c.iri) if c.iri in known else None))
    spans.sort()
    kept: list[tuple[int, int, str, str | None]] = []
    for s in spans:
        if not kept or s[0] >= kept[-1][1]:
            kept.append(s)
    markers = sorted(part.markers)
    out: list[dict[str, Any]] = []
    pos = 0

    def plain(upto: int) -> None:
        nonlocal pos
        while markers and markers[0][0] <= upto:
            off, n = markers.pop(0)
            if off > pos:
                out.append({"kind": "text", "text": text[pos:off]})
                pos = off
            out.append({"kind": "footnote", "text": str(n), "n": n})
        if upto > pos:
            out.append({"kind": "text", "text": text[pos:upto]})
            pos = upto

    for start, end, kind, link in kept:
        plain(start)
        out.append({"kind": kind, "text": text[start:end], "href": link})
        pos = end
    plain(len(text))
    return out


def _known(items: list[ImportedText]) -> set[str]:
    """The cited IRIs the live graph describes (their pages exist): one query."""
    iris = sorted({c.iri for item in items for p in item.parts for c in p.cites
                   if local_path(c.iri) is not None})
    if not iris:
        return set()
    values = " ".join(f"<{i}>" for i in iris)
    rows = service().queries.select(
        f"SELECT DISTINCT ?s WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?o }}")
    return {r["s"].value for r in rows}


def _view(item: ImportedText, known: set[str]) -> dict[str, Any]:
    beside, general = _warnings_by_part(item)
    general = [_for_the_page(w) for w in general]
    parts = []
    items = {p.iri for p in item.parts if p.kind == "item"}
    for p, warnings in zip(item.parts, beside, strict=True):
        warnings = [_for_the_page(w) for w in warnings]
        cites = [{"iri": c.iri, "label": c.symbol or c.iri.rsplit("/id/", 1)[-1],
                  "href": href(c.iri) if c.iri in known else None, "prop": c.prop}
                 for c in p.cites]
        parts.append({"part": p, "segments": segments(p, known), "warnings": warnings,
                      "cites": cites, "anchor": re.sub(r"\W+", "-", local_path(p.iri) or p.iri),
                      "sub": p.parent in items})  # a roman item under a lettered one
    counts = {k: count(item, k) for k in ("preamble", "operative", "item", "heading")}
    return {"item": item, "parts": parts, "general": general, "counts": counts,
            "page": href(item.iri), "anchor": re.sub(r"\W+", "-", item.symbol or item.name)}


def _page(req: ImportRequest | None, items: list[ImportedText],
          reports: dict[int, ValidationReport], *, error: WsisError | None = None
          ) -> dict[str, Any]:
    """What import.html shows: the form (with the text and the header to fix when one text was
    imported), each import's reading view and validation report, or the error."""
    known = _known([i for i in items if not i.error]) if items else set()
    single = items[0] if len(items) == 1 and not items[0].error else None
    text = req.pasted if req else ""
    if single is not None and req is not None and not text and req.inputs[0].text:
        text = req.inputs[0].text  # an uploaded text, to fix and re-import
    given = req.header if req else {}
    result = ({"symbol": single.symbol, "date": single.date or "", "title": single.title or "",
               "body": single.body or ""} if single else {})
    fields = {name: given.get(name, result.get(name, "")) for name in HEADER_FIELDS}
    # what the text itself says: a field the editor set keeps the value the text gave before
    found = {name: (req.found.get(name, "") if req and name in given else result[name])
             for name in HEADER_FIELDS} if single else {}
    return {"text": text, "fields": fields, "found": found, "bodies": BODIES,
            "validate": bool(req and req.validate), "error": error, "short": short,
            "several": len(items) > 1,
            "views": [(_view(item, known) if not item.error else {"item": item},
                       reports.get(i)) for i, item in enumerate(items)]}
