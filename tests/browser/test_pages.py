"""End-to-end in headless Chromium: what a newcomer does, with screenshots under
test-artifacts/screenshots/. A separate process serves the real graph on 127.0.0.1.

The browser is Debian's /usr/bin/chromium (override: WSIS_KG_CHROMIUM) driven by Playwright;
no browser is ever downloaded: when Chromium or Playwright is missing these tests are skipped
(``bash scripts/setup test`` installs Chromium). The fixtures live in this module rather than in
a conftest.py, so that no second module named ``conftest`` shadows the shared one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent

CHROMIUM = os.environ.get("WSIS_KG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


# Module scope, not session: Playwright talks to its driver over pipes, and a query worker that
# the test process forks while the driver runs (any later test using the app fixture) would
# inherit them and keep the driver, and so pytest's exit, waiting.
@pytest.fixture(scope="module")
def browser() -> Iterator:
    from playwright import sync_api

    assert Path(CHROMIUM).exists(), f"no Chromium at {CHROMIUM} (run: bash scripts/setup test)"
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


#: The service runs in its own process: its query workers are forked children, and forked from
#: the test process they would inherit (and keep open) Playwright's pipes to its driver.
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


@dataclass
class Site:
    url: str


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    """The real graph served on 127.0.0.1 by a separate process."""
    proc = subprocess.Popen([sys.executable, "-c", SERVE, str(ROOT)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline().strip() if proc.stdout else ""
        if not line.startswith("http://"):
            pytest.fail(f"the test server did not start (exit code {proc.poll()})")
        yield Site(line)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def screenshots(artifacts_dir: Path) -> Path:
    d = artifacts_dir / "screenshots"
    d.mkdir(parents=True, exist_ok=True)
    return d


@pytest.fixture()
def page(browser, site):
    """A fresh page; records every request that leaves the live server (there must be none)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.outside_requests = []
    pg.page_errors = []

    def on_request(req) -> None:
        if not req.url.startswith((site.url, "data:", "blob:", "about:")):
            pg.outside_requests.append(req.url)

    pg.on("request", on_request)
    pg.on("pageerror", lambda e: pg.page_errors.append(str(e)))
    pg.set_default_timeout(20_000)
    yield pg
    context.close()


pytestmark = [pytest.mark.browser, pytest.mark.slow]

BAD_FACILITATION = """@prefix wsis: <https://w3id.org/wsis-kg/def/> .
<https://w3id.org/wsis-kg/id/facilitation/adopted/C1/nobody> a wsis:Facilitation ;
  wsis:status wsis:Adopted ;
  wsis:actionLine <https://w3id.org/wsis-kg/id/action-line/C1> .
"""


def no_outside(page) -> None:
    assert page.outside_requests == [], f"requests left the service: {page.outside_requests}"
    assert page.page_errors == [], f"JavaScript errors: {page.page_errors}"


def test_home_page_and_facilitation_picture(page, site, screenshots):
    page.goto(site.url + "/")
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
    no_outside(page)


def test_run_the_ehealth_question_from_home(page, site, screenshots):
    page.goto(site.url + "/")
    page.click("#run-ehealth")
    page.wait_for_url("**/editor?**")
    rows = page.locator(".yasr table tbody tr")
    rows.first.wait_for()
    assert rows.count() >= 2
    table = page.locator(".yasr table").inner_text()
    assert "who" in table.lower()
    # IRIs in the results link to this service's resource pages
    hrefs = page.eval_on_selector_all(".yasr table tbody a[href]", "as => as.map(a => a.href)")
    assert any(h.startswith(site.url + "/id/org/") for h in hrefs), hrefs[:5]
    page.screenshot(path=str(screenshots / "editor-e-health.png"), full_page=True)
    no_outside(page)


def test_example_catalogue_in_the_editor(page, site, screenshots):
    page.goto(site.url + "/editor")
    page.locator("#yasgui .CodeMirror").first.wait_for()
    links = page.locator("#examples a[data-example]")
    assert links.count() >= 3
    links.first.click()
    page.locator(".yasr table tbody tr, .yasr .dataTables_empty").first.wait_for()
    assert page.locator(".yasr table tbody tr").count() >= 1
    page.screenshot(path=str(screenshots / "editor-example.png"))
    no_outside(page)


def test_resource_page_and_follow_a_link(page, site, screenshots):
    page.goto(site.url + "/id/org/who")
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
    no_outside(page)


def test_validate_a_pasted_file_and_see_the_violation(page, site, screenshots):
    page.goto(site.url + "/validate")
    page.fill("textarea#data", BAD_FACILITATION)
    page.click("form.validate-form button[type=submit]")
    report = page.locator(".validation-report")
    report.wait_for()
    text = report.inner_text()
    assert "Does not conform" in text
    assert "wsis:agent" in text
    page.screenshot(path=str(screenshots / "validate-violation.png"), full_page=True)
    no_outside(page)


def test_pictures_page_draws_all_three(page, site, screenshots):
    page.goto(site.url + "/pictures")
    for pic in ("facilitation", "citations", "timeline"):
        page.wait_for_selector(f"#{pic}[data-rendered]")
        assert page.locator(f"#{pic}").get_attribute("data-rendered") not in ("0", "error"), pic
    assert page.locator("#timeline svg a").count() > 3
    page.screenshot(path=str(screenshots / "pictures.png"), full_page=True)
    # a timeline item opens the event's page
    page.locator("#timeline svg a").first.click()
    page.wait_for_url("**/id/event/**")
    assert page.locator("h1").count() == 1
    no_outside(page)
