"""The editor's path in headless Chromium: paste a resolution text, read what the importer
found, fix the symbol, validate, commit with a token, open the new resolution's page; and the
page at 390 px. Screenshots go to the test's tmp dir. Browser and server from conftest.py
(Debian's Chromium, never downloaded); the service runs in its own process on 127.0.0.1, with
the editor's test token.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent.parent
TEXT = ROOT / "tests" / "fixtures" / "importer" / "corpus" / "ecosoc-ocr.txt"
ITEMS = ROOT / "tests" / "fixtures" / "importer" / "corpus" / "hand" / "items.txt"


def paste_and_import(pg, site: str, text: Path = TEXT) -> None:
    pg.goto(site + "/import")
    pg.fill("textarea#text", text.read_text(encoding="utf-8"))
    pg.click("#import-button")
    pg.locator(".import-result").first.wait_for()


def test_paste_fix_validate_commit_and_open_the_page(new_page, editor_site, tmp_path):
    pg = new_page(width=1280)
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
    assert all(r.url.startswith((editor_site, "data:", "about:")) for r in pg.requests)
    assert pg.errors == []


def test_import_page_at_390_px_has_no_horizontal_scroll(new_page, editor_site, tmp_path):
    pg = new_page(width=390)
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
    assert pg.errors == []


def test_lettered_items_read_under_their_paragraph(new_page, editor_site, tmp_path):
    """Items show in order under their paragraph, each level further in: (b) right of 4.,
    (ii) right of (b)."""
    pg = new_page(width=1280)
    paste_and_import(pg, editor_site, ITEMS)
    nums = [n.strip() for n in pg.locator(".reading .part .num").all_inner_texts()]
    at = nums.index("4.")
    assert nums[at:at + 7] == ["4.", "(a)", "(i)", "(ii)", "(b)", "(i)", "(ii)"]
    parts = pg.locator(".reading .part")
    x = [parts.nth(at + k).bounding_box()["x"] for k in (0, 4, 6)]
    assert x[0] < x[1] < x[2], x
    pg.screenshot(path=str(tmp_path / "import-items.png"), full_page=True)
    assert pg.errors == []
