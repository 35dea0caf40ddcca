"""``wsis-kg serve`` as a real server on 127.0.0.1, with each supported HTTP server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from wsis_kg.settings import Settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_gone(pid: int, timeout: float = 10) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.slow
@pytest.mark.parametrize("server", ["granian", "gunicorn"])
def test_serve_answers_validates_and_sees_writes(server: str, tmp_path: Path) -> None:
    port = _free_port()
    exe = Path(sys.executable).parent / "wsis-kg"
    env = dict(os.environ, WSIS_KG_BUILD_ON_START="false", WSIS_KG_TOKENS="editor:t0k",
               WSIS_KG_QUERY_TIMEOUT="1")
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen([str(exe), "serve", "--server", server, "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}/sparql"
    q = {"query": "ASK { <http://e/a> ?p ?o }"}
    try:
        for _ in range(300):
            try:
                r = requests.get(url, params=q, timeout=2)
                break
            except requests.ConnectionError:
                assert proc.poll() is None, (tmp_path / "serve.log").read_text()
                time.sleep(0.1)
        assert r.status_code == 200 and r.json()["boolean"] is False
        # Every process of the server (re-executed once) runs on jemalloc.
        group = subprocess.run(["ps", "-o", "pid=", "-g", str(proc.pid)], capture_output=True,
                               text=True).stdout.split()
        assert group and all("libjemalloc" in Path(f"/proc/{p}/maps").read_text()
                             for p in group if Path(f"/proc/{p}").exists())
        etag = r.headers["ETag"]
        assert requests.get(url, params=q, headers={"If-None-Match": etag}).status_code == 304
        upd = requests.post(url + "/update", data={"update": "INSERT DATA { <http://e/a> "
                                                             "<http://e/p> 1 }"},
                            headers={"Authorization": "Bearer t0k"})
        assert upd.status_code == 204
        r2 = requests.get(url, params=q, headers={"If-None-Match": etag})
        assert r2.status_code == 200 and r2.json()["boolean"] is True
        slow = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
        requests.post(url + "/update", headers={"Authorization": "Bearer t0k"},
                      data={"update": "INSERT DATA { " + " ".join(
                          f"<http://e/s{i}> <http://e/p> {i} ." for i in range(200)) + " }"})
        t0 = time.monotonic()
        assert requests.get(url, params={"query": slow}).status_code == 503
        assert time.monotonic() - t0 < 5
        # No access log by default.
        assert b"GET /sparql" not in (tmp_path / "serve.log").read_bytes()
        assert b"jemalloc)" in (tmp_path / "serve.log").read_bytes()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(15)
    assert _wait_gone(proc.pid, timeout=30), (
        "server or query processes left behind:\n" + subprocess.run(
            ["ps", "-o", "pid,ppid,stat,etime,args", "-g", str(proc.pid)],
            capture_output=True, text=True).stdout)


def test_granian_options() -> None:
    from granian.constants import Interfaces

    from wsis_kg.cli.serve import granian_options, request_threads

    settings = Settings(host="127.0.0.1", port=9999, workers=3, request_read_timeout=7)
    opts = granian_options(settings)
    # RSGI behind wsis_kg.web.rsgi.BufferedWSGI, which runs the WSGI app on its request threads.
    assert opts["interface"] == Interfaces.RSGI and opts["workers"] == 1
    assert request_threads(settings) >= 4 and opts["log_access"] is False
    assert opts["http1_settings"].header_read_timeout == 7000
