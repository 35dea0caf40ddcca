"""A newcomer's path through the domain pages in headless Chromium, at a desktop width and at
390 px (a phone): home → action line C7 e-health → its facilitators → WHO's page → a paragraph
that mentions WHO → next and previous → the document's reading view → download the document and
its named graph.
Screenshots of every step are kept in the test's tmp dir (pytest keeps the last runs' dirs).

A separate process serves the real graph on 127.0.0.1 (its query workers must not inherit
Playwright's pipes); no request may leave it. Skipped without Chromium or Playwright, like
tests/browser/test_pages.py, whose fixtures these follow (there is no shared browser conftest:
a second module named ``conftest`` would shadow the shared one).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
CHROMIUM = os.environ.get("WSIS_KG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

pytestmark = [pytest.mark.browser, pytest.mark.slow]

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


@pytest.fixture(scope="module")
def browser(site) -> Iterator:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (run: bash scripts/setup test)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def fits(page) -> None:
    """No sideways scrolling: only table and code boxes may scroll inside themselves."""
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"{page.url} scrolls sideways by {overflow}px"


@pytest.mark.parametrize("width", [1280, 390])
def test_newcomer_path(browser, site, tmp_path, width):
    context = browser.new_context(viewport={"width": width, "height": 860})
    page = context.new_page()
    outside: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: outside.append(r.url)
            if not r.url.startswith((site, "data:", "blob:", "about:")) else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(20_000)
    step = iter(range(1, 100))

    def shot(name: str) -> None:
        fits(page)
        page.screenshot(path=str(tmp_path / f"{next(step):02d}-{name}-{width}.png"),
                        full_page=True)

    try:
        page.goto(site + "/")
        shot("home")
        page.click("a[href$='/id/action-line/C7-e-health']")
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
        assert outside == [], f"requests left the service: {outside}"
        assert errors == [], f"JavaScript errors: {errors}"
    finally:
        context.close()
    assert len(list(tmp_path.glob("*.png"))) == 8


def test_the_other_pages_fit_a_phone(browser, site, tmp_path):
    """At 390 px nothing scrolls sideways on the other kinds of page either (the ontology page
    did: a licence IRI 472 px wide)."""
    context = browser.new_context(viewport={"width": 390, "height": 860})
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        for path in ("/def.html", "/shapes.html", "/id/action-line.html", "/id/target/j.html",
                     "/id/event/wsis.html", "/id/org/itu.html", "/graph/reference.html",
                     "/id/doc/geneva-plan-of-action.html"):
            page.goto(site + path)
            page.screenshot(path=str(tmp_path / (path.strip("/").replace("/", "_") + ".png")))
            fits(page)
    finally:
        context.close()
