"""Where the graph lives: an embedded Oxigraph store (memory or disk) or a remote endpoint.

Every other module talks to a :class:`GraphStore`; :func:`open_store` chooses one from the
settings, so the rest of the code does not care whether the store is embedded or remote.
"""

from __future__ import annotations

from pathlib import Path

from wsis_kg.settings import Settings
from wsis_kg.store.embedded import GraphStore, OxigraphStore
from wsis_kg.store.remote import RemoteStore

__all__ = ["GraphStore", "OxigraphStore", "RemoteStore", "open_store"]


def open_store(settings: Settings) -> GraphStore:
    """The store the settings name: ``memory``, a directory path, or an http(s) URL."""
    if settings.is_remote:
        return RemoteStore(settings)
    if settings.store in ("", "memory", ":memory:"):
        return OxigraphStore()
    return OxigraphStore(Path(settings.store))
