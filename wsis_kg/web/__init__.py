"""The Flask application factory: one blueprint per surface.

``create_app(settings)`` opens the store named by the settings (building the graph into it, or
reading it from the cache of a build with the same inputs, when it is empty and
``build_on_start`` is set, :func:`wsis_kg.graph.build.open_or_build`), keeps the
query service on the app (:mod:`wsis_kg.web.extension`) and registers the SPARQL, Graph Store,
validation, linked-data, UI and operations blueprints, the CORS and security headers and the
problem-response handlers, then the two WSGI layers in front of Flask: the cached-answer fast
path (:mod:`wsis_kg.web.fastpath`) and, outermost, :class:`wsis_kg.web.ops.Front` (limits, logs,
metrics). :func:`close_app` stops the app's query processes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask

from wsis_kg.graph.build import open_or_build
from wsis_kg.settings import Settings
from wsis_kg.web import (
    admin,
    gsp,
    importer,
    linked_data,
    openapi,
    ops,
    problems,
    search,
    sparql,
    ui,
    validation,
)
from wsis_kg.web.extension import EXTENSION_KEY, Service
from wsis_kg.web.fastpath import CachedAnswers
from wsis_kg.web.http import add_headers, added_headers, init_headers

if TYPE_CHECKING:
    from wsis_kg.store import GraphStore


class App(Flask):
    """Flask with :class:`wsis_kg.web.ops.Front` in front of ``wsgi_app`` (whatever that is:
    the fast path, or a layer a test put there), so no request gets past the limits, the logs
    and the metrics."""

    front: ops.Front

    def __call__(self, environ: dict, start_response: Any) -> Any:
        return self.front(environ, start_response)

    def direct(self, environ: dict) -> Any:
        """A SPARQL GET's whole answer without the WSGI protocol, or None
        (:meth:`wsis_kg.web.ops.Front.direct`; the RSGI front calls it)."""
        return self.front.direct(environ)


def create_app(settings: Settings | None = None, store: GraphStore | None = None) -> Flask:
    """Build the WSGI app; pass ``store`` to reuse an already built store (tests, bench).

    Close it with :func:`close_app` (tests, ``wsis-kg serve`` at exit).
    """
    settings = settings or Settings.from_env()
    if store is None:
        store = open_or_build(settings)
    app = App(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.extensions[EXTENSION_KEY] = Service(settings, store)

    problems.register(app)
    init_headers(app)
    app.register_blueprint(ops.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(gsp.bp)
    app.register_blueprint(validation.bp)
    app.register_blueprint(importer.bp)
    app.register_blueprint(ui.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(linked_data.bp)  # last: it answers the IRI paths

    # Repeated GET /sparql queries are answered from the answer cache before Flask (≈0.2 ms).
    app.wsgi_app = CachedAnswers(app, app.wsgi_app,  # type: ignore[method-assign]
                                 added=added_headers)
    app.front = ops.Front(app, settings, add_headers)
    app.extensions[ops.FRONT_KEY] = app.front
    return app


def close_app(app: Flask) -> None:
    """Stop the query processes of an app made by :func:`create_app` (safe to call twice)."""
    svc = app.extensions.get(EXTENSION_KEY)
    if svc is not None:
        svc.close()
