"""The generic loader on documents it was not written for: the LegCo
submissions (labelled in tests/submissions/asks.yml) and the seed texts."""

import sys

import pytest

import loaders
from kb.build.manifest import read_manifest
from kb.text.pdf import pdf_text
from kb.records import ParseError
from loaders.generic import cn_number, parse
from tests.conftest import ROOT, SOURCES

sys.path.insert(0, str(ROOT / "scripts"))
import generic_accuracy  # noqa: E402

SUBMISSIONS = ROOT / "tests" / "submissions"


def rows_of(name):
    return parse(pdf_text(SUBMISSIONS / f"{name}.pdf"), generic_accuracy.unknown_document(name)).recommendations


@pytest.fixture(scope="module")
def measures():
    return generic_accuracy.measure_submissions(ocr=False)


def test_the_labelled_submissions_meet_the_thresholds(measures):
    recall, precision = generic_accuracy.totals(measures)
    assert len(measures) == 4
    assert recall >= 0.9 and precision >= 0.9
    for measure in measures:
        assert measure.without_page == [], measure.document_id
        assert measure.noise == [], measure.document_id


def test_the_seed_texts_read_as_unknown_keep_their_numbers():
    seeds = generic_accuracy.measure_seeds(SOURCES)
    assert [seed.document_id for seed in seeds] == [
        "bdc-2020-brand-relaunch-survey", "cma-2023-policy-address", "cma-2024-budget", "hkpc-2025-manufacturing-study",
    ]
    same = sum(len(seed.same_numbers) for seed in seeds)
    expected = sum(len(seed.expected) for seed in seeds)
    assert expected == 57 and same / expected >= 0.9


def test_sections_with_paragraphs_become_asks_with_sub_items():
    """Path of Democracy: 二 to 七 with paragraphs 2.1 …; 一、總體立場 and
    八、結語 are not asks."""
    rows = rows_of("cb3-710-6-path-of-democracy")
    top = [row for row in rows if not row.parent_id]
    assert [(row.number, row.page) for row in top] == [("2", 2), ("3", 3), ("4", 4), ("5", 5), ("6", 5), ("7", 5)]
    assert top[0].title == "許可證限額：一萬輛應為起步點，建立數據為本的檢討機制"
    subs = [row.number for row in rows if row.parent_id == top[2].id]
    assert subs == ["4.1", "4.2", "4.3", "4.4", "4.5"]
    assert rows[1].id == "cb3-710-6-path-of-democracy/2.1" and rows[1].title.startswith("新思維原則上接受以 10,000 輛作為起步數量")
    assert "本處檔號" not in " ".join(row.body for row in rows)
    assert "八、結語" not in top[-1].body and "結語" not in rows[-1].body


def test_endnotes_and_citation_marks_stay_out():
    rows = rows_of("cb3-710-4-hk-taxi-drivers-union")
    assert len(rows) == 9 and rows[-1].title == "關於第三者風險保險與平台統括保險"
    assert rows[-1].page == 8
    text = " ".join(row.title + row.body for row in rows)
    assert "https" not in text and "[1]" not in text and "總結意見" not in text and "此致" not in text


def test_options_are_not_asks_but_the_bullets_that_ask_are():
    rows = rows_of("cb3-710-10-hk-federation-of-insurers")
    assert [row.title for row in rows][-2:] == ["市場數據", "機制設立"]
    assert rows[-1].section == "數據需求" and rows[-1].page == 2
    assert not any("延伸現有私家車保障" in row.title or "全新的商業險保單" in row.title for row in rows)
    assert "運流局必須清晰界定" in rows[0].body and rows[0].page == 1


def test_an_em_dash_printed_for_yi_does_not_break_the_numbering():
    rows = rows_of("cb3-688-2-didi")
    assert [row.number for row in rows] == ["1", "2", "3", "4"]
    assert rows[2].title == "以乘客安全和服務質素為核心，推動合規平台承擔應有責任"
    assert "總括而言" not in rows[3].body  # the closing summary is not part of the last ask


def test_kangxi_radicals_are_numbers_too(tmp_path):
    text = "\u2f00、設立檢討機制\n政府應每年檢討許可證數目。\n\u2f06、公開數據\n當局應每年公布營運數據。\n"
    rows = parse(text, generic_accuracy.unknown_document("kangxi")).recommendations
    assert [(row.number, row.title) for row in rows] == [("1", "設立檢討機制"), ("2", "公開數據")]
    assert rows[0].page is None  # a text without form feeds has no pages


def test_a_table_of_contents_makes_no_rows():
    """Nor does 一、背景, which asks nothing."""
    text = "目錄\n一、背景\t1\n二、建議\t3\n\f一、背景\n本會支持。\n\f二、建議\n政府應公開數據。\n"
    rows = parse(text, generic_accuracy.unknown_document("toc")).recommendations
    assert [(row.number, row.title, row.page, row.line_start) for row in rows] == [("2", "建議", 3, 6)]


def test_chinese_numerals():
    assert [cn_number(text) for text in ("一", "十", "十二", "二十", "二十三", "兩", "百")] == [1, 10, 12, 20, 23, 2, None]


def test_a_document_without_asks_is_a_parse_error():
    with pytest.raises(ParseError, match="no asks found"):
        parse("本會支持政府的方向。\n", generic_accuracy.unknown_document("none"))


def test_no_loader_crashes_on_a_document_it_was_not_written_for():
    """Every loader on every seed text and submission: rows or ParseError."""
    texts = [(source.path.read_text(encoding="utf-8"), source.document) for source in read_manifest(SOURCES)]
    for path in sorted(SUBMISSIONS.glob("cb3-7*.pdf")) + [SUBMISSIONS / "cb3-688-2-didi.pdf"]:
        texts.append((pdf_text(path), generic_accuracy.unknown_document(path.stem)))
    outcomes = set()
    for name, loader in loaders.LOADERS.items():
        for text, document in texts:
            try:
                loader(text, document)
                outcomes.add("rows")
            except ParseError:
                outcomes.add("ParseError")
    assert outcomes == {"rows", "ParseError"}


def test_loaders_are_keyed_by_name_and_every_document_names_its_loader():
    assert set(loaders.LOADERS) >= {"bdc", "cma", "dsedt", "generic", "hkpc"}
    assert {source.document.id: source.document.loader for source in read_manifest(SOURCES)} == {
        "bdc-2020-brand-relaunch-survey": "bdc",
        "cma-2023-policy-address": "cma",
        "cma-2024-budget": "cma",
        "hkpc-2025-manufacturing-study": "hkpc",
        "dsedt-2023-reply-written-inquiry": "dsedt",
    } | {source.document.id: source.document.loader for source in read_manifest(SOURCES) if source.document.id.startswith("hksarg")}


def test_a_contents_page_with_paragraph_ranges_makes_no_rows():
    """A government speech's contents: headings, then their paragraph ranges."""
    contents = "目錄\n(一) 前言\n1 – 4\n(二) 挑戰和機遇\n5 – 16\n(三) 展望\n17 – 20\n"
    body = "\f(一) 前言\n1. 今天我發表施政報告。\n(二) 挑戰和機遇\n5. 我們面對挑戰。\n(三) 展望\n17. 前景亮麗。\n"
    rows = parse(contents + body, generic_accuracy.unknown_document("contents")).recommendations
    assert [(row.number, row.title, row.page) for row in rows] == [("2", "挑戰和機遇", 2), ("3", "展望", 2)]  # 前言 introduces


# --- synthetic submissions, one trait each (scripts/make_submission_pdfs.py) ---------------

GENERATED = ROOT / "tests" / "generated"


def generated_rows(name):
    text = generic_accuracy.submission_text(name, folder=GENERATED)
    return parse(text, generic_accuracy.unknown_document(name, pdf=True)).recommendations


@pytest.fixture(scope="module")
def generated():
    return generic_accuracy.measure_generated(held_out=False)


def test_the_synthetic_submissions_meet_the_thresholds(generated):
    recall, precision = generic_accuracy.totals(generated)
    assert len(generated) == 17
    assert recall >= 0.95 and precision >= 0.95
    for measure in generated:
        assert measure.without_page == [], measure.document_id


def test_the_labelled_submissions_without_the_held_out_meet_the_thresholds():
    measures = generic_accuracy.measure_submissions(held_out=False)
    assert [measure.document_id for measure in measures] == [
        "cb3-710-6-path-of-democracy", "cb3-710-4-hk-taxi-drivers-union", "cb3-710-10-hk-federation-of-insurers"]
    recall, precision = generic_accuracy.totals(measures)
    assert recall >= 0.95 and precision >= 0.95


def titles_and_pages(rows):
    return [(row.number, row.title, row.page) for row in rows if not row.parent_id]


ASKS = {"care": ["增加資助院舍宿位", "擴大社區照顧服務券", "培訓及挽留護理人員"], "waste": ["擴展社區回收網絡", "推行廚餘收集", "支援回收業界"]}


def test_bold_headings_without_numbers_are_asks_numbered_in_order():
    rows = generated_rows("bold-unnumbered")
    assert titles_and_pages(rows) == [("1", "擴展社區回收網絡", 1), ("2", "推行廚餘收集", 1), ("3", "支援回收業界", 1)]
    assert rows[1].body == "廚餘佔都市固體廢物約三成。政府應在公共屋邨全面推行廚餘收集，並於三年內擴展至私人住宅。"


def test_larger_headings_are_asks_too():
    assert [row.title for row in generated_rows("larger-headings")] == ASKS["waste"]


def test_a_conclusion_that_restates_the_asks_is_no_row_and_one_that_asks_anew_is():
    assert [row.title for row in generated_rows("conclusion")] == ASKS["care"]
    rows = generated_rows("conclusion-new-ask")
    assert [(row.number, row.title) for row in rows][-1] == ("4", "總結")
    assert "本聯盟建議設立安老事務專員" in rows[-1].body


@pytest.mark.parametrize("name,first", [("five-asks-cn", "在每個區議會選區舉辦回收教育活動"), ("five-asks-bullets", "設立照顧者津貼，每月金額不少於三千元"),
                                        ("five-asks-sentences", "本會建議政府在每個區議會選區舉辦回收教育活動")])
def test_five_asks_in_one_section_are_its_five_sub_items(name, first):
    rows = generated_rows(name)
    subs = [row for row in rows if row.parent_id]
    assert [row.number for row in subs] == ["4.1", "4.2", "4.3", "4.4", "4.5"]
    assert {row.parent_id for row in subs} == {f"{name}/4"}
    assert subs[0].title.rstrip("；。") == first
    assert all(row.page in (1, 2) for row in subs)


def test_a_cover_letter_is_no_row_and_its_annex_is_read():
    rows = generated_rows("cover-letter-annex")
    assert titles_and_pages(rows) == [("1", "增加資助院舍宿位", 2), ("2", "擴大社區照顧服務券", 2), ("3", "培訓及挽留護理人員", 2)]


def test_numbered_and_unnumbered_headings_work_together_and_framing_ones_are_left_out():
    rows = generated_rows("mixed-headings")
    assert titles_and_pages(rows) == [("1", "增加資助院舍宿位", 1), ("2", "擴大社區照顧服務券", 1), ("3", "培訓及挽留護理人員", 2)]


def test_a_statement_of_support_and_an_introduction_are_no_rows():
    assert [row.number for row in generated_rows("statement-of-support")] == ["2", "3", "4"]
    assert [row.title for row in generated_rows("introduction-background")] == ASKS["care"]


def test_a_two_column_table_adds_no_row():
    rows = generated_rows("two-column-table")
    assert [row.title for row in rows] == ASKS["waste"]


def test_sentences_that_argue_are_not_sub_items():
    """A section whose sentences argue (本會認為…必須, 政府要求申請人…) keeps them in its body."""
    assert not [row for row in rows_of("cb3-710-4-hk-taxi-drivers-union") if row.parent_id]


def test_a_heading_that_wraps_is_one_heading():
    rows = generated_rows("wrapped-headings")
    assert [row.title for row in rows][0] == "擴展社區回收網絡，讓全港市民都能在住所附近方便地參與源頭分類及回收，並逐步建立珍惜資源的社區文化"
    assert len(rows) == 3 and rows[0].body.startswith("現時回收點分布不均")


def test_paragraphs_numbered_through_the_document_stay_in_their_heading_s_ask():
    rows = generated_rows("numbered-paragraphs")
    assert titles_and_pages(rows) == [("1", "增加資助院舍宿位", 1), ("2", "擴大社區照顧服務券", 1), ("3", "培訓及挽留護理人員", 2)]
    assert rows[1].body.startswith("3. 本聯盟的前線同工") and "4. 社區照顧服務券" in rows[1].body


def test_a_bold_title_below_a_file_reference_is_no_ask():
    assert [row.title for row in generated_rows("reference-line")] == ASKS["waste"]


def test_a_sentence_in_bold_is_no_heading():
    rows = generated_rows("bold-sentence")
    assert [row.title for row in rows] == ASKS["waste"]
    assert rows[0].body.endswith("減廢回收刻不容緩，每一位市民都責無旁貸。")


def test_the_held_out_documents_meet_the_thresholds():
    """Measured once the loader was written (scripts/generic_accuracy.py
    --held-out): eight synthetic submissions and DiDi's (seen once before,
    through a failing test: see tests/submissions/asks.yml); the scan needs
    OCR and is measured by the script with --ocr."""
    generated = [measure for measure in generic_accuracy.measure_generated() if measure.held_out]
    submissions = [measure for measure in generic_accuracy.measure_submissions() if measure.held_out]
    assert len(generated) == 8 and [measure.document_id for measure in submissions] == ["cb3-688-2-didi"]
    for measures in (generated, submissions):
        recall, precision = generic_accuracy.totals(measures)
        assert recall >= 0.95 and precision >= 0.95
        assert all(measure.without_page == [] for measure in measures)
