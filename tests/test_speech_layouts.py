"""The government-speech loader on small synthetic PDFs, each varying one
trait of layout (scripts/make_speech_pdfs.py): each PDF is extracted as kb
add extracts one (pdf_pages, join_pages), its trait is checked to show in the
extracted text, and the loader's paragraphs are checked against what the
layout printed (tests/speeches/expected.yml)."""

import re
from functools import cache
from pathlib import Path

import pdfplumber
import pytest

from kb.records import Document, ParseError
from kb.text.pdf import join_pages, pdf_pages
from kb.text.yamlfile import read_yaml
from loaders import hksarg

SPEECHES = Path(__file__).parent / "speeches"
EXPECTED = read_yaml(SPEECHES / "expected.yml")
PARSED = sorted(name for name, expected in EXPECTED.items() if "error" not in expected)

# What each PDF's extracted text must show for its trait to be tested at all.
TRAITS = {
    "baseline": [r"^目錄$", r"^段落$", r"^（一）前言 1 – 3$", r"^立法會主席、各位議員、各位市民：$", r"^1\. 今天", r"^• 發行", r"^i$"],
    "no-salutation": [r"\f（一）前言\n1\. 今天"],
    "chairman-salutation": [r"^主席先生：$"],
    "no-toc": [r"^（三）土地與房屋$"],
    "toc-hyphen": [r"^段數$", r"^（一）前言 1 - 3$"],
    "headings-not-in-toc": [r"^（二）拼經濟謀發展 4 – 9$", r"^創新科技$"],
    "number-before": [r"^4\.$\n創新科技是推動"],
    "number-after": [r"^創新科技是推動.*\n4\.$\n", r"^在綠色金融方面，政府會推出以下措施：$\n8\.$\n• "],
    "number-no-dot": [r"^4 創新科技是推動"],
    "full-width-numbers": [r"^4．創新科技是推動"],
    "unnumbered-motion": [r"^（一）前言$\n我謹動議二讀.*。$\n2\. 今天"],
    "unnumbered-preamble": [r"^（一）前言$\n在發表施政報告之前", r"^1\. 今天"],
    "sub-items-roman": [r"^\(iii\) 資助金融"],
    "sub-items-chinese": [r"^（三）資助金融"],
    "sub-items-letters": [r"^\(i\) 舉辦全港"],
    "sub-items-digits": [r"^\(3\) 資助金融"],
    "footnotes": [r"單位1。", r"^1 包括公屋.*\n2\n\f"],
    "annex": [r"\f附件：指定項目指標\n1\. 在未來五年"],
    "running-headers": [r"\f行政長官2031年施政報告\n金融服務", r"\f行政長官2031年施政報告\n14\. "],
    "dash-page-numbers": [r"^- 3 -$"],
    "missing-number": [r"^為此，房屋局會推行兩項措施：$"],
}
# The trait a look at pdfplumber's own text shows before kb repairs it.
RAW_TRAITS = {"full-width-numbers": "４． 創新科技"}


def document(name):
    return Document(name, "hksarg", "施政報告", "Policy Address", "policy-address", None, "2031-10-15", 2031,
                    "zh-Hant", f"{name}.txt", "0")


@cache
def text(name):
    return join_pages(pdf_pages(SPEECHES / f"{name}.pdf"))


@cache
def paragraphs(name):
    return hksarg.parse(text(name), document(name)).paragraphs


def test_every_trait_has_its_pdf_and_expectations():
    assert set(TRAITS) == set(EXPECTED) == {path.stem for path in SPEECHES.glob("*.pdf")}


@pytest.mark.parametrize("name", sorted(TRAITS))
def test_the_pdf_shows_its_trait(name):
    extracted = text(name)
    assert extracted.count("\f") + 1 == EXPECTED[name]["pages"]
    for pattern in TRAITS[name]:
        where = extracted if "\\f" in pattern else extracted.replace("\f", "")  # ^ is a line's start, after a page break too
        assert re.search(pattern, where, re.M), pattern
    if name in RAW_TRAITS:
        with pdfplumber.open(SPEECHES / f"{name}.pdf") as pdf:
            assert any(RAW_TRAITS[name] in (page.extract_text() or "") for page in pdf.pages)


def test_traits_absent_from_the_baseline_are_absent_where_removed():
    assert "目錄" not in text("no-toc")
    assert "各位市民：" not in text("no-salutation")
    assert "創新科技 4" not in text("headings-not-in-toc")  # the section is not in its contents


@pytest.mark.parametrize("name", PARSED)
def test_paragraphs_numbered_in_order(name):
    expected = EXPECTED[name]
    rows = paragraphs(name)
    top = [row for row in rows if row.parent_id is None]
    assert [row.number for row in top] == expected["numbers"]
    assert len(top) == expected["paragraphs"]
    assert len(rows) - len(top) == expected["sub_items"]
    assert [row.ordinal for row in rows] == list(range(1, len(rows) + 1))
    assert len({row.id for row in rows}) == len(rows)


@pytest.mark.parametrize("name", PARSED)
def test_chosen_paragraphs_page_words_and_headings(name):
    by_number = {row.number: row for row in paragraphs(name)}
    for number, expected in EXPECTED[name]["rows"].items():
        row = by_number[number]
        assert (row.page, row.chapter, row.section) == (expected["page"], expected["chapter"], expected["section"]), number
        assert row.text.startswith(expected["first_words"]), (number, row.text[:20])
        assert sum(1 for other in by_number.values() if other.parent_id == row.id) == expected.get("sub_items", 0), number


def test_numbers_are_numbers_wherever_they_land():
    """The same paragraphs, word for word, however the numbers and the opening are printed."""
    baseline = [(row.number, row.chapter, row.section, row.text) for row in paragraphs("baseline")]
    for name in ("number-before", "number-after", "number-no-dot", "full-width-numbers", "no-salutation",
                 "chairman-salutation", "toc-hyphen", "dash-page-numbers", "no-toc"):
        assert [(row.number, row.chapter, row.section, row.text) for row in paragraphs(name)] == baseline, name


def test_bullets_stay_in_their_paragraph():
    rows = {row.number: row for row in paragraphs("baseline")}
    assert rows["8"].text.startswith("在綠色金融方面，政府會推出以下措施：• 發行總值")
    assert rows["20"].text.endswith("• 舉辦全港青年領袖論壇。")


def test_sub_items_in_every_style():
    for name in ("sub-items-roman", "sub-items-chinese", "sub-items-letters", "sub-items-digits"):
        rows = {row.number: row for row in paragraphs(name)}
        assert rows["8"].text == "在綠色金融方面，政府會推出以下措施：", name
        assert rows["8.2"].text == "設立碳排放數據平台，協助上市公司按國際標準披露氣候相關資料；及", name
        assert rows["20.9"].text == "舉辦全港青年領袖論壇。", name  # (i) after (h) is the ninth letter
        assert rows["20.9"].parent_id == "{}/20".format(name)


def test_unnumbered_opening_paragraphs():
    motion = {row.number: row for row in paragraphs("unnumbered-motion")}
    assert motion["1"].text == "我謹動議二讀《二〇三一年撥款條例草案》。"
    assert motion["2"].text.startswith("今天是我第三次")
    preamble = [row for row in paragraphs("unnumbered-preamble")]
    assert [row.number for row in preamble[:3]] == ["0-1", "0-2", "1"]
    assert preamble[0].text == "在發表施政報告之前，我想先向過去一年在各個崗位默默付出的前線人員，致以衷心謝意。"
    assert preamble[1].text == "今年是經濟結構轉型最關鍵的一年，我們必須以更大的決心推動改革。"
    assert preamble[0].chapter == "(一) 前言"


def test_footnotes_headers_page_numbers_and_annex_are_not_text():
    footnoted = {row.number: row for row in paragraphs("footnotes")}
    assert footnoted["12"].text.endswith("興建公營房屋或首置單位。")  # the footnote at the page's foot left out
    every = " ".join(row.text for name in PARSED for row in paragraphs(name))
    assert "包括公屋、綠表置居計劃" not in every and "指定項目指標" not in every
    assert "行政長官2031年施政報告" not in every
    assert not re.search(r"- \d+ -", every)
    headed = paragraphs("running-headers")
    assert all(row.chapter != "行政長官2031年施政報告" for row in headed)  # a title on every page is no chapter
    assert paragraphs("annex")[-1].text.endswith("多謝主席。")


def test_a_missing_number_is_refused_with_file_page_and_number():
    with pytest.raises(ParseError) as error:
        hksarg.parse(text("missing-number"), document("missing-number"))
    assert re.fullmatch(r"missing-number\.txt:\d+: " + re.escape(EXPECTED["missing-number"]["error"]), str(error.value))
    assert EXPECTED["missing-number"]["error"] == "page 5: paragraph 14 missing: found 15 after 13"
