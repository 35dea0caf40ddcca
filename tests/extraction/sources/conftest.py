"""Fixtures for the source-extractor tests: the three parsed documents, parsed once."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from wsis_kg.extraction.extract import source

ROOT = Path(__file__).resolve().parents[3]
SOURCES = ROOT / "data" / "sources"
FIXTURES = ROOT / "tests" / "fixtures" / "sources"


def source_text(slug: str) -> str:
    """The text of seed document ``slug`` (its file named by ``extract.SOURCES``)."""
    return (SOURCES / source(slug).filename).read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def poa() -> Graph:
    from wsis_kg.extraction.sources.plan_of_action import extract

    return extract(source_text("geneva-plan-of-action"))


@pytest.fixture(scope="session")
def tunis() -> Graph:
    from wsis_kg.extraction.sources.tunis_draft import extract

    return extract(source_text("tunis-draft-implementation-mechanism"))


@pytest.fixture(scope="session")
def brochure() -> Graph:
    from wsis_kg.extraction.sources.brochure import extract

    return extract(source_text("itu-brochure-implementing-action-plan"))
