"""Whether two engines gave the same answer: one fingerprint for every comparison.

The benchmark checks every query on every engine against the reference before timing it, and
the remote-store tests check the catalogue on ``oxigraph serve`` and Virtuoso against the
embedded store; all of them compare :func:`answer_key` values, so "same answer" means one
thing everywhere.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from wsis_kg.sparql.lexer import concatenated_columns
from wsis_kg.store.remote import parse_response

#: What the comparisons ask a SPARQL endpoint for: results in JSON, graphs in N-Triples.
ACCEPT_ANY = "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8"


def answer_key(result: Any, sparql: str | None = None) -> list[str]:
    """An order-free fingerprint of a query answer, to compare two stores or servers.

    Graphs are compared after canonical blank-node labelling; in solutions every blank node
    counts as the same value (labels are local to one answer). Given the query, a column it
    binds to a ``GROUP_CONCAT`` counts as the multiset of the values joined (their order is
    left to the engine: :func:`~wsis_kg.sparql.lexer.concatenated_columns`).
    """
    if isinstance(result, ox.QueryBoolean):
        return [str(bool(result))]
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        joined = concatenated_columns(sparql) if sparql else {}

        def term(t: Any, name: str) -> str:
            if t is None:
                return ""
            if isinstance(t, ox.BlankNode):
                return "_:b"
            separator = joined.get(name)
            if separator and isinstance(t, ox.Literal):
                value = separator.join(sorted(t.value.split(separator)))
                t = (ox.Literal(value, language=t.language) if t.language
                     else ox.Literal(value, datatype=t.datatype))
            return str(t)

        return sorted("\t".join(term(row[v], v) for v in names) for row in result)
    ds = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in result)
    ds.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return sorted(str(q) for q in ds)


def response_key(body: bytes, content_type: str, sparql: str | None = None) -> list[str]:
    """:func:`answer_key` of an HTTP answer (SPARQL results or RDF, by its media type) to
    ``sparql``."""
    return answer_key(parse_response(body, content_type), sparql)


def endpoint_answer_key(client: Any, sparql: str, path: str = "/sparql") -> list[str]:
    """:func:`answer_key` of the web app's answer to ``sparql`` (GET ``path`` on a Flask test
    client): how the tests compare a service on one store with a service on another.

    Fails (AssertionError) on any status but 200, with the answer's text."""
    r = client.get(path, query_string={"query": sparql}, headers={"Accept": ACCEPT_ANY})
    assert r.status_code == 200, (r.status_code, r.get_data(as_text=True)[:500])
    return response_key(r.data, r.headers["Content-Type"], sparql)
