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
    # the search box of every page
    assert '<form role="search" action="/kg/search" method="get"' in out
    assert '<label for="site-search-q">' in out and 'name="q"' in out


def test_pages_say_their_language_and_pylodes_credit_line_is_readable():
    """axe found html-has-lang and the colour contrast of pyLODE's grey, green and yellow
    "made by pyLODE" line and of its orange and light blue class and property marks (1.6 to
    3.9:1) on /def.html and /shapes.html."""
    page = ('<!DOCTYPE html>\n<html>\n<head><style>#pylode { color: grey; }</style></head>'
            '<body><div id="pylode"><p>made by <a href="x"><span id="p">p</span>'
            '<span id="y">y</span></a></p></div></body></html>')
    out = docs_gen.link_into_service(page, root="", public_base=BASE, name="def")
    assert '<html lang="en">' in out
    style = out[out.rindex("<style>"):out.index("</head>")]
    for selector, colour in (("#pylode p", "#555"), ("#pylode #p", "#1b6b3a"),
                             ("#pylode #y", "#7a5a00"), (".sup-c", "#9a4f00"),
                             (".sup-fp", "#0b6e99")):
        assert selector in style and colour in style
        assert contrast(colour, "#ffffff") >= 4.5, colour
    kept = docs_gen.link_into_service('<html lang="fr"><body></body></html>', root="",
                                      public_base=BASE, name="def")
    assert kept.startswith('<html lang="fr">')


def contrast(fg: str, bg: str) -> float:
    """WCAG 2.1 contrast ratio of two #rrggbb colours."""
    def lum(c: str) -> float:
        rgb = [int(c[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((lum(fg if len(fg) == 7 else "#" + fg[1] * 2 + fg[2] * 2 + fg[3] * 2),
                     lum(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
