"""Accessibility of every kind of page, in headless Chromium: axe-core (npm, run in the page)
finds no WCAG 2.0/2.1 A or AA violation at 1280 and at 390 px; nothing scrolls sideways at
390 px (tables and code scroll inside their own boxes); the keyboard reaches every control of
the editor, search and validation pages with Tab.

What axe finds on pages other areas own is listed below as ``xfail(strict=True)`` (none at
present): each shows up as XPASS, and so fails, once it is mended, and its mark then goes.
Browser, server and pages: tests/browser/conftest.py; axe-core comes from ``node_modules``
(``npm ci``; the test skips without it).
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def known(reason: str):
    """A violation on a page another area owns: expected to fail until that area mends it."""
    return pytest.mark.xfail(strict=True, reason=reason)


#: (path, marks): one of each kind of page
PAGES = [
    ("/", []),
    ("/editor", []),
    ("/editor?example=e-health-facilitators&run=1", []),
    ("/pictures", []),
    ("/data", []),
    ("/validate", []),
    ("/import", []),
    ("/search?q=health", []),
    ("/id/org/who.html", []),
    ("/id/action-line/C7-e-health.html", []),
    ("/id/doc/geneva-plan-of-action.html", []),
    ("/id/doc/geneva-plan-of-action/para/1.html", []),
    ("/graph/reference.html", []),
    ("/def.html", []),
    ("/shapes.html", []),
    ("/id/no-such-thing", []),  # the HTML error pages (404)
    ("/no-such-page", []),
]

#: pages wider than a 390 px phone (not counting boxes that scroll on their own)
WIDE: dict[str, pytest.MarkDecorator] = {}

RUN_AXE = """(tags) => axe.run(document, { runOnly: { type: 'tag', values: tags } })
  .then((r) => r.violations.map((v) => ({ rule: v.id,
    where: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })))"""


def load(new_page, site: str, path: str, width: int):
    """The page at ``width`` px, its scripts done."""
    # the CSP (script-src 'self') would refuse the injected axe-core, so it is bypassed
    pg = new_page(width, bypass_csp=True)
    # generous: the first request for /def.html or /shapes.html runs pyLODE (seconds, more on
    # a loaded machine)
    pg.goto(site + path, wait_until="networkidle", timeout=90_000)
    for pic in pg.locator("[data-picture]").all():
        pg.wait_for_selector(f"#{pic.get_attribute('id')}[data-rendered]")
    if "run=1" in path:
        pg.locator(".yasr table tbody tr").first.wait_for()
    return pg


def params(table):
    return [pytest.param(path, marks=marks, id=path) for path, marks in table]


@pytest.mark.parametrize("path", params(PAGES))
def test_no_wcag_aa_violations(new_page, site, path):
    if not AXE.is_file():
        pytest.skip("axe-core is not installed (npm ci)")
    for width in (1280, 390):
        pg = load(new_page, site, path, width)
        pg.add_script_tag(path=str(AXE))
        found = pg.evaluate(RUN_AXE, TAGS)
        assert found == [], f"{path} at {width} px: {found}"


@pytest.mark.parametrize("path", [pytest.param(p, marks=[WIDE[p]] if p in WIDE else [], id=p)
                                  for p, _ in PAGES])
def test_nothing_scrolls_sideways_on_a_phone(new_page, site, path):
    pg = load(new_page, site, path, 390)
    width = pg.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{path} is {width} px wide at 390 px"


def test_a_validation_report_fits_a_phone(new_page, site):
    """The report's tables scroll inside their boxes; the page itself does not."""
    pg = load(new_page, site, "/validate", 390)
    pg.fill("textarea#data", "@prefix wsis: <https://w3id.org/wsis-kg/def/> .\n"
            "<https://w3id.org/wsis-kg/id/facilitation/adopted/C1/a-rather-long-name-for-a-"
            "facilitation-that-does-not-fit> a wsis:Facilitation ; wsis:status wsis:Adopted .")
    pg.click("form.validate-form button[type=submit]")
    pg.locator(".validation-report table").first.wait_for()
    width = pg.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"/validate with a report is {width} px wide at 390 px"


#: every control a keyboard user should reach: focusable, shown, not taken out of the order
CONTROLS = """() => [...document.querySelectorAll(
    'a[href], button, input, select, textarea, summary, [tabindex]')]
  .filter((e) => e.tabIndex >= 0 && !e.disabled && e.getClientRects().length > 0
    && getComputedStyle(e).visibility !== 'hidden' && !e.closest('[hidden], [inert]'))
  .map((e, i) => { e.dataset.kbd = String(i); return i; })"""


@pytest.mark.parametrize("path", ["/editor", "/validate", "/search?q=health"])
def test_tab_reaches_every_control(new_page, site, path):
    pg = load(new_page, site, path, 1280)
    wanted = set(pg.evaluate(CONTROLS))
    assert wanted
    reached = set()
    for _ in range(len(wanted) * 2 + 10):
        pg.keyboard.press("Tab")
        kbd = pg.evaluate("document.activeElement && document.activeElement.dataset.kbd")
        if kbd is not None:
            reached.add(int(kbd))
        if reached >= wanted:
            break
    missed = pg.evaluate("""(ids) => ids.map((i) => {
        const e = document.querySelector(`[data-kbd="${i}"]`);
        return e.outerHTML.slice(0, 120); })""", sorted(wanted - reached))
    assert not missed, f"{path}: Tab never reaches {missed}"
