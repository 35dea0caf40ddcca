"""Killable, memory-limited child processes: where costly work a caller sends runs.

A thread cannot be stopped, and neither pyoxigraph nor rdflib nor pyshacl has a cancel switch,
so work whose cost a caller decides (SHACL validation, parsing caller RDF, the guard's rdflib
parse of a large query, canonical dumps) runs in a child **forked** for it: it sees the
serving process's memory copy-on-write (the store, the arguments: nothing is pickled on the
way in), answers over a pipe, and is SIGKILLed at its deadline. Both kinds of child — the
pre-forked query processes of :mod:`wsis_kg.sparql.pool` and the one-off jobs here — are
prepared by :func:`fork_child` and :func:`enter_child`: signals blocked across the fork, the
server's descriptors closed, an address-space limit (``RLIMIT_AS``) of what the child may add
beyond what it shares with the server, the rdflib lock re-initialised, and every object the
child inherits kept out of its garbage collector (a child that collected the server's unreachable
on-disk store hung for ever in RocksDB's close, waiting for background threads it does not have).

How a child ended is told apart (:func:`killed_reason`): ``time`` (we killed it at its
deadline), ``memory`` (a ``MemoryError`` or an abort, which is how Rust code dies when an
allocation fails under the limit) or ``crash`` (any other signal, e.g. a stack overflow on a
deeply nested input).

:class:`JobRunner` caps how many jobs run at once: one more is refused at once with
:class:`~wsis_kg.errors.ServiceBusy` (503 + ``Retry-After``) rather than queued, so no request
thread waits for another caller's work.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import math
import multiprocessing as mp
import os
import resource
import select
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from wsis_kg.errors import LimitExceeded, ServiceBusy, WsisError, error_name, rebuild_error
from wsis_kg.rdf.parse import RDFLIB_LOCK

T = TypeVar("T")

#: Signals a child must not receive before it has set its own dispositions.
CHILD_SIGNALS = frozenset({signal.SIGTERM, signal.SIGINT})
log = logging.getLogger(__name__)
_CTX = mp.get_context("fork")
MIB = 1024 * 1024


def open_fds() -> dict[int, tuple[int, int]]:
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


def close_inherited(inherited: dict[int, tuple[int, int]], keep: set[int]) -> None:
    """Close, in a fresh child, every descriptor the serving process had before the fork.

    A forked child would otherwise hold the server's listening socket, client connections,
    the other children's pipes and other programs' pipes (a browser driver's, say) for as long
    as it lives, so peers would wait for an EOF that never comes. ``inherited`` is the parent's
    table taken just before ``Process.start()``; a descriptor is closed only if it still refers
    to the same file (device and inode), so the pipes multiprocessing created during the start
    (the parent sentinel, and the write end whose EOF tells the parent the child has exited)
    are kept even if they reuse a number another thread freed meanwhile. Also kept: stdin,
    stdout, stderr, the child's own pipe and the multiprocessing resource tracker's pipe.
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


def limit_memory(extra_bytes: int) -> None:
    """Cap this child's address space at what it has now plus ``extra_bytes`` (0: no cap).

    Relative, because a child forked from a large server already maps the server's store and
    allocator arenas (shared copy-on-write); the limit is on what the child's own work adds.
    """
    if extra_bytes <= 0:
        return
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            now = int(f.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = now + extra_bytes
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def enter_child(conn_fd: int, inherited: dict[int, tuple[int, int]] | None,
                memory_bytes: int) -> None:
    """The first thing a forked child does: own signals, no server descriptors, its limits."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, CHILD_SIGNALS)  # blocked by fork_child
    if inherited:
        close_inherited(inherited, {conn_fd})
    # Another thread of the server may have held the lock at the fork; it never runs here.
    RDFLIB_LOCK._at_fork_reinit()  # type: ignore[attr-defined]  # noqa: SLF001
    limit_memory(memory_bytes)


def fork_child(target: Callable[..., None], args: tuple, *, name: str,
               fork_lock: threading.RLock | None) -> tuple[Any, Any]:
    """Fork ``target(conn, *args, inherited)`` (``conn`` its end of a duplex pipe).

    Returns (process, our end of the pipe). Under ``fork_lock`` (the service's write lock) so
    no child is forked from a half-written store. Signals stay blocked across the fork: a
    SIGTERM to the process group must not run the server's inherited Python handler in the new
    child (granian's hangs there); :func:`enter_child` unblocks them.

    The server's objects are frozen across the fork (:func:`gc.freeze`, constant time): the
    child's collector never finalises what it inherited. An unreachable on-disk store waiting
    in a reference cycle would otherwise be closed in the child, and RocksDB's close waits for
    background flushes and compactions whose threads exist only in the server: the child hung
    until its deadline (a validation stopped at 60 s in CI). Frozen pages are also left
    unwritten by the child's collector, so more of the memory stays shared.
    """
    with fork_lock if fork_lock is not None else contextlib.nullcontext():
        parent, child = _CTX.Pipe(duplex=True)
        proc = _CTX.Process(target=target, name=name, args=(child, *args, open_fds()),
                            daemon=True)
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, CHILD_SIGNALS)
        gc.freeze()
        try:
            proc.start()
        finally:
            gc.unfreeze()
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        child.close()
    return proc, parent


def wait_readable(conn: Any, seconds: float) -> bool:
    """Whether ``conn`` has data (or EOF) within ``seconds``."""
    poller = select.poll()
    poller.register(conn.fileno(), select.POLLIN)
    return bool(poller.poll(max(0, math.ceil(seconds * 1000))))  # PEP 475 retries


def killed_reason(exitcode: int | None) -> str:
    """``memory`` or ``crash``, from how a child we did not kill ended."""
    if exitcode is not None and exitcode < 0 and -exitcode in (signal.SIGABRT, signal.SIGKILL,
                                                                signal.SIGBUS):
        return "memory"  # Rust aborts when an allocation fails; the kernel OOM killer kills
    return "crash"


def _log_starved(pid: int, what: str, timeout: float) -> None:
    """Warn when a job stopped at its time limit was not running at normal CPU priority
    (something lowered it: it was starved, not slow)."""
    with contextlib.suppress(OSError):
        policy, nice = os.sched_getscheduler(pid), os.getpriority(os.PRIO_PROCESS, pid)
        if policy != os.SCHED_OTHER or nice != 0:
            log.warning("%s was stopped at %g s while at scheduling policy %d, nice %d",
                        what, timeout, policy, nice)


def reap(proc: Any, *, kill: bool) -> int | None:
    """Stop (if ``kill``) and wait for a child; its exit code."""
    if kill:
        with contextlib.suppress(Exception):
            proc.kill()
    with contextlib.suppress(Exception):
        proc.join(2)
    return proc.exitcode


def _job_main(conn: Any, fn: Callable[..., Any], args: tuple, memory_bytes: int,
              inherited: dict[int, tuple[int, int]]) -> None:
    enter_child(conn.fileno(), inherited, memory_bytes)
    try:
        msg: tuple = ("ok", fn(*args))
    except MemoryError:
        msg = ("memory",)
    except RecursionError:
        msg = ("crash",)
    except WsisError as e:
        msg = ("error", error_name(e), e.detail, e.extensions)
    except BaseException as e:  # noqa: BLE001 - report, never hang the parent
        msg = ("failed", f"{type(e).__name__}: {e}")
    try:
        conn.send(msg)
    except MemoryError:
        with contextlib.suppress(BaseException):
            conn.send(("memory",))
    except BaseException as e:  # noqa: BLE001 - e.g. an answer that does not pickle
        with contextlib.suppress(BaseException):
            conn.send(("failed", f"the answer could not be sent: {e}"))
    os._exit(0)


@dataclass
class ChildStats:
    """What became of the work given to children: the query pool's and the job runner's
    counters (``/health``, ``/metrics``). The long-lane fields are the pool's only."""

    #: Queries or jobs handed to a child.
    run: int = 0
    forked: int = 0
    killed_on_timeout: int = 0
    killed_on_memory: int = 0
    #: Ended by another signal (e.g. a stack overflow on a deeply nested input).
    crashed: int = 0
    #: Refused with 503 + Retry-After: every child for the work was taken.
    busy: int = 0
    long_queries: int = 0
    #: Retired after a write or after a long query.
    recycled: int = 0
    #: The last children killed at their time limit.
    pids: list[int] = field(default_factory=list)

    @property
    def queries(self) -> int:
        """The pool's name for :attr:`run`."""
        return self.run


class JobRunner:
    """Runs ``fn(*args)`` in a killable, memory-limited child; at most ``slots`` at once."""

    def __init__(self, *, slots: int, memory_mb: int,
                 fork_lock: threading.RLock | None = None) -> None:
        self.slots = max(1, slots)
        self.memory_bytes = max(0, memory_mb) * MIB
        self.fork_lock = fork_lock
        self._sem = threading.BoundedSemaphore(self.slots)
        self.stats = ChildStats()

    def run(self, fn: Callable[..., T], *args: Any, timeout: float, what: str,
            fork_lock: bool = False) -> T:
        """``fn(*args)``'s value, computed in a child stopped after ``timeout`` seconds.

        ``what`` names the work in messages ("the validation"). ``fork_lock``: fork under the
        service's write lock (the child reads the store). Errors the child raised on purpose
        come back as the same :class:`WsisError` class; being killed is
        :class:`LimitExceeded` (503, ``killed``: time, memory or crash); no free slot is
        :class:`ServiceBusy` (503 + ``Retry-After``).
        """
        if not self._sem.acquire(blocking=False):
            self.stats.busy += 1
            raise ServiceBusy(f"{self.slots} costly request{'s' * (self.slots != 1)} (validation,"
                              " parsing, dumps) already running; try again shortly.",
                              retry_after=max(1, math.ceil(timeout / 4)))
        try:
            self.stats.run += 1
            return self._run(fn, args, timeout, what, fork_lock)
        finally:
            self._sem.release()

    def _run(self, fn: Callable[..., T], args: tuple, timeout: float, what: str,
             fork_lock: bool) -> T:
        proc, conn = fork_child(_job_main, (fn, args, self.memory_bytes), name="wsis-kg-job",
                                fork_lock=self.fork_lock if fork_lock else None)
        msg: tuple | None = None
        timed_out = False
        try:
            if wait_readable(conn, timeout):
                with contextlib.suppress(EOFError, OSError):
                    msg = conn.recv()
            else:
                timed_out = True
                _log_starved(proc.pid, what, timeout)
        finally:
            code = reap(proc, kill=msg is None)
            with contextlib.suppress(Exception):
                conn.close()
        if timed_out:
            self.stats.killed_on_timeout += 1
            raise LimitExceeded(f"{what} did not finish within {timeout:g} s and was stopped.",
                                killed="time", timeout=timeout)
        if msg is None or msg[0] in ("memory", "crash"):
            reason = msg[0] if msg is not None else killed_reason(code)
            if reason == "memory":
                self.stats.killed_on_memory += 1
                raise LimitExceeded(
                    f"{what} was stopped: it needed more memory than a worker may use "
                    f"({self.memory_bytes // MIB} MB).", killed="memory")
            self.stats.crashed += 1
            raise LimitExceeded(f"{what} was stopped: the input is too complex (too deeply "
                                "nested) to process.", killed="crash")
        if msg[0] == "ok":
            return msg[1]
        if msg[0] == "error":
            _, name, detail, ext = msg
            raise rebuild_error(name, detail, ext)
        raise WsisError(f"{what} failed: {msg[1]}")

    def status(self) -> dict[str, int]:
        return {"slots": self.slots, "run": self.stats.run,
                "killed_time": self.stats.killed_on_timeout,
                "killed_memory": self.stats.killed_on_memory, "crashed": self.stats.crashed,
                "refused_busy": self.stats.busy}
