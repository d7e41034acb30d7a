"""kb.text.pages: pages of extracted text and what repeats on them."""

from pathlib import Path

from kb.text.pdf import pdf_text
from kb.text.lines import numbered_lines
from kb.text.pages import (
    drop_running,
    fold_lookalikes,
    is_page_number,
    is_stamp,
    page_at,
    page_starts,
    pages_of,
    running_lines,
)

SUBMISSIONS = Path(__file__).parent / "submissions"


def test_page_starts_are_the_first_line_and_each_form_feed():
    lines = numbered_lines("一\n二\n\f三\n\f\n\f四\n")
    assert page_starts(lines) == [1, 3, 4, 5]
    assert [page_at(number, [1, 3, 4, 5]) for number in (1, 2, 3, 4, 5)] == [1, 1, 2, 3, 4]


def test_a_text_without_form_feeds_has_no_pages():
    lines = numbered_lines("一、標題\n內容\n")
    assert page_starts(lines) == []
    assert page_at(2, []) is None
    assert pages_of(lines) == [lines]


def test_page_at_a_loaders_own_page_starts():
    assert [page_at(line, [5, 24]) for line in (4, 5, 20, 23, 24, 29)] == [None, 1, 1, 1, 2, 2]


def test_pages_of_splits_at_form_feeds():
    lines = numbered_lines("a\nb\n\fc\n")
    assert pages_of(lines) == [[(1, "a"), (2, "b")], [(3, "\fc")]]


def test_lookalikes_fold_but_full_width_punctuation_stays():
    assert fold_lookalikes("⼀、⼆、（三）１２，") == "一、二、（三）12，"


def test_page_numbers():
    for text in ("3", " - 12 - ", "\f7", "第 3 頁", "Page 2 of 6", "3/6", "１２"):
        assert is_page_number(text), text
    for text in ("1.", "1.1 新思維", "2026年6月", "(1)"):
        assert not is_page_number(text), text


def test_a_page_number_anywhere_on_a_page_is_a_bare_number():
    assert is_page_number("13 ", anywhere=True)
    assert is_page_number("- 4 -", anywhere=True)
    assert not is_page_number("1 .1 踏入 2020 年初", anywhere=True)
    assert not is_page_number("2030", anywhere=True)


def test_legco_stamps():
    assert is_stamp("立法會CB(3)710/2026(06)號文件")
    assert is_stamp("\f立法會 CB(3) 641/2026(02) 號文件 ")
    assert is_stamp("LC Paper No. CB(3)710/2026(06)")
    assert not is_stamp("立法會與規管網約車服務有關的4項附屬法例小組委員會")


def test_running_headers_page_numbers_and_the_stamp_are_found():
    """Path of Democracy: the stamp on page 1, its file references at the
    top of all six pages and a page number at the foot of each."""
    lines = numbered_lines(pdf_text(SUBMISSIONS / "cb3-710-6-path-of-democracy.pdf"))
    found = sorted(text.lstrip("\f").strip() for number, text in lines if number in running_lines(lines))
    assert found.count("本處檔號：TS-2606-BL004") == 6
    assert found.count("來函檔號：") == 6
    assert "立法會CB(3)710/2026(06)號文件" in found
    assert {"1", "2", "3", "4", "5", "6"} <= set(found)
    assert len(found) == 19


def test_a_title_and_a_signature_alike_are_not_a_running_line():
    """The insurers' name heads page 1 and signs page 3: not a letterhead."""
    lines = numbered_lines(pdf_text(SUBMISSIONS / "cb3-710-10-hk-federation-of-insurers.pdf"))
    kept = [text for _, text in drop_running(lines)]
    assert kept.count("香港保險業聯會") == 2
    assert not any("CB(3)710" in text for text in kept)


def test_a_letterhead_on_every_page_is_dropped():
    lines = numbered_lines(pdf_text(SUBMISSIONS / "cb3-688-2-didi.pdf"))
    kept = [text.lstrip("\f") for _, text in drop_running(lines)]
    assert "O 滴滴" not in kept
    assert kept[0] == "滴滴就網約車服務相關附屬法例提交意見書"
    assert "一、共同維護公平合規的市場環境，推動行業有序發展" in kept


def test_a_numbered_heading_and_its_contents_entry_are_not_a_running_header():
    lines = numbered_lines("目錄\n(一) 前言\n1 – 4\n\f(一) 前言\n1. 今天我發表施政報告。\n")
    assert running_lines(lines) == set()


def test_contact_details_at_a_page_edge_are_a_footer():
    """OCR reads the taxi council's footer a little differently on each page."""
    text = "一、標題\n政府應公開數據。\n地址：香港九龍觀塘興業街 20 號 A 座 7 樓 A09 室\n\f二、標題\n當局應每年檢討。\n地址：香港九龍觀塘興業街 20 號 A 座 7 A0IZS\n"
    assert running_lines(numbered_lines(text)) == {3, 6}
