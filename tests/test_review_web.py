"""Reviewing in the browser, through Datasette's own client: who may send a
verdict, what is refused (and that nothing is written then), two reviewers
at once, a failed build, and the history on the ask's page."""

import asyncio
import collections
import re
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from datasette.app import Datasette

from kb.build.pipeline import build
from kb.build.snapshot import served_snapshot
from kb.cli.serving import datasette_settings
from kb.rules.reviews import read_response_reviews
from tests.conftest import SOURCES

PA_2023, CMA_2023 = "hksarg-2023-policy-address", "cma-2023-policy-address"
PAGE = f"/p/{PA_2023}/69.4"  # relates to cma-2023-policy-address/10 (related 47, rule)
ASK, PARAGRAPH = f"{CMA_2023}/10", f"{PA_2023}/69.4"
REVIEWERS = ["mei", "sam"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("review-web")
    db = folder / "kb.db"
    build(SOURCES, db)
    return db


@pytest.fixture
async def site(built, tmp_path):
    """A server as kb serve starts it, with reviewers: a copy of the sources,
    the database, and a Datasette serving a snapshot of it."""
    sources = Path(shutil.copytree(SOURCES, tmp_path / "sources"))
    db = tmp_path / "kb.db"
    shutil.copy(built, db)
    with served_snapshot(db) as snapshot:
        config = {"kb": {"sources": str(sources), "database": str(db), "reviewers": REVIEWERS}}
        datasette = Datasette(immutables=[str(snapshot)], settings=datasette_settings(), metadata={"plugins": config})
        await datasette.invoke_startup()
        yield datasette, sources, db


def signed_in(datasette, name: str) -> dict:
    return {"ds_actor": datasette.sign({"a": {"id": name}}, "actor")}


async def form_of(datasette, cookies: dict, path: str = PAGE) -> dict:
    """The hidden fields of a page's review form, and the CSRF cookie that goes with them."""
    page = await datasette.client.get(path, cookies=cookies)
    assert page.status_code == 200
    fields = dict(re.findall(r'<input type="hidden" name="(csrftoken|kb_form|return_to)" value="([^"]*)"', page.text))
    assert set(fields) == {"csrftoken", "kb_form", "return_to"}, "no review form on the page"
    cookies["ds_csrftoken"] = page.cookies.get("ds_csrftoken") or cookies.get("ds_csrftoken")
    return fields


def verdict(**fields) -> dict:
    return {"action": "confirm", "ask": ASK, "paragraph": PARAGRAPH, "relation": "addresses", **fields}


def reviews_bytes(sources: Path) -> bytes:
    return (sources / "response_reviews.yml").read_bytes()


async def post(datasette, cookies, data, **headers):
    return await datasette.client.post("/-/review", data=data, cookies=cookies, headers=headers)


def refusal(response) -> str:
    found = re.search(r'id="kb-review-refusal">([^<]*)<', response.text)
    return found.group(1) if found else response.text[:200]


async def wait_until_live(datasette, cookies, seconds=60) -> dict:
    for _ in range(int(seconds / 0.2)):
        status = (await datasette.client.get("/-/review/status", cookies=cookies)).json()
        if status["state"] != "building":
            return status
        await asyncio.sleep(0.2)
    raise AssertionError(f"still building after {seconds}s")


def served_rows(datasette, sql, *params):
    with closing(sqlite3.connect(datasette.get_database("kb").path)) as conn:
        return conn.execute(sql, params).fetchall()


async def test_a_reviewer_confirms_and_the_served_database_shows_it_without_a_restart(site):
    datasette, sources, db = site
    cookies = signed_in(datasette, "mei")
    first = datasette.get_database("kb").path
    fields = await form_of(datasette, cookies)
    response = await post(datasette, cookies, dict(verdict(note="the testing centre it asked for"), **fields))
    assert response.status_code == 303 and response.headers["location"] == PAGE
    status = await wait_until_live(datasette, cookies)
    assert status["state"] == "live" and status["message"] == "Your verdict is live: the pages show it."
    assert datasette.get_database("kb").path != first  # a new snapshot, switched to
    assert served_rows(datasette, "select relation, method from responses where recommendation_id = ? and paragraph_id = ?",
                       ASK, PARAGRAPH) == [("addresses", "manual")]
    page = await datasette.client.get(PAGE)
    assert re.search(rf'{re.escape(ASK)}</code><br>\s*<span class="kb-relation addresses">addresses</span> <em>reviewed</em>', page.text)
    last = read_response_reviews(sources / "response_reviews.yml")[-1]
    assert (last.from_id, last.to_id, last.verdict, last.relation, last.reviewer, last.was, last.note) == (
        ASK, PARAGRAPH, "confirm", "addresses", "mei", "related 47 (rule)", "the testing centre it asked for")
    assert re.fullmatch(r"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ", last.at)
    ask_page = await datasette.client.get(f"/r/{ASK}")  # the history, for every visitor
    assert re.search(r"<strong>mei</strong> ·\s*¶ <code>" + re.escape(PARAGRAPH) + r"</code>: related 47 \(rule\) → "
                     r"<strong>confirm addresses</strong> · <q>the testing centre it asked for</q>", ask_page.text)


async def test_anonymous_visitors_see_no_controls_and_their_posts_are_refused(site):
    datasette, sources, db = site
    before = reviews_bytes(sources)
    page = await datasette.client.get(PAGE)
    assert "kb-review-form" not in page.text and "kb-review-live" not in page.text
    assert f"kb review {ASK} {PARAGRAPH} --confirm" in page.text  # the command a reviewer with a shell would type
    response = await post(datasette, {}, verdict())
    assert response.status_code == 403 and refusal(response) == "Sign in as a reviewer to review. Nothing was written."
    assert reviews_bytes(sources) == before


async def test_a_signed_in_actor_who_is_not_a_reviewer_is_refused(site):
    datasette, sources, db = site
    before = reviews_bytes(sources)
    cookies = signed_in(datasette, "carol")
    page = await datasette.client.get(PAGE, cookies=cookies)
    assert "kb-review-form" not in page.text
    reviewer = signed_in(datasette, "mei")
    fields = await form_of(datasette, reviewer)  # a real form, sent by someone else
    cookies["ds_csrftoken"] = reviewer["ds_csrftoken"]
    response = await post(datasette, cookies, dict(verdict(), **fields))
    assert response.status_code == 403
    assert refusal(response) == "&#39;carol&#39; may not review (no kb-review permission). Nothing was written."
    assert reviews_bytes(sources) == before


async def test_a_post_without_the_csrf_token_is_refused(site):
    datasette, sources, db = site
    before = reviews_bytes(sources)
    cookies = signed_in(datasette, "mei")
    fields = await form_of(datasette, cookies)
    del fields["csrftoken"]
    response = await post(datasette, cookies, dict(verdict(), **fields))
    assert response.status_code == 403 and "form-urlencoded POST field did not match cookie" in response.text
    assert reviews_bytes(sources) == before


@pytest.mark.parametrize("headers, message", [
    ({"origin": "https://elsewhere.example"}, "Refused: the form was sent from https://elsewhere.example, not this site. Nothing was written."),
    ({"sec-fetch-site": "cross-site"}, "Refused: the form was sent from another site. Nothing was written."),
    ({"origin": "null"}, "Refused: the form was sent from no site (Origin: null). Nothing was written."),
])
async def test_a_cross_site_post_is_refused(site, headers, message):
    datasette, sources, db = site
    before = reviews_bytes(sources)
    cookies = signed_in(datasette, "mei")
    fields = await form_of(datasette, cookies)
    response = await post(datasette, cookies, dict(verdict(), **fields), **headers)
    assert response.status_code == 403 and refusal(response) == message
    assert reviews_bytes(sources) == before


async def test_a_replayed_form_is_refused_and_written_once(site):
    datasette, sources, db = site
    cookies = signed_in(datasette, "mei")
    fields = await form_of(datasette, cookies)
    count = len(read_response_reviews(sources / "response_reviews.yml"))
    assert (await post(datasette, cookies, dict(verdict(), **fields))).status_code == 303
    again = await post(datasette, cookies, dict(verdict(), **fields))
    assert again.status_code == 409
    assert refusal(again) == ("Not written: this form was sent already (a verdict is written once); "
                              "reload the page to give another.")
    assert len(read_response_reviews(sources / "response_reviews.yml")) == count + 1
    other = await post(datasette, cookies, dict(verdict(), **dict(fields, kb_form="forged")))
    assert other.status_code == 403 and "no valid review token" in refusal(other)
    await wait_until_live(datasette, cookies)


@pytest.mark.parametrize("fields, message", [
    ({"ask": "nope/1"}, "No recommendation nope/1. Nothing was written."),
    ({"paragraph": f"{PA_2023}/999"}, f"No government paragraph {PA_2023}/999. Nothing was written."),
    ({"paragraph": "hksarg-2020-policy-address/10"}, "hksarg-2020-policy-address (2020-11-25) was not published after"),
    ({"note": "x" * 501}, "The note is 501 characters long; at most 500. Nothing was written."),
    ({"note": '<script>alert(1)</script>'}, "The note holds markup (&lt;…&gt; or &amp;…;); write it as plain text."),
    ({"note": '=HYPERLINK("https://x.example")'}, "The note starts with &#39;=&#39;, which a spreadsheet reads as a formula"),
    ({"action": "status", "status": "<b>done</b>"}, "The status holds markup"),
    ({"action": "delete"}, "Unknown review action &#39;delete&#39;"),
    ({"paragraph": ""}, "Name the paragraph (a government paragraph id). Nothing was written."),
    ({"relation": "maybe"}, "Unknown relation &#39;maybe&#39;: addresses or related. Nothing was written."),
])
async def test_bad_verdicts_are_refused_with_a_clear_message(site, fields, message):
    datasette, sources, db = site
    before = reviews_bytes(sources)
    cookies = signed_in(datasette, "mei")
    form = await form_of(datasette, cookies)
    response = await post(datasette, cookies, dict(verdict(**fields), **form))
    assert response.status_code == 400 and message in refusal(response)
    assert reviews_bytes(sources) == before


async def test_two_reviewers_sending_fifty_verdicts_each_at_once_lose_none(site):
    datasette, sources, db = site
    paragraphs = [row[0] for row in served_rows(
        datasette, "select id from paragraphs where document_id = ? and parent_id is null order by ordinal limit 50", PA_2023)]
    before = len(read_response_reviews(sources / "response_reviews.yml"))
    jars = {name: signed_in(datasette, name) for name in REVIEWERS}

    async def send(name, paragraph):
        cookies = dict(jars[name])
        fields = await form_of(datasette, cookies)
        data = dict(verdict(paragraph=paragraph, relation="related", note=f"{name} read it"), **fields)
        return (await post(datasette, cookies, data)).status_code

    sent = await asyncio.gather(*(send(name, paragraph) for paragraph in paragraphs for name in REVIEWERS))
    assert sent == [303] * 100
    reviews = read_response_reviews(sources / "response_reviews.yml")[before:]
    assert len(reviews) == 100
    assert sorted((r.reviewer, r.to_id) for r in reviews) == sorted((name, p) for p in paragraphs for name in REVIEWERS)
    for name in REVIEWERS:
        assert (await wait_until_live(datasette, jars[name], seconds=120))["state"] == "live"
    manual = served_rows(datasette, "select paragraph_id from responses where recommendation_id = ? and method = 'manual'", ASK)
    assert set(paragraphs) <= {row[0] for row in manual}


async def test_a_failed_build_keeps_the_served_database_and_says_why(site):
    datasette, sources, db = site
    cookies = signed_in(datasette, "mei")
    served = datasette.get_database("kb").path
    manifest = sources / "manifest.yml"
    good = manifest.read_bytes()
    manifest.write_text("documents: [\n", encoding="utf-8")  # a broken manifest: the next build stops
    fields = await form_of(datasette, cookies)
    assert (await post(datasette, cookies, dict(verdict(), **fields))).status_code == 303
    status = await wait_until_live(datasette, cookies)
    assert status["state"] == "failed"
    assert status["message"].startswith("Your verdict is saved, but the site could not be built again: ")
    assert "manifest.yml" in status["message"] and status["message"].endswith("The pages still show the previous build.")
    assert datasette.get_database("kb").path == served
    assert served_rows(datasette, "select method from responses where recommendation_id = ? and paragraph_id = ?",
                       ASK, PARAGRAPH) == [("rule",)]
    assert (await datasette.client.get(PAGE)).status_code == 200
    manifest.write_bytes(good)  # mended: the next verdict builds, taking both in
    fields = await form_of(datasette, cookies)
    data = dict(verdict(action="status", status="rejected", note="the government said no"), **fields)
    assert (await post(datasette, cookies, data)).status_code == 303
    assert (await wait_until_live(datasette, cookies))["state"] == "live"
    assert served_rows(datasette, "select status, method, note from response_status where recommendation_id = ?", ASK) == [
        ("rejected", "manual", "the government said no")]


async def test_notes_are_escaped_on_the_page_and_neutralised_in_csv(site):
    """A note written into the file by hand (where kb's checks do not run) is
    shown as text, and a formula in it is neutralised in the CSV."""
    datasette, sources, db = site
    with open(sources / "response_reviews.yml", "a", encoding="utf-8") as file:
        file.write(f"\n- recommendation: {ASK}\n  status: rejected\n  note: '=1+1 <img src=x onerror=alert(1)>'\n"
                   "  reviewer: mei\n  at: '2026-01-02T03:04:05Z'\n")
    cookies = signed_in(datasette, "mei")
    fields = await form_of(datasette, cookies)
    assert (await post(datasette, cookies, dict(verdict(), **fields))).status_code == 303
    assert (await wait_until_live(datasette, cookies))["state"] == "live"
    page = (await datasette.client.get(f"/r/{ASK}")).text
    assert "<q>=1+1 &lt;img src=x onerror=alert(1)&gt;</q>" in page and "<img src=x" not in page
    csv = (await datasette.client.get(f"/kb/response_status.csv?recommendation_id={ASK}&_col=note")).text
    assert "'=1+1 <img src=x onerror=alert(1)>" in csv


async def test_signing_in_with_a_password_whose_hash_is_in_the_environment(built, tmp_path, monkeypatch):
    from datasette_auth_passwords.utils import hash_password

    monkeypatch.setenv("KB_REVIEWER_MEI_PASSWORD_HASH", hash_password("a long reviewer password"))
    with served_snapshot(shutil.copy(built, tmp_path / "kb.db")) as snapshot:
        plugins = {"kb": {"sources": str(SOURCES), "database": str(tmp_path / "kb.db"), "reviewers": ["mei"]},
                   "datasette-auth-passwords": {"mei_password_hash": {"$env": "KB_REVIEWER_MEI_PASSWORD_HASH"}}}
        datasette = Datasette(immutables=[str(snapshot)], settings=datasette_settings(), metadata={"plugins": plugins})
        await datasette.invoke_startup()
        assert "pbkdf2" not in (await datasette.client.get("/-/metadata.json")).text
        login = await datasette.client.get("/-/login")
        token = re.search(r'name="csrftoken" value="([^"]+)"', login.text).group(1)
        cookies = {"ds_csrftoken": login.cookies["ds_csrftoken"]}
        wrong = await datasette.client.post("/-/login", data={"username": "mei", "password": "guess", "csrftoken": token}, cookies=cookies)
        assert "Invalid username or password" in wrong.text and "ds_actor" not in wrong.cookies
        right = await datasette.client.post("/-/login", data={"username": "mei", "password": "a long reviewer password", "csrftoken": token},
                                            cookies=cookies)
        assert right.status_code == 302
        page = await datasette.client.get(PAGE, cookies={"ds_actor": right.cookies["ds_actor"]})
        assert "Signed in as <strong>mei</strong>, reviewer" in page.text and f'data-ask="{ASK}"' in page.text


async def test_a_signed_in_visitors_pages_are_never_kept_by_a_shared_cache(site):
    datasette, sources, db = site
    mine = await datasette.client.get(PAGE, cookies=signed_in(datasette, "mei"))
    assert mine.headers["cache-control"] == "private, no-store"
    anyone = await datasette.client.get(PAGE)
    assert "private" not in anyone.headers.get("cache-control", "")



async def test_the_server_hashes_no_password_but_a_sign_in(site):
    datasette, sources, db = site
    tool = await datasette.client.post("/-/password-tool", data={"password": "x" * 1000})
    assert tool.status_code == 404 and tool.text == "Not found: hash a reviewer's password with kb reviewer add."


async def test_failed_sign_ins_from_one_address_are_limited(site, monkeypatch):
    from kb.web import signin_limits

    monkeypatch.setattr(signin_limits, "_failures", collections.defaultdict(collections.deque))
    datasette = site[0]
    login = await datasette.client.get("/-/login")
    token = re.search(r'name="csrftoken" value="([^"]+)"', login.text).group(1)
    cookies = {"ds_csrftoken": login.cookies["ds_csrftoken"]}
    guess = {"username": "mei", "password": "guess", "csrftoken": token}
    answers = [(await datasette.client.post("/-/login", data=guess, cookies=cookies)).status_code for _ in range(10)]
    assert answers == [200] * 10  # the form again, each time
    refused = await datasette.client.post("/-/login", data=guess, cookies=cookies)
    assert refused.status_code == 429 and refused.headers["retry-after"] == "900"
    assert refused.text == "Too many failed sign-ins from your address: try again within 15 minutes."
