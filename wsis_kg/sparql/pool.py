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
import multiprocessing as mp
import os
import select
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from wsis_kg.errors import QueryTimeout, StoreError, WsisError, error_name, rebuild_error
from wsis_kg.rdf import formats
from wsis_kg.sparql.evaluate import QueryRequest, QueryResult, evaluate


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
        raise rebuild_error(name, detail, ext)

    @property
    def live_workers(self) -> int:
        return self._count
