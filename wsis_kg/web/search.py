"""Full-text search for people and programs: ``GET /search`` and ``GET /suggest``.

``/search?q=…`` answers HTML (the results page), JSON (hits with highlighted snippets) or,
with ``format=values``, the hits' IRIs as a SPARQL ``VALUES ?hit { … }`` block: the documented
way to combine a text search with a SPARQL query (docs/web.md, "Search"). ``/suggest?q=…``
offers organisations, action lines and documents whose name has a word starting with what was
typed (the search box's suggestions, :file:`static/search.js`).

The index itself is a service (:mod:`wsis_kg.graph.search`), reached through the query service.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, render_template, request

from wsis_kg.errors import BadRequest, NotFound
from wsis_kg.graph.search import KINDS, Filters, SearchIndex, SearchResult
from wsis_kg.namespaces import BASE, PREFIXES
from wsis_kg.rdf.formats import HTML, SEARCH_FORMATS, choose
from wsis_kg.web.extension import service
from wsis_kg.web.public import href, local_path

bp = Blueprint("search", __name__)

#: Hits on one page of results; a JSON client may ask for up to ``MAX_LIMIT``.
PAGE_SIZE = 20
MAX_LIMIT = 100
#: Longest search text read (a search box, not a document).
MAX_QUERY_CHARS = 500
#: Suggestions offered while typing.
SUGGESTIONS = 8
#: query parameter → the :class:`Filters` field it sets
FILTER_PARAMS = {"document": "document", "action_line": "action_line",
                 "organisation": "organisation", "type": "type"}
#: The types offered as a filter on the page (any type IRI works in the parameter).
TYPE_CHOICES: tuple[tuple[str, str], ...] = tuple(
    (PREFIXES["wsis"] + local, label) for local, label in (
        ("Paragraph", "Paragraph"), ("OperativeParagraph", "Operative paragraph"),
        ("PreambularParagraph", "Preambular paragraph"), ("Item", "Lettered item"),
        ("Section", "Section"), ("TextBlock", "Text block"), ("TableRow", "Table row"),
        ("Footnote", "Footnote"), ("Document", "Document"), ("Resolution", "Resolution"),
        ("Organisation", "Organisation"), ("ActionLine", "Action line"),
        ("Target", "Target"), ("Event", "Event"), ("Initiative", "Initiative"),
        ("Facilitation", "Facilitation role")))


def _index() -> SearchIndex:
    search = service().queries.search
    if search is None:
        raise NotFound("Full-text search is off on this service (WSIS_KG_SEARCH=false).")
    return search.ready()


def _canonical(iri: str) -> str:
    """A filter IRI as the data has it (clients may use the public base)."""
    rest = local_path(iri)
    return iri if rest is None else BASE + rest


def _int(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"The parameter {name} must be a whole number, not {raw!r}.") from None
    if not low <= value <= high:
        raise BadRequest(f"The parameter {name} must be between {low} and {high}.")
    return value


def _filters() -> Filters:
    return Filters(**{field: _canonical(request.args[param]) for param, field in
                      FILTER_PARAMS.items() if request.args.get(param)})


def _url(iri: str) -> str:
    """Absolute URL of a resource's page on this service (JSON clients follow it)."""
    link = href(iri)
    return request.host_url.rstrip("/") + link if link.startswith("/") else link


@bp.get("/search")
def search() -> Any:
    fmt = choose(SEARCH_FORMATS, request.headers.get("Accept"), request.args.get("format"),
                 what="search results")
    text = request.args.get("q", "").strip()
    if len(text) > MAX_QUERY_CHARS:
        raise BadRequest(f"The search is longer than {MAX_QUERY_CHARS} characters: shorten it.")
    filters = _filters()
    if fmt is HTML:
        return _page(text, filters)
    if not text:
        raise BadRequest("Say what to search for: /search?q=words (\"a phrase\", prefix*).")
    limit = _int("limit", PAGE_SIZE, 1, MAX_LIMIT)
    offset = _int("offset", 0, 0, 10_000)
    result = _index().search(text, filters, limit=limit, offset=offset)
    if fmt.name == "values":
        body = "VALUES ?hit {\n" + "".join(f"  <{h.iri}>\n" for h in result.hits) + "}\n"
        return Response(body, content_type=f"{fmt.media_type}; charset=utf-8")
    return jsonify(_json(result, filters))


def _json(result: SearchResult, filters: Filters) -> dict[str, Any]:
    nxt = None
    if result.offset + result.limit < result.total:
        args = {**request.args.to_dict(), "offset": result.offset + result.limit}
        nxt = request.base_url + "?" + urlencode(args)
    return {"query": result.query, "total": result.total, "total_exact": result.exact,
            "offset": result.offset,
            "limit": result.limit,
            "filters": {k: v for k, v in vars(filters).items() if v},
            "results": [{**h.as_json(), "url": _url(h.iri)} for h in result.hits],
            "next": nxt}


def _page(text: str, filters: Filters) -> Any:
    """The results page; a search it cannot read is shown on the page with the reason (400),
    next to the form to correct it."""
    index = _index()
    page = _int("page", 1, 1, 500)
    result: SearchResult | None = None
    error: str | None = None
    status = 200
    if text:
        try:
            result = index.search(text, filters, limit=PAGE_SIZE,
                                  offset=(page - 1) * PAGE_SIZE)
        except BadRequest as e:
            error, status = e.detail, e.status

    def page_url(n: int) -> str:
        return request.path + "?" + urlencode({**request.args.to_dict(), "page": n})

    choices = {kind: index.options(kind) for kind in KINDS.values()}
    return render_template(
        "search.html", text=text, result=result, error=error, page=page,
        pages=(0 if result is None else -(-result.total // PAGE_SIZE)), page_url=page_url,
        filters=filters, documents=choices["document"], action_lines=choices["action line"],
        organisations=choices["organisation"], types=TYPE_CHOICES, href=href,
        json_url=request.path + "?" + urlencode({**request.args.to_dict(), "format": "json"}),
        values_url=request.path + "?" + urlencode({**request.args.to_dict(),
                                                   "format": "values"}),
    ), status


@bp.get("/suggest")
def suggest() -> Any:
    text = request.args.get("q", "").strip()[:100]
    found = _index().suggest(text, limit=SUGGESTIONS) if len(text) >= 2 else []
    return jsonify({"query": text, "suggestions": [
        {**s, "url": href(s["iri"])} for s in found]})
