"""Fixtures for the source-extractor tests: the three parsed documents, parsed once."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

ROOT = Path(__file__).resolve().parents[3]
SOURCES = ROOT / "data" / "sources"
FIXTURES = ROOT / "tests" / "fixtures" / "sources"


def source_text(name: str) -> str:
    return (SOURCES / name).read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def poa() -> Graph:
    from wsis_kg.extraction.sources.plan_of_action import extract

    return extract(source_text("geneva-plan-of-action.txt"))


@pytest.fixture(scope="session")
def tunis() -> Graph:
    from wsis_kg.extraction.sources.tunis_draft import extract

    return extract(source_text("tunis-draft-implementation-mechanism.txt"))


@pytest.fixture(scope="session")
def brochure() -> Graph:
    from wsis_kg.extraction.sources.brochure import extract

    return extract(source_text("itu-brochure-implementing-action-plan.txt"))
