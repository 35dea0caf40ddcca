"""The Flask application factory: one blueprint per surface.

``create_app(settings)`` opens the store named by the settings (building the graph into it when
it is empty and ``build_on_start`` is set, :func:`wsis_kg.graph.build.open_or_build`) and
registers the SPARQL, Graph Store, validation, linked-data and UI blueprints and the
problem-response handlers. Handlers reach the store only through :class:`Service` ``.queries``
(the query service: every read with its limits, every write through its one write function).
:func:`close_app` stops the app's query processes.
"""

from __future__ import annotations

from flask import Flask, current_app

from wsis_kg.graph.build import open_or_build
from wsis_kg.settings import Settings
from wsis_kg.sparql.service import QueryService
from wsis_kg.store.embedded import GraphStore

EXTENSION_KEY = "wsis_kg"


class Service:
    """What request handlers share: the settings and the query service (never the store)."""

    def __init__(self, settings: Settings, store: GraphStore) -> None:
        self.settings = settings
        #: Runs queries with the time limit and result cap and the other reads with theirs;
        #: ``queries.write(fn)`` is the one way to change the store (update, ingest, Graph
        #: Store), so query processes see the change.
        self.queries = QueryService(settings, store)

    def close(self) -> None:
        """Stop the query processes (the store itself belongs to whoever opened it)."""
        self.queries.close()


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

    from wsis_kg.web import gsp, linked_data, problems, sparql, ui, validation

    problems.register(app)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(gsp.bp)
    app.register_blueprint(validation.bp)
    app.register_blueprint(ui.bp)
    app.register_blueprint(linked_data.bp)  # last: it answers the IRI paths

    from wsis_kg.web.fastpath import CachedAnswers

    # Repeated GET /sparql queries are answered from the answer cache before Flask (≈0.2 ms).
    app.wsgi_app = CachedAnswers(app, app.wsgi_app,  # type: ignore[method-assign]
                                 add_headers=linked_data.add_cors)
    return app


def close_app(app: Flask) -> None:
    """Stop the query processes of an app made by :func:`create_app` (safe to call twice)."""
    svc = app.extensions.get(EXTENSION_KEY)
    if svc is not None:
        svc.close()


def service() -> Service:
    """The :class:`Service` of the current app (inside a request)."""
    return current_app.extensions[EXTENSION_KEY]
