"""Search through `kb search`, Datasette's SQL functions and the search page."""

import json

import pytest
import yaml
from click.testing import CliRunner
from datasette.app import Datasette

from kb.build.pipeline import build
from kb.cli import cli
from tests.conftest import ROOT

METADATA = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
HOSTILE = ['"', "' OR 1=1 --", "中試 AND NEAR(", "*", "^品牌", "a" * 10_000, "\x00\x1b[31m", "🏭🏭", "-", "()"]


@pytest.fixture
def datasette(built_db):
    return Datasette([str(built_db)], metadata=METADATA)


def test_kb_search_json_shape(built_db):
    result = CliRunner().invoke(cli, ["search", "離岸", "--db", str(built_db), "--json", "--limit", "3"])
    assert result.exit_code == 0, result.output
    results = json.loads(result.output)
    assert 1 <= len(results) <= 3
    assert {"id", "score", "title", "document_id", "year", "snippet"} <= set(results[0])
    assert results[0]["id"] == "cma-2023-policy-address/17"
    assert results == sorted(results, key=lambda r: -r["score"])


def test_kb_search_filters_and_text_output(built_db):
    args = ["search", "品牌", "--db", str(built_db), "--publisher", "bdc", "--year", "2020", "-n", "5"]
    output = CliRunner().invoke(cli, args, catch_exceptions=False).output
    ids = [line.split()[1] for line in output.splitlines() if line[:6].strip().replace(".", "").isdigit()]
    assert len(ids) == 5 and all(i.startswith("bdc-2020-brand-relaunch-survey/") for i in ids)


def test_kb_search_with_no_match_suggests_names(built_db):
    output = CliRunner().invoke(cli, ["search", "Northen Metropolis", "--db", str(built_db)]).output
    assert "北部都會區" in output or "Northern Metropolis" in output


async def test_sql_functions_are_registered(datasette):
    response = await datasette.client.get("/kb.json?sql=select+kb_normalize('離岸綫')+as+n&_shape=array")
    assert response.json() == [{"n": "离岸线"}]
    score = (await datasette.client.get("/kb.json?sql=select+kb_fuzzy_score('新田科枝城','新田科技城')+as+s&_shape=array")).json()
    assert 70 <= score[0]["s"] <= 100


async def test_search_page_ranks_highlights_and_links(datasette):
    page = (await datasette.client.get("/-/search?q=Northern+Metropolis")).text
    assert page.index("cma-2023-policy-address/14") < page.index("cma-2023-policy-address/16")
    assert "<mark>北部都會區</mark>" in page
    assert 'href="/kb/recommendations/cma-2023-policy-address~2F14"' in page
    assert "/-/source/cma-2023-policy-address?id=cma-2023-policy-address%2F14#L1085" in page


async def test_search_page_filters_and_json(datasette):
    data = (await datasette.client.get("/-/search.json?q=中試&document=cma-2024-budget")).json()
    assert data["results"] and {r["document_id"] for r in data["results"]} == {"cma-2024-budget"}
    same = (await datasette.client.get("/-/search?q=中試&document=cma-2024-budget&_format=json")).json()
    assert [r["id"] for r in same["results"]] == [r["id"] for r in data["results"]]


async def test_search_boxes_on_home_table_and_row_pages(datasette):
    for path in ("/", "/kb/recommendations", "/kb/recommendations/cma-2023-policy-address~2F1"):
        page = (await datasette.client.get(path)).text
        assert 'action="/-/search"' in page, path


@pytest.mark.parametrize("query", HOSTILE)
async def test_hostile_queries_never_give_an_error_page(datasette, query):
    response = await datasette.client.get("/-/search", params={"q": query, "year": "2023", "limit": "5"})
    assert response.status_code == 200
    assert (await datasette.client.get("/-/search.json", params={"q": query})).status_code == 200


async def test_script_in_a_source_is_escaped_in_snippets(tmp_path, sources_copy):
    budget = sources_copy / "cma-2024-budget.txt"
    text = budget.read_text(encoding="utf-8")
    budget.write_text(text.replace("夜間經濟是都市經濟", "<script>alert(1)</script>夜間經濟是都市經濟", 1), encoding="utf-8")
    db_path = tmp_path / "kb.db"
    build(sources_copy, db_path)
    page = (await Datasette([str(db_path)], metadata=METADATA).client.get("/-/search?q=夜間經濟")).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<mark>夜間經濟</mark>" in page
    assert "<script>alert(1)" not in page


async def test_filter_choices_of_an_immutable_database_are_made_once_and_show_the_selection(built_db, tmp_path):
    """The years' and documents' options grow with the corpus: for a database
    served immutable (as kb serve serves it) they are written once per
    version of its file, and every page shows the same options, the
    request's own selected, as a database opened for writing does."""
    import shutil

    from kb.web import search_view

    path = tmp_path / "kb.db"  # the pages' URLs name the database kb
    shutil.copy(built_db, path)
    served = Datasette(immutables=[str(path)], metadata=METADATA)
    writable = Datasette([str(path)], metadata=METADATA)
    search_view._CHOICES.clear()
    urls = ["/-/search?q=中試", "/-/search?q=中試&document=cma-2023-policy-address&year=2023",
            "/-/search?q=中試&document=hksarg-2024-25-budget", "/-/search?q=中試&year=1999&document=nosuch"]
    for url in urls:
        assert _same_but_timings((await served.client.get(url)).text, (await writable.client.get(url)).text), url
    assert search_view._CHOICES.version is not None  # read once, for the immutable database
    page = (await served.client.get(urls[1])).text
    assert '<option value="cma-2023-policy-address" selected>2023 · 香港中華廠商聯合會對2023年施政報告的建議' in page
    assert '<option value="2023" selected>2023</option>' in page and page.count(" selected>") == 3  # and "in"
    page = (await served.client.get(urls[3])).text
    assert page.count(" selected>") == 1 and '<option value="cma-2023-policy-address">' in page


def _same_but_timings(a: str, b: str) -> bool:
    import re

    timings = re.compile(r"\([0-9.]+ ms\)|Queries took [0-9.]+ms|border-left: 10px solid #[0-9a-f]{6}")
    return timings.sub("", a) == timings.sub("", b)
