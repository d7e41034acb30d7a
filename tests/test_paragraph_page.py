"""A government paragraph's own page, through datasette.client: the paragraph
as numbered, where it sits, its lead or sub-items, its neighbours, the asks
it responds to, a citation; the permalink, the natural URL and a 404; the
paragraph's text escaped."""

import html
import re

import pytest
import yaml
from datasette.app import Datasette

from kb.web import citations

from tests.conftest import ROOT, SOURCES, changed_copy

METADATA = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
BUDGET, PA_2023 = "hksarg-2024-25-budget", "hksarg-2023-policy-address"
INJECTED = '<img src=x onerror="alert(1)">'


@pytest.fixture(scope="module")
def datasette(built_db):
    return Datasette([str(built_db)], immutables=[], metadata=METADATA)


def _asks(page: str) -> list[str]:
    """The ids of the asks listed as answered, in order."""
    section = page[page.index('<section class="kb-para-asks"'):]
    section = section[: section.index("</section>")]
    return [code for code in re.findall(r"<code>([^<]+)</code><br>", section) if " " not in code]  # not the review commands


async def test_budget_paragraph_page_shows_where_it_sits_and_the_asks_it_answers(datasette):
    # served with no sources folder configured: no original to link
    page = (await datasette.client.get(f"/kb/paragraphs/{BUDGET}~2F127")).text
    assert f"<title>二零二四至二五財政年度政府財政預算案 ¶ 127 · {BUDGET}/127</title>" in page
    assert '<h1 class="kb-rec-title">二零二四至二五財政年度政府財政預算案 ¶ 127</h1>' in page
    assert "加速推動高質量發展 › 加強支援技術轉移" in page  # chapter and section
    assert "page 35</span>" in page and "of the original" not in page and "lines 804–806 in the source" in page
    assert "每年向八所資助大學的技術轉移處，各提供不超過一千六百萬元資助。" in page
    # the two asks a reviewer confirmed it addresses, the CMA's 2023 ask first (the stronger); the rules no longer
    # relate the CMA's pilot-production ask to it (a reader labelled it neither)
    assert _asks(page) == ["cma-2023-policy-address/4", "cma-2024-budget/5"]
    assert "Asks it responds to" in page and "<strong>2 addressed</strong>" in page
    assert page.count("</span> <em>reviewed</em>") == 2 and "score " not in page.split("kb-para-asks")[1].split("</ol>")[0]
    assert "構建需求導向型創科體系" in page and "<summary>review</summary>" not in page  # both settled
    assert f"kb review cma-2023-policy-address/4 {BUDGET}/127" not in page  # settled: no commands offered
    assert f'<a rel="prev" href="/kb/paragraphs/{BUDGET}~2F126">← ¶ 126</a>' in page
    assert f'<a rel="next" href="/kb/paragraphs/{BUDGET}~2F128">¶ 128 →</a>' in page
    citation = re.search(r'<p class="kb-citation" id="kb-citation" lang="zh-Hant">(.*?)</p>', page).group(1)
    assert html.unescape(citation) == (
        "HKSAR Government (香港特別行政區政府). The 2024-25 Budget (二零二四至二五財政年度政府財政預算案). 2024-02-28. "
        "Paragraph 127: 為了讓大學加強支援技術轉移和市場拓展服務，我們會由二零二四／二五年度起，每年向八所資助大學的技術轉移處，各提供不超過一…, "
        f"p. 35. http://localhost/p/{BUDGET}/127 (kb id {BUDGET}/127). Accessed {citations.today()}."
    )
    assert f'href="/kb/paragraphs/{BUDGET}~2F127.json"' in page
    assert f'<a href="/-/responses/{BUDGET}">Everything this text took up 回應了哪些建議</a>' in page


async def test_sub_item_shows_its_lead_and_the_lead_lists_its_sub_items(datasette):
    page = (await datasette.client.get(f"/p/{PA_2023}/116.2")).text
    assert f'sub-item of <a href="/kb/paragraphs/{PA_2023}~2F116">¶ 116</a>' in page
    assert '<blockquote class="kb-para-lead">' in page and "政府也會加強支援在職家庭育兒" in page
    assert "增加幼兒中心名額和津貼" in page and "page 52" in page
    assert _asks(page) == ["cma-2023-policy-address/11"]  # the childcare places the CMA asked for, confirmed
    assert f'rel="prev" href="/kb/paragraphs/{PA_2023}~2F116.1"' in page.replace("~2E", ".")
    lead = (await datasette.client.get(f"/kb/paragraphs/{PA_2023}~2F116")).text
    assert "Sub-items <span lang=\"zh-Hant\">分項</span> (4)" in lead
    assert lead.count(f'<a href="/kb/paragraphs/{PA_2023}~2F116~2E') == 4
    assert "No ask in the knowledge base was found to be answered by this paragraph." in lead


async def test_permalink_natural_url_and_unknown_paragraph(datasette):
    permalink = await datasette.client.get(f"/p/{BUDGET}/127")
    assert permalink.status_code == 200 and '<link rel="canonical" href="http://localhost/p/' in permalink.text
    natural = await datasette.client.get(f"/kb/paragraphs/{BUDGET}/127")
    assert natural.status_code == 302 and natural.headers["location"] == f"/p/{BUDGET}/127"
    missing = await datasette.client.get(f"/p/{BUDGET}/999")
    assert missing.status_code == 404 and f"No government paragraph &#39;{BUDGET}/999&#39;" in missing.text
    as_json = await datasette.client.get(f"/kb/paragraphs/{BUDGET}~2F127.json?_shape=objects")
    assert as_json.json()["rows"][0]["page"] == 35


async def test_scorecard_evidence_links_to_the_paragraph_page(datasette):
    card = (await datasette.client.get("/-/responses/cma-2023-policy-address")).text
    assert f'<a href="/kb/paragraphs/{PA_2023}~2F61~2E2">¶ 61.2</a>' in card  # the microelectronics institute
    page = (await datasette.client.get(f"/kb/paragraphs/{PA_2023}~2F61~2E2")).text
    assert _asks(page)[0] == "cma-2023-policy-address/7"
    assert "<em>reviewed</em>" in page  # a reviewer confirmed what the rules found


async def test_rule_responses_offer_the_commands_that_settle_them(datasette):
    page = (await datasette.client.get(f"/p/{PA_2023}/61.5")).text  # the new fund: two asks it relates to
    asks = page.split('<section class="kb-para-asks"')[1].split("</ol>")[0]
    assert asks.count("<summary>review</summary>") == 1  # the one the rules found; the reviewed one has none
    assert f"<code>kb review cma-2023-policy-address/3 {PA_2023}/61.5 --confirm --relation related</code>" in asks
    assert f"<code>kb review cma-2023-policy-address/3 {PA_2023}/61.5 --reject</code>" in asks
    assert f"<code>kb review cma-2023-policy-address/3 {PA_2023}/61.5 --confirm</code> <small>(it addresses the ask)</small>" in asks


async def test_paragraph_text_and_ask_titles_are_escaped(built_db, tmp_path):
    path = changed_copy(built_db, tmp_path,
                        ("update paragraphs set text = text || ? where id = ?", [INJECTED, f"{BUDGET}/127"]),
                        ("update recommendations set title = title || ? where id = ?", [INJECTED, "cma-2024-budget/5"]))
    page = (await Datasette([str(path)], immutables=[], metadata=METADATA).client.get(f"/p/{BUDGET}/127")).text
    assert INJECTED not in page
    assert page.count("&lt;img src=x onerror=") == 2  # in the paragraph's text and in the ask's title, as text


async def test_the_page_links_that_page_of_the_original_pdf(built_db):
    plugins = {"kb": {"sources": str(SOURCES)}}  # as kb serve configures the plugin
    datasette = Datasette([str(built_db)], immutables=[], metadata=dict(METADATA, plugins=plugins))
    page = (await datasette.client.get(f"/p/{BUDGET}/127")).text
    assert f'<a href="/-/original/{BUDGET}#page=35">page 35 of the original 原件</a>' in page
