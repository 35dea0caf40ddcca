"""The pre-forked query processes: a timeout that really stops the work.

pyoxigraph 0.5 has no timeout or cancel API, and a query running in a thread cannot be stopped.
So queries against the embedded store run in a small pool of **pre-forked worker processes**
(``multiprocessing`` 'fork' context). They are forked from the process holding the loaded
in-memory store, so the store's pages are shared copy-on-write and a worker starts in a few
milliseconds without loading anything. A worker answers over a pipe with the fully serialised
body (or an error). When the deadline passes, the supervisor SIGKILLs that worker (its CPU is
freed at once), forks its replacement at once (prewarmed, so the next query does not pay for the
fork) and answers 503.

Forks happen under the service's write lock, so no worker is ever forked from a half-written
store; after a write the service starts a new *generation* and the workers forked before it are
retired.

A worker closes every descriptor it inherited from the serving process (sockets, other
programs' pipes) before it serves, keeping only its own pipe and multiprocessing's.
"""

from __future__ import annotations

import contextlib
import math
import os
import select
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from wsis_kg.errors import (
    QueryTimeout,
    QueryTooComplex,
    ServiceBusy,
    StoreError,
    WsisError,
    error_name,
    rebuild_error,
)
from wsis_kg.rdf import formats
from wsis_kg.sparql.evaluate import QueryRequest, QueryResult, evaluate
from wsis_kg.sparql.jobs import MIB, enter_child, fork_child, killed_reason, reap


def _worker_main(conn, store: ox.Store, limit: int | None, parent_pid: int,
                 memory_bytes: int, inherited: dict[int, tuple[int, int]] | None = None) -> None:
    """Answer queries from the pipe until the supervisor closes it or goes away.

    The parent check is a poll every second rather than ``PR_SET_PDEATHSIG``: that signal fires
    when the *thread* that forked exits, and request threads come and go.
    """
    enter_child(conn.fileno(), inherited, memory_bytes)
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
            msg = ("error", error_name(e), e.detail, e.extensions)
        except BaseException as e:  # noqa: BLE001 - report, never hang the supervisor
            msg = ("error", error_name(StoreError("")),
                   f"The query failed while running: {e}", {})
        try:
            conn.send(msg)
        except (OSError, ValueError):
            os._exit(0)


@dataclass
class _Worker:
    proc: Any
    conn: Any
    generation: int
    served: int = 0
    #: Moved to the long lane (lowest CPU priority): retired after its query.
    long: bool = False
    #: One poll object per worker: ``Connection.poll`` builds a selector on every call (≈20 µs).
    poller: Any = None

    def __post_init__(self) -> None:
        self.poller = select.poll()
        self.poller.register(self.conn.fileno(), select.POLLIN)

    def wait(self, seconds: float) -> bool:
        """Whether the answer (or EOF) is ready within ``seconds``."""
        return bool(self.poller.poll(max(0, math.ceil(seconds * 1000))))  # PEP 475 retries

    def kill(self) -> int | None:
        code = reap(self.proc, kill=True)
        with contextlib.suppress(Exception):
            self.conn.close()
        return code


@dataclass
class PoolStats:
    forked: int = 0
    killed_on_timeout: int = 0
    killed_on_memory: int = 0
    crashed: int = 0
    busy: int = 0
    long_queries: int = 0
    recycled: int = 0
    queries: int = 0
    pids: list[int] = field(default_factory=list)


class WorkerPool:
    """At most ``size + long_slots`` forked query processes, at most ``long_slots`` of them
    running *long* queries; ``size`` are kept warm.

    A query still running after ``long_after`` seconds is *long*: its process drops to the
    lowest CPU priority (``nice`` 19, so short queries keep the CPUs) and is retired once its
    query ends (a process cannot raise its priority back). So runaway queries hold at most
    ``long_slots`` processes and little CPU, and at least ``size`` processes are left for the
    others. When the long lane is full, a query that becomes long is stopped (503 +
    Retry-After). A query waits at most ``queue_wait`` seconds for a free process (then 503 +
    Retry-After: request threads are never held by a queue). Each process may allocate
    ``memory_mb`` beyond what it shares with the server.
    """

    def __init__(self, source: Callable[[], ox.Store], size: int, limit: int | None,
                 fork_lock: threading.RLock, *, memory_mb: int = 0, queue_wait: float = 0.5,
                 long_after: float = 0.5, long_slots: int = 2) -> None:
        self._source = source
        self.size = max(1, size)
        self.limit = limit
        self.memory_bytes = max(0, memory_mb) * MIB
        self.queue_wait = max(0.0, queue_wait)
        self.long_after = max(0.0, long_after)
        self.long_slots = max(0, long_slots)
        self._fork_lock = fork_lock
        self._cond = threading.Condition()
        self._idle: list[_Worker] = []
        self._count = 0
        self._long = 0
        self.generation = 0
        self.stats = PoolStats()
        self._closed = False

    # -- lifecycle --------------------------------------------------------------------------
    def _spawn(self) -> _Worker:
        with self._fork_lock:  # never fork while a write is changing the store
            proc, conn = fork_child(_worker_main, (self._source(), self.limit, os.getpid(),
                                                   self.memory_bytes),
                                    name="wsis-kg-query", fork_lock=None)
            gen = self.generation
        self.stats.forked += 1
        return _Worker(proc, conn, gen)

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
                if self._count + self._long < self.size + self.long_slots:
                    self._count += 1
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    self.stats.busy += 1
                    raise ServiceBusy(
                        f"All {self.size + self.long_slots} query processes are busy; try "
                        "again shortly.", retry_after=1)
                self._cond.wait(left)
        try:
            return self._spawn()
        except BaseException:
            with self._cond:
                self._count -= 1
                self._cond.notify()
            raise

    def _release(self, w: _Worker) -> None:
        if w.long:
            self._discard(w)
            self.stats.recycled += 1
            return
        with self._cond:
            if w.generation == self.generation and not self._closed:
                self._idle.append(w)
                self._cond.notify()
                return
            self._count -= 1
            self._cond.notify()
        w.kill()
        self.stats.recycled += 1

    def _discard(self, w: _Worker) -> int | None:
        code = w.kill()
        with self._cond:
            if w.long:
                self._long -= 1
            else:
                self._count -= 1
            self._cond.notify()
        return code

    def _go_long(self, w: _Worker) -> bool:
        """Move ``w`` to the long lane (lowest CPU priority, its place freed); False if full."""
        with self._cond:
            if self._long >= self.long_slots:
                return False
            self._long += 1
            self._count -= 1
            w.long = True
            self._cond.notify()
        self.stats.long_queries += 1
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, w.proc.pid, 19)
        return True

    def _wait(self, w: _Worker, deadline: float) -> bool | None:
        """Whether the answer came before ``deadline``; None: stopped, the long lane is full."""
        first = min(deadline, time.monotonic() + self.long_after)
        if w.wait(first - time.monotonic()):
            return True
        if deadline - time.monotonic() <= 0:
            return False
        if not self._go_long(w):
            return None
        with contextlib.suppress(Exception):
            self.prewarm(1)  # this thread only waits now: it pays the fork, not a short query
        return w.wait(deadline - time.monotonic())

    def run(self, req: QueryRequest, timeout: float) -> QueryResult:
        start = time.monotonic()
        deadline = start + timeout
        w = self._acquire(min(deadline, start + self.queue_wait))
        self.stats.queries += 1
        try:
            w.conn.send(req)
            ready = self._wait(w, deadline)
            msg = w.conn.recv() if ready else None
        except (EOFError, OSError, BrokenPipeError):
            code = self._discard(w)
            reason = killed_reason(code)
            if reason == "memory":
                self.stats.killed_on_memory += 1
            else:
                self.stats.crashed += 1
            with contextlib.suppress(Exception):
                self.prewarm(1)
            mb = self.memory_bytes // MIB
            raise QueryTooComplex(
                "The query process was stopped: the query "
                + (f"needed more memory than a query process may use ({mb} MB)"
                   if reason == "memory" and mb else "ran out of memory")
                + (" or was too complex for the engine" if reason == "crash" else "")
                + ". Narrow it (LIMIT, fewer or more specific patterns).",
                killed=reason) from None
        except BaseException:
            self._discard(w)
            raise
        if msg is None:
            self._discard(w)
            with contextlib.suppress(Exception):
                self.prewarm(1)  # the replacement, so the next query does not pay the fork
            if ready is None:
                self.stats.busy += 1
                raise ServiceBusy(
                    f"The query ran longer than {self.long_after:g} s while {self.long_slots} "
                    "long queries were already running, and was stopped; try again shortly.",
                    retry_after=max(1, math.ceil(timeout / 4)), killed="busy")
            self.stats.killed_on_timeout += 1
            self.stats.pids.append(w.proc.pid)
            del self.stats.pids[:-20]
            raise QueryTimeout(
                f"The query did not finish within {timeout:g} s and was stopped. "
                "Narrow it (LIMIT, more specific patterns) or ask the operator for a longer "
                "timeout.", timeout=timeout, killed="time")
        w.served += 1
        self._release(w)
        if msg[0] == "ok":
            _, body, media_type, kind = msg
            fmt = next(f for f in formats.offered(kind) if f.media_type == media_type)
            return QueryResult(body, fmt, kind)
        _, name, detail, ext = msg
        raise rebuild_error(name, detail, ext)

    @property
    def live_workers(self) -> int:
        return self._count + self._long
