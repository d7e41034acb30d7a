"""Requests an attacker or a careless link would send: each gets a clear 400
(never a 500) and a prompt answer, and SQLite's limits hold on every
connection Datasette opens."""

import sqlite3
import time

import pytest
import yaml
from datasette.app import Datasette

from kb.web.limits import MAX_LENGTH, apply_limits, time_limit
from kb.read.search import sql_fuzzy_score
from tests.conftest import ROOT

METADATA = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))


@pytest.fixture
def datasette(built_db):
    return Datasette([str(built_db)], immutables=[], metadata=METADATA)


async def _timed_get(datasette, path, params=None):
    started = time.perf_counter()
    response = await datasette.client.get(path, params=params)
    return response, time.perf_counter() - started


@pytest.mark.parametrize(
    "params,message",
    [
        ({"year": "99999999999999999999999"}, "year must be a year such as 2023, not '99999999999999999999'"),
        ({"year": "²"}, "year must be a year such as 2023, not '²'"),
        ({"year": "２０２３"}, "year must be a year such as 2023"),
        ({"limit": "²"}, "limit must be a whole number from 1 to 100, not '²'"),
        ({"limit": "99999999999999999999999"}, "limit must be a whole number from 1 to 100"),
        ({"limit": "0"}, "limit must be a whole number from 1 to 100, not '0'"),
        ({"limit": "-5"}, "limit must be a whole number from 1 to 100, not '-5'"),
        ({"page": "²"}, "page must be a whole number from 1 to 9999, not '²'"),
    ],
)
async def test_bad_search_parameters_are_400s_naming_the_parameter(datasette, params, message):
    response = await datasette.client.get("/-/search.json", params={"q": "中小企", **params})
    assert response.status_code == 400
    assert response.json()["error"] == message or response.json()["error"].startswith(message)
    page = await datasette.client.get("/-/search", params={"q": "中小企", **params})
    assert page.status_code == 400 and "must be" in page.text


async def test_good_search_parameters_still_work(datasette):
    data = (await datasette.client.get("/-/search.json", params={"q": "中小企", "year": "2024", "limit": "500"})).json()
    assert data["results"] and {result["year"] for result in data["results"]} == {2024}
    assert len(data["results"]) <= 100


@pytest.mark.parametrize(
    "path,message",
    [
        ("/kb/recommendations?_sort=zzz", "Cannot sort table by zzz"),
        ("/kb/recommendations.json?_sort=zzz", "Cannot sort table by zzz"),
        ("/kb/recommendations?_facet=%00", "This request cannot be run: the query contains a null character"),
        ("/kb/recommendations.json?_facet=%00", "This request cannot be run: the query contains a null character"),
        ("/kb/recommendations.json?_through=%7Bbad", "_through must be JSON such as"),
        ("/kb/recommendations.json?_through=%7B%22table%22%3A%22zzz%22%7D", "_through must be JSON such as"),
    ],
)
async def test_datasette_errors_caused_by_the_request_are_400s(datasette, path, message):
    response = await datasette.client.get(path)
    assert response.status_code == 400
    assert message in response.text


async def test_a_missing_page_is_still_a_404(datasette):
    assert (await datasette.client.get("/kb/no_such_table")).status_code == 404


@pytest.mark.parametrize(
    "sql",
    [
        "select kb_fuzzy_score(printf('%.*c', 3000, 'a'), printf('%.*c', 3000000, 'b'))",
        "select kb_bigrams(printf('%.*c', 5000000, '香'))",
        "select length(kb_normalize(printf('%.*c', 5000000, 'A')))",
    ],
)
async def test_kb_sql_functions_answer_within_the_time_limit(datasette, sql):
    response, seconds = await _timed_get(datasette, "/kb.json", {"sql": sql})
    assert response.status_code == 200, response.text
    assert seconds < 1.5


@pytest.mark.parametrize(
    "sql,error",
    [
        ("select length(printf('%.*c', 2000000000, 'x'))", "user-defined function raised exception"),
        ("select length(randomblob(1e9))", "string or blob too big"),
        ("select length(zeroblob(50000000))", "string or blob too big"),
        (
            "with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) from n",
            "SQL query took too long",
        ),
    ],
)
async def test_plain_sqlite_cannot_hold_the_server(datasette, sql, error):
    response, seconds = await _timed_get(datasette, "/kb.json", {"sql": sql})
    assert response.status_code == 400
    assert error in response.json()["error"]
    assert seconds < 2


def test_fuzzy_score_reads_bounded_inputs():
    started = time.perf_counter()
    assert sql_fuzzy_score("a" * 3000, "b" * 3_000_000) == 0.0
    assert sql_fuzzy_score("﷽" * 3000, "﷽" * 3_000_000) == 100.0  # NFKC makes each 18 characters
    assert time.perf_counter() - started < 0.5
    assert sql_fuzzy_score("中小企", "支援中小企業") == 100.0


async def test_every_datasette_connection_gets_the_limits(datasette):
    def limit_and_longest(connection):
        longest = connection.execute("select max(length(body)) from recommendations").fetchone()[0]
        return connection.getlimit(sqlite3.SQLITE_LIMIT_LENGTH), longest

    limit, longest = await datasette.get_database("kb").execute_fn(limit_and_longest)
    assert limit == MAX_LENGTH
    assert longest < MAX_LENGTH / 1000  # the knowledge base's longest values fit far inside


def test_printf_keeps_its_meaning_under_the_limits():
    connection = sqlite3.connect(":memory:")
    apply_limits(connection)
    row = connection.execute("select printf('%5.2f|%-3d|%s|%%|%q|%.*c', 3.14159, 7, 'x', 'it''s', 3, 'y')").fetchone()
    assert row == (" 3.14|7  |x|%|it''s|yyy",)
    assert connection.execute("select format('%d', 5), printf(null), printf('%.*c', 1000000, 'z') is not null").fetchone() == (
        "5",
        None,
        1,
    )


def test_time_limit_interrupts_long_sql():
    connection = sqlite3.connect(":memory:")
    started = time.perf_counter()
    with pytest.raises(sqlite3.OperationalError, match="interrupted"):
        with time_limit(connection, 0.2):
            connection.execute("with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) from n").fetchone()
    assert time.perf_counter() - started < 1
    assert connection.execute("select 1").fetchone() == (1,)  # the handler is gone afterwards
