"""Hostile queries do not hurt others: memory and time limits, no queue, clear errors.

The service-level tests use real query processes. The load test (slow) runs a real server on
127.0.0.1: normal queries under a bounded load, alone and then while 4 clients send runaway
queries; ``WSIS_KG_HOSTILE_SECONDS`` lengthens each phase (default 6 s, bounded for CI).
"""

from __future__ import annotations

import contextlib
import os
import statistics
import threading
import time
import tracemalloc

import pyoxigraph as ox
import pytest
import requests

from wsis_kg.errors import (
    ForbiddenService,
    LimitExceeded,
    QueryTimeout,
    QueryTooComplex,
    ServiceBusy,
    StoreError,
    UnknownFunction,
)
from wsis_kg.rdf import formats
from wsis_kg.settings import Settings
from wsis_kg.sparql import guard, lexer
from wsis_kg.sparql.cache import ResultCache, cacheable
from wsis_kg.sparql.evaluate import QueryRequest, QueryResult
from wsis_kg.sparql.memo import TextMemo
from wsis_kg.sparql.service import QueryService
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.testing import LiveServer
from wsis_kg.web import close_app, create_app

#: Heavier than the everyday loop allows (`pytest -m "not slow"` stays under a minute).
pytestmark = pytest.mark.slow

EX = "http://example.org/"
CARTESIAN = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
#: A short query that a query process answers (FILTER: not a bounded read, which the serving
#: process answers itself: wsis_kg.sparql.bounded).
VIA_PROCESS = "ASK { ?s ?p ?o FILTER(true) }"
#: ORDER BY over a cartesian product: memory grows until the limit (one reached 6 GiB).
ORDER_CARTESIAN = ("SELECT ?a ?d ?g { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } "
                   "ORDER BY ?a ?d ?g ?c ?f ?i")
UNBOUNDED_PATH = ("SELECT (COUNT(*) AS ?n) { ?a (<http://example.org/p>|!<urn:x>)* ?b . "
                  "?c (!<urn:x>)+ ?d . ?e ?f ?g }")
REGEX = ('SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i '
         'FILTER(REGEX(CONCAT(STR(?c), STR(?f), STR(?i), "aaaaaaaaaaaaaaaaaaaaaaaaaaaa!"), '
         '"^(a+)+$")) }')
RUNAWAYS = (CARTESIAN, ORDER_CARTESIAN, UNBOUNDED_PATH, REGEX)


def _store(n: int = 200) -> OxigraphStore:
    st = OxigraphStore()
    st.ox.bulk_extend(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "p"),
                              ox.Literal(str(i)), ox.NamedNode(EX + "g"))
                      for i in range(n))
    return st


def _service(**kw) -> QueryService:
    base = dict(build_on_start=False, query_timeout=2.0, result_limit=1000, workers=1,
                query_queue_wait=0.2, query_long_after=0.3, long_queries=1)
    base.update(kw)
    return QueryService(Settings(**base), _store())


# -- finding 4: clear client errors ---------------------------------------------------------

def test_an_unknown_function_is_a_client_error() -> None:
    svc = _service()
    try:
        with pytest.raises(UnknownFunction) as err:
            svc.query(QueryRequest(f"SELECT (<{EX}nosuchfunction>(1) AS ?x) {{}}"))
        assert err.value.status == 422  # a client error, but no syntax error (W3C test_4)
        assert "nosuchfunction" in err.value.detail
        assert not isinstance(err.value, StoreError)
    finally:
        svc.close()


def test_a_query_that_kills_its_process_is_503_too_complex() -> None:
    """~4,200 triple patterns overflow the stack of a query process forked from a request
    thread (server threads have small stacks): a clear 503 'too complex', not a 502."""
    # no worker prewarmed from the main thread (whose stack is large): the query's process is
    # forked from the small-stack thread, as replacements are in a server
    svc = QueryService(Settings(build_on_start=False, query_timeout=10.0, worker_memory_mb=0),
                       _store(), prewarm=False)
    many = "SELECT * { " + " ".join(f"?s{i} <{EX}p> ?o{i} ." for i in range(4200)) + " }"
    errors: list[Exception] = []

    def run() -> None:
        try:
            svc.query(QueryRequest(many))
        except Exception as e:  # noqa: BLE001 - examined below
            errors.append(e)

    old = threading.stack_size(1024 * 1024)
    try:
        t = threading.Thread(target=run)
        t.start()
        t.join()
        assert len(errors) == 1 and isinstance(errors[0], QueryTooComplex), errors
        assert errors[0].status == 503
        assert errors[0].extensions["killed"] in ("crash", "memory")
        assert "too complex" in errors[0].detail
        assert svc.query(QueryRequest(VIA_PROCESS)).body  # a fresh process answers
    finally:
        threading.stack_size(old)
        svc.close()


# -- finding 2: memory limit, no queue ------------------------------------------------------

def test_a_query_process_is_killed_at_its_memory_limit() -> None:
    svc = _service(worker_memory_mb=200, query_timeout=30.0)
    t0 = time.monotonic()
    try:
        with pytest.raises(QueryTooComplex) as err:
            svc.query(QueryRequest(ORDER_CARTESIAN))
        assert err.value.extensions["killed"] == "memory"
        assert time.monotonic() - t0 < 25  # stopped by memory, well before the time limit
        assert svc.pool is not None and svc.pool.stats.killed_on_memory == 1
    finally:
        svc.close()


def test_a_timeout_says_killed_time() -> None:
    svc = _service(query_timeout=0.6)
    try:
        with pytest.raises(QueryTimeout) as err:
            svc.query(QueryRequest(CARTESIAN))
        assert err.value.extensions["killed"] == "time"
    finally:
        svc.close()


def test_a_long_query_frees_its_place_for_short_ones() -> None:
    """With one query process, a runaway query does not make short queries wait: it moves to
    the long lane (lowest CPU priority) and a fresh process answers them."""
    svc = _service(query_timeout=3.0)
    try:
        runaway = threading.Thread(target=lambda: pytest.raises(QueryTimeout, svc.query,
                                                                QueryRequest(CARTESIAN)))
        runaway.start()
        time.sleep(0.5)  # now long
        t0 = time.monotonic()
        assert svc.query(QueryRequest(VIA_PROCESS)).body == b'{"head":{},"boolean":true}'
        assert time.monotonic() - t0 < 1.0
        runaway.join()
        assert svc.pool is not None and svc.pool.stats.long_queries == 1
    finally:
        svc.close()


#: 8,000,000 rows over the 200 quads of :func:`_store`: long (≈0.6 s quiet), then it ends.
THREE_WAY = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_a_long_query_alone_keeps_its_priority_and_its_process() -> None:
    """Finding: every query past ``long_after`` was demoted and its process retired, so the
    next one ran in a fresh process, which paid again for private copies of the store pages it
    read (61,000 page faults: 0.25 s → 0.39–0.49 s for ``description-contains`` over 1M quads).
    A long query that met no other query keeps its priority, and its process serves on."""
    svc = _service(query_timeout=10.0, query_long_after=0.1)
    try:
        assert b"8000000" in svc.query(QueryRequest(THREE_WAY)).body
        pool = svc.pool
        assert pool is not None and pool.stats.long_queries == 1
        w = pool._idle[-1]  # noqa: SLF001 - the next query's process (last in, first out)
        assert w.served == 1 and not w.long and not w.demoted
        assert os.sched_getscheduler(w.pid) == os.SCHED_OTHER
        assert svc.query(QueryRequest(VIA_PROCESS)).body.endswith(b"true}")
        assert pool._idle[-1] is w and w.served == 2  # noqa: SLF001
        assert pool.live_workers <= 1 + 1  # the replacement forked while it was long
    finally:
        svc.close()


def test_a_long_query_drops_its_priority_when_another_query_comes() -> None:
    svc = _service(query_timeout=2.0, query_long_after=0.1)
    try:
        runaway = threading.Thread(target=lambda: pytest.raises(QueryTimeout, svc.query,
                                                                QueryRequest(CARTESIAN)))
        runaway.start()
        pool = svc.pool
        assert pool is not None
        deadline = time.monotonic() + 1.5
        while not pool._undemoted and time.monotonic() < deadline:  # noqa: SLF001
            time.sleep(0.01)
        (w,) = pool._undemoted  # noqa: SLF001
        assert os.sched_getscheduler(w.pid) == os.SCHED_OTHER  # nobody else wants the CPUs
        assert svc.query(QueryRequest(VIA_PROCESS)).body.endswith(b"true}")
        assert w.demoted and os.sched_getscheduler(w.pid) == os.SCHED_IDLE
        runaway.join()
        assert w not in pool._idle and w.exited()  # noqa: SLF001 - retired
    finally:
        svc.close()


def _children() -> set[int]:
    """This process's direct children (every thread's: a fork from any thread counts)."""
    out: set[int] = set()
    for task in os.listdir("/proc/self/task"):
        with contextlib.suppress(OSError), open(f"/proc/self/task/{task}/children") as f:
            out |= {int(pid) for pid in f.read().split()}
    return out


def test_replacements_are_not_forked_by_the_serving_process() -> None:
    """fork() in the serving process holds its GIL while the kernel copies its page tables, so
    each replacement of a killed runaway (and each process for the long lane) stalled every
    request thread: 20-90 ms per fork of a 90 MB server on a loaded 2-core machine. They are
    forked by the generation's zygote: the serving process gains no child while runaways are
    killed and replaced, and the replacements still answer at once."""
    svc = _service(query_timeout=0.6, long_queries=2)
    try:
        svc.query(QueryRequest(VIA_PROCESS))
        before = _children()
        forked = svc.pool.stats.forked  # type: ignore[union-attr]
        for _ in range(3):
            with pytest.raises(QueryTimeout):
                svc.query(QueryRequest(CARTESIAN))
            assert svc.query(QueryRequest(VIA_PROCESS)).body.endswith(b"true}")
        assert svc.pool is not None and svc.pool.stats.forked >= forked + 3
        assert _children() <= before, "query processes forked by the serving process"
        for pid in svc.pool.stats.pids:  # each killed one is gone, reaped by its zygote
            assert not os.path.exists(f"/proc/{pid}")
    finally:
        svc.close()


def test_a_write_gives_a_new_zygote_whose_processes_see_it() -> None:
    """The zygote is forked once per store generation (by the writer, under the write lock):
    queries after a write see it, and the old zygote leaves once its processes are gone."""
    svc = _service()
    try:
        ask = QueryRequest(f"ASK {{ <{EX}new> ?p ?o FILTER(true) }}")  # via a query process
        assert svc.query(ask).body.endswith(b"false}")
        old = svc.pool._zygote  # type: ignore[union-attr]  # noqa: SLF001
        svc.update(f"INSERT DATA {{ <{EX}new> <{EX}p> 1 }}")
        assert svc.query(ask).body.endswith(b"true}")
        new = svc.pool._zygote  # type: ignore[union-attr]  # noqa: SLF001
        assert new is not old and new.generation == old.generation + 1
        assert old.proc.exitcode is not None  # retired: no process of its own was left
    finally:
        svc.close()


def test_a_dead_zygote_is_replaced() -> None:
    """A zygote that dies (the OOM killer, a stray signal) is forked again when a query needs
    a process: the service keeps answering."""
    svc = _service(workers=1)
    try:
        assert svc.query(QueryRequest(VIA_PROCESS)).body.endswith(b"true}")
        old = svc.pool._zygote  # type: ignore[union-attr]  # noqa: SLF001
        os.kill(old.proc.pid, 9)
        old.proc.join(5)
        time.sleep(1.5)  # its idle processes notice (a poll a second) and leave
        # another text: the same one would be answered from the answer cache
        assert svc.query(QueryRequest(VIA_PROCESS + " ")).body.endswith(b"true}")
        assert svc.pool._zygote is not old  # type: ignore[union-attr]  # noqa: SLF001
    finally:
        svc.close()


def test_busy_query_processes_fail_fast_with_retry_after() -> None:
    """No queue that holds request threads: when every process is busy (and the long lane is
    full), a query is refused after ``query_queue_wait`` with 503 + Retry-After."""
    svc = _service(query_timeout=3.0, long_queries=0, query_long_after=10.0)
    try:
        runaway = threading.Thread(target=lambda: pytest.raises(QueryTimeout, svc.query,
                                                                QueryRequest(CARTESIAN)))
        runaway.start()
        time.sleep(0.3)
        t0 = time.monotonic()
        with pytest.raises(ServiceBusy) as err:
            # Two patterns: a single one is a bounded read, answered without a query process.
            svc.query(QueryRequest("ASK { ?s ?p ?o . ?o ?q ?r }"))
        assert time.monotonic() - t0 < 1.0  # not the 3 s time limit
        assert err.value.status == 503 and err.value.headers["Retry-After"]
        runaway.join()
    finally:
        svc.close()


def test_a_full_long_lane_stops_one_more_long_query() -> None:
    svc = _service(query_timeout=3.0, workers=2, long_queries=1)
    try:
        first = threading.Thread(target=lambda: pytest.raises(QueryTimeout, svc.query,
                                                              QueryRequest(CARTESIAN)))
        first.start()
        time.sleep(0.5)
        t0 = time.monotonic()
        with pytest.raises(ServiceBusy):
            svc.query(QueryRequest(CARTESIAN))
        assert time.monotonic() - t0 < 1.5
        first.join()
    finally:
        svc.close()


def test_cached_answers_do_not_wait_for_busy_processes() -> None:
    svc = _service(query_timeout=3.0, long_queries=0, query_long_after=10.0)
    try:
        ask = QueryRequest(VIA_PROCESS)
        svc.query(ask)
        runaway = threading.Thread(target=lambda: pytest.raises(QueryTimeout, svc.query,
                                                                QueryRequest(CARTESIAN)))
        runaway.start()
        time.sleep(0.3)
        t0 = time.monotonic()
        assert svc.query(ask).body == b'{"head":{},"boolean":true}'
        assert time.monotonic() - t0 < 0.1
        runaway.join()
    finally:
        svc.close()


# -- finding 1: the guard's parse of a large text runs in a killable job ----------------------

def test_a_large_query_mentioning_service_is_checked_in_a_job() -> None:
    big = ("SELECT * { SERVICE <http://evil.example/sparql> { ?s ?p ?o } "
           + " ".join(f'?s <{EX}p{i}> "{"x" * 40}" .' for i in range(1500)) + " }")
    assert len(big) > guard.INLINE_TEXT_BYTES
    svc = _service(job_timeout=1.0)
    try:
        # refused either way: rdflib found the SERVICE, or took longer than the job's limit
        with pytest.raises((ForbiddenService, LimitExceeded)):
            svc.query(QueryRequest(big))
        assert svc.jobs.stats.run == 1  # not parsed in this process
        assert not cacheable(QueryRequest(big))  # never tokenised here for the cache either
    finally:
        svc.close()


def test_a_guard_job_is_stopped_at_its_time_limit() -> None:
    svc = _service(job_timeout=0.5)
    try:
        t0 = time.monotonic()
        with pytest.raises(LimitExceeded) as err:
            svc.run_job(time.sleep, 30, what="Sleeping")
        assert err.value.extensions["killed"] == "time"
        assert time.monotonic() - t0 < 2
    finally:
        svc.close()


# -- finding 3: memos bounded by bytes -------------------------------------------------------

def test_a_text_memo_is_bounded_in_bytes() -> None:
    memo = TextMemo(len, max_bytes=10_000, weight=2)
    for i in range(100):
        assert memo(str(i) * 300) == len(str(i) * 300)
    assert memo.bytes <= 10_000 and 0 < len(memo) < 100
    assert memo("x" * 5_000) == 5_000  # over an eighth: computed, not kept
    assert "x" * 5_000 not in memo._items  # noqa: SLF001


@pytest.mark.slow
def test_large_query_texts_do_not_pile_up_in_the_guard_memos() -> None:
    """Large texts (the finding: six of 8.6 MB kept 4.2 GiB, ~25 bytes of tokens per byte of
    text) leave little behind: memos are bounded in bytes and keep no token list this big."""
    for f in (guard._scan, guard.mentions_remote, lexer.tokenize):  # noqa: SLF001
        f.cache_clear()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(4):
            text = f"# {i}\nSELECT * {{ " + "?s <http://example.org/load> ?o . " * 10_000 + "}"
            guard.check_remote_access(text, ())
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 8 * len(text), kept  # about the texts themselves, no token lists


def test_answer_cache_counts_every_byte_of_its_keys() -> None:
    """Dataset IRIs, Accept and format are part of a key: they count against the bound too."""
    cache = ResultCache(100_000)
    fmt = formats.negotiate(formats.BOOLEAN, None, None)
    for i in range(50):
        graphs = (f"{EX}{i}/" + "g" * 10_000,)
        cache.put((0, f"ASK {{}} #{i}", graphs, (), None, False, True, "", ""),
                  QueryResult(b"{}", fmt, formats.BOOLEAN))
    kept = sum(len(k[2][0]) for k in cache._items)  # noqa: SLF001
    assert kept <= cache.max_bytes and cache.status()["bytes"] <= cache.max_bytes


# -- the load test ---------------------------------------------------------------------------

def _p99(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(0.99 * len(xs)))]


def _normal_load(url: str, seconds: float, clients: int = 3) -> tuple[list[float], int, int]:
    """Normal queries from ``clients`` threads, each one at a time, for ``seconds``:
    (latencies of answers, how many 503, how many other failures)."""
    lat: list[float] = []
    busy = [0, 0]
    stop = time.monotonic() + seconds
    lock = threading.Lock()

    def client(k: int) -> None:
        s = requests.Session()
        i = 0
        while time.monotonic() < stop:
            i += 1
            q = f"SELECT ?o {{ <{EX}s{(k * 7 + i) % 200}> ?p ?o }} LIMIT {i % 5 + 1}"
            t0 = time.monotonic()
            r = s.get(url + "/sparql", params={"query": q}, timeout=30)
            dt = time.monotonic() - t0
            with lock:
                if r.status_code == 200:
                    lat.append(dt)
                elif r.status_code == 503:
                    busy[0] += 1
                else:
                    busy[1] += 1
            time.sleep(0.02)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return lat, busy[0], busy[1]


def _runaway_round(url: str, seconds: float, timeout: float) -> dict:
    """One round: normal load alone, with 4 runaway clients, alone again (the machine is
    shared, so the baseline is measured before and after)."""
    base_lat, base_busy, base_err = _normal_load(url, seconds)
    outcomes: list[tuple[str, float, str]] = []
    stop = threading.Event()

    def runaway(q: str) -> None:
        s = requests.Session()
        while not stop.is_set():
            t0 = time.monotonic()
            r = s.get(url + "/sparql", params={"query": q}, timeout=60)
            body = r.json() if r.status_code == 503 else {}
            killed = body.get("killed", body.get("title", ""))
            outcomes.append((str(r.status_code), time.monotonic() - t0, killed))

    hostile = [threading.Thread(target=runaway, args=(q,)) for q in RUNAWAYS]
    for t in hostile:
        t.start()
    time.sleep(0.5)
    lat, busy, err = _normal_load(url, seconds)
    health_t0 = time.monotonic()
    health = requests.get(url + "/health", timeout=10)
    health_s = time.monotonic() - health_t0
    stop.set()
    for t in hostile:
        t.join()
    after_lat, after_busy, after_err = _normal_load(url, seconds)
    return {"base_lat": base_lat + after_lat, "base_busy": base_busy + after_busy,
            "base_err": base_err + after_err, "lat": lat, "busy": busy, "err": err,
            "health": health.status_code, "health_s": health_s, "outcomes": outcomes}


def test_runaway_clients_do_not_hurt_normal_queries(capsys) -> None:
    """Every round must stop each runaway at its limit, refuse no normal query and keep
    /health fast. The p99 target (3x the p99 without runaways) must hold in one of up to
    three rounds with ``WSIS_KG_HOSTILE_STRICT=1``; by default the bound is 10x, which still
    fails the behaviour before the pool's long lane (p99 10 s against 10 ms), because on a
    shared 2-core machine other processes' load spoils the tail: at a load average of 17-32
    (other engineers' test suites) single rounds measured 0.9-6.8x. Figures, and how they
    were measured: docs/security.md, "Hostile queries"."""
    factor = 3 if os.environ.get("WSIS_KG_HOSTILE_STRICT") == "1" else 10
    seconds = float(os.environ.get("WSIS_KG_HOSTILE_SECONDS", "6"))
    settings = Settings(build_on_start=False, query_timeout=4.0, workers=2, long_queries=5,
                        worker_memory_mb=300, query_cache_bytes=0)
    app = create_app(settings, store=_store())
    rounds = []
    try:
        with LiveServer(app) as srv:
            for _ in range(3):
                r = _runaway_round(srv.url, seconds, settings.query_timeout)
                rounds.append(r)
                with capsys.disabled():
                    print(f"\nload average {os.getloadavg()[0]:.1f}; normal p99 alone "
                          f"{_p99(r['base_lat']) * 1000:.1f} ms (n={len(r['base_lat'])}, "
                          f"503={r['base_busy']}, median "
                          f"{statistics.median(r['base_lat']) * 1000:.1f} ms); with 4 runaway "
                          f"clients {_p99(r['lat']) * 1000:.1f} ms (n={len(r['lat'])}, "
                          f"503={r['busy']}, median {statistics.median(r['lat']) * 1000:.1f} "
                          f"ms); /health {r['health_s'] * 1000:.0f} ms; runaways: "
                          + ", ".join(f"{c}/{k or '-'}/{dt:.1f}s" for c, dt, k in r["outcomes"]))
                assert r["base_err"] == 0 and r["err"] == 0
                assert r["health"] == 200 and r["health_s"] < 1.0
                assert r["busy"] == 0
                assert r["outcomes"] and all(c == "503" for c, _, _ in r["outcomes"])
                assert {k for _, _, k in r["outcomes"]} <= {"time", "memory"}
                assert all(dt < settings.query_timeout + 2 for _, dt, _ in r["outcomes"])
                if _p99(r["lat"]) <= factor * max(_p99(r["base_lat"]), 0.010):
                    break
    finally:
        close_app(app)
    assert any(_p99(r["lat"]) <= factor * max(_p99(r["base_lat"]), 0.010) for r in rounds)
