"""data/extracted/ for the three documents (and their -topics.ttl and -acts.ttl) is exactly what
the extractors produce."""

from __future__ import annotations

import pytest

from wsis_kg.extraction.extract import extract_all
from wsis_kg.settings import Settings

#: Heavier than the everyday loop allows (`pytest -m "not slow"` stays under a minute).
pytestmark = pytest.mark.slow

SLUGS = ["geneva-plan-of-action", "tunis-draft-implementation-mechanism",
         "itu-brochure-implementing-action-plan"]


def test_extracted_files_up_to_date(settings: Settings) -> None:
    outputs = extract_all(settings, only=SLUGS)
    assert len(outputs) == 9  # each document, its <doc>-topics.ttl and its <doc>-acts.ttl
    stale = [path.name for path, text in outputs.items()
             if not path.exists() or path.read_text(encoding="utf-8") != text]
    assert not stale, f"re-run `wsis-kg extract --only …`: {stale}"
