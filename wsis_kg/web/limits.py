"""Request limits every route shares: the whole body read within a deadline and a size cap,
and a per-client rate limit.

Why the body is read here, before any view: a parser must never see a cut body (a chunked
body over the cap used to be truncated silently and then validated or written), and a slow
client must not hold a request thread for longer than the read deadline. Under ``wsis-kg
serve`` with granian the body has already been read, without a thread, by
:mod:`wsis_kg.web.front`, which hands the result here in the environ (``BODY_KEY``); under
gunicorn or a test client it is read here, counting bytes, with the deadline checked between
reads and, when the server exposes its socket (gunicorn), enforced by shutting the socket's
reading side at the deadline (a read that waits for more bytes of a trickled body then ends).
"""

from __future__ import annotations

import contextlib
import io
import math
import socket
import threading
import time
from typing import Any

from wsis_kg.errors import RequestTimeout, TooManyRequests, WsisError
from wsis_kg.web.http import too_large

#: The environ key of a body already read by the front: bytes, or the WsisError that ended it.
BODY_KEY = "wsis_kg.body"
CHUNK = 64 * 1024


def read_timeout_error(seconds: float) -> RequestTimeout:
    return RequestTimeout(f"the request was not received within {seconds:g} s (setting "
                          f"WSIS_KG_REQUEST_READ_TIMEOUT); send the body at once", seconds=seconds)


def declared_length(environ: dict[str, Any]) -> int | None:
    """The Content-Length of the request; None when absent (chunked or no body)."""
    raw = environ.get("CONTENT_LENGTH") or ""
    try:
        n = int(raw)
    except ValueError:
        return None
    return n if n >= 0 else None


def has_body(environ: dict[str, Any]) -> bool:
    chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    return chunked or bool(declared_length(environ))


def buffer_body(environ: dict[str, Any], limit: int, deadline_s: float) -> None:
    """Read the request body whole into the environ (``wsgi.input``, ``CONTENT_LENGTH``), or
    raise 413 (over ``limit``, declared or counted: never cut) or 408 (not received within
    ``deadline_s`` of now)."""
    given = environ.pop(BODY_KEY, None)
    if isinstance(given, WsisError):
        raise given
    if given is None:
        if not has_body(environ):
            return
        given = _read(environ, limit, deadline_s)
    environ["wsgi.input"] = io.BytesIO(given)
    environ["CONTENT_LENGTH"] = str(len(given))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    environ["wsgi.input_terminated"] = True


def _read(environ: dict[str, Any], limit: int, deadline_s: float) -> bytes:
    size = declared_length(environ)
    if size is not None and size > limit:
        raise too_large(size, limit)
    end = time.monotonic() + deadline_s
    sock = environ.get("gunicorn.socket")
    watchdog = None
    if sock is not None:
        watchdog = threading.Timer(deadline_s, _shut_reading, (sock,))
        watchdog.daemon = True
        watchdog.start()
    stream = environ["wsgi.input"]
    parts: list[bytes] = []
    got = 0
    want = size if size is not None else limit + 1
    try:
        while got < want:
            if time.monotonic() >= end:
                raise read_timeout_error(deadline_s)
            chunk = stream.read(min(CHUNK, want - got))
            if not chunk:
                break
            parts.append(chunk)
            got += len(chunk)
    except OSError as e:  # the watchdog ended the read, or the client went away
        raise read_timeout_error(deadline_s) from e
    finally:
        if watchdog is not None:
            watchdog.cancel()
    if time.monotonic() >= end and watchdog is not None:
        raise read_timeout_error(deadline_s)  # the watchdog may have cut what we read
    if got > limit:
        raise too_large(None, limit)
    if size is not None and got < size:
        raise read_timeout_error(deadline_s)  # the client stopped before its Content-Length
    return b"".join(parts)


def _shut_reading(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RD)


class RateLimiter:
    """A token bucket per client address: ``rate`` requests a second on average, ``burst`` at
    once. Buckets of clients idle long enough to be full again are dropped."""

    def __init__(self, rate: float, burst: int, *, max_clients: int = 100_000) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self.max_clients = max_clients
        self._buckets: dict[str, tuple[float, float]] = {}  # client → (tokens, at)
        self._lock = threading.Lock()

    def check(self, client: str, now: float | None = None) -> None:
        """Take one token of ``client``'s bucket, or raise 429 with the seconds to wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, at = self._buckets.get(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * self.rate)
            if tokens < 1:
                self._buckets[client] = (tokens, now)
                wait = math.ceil((1 - tokens) / self.rate)
                raise TooManyRequests(
                    f"more than {self.rate:g} requests a second from this client (settings "
                    f"WSIS_KG_RATE_LIMIT, WSIS_KG_RATE_BURST); retry in {wait} s",
                    retry_after=wait)
            if len(self._buckets) >= self.max_clients:
                full = (self.burst / self.rate) if self.rate else 0
                self._buckets = {c: v for c, v in self._buckets.items() if now - v[1] < full}
            self._buckets[client] = (tokens - 1, now)

