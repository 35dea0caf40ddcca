"""Evaluating one SPARQL query and serialising its answer: no limits of time here.

This is what runs inside a query process (:mod:`wsis_kg.sparql.pool`), and in the request
thread for a remote store and the CLI. The caller enforces the time limit; the result cap is
applied while serialising, so an answer over it is refused, never truncated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from wsis_kg.errors import QuerySyntaxError, StoreError, UnknownFunction, WsisError
from wsis_kg.namespaces import PREFIXES, sparql_prologue
from wsis_kg.rdf import formats
from wsis_kg.store.embedded import GraphStore, OxigraphStore, dataset_kwargs

_ERROR_AT = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.DOTALL)
#: pyoxigraph's message for a call of a function it does not know (a client error).
_UNKNOWN_FUNCTION = re.compile(r"custom function (<[^>]*>|\S+) is not supported")


@dataclass(frozen=True)
class QueryRequest:
    """One SPARQL query as the protocol delivers it (picklable: it crosses the pipe)."""

    sparql: str
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    base_iri: str | None = None
    accept: str | None = None
    format: str | None = None
    #: Let the query use the project prefixes (``wsis:``, ``wsisid:`` …) without declaring them.
    project_prefixes: bool = False
    #: Without a dataset in the request or the query, the default graph is the union of all
    #: graphs (the endpoint's rule); False: the store's own default graph (Graph Store GET).
    union_default_graph: bool = True


@dataclass(frozen=True)
class QueryResult:
    """A fully serialised answer: never a partial body."""

    body: bytes
    format: formats.Format
    kind: str

    @property
    def content_type(self) -> str:
        return self.format.content_type


# --------------------------------------------------------------------------------------------
# Evaluation (runs inside a worker, or in-process for remote stores and the CLI)
# --------------------------------------------------------------------------------------------

def syntax_error(e: SyntaxError, what: str = "query") -> QuerySyntaxError:
    """pyoxigraph's parser message ("error at L:C: …") → our error with line and column."""
    msg = str(e)
    m = _ERROR_AT.match(msg)
    if m:
        line, col, rest = int(m.group(1)), int(m.group(2)), m.group(3)
        return QuerySyntaxError(f"SPARQL {what} syntax error at line {line}, column {col}: "
                                f"{rest}", line=line, column=col)
    return QuerySyntaxError(f"SPARQL {what} syntax error: {msg}")


def kind_of(result: Any) -> str:
    """Which family of formats can carry ``result`` (what negotiation chooses among)."""
    if isinstance(result, ox.QueryBoolean):
        return formats.BOOLEAN
    if isinstance(result, ox.QuerySolutions):
        return formats.SOLUTIONS
    return formats.GRAPH


def execute(store: GraphStore | ox.Store, req: QueryRequest) -> Any:
    """Run ``req`` on ``store``: pyoxigraph's unserialised answer, or a WsisError.

    An embedded store is queried through pyoxigraph directly, under the project's dataset rules
    (:func:`ox_query`); any other store through :meth:`GraphStore.query`.
    """
    if isinstance(store, OxigraphStore):
        store = store.ox
    try:
        if isinstance(store, ox.Store):
            return ox_query(store, req)
        text = req.sparql
        if req.project_prefixes:
            text = sparql_prologue() + text
        return store.query(text, default_graph_uris=list(req.default_graph_uris),
                           named_graph_uris=list(req.named_graph_uris), base_iri=req.base_iri)
    except SyntaxError as e:
        raise syntax_error(e) from None
    except WsisError:
        raise
    except (OSError, RuntimeError) as e:  # evaluation failures (e.g. SERVICE)
        raise evaluation_error(e) from None


def evaluation_error(e: Exception) -> WsisError:
    """A failure while running: the caller's (422: a function the engine does not know) or
    the store's (502)."""
    m = _UNKNOWN_FUNCTION.search(str(e))
    if m:
        return UnknownFunction(
            f"The query calls the function {m.group(1)}, which this endpoint does not know (only "
            "the SPARQL 1.1 built-in functions and XSD casts are available).",
            function=m.group(1).strip("<>"))
    return StoreError(f"The query failed while running: {e}")


def evaluate(store: GraphStore | ox.Store, req: QueryRequest, limit: int | None) -> QueryResult:
    """Run ``req`` on ``store`` and serialise the answer (caller enforces time limits)."""
    result = execute(store, req)
    embedded = isinstance(store, (OxigraphStore, ox.Store))
    kind = kind_of(result)
    fmt = formats.negotiate(kind, req.accept, req.format)
    try:
        # A JSON answer whose row bound passes the cap is counted exactly on a second run:
        # only with the embedded store (a remote store is not asked twice).
        again = (lambda: execute(store, req)) if embedded else None
        body = formats.serialize_result(result, fmt, limit, again)
    except WsisError:
        raise
    except (OSError, ValueError, RuntimeError) as e:
        raise evaluation_error(e) from None
    return QueryResult(body, fmt, kind)


def ox_query(store: ox.Store, req: QueryRequest) -> Any:
    """``req`` on a pyoxigraph store under the project's dataset rules, unserialised (the CLI
    prints tables from it)."""
    kwargs = dataset_kwargs(req.sparql, req.default_graph_uris, req.named_graph_uris,
                            req.base_iri, union_default_graph=req.union_default_graph)
    if req.project_prefixes:
        kwargs["prefixes"] = PREFIXES
    return store.query(req.sparql, **kwargs)
