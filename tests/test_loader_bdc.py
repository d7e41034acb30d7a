"""loaders.bdc on the real BDC 2020 survey report."""

import re
from functools import cache
from pathlib import Path

import pytest

from kb.build.manifest import source_for
from kb.records import ParseError
from loaders.bdc import parse
from kb.text.lines import tidy_line

ROOT = Path(__file__).parent.parent
DOCUMENT_ID = "bdc-2020-brand-relaunch-survey"

EXPECTED = [
    ("1", "政府與社會各界攜手恢復和維持法治、安定、平和、便利營商的社會環境", "維繫營商環境"),
    ("2", "以推廣「香港品牌」作為重建香港形象的切入點和拓展對外經貿關係的工作方向之一", "推廣香港品牌"),
    ("3", "以「香港品牌」來延展、昇華香港的「原產地效應」，助力港商應對當前國際環境突變的風險", "推廣香港品牌"),
    ("4", "透過 G2G、G2C 渠道宣傳香港的品牌優勢；在國際層面上加強對「香港品牌」權益的宣示和保護", "推廣香港品牌"),
    ("5", "在內地和海外舉辦宣傳「香港品牌」的標誌性活動", "推廣香港品牌"),
    ("6", "鼓勵和協助業界「抱團出海」，在境外設立「香港品牌」的專門分銷、推廣設施", "推廣香港品牌"),
    ("7", "審視現行的資金補貼、融資支持方案和相關基金，必要時予以加碼和延期", "加強資金支持"),
    ("8", "「中小企業市場推廣基金」資助更多品牌推廣活動，並引入「循環申請機制」", "加強資金支持"),
    ("9", "設立更具針對性的「品牌發展支援計劃」", "加強資金支持"),
    ("10", "研究為企業發展品牌的支出提供額外稅務扣減或優惠稅率", "加強資金支持"),
    ("11", "將「遙距營商計劃」升格為恆常性的「數碼轉型促進計劃」", "促進數碼轉型"),
    ("12", "資助提升數碼化的「硬技術」和「軟技能」項目", "促進數碼轉型"),
    ("13", "設立數碼轉型的「示範項目」", "促進數碼轉型"),
    ("14", "重點發佈有關內地、東盟等周邊地區經濟復元進度、市場動態、電子商務發展趨勢的資訊", "助力市場拓展"),
    ("15", "將主力拓展香港本地市場的項目納入相關基金的資助範圍之內", "助力市場拓展"),
    ("16", "在公共採購政策中訂立「香港品牌優先」的原則", "助力市場拓展"),
    ("17", "協助商會等機構舉辦全港性、線上線下並舉的促銷活動或展覽展銷會", "助力市場拓展"),
    ("18", "推廣「品牌大灣區」願景，促進大灣區內的品牌合作", "倡導品牌大灣區"),
]

SUPPORT_STARTS = {
    "維繫營商環境": "3.9 一是維繫營商環境，穩定為先",
    "推廣香港品牌": "3.11 二是推廣香港品牌，以面帶點",
    "加強資金支持": "3.14 三是強化資金支持，財稅發力",
    "促進數碼轉型": "3.16 四是促進數碼轉型，持續支援",
    "助力市場拓展": "3.18 五是助力市場拓展，聚焦本區",
    "倡導品牌大灣區": "3.20 六是倡導品牌大灣區，拓新合作",
}


@cache
def _source():
    source = source_for(ROOT / "sources", DOCUMENT_ID)
    return source.document, source.path.read_text(encoding="utf-8")


@cache
def _parsed():
    document, text = _source()
    return parse(text, document)


def _rows():
    return _parsed().recommendations


def _source_lines() -> list[str]:
    return _source()[1].split("\n")


def _without_line(pattern: str) -> str:
    """The real text with the one line matching ``pattern`` removed."""
    lines = _source_lines()
    matching = [i for i, line in enumerate(lines) if re.search(pattern, line)]
    assert len(matching) == 1, pattern
    return "\n".join(lines[: matching[0]] + lines[matching[0] + 1 :])


def _parse_error(text: str) -> ParseError:
    with pytest.raises(ParseError) as caught:
        parse(text, _source()[0])
    return caught.value


def test_the_eighteen_recommendations_with_their_areas():
    assert [(row.number, row.title, row.section) for row in _rows()] == EXPECTED


def test_ids_ordinals_kind_and_year():
    document = _source()[0]
    rows = _rows()
    assert [row.id for row in rows] == [f"{DOCUMENT_ID}/{n}" for n in range(1, 19)]
    assert [row.ordinal for row in rows] == list(range(1, 19))
    assert {row.kind for row in rows} == {"recommendation"}
    assert {row.year for row in rows} == {document.year} == {2020}
    assert {row.document_id for row in rows} == {DOCUMENT_ID}
    assert {row.parent_id for row in rows} == {None}


def test_body_is_the_full_item_text():
    for row in _rows():
        assert row.body == row.title + "。"


def test_wrapped_lines_stay_with_their_item():
    rows = {row.number: row for row in _rows()}
    assert (rows["1"].line_start, rows["1"].line_end) == (746, 747)
    assert (rows["14"].line_start, rows["14"].line_end) == (787, 788)
    assert rows["1"].title.endswith("社會環境")
    assert rows["4"].title.endswith("權益的宣示和保護")
    assert rows["8"].title.endswith("並引入「循環申請機制」")


def test_line_ranges_hold_the_start_of_each_title():
    lines = _source_lines()
    for row in _rows():
        assert 742 < row.line_start <= row.line_end < 797
        held = "".join(tidy_line(line) for line in lines[row.line_start - 1 : row.line_end]).replace(" ", "")
        assert row.title.replace(" ", "")[:8] in held, row.number


def test_support_is_the_narrative_of_the_area():
    for row in _rows():
        assert row.support.startswith(SUPPORT_STARTS[row.section]), row.number
    promotion = [row for row in _rows() if row.section == "推廣香港品牌"]
    assert all("以面帶點" in row.support for row in promotion)
    assert all("3.12" in row.support and "3.13" in row.support for row in promotion)


def test_support_line_ranges():
    ranges = {row.section: (row.support_line_start, row.support_line_end) for row in _rows()}
    assert ranges == {
        "維繫營商環境": (655, 666),
        "推廣香港品牌": (668, 689),
        "加強資金支持": (691, 705),
        "促進數碼轉型": (707, 716),
        "助力市場拓展": (717, 728),
        "倡導品牌大灣區": (730, 741),
    }


def test_summaries():
    document = _parsed().document
    assert document.summary_zh.startswith("新型冠狀病毒 (COVID-19) 疫情衝擊全球經濟")
    assert document.summary_zh.endswith("並為大灣區的經貿合作另闢新維度。")
    assert "香港品牌發展局於 2020 年 6 月" in document.summary_zh
    assert "分析報告" not in document.summary_zh
    assert len(document.summary_zh.split("\n\n")) == 12
    assert document.summary_en.startswith("The novel coronavirus (COVID-19) pandemic")
    assert document.summary_en.endswith("this regional development initiative.")
    assert "global economy, bringing unprecedented" in document.summary_en
    assert "“Hong Kong Brands: The Road to Relaunch”" in document.summary_en
    assert "emerges as a “standard action”" in document.summary_en
    assert "香港" not in document.summary_en
    assert len(document.summary_en.split("\n\n")) == 13


def test_document_is_otherwise_unchanged():
    document, parsed = _source()[0], _parsed().document
    assert (parsed.id, parsed.title_zh, parsed.sha256) == (document.id, document.title_zh, document.sha256)
    assert document.summary_zh is None


def test_no_survey_or_questionnaire_text_in_rows():
    for row in _rows():
        for text in (row.title, row.body):
            assert "%" not in text
            assert "□" not in text
            assert "貴司" not in text
            assert "註" not in text
            assert "問卷" not in text


def test_pages_are_left_unknown():
    assert {row.page for row in _rows()} == {None}


def test_missing_table_three_is_an_error():
    error = _parse_error(_without_line(r"表三　支援香港品牌"))
    assert error.source_file == f"{DOCUMENT_ID}.txt"
    assert "Table 3" in str(error)


def test_missing_item_is_an_error_at_the_next_item():
    error = _parse_error(_without_line(r"^（5）"))
    assert str(error).startswith(f"{DOCUMENT_ID}.txt:761: ")
    assert "（6）" in str(error) and "（5）" in str(error)


def test_missing_last_item_is_an_error():
    error = _parse_error(_without_line(r"（18）"))
    assert error.line is not None
    assert "17 items" in str(error)


def test_repeated_item_is_an_error():
    text = _source()[1].replace("（13） 設立", "（12） 設立")
    error = _parse_error(text)
    assert error.line == 783


def test_missing_narrative_is_an_error():
    error = _parse_error(_without_line(r"^3\.16 四是"))
    assert error.line is not None
    assert "一是..六是" in str(error)


def test_table_line_without_an_item_is_an_error():
    text = _source()[1].replace("  香港品牌企業「再出發」問卷調查 \n", "  尚有一行\n  香港品牌企業「再出發」問卷調查 \n", 1)
    error = _parse_error(text)
    assert "尚有一行" in str(error)


def test_area_name_split_across_lines():
    text = _source()[1].replace("推廣香港品牌\n", "推廣香港\n品牌\n", 1)
    text = text.replace("倡導品牌大灣區 （18）", "倡導品牌\n大灣區 （18）", 1)
    sections = [row.section for row in parse(text, _source()[0]).recommendations]
    assert sections == [section for _, _, section in EXPECTED]
