"""How a query waits when the thread it runs on must not block: the HTTP front's event loop.

Why: under granian a SPARQL request is answered on the front's event loop
(:mod:`wsis_kg.web.rsgi`). Most of its work there takes microseconds (parsing, the answer
cache, a bounded read, building the response); what does not is waiting — for a query
process's answer, a free query process, a job, a remote store. Handing the whole request to a
request thread for that wait cost a thread wake-up each way (≈0.2 ms of a 0.5 ms catalogue
query, measured: docs/performance.md). So the loop lends the request a :class:`Waiter`
instead: the wait for a query process's pipe becomes a reader on the loop itself (no thread
at all), and any other wait is run on a request thread while the loop serves other requests.

The service layer knows nothing of event loops: the front sets :data:`WAITER` while it runs a
request, and code that would wait asks it (:func:`offload`, :meth:`Waiter.readable`). Off the
loop (request threads, the CLI, jobs) there is no waiter and everything blocks as usual.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Waiter(Protocol):
    """What the running request may ask of the thread it must not block."""

    def readable(self, fd: int, seconds: float) -> bool:
        """Whether ``fd`` has something to read (or its EOF) within ``seconds``; the request is
        suspended meanwhile, the thread serves others."""

    def call(self, fn: Callable[..., T], /, *args: Any) -> T:
        """``fn(*args)`` run where blocking is allowed (a request thread, without a waiter):
        its result, or its exception raised here."""


#: The waiter of the request running in this context; None: blocking is allowed here.
WAITER: contextvars.ContextVar[Waiter | None] = contextvars.ContextVar("wsis_kg_waiter",
                                                                      default=None)


def offload(fn: Callable[..., T], /, *args: Any) -> T:
    """``fn(*args)``, which may block: here when blocking is allowed, else through the waiter
    (on a request thread, the caller suspended until it returns)."""
    waiter = WAITER.get()
    return fn(*args) if waiter is None else waiter.call(fn, *args)


def on_loop() -> bool:
    """Whether the caller runs on the front's event loop (it must not block)."""
    return WAITER.get() is not None
