"""loaders.dsedt on the real reply to 施家倫議員's written inquiry."""


import pytest

from kb.records import ParseError
from loaders import dsedt

DOC_ID = "dsedt-2023-reply-written-inquiry"


@pytest.fixture(scope="module")
def parsed(source, text):
    return dsedt.parse(text, source.document)


def _id(n):
    return f"{DOC_ID}/{n}"


def test_measures(parsed):
    assert [(r.id, r.number, r.title, r.section, r.page, r.kind) for r in parsed.recommendations] == [
        (_id(1), "1", "特區政府支持企業抓緊網絡經濟帶來的契機，善用線上平台拓展業務", "質詢第一點", 1, "measure"),
        (_id(2), "2", "特區政府協助特色店利用線上新媒體進行網絡營銷", "質詢第一點", 1, "measure"),
        (_id(3), "3", "在 2022 年的“十一黃金周”，特區政府邀請了內地百萬級別博主來澳", "質詢第一點", 1, "measure"),
        (_id(4), "4", "本局與生產力暨科技轉移中心於 2022 年 12 月 13 日合辦了“中小企升級…", "質詢第一點", 1, "measure"),
        (_id(5), "5", "本局持續積極在社區引入科技元素", "質詢第一點", 2, "measure"),
        (_id(6), "6", "未來，本局將繼續從多方面為中小企數字化轉型提供支援", "質詢第一點", 2, "measure"),
        (_id(7), "7", "“M嘜-澳門產品優質認證計劃”由澳門廠商團體與該中心合辦", "質詢第二點", 2, "measure"),
        (_id(8), "8", "生產力暨科技轉移中心持續為有申請認證意願的廠商提供工作坊及個別輔導等技術支援", "質詢第二點", 3, "measure"),
        (_id(9), "9", "自計劃推出以來，該中心一直有通過不同渠道進行宣傳推廣", "質詢第二點", 3, "measure"),
    ]


def test_line_ranges_ordinals_and_year(parsed, source):
    rows = parsed.recommendations
    assert [(r.line_start, r.line_end) for r in rows] == [
        (14, 14), (16, 16), (18, 18), (20, 29), (31, 31), (33, 33), (35, 46), (48, 48), (50, 52),
    ]
    assert [r.ordinal for r in rows] == list(range(1, 10))
    assert {(r.year, r.document_id) for r in rows} == {(2023, DOC_ID)}


def test_inquiry_fields(parsed):
    document = parsed.document
    assert document.inquiry_member == "施家倫議員"
    assert document.inquiry_date == "2022-12-09"
    assert document.inquiry_ref == "1212/E922/VII/GPAL/2022"
    assert document.id == DOC_ID


def test_letterhead_dropped_and_page_breaks_rejoined(parsed):
    bodies = {r.number: r.body for r in parsed.recommendations}
    for body in bodies.values():
        for letterhead in dsedt.LETTERHEAD:
            assert letterhead not in body
        assert "Governo" not in body and "陳子慧" not in body and "回覆如下" not in body
    assert "私域流量管理及數字化轉型工具" in bodies["4"]
    assert "加大獲認證產品在大灣區的消費者信心" in bodies["7"]


def test_bodies_hold_the_named_measures(parsed):
    bodies = {r.number: r.body for r in parsed.recommendations}
    assert "進駐內地知名生活消費平台" in bodies["1"]
    assert "網紅" in bodies["2"]
    assert "十一黃金周" in bodies["3"]
    assert "“關前薈”、“悠路環”及“悠氹仔”" in bodies["5"]
    assert bodies["7"].startswith("關於質詢第二點問題")
    assert "香港優質標誌局和香港標準及檢定中心作為第三方技術審核單位" in bodies["7"]
    assert "中小型食品生產管理工具書" in bodies["8"]
    assert "在內地成功取得商標註冊" in bodies["9"]
    assert bodies["9"].count("\n\n") == 1


def test_line_range_contains_title_start(parsed, text):
    lines = text.split("\n")
    for row in parsed.recommendations:
        hits = [n for n, line in enumerate(lines, start=1) if row.title[:10] in line]
        assert any(row.line_start <= n <= row.line_end for n in hits), row.id


def _error(text, source):
    with pytest.raises(ParseError) as caught:
        dsedt.parse(text, source.document)
    assert str(caught.value).startswith(source.document.source_file)
    return str(caught.value)


def test_missing_inquiry_reference(text, source):
    broken = text.replace("第 1212/E922/VII/GPAL/2022 號公函", "公函")
    assert broken != text
    assert "inquiry reference" in _error(broken, source)


def test_no_measures(text, source):
    lines = text.split("\n")
    broken = "\n".join(lines[:13] + lines[53:])
    assert "no measures" in _error(broken, source)


def test_no_letterhead(text, source):
    broken = "\n".join(line for line in text.split("\n") if line.strip() not in dsedt.LETTERHEAD)
    assert "no letterhead" in _error(broken, source)


def test_no_opening_paragraph(text, source):
    broken = text.replace("回覆如下：", "。")
    assert "回覆如下" in _error(broken, source)


def test_text_after_signature(text, source):
    assert "代局長" in _error(text + "\n附件一\n", source)
