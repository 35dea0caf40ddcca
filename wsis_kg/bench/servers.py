"""The SPARQL servers the benchmark and the remote-store tests start on 127.0.0.1.

One place for each engine's command line and readiness check: ``oxigraph serve``, ``wsis-kg
serve``, Virtuoso Open Source 7 (Debian's ``virtuoso-t``, a fresh database from an ini file),
and ``rdflib-endpoint`` (PyPI: an rdflib graph behind FastAPI). Each runs in its own session so
stopping it stops its workers too, and :meth:`Server.peak_rss_mb` reads the kernel's high-water
mark of every process of that session.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from wsis_kg.errors import BenchError
from wsis_kg.settings import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def oxigraph_binary() -> str:
    """The ``oxigraph`` CLI of the PyPI package ``oxigraph`` (next to this Python first)."""
    here = Path(sys.executable).parent / "oxigraph"
    found = str(here) if here.exists() else shutil.which("oxigraph")
    if not found:
        raise BenchError("the 'oxigraph' command is missing: install the test extras "
                         "(pip install -e '.[test]', or scripts/setup)")
    return found


def virtuoso_binary() -> str | None:
    """Debian's ``virtuoso-t`` (package virtuoso-opensource-7-bin), None when not installed."""
    return shutil.which("virtuoso-t")


def rdflib_endpoint_binary() -> str | None:
    """The ``rdflib-endpoint`` command (PyPI package, in the test extras), None when absent."""
    here = Path(sys.executable).parent / "rdflib-endpoint"
    return str(here) if here.exists() else shutil.which("rdflib-endpoint")


def wait_until_up(url: str, proc: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    """Poll ``url`` until it answers 200; fail early when the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise BenchError(f"server exited with status {proc.returncode}: {tail}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=5).status_code == 200:
                return
        time.sleep(0.05)
    raise BenchError(f"server at {url} did not come up within {timeout:g}s (log: {log})")


def session_processes(sid: int) -> list[int]:
    """The pids of every live process of session ``sid`` (Linux ``/proc``)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = (entry / "stat").read_text()
            # fields after the command name (which may hold spaces): state ppid pgrp session
            if int(stat[stat.rindex(")") + 2:].split()[3]) == sid:
                out.append(int(entry.name))
    return out


def status_kb(pid: int | str, field: str) -> int:
    """A ``/proc/<pid>/status`` figure in kB (VmHWM: peak resident set, VmRSS: now); 0 if gone."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        for ln in Path(f"/proc/{pid}/status").read_text().splitlines():
            if ln.startswith(field + ":"):
                return int(ln.split()[1])
    return 0


class Server:
    """A child process serving HTTP on 127.0.0.1, stopped (SIGTERM, then SIGKILL) on exit."""

    def __init__(self, cmd: list[str], ready_path: str, log: Path, *, port: int,
                 env: dict[str, str] | None = None, startup_timeout: float = 120,
                 cwd: Path | None = None) -> None:
        self.cmd, self.ready_path, self.log, self.port = cmd, ready_path, log, port
        self.env, self.cwd = env, cwd
        self.startup_timeout = startup_timeout
        self.root = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None
        #: Seconds from the process start to the first 200 on ``ready_path``.
        self.startup_s: float | None = None

    def __enter__(self) -> Server:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(self.cmd, stdout=out, stderr=subprocess.STDOUT,
                                         env=self.env, cwd=self.cwd, start_new_session=True)
        try:
            wait_until_up(self.root + self.ready_path, self.proc, self.log,
                          self.startup_timeout)
        except BaseException:
            self.stop()
            raise
        self.startup_s = time.perf_counter() - t0
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def peak_rss_mb(self) -> float:
        """Sum of the peak resident sets of the server's live processes, MiB.

        An upper bound: pages forked children share copy-on-write count once per process."""
        if self.proc is None:
            return 0.0
        return sum(status_kb(p, "VmHWM") for p in session_processes(self.proc.pid)) / 1024

    def rss_mb(self) -> float:
        """Sum of the resident sets now (same caveat as :meth:`peak_rss_mb`), MiB."""
        if self.proc is None:
            return 0.0
        return sum(status_kb(p, "VmRSS") for p in session_processes(self.proc.pid)) / 1024

    def stop(self) -> None:
        p = self.proc
        if p is None or p.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGTERM)  # its own session: the server and its workers
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
            p.wait(5)


class OxigraphServer(Server):
    """``oxigraph serve`` on 127.0.0.1 (``location`` None: in memory)."""

    query_path = "/query"

    def __init__(self, location: Path | None, log: Path, *, union: bool = True,
                 port: int | None = None, timeout_s: float | None = None) -> None:
        port = port or free_port()
        cmd = [oxigraph_binary(), "serve", "--bind", f"127.0.0.1:{port}"]
        if location is not None:
            cmd += ["--location", str(location)]
        if union:
            cmd.append("--union-default-graph")
        if timeout_s:
            cmd += ["--timeout-s", str(max(1, math.ceil(timeout_s)))]
        super().__init__(cmd, "/query?query=ASK%7B%7D", log, port=port)

    @property
    def query_url(self) -> str:
        return self.root + "/query"


class ServiceServer(Server):
    """``wsis-kg serve`` on 127.0.0.1 over an already loaded store (a directory or a URL).

    ``env`` overrides the environment (``WSIS_KG_QUERY_CACHE_BYTES=0``: every request
    evaluated)."""

    query_path = "/sparql"

    def __init__(self, store: str, log: Path, *, settings: Settings,
                 port: int | None = None, env: dict[str, str] | None = None,
                 ready_path: str = "/sparql?query=ASK%7B%7D") -> None:
        port = port or free_port()
        exe = Path(sys.executable).parent / "wsis-kg"
        cmd = [str(exe) if exe.exists() else "wsis-kg", "serve", "--host", "127.0.0.1",
               "--port", str(port), "--store", store]
        full = dict(os.environ)
        full.update({"WSIS_KG_BUILD_ON_START": "false",
                     "WSIS_KG_PROJECT_ROOT": str(settings.project_root),
                     "WSIS_KG_WORKERS": str(settings.workers),
                     "WSIS_KG_RESULT_LIMIT": str(settings.result_limit),
                     "WSIS_KG_QUERY_TIMEOUT": str(settings.query_timeout)})
        full.update(env or {})
        super().__init__(cmd, ready_path, log, port=port, env=full, startup_timeout=1800)

    @property
    def query_url(self) -> str:
        return self.root + "/sparql"

    def wait_until_settled(self, timeout: float = 3600) -> float:
        """Wait until the service's start-up work in the background is done (the full-text
        index is built in a thread of the serving process after it answers: measured before
        that, every figure carries the build's CPU and GIL); seconds waited."""
        t0 = time.perf_counter()
        deadline = t0 + timeout
        while time.perf_counter() < deadline:
            with contextlib.suppress(requests.RequestException, ValueError):
                search = (requests.get(self.root + "/health", timeout=60).json()
                          .get("queries", {}).get("search"))
                if search is None or search.get("ready") or search.get("error"):
                    return time.perf_counter() - t0
            time.sleep(1)
        raise BenchError(f"the service at {self.root} did not finish its start within "
                         f"{timeout:g} s (log: {self.log})")


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = {sql_port}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
DirsAllowed = ., {d}, {data_dir}
ThreadsPerQuery = 2
MaxClientConnections = {connections}

[HTTPServer]
ServerPort = {http_port}
ServerThreads = {connections}
MaxClientConnections = {connections}

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = {max_seconds}
MaxQueryCostEstimationTime = 0
"""


class VirtuosoServer(Server):
    """``virtuoso-t +foreground`` with a fresh database in ``directory`` (user dba, password
    dba: the password a new Virtuoso database is created with).

    ``buffers``: 8 KiB pages of cache (Virtuoso's guide: about 2/3 of the memory it may use;
    10,000 = 80 MiB suits the tests, the benchmark gives more). ``data_dir``: a directory the
    bulk loader may read."""

    query_path = "/sparql"

    def __init__(self, directory: Path, *, buffers: int = 10_000, connections: int = 8,
                 max_seconds: int = 120, data_dir: Path | None = None) -> None:
        binary = virtuoso_binary()
        if binary is None:
            raise BenchError("virtuoso-t is not installed (Debian package "
                             "virtuoso-opensource-7-bin; scripts/setup test installs it)")
        directory.mkdir(parents=True, exist_ok=True)
        port = free_port()
        self.sql_port = free_port()
        ini = directory / "virtuoso.ini"
        ini.write_text(VIRTUOSO_INI.format(
            d=directory, sql_port=self.sql_port, http_port=port, buffers=buffers,
            dirty=buffers * 3 // 4, connections=connections, max_seconds=max_seconds,
            data_dir=data_dir or directory), encoding="utf-8")
        super().__init__([binary, "+foreground", "+configfile", str(ini)],
                         "/sparql?query=ASK%7B%7D", directory / "server.log", port=port,
                         startup_timeout=180, cwd=directory)

    def url(self, path: str, *, auth: bool = False) -> str:
        return self.root.replace("://", "://dba:dba@", 1) + path if auth else self.root + path

    def isql(self, *statements: str, timeout: float = 7200) -> str:
        """Run SQL statements with ``isql-vt`` (Debian's name of Virtuoso's isql) as dba."""
        isql = shutil.which("isql-vt") or shutil.which("isql")
        if isql is None:
            raise BenchError("isql-vt (Virtuoso's SQL client) is not installed")
        script = "".join(s.rstrip().rstrip(";") + ";\n" for s in statements)
        out = subprocess.run([isql, str(self.sql_port), "dba", "dba"], input=script,
                             capture_output=True, text=True, timeout=timeout)
        if out.returncode != 0 or "*** Error" in out.stdout:
            raise BenchError(f"isql failed: {out.stdout[-1500:]} {out.stderr[-500:]}")
        return out.stdout

    def bulk_load(self, nquads: Path) -> None:
        """Virtuoso's own bulk loader on an N-Quads file (graphs as in the file)."""
        self.isql(f"ld_dir('{nquads.parent}', '{nquads.name}', 'http://example.org/default')",
                  "rdf_loader_run()", "checkpoint")


class RdflibEndpointServer(Server):
    """``rdflib-endpoint serve FILE`` (rdflib's SPARQL engine behind FastAPI/uvicorn)."""

    query_path = "/"

    def __init__(self, data: Path, log: Path, *, port: int | None = None,
                 startup_timeout: float = 1800) -> None:
        binary = rdflib_endpoint_binary()
        if binary is None:
            raise BenchError("rdflib-endpoint is not installed (pip install rdflib-endpoint; "
                             "in the test extras)")
        port = port or free_port()
        super().__init__([binary, "serve", "--host", "127.0.0.1", "--port", str(port),
                          str(data)], "/?query=ASK%7B%7D", log, port=port,
                         startup_timeout=startup_timeout)
