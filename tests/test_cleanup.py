"""kb.text.cleanup on small snippets copied from the files in sources/."""

import re

from kb.text.cleanup import Paragraph, block_starts, clean_markdown_line, drop_block, drop_matching, ends_paragraph, join_broken, join_paragraphs, paragraph_spans, split_blocks, strip_markdown, trim_blank
from kb.text.lines import is_blank, numbered_lines, tidy_line

# cma-2023-policy-address.txt, lines 811-822: a sentence broken across lines
# with blank lines between, then a stray page number "13" before the next one.
CMA_PAGE_BREAK = [
    (811, "碳排放和廢物處理達致碳中和等方面入手之外，更應大力鼓勵市民實"),
    (812, ""),
    (813, "踐低碳的生活模式，以及促進各行各業特別是工業加快綠色轉型；而"),
    (814, ""),
    (815, "推動產品層面的減排和碳管理無疑是一項必行之策。 "),
    (816, ""),
    (817, ""),
    (818, ""),
    (819, "13 "),
    (820, " "),
    (821, ""),
    (822, "值得留意的是，歐盟在 2023年 4月通過了「碳邊界調整機制」"),
]
CMA_SENTENCE = (
    "碳排放和廢物處理達致碳中和等方面入手之外，更應大力鼓勵市民實踐低碳的生活模式，"
    "以及促進各行各業特別是工業加快綠色轉型；而推動產品層面的減排和碳管理無疑是一項必行之策。"
)

# cma-2023-policy-address.txt, lines 115-117: English inside Chinese text.
CMA_ENGLISH = [
    (115, "先地位戰略」 (Strategy for American Leadership in Advanced "),
    (116, ""),
    (117, "Manufacturing)、2019 年德國「國家工業戰略 2030」 (Nationale "),
]

# dsedt-2023-reply-written-inquiry.txt: the letterhead on every page, here
# between lines 20 and 29, which break one paragraph (shortened here).
LETTERHEAD = (
    "澳門特別行政區政府",
    "Governo da Região Administrativa Especial de Macau",
    "經濟及科技發展局",
    "Direcção dos Serviços de Economia e Desenvolvimento Tecnológico",
)
DSEDT_PAGES = [
    (5, LETTERHEAD[0]),
    (6, LETTERHEAD[1]),
    (7, LETTERHEAD[2]),
    (8, LETTERHEAD[3]),
    (9, ""),
    (10, "關於立法會施家倫議員書面質詢的回覆"),
    (20, "向本澳中小微企業講解數字化營銷運營的解決方案、私域流量管"),
    (21, ""),
    (22, ""),
    (23, ""),
    (24, LETTERHEAD[0]),
    (25, LETTERHEAD[1]),
    (26, LETTERHEAD[2]),
    (27, LETTERHEAD[3]),
    (28, ""),
    (29, "理及數字化轉型工具等，讓中小微企為適應市場消費型態的轉變作好準備。"),
]

# bdc-2020-brand-relaunch-survey.txt: the running header, alone (line 69)
# and with the next section's title glued on (line 173).
BDC_HEADER_RE = re.compile(r"^香港品牌企業「再出發」問卷調查\s*分析報告")
BDC_HEADERS = [
    (68, "新的切入點，並為大灣區的經貿合作另闢新維度。"),
    (69, " 香港品牌企業「再出發」問卷調查 分析報告"),
    (172, "Area, and create a new avenue for engaging Hong Kong companies in this regional development initiative."),
    (173, " 香港品牌企業「再出發」問卷調查 分析報告調查背景及方法"),
    (174, ""),
    (175, "一、調查背景及方法"),
]

# bdc-2020-brand-relaunch-survey.txt, Executive Summary, lines 74-76, 97-98, 108-109.
BDC_ENGLISH = [
    (74, "bringing unprecedented challenges to Hong Kong’s industrial and commercial sectors. In June 2020, Hong "),
    (75, "Kong Brand Development Council (the BDC) conducted a survey under the banner of “Hong Kong Brands: "),
    (76, "The Road to Relaunch” on its affiliated member companies."),
    (97, "led to further tightening-"),
    (98, "up of social distancing measures."),
    (108, " Concerning the strategic deployment of future brand development, digital transformation emerges as a "),
    (109, "“standard action” of almost 90% of respondents."),
]

# hkpc-2025-manufacturing-study.txt, lines 23-27.
HKPC_FINDINGS = [
    (23, "為了解香港製造業現況，生產力局成功訪問 288 間本港從事製造業務的企業，研究結果重點如下："),
    (24, ""),
    (25, "- **69%企業認同款多量少是製造業新趨勢**"),
    (26, "- **81%企業表示未引入智能化方案應對客製化新趨勢**"),
    (27, ""),
]


def test_numbered_lines():
    assert numbered_lines("13 \r\n \n值得留意的是") == [(1, "13 "), (2, " "), (3, "值得留意的是")]


def test_is_blank():
    assert is_blank((820, " "))
    assert is_blank((821, ""))
    assert not is_blank((819, "13 "))


def test_trim_blank():
    assert trim_blank(HKPC_FINDINGS[1:]) == HKPC_FINDINGS[2:4]
    assert trim_blank(CMA_PAGE_BREAK[8:11]) == [(819, "13 ")]
    assert trim_blank([(820, " "), (821, "")]) == []


def test_split_blocks():
    lines = HKPC_FINDINGS[:4]
    assert split_blocks(lines, [0, 2, 3]) == [lines[0:2], [lines[2]], [lines[3]]]
    assert split_blocks(lines, [2]) == [lines[2:4]]
    assert split_blocks(lines, []) == []


def test_drop_matching_removes_running_headers_with_text_glued_on():
    assert drop_matching(BDC_HEADERS, BDC_HEADER_RE) == [BDC_HEADERS[0], BDC_HEADERS[2], BDC_HEADERS[4], BDC_HEADERS[5]]
    assert drop_matching(CMA_ENGLISH, r"Manufacturing\)") == CMA_ENGLISH[:2]


def test_block_starts_finds_every_letterhead():
    assert block_starts(DSEDT_PAGES, LETTERHEAD) == [5, 24]
    padded = ("經濟及科技發展局", "  Direcção dos Serviços de Economia e Desenvolvimento Tecnológico ")
    assert block_starts(DSEDT_PAGES, padded) == [7, 26]
    assert block_starts(DSEDT_PAGES, ("不在文中",)) == []


def test_drop_block_removes_every_letterhead():
    kept = drop_block(DSEDT_PAGES, LETTERHEAD)
    assert [number for number, _ in kept] == [9, 10, 20, 21, 22, 23, 28, 29]


def test_tidy_line():
    assert tidy_line(" 香港品牌企業「再出發」問卷調查 分析報告") == "香港品牌企業「再出發」問卷調查分析報告"
    assert tidy_line("先地位戰略」 (Strategy for American Leadership in Advanced ") == (
        "先地位戰略」 (Strategy for American Leadership in Advanced"
    )
    assert tidy_line("1 .1 踏入 2020 年初，新型冠狀病毒  (COVID-19)") == "1 .1 踏入 2020 年初，新型冠狀病毒 (COVID-19)"


def test_strip_markdown():
    assert strip_markdown("- **69%企業認同款多量少是製造業新趨勢**") == "69%企業認同款多量少是製造業新趨勢"
    assert strip_markdown(" 1. 實行數字化轉型") == " 1. 實行數字化轉型"


def test_clean_markdown_line():
    assert clean_markdown_line("- **方向一：開拓新型製造模式**") == "方向一：開拓新型製造模式"
    assert clean_markdown_line("是\t1") == "是 | 1"
    assert clean_markdown_line("工業產品種類\t年份\t以當年美元匯率換算的出口貨物價值（十萬美元）\t\t") == (
        "工業產品種類 | 年份 | 以當年美元匯率換算的出口貨物價值（十萬美元）"
    )
    assert clean_markdown_line("\t\t香港（地區）\t台灣（地區）\t南韓") == "香港（地區） | 台灣（地區） | 南韓"
    assert clean_markdown_line("---\t---") == ""
    assert clean_markdown_line("[單選]") == "[單選]"


def test_ends_paragraph():
    assert ends_paragraph("推動產品層面的減排和碳管理無疑是一項必行之策。")
    assert ends_paragraph("研究結果重點如下：")
    assert ends_paragraph("曾登上平台的“熱榜”。”")  # constructed: a closing quote after the 。
    assert not ends_paragraph("值得留意的是，歐盟在 2023年 4月通過了「碳邊界調整機制」")
    assert not ends_paragraph("under the banner of “Hong Kong Brands:", english=True)
    assert ends_paragraph("“standard action” of almost 90% of respondents.", english=True)
    assert ends_paragraph("The Road to Relaunch.”", english=True)  # constructed, as above
    assert not ends_paragraph("一是維繫營商環境。", english=True)


def test_join_broken_chinese_and_english_words():
    assert join_broken("", "踐低碳的生活模式") == "踐低碳的生活模式"
    assert join_broken("更應大力鼓勵市民實", "踐低碳的生活模式") == "更應大力鼓勵市民實踐低碳的生活模式"
    assert join_broken("Leadership in Advanced", "Manufacturing)、2019 年") == (
        "Leadership in Advanced Manufacturing)、2019 年"
    )
    assert join_broken("發展戰略藍圖」", "(Manufacturing Renaissance Vision)") == "發展戰略藍圖」(Manufacturing Renaissance Vision)"
    assert join_broken("further tightening-", "up of") == "further tightening-up of"


def test_join_broken_curly_quotes():
    assert join_broken("emerges as a", "“standard action” of") == "emerges as a “standard action” of"
    assert join_broken("the identity of “Hong Kong Brands”", "bodes well") == (
        "the identity of “Hong Kong Brands” bodes well"
    )
    assert join_broken("在 2022 年的", "“十一黃金周”") == "在 2022 年的“十一黃金周”"
    assert join_broken("“十一黃金周”", "特區政府") == "“十一黃金周”特區政府"


def test_join_broken_english_mode():
    assert join_broken("sectors. In June 2020, Hong", "Kong Brand", english=True) == "sectors. In June 2020, Hong Kong Brand"
    assert join_broken("emerges as a", "“standard action”", english=True) == "emerges as a “standard action”"
    assert join_broken("further tightening-", "up of", english=True) == "further tightening-up of"
    assert join_broken("", "up of", english=True) == "up of"


def test_paragraph_spans_skip_blank_lines_and_page_numbers():
    assert paragraph_spans(CMA_PAGE_BREAK) == [
        Paragraph(CMA_SENTENCE, 811, 815),
        Paragraph("值得留意的是，歐盟在 2023年 4月通過了「碳邊界調整機制」", 822, 822),
    ]


def test_paragraph_spans_across_a_dropped_letterhead():
    spans = paragraph_spans(drop_block(DSEDT_PAGES, LETTERHEAD))
    assert spans == [
        Paragraph(
            "關於立法會施家倫議員書面質詢的回覆"
            "向本澳中小微企業講解數字化營銷運營的解決方案、私域流量管"
            "理及數字化轉型工具等，讓中小微企為適應市場消費型態的轉變作好準備。",
            10,
            29,
        )
    ]
    assert spans[0].line_start == 10 and spans[0].line_end == 29


def test_paragraph_spans_english():
    assert paragraph_spans(BDC_ENGLISH, english=True) == [
        Paragraph(
            "bringing unprecedented challenges to Hong Kong’s industrial and commercial sectors. In June 2020, "
            "Hong Kong Brand Development Council (the BDC) conducted a survey under the banner of "
            "“Hong Kong Brands: The Road to Relaunch” on its affiliated member companies.",
            74,
            76,
        ),
        Paragraph("led to further tightening-up of social distancing measures.", 97, 98),
        Paragraph(
            "Concerning the strategic deployment of future brand development, digital transformation emerges as a "
            "“standard action” of almost 90% of respondents.",
            108,
            109,
        ),
    ]


def test_join_paragraphs():
    assert join_paragraphs(CMA_PAGE_BREAK) == CMA_SENTENCE + "\n\n值得留意的是，歐盟在 2023年 4月通過了「碳邊界調整機制」"
    assert join_paragraphs(CMA_ENGLISH) == (
        "先地位戰略」 (Strategy for American Leadership in Advanced Manufacturing)、2019 年德國「國家工業戰略 2030」 (Nationale"
    )
    assert join_paragraphs(HKPC_FINDINGS) == (
        "為了解香港製造業現況，生產力局成功訪問 288 間本港從事製造業務的企業，研究結果重點如下："
        "\n\n- **69%企業認同款多量少是製造業新趨勢**- **81%企業表示未引入智能化方案應對客製化新趨勢**"
    )
    assert join_paragraphs([]) == ""


def test_join_paragraphs_english_ends_only_at_sentence_ends():
    chinese_mode = join_paragraphs(BDC_ENGLISH[:3])
    assert chinese_mode.split("\n\n")[0].endswith("under the banner of “Hong Kong Brands:")
    english = join_paragraphs(BDC_ENGLISH, english=True)
    assert english.count("\n\n") == 2
    assert "“Hong Kong Brands: The Road to Relaunch”" in english
    assert "tightening-up" in english
    assert "emerges as a “standard action”" in english
