"""Shared fixtures: project settings, a built in-memory store, the Flask app and a live server.

Area-specific fixtures live in the conftest.py of each tests/ subfolder.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from wsis_kg.settings import Settings
from wsis_kg.store import OxigraphStore

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings(project_root=ROOT, build_on_start=False,
                    tokens={"test-token": "test-editor"})


@pytest.fixture(scope="session")
def built_store(settings: Settings) -> OxigraphStore:
    """The whole graph built once per session (reasoner on, shapes check off). Do not mutate."""
    from wsis_kg.build import build

    store = OxigraphStore()
    build(settings, store, check_shapes=False)
    return store


@pytest.fixture()
def fresh_store(settings: Settings) -> OxigraphStore:
    """A freshly built store a test may change."""
    from wsis_kg.build import build

    store = OxigraphStore()
    build(settings, store, check_shapes=False)
    return store


@pytest.fixture(scope="session")
def app(settings: Settings, built_store: OxigraphStore):
    from wsis_kg.web import create_app

    return create_app(settings, store=built_store)


@pytest.fixture()
def client(app):
    return app.test_client()


class LiveServer:
    """A real HTTP server on 127.0.0.1 in a thread; ``url`` is its root (no trailing slash)."""

    def __init__(self, app) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[LiveServer]:
    with LiveServer(app) as srv:
        yield srv


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
