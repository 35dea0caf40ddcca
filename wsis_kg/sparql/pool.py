"""The pre-forked query processes: a timeout that really stops the work.

pyoxigraph 0.5 has no timeout or cancel API, and a query running in a thread cannot be stopped.
So queries against the embedded store run in a small pool of **pre-forked worker processes**.
They share the loaded in-memory store's pages copy-on-write, so a worker starts in a few
milliseconds without loading anything. A worker answers over a pipe with the fully serialised
body (or an error). When the deadline passes, the supervisor SIGKILLs that worker (its CPU is
freed at once), has its replacement forked at once (prewarmed, so the next query does not pay
for the fork) and answers 503.

The serving process does not fork the workers itself: ``os.fork()`` holds the GIL while the
kernel copies the process's page tables, so every replacement of a killed runaway stalled
every request thread (measured: 20-90 ms per fork of a 90 MB test server on a loaded 2-core
machine; a production server is larger). Instead a **zygote** is forked once per store
generation (at start and after each write, under the service's write lock, so never from a
half-written store); it forks the workers on request and reports how each ended. The zygote
and its workers share the store copy-on-write; after a write the service starts a new
*generation*: a new zygote, and the workers forked before are retired.

A zygote and each worker close every descriptor they inherited (sockets, other programs'
pipes) before they serve, keeping only their own pipe and multiprocessing's.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import multiprocessing as mp
import os
import select
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.reduction import recv_handle, recvfds, send_handle, sendfds
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
from wsis_kg.sparql.jobs import (
    MIB,
    ChildStats,
    close_inherited,
    enter_child,
    fork_child,
    killed_reason,
    open_fds,
    reap,
    wait_readable,
)
from wsis_kg.sparql.waiting import WAITER, offload

#: How long the pool waits for a zygote to fork a worker before it starts another zygote.
_FORK_WAIT = 10.0
#: Query processes a zygote keeps forked ahead of requests.
_SPARES = 2


def _worker_main(conn, store: ox.Store, limit: int | None, parent_pid: int,
                 memory_bytes: int, inherited: dict[int, tuple[int, int]] | None = None) -> None:
    """Answer queries from the pipe until the supervisor closes it or the zygote goes away.

    The parent check is a poll every second rather than ``PR_SET_PDEATHSIG``: that signal fires
    when the *thread* that forked exits.
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


def _spare_main(ctl: socket.socket, table: dict[int, tuple[int, int]], store: ox.Store,
                limit: int | None, zygote: int, memory_bytes: int) -> None:
    """A forked worker-to-be: waits for its pipe, then serves as a worker.

    It first closes what it inherited from the zygote (the zygote's pipe to the pool, the
    other spares' control sockets), so that when the zygote goes, its EOF reaches each spare.
    """
    close_inherited(table, {ctl.fileno()})
    try:
        fd = recvfds(ctl, 1)[0]
    except (EOFError, OSError, RuntimeError):
        os._exit(0)
    ctl.close()
    _worker_main(Connection(fd), store, limit, zygote, memory_bytes)


def _zygote_main(conn, store: ox.Store, limit: int | None, memory_bytes: int,
                 inherited: dict[int, tuple[int, int]]) -> None:
    """Hand out query processes on request; report how each one ended.

    The zygote keeps ``_SPARES`` processes forked ahead, each waiting for its pipe, so a
    request is answered without waiting for a fork (which takes 10-200 ms on a loaded machine;
    the spares are replaced while the zygote is otherwise idle). A request is a number and the
    worker's end of a fresh pipe (passed as a descriptor); the answer ``("forked", number,
    pid)``. When a worker ends (its pidfd becomes readable) the zygote reaps it and sends
    ``("exit", pid, exit code)``. At EOF (the pool closed this pipe, or the serving process is
    gone) it kills every process it forked and exits.
    """
    enter_child(conn.fileno(), inherited, 0)
    me, server = os.getpid(), os.getppid()
    poller = select.poll()
    poller.register(conn.fileno(), select.POLLIN)
    children: dict[int, int] = {}  # pidfd -> pid
    spares: list[tuple[int, socket.socket]] = []

    def fork_spare() -> None:
        ours, theirs = socket.socketpair()
        table = open_fds()
        pid = os.fork()
        if pid == 0:
            try:
                _spare_main(theirs, table, store, limit, me, memory_bytes)
            finally:
                os._exit(0)
        theirs.close()
        pidfd = os.pidfd_open(pid)
        children[pidfd] = pid
        poller.register(pidfd, select.POLLIN)
        spares.append((pid, ours))

    try:
        while True:
            events = poller.poll(0 if len(spares) < _SPARES else 1000)
            if not events:
                if len(spares) < _SPARES:
                    fork_spare()
                elif os.getppid() != server:
                    return
            for fd, _ in events:
                if fd != conn.fileno():
                    pid = children.pop(fd)
                    poller.unregister(fd)
                    os.close(fd)
                    _, status = os.waitpid(pid, 0)
                    if any(p == pid for p, _ in spares):
                        spares[:] = [(p, c) for p, c in spares if p != pid]
                    else:
                        conn.send(("exit", pid, os.waitstatus_to_exitcode(status)))
                    continue
                number = conn.recv()
                worker_fd = recv_handle(conn)
                while True:
                    if not spares:
                        fork_spare()
                    pid, ctl = spares.pop(0)
                    try:
                        sendfds(ctl, [worker_fd])
                        break
                    except OSError:
                        continue  # that spare died meanwhile; its exit is not reported
                    finally:
                        ctl.close()
                os.close(worker_fd)
                conn.send(("forked", number, pid))
    except (EOFError, OSError):
        pass
    finally:
        for pid in children.values():
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        os._exit(0)


class _ZygoteGone(Exception):
    """The zygote did not fork a worker (it died, or did not answer in time)."""


class _Zygote:
    """The pool's end of one zygote: workers on request, and the exit code of each.

    Threads share the one pipe: a request is sent under ``_send``; answers are read by one
    thread at a time (whichever waits first) and filed in ``_got`` for the thread they belong
    to, so a thread waiting for a slow worker's exit never blocks another's fork.
    """

    def __init__(self, store: ox.Store, limit: int | None, memory_bytes: int,
                 generation: int) -> None:
        self.proc, self.conn = fork_child(_zygote_main, (store, limit, memory_bytes),
                                          name="wsis-kg-zygote", fork_lock=None)
        self.generation = generation
        self.live: set[int] = set()
        self.retired = False
        self._cv = threading.Condition(threading.Lock())
        self._send = threading.Lock()
        self._got: dict[tuple[str, int], int] = {}
        self._reading = False
        self._gone = False
        self._numbers = itertools.count()

    @property
    def usable(self) -> bool:
        return not (self.retired or self._gone)

    def fork(self) -> tuple[int, Connection]:
        """A new worker: its pid and our end of its pipe."""
        ours, theirs = mp.Pipe(duplex=True)
        number = next(self._numbers)
        try:
            with self._send:
                self.conn.send(number)
                send_handle(self.conn, theirs.fileno(), self.proc.pid)
        except (OSError, ValueError):
            ours.close()
            self._gone = True
            raise _ZygoteGone from None
        finally:
            theirs.close()
        pid = self._wait_for(("forked", number), time.monotonic() + _FORK_WAIT)
        if pid is None:
            ours.close()
            self.retire()
            raise _ZygoteGone
        with self._cv:
            self.live.add(pid)
        return pid, ours

    def exitcode(self, pid: int, seconds: float) -> int | None:
        """How worker ``pid`` ended (after it was killed or died); None: not known."""
        code = self._wait_for(("exit", pid), time.monotonic() + seconds)
        with self._cv:
            self.live.discard(pid)
            last = self.retired and not self.live
        if last:
            self._close()
        return code

    def retire(self) -> None:
        """Fork no more; go once the last worker forked here has ended."""
        with self._cv:
            self.retired = True
            last = not self.live
        if last:
            self._close()

    def _close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()  # EOF: the zygote kills what is left and exits
        reap(self.proc, kill=False)

    def _wait_for(self, key: tuple[str, int], deadline: float) -> int | None:
        with self._cv:
            while key not in self._got:
                left = deadline - time.monotonic()
                if self._gone or left <= 0:
                    return None
                if self._reading:
                    self._cv.wait(left)
                    continue
                self._reading = True
                self._cv.release()
                msg: Any = None
                try:
                    if wait_readable(self.conn, left):
                        msg = self.conn.recv()
                except (EOFError, OSError):
                    msg = "gone"
                finally:
                    self._cv.acquire()
                    self._reading = False
                    self._cv.notify_all()
                if msg == "gone":
                    self._gone = True
                elif msg is not None:
                    self._got[(msg[0], msg[1])] = msg[2]
                    if len(self._got) > 256:  # answers nobody waits for any more (timed out)
                        del self._got[next(iter(self._got))]
            return self._got.pop(key)


@dataclass(eq=False)  # identity: workers are kept in sets
class _Worker:
    pid: int
    conn: Any
    zygote: _Zygote
    served: int = 0
    #: Moved to the long lane: its place among the ``size`` is given to others.
    long: bool = False
    #: At the lowest CPU priority (another query came while it was long): retired after its
    #: query, since a process cannot raise its priority back.
    demoted: bool = False
    #: One poll object per worker: ``Connection.poll`` builds a selector on every call (≈20 µs).
    poller: Any = None
    #: Signals go through a pidfd: the pid may be reaped (and reused) before we signal it.
    pidfd: int = -1

    def __post_init__(self) -> None:
        self.poller = select.poll()
        self.poller.register(self.conn.fileno(), select.POLLIN)
        with contextlib.suppress(OSError):
            self.pidfd = os.pidfd_open(self.pid)

    @property
    def generation(self) -> int:
        return self.zygote.generation

    def alive(self) -> bool:
        """An idle worker sends nothing: anything to read is the EOF of its end."""
        return not self.poller.poll(0)

    def wait(self, seconds: float) -> bool:
        """Whether the answer (or EOF) is ready within ``seconds``."""
        return bool(self.poller.poll(max(0, math.ceil(seconds * 1000))))  # PEP 475 retries

    def exited(self) -> bool:
        """Whether the process has ended (its pidfd is readable), so its pid may be reused."""
        if self.pidfd < 0:
            return True
        poller = select.poll()
        poller.register(self.pidfd, select.POLLIN)
        return bool(poller.poll(0))

    def demote(self) -> None:
        """Lowest CPU priority: ``SCHED_IDLE`` (a fifth of nice 19's weight, and preempted
        as soon as a normal process wakes: a short query's process does not wait for the end
        of a runaway's time slice), and nice 19 where that policy is refused.

        Only while the process is alive: these calls take a pid, and once the zygote has reaped
        it the pid can be another process's (pids wrap at 32,768 here; a test run forks tens of
        thousands) — a validation job so demoted starved for 60 s on a busy machine."""
        if self.exited():
            return
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, self.pid, 19)
            os.sched_setscheduler(self.pid, os.SCHED_IDLE, os.sched_param(0))

    def kill(self) -> int | None:
        """SIGKILL, then how it ended."""
        self.stop()
        return self.zygote.exitcode(self.pid, 2.0)

    def stop(self) -> None:
        """SIGKILL (its CPU is freed at once); its exit code comes later from the zygote.

        A demoted one is first given its normal priority back where the system allows it (root,
        or ``RLIMIT_NICE``): a killed process must still be scheduled to exit, and at
        ``SCHED_IDLE`` on a busy machine that took seconds (the 503 waits for the exit)."""
        if self.demoted and not self.exited():
            with contextlib.suppress(OSError, AttributeError):
                os.sched_setscheduler(self.pid, os.SCHED_OTHER, os.sched_param(0))
                os.setpriority(os.PRIO_PROCESS, self.pid, 0)
        if self.pidfd >= 0:
            with contextlib.suppress(OSError):
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.close(self.pidfd)
            self.pidfd = -1
        with contextlib.suppress(Exception):
            self.conn.close()


class WorkerPool:
    """At most ``size + long_slots`` forked query processes, at most ``long_slots`` of them
    running *long* queries; ``size`` are kept warm.

    A query still running after ``long_after`` seconds is *long*: its process moves to the long
    lane, freeing its place among the ``size``. As soon as another query comes, every long
    query drops to the lowest CPU priority (``SCHED_IDLE``, so short queries keep the CPUs) and
    its process is retired once its query ends (a process cannot raise its priority back). A
    long query that no other query met keeps its priority, and its process, now holding private
    copies of the store pages it read, serves the next queries: a fresh process pays for those
    copies again (a 0.25 s query over 1M quads took 0.4–0.5 s, measured). So runaway queries hold at
    most ``long_slots`` processes and, when others are served, little CPU, and at least ``size``
    processes are left for the others. When the long lane is full, a query that becomes long is
    stopped (503 + Retry-After). A query waits at most ``queue_wait`` seconds for a free
    process (then 503 + Retry-After: request threads are never held by a queue). Each process
    may allocate ``memory_mb`` beyond what it shares with the server.
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
        #: Long queries still at normal priority (no other query came since they became long).
        self._undemoted: set[_Worker] = set()
        self.generation = 0
        self.stats = ChildStats()
        self._closed = False
        self._zygote: _Zygote | None = None

    # -- lifecycle --------------------------------------------------------------------------
    def _spawn(self) -> _Worker:
        """A new worker, forked by the zygote of the current generation (a new zygote if that
        one is gone: the only fork in this process outside start and writes)."""
        for _ in range(3):
            z = self._current_zygote()
            try:
                pid, conn = z.fork()
            except _ZygoteGone:
                continue
            self.stats.forked += 1
            return _Worker(pid, conn, z)
        raise StoreError("The query processes could not be started; try again shortly.")

    def _current_zygote(self) -> _Zygote:
        with self._cond:
            z = self._zygote
            if z is not None and z.usable:
                return z
        with self._fork_lock:  # never fork while a write is changing the store
            return self._new_zygote()

    def _new_zygote(self) -> _Zygote:
        """The zygote of the current generation, forked now if there is none (under the
        write lock)."""
        with self._cond:
            old = self._zygote
            if old is not None and old.usable:
                return old
            if self._closed:
                raise StoreError("The query service is shutting down.")
            gen = self.generation
        z = _Zygote(self._source(), self.limit, self.memory_bytes, gen)
        with self._cond:
            self._zygote = z
        if old is not None:
            old.retire()
        return z

    def prewarm(self, n: int = 1) -> None:
        """Have ``n`` idle workers now (as far as the limit on processes allows), so the next
        queries wait for no new process."""
        for _ in range(n):
            with self._cond:
                if (self._closed or len(self._idle) >= n
                        or self._count + self._long >= self.size + self.long_slots):
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
            old, self._zygote = self._zygote, None
            self._cond.notify_all()
        for w in stale:
            w.kill()
            self.stats.recycled += 1
        if old is not None:
            old.retire()
        with contextlib.suppress(StoreError):
            self._new_zygote()  # the writer pays this fork, not the next query

    def close(self) -> None:
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            z, self._zygote = self._zygote, None
        for w in idle:
            w.kill()
        if z is not None:
            z.retire()

    # -- use --------------------------------------------------------------------------------
    def _acquire(self, deadline: float) -> _Worker:
        if WAITER.get() is not None:  # on the event loop: an idle worker, or wait elsewhere
            w = self._take_idle()
            return w if w is not None else offload(self._acquire, deadline)
        with self._cond:
            while True:
                if self._closed:
                    raise StoreError("The query service is shutting down.")
                while self._idle:
                    w = self._idle.pop()
                    if w.generation == self.generation and w.alive():
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

    def _take_idle(self) -> _Worker | None:
        """An idle worker of this generation now, or None (nothing waited for, no process
        forked or killed: what the event loop may do)."""
        with self._cond:
            if self._closed or not self._idle:
                return None
            w = self._idle[-1]
            if w.generation != self.generation or not w.alive():
                return None  # stale or dead: _acquire kills it (which waits)
            return self._idle.pop()

    def yield_cpu(self) -> None:
        """Another query has come: every long query still at normal priority drops to the
        lowest (its process is retired after its query).

        Under the pool's lock, which :meth:`_settle` takes before a worker is released or
        killed: a worker is never demoted once it may have ended (its pid may be reused)."""
        if not self._undemoted:
            return
        with self._cond:
            for w in self._undemoted:
                w.demoted = True
                w.demote()
            self._undemoted.clear()

    def _settle(self, w: _Worker) -> bool:
        """``w``'s query is over: whether it was demoted (then it must be retired)."""
        with self._cond:
            self._undemoted.discard(w)
            return w.demoted

    def _release(self, w: _Worker) -> None:
        if self._settle(w):
            self._discard(w)
            self.stats.recycled += 1
            return
        with self._cond:
            if w.long:  # long, but met no other query: it keeps serving, at normal priority
                w.long = False
                self._long -= 1
                self._count += 1
            if w.generation == self.generation and not self._closed:
                self._idle.append(w)
                self._cond.notify()
                return
            self._count -= 1
            self._cond.notify()
        offload(w.kill)
        self.stats.recycled += 1

    def _discard(self, w: _Worker) -> int | None:
        """Kill ``w`` and free its place before learning how it ended (a process freeing
        hundreds of MB takes a while to go, and a waiting query needs the place now)."""
        self._settle(w)
        w.stop()
        with self._cond:
            if w.long:
                self._long -= 1
            else:
                self._count -= 1
            self._cond.notify()
        return offload(w.zygote.exitcode, w.pid, 2.0)

    def _go_long(self, w: _Worker) -> bool:
        """Move ``w`` to the long lane (its place freed; its priority lowered when another
        query comes, :meth:`yield_cpu`); False if the lane is full."""
        with self._cond:
            if self._long >= self.long_slots:
                return False
            self._long += 1
            self._count -= 1
            w.long = True
            self._undemoted.add(w)
            self._cond.notify()
        self.stats.long_queries += 1
        return True

    def _wait(self, w: _Worker, deadline: float) -> bool | None:
        """Whether the answer came before ``deadline``; None: stopped, the long lane is full.

        On the event loop the first ``long_after`` seconds are waited by the loop itself (the
        pipe registered as a reader); a query still running then is long, and the rest —
        priorities, a replacement's fork, the wait to the deadline — is done on a thread."""
        first = min(deadline, time.monotonic() + self.long_after)
        waiter = WAITER.get()
        if waiter is not None:
            if waiter.readable(w.conn.fileno(), first - time.monotonic()):
                return True
        elif w.wait(first - time.monotonic()):
            return True
        if deadline - time.monotonic() <= 0:
            return False
        return offload(self._wait_long, w, deadline)

    def _wait_long(self, w: _Worker, deadline: float) -> bool | None:
        """The rest of :meth:`_wait` once the query is long (may block: not on the loop)."""
        if not self._go_long(w):
            return None
        with contextlib.suppress(Exception):
            self.prewarm(self.size)  # this thread only waits now: it pays, not a short query
        return w.wait(deadline - time.monotonic())

    def run(self, req: QueryRequest, timeout: float) -> QueryResult:
        start = time.monotonic()
        deadline = start + timeout
        self.yield_cpu()
        w = self._acquire(min(deadline, start + self.queue_wait))
        self.stats.run += 1
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
                offload(self.prewarm, self.size)
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
                offload(self.prewarm, self.size)  # the replacement: the next query waits for none
            if ready is None:
                self.stats.busy += 1
                raise ServiceBusy(
                    f"The query ran longer than {self.long_after:g} s while {self.long_slots} "
                    "long queries were already running, and was stopped; try again shortly.",
                    retry_after=max(1, math.ceil(timeout / 4)), killed="busy")
            self.stats.killed_on_timeout += 1
            self.stats.pids.append(w.pid)
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
