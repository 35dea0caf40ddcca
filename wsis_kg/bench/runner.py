"""``wsis-kg bench``: the service against ``oxigraph serve`` on the same data, in the same run.

What it does (docs/performance.md explains the method and the figures):

1. builds the WSIS graph, adds synthetic data (:mod:`wsis_kg.bench.synthetic`) up to ``--triples``
   and writes it all as one N-Quads file;
2. starts ``oxigraph serve --union-default-graph`` in memory and loads the file into it over
   HTTP (RemoteStore, Graph Store Protocol); loads it into an on-disk store for the service and
   starts ``wsis-kg serve`` on it (the service answers from an in-memory mirror); both on
   127.0.0.1 and over the same default graph (the union of the named graphs);
3. checks that both give the same answers to the example catalogue (``queries/*.rq``);
4. measures with ``wrk`` (a maintained HTTP load generator; a Lua script only picks the request
   paths and prints wrk's own latency percentiles as JSON):

   a. per-request overhead: ``ASK {}`` on one connection, p50 over HTTP minus p50 in-process;
   b. each catalogue query on one connection: p50 of the service / p50 of oxigraph serve, and
      the geometric mean of those ratios;
   c. lookups by IRI (``SELECT ?p ?o WHERE { <iri> ?p ?o }`` over 1,000 IRIs) at 8 and 32
      connections: requests per second of the service / of oxigraph serve;
   d. for reference, the aggregate queries of the catalogue in rdflib in-process (small runs).

Results are printed as a markdown table and written to ``<out>/bench.json`` and
``<out>/bench.md``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyoxigraph as ox
import requests

from wsis_kg import allocator
from wsis_kg.bench import synthetic
from wsis_kg.bench.compare import response_key
from wsis_kg.bench.servers import (
    OxigraphServer,
    ServiceServer,
    oxigraph_binary,
)
from wsis_kg.errors import BenchError, WsisError
from wsis_kg.graph.build import build
from wsis_kg.graph.catalogue import read_catalogue
from wsis_kg.rdf.formats import N_TRIPLES, RESULTS_JSON
from wsis_kg.settings import Settings
from wsis_kg.sparql.lexer import keywords, query_form, with_prefixes
from wsis_kg.store import OxigraphStore, RemoteStore

Say = Callable[[str], None]

#: Targets the figures are judged against (issue 15 item 3; docs/performance.md).
TARGET_ASK_OVERHEAD_MS = 0.25
TARGET_CATALOGUE_RATIO = 1.1
TARGET_LOOKUP_RATIO = 0.8
#: rdflib needs minutes and gigabytes for a million triples: measured only below this size.
RDFLIB_MAX_TRIPLES = 300_000
#: ... and only on queries pyoxigraph answers within this many milliseconds (rdflib is ~100×
#: slower and cannot be interrupted).
RDFLIB_MAX_QUERY_MS = 50.0
#: A query whose single answer takes longer than this (s) is timed with a few sequential
#: requests instead of a wrk run.
SLOW_QUERY_S = 0.25
JSON_RESULTS = RESULTS_JSON.media_type
NTRIPLES = N_TRIPLES.media_type


# --------------------------------------------------------------------------------------------
# servers
# --------------------------------------------------------------------------------------------

# --------------------------------------------------------------------------------------------
# wrk
# --------------------------------------------------------------------------------------------

WRK_SCRIPT = """\
local paths = {%(paths)s}
local headers = { ["Accept"] = "%(accept)s" }
local threads = 0
-- each thread starts at its own place in the list, so threads do not send the same requests
setup = function(thread)
  thread:set("start", threads)
  threads = threads + 1
end
local i = nil
request = function()
  if i == nil then i = (start or 0) * math.floor(#paths / 2) end
  i = i %% #paths + 1
  return wrk.format("GET", paths[i], headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests":%%d,"duration_us":%%d,"p50_us":%%d,' ..
    '"p90_us":%%d,"p95_us":%%d,"p99_us":%%d,"mean_us":%%.1f,"connect_errors":%%d,' ..
    '"read_errors":%%d,"write_errors":%%d,"status_errors":%%d,"timeouts":%%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency.mean, e.connect, e.read, e.write,
    e.status, e.timeout))
end
"""


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise BenchError("wrk (the HTTP load generator) is not installed: run "
                         "'apt-get install wrk' (Debian/Ubuntu) or 'scripts/setup test'")
    return found


@dataclass
class WrkRun:
    """wrk's own figures for one run (latencies in milliseconds)."""

    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    p95_ms: float
    mean_ms: float
    errors: int
    connections: int
    #: Answers other than 2xx (only with ``refusals_ok``; not counted in ``rps``).
    refused: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def run_wrk(root: str, paths: list[str], accept: str, *, connections: int, duration: float,
            workdir: Path, refusals_ok: bool = False) -> WrkRun:
    """GET ``paths`` in turn against ``root`` for ``duration`` seconds on ``connections``.

    An answer other than 2xx fails the run, unless ``refusals_ok``: then they are counted
    (``refused``) and left out of ``rps`` (a server that sheds load with 503 under 32
    connections is measured, not dropped from the report)."""
    threads = min(2, connections)
    script = workdir / f"wrk-{os.getpid()}-{time.monotonic_ns()}.lua"
    script.write_text(WRK_SCRIPT % {"paths": ", ".join(f'"{p}"' for p in paths),
                                    "accept": accept})
    cmd = [wrk_binary(), "-t", str(threads), "-c", str(connections),
           "-d", f"{max(1, round(duration))}s", "--timeout", "30s", "-s", str(script), root]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 120)
    finally:
        script.unlink(missing_ok=True)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRK_JSON ")), None)
    if out.returncode != 0 or line is None:
        raise BenchError(f"wrk failed ({out.returncode}): {out.stderr.strip() or out.stdout}")
    d = json.loads(line[len("WRK_JSON "):])
    seconds = d["duration_us"] / 1e6
    errors = sum(d[k] for k in ("connect_errors", "read_errors", "write_errors",
                                "status_errors", "timeouts"))
    if d["status_errors"] and not refusals_ok:
        raise BenchError(f"{d['status_errors']} of {d['requests']} requests to {root} did not "
                         f"answer 2xx (first path: {paths[0][:200]})")
    ok = d["requests"] - d["status_errors"]
    return WrkRun(d["requests"], seconds, ok / seconds if seconds else 0.0,
                  d["p50_us"] / 1000, d["p90_us"] / 1000, d["p99_us"] / 1000, d["p95_us"] / 1000,
                  d["mean_us"] / 1000, errors, connections, d["status_errors"])


def query_path(endpoint_path: str, sparql: str) -> str:
    return f"{endpoint_path}?query={quote(sparql, safe='')}"


# --------------------------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------------------------

@dataclass
class CatalogueQuery:
    name: str
    title: str
    sparql: str
    accept: str
    aggregate: bool


def load_catalogue(settings: Settings) -> list[CatalogueQuery]:
    """``queries/*.rq`` as sent to both servers (project prefixes added when a query uses them
    undeclared), with the media type to ask for. Read by the lexer, not run: some take long."""
    out = []
    for ex in read_catalogue(settings.queries_dir):
        text = with_prefixes(ex.query)
        accept = NTRIPLES if query_form(text) in ("CONSTRUCT", "DESCRIBE") else JSON_RESULTS
        out.append(CatalogueQuery(ex.name, ex.title, text, accept, is_aggregate(text)))
    return out


def is_aggregate(sparql: str) -> bool:
    """Whether the query groups or counts (keywords, not words in its comments or strings)."""
    words = keywords(sparql)
    return "COUNT" in words or any(
        a == "GROUP" and b == "BY" for a, b in zip(words, words[1:], strict=False))


def make_dataset(settings: Settings, triples: int, out: Path, say: Say) -> dict[str, Any]:
    """Build the WSIS graph, add synthetic data up to ``triples``; write N-Quads to ``out``."""
    say("building the WSIS graph")
    store = OxigraphStore()
    build(settings, store, check_shapes=False)
    real = len(store)
    lines = [str(r["s"].value) for r in store.query(
        "SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s a <https://w3id.org/wsis-kg/def/ActionLine> }}")]
    orgs = [str(r["s"].value) for r in store.query(
        "SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s a ?c } FILTER(STRSTARTS(STR(?s), "
        "'https://w3id.org/wsis-kg/id/org/')) }")]
    extra = max(0, triples - real)
    say(f"WSIS graph: {real} quads; adding {extra} synthetic quads")
    quads: list[ox.Quad] = list(store.ox.quads_for_pattern(None, None, None, None))
    quads.extend(synthetic.generate(extra, action_lines=sorted(lines),
                                    organisations=sorted(orgs)) if extra else [])
    with out.open("wb") as f:
        ox.serialize(quads, f, format=ox.RdfFormat.N_QUADS)
    return {"wsis_quads": real, "synthetic_quads": len(quads) - real, "quads": len(quads)}


def sample_subjects(nq: Path, n: int, seed: int = 7) -> list[str]:
    """``n`` IRIs that are subjects in the data: real WSIS resources first, then synthetic."""
    subjects: dict[str, None] = {}
    for q in ox.parse(path=str(nq), format=ox.RdfFormat.N_QUADS):
        if isinstance(q.subject, ox.NamedNode):
            subjects[q.subject.value] = None
    everything = list(subjects)
    real = [s for s in everything if "/id/synthetic/" not in s]
    rng = random.Random(seed)
    rng.shuffle(real)
    picked = real[: n // 2]
    rest = [s for s in everything if "/id/synthetic/" in s]
    picked += rng.sample(rest, min(len(rest), n - len(picked)))
    if len(picked) < n:
        picked += real[len(picked):n]
    return picked


# --------------------------------------------------------------------------------------------
# measurements
# --------------------------------------------------------------------------------------------

def p50_in_process(fn: Callable[[], Any], budget_s: float, max_reps: int = 20_000,
                   min_reps: int = 5, warm_up: bool = True) -> float:
    """Median wall time of ``fn()`` in milliseconds, repeated within ``budget_s``."""
    if warm_up:
        fn()
    times: list[int] = []
    end = time.perf_counter() + budget_s
    while len(times) < max_reps and (len(times) < min_reps or time.perf_counter() < end):
        t0 = time.perf_counter_ns()
        fn()
        times.append(time.perf_counter_ns() - t0)
    return statistics.median(times) / 1e6


def _serialise(result: Any, accept: str) -> bytes:
    if isinstance(result, ox.QueryTriples):
        return result.serialize(format=ox.RdfFormat.N_TRIPLES) or b""
    return result.serialize(format=ox.QueryResultsFormat.JSON) or b""


def fetch(url: str, sparql: str, accept: str, timeout: float = 300) -> tuple[bytes, str]:
    r = requests.post(url, data={"query": sparql}, headers={"Accept": accept}, timeout=timeout)
    if r.status_code != 200:
        raise BenchError(f"{url} answered {r.status_code} to a catalogue query: {r.text[:300]}")
    return r.content, r.headers.get("Content-Type", "")


def geomean(values: list[float]) -> float:
    vals = [v for v in values if v > 0]
    return math.exp(sum(math.log(v) for v in vals) / len(vals)) if vals else float("nan")


@dataclass
class BenchConfig:
    triples: int = 1_000_000
    duration: float = 10.0
    out: Path = Path("bench-results")
    quick: bool = False
    max_queries: int | None = None
    lookups: int = 1000
    concurrency: tuple[int, ...] = (1, 8, 32)
    #: Seconds a catalogue query may take (the service's query timeout); a query over it is
    #: reported as such, never sent to oxigraph serve, and left out of the ratio.
    query_limit: float = 10.0
    command: str = "wsis-kg bench"
    extra: dict[str, Any] = field(default_factory=dict)


def machine_info() -> dict[str, Any]:
    cpu = platform.processor() or ""
    with contextlib.suppress(OSError):
        for ln in Path("/proc/cpuinfo").read_text().splitlines():
            if ln.startswith("model name"):
                cpu = ln.split(":", 1)[1].strip()
                break
    mem_gb = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem_gb = round(kb / 1024 / 1024, 1)
    wrk_v = subprocess.run([wrk_binary(), "-v"], capture_output=True, text=True).stdout
    ox_v = subprocess.run([oxigraph_binary(), "--version"], capture_output=True,
                          text=True).stdout.strip()
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": mem_gb,
            "os": platform.platform(), "python": platform.python_version(),
            "pyoxigraph": getattr(ox, "__version__", None) or _pkg_version("pyoxigraph"),
            "oxigraph_server": ox_v, "wrk": wrk_v.splitlines()[0] if wrk_v else "",
            "load": os.getloadavg()[0] if hasattr(os, "getloadavg") else None}


def service_configuration(settings: Settings) -> dict[str, Any]:
    """What of the service's configuration moves the figures (the bench starts it with these)."""
    alloc = settings.allocator
    if alloc == allocator.JEMALLOC and allocator.jemalloc_library() is None:
        alloc = "system (jemalloc not installed)"
    return {"server": settings.server, "allocator": alloc,
            "answer_cache_bytes": settings.query_cache_bytes,
            "query_workers": settings.workers}


def _pkg_version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


def run(settings: Settings, cfg: BenchConfig, say: Say = print) -> dict[str, Any]:
    """The whole benchmark; returns the results (also written to ``cfg.out``)."""
    wrk_binary()  # fail before any work when wrk is missing
    oxigraph_binary()
    cfg.out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": cfg.command, "quick": cfg.quick, "duration_s": cfg.duration,
        "machine": machine_info(),
        "service": service_configuration(settings),
        "targets": {"ask_overhead_ms": TARGET_ASK_OVERHEAD_MS,
                    "catalogue_geomean_ratio": TARGET_CATALOGUE_RATIO,
                    "lookup_throughput_ratio": TARGET_LOOKUP_RATIO},
    }
    with tempfile.TemporaryDirectory(prefix="wsis-kg-bench-") as tmp:
        work = Path(tmp)
        nq = work / "data.nq"
        results["data"] = make_dataset(settings, cfg.triples, nq, say)
        say(f"loading {results['data']['quads']} quads into both stores")
        probe = ox.Store()
        probe.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
        _load_service_store(nq, work / "service-store")
        catalogue = load_catalogue(settings)
        if cfg.max_queries is not None:
            catalogue = catalogue[: cfg.max_queries]
        iris = sample_subjects(nq, cfg.lookups)
        # Both sides answer from memory: the service queries an in-memory mirror of its disk
        # store (docs/sparql.md), so oxigraph serve runs in memory too, loaded over its Graph
        # Store endpoint by RemoteStore (the code path of `--store http://…`).
        # No --timeout-s for oxigraph serve: with it, oxigraph 0.5.13 answers part of a fast
        # request stream with 500 "Resource temporarily unavailable" (seen here under wrk).
        # Slow queries are stopped by the service instead (it kills the query process).
        limited = settings.with_(query_timeout=cfg.query_limit)
        with OxigraphServer(None, work / "oxigraph.log") as oxs, \
                ServiceServer(str(work / "service-store"), work / "service.log",
                              settings=limited) as svc:
            t0 = time.perf_counter()
            _load_remote(oxs.root, nq, results["data"]["quads"])
            say(f"oxigraph serve at {oxs.root} (loaded over HTTP in "
                f"{time.perf_counter() - t0:.1f}s), wsis-kg serve at {svc.root}")
            servers = {"service": (svc, "/sparql"), "oxigraph": (oxs, "/query")}
            results["ask"] = _bench_ask(probe, servers, cfg, work, say)
            results["catalogue"] = _bench_catalogue(probe, catalogue, servers, cfg, work, say)
            results["lookups"] = _bench_lookups(iris, servers, cfg, work, say)
        cheap = {q["name"] for q in results["catalogue"]["queries"]
                 if (q.get("in_process_p50_ms") or 1e9) < RDFLIB_MAX_QUERY_MS}
        if results["data"]["quads"] <= RDFLIB_MAX_TRIPLES and cheap:
            results["rdflib"] = _bench_rdflib(nq, [q for q in catalogue if q.name in cheap],
                                              cfg, say)
        else:
            results["rdflib"] = {"skipped": f"more than {RDFLIB_MAX_TRIPLES} quads"}
    write_results(results, cfg.out)
    return results


def _load_remote(root: str, nq: Path, expected: int) -> None:
    store = RemoteStore(Settings(store=root))
    store.load(nq.read_bytes(), ox.RdfFormat.N_QUADS, None, source=str(nq))
    if len(store) != expected:
        raise BenchError("oxigraph serve does not hold the benchmark data after loading")
    store.close()


def _load_service_store(nq: Path, path: Path) -> None:
    st = OxigraphStore(path)
    st.load(nq.read_bytes(), ox.RdfFormat.N_QUADS, None, source=str(nq))
    st.close()
    del st


def _bench_ask(probe: ox.Store, servers: dict, cfg: BenchConfig, work: Path,
               say: Say) -> dict[str, Any]:
    say("(a) ASK {} on one connection")
    inproc = p50_in_process(lambda: bool(probe.query("ASK {}")), min(cfg.duration, 3.0))
    out: dict[str, Any] = {"in_process_p50_ms": inproc}
    for name, (srv, path) in servers.items():
        run_ = run_wrk(srv.root, [query_path(path, "ASK {}")], JSON_RESULTS, connections=1,
                       duration=cfg.duration, workdir=work)
        out[name] = run_.as_dict()
    out["service_overhead_ms"] = out["service"]["p50_ms"] - inproc
    out["oxigraph_overhead_ms"] = out["oxigraph"]["p50_ms"] - inproc
    out["met"] = out["service_overhead_ms"] <= TARGET_ASK_OVERHEAD_MS
    return out


def _bench_catalogue(probe: ox.Store, catalogue: list[CatalogueQuery], servers: dict,
                     cfg: BenchConfig, work: Path, say: Say) -> dict[str, Any]:
    rows = []
    for q in catalogue:
        say(f"(b) {q.name}")
        try:
            rows.append(_bench_query(probe, q, servers, cfg, work))
        except BenchError as e:
            rows.append({"name": q.name, "title": q.title, "error": e.detail})
    measured = [r for r in rows if "ratio" in r]
    gm = geomean([r["ratio"] for r in measured])
    return {"queries": rows, "geomean_ratio": gm, "measured": len(measured),
            "query_limit_s": cfg.query_limit,
            "all_same_answers": all(r.get("same_answer", True) for r in rows),
            "met": bool(measured) and gm <= TARGET_CATALOGUE_RATIO}


def _bench_query(probe: ox.Store, q: CatalogueQuery, servers: dict, cfg: BenchConfig,
                 work: Path) -> dict[str, Any]:
    """One catalogue query: same answer on both servers, then p50 on one connection each."""
    row: dict[str, Any] = {"name": q.name, "title": q.title}
    answers, once = {}, {}
    for name in ("service", "oxigraph"):  # the service first: its time limit stops the work
        srv, path = servers[name]
        t0 = time.perf_counter()
        try:
            answers[name] = response_key(*fetch(srv.root + path, q.sparql, q.accept,
                                               timeout=cfg.query_limit + 10), q.sparql)
        except (BenchError, WsisError, SyntaxError, requests.RequestException):
            row["error"] = (f"no complete answer from {name} within the "
                            f"{cfg.query_limit:g} s limit")
            return row
        once[name] = time.perf_counter() - t0
    row["results"] = len(answers["oxigraph"])
    row["same_answer"] = answers["service"] == answers["oxigraph"]
    slow = max(once.values()) > SLOW_QUERY_S
    reps = 1 if cfg.quick else 3

    def evaluate() -> bytes:
        return _serialise(probe.query(q.sparql, use_default_graph_as_union=True), q.accept)

    if slow:
        row["method"] = f"{reps} sequential requests"
        row["in_process_p50_ms"] = p50_in_process(evaluate, 0, max_reps=reps, min_reps=reps,
                                                  warm_up=False)
        for name, (srv, path) in servers.items():
            row[f"{name}_p50_ms"] = _sequential_p50(srv.root + path, q, reps)
            row[f"{name}_requests"] = reps
    else:
        per_query = max(1.0, cfg.duration / 2)
        row["method"] = "wrk, 1 connection"
        row["in_process_p50_ms"] = p50_in_process(evaluate, min(per_query, 2.0), max_reps=2000)
        for name, (srv, path) in servers.items():
            r = run_wrk(srv.root, [query_path(path, q.sparql)], q.accept, connections=1,
                        duration=per_query, workdir=work)
            if r.requests == 0:
                raise BenchError(f"{name} completed no request in {per_query:g} s")
            row[f"{name}_p50_ms"] = r.p50_ms
            row[f"{name}_requests"] = r.requests
    row["ratio"] = row["service_p50_ms"] / row["oxigraph_p50_ms"]
    return row


def _sequential_p50(url: str, q: CatalogueQuery, reps: int) -> float:
    """p50 of ``reps`` requests on one keep-alive connection (for slow queries)."""
    times = []
    with requests.Session() as s:
        for _ in range(reps):
            t0 = time.perf_counter()
            r = s.get(url, params={"query": q.sparql}, headers={"Accept": q.accept},
                      timeout=600)
            r.content  # noqa: B018 - the whole body is part of the answer time
            times.append(time.perf_counter() - t0)
            if r.status_code != 200:
                raise BenchError(f"{url} answered {r.status_code}")
    return statistics.median(times) * 1000


def _bench_lookups(iris: list[str], servers: dict, cfg: BenchConfig, work: Path,
                   say: Say) -> dict[str, Any]:
    out: dict[str, Any] = {"iris": len(iris),
                           "query": "SELECT ?p ?o WHERE { <iri> ?p ?o }"}
    for c in cfg.concurrency:
        say(f"(c) lookups by IRI at concurrency {c}")
        entry: dict[str, Any] = {}
        for name, (srv, path) in servers.items():
            paths = [query_path(path, f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}") for iri in iris]
            entry[name] = run_wrk(srv.root, paths, JSON_RESULTS, connections=c,
                                  duration=cfg.duration, workdir=work).as_dict()
        entry["ratio"] = entry["service"]["rps"] / entry["oxigraph"]["rps"]
        out[f"c{c}"] = entry
    out["met"] = all(out[f"c{c}"]["ratio"] >= TARGET_LOOKUP_RATIO for c in cfg.concurrency)
    return out


def _bench_rdflib(nq: Path, catalogue: list[CatalogueQuery], cfg: BenchConfig,
                  say: Say) -> dict[str, Any]:
    import rdflib

    say("(d) rdflib in-process on the aggregate queries (reference)")
    with warnings.catch_warnings():  # rdflib's own N-Quads parser uses its deprecated API
        warnings.simplefilter("ignore", DeprecationWarning)
        t0 = time.perf_counter()
        ds = rdflib.Dataset(default_union=True)
        ds.parse(str(nq), format="nquads")
        load_s = time.perf_counter() - t0
        rows = []
        for q in catalogue:
            if not q.aggregate:
                continue
            try:
                p50 = p50_in_process(lambda q=q: list(ds.query(q.sparql)),
                                     min(cfg.duration, 3.0), max_reps=50,
                                     min_reps=1 if cfg.quick else 3)
            except Exception as e:  # noqa: BLE001 - rdflib's own evaluation errors
                rows.append({"name": q.name, "error": f"rdflib: {type(e).__name__}: {e}"})
                continue
            rows.append({"name": q.name, "p50_ms": p50})
    return {"load_s": load_s, "queries": rows}


# --------------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------------

def _f(x: float | None, digits: int = 2) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _service_line(svc: dict[str, Any] | None) -> list[str]:
    if not svc:
        return []
    cache = (f"answer cache {svc['answer_cache_bytes'] // (1024 * 1024)} MiB"
             if svc["answer_cache_bytes"] else "answer cache off (every request evaluated)")
    return [f"Service: {svc['server']}, {svc['allocator']} allocator, {cache}, "
            f"{svc['query_workers']} query processes.", ""]


def render_markdown(r: dict[str, Any]) -> str:
    m, d = r["machine"], r["data"]
    ok = {True: "met", False: "**missed**"}
    lines = [
        f"# wsis-kg benchmark ({r['date']})", "",
        f"`{r['command']}` on {m['cpu']} ({m['cores']} cores, {m['memory_gb']} GB), "
        f"{m['os']}, Python {m['python']}, pyoxigraph {m['pyoxigraph']}, "
        f"{m['oxigraph_server']}, {m['wrk']}. Load average at start: {_f(m['load'])}.", "",
        f"Data: {d['quads']} quads ({d['wsis_quads']} WSIS graph + {d['synthetic_quads']} "
        f"synthetic). wrk runs of {r['duration_s']:g} s.", "",
        *_service_line(r.get("service")),
        "## Summary", "",
        "| measure | service | oxigraph serve | target | |",
        "|---|---:|---:|---:|---|",
    ]
    a = r["ask"]
    lines.append(f"| (a) `ASK {{}}` p50 overhead above in-process, ms | "
                 f"{_f(a['service_overhead_ms'], 3)} | {_f(a['oxigraph_overhead_ms'], 3)} | "
                 f"≤ {TARGET_ASK_OVERHEAD_MS} | {ok[a['met']]} |")
    c = r["catalogue"]
    lines.append(f"| (b) catalogue p50 ratio, geometric mean ({c['measured']} of "
                 f"{len(c['queries'])} queries) | "
                 f"{_f(c['geomean_ratio'])}× | 1× | ≤ {TARGET_CATALOGUE_RATIO}× | "
                 f"{ok[c['met']]} |")
    lk = r["lookups"]
    for key in (k for k in lk if k.startswith("c") and k[1:].isdigit()):
        e = lk[key]
        lines.append(f"| (c) lookups by IRI, {key[1:]} connections, req/s | "
                     f"{e['service']['rps']:.0f} ({_f(e['ratio'])}×) | "
                     f"{e['oxigraph']['rps']:.0f} | ≥ {TARGET_LOOKUP_RATIO}× | "
                     f"{ok[e['ratio'] >= TARGET_LOOKUP_RATIO]} |")
    lines += ["", "## (a) `ASK {}` on one connection", "",
              "| | p50 ms | p90 ms | p99 ms | requests |", "|---|---:|---:|---:|---:|",
              f"| in-process pyoxigraph | {_f(a['in_process_p50_ms'], 3)} | | | |"]
    for name in ("service", "oxigraph"):
        w = a[name]
        lines.append(f"| {name} over HTTP | {_f(w['p50_ms'], 3)} | {_f(w['p90_ms'], 3)} | "
                     f"{_f(w['p99_ms'], 3)} | {w['requests']} |")
    lines += ["", "## (b) Example catalogue, one connection (p50 ms)", "",
              f"A query the service does not answer within {c.get('query_limit_s', 0):g} s "
              "(its query timeout) is left out of the ratio.", "",
              "| query | results | in-process | service | oxigraph serve | ratio | same answer "
              "| timed with |", "|---|---:|---:|---:|---:|---:|---|---|"]
    for q in c["queries"]:
        if "ratio" not in q:
            lines.append(f"| {q['name']} | | | | | | | {q.get('error', '')} |")
            continue
        lines.append(f"| {q['name']} | {q['results']} | {_f(q['in_process_p50_ms'], 3)} | "
                     f"{_f(q['service_p50_ms'], 3)} | {_f(q['oxigraph_p50_ms'], 3)} | "
                     f"{_f(q['ratio'])} | {'yes' if q['same_answer'] else '**no**'} | "
                     f"{q['method']} |")
    lines += ["", f"## (c) Lookups by IRI (`{lk['query']}`, {lk['iris']} IRIs)", "",
              "| connections | service req/s | service p50/p99 ms | oxigraph req/s | "
              "oxigraph p50/p99 ms | ratio |", "|---:|---:|---:|---:|---:|---:|"]
    for key in (k for k in lk if k.startswith("c") and k[1:].isdigit()):
        e = lk[key]
        s, o = e["service"], e["oxigraph"]
        lines.append(f"| {key[1:]} | {s['rps']:.0f} | {_f(s['p50_ms'])}/{_f(s['p99_ms'])} | "
                     f"{o['rps']:.0f} | {_f(o['p50_ms'])}/{_f(o['p99_ms'])} | "
                     f"{_f(e['ratio'])} |")
    rd = r.get("rdflib") or {}
    lines += ["", "## (d) rdflib in-process, aggregate queries (reference)", ""]
    if "skipped" in rd:
        lines.append(f"Skipped: {rd['skipped']}.")
    else:
        lines.append(f"rdflib loaded the data in {_f(rd['load_s'], 1)} s.")
        lines += ["", "| query | rdflib p50 ms | pyoxigraph in-process p50 ms |",
                  "|---|---:|---:|"]
        inproc = {q["name"]: q.get("in_process_p50_ms") for q in c["queries"]}
        for q in rd["queries"]:
            rd_p50 = _f(q["p50_ms"], 1) if "p50_ms" in q else q.get("error", "")[:80]
            lines.append(f"| {q['name']} | {rd_p50} | {_f(inproc.get(q['name']), 3)} |")
    return "\n".join(lines) + "\n"


def write_results(results: dict[str, Any], out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    j, md = out / "bench.json", out / "bench.md"
    j.write_text(json.dumps(results, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    md.write_text(render_markdown(results), encoding="utf-8")
    return j, md


def iter_summary(results: dict[str, Any]) -> Iterator[str]:
    """The summary table of the markdown report (what the CLI prints)."""
    text = render_markdown(results)
    start = text.index("## Summary")
    end = text.index("## (a)")
    yield from text[start:end].rstrip().splitlines()
