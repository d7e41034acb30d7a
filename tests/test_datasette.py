import html
import re

import pytest
import sqlite_utils
import yaml
from datasette.app import Datasette
from datasette.utils import tilde_encode

from kb.build.pipeline import build
from tests.conftest import ROOT

METADATA = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))

ONE_ROW_PER_DOCUMENT = [
    ("bdc-2020-brand-relaunch-survey/16", "在公共採購政策中訂立「香港品牌優先」的原則"),
    ("cma-2023-policy-address/5.3", "設立專項扶持基金"),
    ("cma-2024-budget/9", "助力發展工業旅遊"),
    ("hkpc-2025-manufacturing-study/1", "因地制宜應用「智能微工廠」"),
    ("dsedt-2023-reply-written-inquiry/7", "M嘜"),
]


@pytest.fixture
def datasette(built_db):
    return Datasette([str(built_db)], immutables=[], metadata=METADATA)


def _marked_lines(page):
    return [int(n) for n in re.findall(r'<tr id="L(\d+)" class="marked">', page)]


async def test_kb_plugin_is_loaded(datasette):
    plugins = (await datasette.client.get("/-/plugins.json")).json()
    assert "kb" in {plugin["name"] for plugin in plugins}


async def test_recommendations_count_and_facets(datasette):
    response = await datasette.client.get("/kb/recommendations.json?_size=0&_facet=publisher_id&_facet=kind")
    data = response.json()
    assert data["filtered_table_rows_count"] == 93
    publishers = {row["value"]: row["count"] for row in data["facet_results"]["publisher_id"]["results"]}
    assert publishers == {"cma": 46, "bdc": 18, "hkpc": 20, "dsedt": 9}
    kinds = {row["value"]: row["count"] for row in data["facet_results"]["kind"]["results"]}
    assert kinds == {"recommendation": 71, "strategy": 13, "measure": 9}


async def test_metadata_facets_sort_and_labels_show_on_the_table_page(datasette):
    page = (await datasette.client.get("/kb/recommendations?document_id=cma-2023-policy-address")).text
    for facet in ("publisher_id", "year", "document_id", "section", "kind"):
        assert f'data-column="{facet}"' in page
    assert "拓產業新格局" in page  # a section facet value
    ids = re.findall(r'<a href="/kb/recommendations/(cma-2023-policy-address[^"]+)" class="kb-row-title">', page)
    assert ids[:5] == [tilde_encode(f"cma-2023-policy-address/{n}") for n in ("1", "2", "3", "4", "4.1")]


async def test_the_table_pages_names_of_an_immutable_database_are_read_once(built_db, tmp_path):
    """The documents', publishers' and areas' names grow with the corpus: for
    a database served immutable they are read once per version of its file,
    and the page is what a database opened for writing shows."""
    import shutil

    from kb.web import table_view

    path = tmp_path / "kb.db"
    shutil.copy(built_db, path)
    served = Datasette(immutables=[str(path)], metadata=METADATA)
    writable = Datasette([str(path)], metadata=METADATA)
    table_view._NAMES.clear()
    url = "/kb/recommendations?document_id=cma-2023-policy-address"
    page = (await served.client.get(url)).text
    assert table_view._NAMES.version is not None and "cma-2023-policy-address" in table_view._NAMES.value["documents"]
    assert "香港中華廠商聯合會" in page
    strip = lambda text: re.sub(r"Queries took [0-9.]+ms|\([0-9.]+ ms\)", "", text)  # noqa: E731
    assert strip((await served.client.get(url)).text) == strip(page) == strip((await writable.client.get(url)).text)


async def test_row_page_shows_document_and_parent_by_name(datasette):
    response = await datasette.client.get("/kb/recommendations/cma-2023-policy-address~2F5~2E3")
    assert response.status_code == 200
    page = response.text
    assert "設立專項扶持基金" in page
    assert '<a href="/kb/documents/cma-2023-policy-address">香港中華廠商聯合會對2023年施政報告的建議</a>' in page
    assert '<a href="/kb/recommendations/cma-2023-policy-address~2F5">5 <span lang="zh-Hant">打造「港版中試」</span></a>' in page
    assert '<a href="/kb/publishers/cma">香港中華廠商聯合會</a>' in page
    assert '/-/source/cma-2023-policy-address?id=cma-2023-policy-address%2F5.3#L511' in page


@pytest.mark.parametrize("row_id,title", ONE_ROW_PER_DOCUMENT)
async def test_source_view_highlights_the_passage(datasette, row_id, title):
    db = sqlite_utils.Database(datasette.databases["kb"].path)
    row = db["recommendations"].get(row_id)
    document_id = row_id.split("/")[0]
    response = await datasette.client.get(f"/-/source/{document_id}?id={row_id.replace('/', '%2F')}")
    assert response.status_code == 200
    page = response.text
    assert _marked_lines(page) == list(range(row["line_start"], row["line_end"] + 1))
    assert f'getElementById("L{row["line_start"]}").scrollIntoView' in page
    assert ".kb-source tr { scroll-margin-top: var(--kb-head, 9em); }" in page  # below the sticky title and legend
    marked_text = "".join(re.findall(r'class="marked"><td class="n">.*?<td class="t">(.*?)</td>', page))
    assert title.replace(" ", "")[:6] in html.unescape(marked_text).replace(" ", "")


async def test_document_page_links_to_the_whole_text(datasette):
    page = (await datasette.client.get("/kb/documents/cma-2024-budget")).text
    assert '<a href="/-/source/cma-2024-budget"' in page
    whole = (await datasette.client.get("/-/source/cma-2024-budget")).text
    assert whole.count('<tr id="L') == 957
    assert _marked_lines(whole) == []


async def test_source_view_of_unknown_document_is_404(datasette):
    assert (await datasette.client.get("/-/source/no-such-document")).status_code == 404
    assert (await datasette.client.get("/-/source/cma-2024-budget?id=nope")).status_code == 404


async def test_markup_in_a_source_is_shown_as_text(tmp_path, sources_copy):
    budget = sources_copy / "cma-2024-budget.txt"
    text = budget.read_text(encoding="utf-8")
    budget.write_text(text.replace("製造業對香港經濟", "<script>alert('x')</script>製造業對香港經濟", 1), encoding="utf-8")
    db_path = tmp_path / "kb.db"
    build(sources_copy, db_path)
    datasette = Datasette([str(db_path)], metadata=METADATA)
    page = (await datasette.client.get("/-/source/cma-2024-budget?id=cma-2024-budget%2F1")).text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;製造業對香港經濟" in page
    assert "<script>alert(" not in page
    row_page = (await datasette.client.get("/kb/recommendations/cma-2024-budget~2F1")).text
    assert "<script>alert(" not in row_page


async def test_every_canned_query_runs(datasette):
    queries = METADATA["databases"]["kb"]["queries"]
    for name in queries:
        response = await datasette.client.get(f"/kb/{name}.json?_shape=array&area=talent")
        assert response.status_code == 200, (name, response.text[:200])


async def test_asks_with_no_response_found_leave_out_asks_whose_thread_was_answered(datasette, built_db):
    """Listed: an ask whose own status and thread status are both no response
    found; not an ask repeated later and addressed, or possibly answered, then."""
    rows = (await datasette.client.get("/kb/asks_without_response.json?_shape=array")).json()
    assert rows and {(row["status"], row["thread_status"]) for row in rows} == {("no response found", "no response found")}
    db = sqlite_utils.Database(built_db)
    expected = [row["recommendation_id"] for row in db.query(
        "select recommendation_id from response_status where status = 'no response found' and thread_status = 'no response found'")]
    assert sorted(row["id"] for row in rows) == sorted(expected)
    answered_thread = [row["recommendation_id"] for row in db.query(
        "select recommendation_id from response_status where status = 'no response found' and thread_status != 'no response found'")]
    # the BDC's ask for a brand development scheme: its thread was addressed (and it has a possible response of its own)
    assert db.execute("select status, thread_status from response_status where recommendation_id = ?",
                      ["bdc-2020-brand-relaunch-survey/9"]).fetchone() == ("possible response", "addressed")
    assert "bdc-2020-brand-relaunch-survey/9" not in expected
    assert not {row["id"] for row in rows} & set(answered_thread)
    first = next(row for row in rows if row["id"] == "bdc-2020-brand-relaunch-survey/6")
    assert (first["title"], first["publisher"], first["document_id"], first["year"]) == (
        "鼓勵和協助業界「抱團出海」，在境外設立「香港品牌」的專門分銷、推廣設施", "香港品牌發展局", "bdc-2020-brand-relaunch-survey", 2020)
    assert first["government_texts"] == ("hksarg-2020-policy-address, hksarg-2021-policy-address, hksarg-2022-policy-address, "
                                          "hksarg-2023-24-budget, hksarg-2023-policy-address")
