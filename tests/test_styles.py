"""A PDF line's look carried as light Markdown (kb.text.styles): what
pdfplumber gives (font names, sizes, thin rules) marks the lines that
stand out, and a loader takes the marks off again."""

from pathlib import Path

import pytest

from kb.text.pdf import pdf_pages, pdf_text
from kb.text.styles import LineStyle, marked_line, read_mark

GENERATED = Path(__file__).parent / "generated"
SUBMISSIONS = Path(__file__).parent / "submissions"


@pytest.mark.parametrize("style,marked", [
    (LineStyle(bold=True), "**數據需求**"),
    (LineStyle(underlined=True), "**數據需求**"),
    (LineStyle(larger=True, bold=True), "## 數據需求"),
    (LineStyle(), "數據需求"),
])
def test_a_line_is_marked_by_its_look_and_read_back(style, marked):
    assert marked_line("數據需求", style) == marked
    assert read_mark(marked) == ("數據需求", None if marked == "數據需求" else "larger" if marked.startswith("#") else "bold")


def test_a_page_s_first_line_keeps_its_form_feed_and_bold_inside_a_line_is_no_mark():
    assert read_mark("\f**一、背景**") == ("\f一、背景", "bold")
    assert read_mark("本會**強烈**要求") == ("本會**強烈**要求", None)
    assert marked_line("   ", LineStyle(bold=True)) == "   "


def lines_of(path, marks=True):
    return [line.lstrip("\f") for line in pdf_text(path, marks=marks).split("\n")]


def test_bold_underlined_and_larger_headings_are_marked():
    assert "**擴展社區回收網絡**" in lines_of(GENERATED / "bold-unnumbered.pdf")
    assert "**增加資助院舍宿位**" in lines_of(GENERATED / "underlined-headings.pdf")
    assert "## 擴展社區回收網絡" in lines_of(GENERATED / "larger-headings.pdf")
    running = [line for line in lines_of(GENERATED / "bold-unnumbered.pdf") if line.startswith("現時回收點分布不均")]
    assert running == ["現時回收點分布不均，新界北等地區居民須步行半小時才能到"]  # running text unmarked


def test_a_table_s_rules_underline_nothing():
    table = lines_of(GENERATED / "two-column-table.pdf")
    assert "現時安排本會的建議" in table and "回收站晚上七時關閉延長至晚上十時" in table


def test_without_marks_the_text_is_as_before_and_with_them_only_marks_are_added():
    plain, marked = pdf_pages(SUBMISSIONS / "cb3-710-4-hk-taxi-drivers-union.pdf"), pdf_pages(SUBMISSIONS / "cb3-710-4-hk-taxi-drivers-union.pdf", marks=True)
    assert [len(page.split("\n")) for page in plain] == [len(page.split("\n")) for page in marked]
    for plain_page, marked_page in zip(plain, marked):
        for plain_line, marked_line_ in zip(plain_page.split("\n"), marked_page.split("\n")):
            assert read_mark(marked_line_)[0] == plain_line.strip() or marked_line_ == plain_line
    assert "**一、關於車輛許可證上限 10,000 個**" in marked[0].split("\n")  # set in a bold face (MicrosoftJhengHeiBold)
