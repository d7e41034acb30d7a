"""Pages of a served (immutable) knowledge base carry an ETag and
Cache-Control, a repeat with the ETag is answered 304, a page is answered
from memory the second time, and another build gives other ETags; requests
with a cookie, non-GET requests and databases opened for writing are never
cached."""

import shutil
import sqlite3

import pytest
import yaml
from datasette.app import Datasette
from datasette.database import Database
from datasette.utils import tilde_encode

from kb.web import caching
from tests.conftest import ROOT

METADATA = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
ROW = "cma-2023-policy-address/5.3"
PAGES = [
    f"/kb/recommendations/{tilde_encode(ROW)}",  # kb's recommendation page
    "/-/search?q=%E5%B0%88%E9%A0%85%E5%9F%BA%E9%87%91",  # kb's search page
    "/kb/recommendations",  # Datasette's table page
    "/kb/documents.json",  # Datasette's JSON
    "/kb",  # Datasette's database page
]


def _served(path):
    return Datasette(immutables=[str(path)], metadata=METADATA)


@pytest.fixture
def served(built_db, tmp_path):
    path = tmp_path / "kb.db"
    shutil.copy(built_db, path)
    return path


@pytest.mark.parametrize("url", PAGES)
async def test_every_page_has_an_etag_and_cache_control_and_a_repeat_is_304(served, url):
    datasette = _served(served)
    first = await datasette.client.get(url)
    assert first.status_code == 200
    tag = first.headers["etag"]
    assert tag.startswith('"') and len(tag) == 34
    assert first.headers["cache-control"] == caching.CACHE_CONTROL.decode()
    repeat = await datasette.client.get(url, headers={"if-none-match": tag})
    assert repeat.status_code == 304 and repeat.content == b""
    assert repeat.headers["etag"] == tag
    other = await datasette.client.get(url, headers={"if-none-match": '"another"'})
    assert other.status_code == 200 and other.content == first.content


async def test_the_second_request_is_answered_from_memory(served):
    datasette = _served(served)
    url = PAGES[0]
    first = await datasette.client.get(url)
    assert "設立專項扶持基金" in first.text
    calls = _count_queries(datasette)
    second = await datasette.client.get(url)
    assert second.content == first.content and second.headers["etag"] == first.headers["etag"]
    assert calls == []  # no query ran: the page came from the cache


def _count_queries(datasette) -> list:
    """The SQL the kb database runs from now on."""
    calls = []
    original = datasette.databases["kb"].execute

    async def counted(*args, **kwargs):
        calls.append(args[0])
        return await original(*args, **kwargs)

    datasette.databases["kb"].execute = counted
    return calls


def _another_build(path, folder):
    """A copy of the database at ``path`` as another build wrote it: another
    build_info and another document title."""
    folder.mkdir()
    other = folder / "kb.db"
    shutil.copy(path, other)
    with sqlite3.connect(other) as conn:
        conn.execute("update build_info set value = 'another' where key = 'fingerprint'")
        conn.execute("update documents set title_zh = '換了的標題' where id = 'cma-2024-budget'")
    return other


async def test_another_build_gives_other_etags(served, tmp_path):
    other = _another_build(served, tmp_path / "other")
    first = await _served(served).client.get(PAGES[0])
    second = await _served(other).client.get(PAGES[0])
    assert first.headers["etag"] != second.headers["etag"]


async def test_a_database_swapped_at_run_time_misses_the_cache(served, tmp_path):
    datasette = _served(served)
    first = await datasette.client.get(PAGES[0])
    _another_build(served, tmp_path / "other").replace(served)
    datasette.remove_database("kb")
    datasette.add_database(Database(datasette, path=str(served), is_mutable=False), name="kb")
    calls = _count_queries(datasette)
    second = await datasette.client.get(PAGES[0])
    assert second.status_code == 200 and second.headers["etag"] != first.headers["etag"]
    assert calls  # the page was made again, not answered from the cache
    old = await datasette.client.get(PAGES[0], headers={"if-none-match": first.headers["etag"]})
    assert old.status_code == 200


async def test_requests_with_a_cookie_or_authorization_are_not_cached(served):
    datasette = _served(served)
    for headers in ({"cookie": "ds_actor=someone"}, {"authorization": "Bearer x"}):
        response = await datasette.client.get(PAGES[0], headers=headers)
        assert response.status_code == 200
        assert "etag" not in response.headers
        assert response.headers.get("cache-control") != caching.CACHE_CONTROL.decode()


async def test_a_post_is_not_cached(served):
    datasette = _served(served)
    response = await datasette.client.post("/-/search", data={"q": "基金"})
    assert "etag" not in response.headers


async def test_a_database_opened_for_writing_is_not_cached(served):
    datasette = Datasette([str(served)], metadata=METADATA)
    response = await datasette.client.get(PAGES[0])
    assert response.status_code == 200 and "etag" not in response.headers


async def test_a_missing_page_is_not_cached(served):
    datasette = _served(served)
    response = await datasette.client.get("/kb/recommendations/no~2Fsuch")
    assert response.status_code == 404 and "etag" not in response.headers


def test_the_page_cache_keeps_within_its_limit():
    pages = caching.PageCache(limit=10)
    for n in range(5):
        pages.put((n,), 200, [], b"abcd")
    assert pages.size <= 10 and pages.get((0,)) is None and pages.get((4,))[2] == b"abcd"
    pages.put(("big",), 200, [], b"x" * (caching.PAGE_BYTES + 1))
    assert pages.get(("big",)) is None


@pytest.mark.parametrize(
    "value,expected",
    [(b'"abc"', True), (b'W/"abc"', True), (b'"x", "abc"', True), (b"*", True), (b'"x"', False)],
)
def test_if_none_match(value, expected):
    scope = {"headers": [(b"if-none-match", value)]}
    assert caching.matches(scope, b'"abc"') is expected


async def test_an_immutable_database_is_counted_before_the_first_request_within_a_time_limit(served, monkeypatch):
    datasette = _served(served)
    limits = []
    original = datasette.databases["kb"].table_counts

    async def table_counts(limit=10):
        limits.append(limit)
        return await original(limit=limit)

    monkeypatch.setattr(datasette.databases["kb"], "table_counts", table_counts)
    await datasette.invoke_startup()
    assert limits == [caching.COUNT_LIMIT_MS]
    assert datasette.databases["kb"].cached_table_counts["recommendations"] == 93
    calls = _count_queries(datasette)
    page = await datasette.client.get("/kb")
    assert page.status_code == 200 and "93 rows" in page.text
    assert not [sql for sql in calls if sql.startswith("select count(*) from [")]  # the counts kept, none again
