"""Answer repeated ``GET /sparql?query=…`` from the answer cache before Flask sees the request.

Why: with the answer cache on, a repeated query costs almost nothing but Flask's own request
machinery (request and app contexts, URL matching, dispatch, hooks), ≈0.2 ms of the ≈0.6 ms
per-request overhead measured by ``wsis-kg bench`` (docs/performance.md, measure (a)).

What it answers: only GET/HEAD ``/sparql`` with a ``query`` parameter whose answer is already in
the cache, or whose ETag matches ``If-None-Match`` (304). The request is parsed by the view's
own parser (:func:`wsis_kg.web.sparql.get_query`) and the response built by the view's own
function (:func:`wsis_kg.web.sparql.answer`), with the CORS headers of the app-wide hook
(:func:`wsis_kg.web.linked_data.add_cors`), so the bytes and headers are those Flask would send.
Everything else — misses, errors, POST, other paths — goes to Flask unchanged, and so does
everything when the app has request hooks this layer does not replicate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from wsis_kg.web import EXTENSION_KEY, linked_data
from wsis_kg.web.sparql import answer, get_query

WSGIApp = Callable[[dict, Callable[..., Any]], Iterable[bytes]]

PATH = "/sparql"


class CachedAnswers:
    """WSGI layer installed as ``app.wsgi_app`` by :func:`wsis_kg.web.create_app`."""

    def __init__(self, app: Flask, wsgi_app: WSGIApp) -> None:
        self.app = app
        #: Flask's own WSGI callable: every request this layer does not answer goes there.
        self.wsgi_app = wsgi_app
        self._checked = False

    def _plain(self) -> bool:
        """Whether Flask would add nothing to the view's response but the CORS headers.

        The app refuses new hooks once it has handled a request, so the answer is then final.
        """
        if self._checked:
            return True
        a = self.app
        scopes = (None, "sparql")
        plain = (
            not any(a.before_request_funcs.get(s) for s in scopes)
            and not any(a.url_value_preprocessors.get(s) for s in scopes)
            and [f for s in scopes for f in a.after_request_funcs.get(s, ())]
            == [linked_data._cors]
            and a.config.get("SECRET_KEY") is None  # sessions
            and a.config.get("SERVER_NAME") is None  # host matching
            and not a.config.get("TRUSTED_HOSTS")  # host checks
        )
        if not plain:
            return False
        self._checked = a._got_first_request
        return True

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        if (environ.get("PATH_INFO") == PATH
                and environ.get("REQUEST_METHOD") in ("GET", "HEAD")
                and "query=" in environ.get("QUERY_STRING", "")
                and self._plain()):
            resp = self._answer(environ)
            if resp is not None:
                return resp(environ, start_response)
        return self.wsgi_app(environ, start_response)

    def _answer(self, environ: dict):
        r = self.app.request_class(environ)
        try:
            req = get_query(r)
            if req is None:
                return None
            resp = answer(self.app.extensions[EXTENSION_KEY], req, r, cached_only=True)
        except Exception:  # noqa: BLE001 - Flask handles the request again: its problem response
            return None
        if resp is not None:
            linked_data.add_cors(resp.headers, r.path, r.method)
        return resp
