"""Small synthetic Policy Address PDFs, each varying one trait of layout, for
tests/test_speech_layouts.py, with what each should parse to.

One invented speech (25 paragraphs under five chapters) is laid out line by
line, page by page, as HTML and printed to PDF by headless Chromium: a
baseline (cover, table of contents, salutation, ``12. text`` numbering,
bullets in its lists, page numbers at the foot), then one PDF per trait
varied alone (no salutation, the number on a line of its own, sub-items
(i) or （一）, footnotes, an annex …).  Laying out every printed line here,
rather than letting the browser flow the text, decides where each line,
number, header and page break lands, so the expectations written beside
the PDFs (``expected.yml``: counts, pages, first words, headings) follow
from the layout and not from the loader under test.

The type is Noto Serif CJK TC (Noto Sans CJK TC for headings), subset to
the characters printed and converted to TrueType outlines first: Chromium
prints the installed CFF fonts as Type 3 glyph programs (some 700 KB a
PDF) whose text maps 長 and 民 to look-alike radicals (⻑, ⺠); a TrueType
subset embeds in tens of KB and extracts as the characters typed.

    pip install -e '.[speech-pdfs]'                # fontTools, for the fonts
    python scripts/make_speech_pdfs.py             # writes tests/speeches/
    python scripts/make_speech_pdfs.py --out DIR --only baseline footnotes
"""

import argparse
import html
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.subset import Options, Subsetter
from fontTools.ttLib import TTFont, newTable
from fontTools.ttLib.scaleUpem import scale_upem

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "speeches"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-pdf-header-footer"]
TITLE = "行政長官2031年施政報告"
FONTS = {  # family in the HTML: (font collection, index of its Traditional Chinese face)
    "speech-serif": ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", "Noto Serif CJK TC"),
    "speech-sans": ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "Noto Sans CJK TC"),
}
# How far (in font units of 1000 an em) a converted outline may stray from
# the original, and the coarser grid it is then drawn on: most steps of an
# outline fit a byte, which halves the font's size, and the type still reads.
OUTLINE_TOLERANCE = 4.0
UNITS_PER_EM = 128

# The page, in points: A4, the text column's left edge and width, the first
# line's top, the line height and how many lines a page holds.
PAGE_WIDTH, PAGE_HEIGHT = 595, 842
LEFT, NUMBER_GUTTER = 70, 36
FONT_SIZE, LINE_HEIGHT = 14, 24
BODY_TOP, LINES_PER_PAGE = 90, 27
HEADER_TOP, FOOTER_TOP = 40, 790
# The width of a line of text in characters (a Han character 1, a digit or
# a Latin letter about half).
LINE_UNITS = 30
# Punctuation that may not open a line: it stays at the end of the line before.
NO_LINE_START = "，。、；：！？」』）》"

SPEECH = [
    ("（一）前言", [
        (None, [
            "今天是我第三次在立法會發表施政報告。過去一年，環球經濟起伏不定，地緣政治風險有增無減，"
            "香港經濟在波動中穩步復蘇。本報告以「穩中求進、共創新篇」為主軸，提出逾一百項新措施，"
            "回應市民對經濟、住屋和民生的期望。",
            "政府過去一年推展的工作已見成效：本地生產總值全年實質增長百分之二點八，失業率回落至"
            "百分之三以下，訪港旅客人次亦大致回復疫前水平。然而，中小企業經營仍然困難，部分行業"
            "面對人手短缺，我們必須正視。",
            "未來一年，政府會集中資源做好三件事：一是鞏固經濟增長動力；二是加快土地和房屋供應；"
            "三是改善基層市民的生活質素。各政策局會訂立清晰指標，定期向公眾匯報進度。",
        ]),
    ]),
    ("（二）拼經濟謀發展", [
        ("創新科技", [
            "創新科技是推動經濟轉型的關鍵。政府會在未來五年投放一百億元，設立「產業升級基金」，"
            "以配對形式資助本地企業引入智能生產線和自動化設備，預計可惠及約二千家企業。",
            "為加快科研成果轉化，創新科技及工業局會聯同各大學成立「技術轉移聯盟」，統一處理專利"
            "申請及授權事宜，並為初創企業提供首兩年的租金寬減，協助它們在科學園和數碼港落戶。",
            "人才是創科發展的根本。政府會擴大「科技人才入境計劃」的適用範圍至人工智能、數據科學"
            "及生物醫藥等新興範疇，並把審批時間縮短至兩星期，讓企業可以更快招聘所需人才。",
        ]),
        ("金融服務", [
            "香港作為國際金融中心，必須不斷提升競爭力。證券及期貨事務監察委員會會檢討上市制度，"
            "研究容許未有盈利的先進製造企業在主板上市，並優化雙重第一上市的安排。",
            ("在綠色金融方面，政府會推出以下措施：", [
                "發行總值二百億元的綠色及可持續債券，並首次向零售投資者發售；",
                "設立碳排放數據平台，協助上市公司按國際標準披露氣候相關資料；及",
                "資助金融從業員修讀綠色金融課程，每人上限一萬元。",
            ]),
            "此外，政府會與內地監管機構商討擴大跨境理財通的產品範圍，並提高個人投資額度，進一步"
            "鞏固香港作為離岸人民幣業務樞紐的地位。",
        ]),
    ]),
    ("（三）土地與房屋", [
        ("土地供應", [
            "土地供應是解決房屋問題的根本。政府已覓得足夠土地，可在未來十年興建約三十二萬個公營"
            "房屋單位。我們會繼續透過新發展區、市區重建及檢討綠化地帶等多管齊下增加供應。",
            "為加快造地，發展局會精簡法定程序，把一般住宅用地由規劃至平整的時間縮短約三分之一，"
            "並會為大型項目設立專責審批小組，統籌各部門的意見。",
            "政府亦會推動私營界別參與發展。我們會推出新一輪「土地共享先導計劃」，容許私人業權"
            "土地在符合基建容量的情況下提高發展密度，條件是撥出不少於七成的新增樓面面積興建公營"
            "房屋或首置單位。",
        ]),
        ("公營房屋", [
            "公屋輪候時間是市民最關注的問題之一。政府的目標是在四年內把一般申請者的平均輪候時間"
            "由現時約五年半縮短至四年半，並會每季公布進度。",
            ("為此，房屋局會推行兩項措施：", [
                "加快興建「簡約公屋」，在未來三年提供合共三萬個單位，讓輪候人士可提早上樓；及",
                "加強打擊濫用公屋，擴大抽查範圍，並設立舉報獎勵制度。",
            ]),
            "在資助出售房屋方面，房屋委員會會把居者有其屋計劃的定價與市民的負擔能力更緊密掛鈎，"
            "並增加「白表」申請者的配額，協助中等收入家庭置業。",
        ]),
    ]),
    ("（四）改善民生", [
        ("安老服務", [
            "香港人口急速老化，預計到二〇四六年，六十五歲或以上人士將佔總人口三成以上。政府會"
            "增加資助安老宿位，並推行「社區照顧服務券」常規化，讓長者可以在熟悉的社區安享晚年。",
            "我們亦會加強支援護老者。社會福利署會增設十間護老者支援中心，為照顧者提供培訓、情緒"
            "輔導和暫託服務，並把護老者生活津貼的受惠名額增加一倍。",
            "為應付安老服務的人手需求，政府會放寬輸入護理員的安排，同時資助本地青年修讀護理課程，"
            "並為完成課程後入職的學員提供每月二千元的留任津貼，為期兩年。",
        ]),
        ("教育與青年", [
            "教育是培育人才的基石。教育局會在所有公營中學推行「人工智能教育計劃」，並撥款二十億元"
            "更新學校的資訊科技設備，讓學生掌握未來所需的數碼技能。",
            ("在青年發展方面，政府會推出以下九項措施：", [
                "增加「青年宿舍計劃」的宿位至五千個；",
                "擴大「大灣區青年就業計劃」的名額；",
                "設立青年創業貸款擔保；",
                "資助青年參加海外交流及實習；",
                "推行「青年議員」培訓計劃；",
                "增加青年委任進入諮詢委員會的比例；",
                "為職業專才教育學生提供實習津貼；",
                "開設青年心理健康支援熱線；及",
                "舉辦全港青年領袖論壇。",
            ]),
            "我們亦會支援有特殊教育需要的學生，增加學校的言語治療師及教育心理學家人手，並為相關"
            "教師提供專業培訓津貼。",
            "此外，政府會全面檢討大學資助政策，在維持院校自主的前提下，鼓勵大學開辦更多配合產業"
            "發展的課程，並逐步擴大非本地學生的名額。",
        ]),
    ]),
    ("（五）結語", [
        (None, [
            "香港的發展有賴社會各界同心協力。政府會繼續以結果為目標，以市民福祉為依歸，推動各項"
            "政策落實。",
            "我深信，只要我們堅守「一國兩制」，發揮香港的獨特優勢，就能在新的發展格局中把握機遇，"
            "再創輝煌。",
            "最後，我衷心感謝各位議員和市民的支持。讓我們攜手並進，為下一代建設更美好的家園。"
            "多謝主席。",
        ]),
    ]),
]
MOTION = "我謹動議二讀《二〇三一年撥款條例草案》。"
PREAMBLE = [
    "在發表施政報告之前，我想先向過去一年在各個崗位默默付出的前線人員，致以衷心謝意。",
    "今年是經濟結構轉型最關鍵的一年，我們必須以更大的決心推動改革。",
]
FOOTNOTES = {  # paragraph number: (words the marker follows, footnote text)
    10: ("公營房屋單位", "包括公屋、綠表置居計劃及居者有其屋計劃單位。"),
    16: ("三成以上", "政府統計處最新人口推算（中位數推算）。"),
}
ANNEX = [
    "附件：指定項目指標",
    "1. 在未來五年內資助不少於二千家企業引入智能生產線。",
    "2. 在四年內把公屋一般申請者的平均輪候時間縮短至四年半。",
    "3. 在未來三年提供合共三萬個「簡約公屋」單位。",
]
SUB_MARKERS = {
    "roman": ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix"],
    "chinese": ["一", "二", "三", "四", "五", "六", "七", "八", "九"],
    "letters": list("abcdefghi"),
    "digits": [str(k) for k in range(1, 10)],
}
# The rows whose page, first words and headings expected.yml records, where the PDF has them.
CHOSEN = ["4", "8", "8.1", "8.3", "10", "14", "14.2", "16", "20", "20.9", "21"]
FULL_WIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")


@dataclass
class Layout:
    """How one PDF prints the speech: the baseline's choices, one changed per trait."""

    salutation: str | None = "立法會主席、各位議員、各位市民："
    toc: str = "full"  # full: chapters and sections; chapters: chapters only; none
    toc_head: str = "段落"
    toc_dash: str = "–"
    number: str = "inline"  # inline: "12. text"; before: "12." on its own line; after: below the first line; no-dot: "12 text"
    full_width: bool = False
    opening: str | None = None  # motion: an unnumbered motion, numbering from 2; preamble: two unnumbered paragraphs before 1.
    sub_items: str | None = None  # None: the lists are bullets (•); else a key of SUB_MARKERS
    footnotes: bool = False
    annex: bool = False
    header: bool = False
    page_number: str = "plain"  # plain: "3"; dashes: "- 3 -"
    drop_number: int | None = None  # a paragraph printed without its number
    notes: str = ""


TRAITS = {
    "baseline": Layout(notes="cover, table of contents (段落, 1 – 3), salutation, 12. text, bullets, page numbers at the foot, roman on the contents page"),
    "no-salutation": Layout(salutation=None, notes="the speech opens with its first heading, no salutation"),
    "chairman-salutation": Layout(salutation="主席先生：", notes="a different salutation: 主席先生："),
    "no-toc": Layout(toc="none", notes="no table of contents: chapters (（一）…) and sections known from the text alone"),
    "toc-hyphen": Layout(toc_head="段數", toc_dash="-", notes="the table of contents heads its column 段數 and writes ranges 1 - 3"),
    "headings-not-in-toc": Layout(toc="chapters", notes="the table of contents lists chapters only; sections appear in the text alone"),
    "number-before": Layout(number="before", notes="each paragraph number on a line of its own before the text"),
    "number-after": Layout(number="after", notes="each paragraph number printed a half line low: it extracts after the first line"),
    "number-no-dot": Layout(number="no-dot", notes="numbers without a dot: 12 text"),
    "full-width-numbers": Layout(full_width=True, notes="full-width numbers: １２．text"),
    "unnumbered-motion": Layout(opening="motion", notes="a Budget's unnumbered motion opening the speech, numbering from 2"),
    "unnumbered-preamble": Layout(opening="preamble", notes="two unnumbered paragraphs before paragraph 1"),
    "sub-items-roman": Layout(sub_items="roman", notes="sub-items (i), (ii) …"),
    "sub-items-chinese": Layout(sub_items="chinese", notes="sub-items （一）, （二） …"),
    "sub-items-letters": Layout(sub_items="letters", notes="sub-items (a), (b) … up to (i), the ninth letter"),
    "sub-items-digits": Layout(sub_items="digits", notes="sub-items (1), (2) …"),
    "footnotes": Layout(footnotes=True, notes="footnote markers in the text and footnotes at the foot of two pages"),
    "annex": Layout(annex=True, notes="an annex after the speech, numbered afresh"),
    "running-headers": Layout(header=True, notes="the speech's title at the head of every page of the speech"),
    "dash-page-numbers": Layout(page_number="dashes", notes="page numbers printed - 3 -"),
    "missing-number": Layout(drop_number=14, notes="paragraph 14 printed without its number: refused"),
}


@dataclass
class Row:
    """One printed line: its kind (text, heading, chapter, number, toc …), its
    words and, for a paragraph's first line, the number in the gutter."""

    kind: str
    text: str = ""
    number: str | None = None
    right: str | None = None  # a table of contents' paragraph range
    indent: int = 0
    sup: tuple[str, str] | None = None  # (words, marker): a footnote marker after those words
    keep: int = 1  # rows from here that must stay on one page


@dataclass
class Paragraph:
    """What the speech says of one paragraph, for the expectations."""

    number: str
    first_words: str
    chapter: str | None
    section: str | None
    sub_items: int = 0
    parent: str | None = None
    page: int | None = None
    rows: list = field(default_factory=list)


def width(text: str) -> float:
    return sum(0.55 if ord(character) < 0x2000 else 1 for character in text)


def wrap(text: str, units: float = LINE_UNITS) -> list[str]:
    """The text broken into printed lines at most ``units`` wide, no line opening with closing punctuation."""
    lines, line = [], ""
    for character in text:
        if line and width(line + character) > units and character not in NO_LINE_START:
            lines.append(line)
            line = ""
        line += character
    return lines + [line] if line else lines


def speech_paragraphs(layout: Layout):
    """(chapter, section, number, text or (lead-in, items)) of each paragraph, numbered as printed."""
    items = []
    if layout.opening == "preamble":
        items += [("（一）前言", None, None, text) for text in PREAMBLE]
    if layout.opening == "motion":
        items.append(("（一）前言", None, None, MOTION))
    number = 2 if layout.opening == "motion" else 1
    for chapter, sections in SPEECH:
        for section, paragraphs in sections:
            for paragraph in paragraphs:
                items.append((chapter, section, number, paragraph))
                number += 1
    return items


def paragraph_ids(layout: Layout, items) -> list[str]:
    """The numbers the loader should give: printed numbers; an unnumbered motion
    before 2. is 1; unnumbered paragraphs before 1. are 0-1, 0-2 …"""
    ids, opening = [], 0
    for _, _, number, _ in items:
        if number is None:
            opening += 1
            ids.append("1" if layout.opening == "motion" else f"0-{opening}")
        else:
            ids.append(str(number))
    return ids


def number_label(layout: Layout, number: int) -> str:
    label = f"{number}" if layout.number == "no-dot" else f"{number}."
    return label.translate(FULL_WIDTH) if layout.full_width else label


def body_rows(layout: Layout, items, ids) -> tuple[list[Row], list[Paragraph]]:
    """The speech's printed lines and what each paragraph should parse to."""
    rows, expected = [], []
    if layout.salutation:
        rows.append(Row("salutation", layout.salutation))
    chapter_now = section_now = None
    footnote = 0
    for (chapter, section, number, body), paragraph_id in zip(items, ids):
        if chapter != chapter_now:
            rows.append(Row("chapter", chapter, keep=3))
            chapter_now, section_now = chapter, None
        if section != section_now and section:
            rows.append(Row("section", section, keep=3))
        section_now = section
        lead, subs = body if isinstance(body, tuple) else (body, [])
        text_rows = [Row("text", line) for line in wrap(lead)]
        if number in FOOTNOTES and layout.footnotes:
            words, _ = FOOTNOTES[number]
            footnote += 1
            for row in text_rows:
                if words in row.text:
                    row.sup = (words, str(footnote))
        paragraph = Paragraph(paragraph_id, lead[:8], chapter, section, len(subs) if layout.sub_items else 0)
        label = None if number is None or number == layout.drop_number else number_label(layout, number)
        if label and layout.number == "before":
            rows.append(Row("number", label, keep=2))
        elif label:
            text_rows[0].number = label
        text_rows[0].keep = 2
        paragraph.rows.append(text_rows[0])
        rows += text_rows
        expected.append(paragraph)
        for k, sub in enumerate(subs):
            if layout.sub_items:
                marker = SUB_MARKERS[layout.sub_items][k]
                marker = f"（{marker}）" if layout.sub_items == "chinese" else f"({marker})"
                sub_rows = [Row("text", line, indent=3) for line in wrap(sub, LINE_UNITS - 3)]
                sub_rows[0].number = marker
                child = Paragraph(f"{paragraph_id}.{k + 1}", sub[:6], chapter, section, parent=paragraph_id)
                child.rows.append(sub_rows[0])
                expected.append(child)
            else:
                sub_rows = [Row("text", line, indent=2) for line in wrap(sub, LINE_UNITS - 2)]
                sub_rows[0].number = "•"
            rows += sub_rows
    return rows, expected


def toc_rows(layout: Layout, items, ids) -> list[Row]:
    """The table of contents: each chapter (and section) with its paragraph range."""
    spans: dict[tuple, list[int]] = {}
    for (chapter, section, number, _), paragraph_id in zip(items, ids):
        value = int(paragraph_id) if paragraph_id.isdigit() else None
        if value is None:
            continue
        for key in [(chapter, None)] + ([(chapter, section)] if section and layout.toc == "full" else []):
            spans.setdefault(key, []).append(value)
    rows = [Row("toc-title", "目錄"), Row("toc-head", layout.toc_head)]
    for (chapter, section), values in spans.items():
        low, high = min(values), max(values)
        span = str(low) if low == high else f"{low} {layout.toc_dash} {high}"
        rows.append(Row("toc", section or chapter, right=span, indent=2 if section else 0))
    return rows


def paginate(rows: list[Row], lines_per_page: int) -> list[list[Row]]:
    """Rows into pages, never breaking inside a run the rows ask to keep together."""
    pages, page = [], []
    for k, row in enumerate(rows):
        need = 1
        if row.keep > 1:
            need = sum(1 for _ in rows[k:k + row.keep])
            follower = rows[k + 1] if k + 1 < len(rows) else None
            if follower is not None and follower.keep > 1:
                need += 1  # a heading stays with its paragraph's first two lines
        if page and len(page) + need > lines_per_page:
            pages.append(page)
            page = []
        page.append(row)
    return pages + [page] if page else pages


def footnote_rows(layout: Layout, page: list[Row]) -> list[str]:
    notes = []
    for row in page:
        if row.sup:
            for number, (words, text) in FOOTNOTES.items():
                if words == row.sup[0]:
                    notes.append(f"{row.sup[1]} {text}")
    return notes


def render_row(layout: Layout, row: Row, top: float) -> str:
    """One printed line as absolutely placed HTML."""
    left = LEFT + NUMBER_GUTTER + row.indent * FONT_SIZE
    text = html.escape(row.text)
    if row.sup:
        words = html.escape(row.sup[0])
        text = text.replace(words, f"{words}<sup>{row.sup[1]}</sup>", 1)
    parts = []
    if row.kind == "chapter":
        parts.append(f'<div class="line head" style="top:{top}pt;left:{LEFT}pt">{text}</div>')
    elif row.kind == "section":
        parts.append(f'<div class="line head" style="top:{top}pt;left:{LEFT}pt">{text}</div>')
    elif row.kind in ("salutation", "number"):
        parts.append(f'<div class="line" style="top:{top}pt;left:{LEFT}pt">{text}</div>')
    elif row.kind == "toc-title":
        parts.append(f'<div class="line head" style="top:{top}pt;left:{LEFT}pt;width:455pt;text-align:center">{text}</div>')
    elif row.kind == "toc-head":
        parts.append(f'<div class="line" style="top:{top}pt;right:{PAGE_WIDTH - LEFT - 455}pt">{text}</div>')
    elif row.kind == "toc":
        parts.append(f'<div class="line" style="top:{top}pt;left:{LEFT + row.indent * FONT_SIZE}pt">{text}</div>')
        parts.append(f'<div class="line" style="top:{top}pt;right:{PAGE_WIDTH - LEFT - 455}pt">{html.escape(row.right)}</div>')
    else:
        parts.append(f'<div class="line" style="top:{top}pt;left:{left}pt">{text}</div>')
    if row.number:
        number_left = LEFT + (row.indent - 2.5) * FONT_SIZE + NUMBER_GUTTER if row.indent else LEFT
        number_top = top + (LINE_HEIGHT / 2 if layout.number == "after" and row.indent == 0 else 0)
        parts.append(f'<div class="line" style="top:{number_top}pt;left:{number_left}pt">{html.escape(row.number)}</div>')
    return "\n".join(parts)


def page_html(layout: Layout, rows: list[Row], header: str | None, page_label: str | None) -> str:
    parts = ['<div class="page">']
    if header:
        parts.append(f'<div class="line small" style="top:{HEADER_TOP}pt;left:{LEFT}pt;width:455pt;text-align:center">{header}</div>')
    for k, row in enumerate(rows):
        parts.append(render_row(layout, row, BODY_TOP + k * LINE_HEIGHT))
    if layout.footnotes:
        notes = footnote_rows(layout, rows)
        for k, note in enumerate(notes):
            top = FOOTER_TOP - 22 - (len(notes) - k) * 16
            parts.append(f'<div class="line note" style="top:{top}pt;left:{LEFT}pt">{html.escape(note)}</div>')
    if page_label:
        parts.append(f'<div class="line small" style="top:{FOOTER_TOP}pt;left:{LEFT}pt;width:455pt;text-align:center">{page_label}</div>')
    parts.append("</div>")
    return "\n".join(parts)


STYLE = f"""
@page {{ size: A4; margin: 0; }}
@font-face {{ font-family: "speech-serif"; src: url(speech-serif.ttf); }}
@font-face {{ font-family: "speech-sans"; src: url(speech-sans.ttf); }}
body {{ margin: 0; font-family: "speech-sans"; font-size: {FONT_SIZE}pt; }}
.page {{ position: relative; width: {PAGE_WIDTH}pt; height: {PAGE_HEIGHT - 1}pt; overflow: hidden; break-after: page; }}
.line {{ position: absolute; white-space: nowrap; line-height: {LINE_HEIGHT}pt; }}
.head {{ font-family: "speech-sans"; }}
.small {{ font-size: 10pt; }}
.note {{ font-size: 9pt; line-height: 12pt; }}
sup {{ font-size: 8pt; }}
"""


def speech_html(layout: Layout) -> tuple[str, dict]:
    """The whole document's HTML and what it should parse to."""
    items = speech_paragraphs(layout)
    ids = paragraph_ids(layout, items)
    rows, expected = body_rows(layout, items, ids)
    cover = [Row("cover", TITLE), Row("cover", "穩中求進　共創新篇")]
    html_pages = [page_html(layout, cover, None, None)]
    if layout.toc != "none":
        for k, toc_page in enumerate(paginate(toc_rows(layout, items, ids), LINES_PER_PAGE)):
            html_pages.append(page_html(layout, toc_page, None, "i ii iii".split()[k]))
    lines_per_page = LINES_PER_PAGE - (4 if layout.footnotes else 0)
    first_body_page = len(html_pages) + 1
    for k, page in enumerate(paginate(rows, lines_per_page)):
        number = k + 1
        label = f"- {number} -" if layout.page_number == "dashes" else str(number)
        html_pages.append(page_html(layout, page, TITLE if layout.header else None, label))
        for row in page:
            for paragraph in expected:
                if paragraph.rows and paragraph.rows[0] is row:
                    paragraph.page = first_body_page + k
    if layout.annex:
        annex_rows = [Row("chapter", ANNEX[0])] + [Row("text", line) for line in ANNEX[1:]]
        html_pages.append(page_html(layout, annex_rows, None, None))
    document = f'<!DOCTYPE html><html lang="zh-Hant"><head><meta charset="utf-8"><style>{STYLE}</style></head><body>'
    document += "\n".join(html_pages) + "</body></html>"
    return document, expectations(layout, expected, len(html_pages))


def expectations(layout: Layout, expected: list[Paragraph], page_count: int) -> dict:
    top = [paragraph for paragraph in expected if paragraph.parent is None]
    chosen = {top[0].number, top[1].number, top[-1].number} | set(CHOSEN)
    result = {
        "trait": layout.notes,
        "pages": page_count,
        "paragraphs": len(top),
        "sub_items": len(expected) - len(top),
        "numbers": [paragraph.number for paragraph in top],
        "rows": {
            paragraph.number: {
                "page": paragraph.page,
                "first_words": paragraph.first_words,
                "chapter": paragraph.chapter.replace("（", "(").replace("）", ") ") if paragraph.chapter else None,
                "section": paragraph.section,
                **({"sub_items": paragraph.sub_items} if paragraph.sub_items else {}),
            }
            for paragraph in expected
            if paragraph.number in chosen
        },
    }
    if layout.drop_number:
        follower = next(paragraph for paragraph in expected if paragraph.number == str(layout.drop_number + 1))
        result["error"] = (f"page {follower.page}: paragraph {layout.drop_number} missing: "
                           f"found {layout.drop_number + 1} after {layout.drop_number - 1}")
        for key in ("paragraphs", "sub_items", "numbers", "rows"):
            result.pop(key)
    return result


def face_index(collection: str, family: str) -> int:
    """The index of the face named ``family`` in a font collection (.ttc)."""
    index = 0
    while True:
        font = TTFont(collection, fontNumber=index, lazy=True)
        if font["name"].getDebugName(1) == family:
            return index
        index += 1


def truetype_subset(collection: str, family: str, text: str, out: Path) -> None:
    """The face ``family`` of a CFF font collection, cut to the characters of
    ``text`` and its cubic outlines turned quadratic (TrueType), saved as ``out``."""
    font = TTFont(collection, fontNumber=face_index(collection, family))
    options = Options()
    options.layout_features, options.name_IDs, options.notdef_outline = [], ["*"], True
    subsetter = Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    glyph_set, order = font.getGlyphSet(), font.getGlyphOrder()
    glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, OUTLINE_TOLERANCE, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["glyf"], font["loca"] = glyf, newTable("loca")
    for table in ("CFF ", "VORG"):
        if table in font:
            del font[table]
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attribute in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                      "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, attribute, 0)
    maxp.maxZones = 1
    post = font["post"]
    post.formatType, post.extraNames, post.mapping, post.glyphOrder = 2.0, [], {}, order
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"
    scale_upem(font, UNITS_PER_EM)
    font.save(out)


def print_pdf(document: str, out: Path, chromium: str, fonts: dict = FONTS, name: str = "speech.html", more_text: str = "") -> None:
    """Print an HTML document to ``out`` with headless Chromium, beside the
    fonts it names cut to the characters it uses (and ``more_text``)."""
    with tempfile.TemporaryDirectory() as folder:
        text = html.unescape(document) + more_text
        for font, (collection, family) in fonts.items():
            truetype_subset(collection, family, text, Path(folder) / f"{font}.ttf")
        page = Path(folder) / name
        page.write_text(document, encoding="utf-8")
        command = [chromium, *CHROMIUM_FLAGS, f"--print-to-pdf={out}", page.as_uri()]
        subprocess.run(command, check=True, capture_output=True, timeout=120)


def arguments(description: str, out: Path, traits: dict) -> argparse.Namespace:
    """The command line of a script that prints test PDFs, one per trait."""
    parser = argparse.ArgumentParser(description=description.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=out)
    parser.add_argument("--only", nargs="*", choices=sorted(traits))
    parser.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser") or "chromium")
    parsed = parser.parse_args()
    parsed.out.mkdir(parents=True, exist_ok=True)
    return parsed


def main() -> None:
    given = arguments(__doc__, OUT, TRAITS)
    expected_file = given.out / "expected.yml"
    expected = yaml.safe_load(expected_file.read_text(encoding="utf-8")) if expected_file.exists() else {}
    for name in given.only or TRAITS:
        document, expected[name] = speech_html(TRAITS[name])
        print_pdf(document, given.out / f"{name}.pdf", given.chromium)
        print(f"{name}.pdf")
    text = yaml.safe_dump({name: expected[name] for name in TRAITS if name in expected}, allow_unicode=True, sort_keys=False, default_flow_style=None)
    expected_file.write_text("# What each PDF should parse to; written by scripts/make_speech_pdfs.py.\n" + text, encoding="utf-8")


if __name__ == "__main__":
    main()
