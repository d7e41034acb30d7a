"""kb.text.pdf on the LegCo submissions kept in tests/submissions/."""

from pathlib import Path

import pytest

from kb.text.pdf import PdfError, ScannedPdfError, join_pages, pdf_pages, pdf_text, repair
from kb.text.lines import numbered_lines
from kb.text.pages import page_at, page_starts

HERE = Path(__file__).parent
SUBMISSIONS = HERE / "submissions"


def test_pages_are_joined_by_form_feeds():
    text = pdf_text(SUBMISSIONS / "cb3-710-6-path-of-democracy.pdf")
    pages = text.split("\f")
    assert len(pages) == 6
    assert all(page.endswith("\n") for page in pages)
    assert pages[0].startswith("立法會CB(3)710/2026(06)號文件\n")
    assert pages[5].startswith("本處檔號：TS-2606-BL004\n來函檔號：\n7.2 本黨建議當局同步推進配套措施")


def test_every_line_knows_its_page():
    lines = numbered_lines(pdf_text(SUBMISSIONS / "cb3-710-6-path-of-democracy.pdf"))
    starts = page_starts(lines)
    assert len(starts) == 6
    heading = next(number for number, text in lines if text.startswith("五、司機審查"))
    assert page_at(heading, starts) == 5
    assert page_at(1, starts) == 1


def test_chinese_text_comes_out_whole():
    text = pdf_text(SUBMISSIONS / "cb3-710-6-path-of-democracy.pdf")
    assert "新思維就與規管網約車服務有關的四項附屬法例提交之意見書" in text
    assert "（一）一萬輛許可證限額應定\n位為起步數字" in text


def test_an_em_dash_printed_for_yi_is_read_as_yi():
    """DiDi's font maps 一 to U+2014: 一向, 之一, 一套 come out as —向."""
    text = pdf_text(SUBMISSIONS / "cb3-688-2-didi.pdf")
    assert "出行服務一向有實際" in text
    assert "作為行業持份者之一，滴滴" in text
    assert "—" not in text


def test_a_dash_is_kept_where_the_document_does_not_print_yi_as_a_dash():
    assert repair("主要項目如下—\n") == "主要項目如下—\n"
    assert repair("主要項目如下—\n", dash_for_yi=True) == "主要項目如下一\n"


def test_repair_folds_kangxi_radicals_and_closes_spaces_between_han():
    assert repair("⼀、總體立場\n") == "一、總體立場\n"
    assert repair("行 政 長 官 施 政 報 告 2023\n") == "行政長官施政報告 2023\n"


def test_join_pages_ends_every_page_with_a_newline():
    assert join_pages(["一\n", "二", ""]) == "一\n\f二\n\f\n"


def test_a_scan_is_refused_with_the_hint_to_ocr():
    with pytest.raises(ScannedPdfError, match=r"cb3-641-2-hk-taxi-council.pdf: no text layer: it looks scanned; add it with --ocr"):
        pdf_pages(SUBMISSIONS / "cb3-641-2-hk-taxi-council.pdf")


def test_an_encrypted_pdf_is_refused():
    with pytest.raises(PdfError, match=r"encrypted.pdf: the PDF is encrypted"):
        pdf_pages(HERE / "pdf" / "encrypted.pdf")


def test_a_file_that_is_not_a_pdf_is_refused(tmp_path):
    path = tmp_path / "notes.pdf"
    path.write_text("一、標題\n", encoding="utf-8")
    with pytest.raises(PdfError, match=r"notes.pdf: not a PDF"):
        pdf_pages(path)


def test_a_broken_pdf_is_refused(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4 nothing else")
    with pytest.raises(PdfError, match=r"broken.pdf: not a readable PDF"):
        pdf_pages(path)


def testocr_punctuation_becomes_full_width_and_lines_stay_apart():
    from kb.text.pdf import ocr_punctuation

    assert repair(ocr_punctuation("我們 提出 以 下 四 點 建議 :\n一、\n的 士 , 業 界\n")) == "我們提出以下四點建議：\n一、\n的士，業界\n"


def test_rules_are_erased_before_ocr_and_strokes_kept():
    """Half an inch of dark pixels in a row (150 at 300 dpi) is a rule, not a stroke."""
    import numpy
    from PIL import Image

    from kb.text.pdf import erase_rules

    page = numpy.full((3, 400), 255, numpy.uint8)
    page[0, 10:160] = 0  # an underline of exactly 150 px
    page[1, 10:100] = 0  # the long stroke of a large 一, 90 px
    page[2, 0:149] = 0  # just short of a rule
    erased = numpy.asarray(erase_rules(Image.fromarray(page), resolution=300))
    assert (erased[0] == 0).sum() == 0
    assert (erased[1] == 0).sum() == 90
    assert (erased[2] == 0).sum() == 149
