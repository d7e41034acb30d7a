"""The government responses a person sees, in headless Chromium: the
scorecard of a submission and the responses block of a recommendation's page,
served from a database where a quoted paragraph holds markup."""

import shutil
import sqlite3

import pytest
from selenium.webdriver.common.by import By

from kb.build.pipeline import build
from tests.conftest import SOURCES
from tests.test_browser import LAPTOP, PHONE, _overflow, _resize, _screenshot, browser, serving  # noqa: F401  (a fixture)

CMA_2023, PA_2023 = "cma-2023-policy-address", "hksarg-2023-policy-address"
INJECTED = '<img src=x onerror="window.kbInjected=1">'


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`kb serve` on a database whose paragraphs 61.2 and 61.4 end with markup."""
    folder = tmp_path_factory.mktemp("responses")
    sources = shutil.copytree(SOURCES, folder / "sources")
    db_path = folder / "kb.db"
    build(sources, db_path)
    with sqlite3.connect(db_path) as conn:
        conn.execute("update paragraphs set text = text || ? where id in (?, ?)", [INJECTED, f"{PA_2023}/61.2", f"{PA_2023}/61.4"])
    with serving(sources, db_path) as base:
        yield base


def test_scorecard_lists_every_ask_with_its_status(server, browser):  # noqa: F811
    browser.get(f"{server}/-/responses/{CMA_2023}")
    counts = browser.find_element(By.ID, "kb-counts").text
    assert counts.startswith("Of the CMA's 19 asks for the 2023 Policy Address:")
    rows = browser.find_elements(By.CSS_SELECTOR, ".kb-scorecard tbody tr")
    assert len(rows) == 19
    ask7 = browser.find_element(By.ID, "ask-7")  # the microelectronics institute, found by the rules
    assert "addressed" in ask7.text and "¶ 61.2" in ask7.text and INJECTED in ask7.text  # shown as text
    assert browser.execute_script("return window.kbInjected") is None
    assert ask7.find_elements(By.TAG_NAME, "mark")  # the wording shared with the ask
    ask4 = browser.find_element(By.ID, "ask-4")  # a reviewer added the Budget's ¶ 127: it shows first, marked
    assert "¶ 127" in ask4.text and "addresses reviewed" in ask4.text
    _screenshot(browser, "responses-scorecard")
    ask7.find_element(By.PARTIAL_LINK_TEXT, "source").click()
    assert browser.find_elements(By.CSS_SELECTOR, "tr.marked")


def test_recommendation_page_shows_its_responses_as_a_timeline(server, browser):  # noqa: F811
    browser.get(f"{server}/r/{CMA_2023}/4")
    answer = browser.find_element(By.CSS_SELECTOR, "section.kb-answer")  # the status heads the page
    assert "Status: addressed" in answer.text and "First addressed in 行政長官2023年施政報告 ¶ 61.4" in answer.text
    assert "Latest: 二零二四至二五財政年度政府財政預算案 ¶ 127" in answer.text  # the reviewer's
    block = browser.find_element(By.CSS_SELECTOR, "section.kb-responses")
    assert "Government responses" in block.text
    items = block.find_elements(By.CSS_SELECTOR, "li")
    assert items and "¶ 61.4" in items[0].text and "p. 25" in items[0].text
    assert INJECTED in block.text and browser.execute_script("return window.kbInjected") is None
    browser.execute_script("arguments[0].scrollIntoView()", block)
    _screenshot(browser, "responses-timeline")


def test_a_study_after_every_government_text_says_so(server, browser):  # noqa: F811
    browser.get(f"{server}/-/responses/hkpc-2025-manufacturing-study")
    counts = browser.find_element(By.ID, "kb-counts").text
    assert counts == "Of the HKPC's 7 asks: 0 addressed, 0 possible response, 0 no response found, 7 no later government text."
    statuses = [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, ".kb-scorecard .kb-status")]
    assert statuses == ["no later government text"] * 7
    _screenshot(browser, "responses-no-later-text")
    browser.get(f"{server}/-/responses")
    row = browser.find_element(By.XPATH, "//tr[td/a[@href='/-/responses/hkpc-2025-manufacturing-study']]")
    assert [cell.text for cell in row.find_elements(By.CSS_SELECTOR, "td.n")] == ["7", "0", "0", "0", "7"]


def test_paragraph_page_lists_the_asks_it_answers_and_links_the_original_page(server, browser):  # noqa: F811
    _resize(browser, PHONE)
    browser.get(f"{server}/p/{PA_2023}/61.4")
    assert browser.find_element(By.CSS_SELECTOR, "h1").text == "行政長官2023年施政報告 ¶ 61.4"
    body = browser.find_element(By.CSS_SELECTOR, ".kb-rec-body").text
    assert "技術轉移處" in body and INJECTED in body and browser.execute_script("return window.kbInjected") is None
    asks = browser.find_elements(By.CSS_SELECTOR, ".kb-para-asks li")
    assert len(asks) == 1 and "cma-2023-policy-address/4" in asks[0].text and "addresses" in asks[0].text
    original = browser.find_element(By.PARTIAL_LINK_TEXT, "page 25 of the original")
    assert original.get_attribute("href").endswith(f"/-/original/{PA_2023}#page=25")
    assert _overflow(browser) <= 0  # nothing reaches past a phone's screen
    _screenshot(browser, "paragraph-phone")
    browser.find_element(By.CSS_SELECTOR, "a[rel=next]").click()
    assert browser.find_element(By.CSS_SELECTOR, "h1").text == "行政長官2023年施政報告 ¶ 61.5"
    related = [item.text for item in browser.find_elements(By.CSS_SELECTOR, ".kb-para-asks li")]
    assert len(related) == 2 and all("related" in item for item in related)  # the new fund: the blueprint's topic, not the ask
    browser.find_element(By.CSS_SELECTOR, ".kb-para-asks a").click()  # the strongest, on its own page
    assert browser.find_element(By.CSS_SELECTOR, "h1.kb-rec-title").text == "制定「香港工業藍圖」"
    _resize(browser, LAPTOP)


def test_what_a_government_text_took_up_reads_on_a_phone(server, browser):  # noqa: F811
    _resize(browser, PHONE)
    browser.get(f"{server}/-/responses/{PA_2023}")
    # 13, not 14: the rules no longer claim 69.4 (SMEs' financing data) addresses the CMA's ask on SMEs' low-carbon shift
    assert browser.find_element(By.ID, "kb-counts").text.startswith("The 2023 Policy Address addressed 13 asks")
    addressing = browser.find_elements(By.CSS_SELECTOR, "#kb-addressing tbody tr")
    related = browser.find_element(By.ID, "kb-relating")
    assert len(addressing) == 15 and not related.find_element(By.ID, "kb-related").is_displayed()  # folded away
    p612 = browser.find_element(By.ID, "p-61.2")  # the microelectronics institute, whose text ends in markup here
    assert "cma-2023-policy-address/7" in p612.text and browser.execute_script("return window.kbInjected") is None
    assert _overflow(browser) <= 0
    _screenshot(browser, "uptake-phone")
    related.find_element(By.TAG_NAME, "summary").click()
    assert related.find_element(By.ID, "kb-related").is_displayed()
    browser.find_element(By.PARTIAL_LINK_TEXT, "香港品牌發展局").click()  # whose asks: the BDC's only
    assert "asks of the BDC" in browser.find_element(By.ID, "kb-counts").text
    _resize(browser, LAPTOP)
