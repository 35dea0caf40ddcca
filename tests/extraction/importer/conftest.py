"""Fixtures of the importer tests: the two seed texts imported once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from wsis_kg.extraction.importer.resolution import ImportResult, import_resolution

ROOT = Path(__file__).resolve().parents[3]
SOURCES = ROOT / "data" / "sources"
FIXTURES = ROOT / "tests" / "fixtures" / "importer"


@pytest.fixture(scope="session")
def ecosoc() -> ImportResult:
    return import_resolution((SOURCES / "ecosoc-res-2009-7.txt").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def ga() -> ImportResult:
    return import_resolution((SOURCES / "ga-res-66-184.txt").read_text(encoding="utf-8"),
                             symbol="A/RES/66/184")


@pytest.fixture(scope="session")
def synthetic() -> ImportResult:
    return import_resolution((FIXTURES / "synthetic-resolution.txt").read_text(encoding="utf-8"),
                             symbol="A/RES/99/1", date="2024-12-19")
