"""The SPARQL editor in headless Chromium: it stays home (no request leaves 127.0.0.1, not even
one the page's CSP refuses), completes the project's own terms from the live graph, says where a
syntax error is, labels and links result IRIs, reuses an example's tab, and fits a phone.

Browser, server and pages: tests/browser/conftest.py. Screenshots go to the test's tmp dir.
"""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def editor_ready(pg, url: str) -> None:
    pg.goto(url)
    pg.locator("#yasgui .CodeMirror >> visible=true").first.wait_for()


def type_query(pg, text: str) -> None:
    """Replace the current tab's query, then type ``text`` at the end as a user does."""
    pg.evaluate("window.wsisYasgui.getTab().getYasqe().setValue('')")
    pg.locator("#yasgui .CodeMirror >> visible=true").first.click()
    pg.keyboard.type(text, delay=15)


def test_completion_of_the_projects_own_terms_asks_nobody_else(page, site, tmp_path,
                                                               stayed_home):
    editor_ready(page, site + "/editor")
    type_query(page,
               "PREFIX wsis: <https://w3id.org/wsis-kg/def/>\nSELECT * WHERE { ?x a wsis:Facil")
    page.keyboard.press("Control+Space")
    hints = page.locator(".CodeMirror-hints")
    hints.wait_for()
    text = hints.inner_text()
    assert "wsis:Facilitation" in text and "facilitation" in text.lower()
    page.keyboard.press("Enter")
    assert "?x a wsis:Facilitation" in page.evaluate(
        "window.wsisYasgui.getTab().getYasqe().getValue()")
    # keep typing: a property, then a resource, each completed from the local graph
    page.keyboard.type(" ; wsis:agen", delay=15)
    page.keyboard.press("Control+Space")
    page.locator(".CodeMirror-hints").wait_for()
    assert "wsis:agent" in page.locator(".CodeMirror-hints").inner_text()
    page.keyboard.press("Enter")
    page.keyboard.type(" wsisid:who", delay=15)
    page.keyboard.press("Control+Space")
    page.locator(".CodeMirror-hints").wait_for()
    assert "World Health Organization" in page.locator(".CodeMirror-hints").inner_text()
    page.screenshot(path=str(tmp_path / "editor-completion.png"))
    page.wait_for_timeout(500)
    stayed_home(page)


def test_terms_are_served_by_this_service(page, site):
    body = page.request.get(site + "/editor/terms.json").json()
    kinds = {t["kind"] for t in body["terms"]}
    assert kinds == {"class", "property", "resource"}
    who = [t for t in body["terms"] if t["iri"] == "https://w3id.org/wsis-kg/id/org/who"]
    assert who and who[0]["label"] == "World Health Organization"
    assert body["prefixes"]["wsis"] == "https://w3id.org/wsis-kg/def/"


def test_syntax_errors_are_shown_with_line_and_column(page, site, stayed_home):
    editor_ready(page, site + "/editor")
    type_query(page, "SELECT ?x WHERE {\n  ?x ?y ?z ) }")
    problem = page.locator("#query-problem")
    problem.wait_for()
    assert "line 2" in problem.inner_text().lower() and "column" in problem.inner_text()
    # and the endpoint's verdict when run anyway
    from playwright.sync_api import expect

    page.evaluate("""(() => { const t = window.wsisYasgui.getTab();
        t.setQuery('SELECT ?x WHERE {\\n  ?x a wsis:Foo ;\\n  ?y }');
        t.query().catch(() => {}); })()""")
    expect(problem).to_contain_text("column 16")
    assert "line 2" in problem.inner_text()
    stayed_home(page)


def test_result_iris_show_labels_and_link_to_local_pages(page, site, stayed_home):
    editor_ready(page, site + "/editor?example=e-health-facilitators&run=1")
    page.locator(".yasr table tbody tr").first.wait_for()
    link = page.locator(".yasr table tbody a[href$='/id/org/who']").first
    link.wait_for()
    assert "World Health Organization" in link.inner_text()
    assert link.evaluate("a => a.href").startswith(site + "/id/org/who")
    stayed_home(page)


def test_opening_an_example_twice_reuses_its_tab(page, site, stayed_home):
    editor_ready(page, site + "/editor")
    count = "document.querySelectorAll('#yasgui .tabsList .tab').length"
    before = page.evaluate(count)
    ex = page.locator("#examples a[data-example]").first
    ex.click()
    page.locator(".yasr table tbody tr, .yasr .dataTables_empty").first.wait_for()
    after_once = page.evaluate(count)
    ex.click()
    page.wait_for_timeout(500)
    assert after_once == before + 1
    assert page.evaluate(count) == after_once
    stayed_home(page)


def test_editor_fits_a_phone(new_page, site, tmp_path, stayed_home):
    pg = new_page(390)
    editor_ready(pg, site + "/editor?example=e-health-facilitators&run=1")
    pg.locator(".yasr table tbody tr").first.wait_for()
    pg.screenshot(path=str(tmp_path / "editor-390.png"), full_page=True)
    width = pg.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the editor page is {width} px wide at 390 px"
    stayed_home(pg)
