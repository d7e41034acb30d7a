"""No loader stops counting: documents generated with 9 to 1000 numbered
items (Arabic numbers, Chinese numerals, in brackets, with and without a
heading) give a row for every item, and a line numbered as the loader's
items are that belongs to no row is a warning naming the file and line."""

import pytest

import loaders
from kb.build.manifest import Source
from kb.build.pipeline import build, parse_sources, warnings
from kb.records import Document, Publisher
from kb.text.numbering import cn_number, cn_numeral, roman_number
from tests.conftest import SOURCES

COUNTS = (9, 99, 100, 120, 1000)
STYLES = {
    "num": lambda k: f"{k}. ",
    "cn": lambda k: f"{cn_numeral(k)}、",
    "cn-paren": lambda k: f"（{cn_numeral(k)}）",
    "num-paren": lambda k: f"({k}) ",
}


def document(document_id="generated-2026-asks", loader="generic") -> Document:
    return Document(
        id=document_id, publisher_id="generated", title_zh="生成的意見書", title_en="A generated submission",
        kind="submission", cycle=None, published="2026", year=2026, language="zh-Hant",
        source_file=f"{document_id}.txt", sha256="", loader=loader,
    )


def asks_text(count: int, style: str, heading: bool = True, after: list[str] = ()) -> str:
    """A submission of ``count`` asks numbered in ``style``, each a line and
    a blank line, perhaps under a heading that names them; ``after``: lines
    after the asks."""
    lines = ["對施政報告的意見書", ""] + (["政策建議", ""] if heading else [])
    for k in range(1, count + 1):
        lines += [f"{STYLES[style](k)}建議政府推行第{k}項措施，支援中小企業發展。", ""]
    return "\n".join(lines + list(after)) + "\n"


# --- numerals ----------------------------------------------------------------------


def test_chinese_numerals_of_any_size():
    cases = {"一": 1, "十": 10, "十二": 12, "九十九": 99, "一百": 100, "一百零一": 101, "一百一十": 110, "一百十": 110,
             "一百二十": 120, "兩百": 200, "九百九十九": 999, "一千": 1000, "一千零一十": 1010, "一千零十": 1010,
             "三萬": 30_000, "120": 120}
    assert {text: cn_number(text) for text in cases} == cases
    assert [cn_number(text) for text in ("二三", "一百二", "十百", "一百零", "二〇二三", "百", "")] == [None] * 7
    assert all(cn_number(cn_numeral(number)) == number for number in range(1, 10_000))


def test_roman_numerals_up_to_thirty_nine():
    assert [roman_number(text) for text in ("i", "iv", "ix", "xii", "xiv", "xix", "xxxix")] == [1, 4, 9, 12, 14, 19, 39]
    assert [roman_number(text) for text in ("iiii", "vx", "iix", "")] == [None] * 4


# --- the generic loader ------------------------------------------------------------


@pytest.mark.parametrize("count", COUNTS)
@pytest.mark.parametrize("style", STYLES)
def test_every_ask_is_a_row_whatever_their_number(style, count):
    parsed = loaders.LOADERS["generic"](asks_text(count, style), document())
    assert len(parsed.recommendations) == count
    assert [row.number for row in parsed.recommendations] == [str(k) for k in range(1, count + 1)]
    last = parsed.recommendations[-1]
    assert last.title == f"建議政府推行第{count}項措施，支援中小企業發展" and last.line_start == 4 + 2 * count - 1
    assert parsed.unread == ()


@pytest.mark.parametrize("count", (9, 120))
@pytest.mark.parametrize("style", STYLES)
def test_asks_without_a_heading(style, count):
    parsed = loaders.LOADERS["generic"](asks_text(count, style, heading=False), document())
    assert len(parsed.recommendations) == count and parsed.unread == ()


def test_circled_numbers_run_to_fifty():
    circled = "".join(map(chr, [*range(0x2460, 0x2474), *range(0x3251, 0x3260), *range(0x32B1, 0x32C0)]))
    text = "政策建議\n" + "".join(f"{mark}建議政府推行第{k}項措施。\n" for k, mark in enumerate(circled, start=1))
    assert len(loaders.LOADERS["generic"](text, document()).recommendations) == 50


def test_sub_items_of_any_number():
    lines = ["對施政報告的意見書", "一、支援中小企業", "本會認為政府應推行以下措施。"]
    lines += [f"({k}) 推行第{k}項措施。" for k in range(1, 121)]
    lines += ["二、推動再工業化", "建議擴大資助。"]
    rows = loaders.LOADERS["generic"]("\n".join(lines) + "\n", document()).recommendations
    assert [row.number for row in rows if row.parent_id] == [f"1.{k}" for k in range(1, 121)]


def test_a_numbered_line_of_the_asks_style_outside_every_row_is_unread():
    """A second list numbered as the asks are, after a heading, restarting at 1."""
    after = ["附錄", "", "1. 本會會員名單如下，共三十家公司。", "", "2. 本會秘書處聯絡方法見下。", ""]
    text = asks_text(5, "num", after=after)
    parsed = loaders.LOADERS["generic"](text, document())
    assert len(parsed.recommendations) == 5
    lines = text.split("\n")
    assert [number for number, _ in parsed.unread] == [lines.index(line) + 1 for line in after if line[:1].isdigit()]


# --- the CMA loader ------------------------------------------------------------------


def cma_text(count: int, subs: int = 0, sub_style: str = "paren") -> str:
    lines = ["香港中華廠商聯合會對施政報告的建議", "", "拓產業新格局"]
    for k in range(1, count + 1):
        lines += [f"{k}. 推行第{k}項措施", f"建議政府推行第{k}項措施。"]
        if k == 1:
            for sub in range(1, subs + 1):
                lines.append(f"({sub}) 第{sub}點。" if sub_style == "paren" else f"{cn_numeral(sub)}是第{sub}點。")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("count", COUNTS)
def test_cma_recommendations_of_any_number(count):
    parsed = loaders.LOADERS["cma"](cma_text(count), document(loader="cma"))
    assert [row.number for row in parsed.recommendations] == [str(k) for k in range(1, count + 1)]
    assert parsed.unread == ()


@pytest.mark.parametrize("style", ("paren", "shi"))
def test_cma_sub_items_of_any_number(style):
    parsed = loaders.LOADERS["cma"](cma_text(3, subs=120, sub_style=style), document(loader="cma"))
    assert len([row for row in parsed.recommendations if row.parent_id]) == 120
    assert parsed.recommendations[120].number == "1.120"


def test_a_cma_numbered_line_before_the_first_recommendation_is_unread():
    text = cma_text(3).replace("\n\n拓產業新格局", "\n1. 本會一向關注工業發展，並就施政報告提出以下建議。\n\n拓產業新格局")
    parsed = loaders.LOADERS["cma"](text, document(loader="cma"))
    assert len(parsed.recommendations) == 3
    assert parsed.unread == ((2, "1. 本會一向關注工業發展，並就施政報告提出以下建議。"),)


# --- the speeches --------------------------------------------------------------------


def speech_text(count: int, subs: int = 0, sub_marker=lambda k: f"（{cn_numeral(k)}）") -> str:
    lines = ["行政長官施政報告", "", "主席、各位議員、各位市民：", ""]
    for k in range(1, count + 1):
        lines.append(f"{k}. 政府將推行第{k}項措施。" if not (k == 1 and subs) else "1. 政府將推行以下措施：")
        if k == 1:
            lines += [f"{sub_marker(sub)} 第{sub}項；" for sub in range(1, subs + 1)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("count", COUNTS)
def test_speech_paragraphs_of_any_number(count):
    parsed = loaders.LOADERS["hksarg"](speech_text(count), document("hksarg-2026-policy-address", "hksarg"))
    assert [paragraph.number for paragraph in parsed.paragraphs] == [str(k) for k in range(1, count + 1)]
    assert parsed.unread == ()


@pytest.mark.parametrize("marker", (lambda k: f"（{cn_numeral(k)}）", lambda k: f"({k})"), ids=("cn", "num"))
def test_speech_sub_items_of_any_number(marker):
    parsed = loaders.LOADERS["hksarg"](speech_text(3, subs=120, sub_marker=marker), document("hksarg-2026-policy-address", "hksarg"))
    assert [paragraph.number for paragraph in parsed.paragraphs][119:122] == ["1.119", "1.120", "2"]


# --- the build's warnings ----------------------------------------------------------------


MANIFEST = """
- id: generated-2026-asks
  file: generated-2026-asks.txt
  expect: {{recommendation: {count}}}
  loader: generic
  publisher: {{id: generated, zh: 生成商會, en: A generated chamber}}
  title: {{zh: 生成的意見書, en: A generated submission}}
  kind: submission
  published: "2026"
  language: zh-Hant
"""


def generated_sources(folder, text: str, count: int):
    folder.mkdir()
    (folder / "generated-2026-asks.txt").write_text(text, encoding="utf-8")
    (folder / "manifest.yml").write_text(MANIFEST.format(count=count), encoding="utf-8")
    return folder


def test_the_build_checks_120_asks_against_the_manifest(tmp_path):
    sources = generated_sources(tmp_path / "sources", asks_text(120, "cn-paren"), 120)
    [read] = parse_sources(sources)
    assert len(read.parsed.recommendations) == 120
    assert warnings(read.source, read.parsed) == []


def test_a_build_warns_of_each_unread_numbered_line_by_file_and_line(tmp_path):
    after = ["附錄", "", "1. 本會會員名單如下，共三十家公司。", "", "2. 本會秘書處聯絡方法見下。", ""]
    sources = generated_sources(tmp_path / "sources", asks_text(5, "num", after=after), 5)
    path = sources / "generated-2026-asks.txt"
    expected = [
        f"{path}:17: a numbered line that belongs to no row: 1. 本會會員名單如下，共三十家公司。",
        f"{path}:19: a numbered line that belongs to no row: 2. 本會秘書處聯絡方法見下。",
    ]
    db = tmp_path / "kb.db"
    [report] = build(sources, db)
    assert report.warnings == expected
    [report] = build(sources, db)  # an incremental build keeps the rows, and finds the lines again
    assert report.warnings == expected


def test_kb_add_hears_of_unread_lines_from_the_parsed_document():
    """kb add parses with loaders.LOADERS and asks ``warnings`` of the result."""
    after = [f"{k}. 其他事項第{k}點，僅供參考。" for k in range(1, 15)]
    parsed = loaders.LOADERS["generic"](asks_text(20, "num", after=["附錄"] + after), document())
    source = Source(parsed.document, Publisher("generated", "生成商會", "A generated chamber"), "generated-2026-asks.txt",
                    expect={"recommendation": 20})
    found = warnings(source, parsed)
    assert len(found) == 11 and found[0] == "generated-2026-asks.txt:46: a numbered line that belongs to no row: 1. 其他事項第1點，僅供參考。"
    assert found[-1] == "generated-2026-asks.txt: 4 more numbered lines that belong to no row (lines 56, 57, 58, 59)"


def test_the_real_sources_have_no_unread_numbered_lines():
    for read in parse_sources(SOURCES):
        assert read.parsed.unread == (), read.document_id
