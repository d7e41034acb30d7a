"""Measures of the pages a person sees, in headless Chromium against `kb serve`:
for each page at 1366×900 and 390×844, its height, how far it overflows
sideways, where its first title starts (px from the top of the page) and
whether that title is inside the viewport once the page has loaded (the
source view scrolls to its passage and keeps its title in view).

    python scripts/page_measures.py              # build into a temporary folder and serve
    python scripts/page_measures.py --shots DIR  # also save a screenshot of each page's first viewport
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

ROOT = Path(__file__).resolve().parent.parent
SIZES = [(1366, 900), (390, 844)]
# name: (path, CSS selector of the page's first title)
PAGES = {
    "home": ("/", "h1"),
    "table": ("/kb/recommendations", ".kb-row-title, table.rows-and-columns td.col-title"),
    "recommendation": ("/kb/recommendations/cma-2023-policy-address~2F5", "h1"),
    "source": ("/-/source/cma-2023-policy-address?id=cma-2023-policy-address%2F5", "h1"),
    "search": ("/-/search?q=brand", ".kb-results a.title"),
    "search-none": ("/-/search?q=zzqxvj", "h1"),
    "search-typo": ("/-/search?q=新田科枝城", ".kb-results a.title"),
    "compare": ("/-/compare?a=cma-2023-policy-address&b=cma-2024-budget", "h1"),
    "areas": ("/-/areas", "h1"),
    "not-found": ("/r/cma-2023-policy-address/99", "h1"),
}
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(folder: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [sys.executable, "-m", "kb", "serve", "-d", os.path.join(folder, "kb.db"), "-p", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=2)
            return process, base
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise SystemExit("kb serve did not start")


def browser(profile: str):
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


def resize(driver, width: int, height: int) -> None:
    driver.set_window_size(width, height)
    inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    driver.set_window_size(2 * width - inner[0], 2 * height - inner[1])


def measure(driver, base: str, path: str, selector: str) -> tuple[int, int, int | None, bool]:
    driver.get(base + path)
    height, overflow = driver.execute_script(
        "const d = document.documentElement; return [d.scrollHeight, d.scrollWidth - d.clientWidth]")
    titles = driver.find_elements(By.CSS_SELECTOR, selector)
    if not titles:
        return height, overflow, None, False
    top, visible = driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return [r.top + window.scrollY, r.top >= 0 && r.bottom <= window.innerHeight]", titles[0])
    return height, overflow, round(top), visible


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shots", help="folder to save screenshots in")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        process, base = start_server(folder)
        driver = browser(os.path.join(folder, "chromium"))
        try:
            print(f"{'page':<16}{'size':>9}{'height':>9}{'overflow':>10}{'title at':>10}{'in view':>9}")
            for width, height in SIZES:
                resize(driver, width, height)
                for name, (path, selector) in PAGES.items():
                    page_height, overflow, top, visible = measure(driver, base, path, selector)
                    print(f"{name:<16}{width:>5}x{height:<4}{page_height:>8}{overflow:>10}"
                          f"{top if top is not None else '-':>10}{'yes' if visible else 'no':>9}")
                    if args.shots:
                        os.makedirs(args.shots, exist_ok=True)
                        driver.save_screenshot(os.path.join(args.shots, f"{name}-{width}.png"))
        finally:
            driver.quit()
            process.terminate()
            process.wait(timeout=10)


if __name__ == "__main__":
    main()
