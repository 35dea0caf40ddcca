"""What request handlers share, kept on the app: the settings and the query service.

Handlers reach the store only through :class:`Service` ``.queries`` (the query service: every
read with its limits, every write through its one write function).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import current_app

from wsis_kg.settings import Settings
from wsis_kg.sparql.service import QueryService

if TYPE_CHECKING:
    from wsis_kg.store import GraphStore

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


def service() -> Service:
    """The :class:`Service` of the current app (inside a request)."""
    return current_app.extensions[EXTENSION_KEY]


def select(sparql: str) -> list[dict[str, Any]]:
    """A SELECT's rows, through the current app's query service (so under its limits)."""
    return service().queries.select(sparql)


def store_generation() -> Any:
    """A value that changes whenever the store content changes (keys of generated bodies)."""
    return service().queries.content_version()
