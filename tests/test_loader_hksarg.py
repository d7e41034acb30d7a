"""The HKSAR Government's speeches as numbered paragraphs: counts, sub-items,
headings and pages checked against the PDFs kept beside the texts."""

import re
from functools import cache

import pdfplumber
import pytest

from kb.build.manifest import source_for
from kb.records import ParseError
from loaders import hksarg
from tests.conftest import SOURCES, parse_source

PA_2020, PA_2023, BUDGET_2024 = "hksarg-2020-policy-address", "hksarg-2023-policy-address", "hksarg-2024-25-budget"
PA_2021, PA_2022, BUDGET_2023 = "hksarg-2021-policy-address", "hksarg-2022-policy-address", "hksarg-2023-24-budget"


@cache
def paragraphs(document_id):
    return parse_source(document_id, hksarg.parse).paragraphs


def by_number(document_id):
    return {paragraph.number: paragraph for paragraph in paragraphs(document_id)}


@cache
def pdf_page_text(document_id, page):
    """The text of one page of the original PDF, white space removed."""
    with pdfplumber.open(SOURCES / f"{document_id}.pdf") as pdf:
        return re.sub(r"\s+", "", pdf.pages[page - 1].extract_text() or "")


@pytest.mark.parametrize(
    "document_id, count, sub_items",
    [(PA_2020, 167, 10), (PA_2021, 168, 30), (PA_2022, 150, 157), (PA_2023, 171, 185), (BUDGET_2023, 223, 21),
     (BUDGET_2024, 249, 13)],
)
def test_every_paragraph_numbered_once_in_order(document_id, count, sub_items):
    rows = paragraphs(document_id)
    top = [row for row in rows if row.parent_id is None]
    assert [row.number for row in top] == [str(n) for n in range(1, count + 1)]
    assert len(rows) - len(top) == sub_items
    assert [row.ordinal for row in rows] == list(range(1, len(rows) + 1))
    assert all(row.id == f"{document_id}/{row.number}" for row in rows)


@pytest.mark.parametrize(
    "document_id, number, page, chapter, section, first_words",
    [
        (PA_2020, "1", 9, "(一) 前言：砥礪前行", None, "今天我發表任內的第四份《施政報告》"),
        (PA_2020, "25", 18, "(三) 堅持「一國兩制」", "選舉安排", "鑑於疫情嚴峻，原定在2020年9月6日"),
        (PA_2020, "111.3", 45, "(七) 建設宜居城市", "「躍動港島南」", "提升香港仔及黃竹坑一帶的文化及消閒"),
        (PA_2020, "143.2", 56, "(八) 持續改善民生", "優化「長者牙科服務資助」計劃", "為已享用計劃服務最少五年"),
        (PA_2020, "167", 64, "(十) 結語：重新出發", None, "未來一年，特區政府會加倍努力"),
        (PA_2023, "1", 10, "(一) 前言", None, "今天，是我就任行政長官後發表第二份"),
        (PA_2023, "61.1", 25, "(五) 不斷增強發展動能", "國際創新科技中心", "成立「新型工業發展辦公室」"),
        (PA_2023, "93.1", 42, "(六) 切實排解民生憂難", "公營房屋", "延長資助出售單位二手市場按揭貸款保證期"),
        (PA_2023, "96", 43, "(六) 切實排解民生憂難", "成立「解決劏房問題」工作組", "我決定成立「解決劏房問題」工作組"),
        (PA_2023, "171", 74, "(九) 結語", None, "我堅信中國式現代化強國建設"),
        (PA_2021, "1", 9, "(一) 前言：新局面", None, "今天我發表任內第五份《施政報告》"),
        (PA_2021, "3.1", 9, "(一) 前言：新局面", None, "過去四份《施政報告》共提出超過"),
        (PA_2021, "60", 30, "(四) 經濟新動力：融入國家發展大局", "大學科研", "為鞏固香港在基礎研究的領導地位"),
        (PA_2021, "93.4", 40, "(五) 增加房屋及土地供應", "政府主導多管齊下", "現有的兩項活化工廈措施"),
        (PA_2021, "168", 62, "(十) 結語：團結建未來", None, "明年是香港回歸祖國"),
        (PA_2022, "1", 7, "(一) 前言：同開新篇", None, "今天，是我就任行政長官後首份"),
        (PA_2022, "24.1", 13, "(三) 着力提高治理水平", "優化公務員管理制度", "更新《公務員守則》"),
        (PA_2022, "50", 27, "(四) 不斷增強發展動能", "國際航空樞紐", "香港國際機場是全球首屈一指的國際航空"),
        (PA_2022, "138.5", 59, "(八) 共同抗疫說好香港故事", "共同抗疫", "平衡疫情風險與經濟需要"),
        (PA_2022, "150", 62, "(九) 結語", None, "當前，香港市民最盼望住得更好"),
        (BUDGET_2023, "1", 5, "引言", None, "我謹動議二讀《二零二三年撥款條例草案》"),
        (BUDGET_2023, "40.1", 13, "復常下力保全速復蘇", "支援企業", "寬減二零二二／二三課稅年度百分之百的"),
        (BUDGET_2023, "150", 46, "創造容量", "房屋供應", "私營房屋方面，估計由今年起計的五年內"),
        (BUDGET_2023, "211.3", 65, "公共財政", "財政儲備水平", "儲備的投資收益，是政府重要的收入來源"),
        (BUDGET_2023, "223", 68, "結語", None, "香港人從來不怕挑戰"),
        (BUDGET_2024, "1", 6, "引言", None, "我謹動議二讀《二零二四年撥款條例草案》"),
        (BUDGET_2024, "47.4", 17, "堅定信心", "股票市場", "加強市場推廣：港交所將透過海外辦事處"),
        (BUDGET_2024, "72.5", 22, "支援市民和企業", None, "向領取社會保障金的合資格人士"),
        (BUDGET_2024, "249", 66, "結語", None, "在國家高質量發展和現代化強國建設中"),
    ],
)
def test_paragraphs_match_the_pdf(document_id, number, page, chapter, section, first_words):
    row = by_number(document_id)[number]
    assert (row.page, row.chapter, row.section) == (page, chapter, section)
    assert row.text.replace(" ", "").startswith(first_words)
    assert first_words in pdf_page_text(document_id, page)  # the page the PDF prints it on


def test_sub_items_belong_to_their_paragraph():
    rows = by_number(PA_2023)
    assert rows["31"].text.endswith("政府今個學年將推行以下措施：")  # the words before (i)
    assert [rows[f"31.{k}"].text[:6] for k in (1, 2, 3)] == ["加強教師培訓", "強化國情學習", "推行多元學習"]
    assert rows["31.3"].parent_id == f"{PA_2023}/31"
    assert rows["31"].line_end == rows["31.3"].line_end
    budget = by_number(BUDGET_2024)  # （一）, （二） … in the Budget
    assert [budget[f"227.{k}"].text[:4] for k in (1, 2)] == ["「政府長", "「公共交"]
    earlier = by_number(BUDGET_2023)
    assert earlier["40"].text == "在紓緩經營壓力方面，我建議："
    assert [earlier[f"40.{k}"].text[:4] for k in (1, 2, 3)] == ["寬減二零", "寬減二零", "由二零二"]
    assert "40.4" not in earlier
    inline = by_number(PA_2021)["70"]  # （一）…（五） inside a sentence are words, not sub-items
    assert "（三）加強與內地的文化交流合作；（四）善用科技" in inline.text and "70.1" not in by_number(PA_2021)


def test_footnotes_headers_and_annexes_are_not_paragraph_text():
    pa = by_number(PA_2023)
    assert pa["93.1"].text.endswith("有助單位流轉；")  # footnote 1 at the page's foot left out
    assert "整體約有105 000個公營房屋單位供應" not in " ".join(row.text for row in paragraphs(PA_2023))
    assert "指定項目指標" not in " ".join(row.text for row in paragraphs(PA_2023))  # the annex
    budget = paragraphs(BUDGET_2024)
    assert not any(row.text.startswith(("引言", "堅定信心")) for row in budget)  # running headers
    assert budget[-1].text.endswith("多謝主席！")  # the supplement (補編) is not read
    assert all(row.section != row.chapter for row in budget if row.section)


def _broken(document_id, old, new):
    text = (SOURCES / f"{document_id}.txt").read_text(encoding="utf-8")
    assert old in text
    return hksarg.parse(text.replace(old, new, 1), source_for(SOURCES, document_id).document)


def test_missing_paragraph_number_names_file_line_and_page():
    with pytest.raises(ParseError, match=r"hksarg-2023-policy-address.txt:264: page 14: paragraph 25 missing: found 26 after 24"):
        _broken(PA_2023, "\n25. 另外，政府已提交", "\n另外，政府已提交")


def test_repeated_paragraph_number_names_file_line_and_page():
    with pytest.raises(ParseError, match=r"hksarg-2020-policy-address.txt:405: page 18: paragraph 25 repeated"):
        _broken(PA_2020, "\n26. ", "\n25. ")


def test_last_number_must_match_the_table_of_contents():
    with pytest.raises(ParseError, match=r"table of contents lists paragraphs up to 249"):
        _broken(BUDGET_2024, "\n249. 在國家高質量發展", "\n在國家高質量發展")


def test_a_speech_without_its_salutation_reads_the_same():
    """Without the salutation the speech opens on the page after the table of contents."""
    unsaluted = _broken(PA_2020, "立法會主席、各位議員、各位市民：\n", "\n").paragraphs
    assert [(row.number, row.page, row.chapter, row.section, row.text) for row in unsaluted] == [
        (row.number, row.page, row.chapter, row.section, row.text) for row in paragraphs(PA_2020)
    ]
