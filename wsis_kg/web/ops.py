"""Operating the service: the outer WSGI layer (limits, access log, audit log, metrics),
``/health`` (``/live``, ``/ready``), ``/metrics`` and the one logging set-up.

:class:`Front` wraps everything else of the app, the cached-answer fast path included, so
every request — answered by the fast path or by Flask, refused or not — is limited, counted
and logged the same way. It refuses, before anything reads the request: a token in the URL
or in a form-encoded body (400), a client over its rate limit (429), a body over the cap
(413) or not received within the read deadline (408); the refusals are :mod:`wsis_kg.errors`
made into problems by :mod:`wsis_kg.web.problems` (a page for a browser).

Logs are JSON lines on the ``wsis_kg.access`` and ``wsis_kg.audit`` loggers: the access line
has the method, the route (the URL rule, never the query string, so never a token), status,
duration and, for SPARQL, a hash of the query; the audit line names who wrote what.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import logging
import sys
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from flask import Blueprint, Flask, Response, current_app, jsonify
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.exceptions import NotFound as RoutingNotFound
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import RequestRedirect

from wsis_kg.errors import WsisError
from wsis_kg.settings import Settings
from wsis_kg.web.auth import PRINCIPAL_KEY, refuse_token_in_form, refuse_token_in_url
from wsis_kg.web.extension import EXTENSION_KEY, service
from wsis_kg.web.fastpath import CachedAnswers, OkAnswer
from wsis_kg.web.http import Answer, wsgi_answer
from wsis_kg.web.limits import RateLimiter, buffer_body
from wsis_kg.web.problems import front_error_response
from wsis_kg.web.sparql import FORM

WSGIApp = Callable[[dict, Callable[..., Any]], Iterable[bytes]]
AddHeaders = Callable[[Any, str, str], None]
#: Where the app keeps its :class:`Front` (``/metrics`` reads its registry).
FRONT_KEY = "wsis_kg.front"
access_log = logging.getLogger("wsis_kg.access")
audit_log = logging.getLogger("wsis_kg.audit")

#: Where a write route leaves how many triples it wrote (the audit line reads it).
TRIPLES_KEY = "wsis_kg.triples"
#: Routes never rate limited (an orchestrator's probes and scrapes).
UNLIMITED = frozenset({"/health", "/health/live", "/health/ready", "/metrics"})
WRITE_METHODS = frozenset({"POST", "PUT", "DELETE", "PATCH"})
#: Write routes (POST /sparql and /validate are reads).
WRITE_ROUTES = ("/sparql/update", "/rdf-graphs/service")
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
                   60)


# ------------------------------------------------------------------------------------------
# logging: configured here, once, by ``wsis-kg serve``
# ------------------------------------------------------------------------------------------

class JsonLines(logging.Formatter):
    """A log record as one JSON object; a record whose message is a dict is merged in."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name}
        if isinstance(record.msg, dict):
            out.update(record.msg)
        else:
            out["message"] = record.getMessage()
        if record.exc_info:
            out["error"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def configure_logging(*, access: bool, level: int = logging.INFO) -> None:
    """The process's logging: JSON lines on stderr at ``level``; the access log only when
    asked (it costs time on every request); the audit log always."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    root.addHandler(handler)
    root.setLevel(level)
    access_log.setLevel(logging.INFO if access else logging.WARNING)
    audit_log.setLevel(logging.INFO)


def import_quietly(module: str) -> None:
    """Import ``module`` now, undoing what it does to the root logger on import.

    Why: pyLODE (the ontology pages) calls ``logging.basicConfig(level=DEBUG)`` when imported,
    which on first ``GET /def.html`` would switch the whole serving process to DEBUG logging
    (each validation then logged ~150 KB). Imported here, before the first documentation page
    (not at app creation: it costs ≈0.2 s of CPU at every start), its change is undone and the
    import by :mod:`wsis_kg.graph.docs` is a no-op.
    """
    if module in sys.modules or importlib.util.find_spec(module) is None:
        return
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        importlib.import_module(module)
    finally:
        root.setLevel(level)
        for h in list(root.handlers):
            if h not in handlers:
                root.removeHandler(h)


# ------------------------------------------------------------------------------------------
# metrics
# ------------------------------------------------------------------------------------------

class Metrics:
    """The app's Prometheus metrics, in a registry of its own (several apps in one process)."""

    def __init__(self, app: Flask) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("wsis_kg_http_requests", "HTTP requests by route and status",
                                ("method", "route", "status"), registry=self.registry)
        self.latency = Histogram("wsis_kg_http_request_duration_seconds",
                                 "Time to answer a request (until the body is returned)",
                                 ("route",), buckets=LATENCY_BUCKETS, registry=self.registry)
        self.rejections = Counter("wsis_kg_http_rejections",
                                  "Requests refused before any view ran, by reason",
                                  ("reason",), registry=self.registry)
        self.registry.register(_PoolCollector(app))


class _PoolCollector:
    """Reads the query service's status at each scrape (the pool keeps its own counters)."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def describe(self) -> list:
        return []

    def collect(self):
        svc = self.app.extensions.get(EXTENSION_KEY)
        if svc is None:
            return
        st = svc.queries.status()
        kills = CounterMetricFamily("wsis_kg_query_kills", "Query processes killed, by reason",
                                    labels=("reason",))
        kills.add_metric(("timeout",), st.get("killed_on_timeout", 0))
        yield kills
        yield CounterMetricFamily("wsis_kg_query_timeouts",
                                  "Queries stopped at the time limit (WSIS_KG_QUERY_TIMEOUT)",
                                  value=st.get("killed_on_timeout", 0))
        yield CounterMetricFamily("wsis_kg_query_processes_forked",
                                  "Query processes started", value=st.get("forked", 0))
        yield GaugeMetricFamily("wsis_kg_query_processes", "Query processes configured",
                                value=st.get("workers", 0))
        yield GaugeMetricFamily("wsis_kg_query_processes_live", "Query processes running",
                                value=st.get("live_workers", 0))
        cache = st.get("cache")
        if cache:
            yield CounterMetricFamily("wsis_kg_answer_cache_hits", "Answer cache hits",
                                      value=cache["hits"])
            yield CounterMetricFamily("wsis_kg_answer_cache_misses", "Answer cache misses",
                                      value=cache["misses"])
            yield GaugeMetricFamily("wsis_kg_answer_cache_bytes", "Bytes in the answer cache",
                                    value=cache["bytes"])


# ------------------------------------------------------------------------------------------
# the outer WSGI layer
# ------------------------------------------------------------------------------------------

class Front:
    """Called by the app (:class:`wsis_kg.web.App`) for every request, before its
    ``wsgi_app`` (the fast path, then Flask)."""

    def __init__(self, app: Flask, settings: Settings, add_headers: AddHeaders) -> None:
        self.app = app
        self.add_headers = add_headers
        self.settings = settings
        self.metrics = Metrics(app)
        self.limiter = (RateLimiter(settings.rate_limit, settings.rate_burst)
                        if settings.rate_limit > 0 else None)
        #: Behind trusted proxies the client is the address the nearest of them saw
        #: (werkzeug's ProxyFix: the n-th ``X-Forwarded-For`` value from the right, so values
        #: a client sent itself are never taken); otherwise the header is ignored.
        self._handle: WSGIApp = (
            ProxyFix(self._serve, x_for=settings.trusted_proxies, x_proto=0, x_host=0,
                     x_port=0, x_prefix=0)
            if settings.trusted_proxies > 0 else self._serve)
        self._urls = app.url_map.bind("localhost")
        self._routes: dict[tuple[str, str], str] = {}
        #: The metric children of each (method, route, status): ``labels()`` costs ≈15 µs.
        self._children: dict[tuple[str, str, str], tuple[Any, Any]] = {}

    def route(self, path: str, method: str) -> str:
        """The URL rule answering ``method path`` (a bounded label: never the path itself)."""
        key = (path, method)
        found = self._routes.get(key)
        if found is None:
            try:
                rule, _ = self._urls.match(path, method, return_rule=True)
                found = rule.rule
            except RequestRedirect:
                found = path.rstrip("/") if path.rstrip("/") in UNLIMITED else "redirect"
            except MethodNotAllowed:
                found = "method-not-allowed"
            except RoutingNotFound:
                found = "unmatched"
            if len(self._routes) >= 4096:
                self._routes.clear()
            self._routes[key] = found
        return found

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        return self._handle(environ, start_response)

    def _serve(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        t0 = time.perf_counter()
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")
        seen: list[Any] = []

        def _start(status: str, headers: list, exc_info: Any = None) -> Any:
            seen[:] = [status, headers]
            return start_response(status, headers, exc_info)

        try:
            self.check(environ, path)
            body = self.app.wsgi_app(environ, _start)
        except WsisError as e:
            body = self._refusal(e, environ, path, method)(environ, _start)
        status = seen[0].split(" ", 1)[0] if seen else "500"
        location = None
        if seen and method in WRITE_METHODS:
            location = next((v for k, v in seen[1] if k.lower() == "location"), None)
        self.done(environ, method, path, status, time.perf_counter() - t0, location)
        return body

    def direct(self, environ: dict) -> Answer | None:
        """A request the fast path takes (a SPARQL GET), answered as :meth:`_serve` answers it
        (the same checks, metrics and logs) without the WSGI protocol around the fast path's
        200 (≈10 % of a look-up's CPU here); None: not such a request, :meth:`_serve` answers.
        """
        fast = self.app.wsgi_app
        if self._handle != self._serve or not isinstance(fast, CachedAnswers) \
                or not fast.takes(environ):  # behind ProxyFix, or a layer a test put there
            return None
        t0 = time.perf_counter()
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        try:
            self.check(environ, path)
            answered: Any = fast.respond(environ)
        except WsisError as e:
            answered = self._refusal(e, environ, path, method)
        if isinstance(answered, OkAnswer):
            got: Answer = (int(answered.status[:3]), answered.headers,
                           b"" if method == "HEAD" else answered.body)
        else:  # a response (304, errors), or Flask's (None): through the WSGI protocol
            got = wsgi_answer(fast.wsgi_app if answered is None else answered, environ)
        self.done(environ, method, path, str(got[0]), time.perf_counter() - t0)
        return got

    def _refusal(self, e: WsisError, environ: dict, path: str, method: str) -> Response:
        """The response to a request this layer refuses (token in the URL, 429, 413, 408)."""
        self.metrics.rejections.labels(e.slug).inc()
        resp = front_error_response(self.app, e, environ)
        self.add_headers(resp.headers, path, method)
        retry = e.extensions.get("retry_after")
        if retry is not None:
            resp.headers["Retry-After"] = str(retry)
        if e.status in (408, 413):
            resp.headers["Connection"] = "close"  # the rest of the body is not read
        return resp

    def check(self, environ: dict, path: str) -> None:
        refuse_token_in_url(environ.get("QUERY_STRING", ""), self.settings.tokens)
        if self.limiter is not None and path not in UNLIMITED:
            self.limiter.check(environ.get("REMOTE_ADDR") or "-")
        buffer_body(environ, self.settings.max_body_bytes, self.settings.request_read_timeout)
        if environ.get("CONTENT_TYPE", "").lower().startswith(FORM):
            body = environ.get("wsgi.input")
            if hasattr(body, "getvalue"):  # the buffered body
                refuse_token_in_form(body.getvalue(), self.settings.tokens)

    def done(self, environ: dict, method: str, path: str, status: str, seconds: float,
             location: str | None = None) -> None:
        route = self.route(path, method)
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            children = (self.metrics.requests.labels(method, route, status),
                        self.metrics.latency.labels(route))
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)
        if access_log.isEnabledFor(logging.INFO):
            line: dict[str, Any] = {"method": method, "route": route, "status": int(status),
                                    "ms": round(seconds * 1000, 2),
                                    "client": environ.get("REMOTE_ADDR")}
            query = _sparql_text(environ, route)
            if query is not None:
                line["query_hash"] = hashlib.sha256(query.encode()).hexdigest()[:16]
            access_log.info(line)
        principal = environ.get(PRINCIPAL_KEY)
        if (principal is not None and method in WRITE_METHODS and status.startswith("2")
                and path.startswith(WRITE_ROUTES)):
            audit_log.info({"event": "write", "principal": principal, "method": method,
                            "route": route, "graph": location or _graph_of(environ, path),
                            "triples": environ.get(TRIPLES_KEY), "status": int(status)})


def _sparql_text(environ: dict, route: str) -> str | None:
    """The query or update text of a SPARQL request (for its hash), when cheap to get."""
    if not route.startswith("/sparql"):
        return None
    qs = parse_qs(environ.get("QUERY_STRING", ""))
    for name in ("query", "update"):
        if qs.get(name):
            return qs[name][0]
    stream = environ.get("wsgi.input")
    if hasattr(stream, "getvalue"):  # the buffered body (limits.buffer_body)
        return stream.getvalue().decode("utf-8", "replace")
    return None


def _graph_of(environ: dict, path: str) -> str | None:
    if path.startswith("/sparql"):
        return None
    qs = parse_qs(environ.get("QUERY_STRING", ""))
    if "graph" in qs:
        return qs["graph"][0]
    if "default" in qs:
        return "default"
    return path


# ------------------------------------------------------------------------------------------
# routes
# ------------------------------------------------------------------------------------------

bp = Blueprint("ops", __name__)


def _health(check_store: bool) -> Response:
    svc = service()
    status, size, graphs = "ok", None, None
    if check_store:
        try:
            size, graphs = svc.queries.size()
        except Exception:  # noqa: BLE001 - health must answer, not fail
            status = "store-unavailable"
    queries = svc.queries.status()
    if status == "ok" and check_store and "workers" in queries and queries["workers"] < 1:
        status = "no-query-processes"
    body: dict[str, Any] = {"status": status}
    if check_store:
        body.update(store={"kind": svc.queries.mode, "quads": size, "named_graphs": graphs},
                    queries=queries)
    resp = jsonify(body)
    resp.status_code = 200 if status == "ok" else 503
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/health")
def health() -> Response:
    """Readiness with details (the original health check, kept for existing probes)."""
    return _health(check_store=True)


@bp.get("/health/ready")
def ready() -> Response:
    """Readiness: the store answers and query processes are available (503 otherwise)."""
    return _health(check_store=True)


@bp.get("/health/live")
def live() -> Response:
    """Liveness: the process answers requests (never looks at the store)."""
    return _health(check_store=False)


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus text format: requests, latency, rejections, query processes, cache."""
    front: Front = current_app.extensions[FRONT_KEY]
    return Response(generate_latest(front.metrics.registry), content_type=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})
