"""The pages a person sees, in headless Chromium against a real `kb serve`
(one server and one browser for the module), at a laptop's 1366×900 and a
phone's 390×844."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager

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
LAPTOP, PHONE = (1366, 900), (390, 844)
PHONE_PAGES = {
    "home": "/",
    "search": "/-/search?q=品牌",
    "recommendation": "/kb/recommendations/cma-2023-policy-address~2F5",
    "source": "/-/source/cma-2023-policy-address?id=cma-2023-policy-address%2F5",
    "compare": "/-/compare?a=cma-2023-policy-address&b=cma-2024-budget",
    "areas": "/-/areas",
    "area": "/-/areas/talent",
    "table": "/kb/recommendations",
}


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url, process, log, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"kb serve exited with {process.returncode}:\n{_tail(log)}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"kb serve did not answer at {url} within {seconds}s:\n{_tail(log)}")


def _tail(log, lines=30):
    log.flush()
    log.seek(0)
    return "\n".join(log.read().decode("utf-8", "replace").splitlines()[-lines:])


@contextmanager
def serving(sources, db_path):
    """`kb serve` of ``sources`` on ``db_path`` (built first when missing), on a
    free port; yields its base URL and stops it afterwards."""
    port = _free_port()
    command = [sys.executable, "-m", "kb", "serve", "-s", str(sources), "-d", str(db_path), "-p", str(port)]
    with tempfile.TemporaryFile() as log:  # what kb serve said, for an error that says why it did not answer
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_for(f"{base}/-/versions.json", process, log)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`kb serve` of the real sources, building its database first."""
    with serving(SOURCES, tmp_path_factory.mktemp("serve") / "kb.db") as base:
        yield base


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


def _resize(browser, size):
    """Make the page's viewport (not the window) ``size``."""
    width, height = size
    browser.set_window_size(width, height)
    inner = browser.execute_script("return [window.innerWidth, window.innerHeight]")
    browser.set_window_size(2 * width - inner[0], 2 * height - inner[1])


def _overflow(browser):
    """How far the page reaches past the right edge of the viewport, in px."""
    return browser.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")


def _in_viewport(browser, element):
    return browser.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return r.top >= -1 && r.bottom <= window.innerHeight;", element
    )


def test_recommendation_links_to_its_passage_scrolled_into_view(server, browser):
    _resize(browser, LAPTOP)
    browser.get(f"{server}/kb/recommendations/cma-2023-policy-address~2F10")
    assert "推動中小企低碳轉型" in browser.find_element(By.TAG_NAME, "body").text
    browser.find_element(By.PARTIAL_LINK_TEXT, "lines 803–874").click()
    marked = browser.find_elements(By.CSS_SELECTOR, "tr.marked")
    assert [row.get_attribute("id") for row in marked] == [f"L{n}" for n in range(803, 875)]
    assert _in_viewport(browser, marked[0])
    assert marked[0].text.replace(" ", "").startswith("80310.推動中小企低碳轉型")
    cell = marked[0].find_element(By.CSS_SELECTOR, "td.t")
    assert cell.value_of_css_property("background-color") == "rgba(255, 243, 176, 1)"
    head = browser.find_element(By.ID, "kb-source-head")
    assert marked[0].location["y"] - browser.execute_script("return window.scrollY") >= head.size["height"]  # not under the title
    assert _in_viewport(browser, head) and "Showing" in head.text  # the title and legend stay in view
    head.find_element(By.LINK_TEXT, "cma-2023-policy-address/10").click()
    assert browser.find_element(By.TAG_NAME, "h1").text == "推動中小企低碳轉型"  # the link back works
    _screenshot(browser, "source-view")


def test_recommendations_table_with_facets(server, browser):
    _resize(browser, LAPTOP)
    browser.get(f"{server}/kb/recommendations")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "93 rows" in body
    assert "香港中華廠商聯合會" in body and "The Chinese Manufacturers' Association of Hong Kong" in body  # facet, by name
    browser.find_element(By.PARTIAL_LINK_TEXT, "top-level asks").click()
    assert "69 rows" in browser.find_element(By.CSS_SELECTOR, ".kb-count").text
    _screenshot(browser, "recommendations")


@pytest.mark.parametrize("size", [LAPTOP, PHONE], ids=["laptop", "phone"])
@pytest.mark.parametrize("path,selector,title", [
    ("/kb/recommendations", ".kb-row-title", "政府與社會各界攜手恢復和維持法治、安定、平和、便利營商的社會環境"),
    ("/kb/recommendations/cma-2023-policy-address~2F5", "h1", "打造「港版中試」"),
], ids=["table", "recommendation"])
def test_first_title_is_in_the_first_viewport(server, browser, size, path, selector, title):
    _resize(browser, size)
    browser.get(server + path)
    first = browser.find_element(By.CSS_SELECTOR, selector)
    assert first.text == title
    assert _in_viewport(browser, first)


def test_no_page_overflows_sideways_on_a_phone(server, browser):
    _resize(browser, PHONE)
    overflowing = {}
    for name, path in PHONE_PAGES.items():
        browser.get(server + path)
        overflowing[name] = _overflow(browser)
        _screenshot(browser, f"phone-{name}")
    assert overflowing == {name: 0 for name in PHONE_PAGES}


def test_recommendation_page_cites_and_copies(server, browser):
    _resize(browser, LAPTOP)
    browser.get(f"{server}/r/cma-2023-policy-address/5")
    assert browser.title == "打造「港版中試」 · cma-2023-policy-address/5"
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-Hant"
    citation = browser.find_element(By.ID, "kb-citation").text
    assert citation.startswith("The Chinese Manufacturers' Association of Hong Kong (香港中華廠商聯合會).")
    assert f"{server}/r/cma-2023-policy-address/5 (kb id cma-2023-policy-address/5). Accessed " in citation
    browser.find_element(By.CSS_SELECTOR, "button.kb-copy").click()
    WebDriverWait(browser, 5).until(lambda b: b.find_element(By.CSS_SELECTOR, ".kb-copied").text)
    sub_items = browser.find_elements(By.CSS_SELECTOR, ".kb-rec-children li")
    assert len(sub_items) == 5
    sub_items[2].find_element(By.TAG_NAME, "a").click()
    assert browser.find_element(By.TAG_NAME, "h1").text == "設立專項扶持基金"
    browser.find_element(By.PARTIAL_LINK_TEXT, "打造「港版中試」").click()  # back to the parent
    assert browser.find_element(By.TAG_NAME, "h1").text == "打造「港版中試」"


def test_nonsense_search_says_no_results(server, browser):
    _resize(browser, PHONE)
    browser.get(f"{server}/-/search?q=zzqxvj")
    assert "No results for “zzqxvj”" in browser.find_element(By.CSS_SELECTOR, ".kb-none").text
    _screenshot(browser, "search-none")


def test_typo_search_says_what_it_matched(server, browser):
    _resize(browser, LAPTOP)
    browser.get(f"{server}/-/search?q=新田科枝城")
    note = browser.find_element(By.CSS_SELECTOR, ".kb-note").text
    assert "No exact match for “新田科枝城”" in note and "新田科技城" in note
    assert browser.find_elements(By.CSS_SELECTOR, ".kb-results .method.fuzzy")


@pytest.mark.parametrize("path", ["/kb/recommendations?publisher_id=cma", "/-/search?q=品牌"])
def test_csv_export_starts_with_a_bom(server, browser, path):
    _resize(browser, LAPTOP)
    browser.get(server + path)
    link = browser.find_element(By.PARTIAL_LINK_TEXT, "Download CSV for Excel")
    with urllib.request.urlopen(link.get_attribute("href")) as response:
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        content = response.read()
    assert content.startswith(b"\xef\xbb\xbfscore,method,id,permalink" if "search" in path else b"\xef\xbb\xbfid,permalink")
    assert "香港中華廠商聯合會" in content.decode("utf-8-sig")


def test_area_by_year_chart_renders_and_leads_to_rows(server, browser):
    _resize(browser, LAPTOP)
    browser.get(f"{server}/-/areas")
    header = [th.text for th in browser.find_elements(By.CSS_SELECTOR, ".kb-matrix-asks thead th")]
    assert header == ["policy area 政策範疇", "2020", "2023", "2024", "2025", "total"]
    cells = browser.find_elements(By.CSS_SELECTOR, ".kb-matrix-asks tbody td.n:not(.total)")
    shades = {cell.value_of_css_property("background-color") for cell in cells}
    assert len(shades) > 3  # counts are drawn as shades, not as one flat colour
    assert browser.find_element(By.CSS_SELECTOR, ".kb-matrix").size["width"] < 1280  # fits the window
    _screenshot(browser, "areas-by-year")
    browser.find_element(By.LINK_TEXT, "人才與人力資源").click()
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("人才與人力資源")
    first_year = browser.find_element(By.CSS_SELECTOR, ".kb-area-rows li .meta strong").text
    assert first_year == "2025"


def test_search_from_the_home_page_to_a_row(server, browser):
    _resize(browser, LAPTOP)
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
    _resize(browser, LAPTOP)
    browser.get(f"{server}/-/compare?a=cma-2023-policy-address&b=cma-2024-budget")
    assert browser.find_elements(By.CSS_SELECTOR, "ins") and browser.find_elements(By.CSS_SELECTOR, "del")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "創建「香港食品產業園」" in body and "持續點亮夜間經濟" in body
    _screenshot(browser, "compare")
