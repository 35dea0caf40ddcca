"""Query execution with limits: timeout that really stops the work, result cap, no network.

pyoxigraph 0.5 has no timeout or cancel API, and a query running in a thread cannot be stopped.
So queries against the embedded store run in a small pool of **pre-forked worker processes**
(``multiprocessing`` 'fork' context). They are forked from the process holding the loaded
in-memory store, so the store's pages are shared copy-on-write and a worker starts in a few
milliseconds without loading anything. A worker answers over a pipe with the fully serialised
body (or an error). When the deadline passes, the supervisor SIGKILLs that worker (its CPU is
freed at once) and answers 503; a replacement is forked on the next request.

Writes (SPARQL Update, ingest, Graph Store) all go through :meth:`QueryService.write`: it holds
the write lock, changes the store in this process, bumps a *generation* and retires the workers
forked before the write, so the next answer sees the write. Forks happen under the same lock,
so no worker is ever forked from a half-written store.

Store kinds:

* in-memory Oxigraph (default): workers fork from it directly;
* on-disk Oxigraph: RocksDB is neither fork-safe nor shareable between processes, so the
  service keeps an in-memory *mirror* of the disk store and workers fork from the mirror; writes
  go to the disk store and the mirror is refreshed from it;
* remote endpoint: queries run in the request thread; the remote endpoint's own timeout and the
  HTTP client timeout bound them (nothing local to kill).

SERVICE and LOAD are checked *before* anything runs, by :mod:`wsis_kg.sparql.guard` (pyoxigraph
would otherwise perform the HTTP call itself).

A worker closes every descriptor it inherited from the serving process (sockets, other
programs' pipes) before it serves, keeping only its own pipe and multiprocessing's.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import math
import multiprocessing as mp
import os
import re
import select
import signal
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pyoxigraph as ox

from wsis_kg import errors
from wsis_kg.errors import (
    QuerySyntaxError,
    QueryTimeout,
    StoreError,
    WsisError,
)
from wsis_kg.rdf import formats
from wsis_kg.settings import Settings
from wsis_kg.sparql.guard import check_remote_access, guard_update, mentions_remote
from wsis_kg.store.embedded import GraphStore, OxigraphStore, dataset_kwargs

log = logging.getLogger(__name__)
T = TypeVar("T")

_ERROR_AT = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.DOTALL)


@dataclass(frozen=True)
class QueryRequest:
    """One SPARQL query as the protocol delivers it (picklable: it crosses the pipe)."""

    sparql: str
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    base_iri: str | None = None
    accept: str | None = None
    format: str | None = None
    #: Let the query use the project prefixes (``wsis:``, ``wsisid:`` …) without declaring them.
    project_prefixes: bool = False


@dataclass(frozen=True)
class QueryResult:
    """A fully serialised answer: never a partial body."""

    body: bytes
    format: formats.Format
    kind: str

    @property
    def content_type(self) -> str:
        return self.format.content_type


# --------------------------------------------------------------------------------------------
# Evaluation (runs inside a worker, or in-process for remote stores and the CLI)
# --------------------------------------------------------------------------------------------

def syntax_error(e: SyntaxError, what: str = "query") -> QuerySyntaxError:
    """pyoxigraph's parser message ("error at L:C: …") → our error with line and column."""
    msg = str(e)
    m = _ERROR_AT.match(msg)
    if m:
        line, col, rest = int(m.group(1)), int(m.group(2)), m.group(3)
        return QuerySyntaxError(f"SPARQL {what} syntax error at line {line}, column {col}: "
                                f"{rest}", line=line, column=col)
    return QuerySyntaxError(f"SPARQL {what} syntax error: {msg}")


def kind_of(result: Any) -> str:
    if isinstance(result, ox.QueryBoolean):
        return formats.BOOLEAN
    if isinstance(result, ox.QuerySolutions):
        return formats.SOLUTIONS
    return formats.GRAPH


def evaluate(store: GraphStore | ox.Store, req: QueryRequest, limit: int | None) -> QueryResult:
    """Run ``req`` on ``store`` and serialise the answer (caller enforces time limits)."""
    def run() -> Any:
        if isinstance(store, ox.Store):
            return _ox_query(store, req)
        text = req.sparql
        if req.project_prefixes:
            from wsis_kg.namespaces import sparql_prologue

            text = sparql_prologue() + text
        return store.query(text, default_graph_uris=list(req.default_graph_uris),
                           named_graph_uris=list(req.named_graph_uris), base_iri=req.base_iri)

    try:
        result = run()
    except SyntaxError as e:
        raise syntax_error(e) from None
    except WsisError:
        raise
    except OSError as e:  # pyoxigraph reports evaluation failures (e.g. SERVICE) as OSError
        raise StoreError(f"The query failed while running: {e}") from None
    kind = kind_of(result)
    fmt = formats.negotiate(kind, req.accept, req.format)
    try:
        # A JSON answer whose row bound passes the cap is counted exactly on a second run:
        # only with the embedded store (a remote store is not asked twice).
        again = run if isinstance(store, ox.Store) else None
        body = formats.serialize_result(result, fmt, limit, again)
    except WsisError:
        raise
    except (OSError, ValueError, RuntimeError) as e:
        raise StoreError(f"The query failed while running: {e}") from None
    return QueryResult(body, fmt, kind)


def _ox_query(store: ox.Store, req: QueryRequest):
    kwargs = dataset_kwargs(req.sparql, req.default_graph_uris, req.named_graph_uris,
                            req.base_iri)
    if req.project_prefixes:
        from wsis_kg.namespaces import PREFIXES

        kwargs["prefixes"] = PREFIXES
    return store.query(req.sparql, **kwargs)


# --------------------------------------------------------------------------------------------
# Worker pool
# --------------------------------------------------------------------------------------------

def _open_fds() -> dict[int, tuple[int, int]]:
    """This process's open descriptors, each with the identity (device, inode) of its file."""
    fd_dir = "/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd"
    out: dict[int, tuple[int, int]] = {}
    try:
        names = os.listdir(fd_dir)
    except OSError:
        return out
    for name in names:
        try:
            st = os.fstat(int(name))
        except (OSError, ValueError):
            continue  # the directory handle listdir used, already closed
        out[int(name)] = (st.st_dev, st.st_ino)
    return out


def _close_inherited(inherited: dict[int, tuple[int, int]], keep: set[int]) -> None:
    """Close, in a fresh worker, every descriptor the serving process had before the fork.

    A forked worker would otherwise hold the server's listening socket, client connections,
    the other workers' pipes and other programs' pipes (a browser driver's, say) for as long as
    it lives, so peers would wait for an EOF that never comes. ``inherited`` is the parent's
    table taken just before ``Process.start()``; a descriptor is closed only if it still refers
    to the same file (device and inode), so the pipes multiprocessing created during the start
    (the parent sentinel, and the write end whose EOF tells the parent the worker has exited)
    are kept even if they reuse a number another thread freed meanwhile. Also kept: stdin,
    stdout, stderr, the worker's own pipe and the multiprocessing resource tracker's pipe.
    """
    keep = set(keep) | {0, 1, 2}
    with contextlib.suppress(Exception):
        from multiprocessing import resource_tracker

        fd = getattr(resource_tracker._resource_tracker, "_fd", None)  # noqa: SLF001
        if fd is not None:
            keep.add(fd)
    with contextlib.suppress(Exception):
        parent = mp.parent_process()
        if parent is not None:
            keep.add(parent.sentinel)
    for fd, ident in inherited.items():
        if fd in keep:
            continue
        try:
            st = os.fstat(fd)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) == ident:
            with contextlib.suppress(OSError):
                os.close(fd)


#: Signals a worker must not receive before it has set its own dispositions.
_WORKER_SIGNALS = frozenset({signal.SIGTERM, signal.SIGINT})


def _worker_main(conn, store: ox.Store, limit: int | None, parent_pid: int,
                 inherited: dict[int, tuple[int, int]] | None = None) -> None:
    """Answer queries from the pipe until the supervisor closes it or goes away.

    The parent check is a poll every second rather than ``PR_SET_PDEATHSIG``: that signal fires
    when the *thread* that forked exits, and request threads come and go.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _WORKER_SIGNALS)  # blocked by _spawn
    if inherited:
        _close_inherited(inherited, {conn.fileno()})
    poller = select.poll()
    poller.register(conn.fileno(), select.POLLIN)
    while True:
        try:
            while not poller.poll(1000):
                if os.getppid() != parent_pid:
                    os._exit(0)
            req = conn.recv()
        except (EOFError, OSError):
            os._exit(0)
        try:
            res = evaluate(store, req, limit)
            msg: tuple = ("ok", res.body, res.format.media_type, res.kind)
        except WsisError as e:
            msg = ("error", type(e).__name__, e.detail, e.extensions)
        except BaseException as e:  # noqa: BLE001 - report, never hang the supervisor
            msg = ("error", "StoreError", f"The query failed while running: {e}", {})
        try:
            conn.send(msg)
        except (OSError, ValueError):
            os._exit(0)


def _rebuild_error(name: str, detail: str, ext: dict) -> WsisError:
    cls = getattr(errors, name, StoreError)
    if cls is QuerySyntaxError:
        return QuerySyntaxError(detail, line=ext.get("line"), column=ext.get("column"))
    try:
        return cls(detail, **ext)
    except TypeError:
        return StoreError(detail)


@dataclass
class _Worker:
    proc: Any
    conn: Any
    generation: int
    served: int = 0
    #: One poll object per worker: ``Connection.poll`` builds a selector on every call (≈20 µs).
    poller: Any = None

    def __post_init__(self) -> None:
        self.poller = select.poll()
        self.poller.register(self.conn.fileno(), select.POLLIN)

    def wait(self, seconds: float) -> bool:
        """Whether the answer (or EOF) is ready within ``seconds``."""
        return bool(self.poller.poll(max(0, math.ceil(seconds * 1000))))  # PEP 475 retries

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.proc.kill()
        with contextlib.suppress(Exception):
            self.proc.join(2)
        with contextlib.suppress(Exception):
            self.conn.close()


@dataclass
class PoolStats:
    forked: int = 0
    killed_on_timeout: int = 0
    recycled: int = 0
    queries: int = 0
    pids: list[int] = field(default_factory=list)


class WorkerPool:
    """At most ``size`` forked workers; idle ones wait for the next query."""

    def __init__(self, source: Callable[[], ox.Store], size: int, limit: int | None,
                 fork_lock: threading.RLock) -> None:
        self._source = source
        self.size = max(1, size)
        self.limit = limit
        self._fork_lock = fork_lock
        self._cond = threading.Condition()
        self._idle: list[_Worker] = []
        self._busy: set[int] = set()
        self._count = 0
        self.generation = 0
        self.stats = PoolStats()
        self._ctx = mp.get_context("fork")
        self._closed = False

    # -- lifecycle --------------------------------------------------------------------------
    def _spawn(self) -> _Worker:
        with self._fork_lock:  # never fork while a write is changing the store
            parent, child = self._ctx.Pipe(duplex=True)
            proc = self._ctx.Process(target=_worker_main, name="wsis-kg-query",
                                     args=(child, self._source(), self.limit, os.getpid(),
                                           _open_fds()),
                                     daemon=True)
            # Signals stay blocked across the fork: a SIGTERM to the process group must not
            # run the server's inherited Python handler in the new worker (granian's hangs
            # there); the worker unblocks them once its own dispositions are set.
            mask = signal.pthread_sigmask(signal.SIG_BLOCK, _WORKER_SIGNALS)
            try:
                proc.start()
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            child.close()
            gen = self.generation
        self.stats.forked += 1
        return _Worker(proc, parent, gen)

    def prewarm(self, n: int = 1) -> None:
        """Fork ``n`` idle workers now so the next queries do not pay for the fork."""
        for _ in range(n):
            with self._cond:
                if self._closed or self._count >= self.size or len(self._idle) >= n:
                    return
                self._count += 1
            try:
                w = self._spawn()
            except BaseException:
                with self._cond:
                    self._count -= 1
                raise
            self._release(w)

    def new_generation(self) -> None:
        """Called (under the write lock) after a write: retire every worker forked before."""
        with self._cond:
            self.generation += 1
            stale, self._idle = self._idle, []
            self._count -= len(stale)
            self._cond.notify_all()
        for w in stale:
            w.kill()
            self.stats.recycled += 1

    def close(self) -> None:
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
        for w in idle:
            w.kill()

    # -- use --------------------------------------------------------------------------------
    def _acquire(self, deadline: float) -> _Worker:
        with self._cond:
            while True:
                if self._closed:
                    raise StoreError("The query service is shutting down.")
                while self._idle:
                    w = self._idle.pop()
                    if w.generation == self.generation and w.proc.is_alive():
                        return w
                    self._count -= 1
                    w.kill()
                if self._count < self.size:
                    self._count += 1
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    raise QueryTimeout("All query workers stayed busy until the time limit; "
                                       "try again shortly.", timeout=None)
                self._cond.wait(left)
        try:
            return self._spawn()
        except BaseException:
            with self._cond:
                self._count -= 1
                self._cond.notify()
            raise

    def _release(self, w: _Worker) -> None:
        with self._cond:
            if w.generation == self.generation and not self._closed:
                self._idle.append(w)
                self._cond.notify()
                return
            self._count -= 1
            self._cond.notify()
        w.kill()
        self.stats.recycled += 1

    def _discard(self, w: _Worker) -> None:
        w.kill()
        with self._cond:
            self._count -= 1
            self._cond.notify()

    def run(self, req: QueryRequest, timeout: float) -> QueryResult:
        deadline = time.monotonic() + timeout
        w = self._acquire(deadline)
        self.stats.queries += 1
        try:
            w.conn.send(req)
            ready = w.wait(deadline - time.monotonic())
            msg = w.conn.recv() if ready else None
        except (EOFError, OSError, BrokenPipeError):
            self._discard(w)
            raise StoreError("The query worker stopped unexpectedly (out of memory?).") from None
        except BaseException:
            self._discard(w)
            raise
        if msg is None:
            self.stats.killed_on_timeout += 1
            self.stats.pids.append(w.proc.pid)
            del self.stats.pids[:-20]
            self._discard(w)
            with contextlib.suppress(Exception):
                self.prewarm(1)  # the replacement, so the next query does not pay the fork
            raise QueryTimeout(
                f"The query did not finish within {timeout:g} s and was stopped. "
                "Narrow it (LIMIT, more specific patterns) or ask the operator for a longer "
                "timeout.", timeout=timeout)
        w.served += 1
        self._release(w)
        if msg[0] == "ok":
            _, body, media_type, kind = msg
            fmt = next(f for f in formats.offered(kind) if f.media_type == media_type)
            return QueryResult(body, fmt, kind)
        _, name, detail, ext = msg
        raise _rebuild_error(name, detail, ext)

    @property
    def live_workers(self) -> int:
        return self._count


# --------------------------------------------------------------------------------------------
# Answer cache
# --------------------------------------------------------------------------------------------

#: Functions whose value changes from one evaluation to the next: such answers are never reused.
_VOLATILE = re.compile(r"\b(?:rand|now|uuid|struuid|bnode)\s*\(", re.IGNORECASE)
#: Identifies this serving process, so an ETag never survives a restart (generation restarts
#: at 0 and an in-memory store may hold other data then).
_BOOT = os.urandom(8).hex()


def cacheable(req: QueryRequest) -> bool:
    """Whether two evaluations of ``req`` on the same store give the same bytes.

    Not when the text may reach another endpoint (SERVICE: its data changes without our writes)
    or uses a volatile function (RAND, NOW, UUID, STRUUID, BNODE). A false positive (the word
    inside a string or comment) only costs a missed reuse.
    """
    return _cacheable_text(req.sparql)


@functools.lru_cache(maxsize=4096)
def _cacheable_text(sparql: str) -> bool:
    # Memoised: a request asks several times (cache key, ETag), and clients repeat queries.
    return not (mentions_remote(sparql) or _VOLATILE.search(sparql))


class ResultCache:
    """Least-recently-used serialised answers, bounded in bytes, valid for one store generation.

    Keyed by everything that decides the answer's bytes: the store generation, the query text,
    the dataset parameters, the base IRI, the project-prefix switch and what negotiation sees
    (``Accept`` and ``format=``). Only complete successful answers are stored (never errors,
    timeouts or answers over the cap, which raise). Writes clear it, and an answer computed
    while a write happened is not stored (its generation is no longer current).
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max(0, max_bytes)
        #: One answer may use at most an eighth of the cache.
        self.max_entry = self.max_bytes // 8
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple, QueryResult] = OrderedDict()
        self._size = 0
        self.hits = self.misses = 0

    @staticmethod
    def _cost(key: tuple, res: QueryResult) -> int:
        return len(res.body) + len(key[1]) + 256

    def get(self, key: tuple, *, count_miss: bool = True) -> QueryResult | None:
        """The answer stored under ``key`` (now most recently used); ``count_miss=False`` for a
        look-up that is followed by a counted one when it fails (the web fast path)."""
        with self._lock:
            res = self._items.get(key)
            if res is None:
                self.misses += count_miss
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return res

    def put(self, key: tuple, res: QueryResult) -> None:
        cost = self._cost(key, res)
        if cost > self.max_entry:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._size -= self._cost(key, old)
            self._items[key] = res
            self._size += cost
            while self._size > self.max_bytes and self._items:
                k, v = self._items.popitem(last=False)
                self._size -= self._cost(k, v)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0

    def status(self) -> dict[str, int]:
        return {"entries": len(self._items), "bytes": self._size, "max_bytes": self.max_bytes,
                "hits": self.hits, "misses": self.misses}


# --------------------------------------------------------------------------------------------
# The service
# --------------------------------------------------------------------------------------------

class QueryService:
    """Runs queries with limits and serialises every write to the store.

    ``workers``: the size of the query process pool (default: ``Settings.workers``, at least 1).
    """

    def __init__(self, settings: Settings, store: GraphStore, *, workers: int | None = None,
                 prewarm: bool = True) -> None:
        self.settings = settings
        self.store = store
        self.write_lock = threading.RLock()
        self._mirror: ox.Store | None = None
        self.pool: WorkerPool | None = None
        if isinstance(store, OxigraphStore):
            if store.path is None:
                self.mode = "fork"
                source: Callable[[], ox.Store] = lambda: store.ox  # noqa: E731
            else:
                self.mode = "mirror"
                self._refresh_mirror()
                source = lambda: self._mirror  # noqa: E731
            size = workers if workers is not None else max(1, settings.workers)
            self.pool = WorkerPool(source, size, settings.result_limit, self.write_lock)
            if prewarm:
                self.pool.prewarm(1)
        else:
            self.mode = "inline"
        #: Answers by (generation, request); only with a local store, whose every write goes
        #: through :meth:`write` (a remote store changes behind our back).
        self.cache: ResultCache | None = (
            ResultCache(settings.query_cache_bytes)
            if self.pool is not None and settings.query_cache_bytes > 0 else None)

    # -- queries ----------------------------------------------------------------------------
    def cache_key(self, req: QueryRequest) -> tuple | None:
        """What decides ``req``'s answer bytes, with the store generation; None: not reusable."""
        if self.pool is None or not cacheable(req):
            return None
        return (self.pool.generation, req.sparql, req.default_graph_uris, req.named_graph_uris,
                req.base_iri, req.project_prefixes, req.accept or "", req.format or "")

    def etag(self, req: QueryRequest) -> str | None:
        """A strong validator for ``req``'s answer now: same value ⇔ same bytes would be sent.

        Derived from the request and the store generation (no evaluation needed, so a
        conditional GET that matches is answered without running the query).
        """
        key = self.cache_key(req)
        if key is None:
            return None
        return hashlib.blake2b(repr((_BOOT, key)).encode(), digest_size=12).hexdigest()

    def cached(self, req: QueryRequest) -> QueryResult | None:
        """``req``'s answer if the cache holds it now, else None (nothing is run).

        Safe without :func:`check_remote_access`: a cached query has no SERVICE or LOAD.
        """
        if self.cache is None:
            return None
        key = self.cache_key(req)
        return None if key is None else self.cache.get(key, count_miss=False)

    def query(self, req: QueryRequest | str, *, timeout: float | None = None) -> QueryResult:
        """Answer a query within the time limit and result cap, or raise a WsisError."""
        if isinstance(req, str):
            req = QueryRequest(req)
        check_remote_access(req.sparql, self.settings.service_allowlist)
        timeout = self.settings.query_timeout if timeout is None else timeout
        if self.pool is None:
            return evaluate(self.store, req, self.settings.result_limit)
        key = self.cache_key(req) if self.cache is not None else None
        if key is not None:
            hit = self.cache.get(key)  # type: ignore[union-attr]
            if hit is not None:
                return hit
        result = self.pool.run(req, timeout)
        if key is not None and key[0] == self.pool.generation:
            self.cache.put(key, result)  # type: ignore[union-attr]
        return result

    # -- writes -----------------------------------------------------------------------------
    def write(self, fn: Callable[[GraphStore], T]) -> T:
        """Run ``fn(store)`` as the only writer; afterwards every query sees its changes.

        Everything that changes the store (SPARQL Update, ingest, Graph Store Protocol) must
        call this, so that query workers forked before the change are retired.
        """
        with self.write_lock:
            try:
                return fn(self.store)
            finally:
                if self.mode == "mirror":
                    self._refresh_mirror()
                if self.pool is not None:
                    self.pool.new_generation()
                if self.cache is not None:
                    self.cache.clear()
                    with contextlib.suppress(Exception):
                        self.pool.prewarm(1)  # the writer pays for the fork, not a reader

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Execute SPARQL Update (already authorised by the caller), SERVICE/LOAD checked first."""
        sparql = guard_update(sparql, self.settings.service_allowlist)

        def run(store: GraphStore) -> None:
            try:
                store.update(sparql, base_iri=base_iri)
            except SyntaxError as e:
                raise syntax_error(e, "update") from None
            except WsisError:
                raise
            except (OSError, ValueError, RuntimeError) as e:
                raise StoreError(f"The update failed: {e}") from None

        self.write(run)

    # -- misc -------------------------------------------------------------------------------
    def _refresh_mirror(self) -> None:
        assert isinstance(self.store, OxigraphStore)
        mirror = ox.Store()
        mirror.bulk_extend(self.store.ox.quads_for_pattern(None, None, None, None))
        self._mirror = mirror

    def status(self) -> dict[str, Any]:
        out: dict[str, Any] = {"mode": self.mode, "query_timeout": self.settings.query_timeout,
                               "result_limit": self.settings.result_limit}
        if self.pool is not None:
            out.update(workers=self.pool.size, live_workers=self.pool.live_workers,
                       generation=self.pool.generation, forked=self.pool.stats.forked,
                       killed_on_timeout=self.pool.stats.killed_on_timeout)
        if self.cache is not None:
            out["cache"] = self.cache.status()
        return out

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
