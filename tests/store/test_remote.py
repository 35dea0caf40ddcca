"""RemoteStore against a real ``oxigraph serve`` on 127.0.0.1: build, catalogue, errors.

Two servers: one whose default graph is the union of its named graphs (``--union-default-graph``)
and one whose default graph is empty, where RemoteStore must state the dataset itself.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from wsis_kg.bench.compare import answer_key, endpoint_answer_key
from wsis_kg.bench.servers import OxigraphServer
from wsis_kg.cli import cli
from wsis_kg.errors import BadRequest, QueryTimeout, StoreError
from wsis_kg.graph.build import build
from wsis_kg.graph.dump import canonical_nquads
from wsis_kg.settings import Settings
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.store.remote import Endpoints, RemoteStore, endpoints_for, parse_response

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = sorted((ROOT / "queries").glob("*.rq"))
EX = "http://example.org/"
pytestmark = pytest.mark.slow  # real oxigraph serve processes


@pytest.fixture(scope="module", params=["union", "plain"])
def oxigraph(request, tmp_path_factory) -> Iterator[OxigraphServer]:
    """An empty oxigraph serve; 'plain' keeps its default graph separate (the spec default)."""
    d = tmp_path_factory.mktemp(f"oxigraph-{request.param}")
    with OxigraphServer(d / "db", d / "server.log", union=request.param == "union") as srv:
        yield srv


@pytest.fixture(scope="module")
def remote_settings(settings: Settings, oxigraph: OxigraphServer) -> Settings:
    return settings.with_(store=oxigraph.root)


@pytest.fixture(scope="module")
def remote_built(remote_settings: Settings) -> RemoteStore:
    """The project graph built into the remote store, the way `wsis-kg build --store` does."""
    store = RemoteStore(remote_settings)
    build(remote_settings, store, check_shapes=False)
    return store


def scratch(oxigraph: OxigraphServer, **kw) -> RemoteStore:
    return RemoteStore(Settings(store=oxigraph.root, **kw))


# -- URL layout -------------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "expected"), [
    ("http://h:7878", ("http://h:7878/query", "http://h:7878/update", "http://h:7878/store")),
    ("http://h:7878/", ("http://h:7878/query", "http://h:7878/update", "http://h:7878/store")),
    ("http://h:3030/ds/query", ("http://h:3030/ds/query", "http://h:3030/ds/update",
                                "http://h:3030/ds/store")),
    ("https://u:p@h/sparql", ("https://u:p@h/sparql", "https://u:p@h/sparql", None)),
    ("http://h:7200/repositories/wsis", ("http://h:7200/repositories/wsis",
                                         "http://h:7200/repositories/wsis", None)),
])
def test_endpoint_layout(url: str, expected: tuple) -> None:
    assert endpoints_for(Settings(store=url)) == Endpoints(*expected)


def test_explicit_update_and_gsp_urls_win() -> None:
    s = Settings(store="http://h:3030/ds/query", store_update_url="http://h:3030/ds/update",
                 store_gsp_url="http://h:3030/ds/data")
    assert endpoints_for(s) == Endpoints("http://h:3030/ds/query", "http://h:3030/ds/update",
                                         "http://h:3030/ds/data")
    assert endpoints_for(s.with_(store_gsp_url="none")).gsp is None
    assert endpoints_for(Settings(store="http://h:3030/ds/query",
                                  store_gsp_url="none")).gsp is None


def test_given_update_url_keeps_the_store_url_as_the_query_endpoint() -> None:
    """QLever answers queries at its root, which alone would read as an oxigraph serve root."""
    s = Settings(store="http://h:7019", store_update_url="http://h:7019?access-token=T")
    assert endpoints_for(s) == Endpoints("http://h:7019", "http://h:7019?access-token=T", None)


# -- build and answers ------------------------------------------------------------------------

def test_build_into_remote_gives_the_embedded_dataset(remote_built: RemoteStore,
                                                      built_store: OxigraphStore) -> None:
    assert len(remote_built) == len(built_store) > 1000
    assert remote_built.named_graphs() == built_store.named_graphs()
    assert canonical_nquads(remote_built) == canonical_nquads(built_store)


def test_rebuild_replaces_graphs(remote_settings: Settings, remote_built: RemoteStore) -> None:
    before = len(remote_built)
    build(remote_settings, remote_built, check_shapes=False)
    assert len(remote_built) == before


@pytest.mark.parametrize("path", CATALOGUE, ids=[p.stem for p in CATALOGUE])
def test_catalogue_same_answers_as_embedded(path: Path, remote_built: RemoteStore,
                                            built_store: OxigraphStore) -> None:
    sparql = path.read_text(encoding="utf-8")
    assert (answer_key(remote_built.query(sparql), sparql)
            == answer_key(built_store.query(sparql), sparql))


@pytest.mark.parametrize("path", CATALOGUE, ids=[p.stem for p in CATALOGUE])
def test_catalogue_through_the_service_in_remote_mode(path: Path, remote_settings: Settings,
                                                      remote_built: RemoteStore,
                                                      client) -> None:
    """/sparql of a service on the remote store answers like the service on the embedded one."""
    from wsis_kg.web import create_app

    remote_client = create_app(remote_settings, store=remote_built).test_client()
    sparql = path.read_text(encoding="utf-8")
    assert endpoint_answer_key(remote_client, sparql) == endpoint_answer_key(client, sparql)


def test_query_forms_give_pyoxigraph_results(remote_built: RemoteStore) -> None:
    sel = remote_built.query("SELECT ?c WHERE { ?c a <https://w3id.org/wsis-kg/def/ActionLine> }")
    assert isinstance(sel, ox.QuerySolutions) and len(list(sel)) >= 11
    ask = remote_built.query("ASK { ?s a <https://w3id.org/wsis-kg/def/ActionLine> }")
    assert isinstance(ask, ox.QueryBoolean) and bool(ask)
    con = remote_built.query("CONSTRUCT WHERE { <https://w3id.org/wsis-kg/id/action-line/C7> "
                             "?p ?o }")
    assert isinstance(con, ox.QueryTriples)
    assert b"C7" in con.serialize(format=ox.RdfFormat.N_TRIPLES)


def test_query_stating_its_own_dataset_is_left_alone(remote_built: RemoteStore) -> None:
    q = ("SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/wsis-kg/graph/ontology> "
         "WHERE { ?s ?p ?o }")
    n = int(next(iter(remote_built.query(q)))["n"].value)
    assert n == len(list(remote_built.quads("https://w3id.org/wsis-kg/graph/ontology")))


def test_protocol_dataset_parameters(remote_built: RemoteStore) -> None:
    g = "https://w3id.org/wsis-kg/graph/ontology"
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    n = int(next(iter(remote_built.query(q, default_graph_uris=[g])))["n"].value)
    assert n == len(list(remote_built.quads(g)))


# -- writes -----------------------------------------------------------------------------------

@pytest.mark.parametrize("gsp", [None, "none"], ids=["graph-store-protocol", "sparql-update"])
def test_load_update_clear(oxigraph: OxigraphServer, gsp: str | None) -> None:
    store = scratch(oxigraph, store_gsp_url=gsp)
    g = f"{EX}graph/{gsp or 'gsp'}"
    store.load(b'@prefix e: <http://example.org/> . e:a e:p "x"@en ; e:q [ e:r 1 ] .',
               ox.RdfFormat.TURTLE, g, source="inline.ttl")
    quads = list(store.quads(g))
    assert len(quads) == 3
    bnode = next(q.object for q in quads if q.predicate.value == f"{EX}q")
    assert any(q.subject == bnode for q in quads)  # one blank node, not two
    store.update(f"INSERT DATA {{ GRAPH <{g}> {{ <a> <{EX}p> 2 }} }}", base_iri=EX)
    assert bool(store.query(f"ASK {{ GRAPH <{g}> {{ <{EX}a> <{EX}p> 2 }} }}"))
    assert g in store.named_graphs()
    store.clear_graph(g)
    assert g not in store.named_graphs()
    store.clear_graph(g)  # clearing a missing graph is fine


def test_trig_keeps_its_graphs(oxigraph: OxigraphServer) -> None:
    store = scratch(oxigraph)
    store.load(f"<{EX}g1> {{ <{EX}s> <{EX}p> 1 }} {{ <{EX}s> <{EX}p> 2 }}".encode(),
               ox.RdfFormat.TRIG, f"{EX}g2")
    assert len(list(store.quads(f"{EX}g1"))) == 1
    assert len(list(store.quads(f"{EX}g2"))) == 1
    for g in ("g1", "g2"):
        store.clear_graph(EX + g)


def test_bad_data_reports_line_and_column(oxigraph: OxigraphServer) -> None:
    from wsis_kg.errors import InputSyntaxError

    with pytest.raises(InputSyntaxError) as e:
        scratch(oxigraph).load(b"<http://e/s> <http://e/p> .\n", ox.RdfFormat.TURTLE,
                               f"{EX}bad", source="bad.ttl")
    assert e.value.source == "bad.ttl" and e.value.line == 1


def test_cli_build_into_remote(remote_settings: Settings, remote_built: RemoteStore) -> None:
    res = CliRunner().invoke(cli, ["build", "--store", remote_settings.store, "--no-shapes"],
                             env={"WSIS_KG_PROJECT_ROOT": str(ROOT)})
    assert res.exit_code == 0, res.output
    assert f"{len(remote_built)} quads" in res.output


# -- errors -----------------------------------------------------------------------------------

def test_syntax_error_is_a_bad_request(oxigraph: OxigraphServer) -> None:
    with pytest.raises(BadRequest, match="answered 400"):
        scratch(oxigraph).query("SELEC * WHERE {}")


def test_unreachable_store_is_a_store_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    store = RemoteStore(Settings(store=f"http://127.0.0.1:{port}"))
    with pytest.raises(StoreError, match="cannot reach the SPARQL store") as e:
        store.query("ASK {}")
    assert e.value.status == 502


def test_wrong_gsp_url_says_what_to_set(oxigraph: OxigraphServer) -> None:
    store = scratch(oxigraph, store_gsp_url=oxigraph.root + "/nowhere")
    with pytest.raises(StoreError, match="WSIS_KG_STORE_GSP_URL"):
        store.load(b"<http://e/s> <http://e/p> \"1\" .", ox.RdfFormat.N_TRIPLES, f"{EX}x")


def test_password_never_appears_in_messages() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    store = RemoteStore(Settings(store=f"http://user:s3cret@127.0.0.1:{port}/sparql"))
    with pytest.raises(StoreError) as e:
        store.query("ASK {}")
    assert "s3cret" not in e.value.detail and "user:***@" in e.value.detail


def test_silent_store_times_out() -> None:
    """A store that accepts the connection but never answers: 503 after query_timeout."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(srv.accept()[0])
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        port = srv.getsockname()[1]
        store = RemoteStore(Settings(store=f"http://127.0.0.1:{port}", query_timeout=0.5))
        with pytest.raises(QueryTimeout, match="did not answer within"):
            store.query("ASK {}")
        with pytest.raises(StoreError):  # internal reads are store errors, not client ones
            store._post_query("ASK {}", [], accept="*/*", client_error=False, timeout=0.5)
    finally:
        stop.set()
        t.join(2)
        for c in held:
            c.close()
        srv.close()


def test_answer_cut_off_by_the_store_is_a_store_error() -> None:
    """oxigraph serve --timeout-s ends a running answer mid-body with status 200."""
    body = b'{"head":{"vars":["n"]},"results":{"bindings":[The SPARQL operation has been cancelled'
    with pytest.raises(StoreError, match="incomplete"):
        parse_response(body, "application/sparql-results+json")


def test_unexpected_media_type_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="unexpected media type"):
        parse_response(b"<html></html>", "text/html")


def test_digest_authentication_when_the_store_asks_for_it() -> None:
    """Virtuoso's /sparql-auth wants Digest: credentials from the URL are re-sent that way."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            auth = self.headers.get("Authorization", "")
            seen.append(auth.split(" ")[0])
            if not auth.startswith("Digest ") or 'username="dba"' not in auth:
                self.send_response(401)
                self.send_header("WWW-Authenticate",
                                 'Digest realm="SPARQL", nonce="abc123", qop="auth"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = b'{"head":{},"boolean":true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        url = f"http://dba:pw@127.0.0.1:{srv.server_port}/sparql-auth"
        store = RemoteStore(Settings(store=url))
        assert bool(store.query("ASK {}", default_graph_uris=[EX]))
        assert seen[0] == "Basic" and seen[-1] == "Digest"
        assert bool(store.query("ASK {}", default_graph_uris=[EX]))  # stays on Digest
        assert seen[-1] == "Digest"
    finally:
        srv.shutdown()
        t.join(2)
