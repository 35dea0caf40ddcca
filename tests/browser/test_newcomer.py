"""A newcomer's path through the domain pages in headless Chromium, at a desktop width and at
390 px (a phone): home → search "health" → action line C7 e-health → its facilitators → WHO's
page → a paragraph that mentions WHO → next and previous → the document's reading view →
download the document and its named graph.
Screenshots of every step are kept under test-artifacts/screenshots/newcomer/.

Browser, server and pages: tests/browser/conftest.py; no request may leave the service.
"""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def fits(page) -> None:
    """No sideways scrolling: only table and code boxes may scroll inside themselves."""
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{page.url} scrolls sideways by {overflow}px"


@pytest.mark.parametrize("width", [1280, 390])
def test_newcomer_path(new_page, site, screenshots, width, stayed_home):
    page = new_page(width, 860)
    step = iter(range(1, 100))
    shots = screenshots / "newcomer"
    shots.mkdir(exist_ok=True)
    for old in shots.glob(f"*-{width}.png"):
        old.unlink()

    def shot(name: str) -> None:
        fits(page)
        page.screenshot(path=str(shots / f"{next(step):02d}-{name}-{width}.png"),
                        full_page=True)

    page.goto(site + "/")
    shot("home")
    box = page.get_by_role("combobox", name="Search texts and names")
    box.fill("health")
    box.press("Enter")
    page.wait_for_url("**/search?q=health")
    hit = page.locator(".search-hit-name[href$='/id/action-line/C7-e-health']")
    assert hit.count() == 1 and page.locator(".search-hit").count() > 3
    shot("search")
    hit.click()
    page.wait_for_url("**/id/action-line/C7-e-health.html")
    assert page.locator("h1").inner_text() == "E-health"
    plan = page.locator("section.action-line figure.provision").first
    assert "communicable diseases" in plan.inner_text()
    shot("action-line")

    facilitators = page.locator("section.action-line table.roles")
    facilitators.scroll_into_view_if_needed()
    who_row = facilitators.locator("tr", has=page.locator("th a[href$='/id/org/who']"))
    assert "facilitator" in who_row.locator("td").first.inner_text()
    shot("facilitators")
    who_row.locator("th a").click()
    page.wait_for_url("**/id/org/who.html")
    assert page.locator("h1").inner_text() == "World Health Organization"
    assert "C7 e-health" in page.locator("section.organisation table.roles").inner_text()
    shot("who")

    para = page.locator("section.organisation ul.mentions a[href$='/E-RES-2009-7/para/42']")
    para.first.click()
    page.wait_for_url("**/E-RES-2009-7/para/42.html")
    assert "World Health Organization" in page.locator(".doc-reading").inner_text()
    shot("paragraph")
    page.click("a[rel=next]")
    page.wait_for_url("**/E-RES-2009-7/para/43.html")
    shot("next")
    page.click("a[rel=prev]")
    page.wait_for_url("**/E-RES-2009-7/para/42.html")

    page.click("nav.where a:has-text('read it in the document')")
    page.wait_for_url("**/E-RES-2009-7.html#para-42")
    target = page.locator("#para-42")
    assert target.is_visible() and "World Health Organization" in target.inner_text()
    numbers = page.locator(".doc-reading .part .num").all_inner_texts()
    assert numbers.index("42") < numbers.index("43")
    shot("reading-view")

    turtle = page.locator(".formats a[type='text/turtle']").get_attribute("href")
    resp = page.request.get(site + turtle)
    assert resp.status == 200 and resp.headers["content-type"].startswith("text/turtle")
    assert "E-RES-2009-7" in resp.text()
    # the named graph the document's statements come from: its size and its download
    page.goto(site + "/graph/E-RES-2009-7.html")
    assert "statements" in page.locator("section.named-graph .lead").inner_text()
    shot("named-graph")
    gsp = page.locator("section.named-graph a[href*='/rdf-graphs/service?graph=']")
    resp = page.request.get(site + gsp.get_attribute("href"))
    assert resp.status == 200 and "E-RES-2009-7" in resp.text()
    stayed_home(page)
    assert len(list(shots.glob(f"*-{width}.png"))) == 9


def test_the_other_pages_fit_a_phone(new_page, site, tmp_path, stayed_home):
    """At 390 px nothing scrolls sideways on the other kinds of page either (the ontology page
    did: a licence IRI 472 px wide)."""
    page = new_page(390, 860)
    for path in ("/def.html", "/shapes.html", "/id/action-line.html", "/id/target/j.html",
                 "/id/event/wsis.html", "/id/org/itu.html", "/graph/reference.html",
                 "/id/doc/geneva-plan-of-action.html"):
        page.goto(site + path)
        page.screenshot(path=str(tmp_path / (path.strip("/").replace("/", "_") + ".png")))
        fits(page)
    stayed_home(page)
