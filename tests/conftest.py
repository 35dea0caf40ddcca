"""Shared fixtures: project settings, a built in-memory store, the Flask app and a live server.

Area-specific fixtures live in the conftest.py of each tests/ subfolder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from wsis_kg.graph.build import build
from wsis_kg.settings import Settings
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.testing import LiveServer
from wsis_kg.web import create_app

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
# Graphs built by servers and commands the tests start are cached in the checkout, not in the
# user's ~/.cache (a test that needs its own cache directory sets WSIS_KG_CACHE_DIR itself).
os.environ.setdefault("WSIS_KG_CACHE_DIR", str(ARTIFACTS / "cache"))


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings(project_root=ROOT, build_on_start=False,
                    tokens={"test-token": "test-editor"})


@pytest.fixture(scope="session")
def built_store(settings: Settings) -> OxigraphStore:
    """The whole graph built once per session (reasoner on, shapes check off). Do not mutate."""
    store = OxigraphStore()
    build(settings, store, check_shapes=False)
    return store


@pytest.fixture(scope="session")
def app(settings: Settings, built_store: OxigraphStore):
    return create_app(settings, store=built_store)


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[LiveServer]:
    with LiveServer(app) as srv:
        yield srv


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
