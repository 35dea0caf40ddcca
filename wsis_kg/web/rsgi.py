"""The buffering front of ``wsis-kg serve`` under granian: reads each request whole on the
event loop, then gives it to a request thread.

Why: in granian's WSGI mode the app is called as soon as the headers are in, and a request
thread then blocks reading the body; eight clients trickling their bodies held all eight
threads, and nothing else was answered (a chunked request with no chunks held one for 90 s).
Here granian runs in RSGI mode: the body is read by the event loop (no thread held), counting
bytes, within ``WSIS_KG_REQUEST_READ_TIMEOUT`` (408 after) and ``WSIS_KG_MAX_BODY_BYTES`` (413
above, whether chunked or not); only then does a request thread run the WSGI app, with the
body in memory. The outcome of the read is handed to the app in the environ
(:data:`wsis_kg.web.limits.BODY_KEY`), so the refusal is answered, counted and logged by
:class:`wsis_kg.web.ops.Front` like any other. Headers have granian's own deadline
(``http1_settings.header_read_timeout``, set to the same setting by :mod:`wsis_kg.cli.serve`).

A SPARQL query (by GET, or by POST once its body is read) runs on the event loop itself, in a
greenlet (:class:`_Lane`): everything it does that takes microseconds — parsing, the answer cache, a
bounded read, the response — is done there, without a hop to a request thread and back; what
would wait is asked of the lane (:mod:`wsis_kg.sparql.waiting`): the wait for a query process's
answer is a reader on the loop (no thread involved), other waits (a free query process, a job,
a remote store) run on a request thread while the loop serves other requests, and the request
then goes on on the loop where it stopped. Why greenlets: the app, the service and the pool are
plain functions (Flask, WSGI); a greenlet lets them pause at one of those waits without
rewriting them as coroutines — the way SQLAlchemy's asyncio layer runs its synchronous core.

At shutdown (SIGTERM) granian stops accepting and :meth:`__rsgi_del__` waits for the requests
threads are running, so in-flight requests finish.
"""

from __future__ import annotations

import asyncio
import io
import os
import select
import sys
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from greenlet import GreenletExit, greenlet

from wsis_kg.errors import WsisError
from wsis_kg.settings import Settings
from wsis_kg.sparql.waiting import WAITER
from wsis_kg.web.fastpath import PATH
from wsis_kg.web.http import Answer, too_large, wsgi_answer
from wsis_kg.web.limits import BODY_KEY, read_timeout_error

WSGIApp = Callable[[dict, Callable[..., Any]], Iterable[bytes]]
T = TypeVar("T")
_SPECIAL = {"content-type": "CONTENT_TYPE", "content-length": "CONTENT_LENGTH"}


class BufferedWSGI:
    """An RSGI application running ``wsgi_app`` on ``threads`` request threads."""

    def __init__(self, wsgi_app: WSGIApp, settings: Settings, threads: int) -> None:
        self.wsgi_app = wsgi_app
        self.limit = settings.max_body_bytes
        self.timeout = settings.request_read_timeout
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="wsis-kg-request")

    def __rsgi_init__(self, loop: Any) -> None:
        pass

    def __rsgi_del__(self, loop: Any) -> None:
        self.pool.shutdown(wait=True)  # in-flight requests finish

    async def __rsgi__(self, scope: Any, proto: Any) -> None:
        if scope.proto != "http":
            return
        body = await self.read_body(scope, proto)
        environ = self.environ(scope, body)
        if self._on_loop(scope, body):
            status, headers, data = await _Lane.run(self.pool, self.answer, environ)
        else:
            loop = asyncio.get_running_loop()
            status, headers, data = await loop.run_in_executor(self.pool, self.run, environ)
        proto.response_bytes(status, headers, data)

    @staticmethod
    def _on_loop(scope: Any, body: bytes | WsisError | None) -> bool:
        """Whether the request runs on the event loop: a SPARQL query, by GET (the hot path)
        or by POST once its body is read (the query endpoint only: it never writes)."""
        if scope.path != PATH:
            return False
        if scope.method in ("GET", "HEAD"):
            return body is None and "query=" in scope.query_string
        return scope.method == "POST" and isinstance(body, bytes)

    async def read_body(self, scope: Any, proto: Any) -> bytes | WsisError | None:
        """The whole body, the error that ended reading it (413, 408), or None (no body)."""
        headers = scope.headers
        declared = headers.get("content-length")
        chunked = "chunked" in (headers.get("transfer-encoding") or "").lower()
        if declared is None and not chunked:
            return None
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                size = -1
            if size > self.limit:
                return too_large(size, self.limit)
            if size == 0:
                return b""
        try:
            return await asyncio.wait_for(self._collect(proto), self.timeout)
        except TimeoutError:
            return read_timeout_error(self.timeout)
        except Exception:  # noqa: BLE001 - the client went away or sent a broken body
            return read_timeout_error(self.timeout)

    async def _collect(self, proto: Any) -> bytes | WsisError:
        parts: list[bytes] = []
        got = 0
        async for chunk in proto:
            got += len(chunk)
            if got > self.limit:
                return too_large(None, self.limit)
            parts.append(chunk)
        return b"".join(parts)

    def environ(self, scope: Any, body: bytes | WsisError | None) -> dict[str, Any]:
        """The PEP 3333 environ of an RSGI request (``PATH_INFO`` as latin-1 of its bytes)."""
        server_name, _, server_port = scope.server.rpartition(":")
        client = scope.client.rpartition(":")[0] or scope.client
        env: dict[str, Any] = {
            "REQUEST_METHOD": scope.method,
            "SCRIPT_NAME": "",
            "PATH_INFO": scope.path.encode("utf-8").decode("latin-1"),
            "QUERY_STRING": scope.query_string,
            "SERVER_NAME": server_name,
            "SERVER_PORT": server_port,
            "SERVER_PROTOCOL": "HTTP/" + scope.http_version,
            "REMOTE_ADDR": client.strip("[]"),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": scope.scheme,
            "wsgi.input": io.BytesIO(body if isinstance(body, bytes) else b""),
            "wsgi.input_terminated": True,
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in scope.headers.items():
            key = _SPECIAL.get(name) or "HTTP_" + name.upper().replace("-", "_")
            env[key] = f"{env[key]},{value}" if key in env else value
        if body is not None:
            env[BODY_KEY] = body
        return env

    def run(self, environ: dict[str, Any]) -> Answer:
        """Call the WSGI app (on a request thread, or in a lane); its status, headers and
        whole body."""
        return wsgi_answer(self.wsgi_app, environ)

    def answer(self, environ: dict[str, Any]) -> Answer:
        """A SPARQL query on the loop lane: the app's direct answer when it has one (the fast
        path without the WSGI protocol: ``App.direct``), else the WSGI call."""
        direct = getattr(self.wsgi_app, "direct", None)
        got = direct(environ) if direct is not None else None
        return got if got is not None else self.run(environ)


class _Call:
    """A lane's request to its loop: run ``fn(*args)`` on a request thread."""

    __slots__ = ("fn", "args")

    def __init__(self, fn: Callable[..., Any], args: tuple) -> None:
        self.fn, self.args = fn, args


class _Readable:
    """A lane's request to its loop: wake me when ``fd`` is readable, or after ``seconds``."""

    __slots__ = ("fd", "seconds")

    def __init__(self, fd: int, seconds: float) -> None:
        self.fd, self.seconds = fd, seconds


class _Outcome:
    """How a lane's call ended: its value, or the exception it raised."""

    __slots__ = ("value", "error")

    def __init__(self, value: Any = None, error: BaseException | None = None) -> None:
        self.value, self.error = value, error


#: Idle lanes kept per thread for the next requests (a new greenlet costs ≈7 µs, a reused
#: one ≈0.5 µs, measured); more are made while many requests wait at once.
_MAX_IDLE = 64
_idle = threading.local()


class _Lane:
    """A greenlet that runs requests on the event loop, their waits done by the loop.

    :meth:`run` switches into the greenlet; the request runs until it finishes or asks to
    wait (:meth:`readable`, :meth:`call`: the :class:`~wsis_kg.sparql.waiting.Waiter` it finds
    in :data:`~wsis_kg.sparql.waiting.WAITER`), which switches back here with what to wait for;
    the coroutine awaits it — other requests run meanwhile — and switches back in with the
    outcome. A lane serves one request at a time and is kept for the next (per thread: a
    greenlet runs on the thread that made it). If the coroutine is cancelled (the loop is
    closing), the request is finished without the loop: its remaining waits block, so a query
    process it holds is given back.
    """

    def __init__(self) -> None:
        self.greenlet = greenlet(self._serve)
        self.cancelled = False

    @classmethod
    async def run(cls, executor: ThreadPoolExecutor, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in an idle lane of this thread (or a new one); waits ``executor``
        does."""
        idle: list[_Lane] = _idle.__dict__.setdefault("lanes", [])
        lane = idle.pop() if idle else cls()
        lane.cancelled = False
        g = lane.greenlet
        loop = asyncio.get_running_loop()
        asked = g.switch(fn, args)
        while not isinstance(asked, _Outcome):
            try:
                if isinstance(asked, _Readable):
                    got = _Outcome(await _readable(loop, asked.fd, asked.seconds))
                else:
                    got = _Outcome(await loop.run_in_executor(executor, asked.fn, *asked.args))
            except asyncio.CancelledError as e:
                lane.cancelled = True
                asked = g.switch(_Outcome(error=e))  # finishes the request, blocking
                continue
            except Exception as e:  # noqa: BLE001 - raised in the request, where it was asked
                got = _Outcome(error=e)
            asked = g.switch(got)
        if not lane.cancelled and len(idle) < _MAX_IDLE:
            idle.append(lane)
        if asked.error is not None:
            raise asked.error
        return asked.value

    def _serve(self, fn: Callable[..., Any], args: tuple) -> None:
        """The greenlet: each request in turn, its outcome handed to the loop."""
        WAITER.set(self)  # this greenlet's own context
        parent = self.greenlet.parent
        while True:
            try:
                done = _Outcome(fn(*args))
            except GreenletExit:
                raise
            except BaseException as e:  # noqa: BLE001 - handed to the coroutine, raised there
                done = _Outcome(error=e)
            fn, args = parent.switch(done)

    # -- the Waiter protocol, called inside the greenlet ---------------------------------------
    def readable(self, fd: int, seconds: float) -> bool:
        if self.cancelled:
            return _poll(fd, seconds)
        return self._ask(_Readable(fd, seconds))

    def call(self, fn: Callable[..., T], /, *args: Any) -> T:
        if self.cancelled:
            return fn(*args)
        return self._ask(_Call(fn, args))

    def _ask(self, what: _Call | _Readable) -> Any:
        got: _Outcome = self.greenlet.parent.switch(what)
        if got.error is not None:
            raise got.error
        return got.value


async def _readable(loop: asyncio.AbstractEventLoop, fd: int, seconds: float) -> bool:
    """Whether ``fd`` becomes readable within ``seconds``, the loop waiting (no thread)."""
    if seconds <= 0:
        return _poll(fd, 0)
    ready = loop.create_future()

    def wake(value: bool) -> None:
        if not ready.done():
            ready.set_result(value)

    blocking = os.get_blocking(fd)
    loop.add_reader(fd, wake, True)
    timer = loop.call_later(seconds, wake, False)
    try:
        return await ready
    finally:
        loop.remove_reader(fd)
        timer.cancel()
        # uvloop leaves the descriptor non-blocking: the pool then reads a large answer
        # with blocking reads, which would fail half-way (taken for a crashed process)
        os.set_blocking(fd, blocking)


def _poll(fd: int, seconds: float) -> bool:
    p = select.poll()
    p.register(fd, select.POLLIN)
    return bool(p.poll(max(0, int(seconds * 1000))))
