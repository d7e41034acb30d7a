"""loaders/hkpc.py on the real HKPC 2025 manufacturing study."""

import re

import pytest

from kb.records import ParseError
from kb.text.cleanup import strip_markdown
from loaders.hkpc import parse

DOC_ID = "hkpc-2025-manufacturing-study"
P = f"{DOC_ID}/"
BODY_START = r"^第一章、簡介$"  # the chapter heading, not its table-of-contents entry

EXPECTED = [
    (P + "S1", "S1", "開拓新型製造模式", "三大方向十大舉措", "strategy", None),
    (P + "S1.1", "S1.1", "實行數碼化轉型", "開拓新型製造模式", "strategy", P + "S1"),
    (P + "S1.2", "S1.2", "落實綠色製造", "開拓新型製造模式", "strategy", P + "S1"),
    (P + "S1.3", "S1.3", "推動「智能微工廠」靈活生產", "開拓新型製造模式", "strategy", P + "S1"),
    (P + "S2", "S2", "發掘新增長引擎", "三大方向十大舉措", "strategy", None),
    (P + "S2.1", "S2.1", "優化產品開發市場", "發掘新增長引擎", "strategy", P + "S2"),
    (P + "S2.2", "S2.2", "拓展上下游產業鏈", "發掘新增長引擎", "strategy", P + "S2"),
    (P + "S2.3", "S2.3", "專利商品化", "發掘新增長引擎", "strategy", P + "S2"),
    (P + "S2.4", "S2.4", "生產技術商品化", "發掘新增長引擎", "strategy", P + "S2"),
    (P + "S3", "S3", "實現價值鏈轉型", "三大方向十大舉措", "strategy", None),
    (P + "S3.1", "S3.1", "培育產品設計能力", "實現價值鏈轉型", "strategy", P + "S3"),
    (P + "S3.2", "S3.2", "建立品牌多元化策略", "實現價值鏈轉型", "strategy", P + "S3"),
    (P + "S3.3", "S3.3", "拓展產品或技術應用範疇", "實現價值鏈轉型", "strategy", P + "S3"),
    (P + "1", "1", "因地制宜應用「智能微工廠」", "「在港製造」", "recommendation", None),
    (P + "2", "2", "強化香港總部職能", "「總部職能中心」", "recommendation", None),
    (P + "3", "3", "培育知識產權產業", "「製造服務業」", "recommendation", None),
    (P + "4", "4", "發展綠色製造服務", "「製造服務業」", "recommendation", None),
    (P + "5", "5", "加快招攬技術人才", "產業配套措施", "recommendation", None),
    (P + "6", "6", "創建製造業大模型", "產業配套措施", "recommendation", None),
    (P + "7", "7", "推廣製造業新形象", "產業配套措施", "recommendation", None),
]


@pytest.fixture(scope="module")
def lines(text):
    return text.split("\n")


@pytest.fixture(scope="module")
def rows(source, text):
    return parse(text, source.document).recommendations


def _line_of(lines, pattern, after=0):
    """1-based number of the first line from ``after`` matching a regex."""
    return next(i for i, line in enumerate(lines, start=1) if i > after and re.match(pattern, line))


def _without(text, pattern):
    """The text with the first line matching a regex removed (after the table of contents)."""
    lines = text.split("\n")
    del lines[_line_of(lines, pattern, after=_line_of(lines, BODY_START)) - 1]
    return "\n".join(lines)


def test_all_rows(rows):
    assert [(r.id, r.number, r.title, r.section, r.kind, r.parent_id) for r in rows] == EXPECTED


def test_ordinals_are_reading_order(rows):
    assert [r.ordinal for r in rows] == list(range(1, 21))
    assert [r.line_start for r in rows] == sorted(r.line_start for r in rows)


def test_document_fields(rows, source):
    assert {r.document_id for r in rows} == {DOC_ID}
    assert {r.year for r in rows} == {2025}


def test_seven_recommendations_all_from_chapter_4(rows, lines):
    chapter_4 = _line_of(lines, r"^第四章", after=_line_of(lines, BODY_START))
    closing = _line_of(lines, r"^4\.2 結束寄語$")
    recommendations = [r for r in rows if r.kind == "recommendation"]
    assert len(recommendations) == 7
    assert all(chapter_4 < r.line_start and r.line_end < closing for r in recommendations)
    assert recommendations[0].line_start == _line_of(lines, r"^建議一、", after=chapter_4)


def test_strategies_from_section_3_3(rows, lines):
    start = _line_of(lines, r"^3\.3\. ", after=_line_of(lines, BODY_START))
    end = _line_of(lines, r"^3\.4\. ", after=start)
    strategies = [r for r in rows if r.kind == "strategy"]
    assert len(strategies) == 13
    assert len([r for r in strategies if r.parent_id]) == 10
    assert all(start < r.line_start and r.line_end < end for r in strategies)


def test_line_ranges_contain_titles(rows, lines):
    for r in rows:
        span = "".join(strip_markdown(line) for line in lines[r.line_start - 1 : r.line_end])
        assert r.title[:8] in re.sub(r"\s", "", span), r.id


def test_no_markup_or_cover_description(rows):
    for r in rows:
        for value in (r.title, r.body, r.section):
            assert "The background features" not in value
            assert "**" not in value
            assert not any(line.startswith("- ") for line in value.split("\n")), r.id
            assert "\t" not in value


def test_pages_from_table_of_contents(rows):
    assert [r.page for r in rows if r.kind == "recommendation"] == [57, 58, 59, 60, 61, 62, 62]
    assert {r.page for r in rows if r.kind == "strategy"} == {None}


def test_bodies(rows):
    by_id = {r.id: r for r in rows}
    first = by_id[P + "1"].body
    assert first.startswith("首先，「在港製造」的層次在考慮本港優勢下，")
    assert "過去 10 年間，生產力局已協助業界在大灣區成功推動了超過 1300 個工業智能化項目" in first
    assert first.count("\n\n") == 2  # three paragraphs
    assert "建議二" not in first
    last = by_id[P + "7"].body
    assert last.endswith("為行業帶來新的發展機遇。")
    assert "結束寄語" not in last and "附錄" not in last
    assert by_id[P + "S2"].body == "4. 優化產品開發市場\n5. 拓展上下游產業鏈\n6. 專利商品化\n7. 生產技術商品化"
    assert by_id[P + "S2.3"].body.endswith("也是企業長期增長的重要動力。")
    assert by_id[P + "S1.1"].body.startswith("香港製造業應及早跟上數碼化的全球趨勢")


def test_sentence_broken_across_lines_is_joined(source, text):
    broken = text.replace("這不僅鼓勵企業善用", "這不僅鼓勵企業\n善用", 1)
    rows = parse(broken, source.document).recommendations
    assert "這不僅鼓勵企業善用" in rows[13].body
    assert rows[13].line_end == 821


def test_missing_recommendation_heading(source, text):
    broken = _without(text, r"^建議三、")
    with pytest.raises(ParseError) as error:
        parse(broken, source.document)
    assert error.value.source_file == "hkpc-2025-manufacturing-study.txt"
    assert error.value.line == _line_of(broken.split("\n"), r"^建議四、", after=200)
    assert "expected 建議三" in str(error.value)
    assert str(error.value).startswith(f"hkpc-2025-manufacturing-study.txt:{error.value.line}: ")


def test_repeated_recommendation_heading(source, text):
    broken = text.replace("建議六、產業配套措施：創建製造業大模型\n", "建議五、產業配套措施：創建製造業大模型\n")
    with pytest.raises(ParseError, match="expected 建議六"):
        parse(broken, source.document)


def test_missing_last_recommendation(source, text):
    with pytest.raises(ParseError, match="found 6"):
        parse(_without(text, r"^建議七、"), source.document)


def test_missing_direction(source, text):
    with pytest.raises(ParseError, match="expected 方向二") as error:
        parse(_without(text, r"^方向二："), source.document)
    assert error.value.line == _line_of(text.split("\n"), r"^方向三：") - 1


def test_missing_measure(source, text):
    with pytest.raises(ParseError, match="expected measure 6"):
        parse(_without(text, r"^6\. 專利商品化$"), source.document)


def test_wrong_measure_count(source, text):
    with pytest.raises(ParseError, match="expected 10 measures"):
        parse(_without(text, r"^10\. 拓展產品或技術應用範疇$"), source.document)


def test_missing_section(source, text):
    with pytest.raises(ParseError, match="section 4.1 heading not found"):
        parse(_without(text, r"^4\.1 "), source.document)
