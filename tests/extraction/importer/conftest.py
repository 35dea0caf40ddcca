"""Fixtures of the importer tests: the two seed texts imported once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from wsis_kg.extraction.extract import source
from wsis_kg.extraction.importer.resolution import ImportResult, import_resolution

ROOT = Path(__file__).resolve().parents[3]
SOURCES = ROOT / "data" / "sources"
FIXTURES = ROOT / "tests" / "fixtures" / "importer"


def seed_text(slug: str) -> str:
    """The text of seed resolution ``slug`` (its file named by ``extract.SOURCES``)."""
    return (SOURCES / source(slug).filename).read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def ecosoc() -> ImportResult:
    return import_resolution(seed_text("E-RES-2009-7"))


@pytest.fixture(scope="session")
def ga() -> ImportResult:
    return import_resolution(seed_text("A-RES-66-184"),
                             symbol="A/RES/66/184")


@pytest.fixture(scope="session")
def synthetic() -> ImportResult:
    return import_resolution((FIXTURES / "synthetic-resolution.txt").read_text(encoding="utf-8"),
                             symbol="A/RES/99/1", date="2024-12-19")
