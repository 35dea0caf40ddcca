"""Nothing lost: dump → restore round trips, backups, and acknowledged writes surviving SIGKILL.

The kill test runs a real ``wsis-kg serve --store DIR`` on 127.0.0.1 and kills its whole
process group at random moments while Graph Store writes and ``wsis-kg ingest`` run; after
each restart exactly the acknowledged writes are there, each whole. It kills
``WSIS_KG_DURABILITY_KILLS`` times (default 8 so CI stays fast; the full run documented in
docs/operations.md is ``WSIS_KG_DURABILITY_KILLS=50 pytest tests/store/test_durability.py``).
"""

from __future__ import annotations

import contextlib
import itertools
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

#: Heavier than the everyday loop allows (`pytest -m "not slow"` stays under a minute).
pytestmark = pytest.mark.slow

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


@pytest.mark.filterwarnings("ignore:Dataset.default_context:DeprecationWarning")  # rdflib's own
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


@pytest.mark.filterwarnings("ignore:Dataset.default_context:DeprecationWarning")
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


def test_restore_refuses_a_directory_that_is_not_a_store(original: Path,
                                                         tmp_path: Path) -> None:
    dump = tmp_path / "wsis-kg.nq"
    assert run("dump", "--store", str(original), "-o", str(dump)).exit_code == 0
    home = tmp_path / "home"
    home.mkdir()
    (home / "notes.txt").write_text("mine")
    r = run("restore", str(dump), "--store", str(home))
    assert r.exit_code == 2 and "neither a store directory nor empty" in r.output
    assert [p.name for p in home.iterdir()] == ["notes.txt"]


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


# -- A real server on an on-disk store ----------------------------------------------------------

#: Kills of the SIGKILL test: 8 in the everyday and CI run; 50 for the full run
#: (``WSIS_KG_DURABILITY_KILLS=50``, docs/operations.md).
KILLS = int(os.environ.get("WSIS_KG_DURABILITY_KILLS", "8"))
SEED = 20260101


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``wsis-kg serve --store DIR`` on 127.0.0.1 in its own process group (server, worker
    and query processes all go with one signal)."""

    def __init__(self, store: Path, log: Path) -> None:
        self.store, self.log = store, log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, WSIS_KG_BUILD_ON_START="false",
                   WSIS_KG_TOKENS=f"editor:{TOKEN}", WSIS_KG_WORKERS="1")
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                [str(EXE), "serve", "--store", str(store), "--port", str(self.port)],
                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        end = time.monotonic() + 60
        while True:
            try:
                if requests.get(self.url + "/sparql", params={"query": "ASK {}"},
                                timeout=5).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            assert self.proc.poll() is None and time.monotonic() < end, log.read_text()[-3000:]
            time.sleep(0.05)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)
        self.proc.wait(30)
        end = time.monotonic() + 30
        while time.monotonic() < end:  # every process of the group gone (the store unlocked)
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.02)
        raise AssertionError("processes of the server left behind")

    def quads(self) -> dict[str, set[tuple[str, str, str]]]:
        """Every triple of every named graph, by graph, as the restarted server answers."""
        r = requests.get(self.url + "/sparql", timeout=30, params={
            "query": "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"},
            headers={"Accept": "application/sparql-results+json"})
        assert r.status_code == 200, r.text
        out: dict[str, set[tuple[str, str, str]]] = {}
        for b in r.json()["results"]["bindings"]:
            out.setdefault(b["g"]["value"], set()).add(
                (b["s"]["value"], b["p"]["value"], b["o"]["value"]))
        return out


@pytest.fixture()
def serve(tmp_path: Path) -> Iterator[list[Server]]:
    """Servers started by the test; any still running at the end are killed."""
    servers: list[Server] = []
    yield servers
    for s in servers:
        if s.proc.poll() is None:
            s.kill()


Triples = frozenset[tuple[str, str, str]]


@dataclass
class Write:
    """One write a client sent: ``put`` / ``post`` (Graph Store) or ``ingest`` (the CLI)."""

    kind: str
    graph: str | None  # None: an ingest not acknowledged (its graph name was never printed)
    triples: Triples
    acked: bool = False


def make_triples(rng: random.Random, n: int) -> Triples:
    return frozenset((f"{EX}w{n}/s{k}", f"{EX}p{k % 3}", f"value {n}.{k} \u00e9\"")
                     for k in range(rng.randint(2, 20)))


def as_ntriples(triples: Triples) -> bytes:
    return ox.serialize([ox.Triple(ox.NamedNode(s), ox.NamedNode(p), ox.Literal(o))
                         for s, p, o in sorted(triples)], format=ox.RdfFormat.N_TRIPLES)


@dataclass
class Writers:
    """Two clients writing back to back until the server dies: Graph Store PUT/POST (new
    graphs, appends, replacements) and ``wsis-kg ingest`` runs; each logs what it sent and
    whether it was acknowledged. Graph names are never shared between the two clients."""

    url: str
    rng: random.Random
    tmp: Path
    counter: Iterator[int]
    known: list[str]  # graphs of the Graph Store client, acknowledged in earlier rounds
    writes: list[Write] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def gsp(self, rng: random.Random) -> None:
        auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/n-triples"}
        while not self.stop.is_set():
            n = next(self.counter)
            roll = rng.random()
            if roll < 0.5 or not self.known:
                kind, graph = "put", f"{EX}graph/{n}"
            else:
                kind, graph = ("post" if roll < 0.8 else "put"), rng.choice(self.known)
            w = Write(kind, graph, make_triples(rng, n))
            self.writes.append(w)
            try:
                r = requests.request(kind.upper(), self.url + "/rdf-graphs/service",
                                     params={"graph": graph}, data=as_ntriples(w.triples),
                                     headers=auth, timeout=60)
            except requests.RequestException:
                return  # killed while in flight: not acknowledged
            if r.status_code not in (201, 204):
                self.errors.append(f"{kind} {graph}: {r.status_code} {r.text[:300]}")
                return
            w.acked = True
            if graph not in self.known:
                self.known.append(graph)

    def ingest(self, rng: random.Random) -> None:
        while not self.stop.is_set():
            n = next(self.counter)
            w = Write("ingest", None, make_triples(rng, n))
            f = self.tmp / f"ingest-{n}.nt"
            f.write_bytes(as_ntriples(w.triples))
            self.writes.append(w)
            p = subprocess.run([str(EXE), "ingest", str(f), "--store", self.url,
                                "--token", TOKEN], capture_output=True, text=True, timeout=120)
            if p.returncode != 0:
                if "cannot reach" not in p.stderr:
                    self.errors.append(f"ingest {f.name}: {p.returncode} {p.stderr[-300:]}")
                return
            w.graph = p.stdout.rsplit("<", 1)[1].split(">", 1)[0]
            w.acked = True


def apply(state: dict[str, Triples], w: Write) -> dict[str, Triples]:
    assert w.graph is not None
    new = dict(state)
    new[w.graph] = (state.get(w.graph, frozenset()) | w.triples if w.kind == "post"
                    else w.triples)
    return new


@dataclass
class Tally:
    acknowledged: int = 0
    unacknowledged_present: int = 0
    unacknowledged_absent: int = 0


def check(actual: dict[str, set], model: dict[str, Triples], writes: list[Write],
          tally: Tally) -> dict[str, Triples]:
    """The state after a restart: every acknowledged write there, whole; an unacknowledged one
    wholly there or wholly absent; nothing else. Returns the new model (the actual state)."""
    data = {g: frozenset(t) for g, t in actual.items() if g != GRAPH_PROVENANCE}
    for w in writes:
        if w.acked:
            model = apply(model, w)
            tally.acknowledged += 1
    for w in writes:
        if w.acked:
            continue
        if w.kind == "ingest":  # its graph is the one new graph holding its triples, if any
            hits = [g for g, t in data.items() if g not in model and t & w.triples]
            assert len(hits) <= 1, f"an unacknowledged ingest is in several graphs: {hits}"
            if hits:
                w.graph = hits[0]
        if w.graph is not None and data.get(w.graph) == apply(model, w)[w.graph] and \
                data.get(w.graph) != model.get(w.graph):
            model = apply(model, w)
            tally.unacknowledged_present += 1
        else:
            tally.unacknowledged_absent += 1
    lost = {g: len(model[g] - data.get(g, frozenset())) for g in model}
    assert not any(lost.values()), f"acknowledged triples lost: {lost}"
    wrong = [g for g in data.keys() | model.keys() if data.get(g) != model.get(g)]
    assert not wrong, f"partial or unexpected writes in {wrong}"
    # Provenance was committed with the data, in the same transaction.
    prov = {s for s, p, _ in actual.get(GRAPH_PROVENANCE, ())
            if p == "http://www.w3.org/ns/prov#wasAttributedTo"}
    assert prov == set(data), "provenance records and data graphs disagree"
    return model


@pytest.mark.slow
def test_sigkill_during_writes_loses_no_acknowledged_write(tmp_path: Path, serve) -> None:
    rng = random.Random(SEED)
    store, log = tmp_path / "store", tmp_path / "serve.log"
    counter = itertools.count()
    model: dict[str, Triples] = {}
    known: list[str] = []
    tally = Tally()
    for kill in range(KILLS):
        server = Server(store, log)
        serve.append(server)
        if kill:  # what the previous round left, as the restarted server reads it
            model = check(server.quads(), model, writers.writes, tally)  # noqa: F821
        writers = Writers(server.url, rng, tmp_path, counter, known)
        threads = [threading.Thread(target=writers.gsp, args=(random.Random(rng.random()),)),
                   threading.Thread(target=writers.ingest, args=(random.Random(rng.random()),))]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.3, 3.0))
        server.kill()
        writers.stop.set()
        for t in threads:
            t.join(120)
        assert not writers.errors, writers.errors
    server = Server(store, log)
    serve.append(server)
    model = check(server.quads(), model, writers.writes, tally)
    server.kill(signal.SIGTERM)
    print(f"\n{KILLS} kills: {tally.acknowledged} acknowledged writes, 0 lost, 0 partial; "
          f"unacknowledged: {tally.unacknowledged_present} wholly present, "
          f"{tally.unacknowledged_absent} wholly absent; {len(model)} graphs")
    assert tally.acknowledged > KILLS  # the writes really ran between the kills


@pytest.mark.slow
def test_backup_and_restore_of_a_running_service(tmp_path: Path, built_store: OxigraphStore,
                                                 serve) -> None:
    """The whole graph: restored from a dump, served, dumped online while it serves and
    restored elsewhere (equal); the store directory cannot be copied by ``wsis-kg backup``
    while the server holds it (a clear refusal, the service unharmed), and can once stopped."""
    dump = tmp_path / "wsis-kg.nq"
    dump.write_bytes(canonical_nquads(built_store))
    store = tmp_path / "store"
    r = run("restore", str(dump), "--store", str(store))
    assert r.exit_code == 0, r.output
    server = Server(store, tmp_path / "serve.log")
    serve.append(server)
    w = requests.put(server.url + "/rdf-graphs/service", params={"graph": EX + "late"},
                     data=f"<{EX}s> <{EX}p> _:b .\n_:b <{EX}q> \"late\" .\n".encode(),
                     headers={"Authorization": f"Bearer {TOKEN}",
                              "Content-Type": "application/n-triples"}, timeout=60)
    assert w.status_code == 201, w.text

    p = subprocess.run([str(EXE), "backup", "--store", str(store), "--to", str(tmp_path / "bk")],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and "running server holds it" in p.stderr, p.stderr
    assert "Traceback" not in p.stderr and not (tmp_path / "bk").exists()

    online = requests.get(server.url + "/dumps/wsis-kg.nq", timeout=120)
    assert online.status_code == 200
    (tmp_path / "online.nq").write_bytes(online.content)
    assert server.proc.poll() is None  # still serving
    r = run("restore", str(tmp_path / "online.nq"), "--store", str(tmp_path / "from-online"))
    assert r.exit_code == 0, r.output
    server.kill(signal.SIGTERM)

    r = run("backup", "--store", str(store), "--to", str(tmp_path / "bk"))
    assert r.exit_code == 0, r.output
    expected = contents(store)
    assert b"\"late\"" in expected and len(expected) > len(dump.read_bytes())
    assert contents(tmp_path / "from-online") == expected
    assert contents(tmp_path / "bk") == expected


def test_the_kill_check_catches_lost_partial_and_stray_writes() -> None:
    """The checker of the kill test, on made-up states: it must fail on each kind of damage."""
    rng = random.Random(1)
    a, b, c = (make_triples(rng, n) for n in range(3))
    g1, g2 = EX + "graph/1", EX + "graph/2"
    prov = GRAPH_PROVENANCE

    def state(graphs: dict[str, set]) -> dict[str, set]:
        return {**graphs, prov: {(g, "http://www.w3.org/ns/prov#wasAttributedTo", "x")
                                 for g in graphs}}

    writes = [Write("put", g1, a, acked=True), Write("post", g1, b, acked=False)]
    ok_absent, ok_present = state({g1: set(a)}), state({g1: set(a | b)})
    for good in (ok_absent, ok_present):
        check(good, {}, writes, Tally())
    partial = state({g1: set(a) | set(list(b)[:1])})
    lost = state({g1: set(list(a)[1:])})
    stray = state({g1: set(a), g2: set(c)})
    no_prov = {g1: set(a)}
    for bad in (partial, lost, stray, no_prov):
        with pytest.raises(AssertionError):
            check(bad, {}, writes, Tally())
