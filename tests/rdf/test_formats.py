"""Content negotiation table and serialisation (all by werkzeug and pyoxigraph)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from wsis_kg.errors import NotAcceptable, ResultTooLarge
from wsis_kg.rdf import formats
from wsis_kg.rdf.formats import BOOLEAN, GRAPH, SOLUTIONS, negotiate

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


#: Values that look like JSON or XML structure, escapes, quotes, line breaks, non-ASCII.
_TRICKY = ['"a,{b"', '"[{"', '",{}"', '"x\\\\"', '"\\\\\\"{,\\""', '"},{\\"v\\":{"',
           '"<result></result>"', '"&lt;result>"', '"line\\nbreak,{\\r\\n"', '"é,{ü"',
           '<http://e/a,b>', '"1"^^<http://e/t,>', '"x"@en', '_:b1']


def _tricky_query(rows: int, seed: int) -> str:
    import random

    rnd = random.Random(seed)
    values = []
    for _ in range(rows):
        cells = [rnd.choice([*_TRICKY, "UNDEF", "UNDEF"]) for _ in range(3)]
        values.append("(" + " ".join(c if not c.startswith("_:") else "UNDEF" for c in cells)
                      + ")")
    return "SELECT ?a ?b ?c { VALUES (?a ?b ?c) { " + " ".join(values) + " } }"


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("chunk", [1, 3, 7, 64, 8192])
def test_json_and_xml_row_counters_are_exact_across_chunks(seed: int, chunk: int) -> None:
    rows = 1 + seed * 17
    store = ox.Store()
    q = _tricky_query(rows, seed)
    assert len(list(store.query(q))) == rows
    # ",{}" in a literal may look like an empty JSON solution: the JSON count is an upper
    # bound, exact without such literals; the XML count is exact.
    plain = q.replace('",{}"', '"x"')
    for fmt, counter, text in ((ox.QueryResultsFormat.JSON, formats._JsonRowBound, plain),
                               (ox.QueryResultsFormat.JSON, formats._JsonRowBound, q),
                               (ox.QueryResultsFormat.XML, formats._XmlRows, q)):
        body = store.query(text).serialize(format=fmt)
        c = counter()
        for i in range(0, len(body), chunk):
            c.feed(body[i:i + chunk])
        if text is plain or fmt == ox.QueryResultsFormat.XML:
            assert c.count == rows, (fmt, body[:300])
        else:
            assert c.count >= rows


def test_json_counter_counts_empty_rows_and_triple_terms() -> None:
    store = ox.Store()
    q = "SELECT ?x { VALUES ?x { UNDEF UNDEF UNDEF } }"
    c = formats._JsonRowBound()
    c.feed(store.query(q).serialize(format=ox.QueryResultsFormat.JSON))
    assert c.count == 3
    q2 = ('SELECT ?t { VALUES ?n { 1 2 } BIND(<<( <http://e/a> <http://e/p> "x,{" )>> AS ?t) }')
    c2 = formats._JsonRowBound()
    c2.feed(store.query(q2).serialize(format=ox.QueryResultsFormat.JSON))
    assert c2.count == 2


@pytest.mark.parametrize("again", [False, True], ids=["single-run", "may-run-again"])
@pytest.mark.parametrize("fmt", formats.RESULT_FORMATS, ids=lambda f: f.names[0])
def test_the_cap_is_exact_in_every_result_format(fmt, again: bool) -> None:
    store = ox.Store()
    for q in (_tricky_query(40, 3), _tricky_query(40, 3).replace('",{}"', '"x"'),
              "SELECT ?x { VALUES ?x { " + "UNDEF " * 40 + "} }"):
        runs: list[int] = []

        def rerun(q: str = q, runs: list[int] = runs):
            runs.append(1)
            return store.query(q)

        kw = {"again": rerun} if again else {}
        exact = formats.serialize_result(store.query(q), fmt, 40, **kw)
        assert exact == formats.serialize_result(store.query(q), fmt, None)  # same bytes
        with pytest.raises(ResultTooLarge):
            formats.serialize_result(store.query(q), fmt, 39, **kw)
        assert len(runs) <= 2


def test_a_json_answer_is_written_once_when_its_bound_is_under_the_cap() -> None:
    store = ox.Store()
    q = _tricky_query(30, 1).replace('",{}"', '"x"')
    runs: list[int] = []
    body = formats.serialize_result(store.query(q), formats.RESULT_FORMATS[0], 30,
                                    again=lambda: runs.append(1) or store.query(q))
    assert runs == [] and len(list(ox.parse_query_results(body,
                                                         ox.QueryResultsFormat.JSON))) == 30
