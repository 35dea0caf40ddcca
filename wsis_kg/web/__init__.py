"""The Flask application factory: one blueprint per surface.

``create_app(settings)`` opens the store named by the settings (building the graph into it when
it is empty and ``build_on_start`` is set, :func:`wsis_kg.graph.build.open_or_build`), keeps the
query service on the app (:mod:`wsis_kg.web.extension`) and registers the SPARQL, Graph Store,
validation, linked-data and UI blueprints, CORS and the problem-response handlers.
:func:`close_app` stops the app's query processes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask

from wsis_kg.graph.build import open_or_build
from wsis_kg.settings import Settings
from wsis_kg.web import gsp, linked_data, openapi, problems, sparql, ui, validation
from wsis_kg.web.extension import EXTENSION_KEY, Service
from wsis_kg.web.fastpath import CachedAnswers
from wsis_kg.web.http import add_cors, init_cors

if TYPE_CHECKING:
    from wsis_kg.store import GraphStore


def create_app(settings: Settings | None = None, store: GraphStore | None = None) -> Flask:
    """Build the WSGI app; pass ``store`` to reuse an already built store (tests, bench).

    Close it with :func:`close_app` (tests, ``wsis-kg serve`` at exit).
    """
    settings = settings or Settings.from_env()
    if store is None:
        store = open_or_build(settings)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.extensions[EXTENSION_KEY] = Service(settings, store)

    problems.register(app)
    init_cors(app)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(gsp.bp)
    app.register_blueprint(validation.bp)
    app.register_blueprint(ui.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(linked_data.bp)  # last: it answers the IRI paths

    # Repeated GET /sparql queries are answered from the answer cache before Flask (≈0.2 ms).
    app.wsgi_app = CachedAnswers(app, app.wsgi_app,  # type: ignore[method-assign]
                                 add_headers=add_cors)
    return app


def close_app(app: Flask) -> None:
    """Stop the query processes of an app made by :func:`create_app` (safe to call twice)."""
    svc = app.extensions.get(EXTENSION_KEY)
    if svc is not None:
        svc.close()
