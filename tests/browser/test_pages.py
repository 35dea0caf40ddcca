"""End-to-end in headless Chromium: what a newcomer does, with screenshots under
test-artifacts/screenshots/. Browser, server and pages: tests/browser/conftest.py.
"""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BAD_FACILITATION = """@prefix wsis: <https://w3id.org/wsis-kg/def/> .
<https://w3id.org/wsis-kg/id/facilitation/adopted/C1/nobody> a wsis:Facilitation ;
  wsis:status wsis:Adopted ;
  wsis:actionLine <https://w3id.org/wsis-kg/id/action-line/C1> .
"""


def test_home_page_and_facilitation_picture(page, site, screenshots, stayed_home):
    page.goto(site + "/")
    assert page.locator("h1").first.inner_text() == "WSIS knowledge graph"
    assert page.get_by_text("What the graph holds").is_visible()
    pic = page.locator("#facilitation")
    page.wait_for_selector("#facilitation[data-rendered]")
    assert int(pic.get_attribute("data-rendered")) > 10
    assert pic.locator("canvas").count() > 0
    # the legend tells adopted and proposals apart, one toggle each
    assert page.locator("#facilitation-legend input[type=checkbox]").count() >= 2
    assert "Adopted" in page.locator("#facilitation-legend").inner_text()
    # the drawing has the nodes: action lines and organisations
    nodes = page.evaluate("window.wsisPictures.facilitation.nodes().map(n => n.data('label'))")
    assert "WHO" in nodes and any(n.startswith("C7 e-health") for n in nodes)
    page.screenshot(path=str(screenshots / "home.png"), full_page=True)
    pic.screenshot(path=str(screenshots / "facilitation-picture.png"))
    stayed_home(page)


def test_run_the_ehealth_question_from_home(page, site, screenshots, stayed_home):
    page.goto(site + "/")
    page.click("#run-ehealth")
    page.wait_for_url("**/editor?**")
    rows = page.locator(".yasr table tbody tr")
    rows.first.wait_for()
    assert rows.count() >= 2
    table = page.locator(".yasr table").inner_text()
    assert "who" in table.lower()
    # IRIs in the results link to this service's resource pages
    hrefs = page.eval_on_selector_all(".yasr table tbody a[href]", "as => as.map(a => a.href)")
    assert any(h.startswith(site + "/id/org/") for h in hrefs), hrefs[:5]
    page.screenshot(path=str(screenshots / "editor-e-health.png"), full_page=True)
    stayed_home(page)


def test_example_catalogue_in_the_editor(page, site, screenshots, stayed_home):
    page.goto(site + "/editor")
    page.locator("#yasgui .CodeMirror").first.wait_for()
    links = page.locator("#examples a[data-example]")
    assert links.count() >= 3
    links.first.click()
    page.locator(".yasr table tbody tr, .yasr .dataTables_empty").first.wait_for()
    assert page.locator(".yasr table tbody tr").count() >= 1
    page.screenshot(path=str(screenshots / "editor-example.png"))
    stayed_home(page)


def test_resource_page_and_follow_a_link(page, site, screenshots, stayed_home):
    page.goto(site + "/id/org/who")
    assert page.url.endswith("/id/org/who.html")
    assert page.locator("h1").inner_text() == "World Health Organization"
    assert page.locator(".sources blockquote").count() >= 1
    page.screenshot(path=str(screenshots / "resource-who.png"), full_page=True)
    page.click("details.all-statements summary")  # the statements under the domain page
    link = page.locator("section.incoming a[href*='/id/facilitation/']").first
    target_text = link.inner_text()
    link.click()
    page.wait_for_url("**/id/facilitation/**.html")
    assert page.locator("h1").inner_text() == target_text
    # and on to the organisation again, through the agent property
    page.locator("table.props a[href$='/id/org/who']").first.click()
    page.wait_for_url("**/id/org/who.html")
    page.screenshot(path=str(screenshots / "resource-followed.png"))
    stayed_home(page)


def test_validate_a_pasted_file_and_see_the_violation(page, site, screenshots, stayed_home):
    page.goto(site + "/validate")
    page.fill("textarea#data", BAD_FACILITATION)
    page.click("form.validate-form button[type=submit]")
    report = page.locator(".validation-report")
    report.wait_for()
    text = report.inner_text()
    assert "Does not conform" in text
    assert "wsis:agent" in text
    page.screenshot(path=str(screenshots / "validate-violation.png"), full_page=True)
    stayed_home(page)


def test_pictures_page_draws_all_three(page, site, screenshots, stayed_home):
    page.goto(site + "/pictures")
    for pic in ("facilitation", "citations", "timeline"):
        page.wait_for_selector(f"#{pic}[data-rendered]")
        assert page.locator(f"#{pic}").get_attribute("data-rendered") not in ("0", "error"), pic
    assert page.locator("#timeline svg a").count() > 3
    page.screenshot(path=str(screenshots / "pictures.png"), full_page=True)
    # a timeline item opens the event's page
    page.locator("#timeline svg a").first.click()
    page.wait_for_url("**/id/event/**")
    assert page.locator("h1").count() == 1
    stayed_home(page)
