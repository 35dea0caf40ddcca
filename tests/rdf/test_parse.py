"""Reading user RDF: every syntax by extension, name or media type; errors say file:line:column."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib.compare import isomorphic

from wsis_kg.errors import InputSyntaxError, UnsupportedMediaType
from wsis_kg.rdf.parse import (
    format_from_media_type,
    format_from_name,
    format_from_path,
    parse_bytes,
    parse_file,
    to_ox_term,
    to_rdflib_term,
)

INPUTS = Path(__file__).parents[1] / "fixtures" / "validate" / "inputs"


@pytest.mark.parametrize("name", ["good.ttl", "good.trig", "good.nt", "good.nq", "good.jsonld",
                                  "good.rdf"])
def test_every_syntax_by_extension_gives_the_same_graph(name: str) -> None:
    reference = parse_file(INPUTS / "good.ttl").graph()
    parsed = parse_file(INPUTS / name)
    assert len(parsed.quads) == 8
    assert isomorphic(parsed.graph(), reference)


def test_explicit_format_overrides_the_extension(tmp_path: Path) -> None:
    odd = tmp_path / "resolution.data"
    odd.write_bytes((INPUTS / "good.nt").read_bytes())
    with pytest.raises(UnsupportedMediaType):
        parse_file(odd)
    assert len(parse_file(odd, format_from_name("ntriples")).quads) == 8


@pytest.mark.parametrize("name,fmt", [
    ("turtle", ox.RdfFormat.TURTLE), ("TriG", ox.RdfFormat.TRIG), ("nt", ox.RdfFormat.N_TRIPLES),
    ("n-quads", ox.RdfFormat.N_QUADS), ("json-ld", ox.RdfFormat.JSON_LD),
    ("rdfxml", ox.RdfFormat.RDF_XML), ("text/turtle", ox.RdfFormat.TURTLE),
])
def test_format_names(name: str, fmt: ox.RdfFormat) -> None:
    assert format_from_name(name) == fmt


@pytest.mark.parametrize("media_type,fmt", [
    ("text/turtle; charset=utf-8", ox.RdfFormat.TURTLE),
    ("application/ld+json", ox.RdfFormat.JSON_LD),
    ("application/json", ox.RdfFormat.JSON_LD),
    ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/n-quads", ox.RdfFormat.N_QUADS),
    ("application/trig", ox.RdfFormat.TRIG),
])
def test_media_types(media_type: str, fmt: ox.RdfFormat) -> None:
    assert format_from_media_type(media_type) == fmt


@pytest.mark.parametrize("bad", ["text/csv", "", "text/n3"])
def test_unknown_media_type_is_415(bad: str) -> None:
    with pytest.raises(UnsupportedMediaType) as e:
        format_from_media_type(bad)
    assert e.value.status == 415


def test_unknown_name_and_extension() -> None:
    with pytest.raises(UnsupportedMediaType):
        format_from_name("excel")
    with pytest.raises(UnsupportedMediaType) as e:
        format_from_path("notes.docx")
    assert e.value.exit_code == 2 and "--input-format" in e.value.detail


@pytest.mark.parametrize("name,line,column", [
    ("syntax-error.ttl", 6, 3),
    ("syntax-error.rdf", 6, 5),
    ("syntax-error.jsonld", 3, 46),
    ("syntax-error.nt", 3, 1),
])
def test_syntax_errors_say_file_line_and_column(name: str, line: int, column: int) -> None:
    with pytest.raises(InputSyntaxError) as e:
        parse_file(INPUTS / name)
    err = e.value
    assert (err.line, err.column) == (line, column)
    assert err.detail.startswith(f"{INPUTS / name}:{line}:{column}: ")
    assert err.status == 400 and err.exit_code == 2
    problem = err.to_problem()
    assert problem["line"] == line and problem["column"] == column


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputSyntaxError) as e:
        parse_file(tmp_path / "nope.ttl")
    assert "cannot read" in e.value.detail


def test_relative_iris_resolve_against_the_base() -> None:
    parsed = parse_bytes(b"<a> <b> <c> .", ox.RdfFormat.TURTLE, base_iri="https://example.org/")
    assert parsed.quads[0].subject == ox.NamedNode("https://example.org/a")


def test_prefixes_are_kept_and_blank_nodes_renamed() -> None:
    data = b"@prefix ex: <https://example.org/> . _:b ex:p ex:o ."
    one = parse_bytes(data, ox.RdfFormat.TURTLE)
    two = parse_bytes(data, ox.RdfFormat.TURTLE)
    assert one.prefixes == {"ex": "https://example.org/"}
    assert one.quads[0].subject != two.quads[0].subject  # safe to merge


@pytest.mark.parametrize("term", [
    ox.NamedNode("https://example.org/x"), ox.Literal("plain"), ox.Literal("hi", language="en"),
    ox.Literal("3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
])
def test_terms_round_trip_between_libraries(term) -> None:
    assert to_ox_term(to_rdflib_term(term)) == term


def test_triple_terms_are_refused_clearly() -> None:
    data = b"<http://a> <http://b> <<( <http://a> <http://b> <http://c> )>> ."
    with pytest.raises(InputSyntaxError) as e:
        parse_bytes(data, ox.RdfFormat.TURTLE, source="star.ttl")
    assert "not supported" in e.value.detail


def test_rdflib_parses_hold_the_one_lock() -> None:
    """rdflib is not thread-safe: the RDF/XML error position (asked of rdflib) waits for
    :data:`RDFLIB_LOCK`, the lock every rdflib parse in a serving process takes."""
    import threading

    from wsis_kg.rdf.parse import RDFLIB_LOCK

    done: list[InputSyntaxError] = []

    def parse_bad_xml() -> None:
        try:
            parse_bytes(b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>\n"
                        b"<oops>\n</rdf:RDF>", ox.RdfFormat.RDF_XML, source="x.rdf")
        except InputSyntaxError as e:
            done.append(e)

    with RDFLIB_LOCK:
        worker = threading.Thread(target=parse_bad_xml)
        worker.start()
        worker.join(0.5)
        assert worker.is_alive() and not done  # waiting for the lock
    worker.join(10)
    assert done and done[0].line is not None


@pytest.mark.parametrize("media_type,filename,want", [
    ("text/plain", "data.ttl", ox.RdfFormat.TURTLE),  # generic type: the extension decides
    ("application/octet-stream", "data.rdf", ox.RdfFormat.RDF_XML),
    ("", "data.nq", ox.RdfFormat.N_QUADS),
    ("application/ld+json", "data.ttl", ox.RdfFormat.JSON_LD),  # an RDF media type wins
    ("text/plain", "data.txt", ox.RdfFormat.N_TRIPLES),  # text/plain is N-Triples' alias
    ("text/plain", None, ox.RdfFormat.N_TRIPLES),
])
def test_the_one_rule_for_uploads(media_type, filename, want) -> None:
    from wsis_kg.rdf.parse import format_of_upload

    assert format_of_upload(media_type, filename) == want
    assert format_of_upload(media_type, filename, name="trig") == ox.RdfFormat.TRIG
    with pytest.raises(UnsupportedMediaType):
        format_of_upload("application/octet-stream", "data.bin")
