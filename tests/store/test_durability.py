"""Nothing lost: dump → restore round trips, backups, and acknowledged writes surviving SIGKILL.

The kill test runs a real ``wsis-kg serve --store DIR`` on 127.0.0.1 and kills its whole
process group at random moments while Graph Store writes and ``wsis-kg ingest`` run; after
each restart exactly the acknowledged writes are there, each whole. It kills
``WSIS_KG_DURABILITY_KILLS`` times (default 8 so CI stays fast; the full run documented in
docs/operations.md is ``WSIS_KG_DURABILITY_KILLS=50 pytest tests/store/test_durability.py``).
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import pytest
import requests
from click.testing import CliRunner, Result
from rdflib import Dataset, URIRef
from rdflib.compare import isomorphic
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from wsis_kg.cli import cli
from wsis_kg.graph.dump import canonical_nquads
from wsis_kg.namespaces import GRAPH_ONTOLOGY, GRAPH_SHAPES
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.validation.ingest import GRAPH_PROVENANCE

EX = "http://example.org/durability/"
EXE = Path(sys.executable).parent / "wsis-kg"
TOKEN = "dur4bility"
#: Extra data for the round trip: blank nodes shared inside and across graphs, the default
#: graph, literals with languages, datatypes and escapes.
EXTRA = f"""
<{EX}g1> {{ <{EX}a> <{EX}p> _:b1 . _:b1 <{EX}q> "x\\n\\"y\\""@en . _:b1 <{EX}r> _:b2 . }}
<{EX}g2> {{ _:b2 <{EX}q> "2"^^<http://www.w3.org/2001/XMLSchema#integer> . }}
{{ <{EX}d> <{EX}p> _:b3 . _:b3 <{EX}q> "default graph" . }}
"""


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def disk_store(path: Path, quads) -> None:
    st = OxigraphStore(path)
    st.ox.extend(quads)
    st.close()
    del st  # an on-disk store stays locked until the object is gone


def contents(path: Path) -> bytes:
    """The store's dataset as canonical N-Quads (blank nodes labelled canonically)."""
    st = OxigraphStore(path)
    try:
        return canonical_nquads(st)
    finally:
        st.close()
        del st


def assert_isomorphic(a: Path, b: Path) -> None:
    """The same dataset, blank nodes included: equal canonical N-Quads (Oxigraph's RDF
    canonicalisation), and, as an independent check, rdflib's isomorphism graph by graph for
    the graphs of :data:`EXTRA` (rdflib would take seconds over the whole graph)."""
    assert contents(a) == contents(b)
    da, db = extra_graphs(a), extra_graphs(b)
    for name in (URIRef(EX + "g1"), URIRef(EX + "g2"), DATASET_DEFAULT_GRAPH_ID):
        ga, gb = da.graph(name), db.graph(name)
        assert len(ga) and isomorphic(ga, gb), name


def extra_graphs(path: Path) -> Dataset:
    """The graphs of :data:`EXTRA` in ``path``, as an rdflib Dataset."""
    st = OxigraphStore(path)
    graphs = (ox.NamedNode(EX + "g1"), ox.NamedNode(EX + "g2"), ox.DefaultGraph())
    quads = [q for g in graphs for q in st.ox.quads_for_pattern(None, None, None, g)]
    st.close()
    del st
    ds = Dataset()
    ds.parse(data=ox.serialize(quads, format=ox.RdfFormat.N_QUADS).decode(), format="nquads")
    return ds


@pytest.fixture(scope="module")
def original(tmp_path_factory, built_store: OxigraphStore) -> Path:
    """An on-disk store with the ontology and shapes graphs (OWL and SHACL blank nodes) plus
    :data:`EXTRA`; the whole graph goes through the round trip in the server test below."""
    path = tmp_path_factory.mktemp("original") / "store"
    extra = list(ox.parse(EXTRA.encode(), format=ox.RdfFormat.TRIG))
    disk_store(path, [*built_store.quads(str(GRAPH_ONTOLOGY)),
                      *built_store.quads(str(GRAPH_SHAPES)), *extra])
    return path


@pytest.mark.parametrize("fmt,ext", [("nquads", "nq"), ("trig", "trig")])
def test_dump_then_restore_gives_an_isomorphic_dataset(original: Path, tmp_path: Path,
                                                       fmt: str, ext: str) -> None:
    dump = tmp_path / f"wsis-kg.{ext}"
    r = run("dump", "--store", str(original), "--format", fmt, "-o", str(dump))
    assert r.exit_code == 0, r.output
    target = tmp_path / "restored"
    r = run("restore", str(dump), "--store", str(target))
    assert r.exit_code == 0, r.output
    assert "restored " in r.output and " named graphs into " in r.output
    assert_isomorphic(original, target)


def test_restore_refuses_a_non_empty_store_unless_replace(original: Path,
                                                          tmp_path: Path) -> None:
    dump = tmp_path / "wsis-kg.nq"
    assert run("dump", "--store", str(original), "-o", str(dump)).exit_code == 0
    target = tmp_path / "target"
    old = [ox.Quad(ox.NamedNode(EX + "old"), ox.NamedNode(EX + "p"), ox.Literal("kept"),
                   ox.NamedNode(EX + "old-graph"))]
    disk_store(target, old)
    before = contents(target)
    r = run("restore", str(dump), "--store", str(target))
    assert r.exit_code == 1
    assert "already holds 1 quads" in r.output and "--replace" in r.output
    assert contents(target) == before
    r = run("restore", str(dump), "--store", str(target), "--replace")
    assert r.exit_code == 0, r.output
    assert "replacing 1 quads" in r.output
    assert_isomorphic(original, target)  # the old quad is gone, the dump is all there


@pytest.mark.parametrize("replace", [False, True])
def test_a_truncated_dump_leaves_the_store_untouched(original: Path, tmp_path: Path,
                                                     replace: bool) -> None:
    dump = tmp_path / "wsis-kg.nq"
    assert run("dump", "--store", str(original), "-o", str(dump)).exit_code == 0
    data = dump.read_bytes()
    cut = len(data) // 2
    cut = data.index(b'"', cut) + 3  # inside a literal: the line cannot be complete
    truncated = tmp_path / "truncated.nq"
    truncated.write_bytes(data[:cut])
    line = data[:cut].count(b"\n") + 1
    target = tmp_path / "target"
    if replace:
        disk_store(target, list(ox.parse(EXTRA.encode(), format=ox.RdfFormat.TRIG)))
    before = contents(target) if replace else b""
    args = ["restore", str(truncated), "--store", str(target)]
    r = run(*args, *(["--replace"] if replace else []))
    assert r.exit_code == 2, r.output
    assert f"truncated.nq:{line}:" in r.output  # file:line:column of the damage
    if replace:
        assert contents(target) == before
    else:
        assert not target.exists() or contents(target) == b""


def test_restore_refuses_a_dump_without_named_graphs(original: Path, tmp_path: Path) -> None:
    dump = tmp_path / "wsis-kg.ttl"
    assert run("dump", "--store", str(original), "--format", "turtle",
               "-o", str(dump)).exit_code == 0
    r = run("restore", str(dump), "--store", str(tmp_path / "target"))
    assert r.exit_code == 2 and "keeps the named graphs" in r.output
    assert not (tmp_path / "target").exists()


def test_backup_of_a_stopped_store_opens_and_equals_it(original: Path, tmp_path: Path) -> None:
    r = run("backup", "--store", str(original), "--to", str(tmp_path / "bk"))
    assert r.exit_code == 0, r.output
    assert contents(tmp_path / "bk") == contents(original)
    r = run("backup", "--store", str(original), "--to", str(tmp_path / "bk"))
    assert r.exit_code == 2 and "exists" in r.output
