"""Content negotiation table and serialisation (all by werkzeug and pyoxigraph)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from wsis_kg import formats
from wsis_kg.errors import NotAcceptable, ResultTooLarge
from wsis_kg.formats import BOOLEAN, GRAPH, SOLUTIONS, negotiate

JSON, XML = "application/sparql-results+json", "application/sparql-results+xml"
CSV, TSV = "text/csv", "text/tab-separated-values"


@pytest.mark.parametrize(("kind", "accept", "fmt", "expected"), [
    (SOLUTIONS, None, None, JSON),
    (SOLUTIONS, "*/*", None, JSON),
    (SOLUTIONS, XML, None, XML),
    (SOLUTIONS, "application/xml", None, XML),
    (SOLUTIONS, "application/json", None, JSON),
    (SOLUTIONS, "text/csv;q=0.5, text/tab-separated-values", None, TSV),
    (SOLUTIONS, "text/*", None, CSV),
    (SOLUTIONS, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", None, XML),
    (SOLUTIONS, XML, "csv", CSV),  # the format parameter wins
    (SOLUTIONS, None, "text/tab-separated-values", TSV),
    (BOOLEAN, None, None, JSON),
    (BOOLEAN, XML, None, XML),
    (GRAPH, None, None, "text/turtle"),
    (GRAPH, "*/*", None, "text/turtle"),
    (GRAPH, "application/n-triples", None, "application/n-triples"),
    (GRAPH, "application/ld+json", None, "application/ld+json"),
    (GRAPH, "application/json", None, "application/ld+json"),
    (GRAPH, "application/rdf+xml", None, "application/rdf+xml"),
    (GRAPH, "application/xml", None, "application/rdf+xml"),
    (GRAPH, "application/trig", None, "application/trig"),
    (GRAPH, "application/n-quads", None, "application/n-quads"),
    (GRAPH, None, "json", "application/ld+json"),
    (GRAPH, None, "xml", "application/rdf+xml"),
    (GRAPH, None, "nt", "application/n-triples"),
])
def test_negotiation_table(kind, accept, fmt, expected) -> None:
    assert negotiate(kind, accept, fmt).media_type == expected


@pytest.mark.parametrize(("kind", "accept", "fmt"), [
    (SOLUTIONS, "text/turtle", None),
    (GRAPH, JSON, None),
    (BOOLEAN, "image/png", None),
    (SOLUTIONS, None, "turtle"),
])
def test_not_acceptable(kind, accept, fmt) -> None:
    with pytest.raises(NotAcceptable) as err:
        negotiate(kind, accept, fmt)
    assert err.value.status == 406 and err.value.extensions["available"]


def _solutions():
    return ox.Store().query(
        'SELECT ?x ?l { VALUES (?x ?l) { (<http://e/a> "a\\tb"@en) (<http://e/b> UNDEF) } }')


@pytest.mark.parametrize("fmt", formats.RESULT_FORMATS, ids=lambda f: f.names[0])
def test_solutions_round_trip(fmt) -> None:
    body = formats.serialize_result(_solutions(), fmt, limit=10)
    if fmt.ox_format == ox.QueryResultsFormat.CSV:
        assert body.startswith(b"x,l\r\nhttp://e/a,")
        return
    parsed = list(ox.parse_query_results(body, fmt.ox_format))
    assert parsed[0]["l"] == ox.Literal("a\tb", language="en") and parsed[1]["l"] is None


@pytest.mark.parametrize("fmt", formats.GRAPH_FORMATS, ids=lambda f: f.names[0])
def test_graphs_round_trip(fmt) -> None:
    res = ox.Store().query('CONSTRUCT { <http://e/a> <http://e/p> "x", _:b } WHERE {}')
    body = formats.serialize_result(res, fmt, limit=10)
    triples = list(ox.parse(body, fmt.ox_format))
    assert len(triples) == 2


def test_cap_counts_rows_not_bytes() -> None:
    q = "SELECT ?i { VALUES ?i { 1 2 3 } }"
    assert formats.serialize_result(ox.Store().query(q), formats.RESULT_FORMATS[0], 3)
    with pytest.raises(ResultTooLarge):
        formats.serialize_result(ox.Store().query(q), formats.RESULT_FORMATS[0], 2)
    # a literal with an escaped newline is still one row
    q2 = 'SELECT ?l { VALUES ?l { "a\\nb\\nc" } }'
    assert formats.serialize_result(ox.Store().query(q2), formats.RESULT_FORMATS[3], 1)


def test_content_type_has_charset_for_text() -> None:
    assert negotiate(SOLUTIONS, CSV).content_type == "text/csv; charset=utf-8"
    assert negotiate(GRAPH, "text/turtle").content_type == "text/turtle; charset=utf-8"
