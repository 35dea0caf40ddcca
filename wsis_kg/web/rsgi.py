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

A SPARQL query by GET is first tried on the event loop itself (:meth:`BufferedWSGI.run_on_loop`):
answered there when its answer is cached or it is a bounded read (a look-up by IRI, ``ASK {}``),
which costs less than the hop to a request thread and back; anything that would wait — for a
query process, a job or a remote store — is refused there before it waits and runs again on a
request thread.

At shutdown (SIGTERM) granian stops accepting and :meth:`__rsgi_del__` waits for the requests
threads are running, so in-flight requests finish.
"""

from __future__ import annotations

import asyncio
import io
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from wsis_kg.errors import NeedsProcess, WsisError
from wsis_kg.settings import Settings
from wsis_kg.sparql.service import NON_BLOCKING
from wsis_kg.web.fastpath import PATH
from wsis_kg.web.http import too_large
from wsis_kg.web.limits import BODY_KEY, read_timeout_error

WSGIApp = Callable[[dict, Callable[..., Any]], Iterable[bytes]]
_SPECIAL = {"content-type": "CONTENT_TYPE", "content-length": "CONTENT_LENGTH"}


class BufferedWSGI:
    """An RSGI application running ``wsgi_app`` on ``threads`` request threads."""

    def __init__(self, wsgi_app: WSGIApp, settings: Settings, threads: int) -> None:
        self.wsgi_app = wsgi_app
        self.limit = settings.max_body_bytes
        self.timeout = settings.request_read_timeout
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="wsis-kg-request")
        self.rate_limited = settings.rate_limit > 0
        #: Whether a request may be answered on the loop (the app's guess; always try when
        #: the app has none).
        self.at_once: Callable[[dict], bool] = getattr(
            wsgi_app, "may_answer_at_once", lambda environ: True)

    def __rsgi_init__(self, loop: Any) -> None:
        pass

    def __rsgi_del__(self, loop: Any) -> None:
        self.pool.shutdown(wait=True)  # in-flight requests finish

    async def __rsgi__(self, scope: Any, proto: Any) -> None:
        if scope.proto != "http":
            return
        body = await self.read_body(scope, proto)
        environ = self.environ(scope, body)
        if body is None and self._on_loop(scope) and self.at_once(environ):
            answered = self.run_on_loop(environ)
            if answered is not None:
                proto.response_bytes(*answered)
                return
            environ = self.environ(scope, body)  # the first pass may have changed it
        loop = asyncio.get_running_loop()
        status, headers, data = await loop.run_in_executor(self.pool, self.run, environ)
        proto.response_bytes(status, headers, data)

    def _on_loop(self, scope: Any) -> bool:
        """Whether to try ``scope`` on the event loop: a SPARQL query by GET (the hot path).

        Not with per-client rate limits: a request handed on to a thread would count twice.
        """
        return (scope.path == PATH and scope.method in ("GET", "HEAD")
                and "query=" in scope.query_string and not self.rate_limited)

    def run_on_loop(self, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]],
                                                           bytes] | None:
        """The answer when it needs no waiting (a cached answer, a bounded read: at most a few
        milliseconds), else None: the request then goes to a request thread.

        Why: the hop to a request thread and back costs more than such an answer. Everything
        that could wait — for a query process, a job, a remote store — raises
        :class:`~wsis_kg.errors.NeedsProcess` under :data:`NON_BLOCKING` before it does.
        """
        token = NON_BLOCKING.set(True)
        try:
            return self.run(environ)
        except NeedsProcess:
            return None
        finally:
            NON_BLOCKING.reset(token)

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

    def run(self, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
        """Call the WSGI app on this request thread; its status, headers and whole body."""
        started: list[Any] = []
        written: list[bytes] = []

        def start_response(status: str, headers: list, exc_info: Any = None) -> Any:
            if exc_info is not None and started:
                raise exc_info[1].with_traceback(exc_info[2])
            started[:] = [status, headers]
            return written.append

        result = self.wsgi_app(environ, start_response)
        try:
            chunks = list(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        status, headers = started
        return int(status.split(" ", 1)[0]), [(k, v) for k, v in headers], \
            b"".join(written + chunks)
