"""``wsis-kg serve`` on 127.0.0.1 against slow, oversized and interrupted requests, and SIGTERM.

Each test starts a real server (granian, the default, unless parametrised) and talks raw HTTP
to it, as an attacker on the Internet would.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

TOKEN = "t0k-front"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(tmp_path: Path, server: str = "granian",
            **env: str) -> Iterator[tuple[str, Path, subprocess.Popen]]:
    """A running ``wsis-kg serve`` (empty in-memory store): its base URL, log file, process."""
    port = _free_port()
    exe = Path(sys.executable).parent / "wsis-kg"
    environ = dict(os.environ, WSIS_KG_BUILD_ON_START="false", WSIS_KG_TOKENS=f"ed:{TOKEN}",
                   WSIS_KG_WORKERS="1", **{f"WSIS_KG_{k.upper()}": v for k, v in env.items()})
    log_path = tmp_path / f"serve-{port}.log"
    log = log_path.open("wb")
    proc = subprocess.Popen([str(exe), "serve", "--server", server, "--port", str(port)],
                            env=environ, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if requests.get(url + "/health/live", timeout=2).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):  # still starting (busy box)
                assert proc.poll() is None, log_path.read_text()
                time.sleep(0.1)
        yield url, log_path, proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(60)
        log.close()


def _slow_body(port: int, *, chunked: bool, results: list, started: threading.Event) -> None:
    """Send headers, then trickle the body one byte every 0.2 s; record the status (or None:
    connection closed) and when it came."""
    t0 = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(30)
    head = ("POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: text/turtle\r\n"
            + ("Transfer-Encoding: chunked\r\n" if chunked else "Content-Length: 10000\r\n")
            + "\r\n")
    s.sendall(head.encode())
    started.set()
    status = None
    try:
        s.setblocking(False)
        while time.monotonic() - t0 < 25:
            try:
                data = s.recv(4096)
                if data:
                    status = int(data.split(b" ", 2)[1])
                break
            except BlockingIOError:
                pass
            if not chunked:  # a chunked one sends nothing at all after its headers
                try:
                    s.send(b"#")
                except OSError:
                    break
            time.sleep(0.2)
    except OSError:
        pass
    finally:
        s.close()
    results.append((status, time.monotonic() - t0))


@pytest.mark.slow
def test_slow_bodies_hold_no_request_thread_and_get_408(tmp_path: Path) -> None:
    """10 slow clients (8 trickling, 2 chunked sending nothing) on a server with 4 request
    threads: /health answers at once while they last; each gets 408 at the 2 s deadline."""
    with serving(tmp_path, request_read_timeout="2") as (url, log, _proc):
        assert "WARNING" not in log.read_text()  # granian needs no proxy for this
        port = int(url.rsplit(":", 1)[1])
        results: list = []
        threads = []
        for i in range(10):
            started = threading.Event()
            t = threading.Thread(target=_slow_body, args=(port,),
                                 kwargs={"chunked": i >= 8, "results": results,
                                         "started": started})
            t.start()
            started.wait(5)
            threads.append(t)
        time.sleep(0.5)  # every slow request is in
        for path in ("/health", "/health/live", "/sparql?query=ASK%7B%7D"):
            t0 = time.monotonic()
            r = requests.get(url + path, timeout=5)
            assert r.status_code == 200 and time.monotonic() - t0 < 1, path
        for t in threads:
            t.join(30)
        assert len(results) == 10
        for status, seconds in results:
            assert status in (408, None) and 1.5 < seconds < 5, results
        assert sum(status == 408 for status, _ in results) >= 8, results
        # A normal POST still works afterwards.
        ok = requests.post(url + "/validate", data=b"<http://e/a> <http://e/p> 1 .",
                           headers={"Content-Type": "text/turtle", "Accept": "application/json"})
        assert ok.status_code == 200


@pytest.mark.slow
def test_gunicorn_ends_a_slow_body_at_the_deadline(tmp_path: Path) -> None:
    """Under gunicorn a request thread reads the body (put a buffering proxy in front), but
    not for longer than the read deadline: a trickled body gets 408 at 2 s."""
    with serving(tmp_path, "gunicorn", request_read_timeout="2") as (url, log, _proc):
        # It says so at start: only a buffering proxy in front protects its threads.
        warning = log.read_text()
        assert "WARNING: under gunicorn" in warning and "proxy_request_buffering on" in warning
        assert "for up to 2 s" in warning
        port = int(url.rsplit(":", 1)[1])
        results: list = []
        threads = [threading.Thread(target=_slow_body, args=(port,),
                                    kwargs={"chunked": chunked, "results": results,
                                            "started": threading.Event()})
                   for chunked in (False, True)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert len(results) == 2
        for status, seconds in results:
            assert status in (408, None) and 1.5 < seconds < 5, results
        assert results[0][0] == 408 or results[1][0] == 408, results
        assert requests.get(url + "/health/live", timeout=5).status_code == 200


def _chunked(url: str, method: str, path: str, body: bytes, headers: dict) -> tuple[int, bytes]:
    """A request whose body is sent chunked (no Content-Length), 64 KiB a chunk."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    chunks = (body[i:i + 65536] for i in range(0, len(body), 65536))
    try:
        conn.request(method, path, body=chunks, headers=headers, encode_chunked=True)
        resp = conn.getresponse()
        return resp.status, resp.read()
    except (ConnectionResetError, BrokenPipeError):
        return 0, b""  # closed while sending: also never processed (checked by the caller)
    finally:
        conn.close()


def _count(url: str, graph: str) -> int:
    q = f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    r = requests.get(url + "/sparql", params={"query": q},
                     headers={"Accept": "application/sparql-results+json"})
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


@pytest.mark.slow
@pytest.mark.parametrize("server", ["granian", "gunicorn"])
def test_chunked_bodies_over_the_limit_are_refused_never_cut(tmp_path: Path,
                                                             server: str) -> None:
    limit = 200_000
    with serving(tmp_path, server, max_body_bytes=str(limit)) as (url, _log, _proc):
        graph = "http://example.org/g"
        small = b"<http://e/s0> <http://e/p> 0 .\n"
        status, _ = _chunked(url, "PUT", f"/rdf-graphs/service?graph={graph}", small,
                             {"Content-Type": "text/turtle", **AUTH})
        assert status == 201 and _count(url, graph) == 1
        # ≈ 3× the limit; the last triple (an IRI where a literal is needed) is past the cut.
        big = b"".join(f"<http://e/s{i}> <http://e/p> {i} .\n".encode() for i in range(20_000))
        assert len(big) > 2 * limit
        status, body = _chunked(url, "PUT", f"/rdf-graphs/service?graph={graph}", big,
                                {"Content-Type": "text/turtle", **AUTH})
        assert status in (413, 0), body
        assert _count(url, graph) == 1  # nothing written from a cut body
        bad = big + b'<http://e/x> a <http://www.w3.org/2002/07/owl#Ontology> ; ' \
                    b'<http://www.w3.org/2002/07/owl#versionIRI> "not an IRI" .\n'
        status, body = _chunked(url, "POST", "/validate", bad,
                                {"Content-Type": "text/turtle",
                                 "Accept": "application/json"})
        assert status in (413, 0), body
        if status:
            assert b"WSIS_KG_MAX_BODY_BYTES" in body
        # A browser is refused with the page (declared length over the cap: nothing is read).
        page = requests.post(url + "/validate", data=b"x" * (limit + 1),
                             headers={"Content-Type": "text/turtle", "Accept": "text/html"})
        assert page.status_code == 413 and page.headers["Content-Type"].startswith("text/html")
        assert "WSIS_KG_MAX_BODY_BYTES" in page.text


@pytest.mark.slow
def test_sigterm_lets_an_in_flight_query_finish(tmp_path: Path) -> None:
    """A query running when SIGTERM arrives is answered (200), then the server exits."""
    with serving(tmp_path, query_timeout="30") as (url, log, proc):
        rows = " ".join(f"<http://e/s{i}> <http://e/p> {i} ." for i in range(150))
        assert requests.post(url + "/sparql/update", data={"update": f"INSERT DATA {{ {rows} }}"},
                             headers=AUTH).status_code == 204
        slow = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # 150³ rows
        t0 = time.monotonic()
        got: list = []
        th = threading.Thread(target=lambda: got.append(
            requests.get(url + "/sparql", params={"query": slow}, timeout=60)))
        th.start()
        time.sleep(0.5)
        os.kill(proc.pid, signal.SIGTERM)
        th.join(60)
        assert got and got[0].status_code == 200, log.read_text()
        assert int(got[0].json()["results"]["bindings"][0]["n"]["value"]) >= 150 ** 3
        assert time.monotonic() - t0 > 0.5  # it was in flight when SIGTERM came
        assert proc.wait(30) is not None


@pytest.mark.slow
def test_online_backup_of_a_running_server_during_writes(tmp_path: Path) -> None:
    """``POST /admin/backup`` on a real server (granian, on-disk store) while a client writes
    three-triple transactions: the backup is a prefix of the acknowledged writes (each whole),
    with every write acknowledged before the request, and a store of its own once copied."""
    g = "http://example.org/online"
    backups = tmp_path / "backups"
    acked: list[tuple[int, float, float]] = []
    stop = threading.Event()
    with serving(tmp_path, store=str(tmp_path / "store"), backup_dir=str(backups)) as (
            url, log, _proc):
        def writer() -> None:
            with requests.Session() as http_session:
                for i in range(3000):
                    if stop.is_set():
                        return
                    s = f"<{g}/s{i}>"
                    sent = time.monotonic()
                    r = http_session.post(url + "/sparql/update", headers=AUTH, data={
                        "update": f"INSERT DATA {{ GRAPH <{g}> {{ {s} <{g}/p> 1 . {s} <{g}/q> 2 "
                                  f". {s} <{g}/r> 3 }} }}"}, timeout=30)
                    assert r.status_code == 204, r.text
                    acked.append((i, sent, time.monotonic()))

        t = threading.Thread(target=writer)
        t.start()
        try:
            while len(acked) < 20 and t.is_alive():
                time.sleep(0.01)
            before = time.monotonic()
            r = requests.post(url + "/admin/backup", headers=AUTH, timeout=30)
            after = time.monotonic()
            n = len(acked)
            while len(acked) < n + 20 and t.is_alive():
                time.sleep(0.01)
        finally:
            stop.set()
            t.join(60)
        assert r.status_code == 201, (r.text, log.read_text()[-2000:])
    copy = ox.Store.read_only(str(backups / r.json()["backup"]))
    rows = copy.query(f"SELECT ?s (COUNT(*) AS ?n) {{ GRAPH <{g}> {{ ?s ?p ?o }} }} GROUP BY ?s")
    present = {int(row["s"].value.rsplit("/s", 1)[1]): int(row["n"].value) for row in rows}
    assert set(present.values()) <= {3}, "a write is partly in the backup"
    assert {i for i, _, ack in acked if ack < before} <= present.keys()
    assert not present.keys() & {i for i, sent, _ in acked if sent > after}
    assert sorted(present) == list(range(len(present)))
