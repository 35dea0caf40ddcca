"""Domain pages: what a person reads about an organisation, an action line, a document, a
paragraph, an event, a target or a named graph, instead of a list of statements.

:func:`resource_page` is the generic view (``web.view``) plus, when the resource is one of those
kinds (read from its ``rdf:type`` in the graph, inferred types included), the domain part the
page template puts first; everything else keeps the generic view. Every read goes through the
query service.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wsis_kg.namespaces import BASE
from wsis_kg.web.view import resource_view
from wsis_kg.web.views.action_lines import action_line_view, scheme_view, target_view
from wsis_kg.web.views.agents import organisation_view
from wsis_kg.web.views.common import WSIS
from wsis_kg.web.views.documents import document_view, part_view
from wsis_kg.web.views.events import event_view
from wsis_kg.web.views.graphs import graph_view

#: class → domain view, most specific first (a resolution is a document, not a part)
VIEWS: list[tuple[str, Callable[[str], dict[str, Any] | None]]] = [
    (WSIS + "ActionLineScheme", scheme_view),
    (WSIS + "ActionLine", action_line_view),
    (WSIS + "Target", target_view),
    (WSIS + "Document", document_view),
    (WSIS + "DocumentPart", part_view),
    (WSIS + "Organisation", organisation_view),
    (WSIS + "Event", event_view),
]


def domain_view(iri: str, types: set[str]) -> dict[str, Any] | None:
    if iri.startswith(BASE + "graph/"):
        return graph_view(iri)
    for cls, view in VIEWS:
        if cls in types:
            return view(iri)
    return None


def resource_page(iri: str) -> dict[str, Any]:
    """The template context of a resource's HTML page."""
    ctx = resource_view(iri)
    domain = domain_view(iri, set(ctx["type_iris"]))
    ctx["domain"] = domain
    if domain is not None:
        clash = set(domain) & set(ctx)
        assert not clash, f"domain view keys shadow the generic view's: {clash}"
        ctx.update(domain)  # the domain templates read their keys as plain names
        if domain["shows_text"]:  # the text is on the page once, in the domain part
            ctx["quotes"] = []
            ctx["props"] = [(p, v) for p, v in ctx["props"] if p.curie != "wsis:text"]
    return ctx
