"""Policy areas of every topic and the same ask from two publishers, as a
person sees them in headless Chromium: the heat map by any area, the
recommendations table filtered by every tag, and the comparison of two
LegCo submissions on ride-hailing added with kb add."""

import shutil

import pytest
from click.testing import CliRunner
from selenium.webdriver.common.by import By

from kb.cli import cli
from tests.conftest import ROOT, SOURCES
from tests.test_browser import LAPTOP, PHONE, _overflow, _resize, _screenshot, browser, serving  # noqa: F401

SUBMISSIONS = ROOT / "tests" / "submissions"
ADDED = [("cb3-710-6-path-of-democracy", "pod", "新思維", "Path of Democracy", "pod-2026-rh"),
         ("cb3-710-4-hk-taxi-drivers-union", "hktdu", "香港的士司機總會", "HK Taxi Drivers' Union", "hktdu-2026-rh")]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`kb serve` of the real sources with two ride-hailing submissions added."""
    folder = tmp_path_factory.mktemp("ride-hailing-serve")
    sources = shutil.copytree(SOURCES, folder / "sources")
    for name, publisher, name_zh, name_en, document_id in ADDED:
        result = CliRunner().invoke(cli, [
            "add", str(SUBMISSIONS / f"{name}.pdf"), "--sources", str(sources), "--no-build", "--publisher", publisher,
            "--publisher-zh", name_zh, "--publisher-en", name_en, "--id", document_id, "--published", "2026-06",
            "--loader", "generic"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    with serving(sources, folder / "kb.db") as base:
        yield base


def test_the_heat_map_counts_any_area_at_the_readers_choice(server, browser):
    _resize(browser, LAPTOP)
    browser.get(f"{server}/-/areas")
    browser.find_element(By.PARTIAL_LINK_TEXT, "any area").click()
    assert "tags=any" in browser.current_url
    row = browser.find_element(By.XPATH, "//th[contains(., 'Transport')]/..")
    cell = row.find_element(By.CSS_SELECTOR, "td[data-column='2026'] a")
    count = int(cell.text)
    assert count >= 10
    _screenshot(browser, "areas-any")
    cell.click()
    assert "_area=transport" in browser.current_url
    assert f"{count} rows" in browser.find_element(By.CSS_SELECTOR, ".kb-count").text
    _screenshot(browser, "recommendations-transport")


def test_the_table_facet_filters_by_every_tag(server, browser):
    _resize(browser, LAPTOP)
    browser.get(f"{server}/kb/recommendations")
    facet = browser.find_element(By.CSS_SELECTOR, ".kb-facet[data-column='area']")
    assert "Policy area" in facet.text and "無合適範疇" not in facet.text
    facet.find_element(By.PARTIAL_LINK_TEXT, "創新科技").click()
    assert "_area=innovation" in browser.current_url
    assert "16 rows" in browser.find_element(By.CSS_SELECTOR, ".kb-count").text
    _screenshot(browser, "recommendations-innovation")


def test_the_comparison_of_two_publishers_pairs_the_asks_both_make(server, browser):
    _resize(browser, LAPTOP)
    browser.get(f"{server}/-/compare?a=pod-2026-rh&b=hktdu-2026-rh")
    assert "weak link" in browser.find_element(By.CSS_SELECTOR, ".kb-kept").text  # leads to read, not counted as taken up
    browser.find_element(By.CSS_SELECTOR, "#kb-weak summary").click()
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "same ask" in body and "關於車輛許可證上限 10,000 個" in browser.page_source  # within a folded pair
    _screenshot(browser, "compare-publishers")


@pytest.mark.parametrize("path", ["/-/areas?tags=any", "/-/compare?a=pod-2026-rh&b=hktdu-2026-rh",
                                  "/kb/recommendations?_area=transport"])
def test_the_pages_fit_a_phone(server, browser, path):
    _resize(browser, PHONE)
    browser.get(server + path)
    assert _overflow(browser) == 0
    _screenshot(browser, "phone-" + path.strip("/-").split("?")[0].replace("/", "-") + ("-any" if "any" in path else ""))
