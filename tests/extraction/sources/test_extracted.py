"""data/extracted/ for the three documents (and their -acts.ttl) is exactly what the extractors
produce."""

from __future__ import annotations

from wsis_kg.extraction.extract import extract_all
from wsis_kg.settings import Settings

SLUGS = ["geneva-plan-of-action", "tunis-draft-implementation-mechanism",
         "itu-brochure-implementing-action-plan"]


def test_extracted_files_up_to_date(settings: Settings) -> None:
    outputs = extract_all(settings, only=SLUGS)
    assert len(outputs) == 6  # each document's file and its -acts.ttl (wsis_kg.extraction.acts)
    stale = [path.name for path, text in outputs.items()
             if not path.exists() or path.read_text(encoding="utf-8") != text]
    assert not stale, f"re-run `wsis-kg extract --only …`: {stale}"
