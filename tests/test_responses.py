"""Government responses: the rules against the hand labels, the reviewer's
verdicts, statuses and threads, `kb responses`, search over paragraphs, and
the scorecard and row pages through Datasette."""

import json
import sqlite3
import sys

import pytest
import sqlite_utils
import yaml
from click.testing import CliRunner
from datasette.app import Datasette

from kb.rules import responses as kb_responses
from kb.build.pipeline import build
from kb.cli import cli
from kb.records import Document, Recommendation
from kb.read.scorecard import shared_runs
from kb.read.search import search
from tests.conftest import ROOT, changed_copy

sys.path.insert(0, str(ROOT / "scripts"))
import response_accuracy  # noqa: E402

CMA_2023, PA_2023 = "cma-2023-policy-address", "hksarg-2023-policy-address"


@pytest.fixture(scope="module")
def calibration():
    return response_accuracy.accuracy_of(part="calibration")


@pytest.fixture(scope="module")
def held_out():
    return response_accuracy.accuracy_of(part="held-out")


def test_labels_cover_every_pair_of_the_window_and_name_real_paragraphs(built_db):
    labels, held = response_accuracy.read_labels()
    assert {label.ask.split("/")[0] for label in labels} == {CMA_2023, "cma-2024-budget", "bdc-2020-brand-relaunch-survey"}
    assert len(labels) == 19 + 13 + 18 + 19 + 18 + 18 + 3 * 18
    assert held == set()  # every set here is calibration; the next held-out set comes in a file of its own
    assert len({(label.ask, label.document) for label in labels}) == len(labels)
    db = sqlite_utils.Database(built_db)
    known = {row["id"] for row in db["paragraphs"].rows}
    assert {pid for label in labels for pid in label.addresses + label.related} <= known
    labelled_pairs = {(label.ask.split("/")[0], label.document) for label in labels}
    window = set(db.execute("select value from build_info where key = 'answered_pairs'").fetchone()[0].strip("[]").split("], ["))
    assert len(window) == 8 and all(tuple(pair.strip('"').split('", "')) in labelled_pairs for pair in window)


def test_rules_rank_the_labelled_responses(calibration, held_out):
    # Measured by the rules alone (scripts/response_accuracy.py); the README
    # gives the figures.  Every labelled set is calibration now (the held-out
    # sets of before, measured at 9, 10 and 0 of 0 below, were tuned on after):
    # floors, so a change that makes them worse fails.  The next held-out set
    # comes in a file of its own (--labels).
    assert (calibration.cases, calibration.labelled, held_out.cases) == (45, 68, 0)
    assert calibration.cases_top >= 36 and calibration.cases_wide >= 41
    assert calibration.labelled - len(calibration.missed) >= 42
    assert (calibration.right, calibration.found) == (7, 8)


FRESH = ROOT / "tests" / "response_labels_fresh.yml"
FRESH_2 = ROOT / "tests" / "response_labels_fresh2.yml"
FRESH_3 = ROOT / "tests" / "response_labels_fresh3.yml"


@pytest.mark.parametrize("path, entries", [(FRESH, 19 + 13 + 7 + 7), (FRESH_2, 13 + 19 + 7 + 13), (FRESH_3, 19 + 13 + 7 + 7)])
def test_fresh_held_out_labels_name_real_asks_and_paragraphs(built_db, path, entries):
    labels, held = response_accuracy.read_labels(extra=(path,))
    fresh = [label for label in labels if response_accuracy.is_held_out(label, held)]
    assert len(fresh) == entries
    db = sqlite_utils.Database(built_db)
    assert {label.ask for label in fresh} <= {row["id"] for row in db["recommendations"].rows}
    known = {row["id"] for row in db["paragraphs"].rows}
    assert {pid for label in fresh for pid in label.addresses + label.related} <= known


# (cases, labelled paragraphs, cases in the top 3 and top 10, paragraphs in the top 3, addresses right and claimed)
@pytest.mark.parametrize("path, figures", [
    # tests/response_labels_fresh.yml: held out once (5 of 10 addresses
    # right, docs/responses.md), calibration since: the addresses claim was
    # reworked on all thirteen sets.  The ranking is untouched by it.
    (FRESH, (23, 55, 19, 22, 25, 4, 5)),
    # tests/response_labels_fresh2.yml: written by reading only the asks and
    # the speeches, before the addresses claim's rework, and measured once
    # after it (docs/responses.md): the ranking and the claim both fall
    # short of the aims (75% and 90% of cases, 80% of claims right).
    # Since, calibration too: the claim's need of a shared concept was
    # written after reading its wrong claims (one of the four is gone).
    (FRESH_2, (18, 37, 13, 16, 18, 4, 7)),
    # tests/response_labels_fresh3.yml: written by reading only, kept apart
    # while the claim's need of a shared concept was written on the others,
    # measured once after it was committed: 75% of cases in the top three
    # (the aim), 87.5% in the top ten (aim 90%), 4 of 7 claims right (aim 80%).
    (FRESH_3, (16, 28, 12, 14, 17, 4, 7)),
])
def test_rules_on_the_fresh_labels(path, figures):
    fresh = response_accuracy.accuracy_of(part="held-out", extra=(path,))
    assert (fresh.cases, fresh.labelled, fresh.cases_top, fresh.cases_wide, fresh.labelled - len(fresh.missed),
            fresh.right, fresh.found) == figures


def test_a_claim_reads_the_asking_clause_and_the_kind_of_change():
    from kb.rules import claims
    units = claims.claim_units("推動轉型", (), ("企業應引入人工智能。因應人才外流，政府應擴大計劃的適用範圍。"
                                               "本會建議，除了資助新生產線之外，亦應資助改良現有設施。",),
                               kb_responses.ASK_WORDS)
    clauses = [clause for clause, _ in units]
    texts = [text for _, text in units]
    assert len(units) == 3  # the title and two sentences: the firms' sentence asks firms, not the government
    assert "人才外流" not in texts[1] and "适用范围" in texts[1]  # a reason's clause is left out
    assert claims.change_kind(clauses[1]) == "widen"
    assert "新生产线" not in clauses[2] and claims.change_kind(clauses[2]) == "fund"  # what exists already
    assert claims.change_kind("推动转型") is None
    assert claims.does_kind("widen", "放宽申请资格") and not claims.does_kind("widen", "资助更多生产线")
    assert claims.does_kind(None, "任何段落")


def test_a_claim_rests_on_a_concept_the_ask_and_the_paragraph_share():
    rows, paragraphs, _ = response_accuracy.parsed_sources(ROOT / "sources")
    asks = [row for row in rows if row.document_id == "cma-2024-budget"]
    speech = [p for p in paragraphs if p.document_id == "hksarg-2022-policy-address"]
    found = {(r.recommendation_id, r.paragraph_id): r.relation for r in kb_responses.rule_responses(asks, speech)}
    # an office to run the night economy and a construction paragraph share
    # only plain words (統籌, 拆牆鬆綁): related at most, no claim
    assert found.get(("cma-2024-budget/10", "hksarg-2022-policy-address/57")) != "addresses"
    # rates and salaries-tax relief asked for, and relief given: both name the concept
    assert found[("cma-2024-budget/7", "hksarg-2022-policy-address/46.4")] == "addresses"
    assert kb_responses.is_concept("=rates-and-tax-relief") and not kb_responses.is_concept("统筹")


def test_figures_by_set_add_up(calibration):
    by_set = response_accuracy.accuracy_by_set(part="all")
    assert len(by_set) == 9
    assert sum(a.cases_top for a in by_set.values()) == calibration.cases_top
    assert sum(a.cases_wide for a in by_set.values()) == calibration.cases_wide


def test_variants_share_a_gloss_in_cc_cedict():
    from kb.rules.synonyms import variants
    assert "延期" in variants("延长") and "延长" in variants("延期")  # "to extend", "to delay"
    assert "保障" in variants("保护")  # "to safeguard": few words share it
    assert "推广" not in variants("延长")  # "to extend" alone is too general
    assert "延期" not in variants("延期")


def test_a_variant_counts_below_the_word_itself(monkeypatch):
    asks = [Recommendation("d/1", "d", "1", 1, "加強保護知識產權", "加強保護知識產權。", 2020, 1, 1)]
    others = ["興建公營房屋", "改善交通配套", "推廣旅遊", "醫療服務", "教育發展", "體育盛事", "文化藝術", "環境保育"]
    paragraphs = [paragraph("g/1", "保護知識產權"), paragraph("g/2", "保障知識產權")]
    paragraphs += [paragraph(f"g/{n}", text) for n, text in enumerate(others, 3)]
    evidence = dict((pid, raw) for raw, pid in kb_responses.score_pair(asks, paragraphs).evidence["d/1"])
    monkeypatch.setattr(kb_responses, "VARIANT_WEIGHT", 0.0)
    without = dict((pid, raw) for raw, pid in kb_responses.score_pair(asks, paragraphs).evidence["d/1"])
    assert evidence["g/1"] > evidence["g/2"] > without["g/2"]  # 保障 for 保護: "to safeguard"
    assert set(evidence) == {"g/1", "g/2"}


def paragraph(pid, text):
    from kb.records import Paragraph
    return Paragraph(pid, pid.split("/")[0], pid.split("/")[1], int(pid.split("/")[1]), text, 1, 1)


def test_a_sentence_asks_by_its_words_not_by_a_character():
    assert kb_responses.asks("特区政府应尽快启动检视")
    assert kb_responses.asks("本会建议政府加强支援")
    assert not kb_responses.asks("令本地就业市场供不应求的矛盾进一步凸显")
    assert not kb_responses.asks("为应对国际间的人才争夺战")


def test_leads_places_and_targets_do_not_address():
    rows, paragraphs, documents = response_accuracy.parsed_sources(ROOT / "sources")
    found = {(r.recommendation_id, r.paragraph_id): r.relation for r in kb_responses.compute_responses(rows, paragraphs, documents)}
    # 154 leads the climate measures 154.1-154.4: a sub-item may address, its lead only relates
    assert found.get((f"{CMA_2023}/10", f"{PA_2023}/154")) != "addresses"
    # a paragraph sharing only the place: the Northern Metropolis, the Loop's park
    assert found[(f"{CMA_2023}/14", f"{PA_2023}/80")] == "related"
    assert found[("cma-2024-budget/6", "hksarg-2024-25-budget/122")] == "related"
    # but an ask whose title names the place keeps it as its subject
    assert "@loop" in kb_responses.place_terms() and "河套" in kb_responses.place_terms()
    assert "科技" not in kb_responses.place_terms() and "香港" not in kb_responses.place_terms()
    # 碳中和 is a target every climate paragraph repeats: solar panels on a
    # government building are no answer to SMEs' low-carbon shift
    assert found.get(("cma-2024-budget/11", "hksarg-2024-25-budget/85")) != "addresses"


def test_slogans_topped_up_funds_and_topics_do_not_address():
    rows, paragraphs, documents = response_accuracy.parsed_sources(ROOT / "sources")
    found = {(r.recommendation_id, r.paragraph_id): r.relation for r in kb_responses.compute_responses(rows, paragraphs, documents)}
    # the BUD Fund topped up is the best match of three CMA 2024-25 asks: a topic they share, not one's measure
    assert found.get(("cma-2024-budget/8", "hksarg-2024-25-budget/53")) == "related"
    # 新型工業化 is a slogan: the office named after it is no industrial policy
    assert found.get((f"{CMA_2023}/1", f"{PA_2023}/61.1")) != "addresses"
    assert found[(f"{CMA_2023}/7", f"{PA_2023}/61.2")] == "addresses"
    assert found[(f"{CMA_2023}/4", f"{PA_2023}/61.4")] == "addresses"


def test_a_paragraph_that_describes_a_topic_is_no_measure():
    assert kb_responses.is_measure("促進微電子研發 —— 明年內成立「香港微電子研發院」")
    assert kb_responses.is_measure("寬減二零二四／二五年度首季的住宅物業差餉，以每戶一千元為上限。政府收入將減少二十六億元")
    assert not kb_responses.is_measure("寬減二零二四／二五年度首季的住宅物業差餉")  # an action, no commitment
    assert not kb_responses.is_measure("創新科技地帶 —— 覆蓋新田科技城，包括河套區港深創科園在內，為創科發展的樞紐")


def test_terms_join_variants_and_weigh_words_by_general_rarity():
    childcare = kb_responses.terms("增加資助本地的託兒服務設施")
    centres = kb_responses.terms("分階段增設十所資助獨立幼兒中心")
    assert "=childcare" in childcare and "=childcare" in centres
    assert "@rcep" in kb_responses.terms("爭取早日加入《區域全面經濟夥伴關係協定》")
    assert kb_responses.specificity("差饷") > 1 > 0.2 > kb_responses.specificity("活动")
    assert "政府" not in kb_responses.terms("政府會推出差餉寬減")  # generic
    # fillers rare in jieba's dictionary, but they say nothing of the subject: the BDC's ask for law and order
    # "政府與社會各界攜手恢復和維持法治" ranked a climate paragraph first for 社會各界攜手
    assert set(kb_responses.terms("政府與社會各界攜手恢復和維持法治")) == {"恢复", "维持", "法治"}
    assert "新型工业化" not in str(kb_responses.terms("推動「新型工業化」", {"新型工业化"}))


def test_slogans_are_found_by_how_often_they_are_quoted_or_listed():
    rows = [Recommendation(f"d/{n}", "d", str(n), n, "「智慧港口」", "推動「智慧港口」", 2023, 1, 1) for n in range(1, 10)]
    rows.append(Recommendation("d/10", "d", "10", 10, "「港版中試」", "", 2023, 1, 1))
    assert kb_responses.quoted_slogans(rows, []) == {"智慧港口"}
    # kb/data/slogans.yml: slogans whatever the pair
    assert {"新型工业化", "一国两制"} <= kb_responses.slogans_of(rows[-1:], []) and "港版中试" not in kb_responses.slogans_of(rows, [])


def test_reviews_confirm_reject_and_set_a_status(sources_copy, tmp_path):
    reviews = [
        {"recommendation": f"{CMA_2023}/13", "paragraph": f"{PA_2023}/57.5", "verdict": "confirm", "relation": "addresses"},
        {"recommendation": f"{CMA_2023}/12", "paragraph": f"{PA_2023}/57.3", "verdict": "reject"},
        {"recommendation": f"{CMA_2023}/9", "paragraph": f"{PA_2023}/69.1", "verdict": "confirm", "relation": "related",
         "note": "a new tranche of the BUD Fund, not its rules changed as asked"},
        {"recommendation": f"{CMA_2023}/19", "status": "rejected", "note": "the government said no"},
    ]
    (sources_copy / "response_reviews.yml").write_text(yaml.safe_dump(reviews, allow_unicode=True), encoding="utf-8")
    build(sources_copy, tmp_path / "kb.db")
    db = sqlite_utils.Database(tmp_path / "kb.db")
    added = db["responses"].get((f"{CMA_2023}/13", f"{PA_2023}/57.5"))  # the rules do not find it: added
    assert (added["relation"], added["method"], added["score"]) == ("addresses", "manual", 100)
    assert not db.execute("select count(*) from responses where recommendation_id = ? and paragraph_id = ?",
                          [f"{CMA_2023}/12", f"{PA_2023}/57.3"]).fetchone()[0]  # the rules' wrong addresses, rejected
    fixed = db["responses"].get((f"{CMA_2023}/9", f"{PA_2023}/69.1"))
    assert (fixed["relation"], fixed["method"]) == ("related", "manual")
    status = db["response_status"].get(f"{CMA_2023}/13")
    assert (status["status"], status["first_document_id"], status["latest_document_id"]) == ("addressed", PA_2023, PA_2023)
    rejected = db["response_status"].get(f"{CMA_2023}/19")
    assert (rejected["status"], rejected["method"], rejected["note"]) == ("rejected", "manual", "the government said no")


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"recommendation": "nope/1", "status": "rejected"}, "no such recommendation or paragraph: nope/1"),
        ({"recommendation": f"{CMA_2023}/1", "paragraph": f"{PA_2023}/1", "verdict": "maybe"}, "verdict must be confirm or reject"),
        ({"recommendation": f"{CMA_2023}/1"}, "give a paragraph and verdict, or a status"),
        ({"recommendation": f"{CMA_2023}/1", "status": "x", "colour": "red"}, "unknown keys colour"),
    ],
)
def test_a_bad_review_stops_the_build_naming_the_file(sources_copy, tmp_path, entry, message):
    (sources_copy / "response_reviews.yml").write_text(yaml.safe_dump([entry], allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", "-s", str(sources_copy), "-d", str(tmp_path / "kb.db")])
    assert result.exit_code == 1
    assert "response_reviews.yml" in result.output and message in result.output
    assert not (tmp_path / "kb.db").exists()


def test_every_ask_has_one_status_and_responses_come_later(built_db):
    db = sqlite_utils.Database(built_db)
    asks = db.execute("select count(*) from recommendations where parent_id is null and kind = 'recommendation'").fetchone()[0]
    assert db["response_status"].count == asks == 18 + 19 + 13 + 7
    statuses = {row["status"] for row in db["response_status"].rows}
    assert statuses <= {"addressed", "possible response", "no response found", "no later government text"}
    earlier = db.execute(
        """select count(*) from responses r join recommendations a on a.id = r.recommendation_id
           join documents da on da.id = a.document_id join paragraphs p on p.id = r.paragraph_id
           join documents dp on dp.id = p.document_id where dp.published <= da.published"""
    ).fetchone()[0]
    assert earlier == 0
    hkpc = db.execute("select count(*) from responses where recommendation_id like 'hkpc-%'").fetchone()[0]
    assert hkpc == 0  # published in 2025: no later government text


def test_asks_with_no_later_government_text_are_not_unanswered(built_db):
    """The HKPC's 2025 study came after every government text in the knowledge
    base: its asks say so, and are not counted or listed as unanswered."""
    db = sqlite_utils.Database(built_db)
    by_status = dict(db.execute("select status, count(*) from response_status where recommendation_id like 'hkpc-%' group by status").fetchall())
    assert by_status == {"no later government text": 7}
    others = {row[0] for row in db.execute("select status from response_status where recommendation_id not like 'hkpc-%'")}
    assert "no later government text" not in others  # every other document has a later Policy Address or Budget
    unanswered = [row[0] for row in db.execute(
        "select r.id from response_status s join recommendations r on r.id = s.recommendation_id where s.status = 'no response found'")]
    assert unanswered and not [rid for rid in unanswered if rid.startswith("hkpc-")]
    result = CliRunner().invoke(cli, ["responses", "hkpc-2025-manufacturing-study", "-d", str(built_db)], catch_exceptions=False)
    assert result.output.splitlines()[0] == (
        "Of the HKPC's 7 asks: 0 addressed, 0 possible response, 0 no response found, 7 no later government text")
    assert "[no later government text]" in result.output
    cma = CliRunner().invoke(cli, ["responses", CMA_2023, "-d", str(built_db)]).output.splitlines()[0]
    assert "no later government text" not in cma


def test_a_document_after_every_government_text_has_no_later_text():
    rows = [Recommendation("s/1", "s", "1", 1, "t", "", 2025, 1, 1), Recommendation("e/1", "e", "1", 1, "t", "", 2023, 1, 1)]
    documents = [_document("s", "2025-01"), _document("e", "2023"), _document("g", "2024-02-28")]
    found = {s.recommendation_id: s.status for s in kb_responses.statuses(rows, [], documents, [], government={"g"})}
    assert found == {"s/1": "no later government text", "e/1": "no response found"}
    # a thread shares its best status: having no later text is the least of them
    thread = kb_responses.statuses(rows, [], documents, [{"s/1", "e/1"}], government={"g"})
    assert {s.thread_status for s in thread} == {"no response found"}


def _document(document_id: str, published: str) -> Document:
    return Document(document_id, "x", "t", "t", "submission", None, published, int(published[:4]), "zh-Hant", f"{document_id}.txt", "0")


def test_a_thread_shares_its_best_status():
    rows = [Recommendation(f"a/{n}", "a", str(n), n, "t", "", 2023, 1, 1) for n in (1, 2)]
    rows += [Recommendation("b/1", "b", "1", 1, "t", "", 2024, 1, 1)]
    responses = [kb_responses.Response("b/1", "g/5", 50, "addresses", "rule"), kb_responses.Response("a/2", "g/1", 30, "related", "rule")]
    found = {s.recommendation_id: s for s in kb_responses.statuses(rows, responses, [], [{"a/1", "b/1"}])}
    assert (found["a/1"].status, found["a/1"].thread_status) == ("no response found", "addressed")
    assert (found["a/2"].status, found["a/2"].thread_status) == ("possible response", "possible response")
    assert (found["b/1"].first_document_id, found["b/1"].latest_document_id) == ("g", "g")


def test_candidates_come_from_the_inverted_index_not_all_pairs():
    rows, paragraphs, _ = response_accuracy.parsed_sources(ROOT / "sources")
    asks_rows = [row for row in rows if row.document_id == CMA_2023]
    speech = [p for p in paragraphs if p.document_id == PA_2023]
    slogans = kb_responses.slogans_of([row for row in asks_rows if not row.parent_id], speech)
    asks = kb_responses.ask_profiles(asks_rows, slogans)
    side = kb_responses.government_side(speech, slogans)
    pairs = kb_responses.candidate_pairs(asks, side)
    assert len(asks) == 19 and len(side.profiles) == 171 + 185
    assert 0 < len(pairs) < 0.75 * len(asks) * len(side.profiles)  # 4,867 of 6,764: 4,469 without the variants
    labelled = {(label.ask, pid) for label in response_accuracy.read_labels()[0] for pid in label.addresses}
    found = {(ask.id, paragraph.id) for ask, paragraph in pairs}
    assert {pair for pair in labelled if pair[1].startswith(PA_2023 + "/") and pair[0].startswith(CMA_2023)} <= found


def test_rules_are_a_function_of_one_pair_of_documents():
    """rule_responses(asks of one submission, paragraphs of one later government
    text): the build's responses are the union over the pairs, and a pair's
    result does not change when other documents come or go."""
    rows, paragraphs, documents = response_accuracy.parsed_sources(ROOT / "sources")
    pairs = kb_responses.response_pairs(documents, rows, paragraphs)
    assert ("cma-2024-budget", "hksarg-2024-25-budget") in pairs and (CMA_2023, PA_2023) in pairs
    assert ("cma-2024-budget", PA_2023) not in pairs  # the 2023 Policy Address came before it
    assert not [pair for pair in pairs if pair[0].startswith(("hkpc-", "hksarg-", "dsedt-"))]
    union = []
    for submission, government in pairs:
        union += kb_responses.rule_responses([r for r in rows if r.document_id == submission],
                                             [p for p in paragraphs if p.document_id == government])
    assert sorted(union, key=repr) == sorted(kb_responses.compute_responses(rows, paragraphs, documents), key=repr)
    alone = kb_responses.rule_responses([r for r in rows if r.document_id == CMA_2023], [p for p in paragraphs if p.document_id == PA_2023])
    assert alone == [r for r in union if r.recommendation_id.startswith(CMA_2023 + "/") and r.paragraph_id.startswith(PA_2023 + "/")]
    assert {r.recommendation_id for r in alone} <= {r.id for r in rows if r.document_id == CMA_2023 and not r.parent_id}


def test_kb_responses_prints_the_scorecard(built_db):
    result = CliRunner().invoke(cli, ["responses", CMA_2023, "-d", str(built_db)], catch_exceptions=False)
    assert result.exit_code == 0
    first = result.output.splitlines()[0]
    assert first.startswith("Of the CMA's 19 asks for the 2023 Policy Address: ")
    assert f"{CMA_2023}/4 構建需求導向型創科體系" in result.output
    data = json.loads(CliRunner().invoke(cli, ["responses", CMA_2023, "-d", str(built_db), "--json"]).output)
    assert len(data["asks"]) == 19 and sum(data["counts"].values()) == 19
    ask4 = next(ask for ask in data["asks"] if ask["id"] == f"{CMA_2023}/4")
    assert ask4["status"] == "addressed" and ask4["first_document_id"] == PA_2023
    # a reviewer added the Budget's ¶ 127 (technology transfer offices funded): it comes first
    assert (ask4["evidence"][0]["paragraph_id"], ask4["evidence"][0]["method"], ask4["evidence"][0]["page"]) == (
        "hksarg-2024-25-budget/127", "manual", 35)
    rule = next(e for e in ask4["evidence"] if e["paragraph_id"] == f"{PA_2023}/61.4")
    assert (rule["relation"], rule["method"], rule["page"]) == ("addresses", "rule", 25)


def test_search_covers_government_paragraphs_with_a_filter(built_db):
    conn = sqlite3.connect(built_db)
    default = [r.id for r in search(conn, "中試").results]
    government = search(conn, "中試", within="government").results
    both = [r.id for r in search(conn, "中試", within="all", limit=50).results]
    assert default and all(not rid.startswith("hksarg-") for rid in default)
    assert [r.id for r in government] == [f"{PA_2023}/83.5"] and government[0].kind == "paragraph"
    assert government[0].page == 37 and "<mark>中試</mark>" in government[0].snippet
    assert f"{PA_2023}/83.5" in both and f"{CMA_2023}/5" in both
    assert search(conn, "中試", within="government", publisher="cma").results == []


async def test_highlighting_escapes_before_marking():
    paragraph = "政府會<script>alert(1)</script>推動港版中試"
    runs = shared_runs(paragraph, "打造「港版中試」")
    assert "".join(text for text, _ in runs) == paragraph and ("港版中試", True) in runs
    from kb.web.responses_view import marked

    template = Datasette([]).jinja_env.from_string("{{ quote_html }}")
    html = await template.render_async(quote_html=marked(runs))  # as the pages write a quote
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<mark>港版中試</mark>" in html and "<mark>政府" not in html


def test_shared_wording_is_found_through_folded_characters():
    """A paragraph is folded a character at a time (full-width digits to
    ASCII, ㎡ to m2); a run is ``MIN_SHARED`` characters of the paragraph,
    whatever they fold to, and digits alone are not marked."""
    assert shared_runs("提供５００㎡的共用工作空間。", "共用工作空間約500m2") == [
        ("提供５００㎡的", False), ("共用工作空間", True), ("。", False)]
    assert shared_runs("面積５㎡", "面積5m2") == [("面積５", True), ("㎡", False)]
    assert shared_runs("１２３４", "1234") == [("１２３４", False)]


@pytest.fixture(scope="module")
def hostile_db(built_db, tmp_path_factory):
    """The built database with markup in two responding paragraphs' text."""
    return changed_copy(built_db, tmp_path_factory.mktemp("hostile"),
                        ("update paragraphs set text = text || '<script>alert(\"x\")</script>' where id in (?, ?)",
                         [f"{PA_2023}/61.2", f"{PA_2023}/61.4"]))


async def test_scorecard_page_counts_and_escapes(hostile_db):
    datasette = Datasette([str(hostile_db)])
    response = await datasette.client.get(f"/-/responses/{CMA_2023}")
    assert response.status_code == 200
    assert "Of the CMA&#39;s 19 asks for the 2023 Policy Address:" in response.text
    assert '<script>alert("x")' not in response.text and "&lt;script&gt;alert(" in response.text
    assert f"/-/source/{PA_2023}?id={PA_2023}%2F61.2#L" in response.text  # ask 7's best evidence
    data = (await datasette.client.get(f"/-/responses/{CMA_2023}?_format=json")).json()
    assert data["summary"].startswith("Of the CMA's 19 asks")
    assert (await datasette.client.get("/-/responses/nope")).status_code == 404
    government = await datasette.client.get(f"/-/responses/{PA_2023}")  # what the government text took up: tests/test_uptake.py
    assert government.status_code == 200 and "What it took up" in government.text


async def test_scorecard_says_what_a_rule_status_is_worth_and_marks_reviewed_evidence(built_db):
    datasette = Datasette([str(built_db)])
    text = (await datasette.client.get("/-/responses/cma-2024-budget")).text
    assert "read one as a lead to check against the quoted paragraph" in text
    row = text[text.index('<tr id="ask-11">'):text.index("</tr>", text.index('<tr id="ask-11">'))]
    assert "¶ 85</a>" in row and "· related <em>reviewed</em> ·" in row  # confirmed related in the reviews file
    row = text[text.index('<tr id="ask-1">'):text.index("</tr>", text.index('<tr id="ask-1">'))]
    assert "¶ 161</a>" in row and "· related 36 ·" in row  # the rules' own: its score


async def test_responses_index_lists_documents_with_their_counts(built_db):
    """/-/responses, in the navigation bar: every document with asks, its counts
    by status adding up to its asks, each linking to its scorecard."""
    datasette = Datasette([str(built_db)])
    response = await datasette.client.get("/-/responses")
    assert response.status_code == 200
    assert '<a href="/-/responses" aria-current="page">Responses' in response.text
    with sqlite3.connect(built_db) as conn:
        expected = conn.execute(
            "select r.document_id, count(*), sum(s.status = 'addressed') from response_status s "
            "join recommendations r on r.id = s.recommendation_id group by r.document_id"
        ).fetchall()
    assert {row[0] for row in expected} == {"bdc-2020-brand-relaunch-survey", CMA_2023, "cma-2024-budget", "hkpc-2025-manufacturing-study"}
    for document_id, asks, addressed in expected:
        assert f'href="/-/responses/{document_id}"' in response.text
        assert f'<td class="n">{asks}</td><td class="n">{addressed}</td>' in response.text
    assert '<th class="n">no later government text</th>' in response.text
    assert '<td class="n">7</td><td class="n">0</td><td class="n">0</td><td class="n">0</td><td class="n">7</td>' in response.text  # the HKPC's
    assert response.text.index("/-/responses/cma-2024-budget") < response.text.index(f"/-/responses/{CMA_2023}")


async def test_recommendation_page_shows_its_responses(hostile_db):
    datasette = Datasette([str(hostile_db)])
    response = await datasette.client.get(f"/r/{CMA_2023}/4")
    assert response.status_code == 200
    assert "Government responses" in response.text and "¶ 61.4" in response.text
    assert '<script>alert("x")' not in response.text
    # the Budget's ¶ 127, confirmed by a reviewer, says so in place of a score; the rules' ¶ 61.4 gives its score
    timeline = response.text.split('<section class="kb-responses"')[1]
    assert '¶ 127</a>, p. 35\n<span class="kb-relation addresses">addresses</span> <em>reviewed</em>' in timeline
    assert '¶ 61.4</a>, p. 25\n<span class="kb-relation addresses">addresses</span> score 54' in timeline
    source = await datasette.client.get(f"/-/source/{PA_2023}?id={PA_2023}/61.4")
    assert source.status_code == 200 and 'class="marked"' in source.text


async def test_search_page_filter_between_asks_and_government_text(built_db):
    datasette = Datasette([str(built_db)])
    page = await datasette.client.get("/-/search?q=中試&in=government")
    assert page.status_code == 200 and f"/kb/paragraphs/{PA_2023}~2F83~2E5" in page.text
    assert (await datasette.client.get("/-/search?q=中試&in=elsewhere")).status_code == 400


async def test_canned_queries_leave_out_asks_with_no_later_text(built_db):
    datasette = Datasette([str(built_db)], metadata=yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8")))
    unanswered = (await datasette.client.get("/kb/asks_without_response.json?_shape=array")).json()
    assert unanswered and not [row for row in unanswered if row["publisher_id"] == "hkpc"]
    by_year = (await datasette.client.get("/kb/responses_by_year_and_publisher.json?_shape=array")).json()
    hkpc = next(row for row in by_year if row["publisher_id"] == "hkpc")
    assert (hkpc["asks"], hkpc["no_response_found"], hkpc["no_later_government_text"]) == (7, 0, 7)


async def test_responses_to_review_lists_the_rules_addresses_with_commands(built_db):
    datasette = Datasette([str(built_db)], metadata=yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8")))
    rows = (await datasette.client.get("/kb/responses_to_review.json?_shape=array")).json()
    with sqlite3.connect(built_db) as conn:
        expected = conn.execute("select recommendation_id, paragraph_id from responses where method = 'rule' and relation = 'addresses'").fetchall()
    assert sorted((row["recommendation_id"], row["paragraph_id"]) for row in rows) == sorted(expected) and rows
    assert (f"{CMA_2023}/4", f"{PA_2023}/61.4") in {(row["recommendation_id"], row["paragraph_id"]) for row in rows}
    assert ("cma-2024-budget/5", "hksarg-2024-25-budget/127") not in {(row["recommendation_id"], row["paragraph_id"]) for row in rows}  # reviewed
    first = next(row for row in rows if row["paragraph_id"] == f"{PA_2023}/61.4")
    assert first["confirm_with"] == f"kb review {CMA_2023}/4 {PA_2023}/61.4 --confirm"
    assert first["reject_with"] == f"kb review {CMA_2023}/4 {PA_2023}/61.4 --reject"
    assert first["paragraph"].startswith("支援初創企業成果轉化")
    assert [row["year"] for row in rows] == sorted((row["year"] for row in rows), reverse=True)


def test_most_related_responses_are_not_what_a_reader_found(calibration, held_out):
    # The labels list the related paragraphs a reader found, not every one on
    # the topic, so this is a floor: today few of the rules' `related`
    # responses are among them (README, Government responses).
    # All nine sets are calibration now (the 278 and 70 of before: 81 of 348).
    assert (calibration.related_labelled, calibration.related_found) == (102, 412)  # 411 before the claim's rework
    assert (held_out.related_labelled, held_out.related_found) == (0, 0)
