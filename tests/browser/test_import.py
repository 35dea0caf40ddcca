"""The editor's path in headless Chromium: paste a resolution text, read what the importer
found, fix the symbol, validate, commit with a token, open the new resolution's page; and the
page at 390 px. Screenshots go to the test's tmp dir. Browser and server as in test_pages.py
(Debian's Chromium, never downloaded); the service runs in its own process on 127.0.0.1, with
a test token.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent.parent
TEXT = ROOT / "tests" / "fixtures" / "importer" / "corpus" / "ecosoc-ocr.txt"
ITEMS = ROOT / "tests" / "fixtures" / "importer" / "corpus" / "hand" / "items.txt"
CHROMIUM = os.environ.get("WSIS_KG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
#: As test_pages.py's server (own process: its forked workers must not hold Playwright's
#: pipes), with a token to commit with.
SERVE = """
import sys
from pathlib import Path
from werkzeug.serving import make_server
from wsis_kg.graph.build import build
from wsis_kg.settings import Settings
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.web import create_app
settings = Settings(project_root=Path(sys.argv[1]), build_on_start=False, workers=2,
                    tokens={"test-token": "test-editor"})
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
def browser() -> Iterator:
    from playwright import sync_api

    assert Path(CHROMIUM).exists(), f"no Chromium at {CHROMIUM} (run: bash scripts/setup test)"
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def editor_site() -> Iterator[Site]:
    proc = subprocess.Popen([sys.executable, "-c", SERVE, str(ROOT)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
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


def new_page(browser, site: Site, width: int):
    context = browser.new_context(viewport={"width": width, "height": 900})
    pg = context.new_page()
    pg.requests, pg.page_errors = [], []
    pg.on("request", lambda r: pg.requests.append(r))
    pg.on("pageerror", lambda e: pg.page_errors.append(str(e)))
    pg.set_default_timeout(30_000)
    return context, pg


def paste_and_import(pg, site: Site, text: Path = TEXT) -> None:
    pg.goto(site.url + "/import")
    pg.fill("textarea#text", text.read_text(encoding="utf-8"))
    pg.click("#import-button")
    pg.locator(".import-result").first.wait_for()


def test_paste_fix_validate_commit_and_open_the_page(browser, editor_site, tmp_path):
    context, pg = new_page(browser, editor_site, 1280)
    try:
        paste_and_import(pg, editor_site)
        nums = pg.locator(".reading .part.operative .num").all_inner_texts()
        assert [n.strip() for n in nums[:3]] == ["1.", "2.", "3."] and len(nums) > 40
        assert pg.locator(".reading em.leading").count() > 50
        warning = pg.locator(".part-warnings").first
        assert warning.is_visible() and "read as" in warning.inner_text()
        pg.screenshot(path=str(tmp_path / "import-read.png"), full_page=True)

        # the text prints 2009/7 (in the graph already): the editor gives a new symbol
        assert pg.input_value("#symbol") == "E/RES/2009/7"
        pg.fill("#symbol", "E/RES/2099/7")
        pg.check("#validate")
        pg.click("#import-button")
        pg.locator(".validation-report").first.wait_for()
        assert "0 violations" in pg.locator(".validation-report .summary").inner_text()
        assert "E/RES/2099/7" in pg.locator(".import-result h2").first.inner_text()
        pg.screenshot(path=str(tmp_path / "import-validated.png"), full_page=True)

        pg.fill("#token", "test-token")
        pg.click(".commit-button")
        ok = pg.locator(".commit-ok")
        ok.wait_for()
        pg.screenshot(path=str(tmp_path / "import-committed.png"), full_page=True)
        ok.locator("a").click()
        pg.wait_for_url("**/id/resolution/E-RES-2099-7**")
        assert "E/RES/2099/7" in pg.content()
        pg.screenshot(path=str(tmp_path / "import-new-resolution.png"), full_page=True)

        # the token went in the Authorization header of the PUT, never into a URL
        assert not any("test-token" in r.url for r in pg.requests)
        (put,) = [r for r in pg.requests if r.method == "PUT"]
        assert put.headers.get("authorization") == "Bearer test-token"
        assert all(r.url.startswith((editor_site.url, "data:", "about:")) for r in pg.requests)
        assert pg.page_errors == []
    finally:
        context.close()


def test_import_page_at_390_px_has_no_horizontal_scroll(browser, editor_site, tmp_path):
    context, pg = new_page(browser, editor_site, 390)
    try:
        paste_and_import(pg, editor_site)
        wide = pg.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        pg.screenshot(path=str(tmp_path / "import-390.png"), full_page=True)
        assert wide <= 0, f"the page scrolls sideways by {wide} px at 390 px"
        # keyboard: Tab from the text box reaches the file input, then the header fields
        pg.focus("textarea#text")
        order = []
        for _ in range(4):
            pg.keyboard.press("Tab")
            order.append(pg.evaluate("document.activeElement.id"))
        assert order[:3] == ["files", "symbol", "date"], order
        assert pg.page_errors == []
    finally:
        context.close()


def test_lettered_items_read_under_their_paragraph(browser, editor_site, tmp_path):
    """Items show in order under their paragraph, each level further in: (b) right of 4.,
    (ii) right of (b)."""
    context, pg = new_page(browser, editor_site, 1280)
    try:
        paste_and_import(pg, editor_site, ITEMS)
        nums = [n.strip() for n in pg.locator(".reading .part .num").all_inner_texts()]
        at = nums.index("4.")
        assert nums[at:at + 7] == ["4.", "(a)", "(i)", "(ii)", "(b)", "(i)", "(ii)"]
        parts = pg.locator(".reading .part")
        x = [parts.nth(at + k).bounding_box()["x"] for k in (0, 4, 6)]
        assert x[0] < x[1] < x[2], x
        pg.screenshot(path=str(tmp_path / "import-items.png"), full_page=True)
        assert pg.page_errors == []
    finally:
        context.close()
