"""The SPARQL editor in headless Chromium: it stays home (no request leaves 127.0.0.1, not even
one the page's CSP refuses), completes the project's own terms from the live graph, says where a
syntax error is, labels and links result IRIs, reuses an example's tab, and fits a phone.

Browser and server as in test_pages.py (Debian's Chromium, never downloaded; the service in its
own process on 127.0.0.1). Screenshots go to the test's tmp dir.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent.parent
CHROMIUM = os.environ.get("WSIS_KG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SERVE = """
import sys
from pathlib import Path
from werkzeug.serving import make_server
from wsis_kg.graph.build import build
from wsis_kg.settings import Settings
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.web import create_app
settings = Settings(project_root=Path(sys.argv[1]), build_on_start=False, workers=2)
store = OxigraphStore()
build(settings, store, check_shapes=False)
server = make_server("127.0.0.1", 0, create_app(settings, store=store), threaded=True)
print(f"http://127.0.0.1:{server.server_port}", flush=True)
server.serve_forever()
"""


@pytest.fixture(scope="module")
def browser() -> Iterator:
    from playwright import sync_api

    assert Path(CHROMIUM).exists(), f"no Chromium at {CHROMIUM} (run: bash scripts/setup test)"
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    proc = subprocess.Popen([sys.executable, "-c", SERVE, str(ROOT)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline().strip() if proc.stdout else ""
        if not line.startswith("http://"):
            pytest.fail(f"the test server did not start (exit code {proc.poll()})")
        yield line
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def open_page(browser, width: int = 1280):
    """A fresh page that records every request not to 127.0.0.1, every request the CSP
    refused (Playwright does not see those as requests) and every script error."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    pg = context.new_page()
    pg.outside = []
    pg.errors = []

    def on_request(req) -> None:
        if not req.url.startswith(("http://127.0.0.1:", "data:", "blob:", "about:")):
            pg.outside.append(req.url)

    def on_console(msg) -> None:
        if "Content Security Policy" in msg.text or "Refused to connect" in msg.text:
            pg.outside.append(msg.text)

    pg.on("request", on_request)
    pg.on("console", on_console)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.set_default_timeout(20_000)
    return pg


@pytest.fixture()
def page(browser):
    pg = open_page(browser)
    yield pg
    pg.context.close()


def stayed_home(pg) -> None:
    assert pg.outside == [], f"requests left the machine: {pg.outside}"
    assert pg.errors == [], f"JavaScript errors: {pg.errors}"


def editor_ready(pg, url: str) -> None:
    pg.goto(url)
    pg.locator("#yasgui .CodeMirror >> visible=true").first.wait_for()


def type_query(pg, text: str) -> None:
    """Replace the current tab's query, then type ``text`` at the end as a user does."""
    pg.evaluate("window.wsisYasgui.getTab().getYasqe().setValue('')")
    pg.locator("#yasgui .CodeMirror >> visible=true").first.click()
    pg.keyboard.type(text, delay=15)


def test_completion_of_the_projects_own_terms_asks_nobody_else(page, site, tmp_path):
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


def test_syntax_errors_are_shown_with_line_and_column(page, site):
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


def test_result_iris_show_labels_and_link_to_local_pages(page, site):
    editor_ready(page, site + "/editor?example=e-health-facilitators&run=1")
    page.locator(".yasr table tbody tr").first.wait_for()
    link = page.locator(".yasr table tbody a[href$='/id/org/who']").first
    link.wait_for()
    assert "World Health Organization" in link.inner_text()
    assert link.evaluate("a => a.href").startswith(site + "/id/org/who")
    stayed_home(page)


def test_opening_an_example_twice_reuses_its_tab(page, site):
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


def test_editor_fits_a_phone(browser, site, tmp_path):
    pg = open_page(browser, width=390)
    try:
        editor_ready(pg, site + "/editor?example=e-health-facilitators&run=1")
        pg.locator(".yasr table tbody tr").first.wait_for()
        pg.screenshot(path=str(tmp_path / "editor-390.png"), full_page=True)
        width = pg.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the editor page is {width} px wide at 390 px"
        stayed_home(pg)
    finally:
        pg.context.close()
