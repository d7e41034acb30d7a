"""The site a researcher reads, through datasette.client: every link reachable
from the home page answers, recommendation pages and permalinks, search that
says what it did, the comparison and area pages, CSV for Excel, 404 pages."""

import csv
import html
import io
import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest
import sqlite_utils
import yaml
from datasette.app import Datasette

from kb.web import citations
from kb.web.export import neutralise
from tests.conftest import ROOT

METADATA = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
_HREF_RE = re.compile(r'href="([^"]*)"')
TABLES_FIRST_PAGE = re.compile(r"^/kb/[a-z_]+$")
RECOMMENDATION_PAGE = re.compile(r"^/kb/recommendations/[^/?]+$")


@pytest.fixture(scope="module")
def datasette(built_db):
    return Datasette([str(built_db)], immutables=[], metadata=METADATA)


def _links(page: str) -> list[str]:
    """The site's own links on a page, without fragments."""
    found = []
    for href in _HREF_RE.findall(page):
        href = urldefrag(html.unescape(href))[0].removeprefix("http://localhost")  # permalinks are absolute
        if href.startswith("/") and not href.startswith("//"):
            found.append(href)
    return found


def _expands(path: str) -> bool:
    """Pages whose links are followed: kb's pages, the tables' first pages and every recommendation page."""
    plain = urlsplit(path).path
    if plain.endswith((".json", ".csv", ".excelcsv")):
        return False
    return plain == "/" or plain.startswith(("/-/", "/r/")) or bool(
        TABLES_FIRST_PAGE.match(path) or RECOMMENDATION_PAGE.match(path))


async def test_every_link_from_the_home_page_answers(datasette, built_db):
    seen, failures, queue = {"/"}, [], deque(["/"])
    while queue:
        path = queue.popleft()
        response = await datasette.client.get(path)
        if response.status_code != 200:
            failures.append((response.status_code, path))
            continue
        if not _expands(path) or "html" not in response.headers.get("content-type", ""):
            continue
        for link in _links(response.text):
            if link not in seen:
                seen.add(link)
                queue.append(link)
    assert failures == []
    pages = {urlsplit(path).path for path in seen}
    recommendation_ids = [row["id"] for row in sqlite_utils.Database(built_db)["recommendations"].rows]
    assert len(recommendation_ids) == 93
    from datasette.utils import tilde_encode

    assert {f"/kb/recommendations/{tilde_encode(i)}" for i in recommendation_ids} <= pages  # every row page reached
    assert {"/-/search", "/-/areas", "/-/compare", "/kb/documents", "/kb"} <= pages  # the navigation bar
    assert any(path.startswith("/-/thread/") for path in pages) and any(path.startswith("/r/") for path in pages)
    assert len(seen) > 1000


async def test_recommendation_page_reads_as_a_page(datasette):
    page = (await datasette.client.get("/kb/recommendations/cma-2023-policy-address~2F5")).text
    assert "<title>打造「港版中試」 · cma-2023-policy-address/5</title>" in page
    assert '<h1 class="kb-rec-title">打造「港版中試」</h1>' in page
    assert '<html lang="zh-Hant">' in page
    assert "Sub-items <span lang=\"zh-Hant\">分項</span> (5)" in page
    assert page.count('<a href="/kb/recommendations/cma-2023-policy-address~2F5~2E') == 5
    assert "Pilot-scale production" in page and "CMA&#39;s recommendations for the 2023 Policy Address" in page
    assert "lines 448–543 in the source" in page
    citation = re.search(r'<p class="kb-citation" id="kb-citation" lang="zh-Hant">(.*?)</p>', page).group(1)
    assert html.unescape(citation) == (
        "The Chinese Manufacturers' Association of Hong Kong (香港中華廠商聯合會). "
        "CMA's recommendations for the 2023 Policy Address (香港中華廠商聯合會對2023年施政報告的建議). 2023. "
        "Recommendation 5: 打造「港版中試」. http://localhost/r/cma-2023-policy-address/5 (kb id cma-2023-policy-address/5). "
        f"Accessed {citations.today()}."
    )
    assert 'class="kb-copy"' in page
    assert 'href="/-/thread/cma-2023-policy-address/5"' in page  # the thread page, reachable from the row


async def test_sub_item_links_its_parent_and_bdc_support_is_folded(datasette):
    page = (await datasette.client.get("/kb/recommendations/cma-2023-policy-address~2F5~2E3")).text
    assert "sub-item of <a href=\"/kb/recommendations/cma-2023-policy-address~2F5\">" in page
    bdc = (await datasette.client.get("/kb/recommendations/bdc-2020-brand-relaunch-survey~2F16")).text
    assert '<details class="kb-rec-support">' in bdc


async def test_sub_item_previews_are_cut_by_length_not_at_the_last_space(datasette):
    page = (await datasette.client.get("/kb/recommendations/cma-2023-policy-address~2F4")).text
    # 4.2's text has its only early space at character 143 (「產學研 1+計劃」): the preview runs on past it to 219 characters (line breaks counted)
    assert "允許非大學的民間科研中介機構亦可擔任「申請機構」的角色，並循專門的「通道」申請基金；鼓勵實業界特別是工…</p>" in page


async def test_permalinks_and_the_natural_url(datasette):
    permalink = await datasette.client.get("/r/cma-2023-policy-address/5.3")
    assert permalink.status_code == 200 and "設立專項扶持基金" in permalink.text
    natural = await datasette.client.get("/kb/recommendations/cma-2023-policy-address/5")
    assert natural.status_code == 302 and natural.headers["location"] == "/r/cma-2023-policy-address/5"
    assert (await datasette.client.get("/r/cma-2023-policy-address/99")).status_code == 404


async def test_not_found_is_a_kb_page_with_the_search_box(datasette):
    response = await datasette.client.get("/r/cma-2023-policy-address/99")
    assert response.status_code == 404
    assert "No recommendation &#39;cma-2023-policy-address/99&#39;" in response.text
    assert 'class="kb-search-box"' in response.text and 'class="kb-nav"' in response.text
    table = await datasette.client.get("/kb/nonsense")
    assert table.status_code == 404 and "<code>/kb/nonsense</code>" in table.text
    as_json = await datasette.client.get("/kb/recommendations/nope.json")
    assert as_json.status_code == 404 and as_json.json()["ok"] is False


async def test_documents_page_lists_documents_with_both_titles_and_counts(datasette):
    page = (await datasette.client.get("/kb/documents")).text
    titles = re.findall(r'<h2><a href="/kb/recommendations\?document_id=([a-z0-9-]+)">', page)
    assert titles[0] == "bdc-2020-brand-relaunch-survey" and titles[-1] == "hkpc-2025-manufacturing-study"  # by year
    assert "CMA&#39;s recommendations for the 2024-25 Budget" in page and "(published 2023-12)" in page
    assert "19 top-level rows 主要項目</a>, 10 sub-items" in page


async def test_navigation_bar_on_kb_and_datasette_pages(datasette):
    for path in ("/", "/kb", "/kb/documents", "/kb/recommendations", "/-/search?q=中試", "/-/areas", "/-/compare", "/-/responses",
                 "/-/source/cma-2024-budget", "/kb/recommendations/cma-2024-budget~2F1"):
        page = (await datasette.client.get(path)).text
        nav = re.search(r'<nav class="kb-nav".*?</nav>', page, re.S).group(0)
        labels = re.findall(r">(\w+) <span lang=\"zh-Hant\">", nav)
        assert labels == ["Search", "Recommendations", "Documents", "Areas", "Compare", "Responses", "SQL"], path


async def test_search_says_no_results_and_pages_through_all(datasette):
    none = (await datasette.client.get("/-/search?q=qqxzv")).text
    assert "No results for “qqxzv”" in none
    brand = (await datasette.client.get("/-/search?q=brand")).text
    total = int(re.search(r"<strong>(\d+)</strong> results for", brand).group(1))
    assert total > 20 and "showing 1–20" in brand and 'rel="next"' in brand
    second = (await datasette.client.get("/-/search?q=brand&page=2")).text
    assert f"showing 21–{min(40, total)}" in second
    assert len(re.findall(r'<a class="title"', brand)) == 20


async def test_search_says_what_a_typo_matched_and_filters_by_name(datasette):
    page = (await datasette.client.get("/-/search?q=新田科枝城")).text
    note = re.search(r'<p class="kb-note" lang="en">(.*?)</p>', page, re.S).group(1)
    assert "No exact match for “新田科枝城”" in note and "<mark lang=\"zh-Hant\">新田科技城</mark>" in note
    assert '<option value="cma">香港中華廠商聯合會 The Chinese Manufacturers&#39; Association of Hong Kong</option>' in page


async def test_compare_refuses_the_same_document_and_puts_documents_in_date_order(datasette):
    same = (await datasette.client.get("/-/compare?a=cma-2024-budget&b=cma-2024-budget")).text
    assert "Pick two different documents" in same and 'class="kb-pair' not in same
    reversed_ = (await datasette.client.get("/-/compare?a=cma-2024-budget&b=cma-2023-policy-address")).text
    assert "put in date order" in reversed_
    assert re.search(r"<h2 lang=\"en\">New in B 新提出</h2>\s*<ul class=\"kb-new\">\s*<li><a[^>]*>cma-2024-budget/", reversed_)


async def test_compare_across_publishers_speaks_of_asks_taken_up_and_keeps_weak_links_apart(datasette):
    page = (await datasette.client.get("/-/compare?a=bdc-2020-brand-relaunch-survey&b=cma-2023-policy-address")).text
    assert "Asks of A not taken up by B" in page and "Dropped from A" not in page
    own = (await datasette.client.get("/-/compare?a=cma-2023-policy-address&b=cma-2024-budget")).text
    weak_part = own.split("Weakly linked 弱關聯")[1]
    assert "score 8:" in weak_part and "score 8:" not in own.split("Weakly linked 弱關聯")[0]
    assert "unchanged sentences" in own and "<del>" in own and "<ins>" in own


async def test_areas_count_top_level_asks_and_keep_government_measures_apart(datasette):
    page = (await datasette.client.get("/-/areas")).text
    asks, government = page.split("Government measures")[0], page.split("Government measures")[1]
    pilot = re.search(r"pilot_production.*?</tr>", asks, re.S).group(0)
    assert re.findall(r">(\d+)</a>", pilot) == ["1", "1"]  # 2023 and 2024: one ask each, not 6 against 1
    assert "parent_id__isnull=1" in asks and "kind=measure" in government
    with_sub = (await datasette.client.get("/-/areas?sub=1")).text
    pilot = re.search(r"pilot_production.*?</tr>", with_sub.split("Government measures")[0], re.S).group(0)
    assert re.findall(r">(\d+)</a>", pilot) == ["6", "1"]
    assert "(published 2023-12)" in page  # the Budget submission counts in 2024


async def test_csv_for_excel_from_the_table_and_search(datasette):
    table = await datasette.client.get("/kb/recommendations.excelcsv?_size=max&parent_id__isnull=1")
    assert table.status_code == 200 and table.headers["content-type"] == "text/csv; charset=utf-8"
    assert table.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert len(rows) == 69 and rows[0]["permalink"].endswith("/r/bdc-2020-brand-relaunch-survey/1")
    assert rows[0]["area_en"] == "Governance, rule of law and business environment"
    found = await datasette.client.get("/-/search.csv?q=brand")
    assert found.content.startswith(b"\xef\xbb\xbf")
    assert len(list(csv.reader(io.StringIO(found.content.decode("utf-8-sig"))))) - 1 > 20  # all results, not one page
    page = (await datasette.client.get("/kb/recommendations?publisher_id=cma")).text
    assert "/kb/recommendations.excelcsv?publisher_id=cma&amp;_size=max" in page


def test_cells_that_start_like_formulas_are_neutralised():
    assert [neutralise(v) for v in ("=1+1", "+852", "-2", "@A1", "平常", 5)] == ["'=1+1", "'+852", "'-2", "'@A1", "平常", 5]


async def test_original_document_is_linked_and_served_from_the_sources_folder(built_db, tmp_path):
    db_path = tmp_path / "kb.db"
    db_path.write_bytes(built_db.read_bytes())
    db = sqlite_utils.Database(db_path)
    for column in ("url", "original_file"):
        if column not in db["documents"].columns_dict:
            db["documents"].add_column(column, str)
    db["documents"].update("cma-2024-budget", {"original_file": "cma-2024-budget.pdf"})
    db["documents"].update("cma-2023-policy-address", {"url": "https://example.org/cma-2023.pdf"})
    db["documents"].update("hkpc-2025-manufacturing-study", {"original_file": "../outside.pdf"})
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "cma-2024-budget.pdf").write_bytes(b"%PDF-1.4 test")
    (tmp_path / "outside.pdf").write_bytes(b"%PDF-1.4 outside")
    plugins = {"kb": {"sources": str(tmp_path / "sources")}}  # as kb serve configures the plugin
    datasette = Datasette([str(db_path)], immutables=[], metadata=dict(METADATA, plugins=plugins))
    budget = (await datasette.client.get("/r/cma-2024-budget/1")).text
    assert '<a href="/-/original/cma-2024-budget">/-/original/cma-2024-budget</a>' in budget
    served = await datasette.client.get("/-/original/cma-2024-budget")
    assert served.status_code == 200 and served.content == b"%PDF-1.4 test"
    assert served.headers["content-type"] == "application/pdf"
    assert 'href="https://example.org/cma-2023.pdf"' in (await datasette.client.get("/r/cma-2023-policy-address/1")).text
    assert (await datasette.client.get("/-/original/hkpc-2025-manufacturing-study")).status_code == 404  # outside the folder
    assert "/-/original/" not in (await datasette.client.get("/r/hkpc-2025-manufacturing-study/1")).text
    documents = (await datasette.client.get("/kb/documents")).text
    assert '<a href="/-/original/cma-2024-budget">original 原件</a>' in documents
