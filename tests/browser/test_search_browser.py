"""The search box in headless Chromium: type "health" on the home page, see suggestions (a
keyboard-operable WAI-ARIA combobox), submit, see ranked results with highlighted snippets,
follow one; and the results page at 390 px wide. Screenshots under test-artifacts/screenshots/.

Browser, server and pages: tests/browser/conftest.py.
"""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_type_see_suggestions_submit_and_follow_a_result(page, site, screenshots,
                                                         stayed_home) -> None:
    page.goto(site + "/")
    box = page.get_by_role("combobox", name="Search texts and names")
    box.click()
    box.press_sequentially("health", delay=30)
    listbox = page.get_by_role("listbox", name="Suggestions")
    listbox.wait_for(state="visible")
    options = listbox.get_by_role("option")
    names = options.all_inner_texts()
    assert any("E-health" in n for n in names) and any("World Health Organization" in n
                                                        for n in names)
    assert box.get_attribute("aria-expanded") == "true"
    # keyboard: Down selects the first option (aria-activedescendant), Escape closes the list
    box.press("ArrowDown")
    first = options.first
    assert first.get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    page.screenshot(path=str(screenshots / "search-suggestions.png"))
    box.press("Escape")
    assert listbox.is_hidden() and box.get_attribute("aria-expanded") == "false"
    # Enter with no option chosen submits the search
    box.press("Enter")
    page.wait_for_url("**/search?q=health")
    heading = page.get_by_role("heading", level=2).first.inner_text()
    assert "results for “health”" in heading
    hits = page.locator(".search-hit")
    assert hits.count() == 20
    assert page.locator(".search-hit mark").count() >= 20  # every hit says where it matched
    assert "health" in hits.first.locator("mark").first.inner_text().lower()
    page.screenshot(path=str(screenshots / "search-results.png"), full_page=True)
    # follow a paragraph's result to its page
    target = page.locator(".search-hit").filter(has=page.locator(".search-snippet mark")).nth(3)
    name = target.locator(".search-hit-name")
    href = name.get_attribute("href")
    name.click()
    page.wait_for_url("**" + href + "*")
    assert page.locator("h1").first.is_visible()
    stayed_home(page)


def test_choosing_a_suggestion_with_the_keyboard_opens_its_page(page, site,
                                                                stayed_home) -> None:
    page.goto(site + "/search")
    box = page.get_by_role("combobox", name="Search texts and names")
    box.click()
    box.press_sequentially("world heal", delay=30)
    first = page.get_by_role("listbox", name="Suggestions").get_by_role("option").first
    first.wait_for()
    assert "World Health Organization" in first.inner_text()
    box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_url("**/id/org/who*")
    assert "World Health Organization" in page.locator("h1").first.inner_text()
    stayed_home(page)


def test_results_page_is_usable_at_390_px(new_page, site, screenshots, stayed_home) -> None:
    pg = new_page(390, 844)
    pg.goto(site + "/search?q=%22digital+divide%22")
    width = pg.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at 390 px ({width} px wide)"
    assert pg.get_by_role("combobox", name="Search texts and names").is_visible()
    assert pg.locator(".search-hit").count() > 0
    pg.screenshot(path=str(screenshots / "search-390px.png"), full_page=True)
    stayed_home(pg)
