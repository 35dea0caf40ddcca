"""extract.SOURCES is the one list of seed files: every extractor names its file from it."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal

from wsis_kg.extraction.extract import SOURCES, extract_doc, source
from wsis_kg.namespaces import WSIS, doc_iri, resolution_iri
from wsis_kg.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("doc", SOURCES, ids=lambda d: d.slug)
def test_each_document_names_its_own_source_file(doc) -> None:
    g = extract_doc(doc, Settings(project_root=ROOT))
    subject = resolution_iri(doc.slug) if "-RES-" in doc.slug else doc_iri(doc.slug)
    assert g.value(subject, WSIS.sourceFile) == Literal(doc.source_file)
    assert (ROOT / doc.source_file).is_file()
    assert source(doc.slug) is doc
