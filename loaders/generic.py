"""Find the asks of a document nobody wrote a loader for.

The loader reads the numbering a document prints at line starts — ``第一章``,
``建議一``, ``一、``, ``（一）``, ``1.``, ``1.1``, ``(1)``, ``①``, ``(i)``,
``(a)`` and the bullets ``•`` ``⬧`` ``➢`` — and keeps the items that run in
order from 1.  Numbers have no limit (``1000.``, ``一百二十、``, ``（一百零一）``);
circled numbers run to ㊿ and Roman numerals (of i, v and x) to xxxix.  It then works out which level carries the asks, in this order:

1. items numbered ``建議一``, ``建議二`` …: the document says they are asks;
2. a list under a heading that names its items recommendations (表三 …政策建議);
3. otherwise the highest level of numbering the document uses (chapters
   aside);
4. with no such level, the headings a PDF sets apart by their look (bold,
   underlined or larger type, marked in the text as ``**…**`` and ``## ``:
   kb.text.styles), below the document's title;
5. with none of these, the bullets a sentence such as 「我們建議：」
   introduces, and any other bullet that states an ask (建議當局, 必須,
   需明確 …), in reading order.

Headings found by their look join the numbered ones when those are set
apart by the same look (一、 and 二、 in bold, then a bold heading without a
number), and are numbered after the printed numbers, in order.

Each item of that level becomes a row numbered as printed (一 → 1; bullets by
their place in the list), with its title (the heading, or the first sentence
of a numbered paragraph, whose body is then the whole paragraph), section
(the heading above it), body, line range and page.  The items of the next level inside it become its sub-items
(``<number>.<k>``), as in the CMA loader.

A section with no numbered or bulleted sub-items whose sentences ask
someone to act (本會建議政府…, 當局應…: three or more, half its sentences)
gives each as a sub-item.

Not rows (loaders/asking.py says which sections ask): a table of contents
(its pages, and lines ending in a page number), endnotes (``1. https://…``)
and everything after them, the closing of a letter (此致, 謹啟, a date on a
line of its own, and what follows, unless an annex, 附件, follows: then the
letter's closing is skipped and the annex read), a list of options the text
refers to as 選項/方案 N (alternatives rather than asks), a heading that
introduces or concludes (前言, 背景, 執行摘要, 總體立場, 小結, 結語, 總結意見 …)
unless its section asks something the others do not, a section that states
support in the writer's voice and asks nothing, and a heading found by its
look whose section asks nothing.  Running
headers, footers, page numbers and LegCo stamps are removed first
(loaders/pages.py), and citation marks like ``[1]`` are taken out of bodies.
"""

import re
from dataclasses import dataclass, field
from statistics import quantiles

from kb.records import Document, ParseError, Parsed, Recommendation, new_recommendation
from kb.text.styles import read_mark
from kb.text.cleanup import ends_paragraph, join_paragraphs, strip_markdown
from kb.text.lines import Line, is_blank, numbered_lines, tidy_line
from kb.text.numbering import CN_NUMERAL, ROMAN_NUMERAL, cn_number, roman_number, uncovered
from kb.text.pages import drop_running, fold_lookalikes, page_at, page_starts
from kb.text.sentences import FULL_STOP, SEMICOLONS, first_sentence, sentences
from loaders import asking

_CN = CN_NUMERAL
# Circled numbers ① .. ㊿ (Unicode has none past 50).
_CIRCLED = "".join(map(chr, [*range(0x2460, 0x2474), *range(0x3251, 0x3260), *range(0x32B1, 0x32C0)]))
_BULLETS = "•●◆◇■□▪▫⬧➢►▶❖✓-–＊*·・"
_OPEN, _CLOSE = "[（(]", "[）)]"

# Numbering schemes, highest level first: (name, pattern, kind of number).
_SCHEMES = (
    ("chapter", re.compile(rf"^第([{_CN}]+|\d+)[章部篇節](?:[、：:．.\s]\s*|$)"), "cn"),
    ("jianyi", re.compile(rf"^建議([{_CN}]+|\d+)(?:[、：:．.\s]\s*|$)"), "cn"),
    ("cn", re.compile(rf"^([{_CN}]+)\s*[、．.]\s*"), "cn"),
    ("cn-paren", re.compile(rf"^{_OPEN}([{_CN}]+){_CLOSE}\s*"), "cn"),
    ("num", re.compile(r"^(\d+)\s*[.．、](?![\d%])\s*"), "int"),
    ("decimal", re.compile(r"^\d+\.(\d+)(?![\d.%])\s*"), "int"),
    ("num-paren", re.compile(rf"^{_OPEN}(\d+){_CLOSE}\s*"), "int"),
    ("circled", re.compile(rf"^([{_CIRCLED}])\s*"), "circled"),
    ("roman", re.compile(rf"^{_OPEN}([{ROMAN_NUMERAL}]+)\s*{_CLOSE}\s*"), "roman"),
    ("alpha", re.compile(rf"^{_OPEN}([a-z]){_CLOSE}\s*"), "alpha"),
    ("bullet", re.compile(rf"^([{re.escape(_BULLETS)}])\s*(?=\S)"), "bullet"),
)
_RANK = {name: rank for rank, (name, _, _) in enumerate(_SCHEMES)}
# A table row: a short label (a policy area) before the number of its item.
_TABLE_ROW_RE = re.compile(rf"^([^\s（(，。；、：:]{{2,10}}?)\s*(?={_OPEN}\d+{_CLOSE})")
_TOC_END_RE = re.compile(r"(?:\t|\s{2,}|[.…·．]{2,}\s*|\s)\d{1,3}(?:\s*[-–]\s*\d{1,3})?$")
_CONTENTS_RE = re.compile(r"^(?:目\s*錄|目\s*次|contents|table of contents)$", re.I)
_NUMBER_END_RE = re.compile(r"(?:^|\s|[.…·])\d{1,3}(?:\s*[-–—]\s*\d{1,3})?$")
_URL_RE = re.compile(r"^(?:https?://|www\.)", re.I)
_CLOSING_RE = re.compile(r"^(?:此致|謹啟|敬啟(?!者)|順頌|順祝|祝\s*工作順利|工作順利|敬祝|耑此|專此)")
_DATE_LINE_RE = re.compile(r"^(?:19|20)\d\d\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?$")
_CLOSING_LINES = 15  # a date on its own line this close to the end closes the text
_OPTION_REF_RE = re.compile(r"(?:選項|方案|option)\s*(\d+)", re.I)
_OPTION_TITLE_RE = re.compile(r"選項|方案|option", re.I)
_LEAD_IN_RE = re.compile(r"(?:建議|促請|要求|提出以下|如下|recommend)[^。]*[：:]$", re.I)
# A bullet that says what it asks, among bullets that weigh options.
_ASK_VERB_RE = re.compile(r"建議(?:當局|政府|特區政府)|促請|必須|需明確|應明確|要求(?:當局|政府)")
_ASK_HEADING_RE = re.compile(r"建議|recommendation", re.I)
_ANNEX_RE = re.compile(r"^(?:附件|附錄|annex|appendix)\s*[一二三四五六七八九十\dA-Z]*\s*[：:]?$", re.I)
# A heading found by its look: at most this long, on at most this many lines.
_STYLED_HEADING_CHARS = 60
_STYLED_HEADING_LINES = 3
# A section's sentences that ask become its sub-items when there are at
# least this many of them and they are at least half its sentences.
_SENTENCE_ASKS = 3
# A paragraph that sums up the whole document, after its last ask.
_CONCLUSION_RE = re.compile(r"^(?:總括而言|總而言之|綜上所述|綜合而言|總結而言|最後，)")
_CITATION_RE = re.compile(r"\s*(?:\[\d+\])+")
_HEADING_WIDTH = 0.85
_SECTION_MAX_CHARS = 12
_HEADING_SCHEMES = {"chapter", "jianyi", "cn"}


@dataclass
class _Item:
    """A numbered line: its place in ``lines``, scheme, number and text after the number."""

    index: int
    scheme: str
    value: int
    rest: str
    label: str | None = None  # a table row's label, printed before the number
    subs: list["_Item"] = field(default_factory=list)
    printed: bool = True  # False: a heading found by its look, numbered by its place
    span: int = 1  # the lines its heading takes (a heading found by its look may wrap)


@dataclass
class _Reading:
    """What the loader reads in a text: its content lines, page starts, every
    numbered item, the runs counting from 1 (lists of options apart) and the
    items that carry the asks."""

    lines: list[Line]
    starts: list[int]
    items: list[_Item]
    runs: list[list[_Item]]
    options: list[list[_Item]]
    asks: list[_Item]
    marks: dict[int, str]  # line number -> how the line stands out (kb.text.styles)


def _read(text: str, one_page: bool = False) -> _Reading:
    """The lines (with the marks of their look taken off and kept apart),
    their items and runs, and the items that carry the asks; ``one_page``:
    a text without form feeds is a PDF's single page."""
    marked = [(number, read_mark(raw)) for number, raw in numbered_lines(text)]
    all_lines = [(number, plain) for number, (plain, _) in marked]
    marks = {number: mark for number, (_, mark) in marked if mark}
    starts = page_starts(all_lines) or ([all_lines[0][0]] if one_page and all_lines else [])
    lines = _content(_without_contents_pages(drop_running(all_lines), starts))
    items = [item for item in (_marker(index, line) for index, line in enumerate(lines)) if item]
    runs, options = _runs(items, text)
    asks = _with_styled_headings(_ask_items(runs, lines), _styled_headings(lines, marks), lines, marks)
    return _Reading(lines, starts, items, runs, options, asks, marks)


def parse(text: str, document: Document) -> Parsed:
    """The asks of a document of unknown layout (see the module docstring)."""
    reading = _read(text, one_page=document.original_file is not None)
    lines, starts, runs = reading.lines, reading.starts, reading.runs
    if not reading.asks:
        raise ParseError(document.source_file, None, "no asks found: no numbered headings, headings set apart by their look "
                         "or list of recommendations the generic loader recognises")
    sections = _ask_sections(reading)
    if not sections:
        raise ParseError(document.source_file, None, "no asks found: the headings the generic loader recognises introduce, "
                         "conclude or state support, and ask nothing")
    width = _full_width(lines)
    rows: list[Recommendation] = []
    section = None
    for item, end in sections:
        found = _rows(document, item, lines, end, _subs(item, runs, end), width, starts, len(rows) + 1)
        section = found[0].section = found[0].section or section
        for row in found[1:]:
            row.section = section
        rows.extend(found)
    return Parsed(document=document, recommendations=rows)


def _ask_sections(reading: _Reading) -> list[tuple[_Item, int]]:
    """The ask items that are asks, each with the end of its lines: not a
    heading that introduces or concludes unless it asks anew, nor one that
    states support and asks nothing, nor a heading found by its look whose
    section asks nothing.  Headings found by their look are numbered after
    the printed numbers, in order."""
    lines, asks = reading.lines, reading.asks
    blocks = []
    for position, item in enumerate(asks):
        end = _block_end(item, asks[position + 1].index if position + 1 < len(asks) else len(lines), lines)
        blocks.append((item, end, _heading_text(item.rest), _block_text(item, lines, end)))
    plain = [(item, end, text) for item, end, heading, text in blocks if not asking.is_framing(heading)]
    kept = {item.index for item, end, text in plain if _asks(item, text, _heading_text(item.rest))}
    asked = [text for item, end, text in plain if item.index in kept]
    kept |= {item.index for item, end, heading, text in blocks
             if asking.is_framing(heading) and asking.asks_anew(text, asked) and len(asks) > 1}
    sections = [(item, end) for item, end, heading, text in blocks if item.index in kept]
    _number_unprinted([item for item, _ in sections], asks)
    return sections


def _asks(item: _Item, text: str, heading: str) -> bool:
    """Whether a section that neither introduces nor concludes is an ask:
    a numbered one unless it states support and asks nothing, one found by
    its look only when it asks."""
    if not item.printed or item.scheme.startswith("bullet") and not item.rest:
        return asking.asks(text)
    return not asking.states_support(heading, text)


def _block_text(item: _Item, lines: list[Line], end: int) -> str:
    return "".join(_clean(raw) for _, raw in lines[item.index : end])


def _number_unprinted(kept: list[_Item], asks: list[_Item]) -> None:
    """Number the headings found by their look after the highest printed number."""
    last = max((item.value for item in asks if item.printed), default=0)
    for item in kept:
        if not item.printed:
            last += 1
            item.value = last


def unread(text: str, parsed: Parsed) -> list[Line]:
    """The lines numbered as the asks are (``1.``, ``一、``, ``（一）`` …) that
    belong to no row: not the table of contents, endnotes or closing, which
    are not read, nor a list of options or a heading that introduces or
    concludes, which are left out on purpose.  Bullets are not numbered."""
    reading = _read(text)
    printed = [item for item in reading.asks if item.printed]
    if not printed or printed[0].scheme.startswith("bullet"):
        return []
    scheme = printed[0].scheme
    left_out = {item.index for run in reading.options for item in run}
    kept = {item.index for item, _ in _ask_sections(reading)}
    left_out |= {item.index for item in reading.asks if item.index not in kept}
    numbered = [reading.lines[item.index] for item in reading.items if item.scheme == scheme and item.index not in left_out]
    return uncovered(numbered, ((row.line_start, row.line_end) for row in parsed.recommendations))


def _block_end(item: _Item, end: int, lines: list[Line]) -> int:
    """Where an ask's lines end: at the next ask, at an unnumbered heading
    before it, after the last ask at a paragraph that sums up (總括而言),
    and for a bullet at the end of its paragraph."""
    for index in range(item.index + item.span, end):
        if _is_section_heading(index, lines):
            return index
        if end == len(lines) and _CONCLUSION_RE.match(_clean(lines[index][1])) and ends_paragraph(_clean(lines[index - 1][1])):
            return index
    if item.scheme.startswith("bullet") or end == len(lines) and not _is_heading(item, item.rest, lines, _full_width(lines)):
        for index in range(item.index, end):
            if ends_paragraph(_clean(lines[index][1])):
                return index + 1
    return end


# --- lines and numbers -------------------------------------------------------


def _content(lines: list[Line]) -> list[Line]:
    """The lines of the document's text: no blank lines, no table of contents,
    nothing from the endnotes or the closing of a letter onwards."""
    texts = [(number, raw, _clean(raw)) for number, raw in lines]
    texts = [(number, raw, text) for number, raw, text in texts if text]
    kept, skip_to = [], -1
    for place, (number, raw, text) in enumerate(texts):
        if place < skip_to:
            continue
        closing = _CLOSING_RE.match(text) or _DATE_LINE_RE.match(text) and len(texts) - place <= _CLOSING_LINES
        if kept and closing and not _is_endnote(text):
            skip_to = _annex_after(texts, place)
            if skip_to < 0:
                break
            continue
        if kept and _is_endnote(text):
            break
        if not _is_toc_entry(text):
            kept.append((number, raw))
    return kept


def _annex_after(texts: list[tuple[int, str, str]], place: int) -> int:
    """Where the annex a covering letter closes before starts (附件, Annex),
    -1 if none follows."""
    return next((k for k in range(place + 1, len(texts)) if _ANNEX_RE.match(texts[k][2])), -1)


def _without_contents_pages(lines: list[Line], starts: list[int]) -> list[Line]:
    """The lines without the pages of a table of contents: from a page headed
    目錄 (or Contents), every page on which many lines end in a page number
    or a range of paragraph numbers (``5 – 16``)."""
    pages: dict[int | None, list[Line]] = {}
    for line in lines:
        pages.setdefault(page_at(line[0], starts), []).append(line)
    skipped, inside = set(), False
    for page, page_lines in pages.items():
        texts = [_clean(raw) for _, raw in page_lines if _clean(raw)]
        numbered_ends = sum(1 for text in texts if _NUMBER_END_RE.search(text))
        starts_contents = any(_CONTENTS_RE.match(text) for text in texts[:5])
        inside = (starts_contents or inside) and page is not None and numbered_ends * 5 >= len(texts) * 2
        if inside:
            skipped.add(page)
    return [line for line in lines if page_at(line[0], starts) not in skipped]


def _clean(raw: str) -> str:
    return fold_lookalikes(tidy_line(raw))


def _is_endnote(text: str) -> bool:
    match = re.match(r"^\[?\d+[.\]）)]?\s*", text)
    return bool(match and _URL_RE.match(text[match.end() :]))


def _is_toc_entry(text: str) -> bool:
    """A line of a table of contents: a numbered heading ending in its page."""
    return bool(_TOC_END_RE.search(text)) and _marker(0, (0, text)) is not None and len(text) < 60


def _marker(index: int, line: Line) -> _Item | None:
    """The numbered item a line starts, if it starts one."""
    text = _clean(line[1])
    label = None
    table_row = _TABLE_ROW_RE.match(text)
    if table_row:
        label, text = table_row.group(1), text[table_row.end() :]
    for name, pattern, kind in _SCHEMES:
        match = pattern.match(text if name == "bullet" else strip_markdown(text) or text)
        if not match:
            continue
        value = _value(match.group(1), kind)
        rest = (text if name == "bullet" else strip_markdown(text) or text)[match.end() :].strip()
        if value is None or not rest and name in ("num", "bullet"):
            return None
        if label and name != "num-paren":
            return None
        return _Item(index, f"bullet{match.group(1)}" if name == "bullet" else name, value, rest, label)
    return None


def _value(marker: str, kind: str) -> int | None:
    if kind == "int":
        return int(marker)
    if kind == "cn":
        return cn_number(marker)
    if kind == "circled":
        return _CIRCLED.index(marker) + 1
    if kind == "roman":
        return roman_number(marker)
    if kind == "alpha":
        return ord(marker) - ord("a") + 1
    return 0  # a bullet: numbered by its place in the list


# --- runs and levels -----------------------------------------------------------


def _runs(items: list[_Item], text: str) -> tuple[list[list[_Item]], list[list[_Item]]]:
    """The items of each scheme that count from 1 in steps of 1 (a bullet
    list: consecutive bullets of one kind), and apart from them the runs
    that are lists of options."""
    runs: list[list[_Item]] = []
    options: list[list[_Item]] = []
    for scheme in dict.fromkeys(item.scheme for item in items):
        mine = [item for item in items if item.scheme == scheme]
        found = _bullet_runs(mine, items) if scheme.startswith("bullet") else _counting_runs(mine, 1 if scheme == "decimal" else 2)
        for run in found:
            (options if _are_options(run, text) else runs).append(run)
    return runs, options


def _counting_runs(items: list[_Item], shortest: int) -> list[list[_Item]]:
    runs, current = [], []
    for item in items:
        if item.value == 1:
            if len(current) >= shortest:
                runs.append(current)
            current = [item]
        elif current and item.value == current[-1].value + 1:
            current.append(item)
    if len(current) >= shortest:
        runs.append(current)
    return runs


def _bullet_runs(bullets: list[_Item], items: list[_Item]) -> list[list[_Item]]:
    """Bullets of one kind with no other numbered line between them."""
    runs, current = [], []
    positions = {item.index: item for item in items}
    for bullet in bullets:
        between = [positions[i] for i in range(current[-1].index + 1, bullet.index) if i in positions] if current else []
        if current and not between:
            current.append(bullet)
            continue
        if current:
            runs.append(current)
        current = [bullet]
    if current:
        runs.append(current)
    for run in runs:
        for place, bullet in enumerate(run, start=1):
            bullet.value = place
    return runs


def _are_options(run: list[_Item], text: str) -> bool:
    """A numbered list of alternatives: its items are called options, or the
    text refers to one of them as 選項 N."""
    if any(_OPTION_TITLE_RE.search(item.rest[:12]) for item in run):
        return True
    numbers = {str(item.value) for item in run}
    return not run[0].scheme.startswith("bullet") and any(ref in numbers for ref in _OPTION_REF_RE.findall(text))


def _ask_items(runs: list[list[_Item]], lines: list[Line]) -> list[_Item]:
    """The items that carry the asks (see the module docstring)."""
    jianyi = [run for run in runs if run[0].scheme == "jianyi"]
    if jianyi:
        return _longest(jianyi)
    headed = [run for run in runs if _heading_names_asks(run[0], lines)]
    if headed:
        return _longest(headed)
    numbered = sorted(
        (run for run in runs if not run[0].scheme.startswith("bullet") and run[0].scheme != "chapter"),
        key=lambda run: (_RANK[run[0].scheme], -len(run)),
    )
    if numbered:
        return numbered[0]
    bullets = [run for run in runs if run[0].scheme.startswith("bullet")]
    introduced = [item for run in bullets if _introduced(run[0], lines) for item in run]
    if not introduced:
        return []
    stated = [item for run in bullets for item in run if item not in introduced and _ASK_VERB_RE.search(_item_text(item, lines))]
    asks = sorted(introduced + stated, key=lambda item: item.index)
    for place, item in enumerate(asks, start=1):
        item.value = place
    return asks


def _styled_headings(lines: list[Line], marks: dict[int, str]) -> list[_Item]:
    """The unnumbered lines set apart by their look (kb.text.styles) that
    read as headings, below the title (the marked lines before the first
    line of running text, short lines such as a file reference aside): consecutive lines of one look (a heading that
    wraps), up to a line that ends a sentence, make one heading when
    together they are short, end no sentence and are no table's row."""
    found: list[_Item] = []
    title_over = False
    index, width = 0, _full_width(lines)
    while index < len(lines):
        mark = marks.get(lines[index][0])
        if mark is None:
            title_over = title_over or _running_text(_clean(lines[index][1]), width)
            index += 1
            continue
        span = 1
        while (index + span < len(lines) and span < _STYLED_HEADING_LINES and marks.get(lines[index + span][0]) == mark
               and _marker(index + span, lines[index + span]) is None and not _sentence_in(_clean(lines[index + span - 1][1]))):
            span += 1
        text = "".join(_clean(raw) for _, raw in lines[index : index + span])
        if title_over and _reads_as_heading(index, span, text, lines):
            found.append(_Item(index, "styled", 0, text, printed=False, span=span))
        index += span
    return found


def _running_text(text: str, width: int) -> bool:
    """A line of the text's running paragraphs, not a reference, a date or
    an addressee printed above the title: it ends a sentence or is nearly
    a full line long."""
    return ends_paragraph(text) and not text.endswith(("：", ":")) or len(text) >= _HEADING_WIDTH * width


def _reads_as_heading(index: int, span: int, text: str, lines: list[Line]) -> bool:
    """Short, Chinese, no sentence ended in it, not a table's row (cells
    apart, symbols of a private font) and not numbered."""
    raws = [raw.strip() for _, raw in lines[index : index + span]]
    return (len(text) <= _STYLED_HEADING_CHARS and re.search(r"[\u4e00-\u9fff]", text) is not None and not _sentence_in(text)
            and not any(re.search(r"\s{2,}|\t|[\ue000-\uf8ff]", raw) for raw in raws) and _marker(index, lines[index]) is None)


def _sentence_in(text: str) -> bool:
    return any(mark in text for mark in FULL_STOP + SEMICOLONS + "！？")


def _with_styled_headings(asks: list[_Item], styled: list[_Item], lines: list[Line], marks: dict[int, str]) -> list[_Item]:
    """The ask items with the headings found by their look: alone when no
    numbering carries the asks; with the numbered headings when those are
    set apart by the same look (mixed numbered and unnumbered headings);
    else the numbered items alone."""
    if not styled:
        return asks
    numbered_marks = [marks.get(lines[item.index][0]) for item in asks]
    if asks and not asks[0].scheme.startswith("bullet") and not _paragraphs_under(asks, styled):
        look = max(set(numbered_marks), key=numbered_marks.count)
        if look is None or numbered_marks.count(look) * 2 < len(asks):
            return asks
        same = [item for item in styled if marks.get(lines[item.index][0]) == look]
        return sorted(asks + same, key=lambda item: item.index)
    larger = [item for item in styled if marks.get(lines[item.index][0]) == "larger"]
    return larger if len(larger) >= 2 else styled


def _paragraphs_under(asks: list[_Item], styled: list[_Item]) -> bool:
    """Whether the numbered items are paragraphs under the headings found
    by their look (1. 2. under one heading, 3. 4. under the next): they fall
    under two headings or more, and none comes before the first."""
    if len(styled) < 2 or asks[0].index < styled[0].index:
        return False
    under = {max(heading.index for heading in styled if heading.index < item.index) for item in asks}
    return len(under) >= 2


def _item_text(item: _Item, lines: list[Line]) -> str:
    """An item's text up to the next numbered line or the end of its paragraph."""
    text = item.rest
    for index in range(item.index + 1, min(len(lines), item.index + 6)):
        if ends_paragraph(text) or _marker(index, lines[index]) is not None:
            break
        text += _clean(lines[index][1])
    return text


def _longest(runs: list[list[_Item]]) -> list[_Item]:
    return max(runs, key=len)


def _heading_names_asks(item: _Item, lines: list[Line]) -> bool:
    """A heading just above the list (a short line, no sentence in it) says
    it lists recommendations."""
    for _, raw in reversed(lines[max(0, item.index - 3) : item.index]):
        text = _clean(raw)
        if _ASK_HEADING_RE.search(text) and not any(mark in text for mark in "。，；：:") and len(text) <= 40:
            return True
    return False


def _introduced(item: _Item, lines: list[Line]) -> bool:
    """The line before a list ends a sentence that asks (我們建議：)."""
    return item.index > 0 and bool(_LEAD_IN_RE.search(_clean(lines[item.index - 1][1])))


def _subs(item: _Item, runs: list[list[_Item]], end: int) -> list[_Item]:
    """The sub-items of an ask: the highest-ranked list counting from 1
    between the ask's line and ``end``."""
    inside = [run for run in runs if run[0].scheme != item.scheme and item.index < run[0].index < end and run[-1].index < end]
    if not inside:
        return []
    best = min(inside, key=lambda run: (_RANK.get(run[0].scheme, len(_RANK)), run[0].index))
    scheme = best[0].scheme
    return [sub for run in inside if run[0].scheme == scheme for sub in run if sub.index < end][: len(best) if len(inside) == 1 else None]


# --- rows ----------------------------------------------------------------------------


def _full_width(lines: list[Line]) -> int:
    """How long a full line of running text is in this document."""
    lengths = [len(_clean(raw)) for _, raw in lines]
    if len(lengths) < 4:
        return max(lengths, default=40)
    return int(quantiles(lengths, n=10)[7])


def _rows(document, item, lines, end, subs, width, starts, ordinal) -> list[Recommendation]:
    block = lines[item.index : end]
    sub_at = subs[0].index - item.index if subs else len(block)
    title, body = _title_and_body(item, block[:sub_at], lines, width)
    number = str(item.value)
    parent = _row(document, number, ordinal, title, body, block, starts)
    parent.section = item.label or _section(item, lines)
    rows = [parent]
    for place, sub in enumerate(subs):
        sub_end = subs[place + 1].index if place + 1 < len(subs) else end
        sub_block = lines[sub.index : sub_end]
        sub_title, sub_body = _title_and_body(sub, sub_block, lines, width)
        row = _row(document, f"{number}.{sub.value}", ordinal + len(rows), sub_title, sub_body, sub_block, starts)
        row.parent_id, row.section = parent.id, parent.section
        rows.append(row)
    if not subs:
        rows += _sentence_rows(document, parent, block[item.span :], starts)
    return rows


def _sentence_rows(document, parent: Recommendation, block: list[Line], starts: list[int]) -> list[Recommendation]:
    """A section's distinct asks made as sentences (本會建議…。當局應…。),
    as its sub-items: when at least ``_SENTENCE_ASKS`` of its sentences ask
    and they are at least half of them."""
    pieces = [(number, _strip_citations(_clean(raw))) for number, raw in block]
    text = "".join(piece for _, piece in pieces)
    every = sentences(text)
    asked = asking.addressed_asks(text)
    if len(asked) < _SENTENCE_ASKS or len(asked) * 2 < len(every):
        return []
    rows, cursor = [], 0
    for place, sentence in enumerate(asked, start=1):
        start = text.find(sentence, cursor)
        cursor = start + len(sentence)
        span = [line for line in _lines_between(pieces, start, cursor)]
        row = _row(document, f"{parent.number}.{place}", parent.ordinal + place, sentence.rstrip(FULL_STOP + SEMICOLONS), sentence, span, starts)
        row.parent_id, row.section = parent.id, parent.section
        rows.append(row)
    return rows


def _lines_between(pieces: list[Line], start: int, end: int) -> list[Line]:
    """The lines holding the characters ``start`` to ``end`` of their joined text."""
    found, offset = [], 0
    for number, piece in pieces:
        if offset < end and offset + len(piece) > start:
            found.append((number, piece))
        offset += len(piece)
    return found


def _title_and_body(item: _Item, block: list[Line], lines: list[Line], width: int) -> tuple[str, str]:
    """A heading line's text as the title and what follows as the body; for
    a numbered paragraph, its first sentence and the rest."""
    rest = _strip_citations(item.rest)
    following = [(number, _strip_citations(_clean(raw))) for number, raw in block[item.span :]]
    if not item.printed or rest and _is_heading(item, rest, lines, width):
        return _heading_text(rest), join_paragraphs(following)
    label, colon, after = rest.partition("：")
    if colon and 1 < len(label) <= 12 and not any(mark in label for mark in "，。"):
        return label, join_paragraphs([(block[0][0], after)] + following)
    text = join_paragraphs([(block[0][0], rest)] + following)
    title, _ = first_sentence(text)
    return title.rstrip(SEMICOLONS), text


def _is_heading(item: _Item, rest: str, lines: list[Line], width: int) -> bool:
    """Whether a numbered line is a heading rather than the start of a
    paragraph: no sentence ends in it, and it is followed by another numbered
    line, or is shorter than a full line (any line but a full one, for 一、)."""
    if any(mark in rest for mark in FULL_STOP + SEMICOLONS) or rest.endswith("，"):
        return False
    if lines[item.index][1].lstrip().startswith("#"):  # a Markdown heading
        return True
    following = item.index + 1
    if following >= len(lines) or _marker(following, lines[following]) is not None:
        return True
    if item.scheme not in _HEADING_SCHEMES | {"num", "decimal"} and _finishes_sentence(rest, _clean(lines[following][1])):
        return False
    printed = len(_clean(lines[item.index][1]))
    return printed <= (0.97 if item.scheme in _HEADING_SCHEMES else _HEADING_WIDTH) * width


def _finishes_sentence(rest: str, after: str) -> bool:
    """The next line ends the sentence the numbered line began (BDC's
    ``（2）以推廣「香港品牌」作為…關係`` + ``的工作方向之一。``)."""
    return ends_paragraph(after) and after.count(FULL_STOP) <= 1 and len(rest) + len(after) <= 80 and not after[:1] in "「《"


def _heading_text(text: str) -> str:
    return strip_markdown(text).strip().rstrip("：:")


def _strip_citations(text: str) -> str:
    return _CITATION_RE.sub("", text)


def _section(item: _Item, lines: list[Line]) -> str | None:
    """The unnumbered heading nearest above an item, within a few lines and
    back to the previous numbered line."""
    for index in range(item.index - 1, max(-1, item.index - 8), -1):
        if _marker(index, lines[index]) is not None:
            return None
        if _is_section_heading(index, lines):
            return strip_markdown(_clean(lines[index][1])).strip()
    return None


def _is_section_heading(index: int, lines: list[Line]) -> bool:
    """A short unnumbered line standing alone: no punctuation in it, and the
    line before it ends a sentence (or there is none)."""
    text = _clean(lines[index][1])
    if not 2 <= len(text) <= _SECTION_MAX_CHARS or not re.search(r"[\u4e00-\u9fff]", text):
        return False
    if any(mark in text for mark in "。，；：:、」）)[]") or text[-1].isdigit() or _marker(index, lines[index]) is not None:
        return False
    if index > 0 and _marker(index - 1, lines[index - 1]) is not None:
        return False  # the first line under a numbered heading is its text
    before = _clean(lines[index - 1][1]) if index > 0 else ""
    return not before or ends_paragraph(before) or len(before) <= 20


def _row(document, number, ordinal, title, body, block, starts) -> Recommendation:
    content = [line for line in block if not is_blank(line)]
    return new_recommendation(
        document,
        number,
        ordinal=ordinal,
        title=title.strip(),
        body=_strip_citations(body).strip(),
        line_start=content[0][0],
        line_end=content[-1][0],
        page=page_at(content[0][0], starts),
    )
