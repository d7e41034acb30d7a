"""What a government text took up: kb.read.uptake on the knowledge base built from
the real sources, `kb responses` on a government text through CliRunner, and
the page at /-/responses/<government text> and the index through
datasette.client."""

import csv
import io
import json
import sqlite3

import pytest
import yaml
from click.testing import CliRunner
from datasette.app import Datasette

from kb.build.pipeline import build
from kb.cli import cli
from kb.read.uptake import government_texts, publishers_answered, uptake
from tests.conftest import ROOT, changed_copy

METADATA = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
PA_2020, PA_2023, BUDGET = "hksarg-2020-policy-address", "hksarg-2023-policy-address", "hksarg-2024-25-budget"


@pytest.fixture(scope="module")
def datasette(built_db):
    return Datasette([str(built_db)], immutables=[], metadata=METADATA)


def test_the_2020_policy_address_took_up_five_of_the_bdc_asks(built_db):
    taken = uptake(sqlite3.connect(built_db), PA_2020)
    assert taken.summary == "The 2020 Policy Address addressed 5 asks, in 5 paragraphs, and related to 7 more, of 1 document."
    assert [p.number for p in taken.addressing] == ["22", "24", "60", "67", "68"]  # in the speech's order
    assert [p.number for p in taken.relating] == ["53", "69", "73", "104", "139", "140", "148", "162"]
    p68 = taken.addressing[-1]  # the SME one-stop funding support unit: two BDC asks on funds, then related ones
    assert [(a.recommendation_id, a.relation, a.method) for a in p68.asks][:3] == [
        ("bdc-2020-brand-relaunch-survey/8", "addresses", "manual"),
        ("bdc-2020-brand-relaunch-survey/15", "addresses", "manual"),
        ("bdc-2020-brand-relaunch-survey/17", "related", "rule"),
    ]
    # the BDC's asks read with their supporting text (its funding chapter) relate to it: six by the rules
    assert [a.relation for a in p68.asks].count("related") == 6
    assert p68.page == 32 and p68.asks[0].publisher_zh == "香港品牌發展局" and p68.asks[0].status == "addressed"


def test_the_budget_took_up_asks_of_three_documents(built_db):
    taken = uptake(sqlite3.connect(built_db), BUDGET)
    assert taken.counts == {"addressed": 12, "related only": 23, "addressing paragraphs": 17, "documents": 3}
    p127 = next(p for p in taken.paragraphs if p.number == "127")
    assert [a.recommendation_id for a in p127.asks] == ["cma-2023-policy-address/4", "cma-2024-budget/5"]
    assert {a.document_id for p in taken.paragraphs for a in p.asks} == {
        "bdc-2020-brand-relaunch-survey", "cma-2023-policy-address", "cma-2024-budget"}


def test_government_texts_newest_first_with_their_counts(built_db):
    rows = [(t["id"], t["paragraphs"], t["addressed"], t["related_only"]) for t in government_texts(sqlite3.connect(built_db))]
    assert rows[:2] == [(BUDGET, 249, 12, 23), (PA_2023, 171, 13, 22)] and rows[-1] == (PA_2020, 167, 5, 7)
    assert [row[0] for row in rows[2:5]] == ["hksarg-2023-24-budget", "hksarg-2022-policy-address", "hksarg-2021-policy-address"]


def test_uptake_refuses_a_submission_and_an_unknown_document(built_db):
    conn = sqlite3.connect(built_db)
    with pytest.raises(LookupError, match="'cma-2023-policy-address' is not a government text"):
        uptake(conn, "cma-2023-policy-address")
    with pytest.raises(LookupError, match="no document 'hksarg-1999-budget'"):
        uptake(conn, "hksarg-1999-budget")


def test_kb_responses_on_a_government_text_lists_what_it_took_up(built_db):
    result = CliRunner().invoke(cli, ["responses", PA_2020, "-d", str(built_db)], catch_exceptions=False)
    lines = result.output.splitlines()
    assert result.exit_code == 0 and lines[0].startswith("The 2020 Policy Address addressed 5 asks")
    assert lines[2] == "Address an ask:" and lines[3].startswith(f"{PA_2020}/22, p. 17  為促進香港社會對法治的正確理解")
    assert "    addresses reviewed: bdc-2020-brand-relaunch-survey/8 「中小企業市場推廣基金」資助更多品牌推廣活動，並引入「循環申請機制」" in lines
    assert "Only relate to an ask:" in lines and "    related 45: bdc-2020-brand-relaunch-survey/17 協助商會等機構舉辦全港性、線上線下並舉的促銷活動或展覽展銷會" in lines
    data = json.loads(CliRunner().invoke(cli, ["responses", BUDGET, "-d", str(built_db), "--json"]).output)
    assert data["counts"]["addressed"] == 12 and len(data["paragraphs"]) == 75
    assert data["paragraphs"][0]["asks"][0]["recommendation_id"] == "cma-2024-budget/10"  # ¶ 3, the night economy: related


async def test_government_text_page_puts_the_paragraphs_that_address_an_ask_first(datasette):
    page = (await datasette.client.get(f"/-/responses/{BUDGET}")).text
    assert "<title>What it took up: 二零二四至二五財政年度政府財政預算案</title>" in page
    assert 'id="kb-counts" lang="en">The 2024-25 Budget addressed 12 asks, in 17 paragraphs, and related to 23 more, of 3 documents.' in page
    addressing, related = page.split('id="kb-addressing"')[1].split('id="kb-relating"')
    assert addressing.count('<tr id="p-') == 17 and related.count('<tr id="p-') == 58
    assert '<tr id="p-127">' in addressing and '<tr id="p-3">' in related
    assert f'<a href="/kb/paragraphs/{BUDGET}~2F127">¶ 127</a>, p. 35' in addressing
    assert '<a href="/kb/recommendations/cma-2023-policy-address~2F4" lang="zh-Hant">構建需求導向型創科體系</a>' in addressing
    as_json = (await datasette.client.get(f"/-/responses/{BUDGET}?_format=json")).json()
    assert as_json["counts"]["addressing paragraphs"] == 17


async def test_responses_index_lists_the_government_texts(datasette):
    page = (await datasette.client.get("/-/responses")).text
    government = page.split('id="kb-government"')[1]
    assert government.index(f'href="/-/responses/{BUDGET}"') < government.index(f'href="/-/responses/{PA_2020}"')
    assert '<td class="n">249</td><td class="n">12</td><td class="n">23</td>' in government


async def test_government_text_page_escapes_paragraphs_and_ask_titles(built_db, tmp_path):
    injected = '<img src=x onerror="alert(1)">'
    path = changed_copy(built_db, tmp_path,
                        ("update paragraphs set text = ? || text where id = ?", [injected, f"{PA_2020}/68"]),
                        ("update recommendations set title = title || ? where id = ?", [injected, "bdc-2020-brand-relaunch-survey/8"]))
    page = (await Datasette([str(path)], immutables=[], metadata=METADATA).client.get(f"/-/responses/{PA_2020}")).text
    assert injected not in page and page.count("&lt;img src=x onerror=") == 4  # ¶ 68's text; ask 8's title, at ¶ 68, ¶ 69 and ¶ 73


async def test_a_government_text_with_no_submission_before_it_took_up_nothing(sources_copy, tmp_path):
    entries = yaml.safe_load((sources_copy / "manifest.yml").read_text(encoding="utf-8"))
    kept = [entry for entry in entries if entry["id"] in (PA_2020, "cma-2024-budget")]  # the CMA's asks came after it
    (sources_copy / "manifest.yml").write_text(yaml.safe_dump(kept, allow_unicode=True, sort_keys=False), encoding="utf-8")
    for name in ("area_overrides.yml", "link_reviews.yml", "response_reviews.yml"):  # they name rows of the others
        (sources_copy / name).unlink()
    db_path = tmp_path / "kb.db"
    build(sources_copy, db_path)
    taken = uptake(sqlite3.connect(db_path), PA_2020)
    assert taken.paragraphs == [] and taken.summary == (
        "The 2020 Policy Address addressed 0 asks, in 0 paragraphs, and related to 0 more, of 0 documents.")
    page = (await Datasette([str(db_path)], immutables=[], metadata=METADATA).client.get(f"/-/responses/{PA_2020}")).text
    assert "No paragraph of it was found to respond to an ask" in page and 'id="kb-addressing"' not in page
    index = (await Datasette([str(db_path)], immutables=[], metadata=METADATA).client.get("/-/responses")).text
    assert '<td class="n">167</td><td class="n">0</td><td class="n">0</td>' in index.split('id="kb-government"')[1]


async def test_csv_for_excel_of_what_a_text_took_up_and_of_a_scorecard(datasette):
    took_up = await datasette.client.get(f"/-/responses/{BUDGET}?_format=csv")
    assert took_up.headers["content-disposition"] == f'attachment; filename="{BUDGET}-took-up.csv"'
    assert took_up.text.startswith("\ufeffparagraph_id,paragraph_permalink,paragraph_number,paragraph_page,")
    rows = list(csv.DictReader(io.StringIO(took_up.text.removeprefix("\ufeff"))))
    assert len(rows) == 165  # one per paragraph and ask: 17 paragraphs address asks, 58 relate
    paragraphs = list(dict.fromkeys(row["paragraph_id"] for row in rows))
    assert len(paragraphs) == 75 and paragraphs[0] == f"{BUDGET}/39" and paragraphs[16:18] == [f"{BUDGET}/200", f"{BUDGET}/3"]
    assert (rows[0]["paragraph_permalink"], rows[0]["ask_permalink"]) == (
        f"http://localhost/p/{BUDGET}/39", "http://localhost/r/cma-2023-policy-address/12")
    assert (rows[0]["ask_title"], rows[0]["method"], rows[0]["ask_status"]) == ("強化人才儲備", "manual", "addressed")
    card = await datasette.client.get("/-/responses/cma-2023-policy-address?_format=csv")
    asks = list(csv.DictReader(io.StringIO(card.text.removeprefix("\ufeff"))))
    assert len(asks) == 194 and len({row["ask_id"] for row in asks}) == 19  # every ask, a row per piece of evidence
    first = asks[0]
    assert (first["ask_id"], first["status"], first["evidence_paragraph_id"], first["evidence_relation"]) == (
        "cma-2023-policy-address/1", "possible response", f"{PA_2023}/61.1", "related")
    page = (await datasette.client.get(f"/-/responses/{BUDGET}")).text
    assert f'<a href="/-/responses/{BUDGET}?_format=csv">Download CSV for Excel 下載</a>' in page


def test_one_publishers_asks(built_db):
    conn = sqlite3.connect(built_db)
    assert [(p["id"], p["asks"]) for p in publishers_answered(conn, BUDGET)] == [("cma", 32), ("bdc", 3)]  # the BDC's 2020 asks: only the verdicts a reviewer gave, the Budget being past their three years
    cma = uptake(conn, BUDGET, "cma")
    assert cma.summary == "The 2024-25 Budget addressed 9 asks of the CMA, in 15 paragraphs, and related to 23 more, of 2 documents."
    assert {ask.publisher_id for p in cma.paragraphs for ask in p.asks} == {"cma"} and all(p.asks for p in cma.paragraphs)
    assert uptake(conn, BUDGET, "hkpc").paragraphs == []  # the HKPC's study came after it


async def test_the_page_and_kb_responses_keep_one_publishers_asks(datasette, built_db):
    page = (await datasette.client.get(f"/-/responses/{BUDGET}?publisher=bdc")).text
    assert "The 2024-25 Budget addressed 3 asks of the BDC, in 3 paragraphs, and related to 0 more, of 1 document." in page
    assert f'<a href="/-/responses/{BUDGET}">all 全部</a>' in page and '<strong aria-current="true"><span lang="zh-Hant">香港品牌發展局</span> (3)</strong>' in page
    assert f'href="/-/responses/{BUDGET}?_format=csv&amp;publisher=bdc"' in page
    assert "cma-2023-policy-address/" not in page.split('id="kb-addressing"')[1]
    as_csv = await datasette.client.get(f"/-/responses/{BUDGET}?_format=csv&publisher=bdc")
    assert as_csv.headers["content-disposition"] == f'attachment; filename="{BUDGET}-took-up-bdc.csv"'
    bad = await datasette.client.get(f"/-/responses/{BUDGET}?publisher=nobody")
    assert bad.status_code == 400 and "publisher must be a publisher&#39;s id such as cma, not &#39;nobody&#39;" in bad.text
    result = CliRunner().invoke(cli, ["responses", BUDGET, "--publisher", "bdc", "-d", str(built_db)])
    assert result.exit_code == 0 and result.output.startswith("The 2024-25 Budget addressed 3 asks of the BDC")
    wrong = CliRunner().invoke(cli, ["responses", "cma-2024-budget", "--publisher", "cma", "-d", str(built_db)])
    assert wrong.exit_code == 2 and "--publisher is for a government text; 'cma-2024-budget' is not one" in wrong.output
    unknown = CliRunner().invoke(cli, ["responses", BUDGET, "--publisher", "nobody", "-d", str(built_db)])
    assert unknown.exit_code == 2 and "no publisher 'nobody'" in unknown.output
