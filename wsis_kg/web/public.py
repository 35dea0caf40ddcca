"""The public base: IRIs as clients see them when the service runs behind another host name.

An IRI ``<public base>X`` is answered at ``<service root>/X`` (``Settings.public_base``), so one
build serves behind any host name. The data always uses the canonical base
(``https://w3id.org/wsis-kg/``); when the public base differs, IRIs are rewritten on the fly in
what is served (RDF descriptions, dumps, VoID, HTML links), never in the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pyoxigraph as ox
from flask import request

from wsis_kg.namespaces import BASE, PREFIXES
from wsis_kg.rdf.formats import Format, serialize_triples
from wsis_kg.web.extension import service


def public_base() -> str:
    base = service().settings.public_base or BASE
    return base if base.endswith(("/", "#")) else base + "/"


def to_public_iri(iri: str) -> str:
    """Canonical IRI → the IRI clients see under the configured public base."""
    pb = public_base()
    if pb != BASE and iri.startswith(BASE):
        return pb + iri[len(BASE):]
    return iri


def local_path(iri: str) -> str | None:
    """The path below the service root that answers ``iri`` (canonical or public), or None."""
    for base in {BASE, public_base()}:
        if iri.startswith(base):
            return iri[len(base):]
    return None


def href(iri: str) -> str:
    """Link target for an IRI in HTML: minted IRIs link into this service, others stay."""
    rest = local_path(iri)
    if rest is None:
        return iri
    return f"{request.script_root}/{rest}"


def rewrite_term(term: Any) -> Any:
    if isinstance(term, ox.NamedNode) and term.value.startswith(BASE):
        return ox.NamedNode(to_public_iri(term.value))
    if isinstance(term, ox.Triple):
        return ox.Triple(*(rewrite_term(t) for t in (term.subject, term.predicate, term.object)))
    return term


def rewrite(items: Iterable[Any]) -> Iterator[Any]:
    """Rewrite triples or quads to the public base (no-op when it is the canonical base)."""
    if public_base() == BASE:
        yield from items
        return
    for it in items:
        if isinstance(it, ox.Quad):
            yield ox.Quad(rewrite_term(it.subject), rewrite_term(it.predicate),
                          rewrite_term(it.object), rewrite_term(it.graph_name))
        else:
            yield rewrite_term(it)


def public_prefixes() -> dict[str, str]:
    return {p: to_public_iri(iri) for p, iri in PREFIXES.items()}


def serialize(triples: Iterable[Any], fmt: Format) -> bytes:
    """The project's serialisation, with IRIs and prefixes under the public base."""
    return serialize_triples(rewrite(triples), fmt, public_prefixes())
