"""The pictures in headless Chromium at 1280 and 390 px, drawn from live SPARQL: labels at
12 px or more and never cut or outside the picture, the facilitation roles with their status
and a filter per action line and per organisation, the citations with symbols and dates (the
Plan of Action dated), the timeline with its undated events listed. Screenshots go to the
test's tmp dir. Browser, server and pages: tests/browser/conftest.py.
"""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

C7_EHEALTH = "https://w3id.org/wsis-kg/id/action-line/C7-e-health"
WHO = "https://w3id.org/wsis-kg/id/org/who"
POA = "https://w3id.org/wsis-kg/id/doc/geneva-plan-of-action"

#: every drawn node of a cytoscape picture: its label, its size on screen, whether it is whole
#: inside the picture
NODE_CHECK = """(name) => { const cy = window.wsisPictures[name];
  const w = cy.container().clientWidth;
  return cy.nodes().filter((n) => n.visible() && n.data('label')).map((n) => {
    const b = n.renderedBoundingBox({ includeLabels: true });
    return { label: n.data('label'), px: parseFloat(n.renderedStyle('font-size')),
             inside: b.x1 >= -1 && b.x2 <= w + 1 }; }); }"""

#: every text of the timeline: its size, whether it stays inside the drawing
TEXT_CHECK = """() => { const svg = document.querySelector('#timeline svg');
  const w = svg.width.baseVal.value;
  return [...svg.querySelectorAll('text')].map((t) => { const b = t.getBBox();
    return { text: t.textContent, px: parseFloat(getComputedStyle(t).fontSize),
             inside: b.x >= -1 && b.x + b.width <= w + 1 }; }); }"""


def readable(items: list[dict], what: str) -> None:
    small = [i["label" if "label" in i else "text"] for i in items if i["px"] < 12]
    assert not small, f"{what}: labels under 12 px: {small[:5]}"
    cut = [i.get("label", i.get("text")) for i in items if not i["inside"]]
    assert not cut, f"{what}: labels outside the picture: {cut[:5]}"
    assert not any("…" in (i.get("label") or i.get("text") or "") for i in items), what


@pytest.mark.parametrize("width", [1280, 390])
def test_pictures_are_readable(new_page, site, tmp_path, width, stayed_home):
    pg = new_page(width)
    pg.goto(site + "/pictures")
    for pic in ("facilitation", "citations", "timeline"):
        pg.wait_for_selector(f"#{pic}[data-rendered]")
        assert pg.locator(f"#{pic}").get_attribute("data-rendered") not in ("0", "error")
    pg.screenshot(path=str(tmp_path / f"pictures-{width}.png"), full_page=True)
    assert pg.evaluate("document.documentElement.scrollWidth") <= width

    # facilitation: it opens on the adopted roles (not a hairball of all 101), every label
    # whole and readable; the whole network is one click away
    fac = pg.locator("#facilitation")
    everything = int(fac.get_attribute("data-rendered"))
    opening = int(fac.get_attribute("data-shown"))
    assert 0 < opening <= 30 < everything, (opening, everything)
    assert all(x["px"] >= 12 for x in pg.evaluate(NODE_CHECK, "facilitation"))
    readable(pg.evaluate(NODE_CHECK, "facilitation"), "facilitation")
    fac.screenshot(path=str(tmp_path / f"facilitation-opening-{width}.png"))
    whole = pg.locator("#facilitation-all")
    assert whole.get_attribute("aria-pressed") == "false"
    whole.click()
    assert int(fac.get_attribute("data-shown")) == everything
    assert whole.get_attribute("aria-pressed") == "true"
    assert pg.locator("#facilitation-legend input:checked").count() >= 3
    readable(pg.evaluate(NODE_CHECK, "facilitation"), "facilitation, whole network")
    fac.screenshot(path=str(tmp_path / f"facilitation-whole-{width}.png"))
    # roles and status told apart once a line is picked
    pg.select_option("#facilitation-line", C7_EHEALTH)
    pg.locator("#facilitation").screenshot(path=str(tmp_path / f"facilitation-c7-{width}.png"))
    labels = pg.evaluate(NODE_CHECK, "facilitation")
    readable(labels, "facilitation, C7 e-health")
    who = next(x["label"] for x in labels if x["label"].startswith("WHO"))
    assert "(adopted)" in who and "(proposed)" in who, who
    table = pg.locator(".picture-table table tbody tr")
    assert table.count() == int(pg.locator("#facilitation").get_attribute("data-shown"))
    firsts = table.locator("td:first-child").all_text_contents()
    assert all("e-health" in t.lower() for t in firsts), firsts
    pg.select_option("#facilitation-line", "")
    pg.select_option("#facilitation-org", WHO)
    lines = [x["label"] for x in pg.evaluate(NODE_CHECK, "facilitation")]
    assert any(lab.startswith("C7 e-health:") for lab in lines), lines
    assert int(pg.locator("#facilitation").get_attribute("data-shown")) < 20

    # citations: symbols and dates; the Plan of Action dated from the text that gives it
    cites = pg.evaluate(NODE_CHECK, "citations")
    readable(cites, "citations")
    poa = pg.evaluate(f"window.wsisPictures.citations.getElementById('{POA}').data('label')")
    assert "WSIS-03/GENEVA/DOC/5-E" in poa and "2003-12-12" in poa, poa

    # timeline: no label cut, the undated events listed apart
    readable(pg.evaluate(TEXT_CHECK), "timeline")
    undated = pg.locator("#timeline-undated li")
    assert undated.count() == int(pg.locator("#timeline").get_attribute("data-undated")) > 0
    assert "Twelfth session of the Commission on Science and Technology" in \
        pg.locator("#timeline-undated").inner_text()
    stayed_home(pg)
