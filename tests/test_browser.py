"""The pages a person sees, in headless Chromium against a real `kb serve`."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import ROOT, SOURCES

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
]
SCREENSHOTS = os.environ.get("KB_SCREENSHOTS")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url, process, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"kb serve exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"kb serve did not answer at {url} within {seconds}s")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`kb serve` on a free port, building its database first."""
    port = _free_port()
    db_path = tmp_path_factory.mktemp("serve") / "kb.db"
    command = [sys.executable, "-m", "kb", "serve", "-s", str(SOURCES), "-d", str(db_path), "-p", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/-/versions.json", process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and driver, "Chromium and ChromeDriver are needed: run scripts/test, which installs them"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={os.path.join(os.environ.get('TMPDIR', '/tmp'), f'kb-chromium-{os.getpid()}')}")
    chrome = webdriver.Chrome(service=Service(driver), options=options)
    yield chrome
    chrome.quit()


def _screenshot(browser, name):
    if SCREENSHOTS:
        os.makedirs(SCREENSHOTS, exist_ok=True)
        browser.save_screenshot(os.path.join(SCREENSHOTS, f"{name}.png"))


def _in_viewport(browser, element):
    return browser.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return r.top >= -1 && r.bottom <= window.innerHeight;", element
    )


def test_recommendation_links_to_its_passage_scrolled_into_view(server, browser):
    browser.get(f"{server}/kb/recommendations/cma-2023-policy-address~2F10")
    assert "推動中小企低碳轉型" in browser.find_element(By.TAG_NAME, "body").text
    browser.find_element(By.PARTIAL_LINK_TEXT, "lines 803–874").click()
    marked = browser.find_elements(By.CSS_SELECTOR, "tr.marked")
    assert [row.get_attribute("id") for row in marked] == [f"L{n}" for n in range(803, 875)]
    assert _in_viewport(browser, marked[0])
    assert marked[0].text.replace(" ", "").startswith("80310.推動中小企低碳轉型")
    cell = marked[0].find_element(By.CSS_SELECTOR, "td.t")
    assert cell.value_of_css_property("background-color") == "rgba(255, 243, 176, 1)"
    _screenshot(browser, "source-view")


def test_recommendations_table_with_facets(server, browser):
    browser.get(f"{server}/kb/recommendations?_facet=publisher_id")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "93 rows" in body
    assert "香港中華廠商聯合會" in body  # the publisher facet, by name
    _screenshot(browser, "recommendations")


def test_area_by_year_chart_renders_and_leads_to_rows(server, browser):
    browser.get(f"{server}/-/areas")
    header = [th.text for th in browser.find_elements(By.CSS_SELECTOR, ".kb-matrix thead th")]
    assert header == ["policy area", "2020", "2023", "2024", "2025", "total"]
    cells = browser.find_elements(By.CSS_SELECTOR, ".kb-matrix tbody td.n:not(.total)")
    shades = {cell.value_of_css_property("background-color") for cell in cells}
    assert len(shades) > 3  # counts are drawn as shades, not as one flat colour
    assert browser.find_element(By.CSS_SELECTOR, ".kb-matrix").size["width"] < 1280  # fits the window
    _screenshot(browser, "areas-by-year")
    browser.find_element(By.LINK_TEXT, "人才與人力資源").click()
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("人才與人力資源")
    first_year = browser.find_element(By.CSS_SELECTOR, "table.rows-and-columns tbody td").text
    assert first_year == "2025"


def test_search_from_the_home_page_to_a_row(server, browser):
    browser.get(f"{server}/")
    box = browser.find_element(By.CSS_SELECTOR, ".kb-search-box input[type=search]")
    box.send_keys("夜间消费券")  # Simplified, for 夜間消費券 in the text
    box.submit()
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".kb-results li"))
    results = browser.find_elements(By.CSS_SELECTOR, ".kb-results li")
    assert results, browser.find_element(By.TAG_NAME, "body").text[:500]
    first = results[0].find_element(By.CSS_SELECTOR, "a.title")
    assert first.text == "持續點亮夜間經濟"
    scores = [float(li.find_element(By.CSS_SELECTOR, ".score").text) for li in results]
    assert scores == sorted(scores, reverse=True)
    assert results[0].find_elements(By.TAG_NAME, "mark")
    _screenshot(browser, "search")
    first.click()
    assert browser.current_url.endswith("/kb/recommendations/cma-2024-budget~2F10")
    assert "持續點亮夜間經濟" in browser.find_element(By.TAG_NAME, "body").text


def test_comparison_page_shows_pairs_side_by_side(server, browser):
    browser.get(f"{server}/-/compare?a=cma-2023-policy-address&b=cma-2024-budget")
    assert browser.find_elements(By.CSS_SELECTOR, "ins") and browser.find_elements(By.CSS_SELECTOR, "del")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "創建「香港食品產業園」" in body and "持續點亮夜間經濟" in body
    _screenshot(browser, "compare")
