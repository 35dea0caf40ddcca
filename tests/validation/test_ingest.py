"""Validated, atomic writes with provenance (the engine of wsis-kg ingest and the Graph Store)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from wsis_kg.errors import ValidationFailed
from wsis_kg.graph.build import build
from wsis_kg.rdf.parse import parse_file
from wsis_kg.settings import Settings
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.validation.ingest import (
    GRAPH_PROVENANCE,
    agent_iri,
    delete_graph,
    ingest_graph_iri,
    write_graph,
    write_update,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "validate"
INPUTS = FIXTURES / "inputs"
ID = "https://w3id.org/wsis-kg/id/"


@pytest.fixture()
def vsettings() -> Settings:
    return Settings(project_root=FIXTURES / "project", build_on_start=False,
                    tokens={"tok": "editor"})


@pytest.fixture()
def vstore(vsettings: Settings) -> OxigraphStore:
    store = OxigraphStore()
    build(vsettings, store, check_shapes=False)
    return store


def snapshot(store: OxigraphStore) -> set:
    return set(store.ox.quads_for_pattern(None, None, None, None))


def ask(store, q: str) -> bool:
    return bool(store.query("PREFIX prov: <http://www.w3.org/ns/prov#> "
                            "PREFIX dcterms: <http://purl.org/dc/terms/> " + q))


def test_ingest_graph_iri_has_time_and_content_hash() -> None:
    iri = ingest_graph_iri(b"data", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert iri == "https://w3id.org/wsis-kg/graph/ingest/20260102T030405Z-3a6eb0790f39"
    assert ingest_graph_iri(b"other") != ingest_graph_iri(b"data")


def test_conforming_data_is_written_with_provenance(vsettings, vstore) -> None:
    graph = ingest_graph_iri(b"good")
    quads = parse_file(INPUTS / "good.ttl").quads
    result = write_graph(vstore, vsettings, quads, graph=graph, mode="replace",
                         principal="editor", source="good.ttl")
    assert (result.created, result.triples, result.report.conforms) == (True, 8, True)
    assert len(list(vstore.quads(graph))) == 8
    # answerable by SPARQL at once (the union default graph)
    assert ask(vstore, f"ASK {{ <{ID}resolution/E-RES-2010-3> ?p ?o }}")
    assert ask(vstore, f"""ASK {{ GRAPH <{GRAPH_PROVENANCE}> {{
        <{graph}> a prov:Entity ; prov:generatedAtTime ?t ;
                  prov:wasAttributedTo <{agent_iri('editor')}> ; dcterms:source "good.ttl" .
        <{agent_iri('editor')}> a prov:Agent . }} }}""")


def test_violations_leave_the_store_exactly_as_it_was(vsettings, vstore) -> None:
    before = snapshot(vstore)
    with pytest.raises(ValidationFailed) as e:
        write_graph(vstore, vsettings, parse_file(INPUTS / "bad.ttl").quads,
                    graph=ingest_graph_iri(b"bad"), mode="replace", principal="editor",
                    source="bad.ttl")
    assert e.value.status == 422 and e.value.report.violations == 5
    assert snapshot(vstore) == before


def test_replace_append_and_delete(vsettings, vstore) -> None:
    g = "https://example.org/graph/one"
    quads = parse_file(INPUTS / "good.ttl").quads
    write_graph(vstore, vsettings, quads, graph=g, mode="replace", principal="a", source="x")
    again = write_graph(vstore, vsettings, quads, graph=g, mode="replace", principal="a",
                        source="x")
    assert not again.created and len(list(vstore.quads(g))) == 8
    more = parse_file(INPUTS / "cites-new.ttl").quads
    write_graph(vstore, vsettings, more, graph=g, mode="append", principal="b", source="y")
    assert len(list(vstore.quads(g))) == 8 + len(more)
    assert ask(vstore, f"ASK {{ GRAPH <{GRAPH_PROVENANCE}> {{ <{g}> dcterms:modified ?m }} }}")
    assert delete_graph(vstore, g)
    assert g not in vstore.named_graphs()
    assert not ask(vstore, f"ASK {{ GRAPH <{GRAPH_PROVENANCE}> {{ <{g}> ?p ?o }} }}")
    assert not delete_graph(vstore, g)


def test_writes_go_through_the_writer(vsettings, vstore) -> None:
    calls = []

    def writer(fn):
        calls.append(fn)
        return fn(vstore)

    write_graph(vstore, vsettings, parse_file(INPUTS / "good.ttl").quads, graph=None,
                mode="append", principal="a", source="x", writer=writer)
    delete_graph(vstore, None, writer=writer)
    assert len(calls) == 2


def test_one_update_request_per_write() -> None:
    quads = parse_file(INPUTS / "good.ttl").quads
    text = write_update(quads, graph="https://example.org/g", mode="replace", principal="p",
                        source="s", created=True)
    assert text.count("INSERT DATA") == 1 and text.startswith("DROP SILENT GRAPH")
    assert re.search(r"generatedAtTime> \"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\"\^\^", text)
