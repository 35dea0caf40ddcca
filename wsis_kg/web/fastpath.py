"""Answer ``GET /sparql?query=…`` in a small WSGI layer in front of Flask.

Why: a SPARQL GET is the service's hottest request, and Flask's request machinery (request and
app contexts, URL matching, dispatch, hooks) costs more than evaluating a look-up by IRI
(docs/performance.md). This layer answers GET/HEAD ``/sparql`` with a ``query`` parameter with
the view's own parser (:func:`wsis_kg.web.sparql.read_query`, given the URL parameters as
werkzeug reads them, :func:`~wsis_kg.web.sparql.query_args`, without building a werkzeug
request), the view's own response builder
(:func:`wsis_kg.web.sparql.answer`, and for a 200 its headers, :func:`answer_headers`, as a
plain list), the app's problem responses for errors
(:func:`wsis_kg.web.problems.error_response`) and the headers the app's response hooks add,
which :func:`wsis_kg.web.create_app` names by passing the list those hooks apply (``added``:
:func:`wsis_kg.web.http.added_headers`), so the bytes and headers are those Flask would send
(tests/web/test_fastpath.py compares them). Everything else — POST, the service description,
other paths — goes to Flask, and so does everything once the app has request hooks it did not
have when this layer was installed (this layer cannot replicate them).

Replay: once a request has been answered with a cached answer, its exact response (status and
headers; the body is the cached answer) is remembered under the raw request — query string,
``Accept``, scheme, host and script root, all the view reads. The next identical request is
answered by a dict look-up and the cache's own look-up (its key holds the store generation, so a
write ends every replay), without parsing anything: ≈20 µs instead of ≈180 µs. Conditional
requests (``If-None-Match``) take the parsing path, which answers 304.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from flask import Flask
from werkzeug.wrappers import Response

from wsis_kg.errors import WsisError
from wsis_kg.web.extension import EXTENSION_KEY
from wsis_kg.web.http import AddedHeaders, add_headers, added_headers
from wsis_kg.web.problems import error_response, prefers_page
from wsis_kg.web.sparql import (
    answer,
    answer_headers,
    environ_base_url,
    query_args,
    read_query,
)

WSGIApp = Callable[[dict, Callable[..., Any]], Iterable[bytes]]
#: The blueprint scopes a ``/sparql`` request runs the hooks of (app-wide, the SPARQL blueprint).
_SCOPES = (None, "sparql")

PATH = "/sparql"
#: Remembered raw requests: at most this many, holding at most this many bytes of request text
#: (the answers themselves stay in, and are bounded by, the answer cache).
MAX_REPLAYS = 8192
MAX_REPLAY_BYTES = 16 * 1024 * 1024


class OkAnswer(NamedTuple):
    """A 200 answer as WSGI parts."""

    status: str
    headers: list[tuple[str, str]]
    body: bytes


class _Replay(NamedTuple):
    """A response this layer sent, to send again while its answer is cached."""

    cache_key: tuple
    status: str
    headers: list[tuple[str, str]]


class CachedAnswers:
    """WSGI layer installed as ``app.wsgi_app`` by :func:`wsis_kg.web.create_app`."""

    def __init__(self, app: Flask, wsgi_app: WSGIApp,
                 added: AddedHeaders = added_headers) -> None:
        self.app = app
        #: Flask's own WSGI callable: every request this layer does not answer goes there.
        self.wsgi_app = wsgi_app
        #: What the app's response hooks add (:func:`~wsis_kg.web.http.added_headers`).
        self.added = added
        #: The response hooks the app has now: ``added`` is what they add.
        self._hooks = self._response_hooks()
        self._replays: dict[tuple, _Replay] = {}
        self._replay_bytes = 0
        self._replay_lock = threading.Lock()  # writers only: a look-up is one dict read

    def _response_hooks(self) -> tuple:
        a = self.app
        return tuple(f for s in _SCOPES for f in a.after_request_funcs.get(s, ()))

    def _plain(self) -> bool:
        """Whether Flask would add nothing to the view's response but ``add_headers``'s."""
        a = self.app
        return (
            not any(a.before_request_funcs.get(s) for s in _SCOPES)
            and not any(a.url_value_preprocessors.get(s) for s in _SCOPES)
            and self._response_hooks() == self._hooks
            and a.config.get("SECRET_KEY") is None  # sessions
            and a.config.get("SERVER_NAME") is None  # host matching
            and not a.config.get("TRUSTED_HOSTS")  # host checks
        )

    def takes(self, environ: dict) -> bool:
        """Whether this layer answers the request: a GET or HEAD of ``/sparql`` with a
        ``query`` parameter, while the app has no hooks it does not replicate."""
        return (environ.get("PATH_INFO") == PATH
                and environ.get("REQUEST_METHOD") in ("GET", "HEAD")
                and "query=" in environ.get("QUERY_STRING", "") and self._plain())

    def respond(self, environ: dict) -> OkAnswer | Response | None:
        """The answer to a request :meth:`takes`: a 200's parts (a replay, or answered now;
        the body even for HEAD), a response (304, errors), or None: Flask answers."""
        raw = None
        if "HTTP_IF_NONE_MATCH" not in environ:
            raw = _raw_key(environ)
            replay = self._replays.get(raw)
            if replay is not None:
                result = self._cache_get(replay.cache_key)
                if result is not None:
                    return OkAnswer(replay.status, replay.headers, result.body)
                with self._replay_lock:
                    if self._replays.pop(raw, None) is not None:
                        self._replay_bytes -= _cost(raw)
        return self._answer(environ, raw)

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        if self.takes(environ):
            answered = self.respond(environ)
            if isinstance(answered, OkAnswer):
                start_response(answered.status, answered.headers)
                return [b""] if environ["REQUEST_METHOD"] == "HEAD" else [answered.body]
            if answered is not None:
                return answered(environ, start_response)  # werkzeug's 304/HEAD rules apply
        return self.wsgi_app(environ, start_response)

    def _cache_get(self, key: tuple):
        cache = self.app.extensions[EXTENSION_KEY].queries.cache
        return None if cache is None else cache.get(key, count_miss=False)

    def _answer(self, environ: dict, raw: tuple | None) -> OkAnswer | Response | None:
        """The view's answer: WSGI parts for a 200 (no werkzeug response built: ≈10 µs), a
        response otherwise (304, errors); None to let Flask answer (no query: service
        description; a browser's error page)."""
        svc = self.app.extensions[EXTENSION_KEY]
        method = environ["REQUEST_METHOD"]
        accept = environ.get("HTTP_ACCEPT")
        try:
            # the view's parser, on the environ: a werkzeug request cost more than a look-up
            req = read_query(query_args(environ), lambda: environ_base_url(environ), accept)
            if req is None:
                return None
            if "HTTP_IF_NONE_MATCH" in environ:
                resp = answer(svc, req, self.app.request_class(environ))
            else:
                etag = svc.queries.etag(req)
                result = svc.queries.query(req)
                headers = answer_headers(result.content_type, len(result.body), etag)
                headers += self.added(PATH, method, False)
                done = OkAnswer("200 OK", headers, result.body)
                if raw is not None:
                    self._remember(raw, svc, req, done)
                return done
        except WsisError as e:
            if prefers_page(accept):
                return None  # Flask answers a browser with the error page
            resp = error_response(e, PATH)
        except Exception:  # noqa: BLE001 - Flask handles the request again: its problem response
            return None
        add_headers(resp.headers, PATH, method, self.added)
        return resp

    def _remember(self, raw: tuple, svc: Any, req: Any, done: OkAnswer) -> None:
        """Keep ``done`` to send again for ``raw`` while its answer is cached."""
        key = svc.queries.cache_key(req)
        if key is None or self._cache_get(key) is None:
            return
        cost = _cost(raw)
        replay = _Replay(key, done.status, done.headers)
        with self._replay_lock:
            if len(self._replays) >= MAX_REPLAYS or self._replay_bytes + cost > MAX_REPLAY_BYTES:
                self._replays.clear()
                self._replay_bytes = 0
            if raw not in self._replays:
                self._replay_bytes += cost
            self._replays[raw] = replay


def _cost(raw: tuple) -> int:
    """Bytes a replay keeps alive: the raw query string, the decoded query text in the cache
    key, ``Accept`` and the fixed parts."""
    return 2 * len(raw[0] or "") + len(raw[1] or "") + 512


def _raw_key(environ: dict) -> tuple:
    """Everything of a GET the view reads: the query string (query, dataset, format), what
    negotiation reads (``Accept``) and what the base IRI is made of (scheme, host, root)."""
    return (environ.get("QUERY_STRING"), environ.get("HTTP_ACCEPT"),
            environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"),
            environ.get("SERVER_NAME"), environ.get("SERVER_PORT"),
            environ.get("SCRIPT_NAME", ""))
