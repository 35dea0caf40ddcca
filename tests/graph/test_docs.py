"""pyLODE documentation of the ontology and shapes, with service links."""

from __future__ import annotations

from pathlib import Path

import pytest

from wsis_kg.graph import docs as docs_gen
from wsis_kg.settings import Settings

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "web"
BASE = "https://w3id.org/wsis-kg/"


@pytest.mark.slow
def test_ontology_page_is_generated_with_pylode():
    page = docs_gen.generate(Settings(project_root=FIXTURE), "def")
    assert "WSIS ontology (test slice)" in page and "pyLODE" in page
    assert "UN specialised agency" in page


@pytest.mark.slow
def test_shapes_page_lists_node_shapes_and_constraints():
    page = docs_gen.generate(Settings(project_root=FIXTURE), "shapes")
    assert 'id="shacl-shapes"' in page
    assert "Facilitation shape" in page
    assert "A facilitation needs exactly one agent." in page
    assert "sh:minCount" in page and "wsis:Adopted" in page  # constraints, the sh:in list


def test_links_point_into_the_service_and_iris_use_the_public_base():
    page = f'<html><body><a href="{BASE}id/org/who">x</a> {BASE}def/X</body></html>'
    out = docs_gen.link_into_service(page, root="/kg", public_base="http://e.test/",
                                     name="def")
    assert 'href="/kg/id/org/who"' in out
    assert "http://e.test/def/X" in out and BASE not in out
    assert 'href="/kg/def.owl"' in out
