import re
from collections import Counter

import pytest

from kb.build.manifest import source_for
from kb.records import ParseError
from loaders import cma
from tests.conftest import SOURCES, ROOT, parse_source, source_lines

POLICY_ADDRESS = "cma-2023-policy-address"
BUDGET = "cma-2024-budget"

POLICY_ADDRESS_ROWS = [
    ("1", "樹立全面的工業發展觀", "拓產業新格局"),
    ("2", "制定「香港工業藍圖」", "拓產業新格局"),
    ("3", "不拘一格「搶企業」", "拓產業新格局"),
    ("4", "構建需求導向型創科體系", "優化創科體制"),
    ("4.1", "探索「政產學研服」協作制度創新", "優化創科體制"),
    ("4.2", "創科撥款向產業界傾斜", "優化創科體制"),
    ("4.3", "加強適用型、共性技術研發", "優化創科體制"),
    ("4.4", "促進「港研港用」", "優化創科體制"),
    ("4.5", "調動學術界的積極性", "優化創科體制"),
    ("5", "打造「港版中試」", "優化創科體制"),
    ("5.1", "建立系統化「港版中試」功能", "優化創科體制"),
    ("5.2", "組建專業化中試組織", "優化創科體制"),
    ("5.3", "設立專項扶持基金", "優化創科體制"),
    ("5.4", "開展中試跨境合作", "優化創科體制"),
    ("5.5", "以中試帶動「新型工業化」", "優化創科體制"),
    ("6", "參考內地經驗建設智慧城市", "優化創科體制"),
    ("7", "助國家突破科技封鎖", "優化創科體制"),
    ("8", "應對經貿環境轉變", "助業界迎挑戰"),
    ("9", "加碼投資市場推廣", "助業界迎挑戰"),
    ("10", "推動中小企低碳轉型", "助業界迎挑戰"),
    ("11", "重整人力資源政策", "充實人力人才"),
    ("12", "強化人才儲備", "充實人力人才"),
    ("13", "理順「人才清單」", "充實人力人才"),
    ("14", "打造「香港優勢工業」高地", "策劃北都發展"),
    ("15", "新界北設「通關緩衝帶」", "策劃北都發展"),
    ("16", "新田聚焦共性科研", "策劃北都發展"),
    ("17", "助內地港企提升競爭力", "支援內地港企"),
    ("18", "助港商參與「內循環」", "支援內地港企"),
    ("19", "推進兩地商標合作", "支援內地港企"),
]

BUDGET_ROWS = [
    ("1", "制定香港工業發展藍圖", "務實推動新型工業化"),
    ("2", "加強對工業發展的支援", "務實推動新型工業化"),
    ("3", "打造「香港優勢工業高地」", "務實推動新型工業化"),
    ("4", "創建「香港食品產業園」", "務實推動新型工業化"),
    ("5", "構建需求導向的創新機制", "激勵創科增實效"),
    ("6", "建設「港版中試」雙基地", "激勵創科增實效"),
    ("7", "加大力度提振內需", "穩經濟激發動能"),
    ("8", "應對外貿環境的轉變", "穩經濟激發動能"),
    ("9", "助力發展工業旅遊", "穩經濟激發動能"),
    ("9.1", "提升政策定位", "穩經濟激發動能"),
    ("9.2", "提供經濟誘因", "穩經濟激發動能"),
    ("9.3", "提速能力建構", "穩經濟激發動能"),
    ("9.4", "提振市場推廣", "穩經濟激發動能"),
    ("10", "持續點亮夜間經濟", "穩經濟激發動能"),
    ("11", "推動中小企低碳轉型", "穩經濟激發動能"),
    ("12", "強化對內地港企的支援", "提升大灣區合作"),
    ("13", "助港商拓展內銷商機", "提升大灣區合作"),
]

_HAN_RE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def policy_address():
    return parse_source(POLICY_ADDRESS, cma.parse).recommendations


@pytest.fixture(scope="module")
def budget():
    return parse_source(BUDGET, cma.parse).recommendations


def test_policy_address_numbers_titles_sections(policy_address):
    assert [(r.number, r.title, r.section) for r in policy_address] == POLICY_ADDRESS_ROWS
    assert len([r for r in policy_address if r.parent_id is None]) == 19
    assert len({r.section for r in policy_address}) == 6


def test_budget_numbers_titles_sections(budget):
    assert [(r.number, r.title, r.section) for r in budget] == BUDGET_ROWS
    assert len([r for r in budget if r.parent_id is None]) == 13
    assert len({r.section for r in budget}) == 4


def test_ids_ordinals_kinds_and_years(policy_address, budget):
    assert policy_address[12].id == "cma-2023-policy-address/5.3"
    assert [r.ordinal for r in policy_address] == list(range(1, 30))
    assert {r.kind for r in policy_address + budget} == {"recommendation"}
    assert {r.year for r in policy_address} == {2023}
    assert {r.year for r in budget} == {2024}
    assert {r.document_id for r in budget} == {BUDGET}


def test_sub_items_have_their_parents(policy_address, budget):
    parents = {r.id: r.parent_id for r in policy_address + budget if r.parent_id}
    assert parents == {
        **{f"{POLICY_ADDRESS}/4.{n}": f"{POLICY_ADDRESS}/4" for n in range(1, 6)},
        **{f"{POLICY_ADDRESS}/5.{n}": f"{POLICY_ADDRESS}/5" for n in range(1, 6)},
        **{f"{BUDGET}/9.{n}": f"{BUDGET}/9" for n in range(1, 5)},
    }


def test_parent_body_is_the_text_before_its_sub_items(policy_address, budget):
    four = policy_address[3]
    assert four.body.startswith("本屆政府頒布了《香港創新科技發展藍圖》")
    assert four.body.endswith("具體而言，本會有以下建議：")
    assert budget[8].body.endswith("從以下五個方面入手，引領、助力香港工業旅遊的發展：")


def test_sub_item_body_follows_its_first_sentence(policy_address, budget):
    sub = policy_address[4]
    assert sub.body.startswith("未來香港創科產業的發展應循著「科技產業化」和「產業科技化」作雙向推進")
    assert budget[9].body.startswith("適逢 2017 年發佈的五年規劃《香港旅遊業發展藍圖》有待更新")


def test_body_has_no_stray_page_numbers(policy_address):
    ten = next(r for r in policy_address if r.number == "10")
    assert ten.line_start < 819 < ten.line_end  # page number "13" sits on line 819
    assert "\n13\n" not in ten.body and "13值得" not in ten.body
    assert "無疑是一項必行之策。\n\n值得留意的是，歐盟在 2023年 4月通過了「碳邊界調整機制」" in ten.body


def test_sentence_broken_across_lines_is_whole(policy_address, budget):
    assert "對香港來說，振興工業不但對推動產業更新" in policy_address[0].body
    assert "(Strategy for American Leadership in Advanced Manufacturing)" in policy_address[1].body
    assert "「新型工業化」戰略的三層次內涵" in policy_address[0].body
    assert "振興工業不但對推動產業更新" in budget[0].body


def test_spaces_lost_inside_english_words_are_left(policy_address):
    ten = next(r for r in policy_address if r.number == "10")
    assert "(CarbonBorderAdjustmentMechanism,CBAM)" in ten.body


@pytest.mark.parametrize("document_id", [POLICY_ADDRESS, BUDGET])
def test_line_ranges_point_at_the_right_text(document_id):
    rows = parse_source(document_id, cma.parse).recommendations
    lines = source_lines(document_id)
    parents = {row.parent_id for row in rows}
    for row in rows:
        passage = "".join(lines[row.line_start - 1 : row.line_end]).replace(" ", "")
        assert row.title.replace(" ", "") in passage
        if row.id not in parents:  # a parent's range runs on to its last sub-item's end
            assert row.body.replace(" ", "").endswith(lines[row.line_end - 1].replace(" ", ""))


def test_line_ranges_of_known_rows(policy_address, budget):
    ranges = {r.id: (r.line_start, r.line_end) for r in policy_address + budget}
    assert ranges[f"{POLICY_ADDRESS}/1"] == (12, 107)
    assert ranges[f"{POLICY_ADDRESS}/4"] == (276, 446)
    assert ranges[f"{POLICY_ADDRESS}/4.1"] == (322, 353)
    assert ranges[f"{POLICY_ADDRESS}/19"] == (1380, 1441)
    assert ranges[f"{BUDGET}/9.4"] == (696, 714)
    assert ranges[f"{BUDGET}/13"] == (899, 953)  # the closing date on line 955 is not part of it


@pytest.mark.parametrize(
    "document_id,dropped",
    [
        # The document's title lines; every other Han character is kept.
        (POLICY_ADDRESS, "香港中華廠商聯合會對年施政報告的建議"),
        # Title lines, the 一是..四是 list markers and the closing date 2023 年 12 月.
        (BUDGET, "香港中華廠商聯合會對年財政預算案的建議一是二是三是四是年月"),
    ],
)
def test_nothing_of_the_content_is_dropped(document_id, dropped):
    rows = parse_source(document_id, cma.parse).recommendations
    source = Counter(_HAN_RE.findall((SOURCES / f"{document_id}.txt").read_text(encoding="utf-8")))
    kept = Counter()
    for row in rows:
        kept.update(_HAN_RE.findall(row.title + row.body))
    kept.update(_HAN_RE.findall("".join(dict.fromkeys(r.section for r in rows))))
    assert source - kept == Counter(_HAN_RE.findall(dropped))
    assert kept - source == Counter()


def test_trimmed_copy_parses_to_its_three_recommendations():
    document = source_for(SOURCES, POLICY_ADDRESS).document
    text = (ROOT / "tests" / "cma" / "policy-address-2023-first-three.txt").read_text(encoding="utf-8")
    rows = cma.parse(text, document).recommendations
    assert [(r.number, r.title) for r in rows] == [
        ("1", "樹立全面的工業發展觀"),
        ("2", "制定「香港工業藍圖」"),
        ("3", "不拘一格「搶企業」"),
    ]
    assert rows[-1].line_end == 273  # the next section heading, 優化創科體制, is not part of it


def _parse_broken(text):
    return cma.parse(text, source_for(SOURCES, POLICY_ADDRESS).document)


def test_no_numbered_recommendations_is_an_error():
    with pytest.raises(ParseError, match=r"^cma-2023-policy-address.txt: no numbered recommendations"):
        _parse_broken("香港中華廠商聯合會\n\n只有一段文字。\n")


def test_numbers_out_of_order_are_an_error():
    text = (ROOT / "tests" / "cma" / "policy-address-2023-first-three.txt").read_text(encoding="utf-8")
    with pytest.raises(ParseError, match=r"^cma-2023-policy-address.txt:194: recommendation 4 found where 3"):
        _parse_broken(text.replace("3. 不拘一格「搶企業」", "4. 不拘一格「搶企業」"))


def test_repeated_number_is_an_error():
    text = (ROOT / "tests" / "cma" / "policy-address-2023-first-three.txt").read_text(encoding="utf-8")
    with pytest.raises(ParseError, match=r"^cma-2023-policy-address.txt:109: recommendation 1 found where 2"):
        _parse_broken(text.replace("2. 制定「香港工業藍圖」", "1. 制定「香港工業藍圖」"))


def test_sub_items_out_of_order_are_an_error():
    text = (SOURCES / f"{POLICY_ADDRESS}.txt").read_text(encoding="utf-8")
    broken = text.replace("(3) 加強適用型、共性技術研發", "(4) 加強適用型、共性技術研發")
    with pytest.raises(ParseError, match=r"^cma-2023-policy-address.txt:383: sub-item 4 found where 3"):
        _parse_broken(broken)
