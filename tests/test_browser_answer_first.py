"""The answer first, in headless Chromium at a laptop's 1366×900 and a
phone's 390×844: a recommendation's status and "Cite this" in the first
viewport, Compare's lists of what was kept, new and dropped before its
sentence diffs, and on a phone no table scrolling sideways inside a box."""

import pytest
from selenium.webdriver.common.by import By

from tests.test_browser import LAPTOP, PHONE, _overflow, _resize, _screenshot, browser, server  # noqa: F401  (fixtures)

ASK = "/r/cma-2023-policy-address/5"  # a long ask with sub-items, a thread and many responses
COMPARE = "/-/compare?a=cma-2023-policy-address&b=cma-2024-budget"
PHONE_TABLES = ["/-/responses", "/-/areas", "/-/areas?by=publisher", "/-/responses/cma-2023-policy-address"]


def _top(browser, selector):
    """How far down the page ``selector`` starts, in px (its top against the document's)."""
    return browser.execute_script(
        "const e = document.querySelector(arguments[0]); return e.getBoundingClientRect().top + window.scrollY;", selector
    )


def _boxes_overflowing(browser):
    """Every element that scrolls sideways inside itself, with how far."""
    return browser.execute_script("""
        const found = [];
        for (const e of document.querySelectorAll("body *")) {
          const x = getComputedStyle(e).overflowX;
          if ((x === "auto" || x === "scroll") && e.scrollWidth > e.clientWidth + 1)
            found.push(e.tagName.toLowerCase() + "." + e.className + " by " + (e.scrollWidth - e.clientWidth) + " px");
        }
        return found;""")


@pytest.mark.parametrize("size", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_a_recommendation_opens_with_its_status(server, browser, size):  # noqa: F811
    _resize(browser, size)
    browser.get(server + ASK)
    height = browser.execute_script("return window.innerHeight")
    status = browser.find_element(By.CSS_SELECTOR, ".kb-answer .kb-response-status")
    assert status.text == "Status: addressed"
    assert "Addressed in 行政長官2023年施政報告 ¶ 83.5 (2023-10-25, p. 37)" in browser.find_element(By.CSS_SELECTOR, ".kb-answer").text
    assert _top(browser, ".kb-answer .kb-response-status") + status.size["height"] <= height  # in the first screen
    assert _top(browser, ".kb-answer") < _top(browser, ".kb-rec-body") < _top(browser, "section.kb-responses")
    if size == LAPTOP:
        assert _top(browser, ".kb-cite") < height  # "Cite this" too
        assert _top(browser, ".kb-cite") < _top(browser, ".kb-rec-body")
    _screenshot(browser, f"answer-first-{'laptop' if size == LAPTOP else 'phone'}")
    browser.find_element(By.PARTIAL_LINK_TEXT, "Every response, quoted").click()
    assert browser.execute_script("return location.hash") == "#kb-responses"
    _resize(browser, LAPTOP)


def test_a_government_paragraph_opens_with_the_asks_it_answers(server, browser):  # noqa: F811
    _resize(browser, LAPTOP)
    browser.get(server + "/p/hksarg-2023-policy-address/61.4")
    height = browser.execute_script("return window.innerHeight")
    assert _top(browser, ".kb-para-asks") < _top(browser, ".kb-cite") < height
    assert _top(browser, ".kb-cite") < _top(browser, ".kb-rec-body")


def test_compare_opens_with_what_was_kept_new_and_dropped(server, browser):  # noqa: F811
    _resize(browser, LAPTOP)
    browser.get(server + COMPARE)
    height = browser.execute_script("return window.innerHeight")
    for selector in (".kb-kept", ".kb-new", ".kb-dropped"):
        assert _top(browser, selector) < height, selector
    assert _top(browser, ".kb-dropped") < _top(browser, ".kb-pair")  # the sentence diffs below
    kept = browser.find_elements(By.CSS_SELECTOR, ".kb-kept li a")
    assert len(kept) == 11 and kept[0].text == "A 1 → B 1"  # ten pairs and the weak links
    _screenshot(browser, "compare-lists")
    closed = browser.find_element(By.ID, "pair-9")
    assert closed.get_attribute("open") is None
    kept[8].click()  # leads to the pair's diff, opened
    assert browser.execute_script("return location.hash") == "#pair-9" and closed.get_attribute("open") is not None


def test_tables_become_cards_on_a_phone(server, browser):  # noqa: F811
    _resize(browser, PHONE)
    overflowing = {}
    for path in PHONE_TABLES:
        browser.get(server + path)
        overflowing[path] = _boxes_overflowing(browser) + ([f"page by {_overflow(browser)} px"] if _overflow(browser) > 0 else [])
    assert overflowing == {path: [] for path in PHONE_TABLES}
    browser.get(server + "/-/responses")
    card = browser.find_element(By.XPATH, "//tr[td/a[@href='/-/responses/hkpc-2025-manufacturing-study']]")
    assert [cell.text for cell in card.find_elements(By.CSS_SELECTOR, "td.n")] == ["7", "0", "0", "0", "7"]  # every count shown
    assert all(cell.is_displayed() for cell in card.find_elements(By.CSS_SELECTOR, "td.n"))
    browser.get(server + "/-/areas")
    area = browser.find_element(By.CSS_SELECTOR, ".kb-matrix-asks tbody tr")
    assert all(cell.is_displayed() for cell in area.find_elements(By.CSS_SELECTOR, "td.n"))
    browser.get(server + "/-/responses/cma-2023-policy-address")
    ask = browser.find_element(By.CSS_SELECTOR, "#ask-5 td.kb-ask")
    assert ask.size["width"] > 300  # the ask has the card's width, not three characters
    _screenshot(browser, "scorecard-phone")
    _resize(browser, LAPTOP)
