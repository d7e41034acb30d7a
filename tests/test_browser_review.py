"""A reviewer in headless Chromium against a real `kb serve`: signs in,
confirms a rule's response on a paragraph page, rejects another on a
scorecard, adds a missing one on an ask's page, and sees each live within
seconds, with the verdicts in the YAML file and in `kb review --log`.  And
`kb serve` killed (SIGKILL) while reviewers write leaves the file whole."""

import html
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from click.testing import CliRunner
from datasette_auth_passwords.utils import hash_password
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from kb.build.pipeline import build
from kb.cli import cli
from kb.rules.reviews import read_response_reviews
from tests.conftest import ROOT, SOURCES
from tests.test_browser import LAPTOP, PHONE, _free_port, _overflow, _resize, _screenshot, _wait_for, browser  # noqa: F401

PA_2023, CMA_2023 = "hksarg-2023-policy-address", "cma-2023-policy-address"
PASSWORD = "a long reviewer password"
LIVE_WITHIN = 30  # seconds


@contextmanager
def reviewing_server(folder: Path):
    """`kb serve` of a copy of the sources, with reviewer mei; yields its base
    URL, the sources folder and the process."""
    sources = Path(shutil.copytree(SOURCES, folder / "sources"))
    db = folder / "kb.db"
    build(sources, db)
    port = _free_port()
    env = dict(os.environ, KB_REVIEWER_MEI_PASSWORD_HASH=hash_password(PASSWORD))
    command = [sys.executable, "-m", "kb", "serve", "-s", str(sources), "-d", str(db), "-p", str(port)]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_for(f"{base}/-/versions.json", process, log)
            yield base, sources, process
        finally:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with reviewing_server(tmp_path_factory.mktemp("browser-review")) as running:
        yield running


def _sign_in(browser, base):
    browser.get(f"{base}/-/login")
    browser.find_element(By.ID, "id_username").send_keys("mei")
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form.password-login input[type=submit]").click()
    WebDriverWait(browser, 10).until(lambda b: b.get_cookie("ds_actor"))


def _review(browser, form, action, note=None, **fields):
    """Open the form's review box, fill it in and press ``action``."""
    details = form.find_element(By.XPATH, "./ancestor::details[1]")
    details.find_element(By.TAG_NAME, "summary").click()
    for name, value in fields.items():
        form.find_element(By.NAME, name).send_keys(value)
    if note:
        form.find_element(By.NAME, "note").send_keys(note)
    form.find_element(By.CSS_SELECTOR, f"button[value={action}]").click()


def _live_within(browser, seconds, condition) -> float:
    """Wait until the page (reloaded by its own script once the verdict is
    live) meets ``condition``; how long it took."""
    started = time.monotonic()
    reloading = (StaleElementReferenceException, NoSuchElementException)  # the page reloads itself meanwhile
    WebDriverWait(browser, seconds, poll_frequency=0.3, ignored_exceptions=reloading).until(lambda b: condition(b))
    return time.monotonic() - started


def test_a_reviewer_confirms_rejects_and_adds_and_sees_each_live(server, browser):  # noqa: F811
    base, sources, _ = server
    _resize(browser, LAPTOP)
    _sign_in(browser, base)
    before = len(read_response_reviews(sources / "response_reviews.yml"))

    # 1. a paragraph page: confirm the rule's response to cma-2023-policy-address/10 (related 47) as addressing it
    browser.get(f"{base}/p/{PA_2023}/69.4")
    assert browser.find_element(By.CSS_SELECTOR, ".kb-review-live").text.startswith("Signed in as mei, reviewer")
    item = lambda b: b.find_element(By.XPATH, f"//code[.='{CMA_2023}/10']/ancestor::li[1]")  # noqa: E731
    assert "related score 47" in item(browser).text
    _screenshot(browser, "review-paragraph-laptop")
    _review(browser, item(browser).find_element(By.CSS_SELECTOR, "form.kb-review-form"), "confirm", note="the testing centre asked for",
            relation="addresses")  # the form offers the rule's relation first
    took = [_live_within(browser, LIVE_WITHIN, lambda b: "addresses reviewed" in item(b).text)]
    assert "Your verdict is live" in browser.find_element(By.ID, "kb-review-message").text
    _screenshot(browser, "review-paragraph-live-laptop")

    # 2. the scorecard: reject ask 1's best evidence, ¶ 61.1 of the 2023 Policy Address (related 33)
    browser.get(f"{base}/-/responses/{CMA_2023}")
    row = lambda b: b.find_element(By.ID, "ask-1")  # noqa: E731
    assert "¶ 61.1" in row(browser).text
    _review(browser, row(browser).find_element(By.CSS_SELECTOR, f"form[data-paragraph='{PA_2023}/61.1']"), "reject",
            note="the same topic, not the ask")
    took.append(_live_within(browser, LIVE_WITHIN, lambda b: "¶ 61.1" not in row(b).text and "¶ 189" in row(b).text))

    # 3. the ask's page: add ¶ 62, which the rules did not find
    browser.get(f"{base}/r/{CMA_2023}/1")
    assert f"{PA_2023}/62" not in browser.page_source
    add = browser.find_element(By.CSS_SELECTOR, ".kb-review-add form")
    _review(browser, add, "add", paragraph=f"{PA_2023}/62")
    timeline = lambda b: b.find_element(By.ID, "kb-responses").text  # noqa: E731
    took.append(_live_within(browser, LIVE_WITHIN, lambda b: re.search(r"¶ 62\b.*\n?.*addresses reviewed", timeline(b))))
    history = browser.find_element(By.ID, "kb-review-history").text
    assert f"mei · ¶ {PA_2023}/61.1: related 33 (rule) → reject · " in history and "the same topic, not the ask" in history
    assert f"mei · ¶ {PA_2023}/62: no response → confirm addresses" in history
    browser.execute_script("document.getElementById('kb-review-history').scrollIntoView()")
    _screenshot(browser, "review-ask-history-laptop")
    assert max(took) < LIVE_WITHIN

    reviews = read_response_reviews(sources / "response_reviews.yml")[before:]
    assert [(r.from_id, r.to_id, r.verdict, r.relation, r.reviewer, r.was) for r in reviews] == [
        (f"{CMA_2023}/10", f"{PA_2023}/69.4", "confirm", "addresses", "mei", "related 47 (rule)"),
        (f"{CMA_2023}/1", f"{PA_2023}/61.1", "reject", None, "mei", "related 33 (rule)"),
        (f"{CMA_2023}/1", f"{PA_2023}/62", "confirm", "addresses", "mei", "no response"),
    ]
    assert all(re.fullmatch(r"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ", r.at) for r in reviews)
    log = CliRunner().invoke(cli, ["review", "--log", "-s", str(sources)]).output.splitlines()[-3:]
    assert [line.split("  ", 1)[1] for line in log] == [
        f"mei  {CMA_2023}/10 {PA_2023}/69.4: related 47 (rule) → confirm addresses  (the testing centre asked for)",
        f"mei  {CMA_2023}/1 {PA_2023}/61.1: related 33 (rule) → reject  (the same topic, not the ask)",
        f"mei  {CMA_2023}/1 {PA_2023}/62: no response → confirm addresses",
    ]


def test_review_controls_fit_a_phone(server, browser):  # noqa: F811
    base, _, _ = server
    _resize(browser, PHONE)
    if not browser.get_cookie("ds_actor"):
        _sign_in(browser, base)
    for name, path in (("paragraph", f"/p/{PA_2023}/69.4"), ("scorecard", f"/-/responses/{CMA_2023}"), ("ask", f"/r/{CMA_2023}/1")):
        browser.get(base + path)
        for summary in browser.find_elements(By.CSS_SELECTOR, ".kb-review-box > summary")[:3]:
            summary.click()
        assert _overflow(browser) <= 0, name
        _screenshot(browser, f"review-{name}-phone")
    _resize(browser, LAPTOP)


class Reviewer:
    """A reviewer's HTTP session with a server: signs in, then sends verdicts."""

    def __init__(self, base: str):
        self.base, self.opener = base, urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def sign_in(self) -> None:
        page = self.opener.open(f"{self.base}/-/login", timeout=10).read().decode()
        token = re.search(r'name="csrftoken" value="([^"]+)"', page).group(1)
        self.opener.open(f"{self.base}/-/login", urllib.parse.urlencode(
            {"username": "mei", "password": PASSWORD, "csrftoken": token}).encode(), timeout=10).read()

    def confirm(self, path: str, ask: str, paragraph: str, note: str) -> None:
        """Send a verdict from ``path``; returns once the server has answered that it is written."""
        page = self.opener.open(self.base + path, timeout=10).read().decode()
        fields = {name: html.unescape(value) for name, value in
                  re.findall(r'<input type="hidden" name="(csrftoken|kb_form|return_to)" value="([^"]*)"', page)}
        data = dict(fields, action="confirm", ask=ask, paragraph=paragraph, relation="related", note=note)
        answer = self.opener.open(f"{self.base}/-/review", urllib.parse.urlencode(data).encode(), timeout=10)
        assert answer.geturl() == self.base + path  # redirected back: written


def test_killing_the_server_while_reviewers_write_leaves_a_whole_file(tmp_path):
    with reviewing_server(tmp_path) as (base, sources, process):
        reviews = sources / "response_reviews.yml"
        before = len(read_response_reviews(reviews))
        paragraphs = [f"{PA_2023}/{n}" for n in range(20, 60)]
        written, stop = [], threading.Event()

        def keep_reviewing(k: int) -> None:
            reviewer = Reviewer(base)
            reviewer.sign_in()
            for i in range(1000):
                if stop.is_set():
                    return
                note = f"read by reviewer {k}, verdict {i}"
                try:
                    reviewer.confirm(f"/p/{paragraphs[i % len(paragraphs)]}", f"{CMA_2023}/10", paragraphs[i % len(paragraphs)], note)
                except OSError:  # the server is gone
                    return
                written.append(note)

        threads = [threading.Thread(target=keep_reviewing, args=(k,)) for k in range(3)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 120
        while len(written) < 12 and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        assert len(written) >= 12
        kept = read_response_reviews(reviews)  # the whole file reads: no half-written entry
        assert set(written) <= {r.note for r in kept[before:]}
        assert all(r.reviewer == "mei" and r.at for r in kept[before:])
        # the next writer, here kb review, removes any temporary file the killed server left, and appends
        result = CliRunner().invoke(cli, ["review", f"{CMA_2023}/10", "--status", "rejected", "--no-build", "-s", str(sources),
                                          "-d", str(tmp_path / "kb.db")])
        assert result.exit_code == 0, result.output
        assert list(sources.glob(".*.kb-tmp")) == []
        assert len(read_response_reviews(reviews)) == len(kept) + 1
