"""Loader for the Hong Kong Productivity Council's 2025 manufacturing study
(``hkpc-2025-manufacturing-study``, 《新質生產力 煥發香港製造新動能》).

What is parsed, in reading order:

* Section 3.3, the "three directions, ten measures" (三大方向十大舉措) the
  report sets out for enterprises, as rows of kind ``strategy``: one row per
  direction (``S1``..``S3``, title = the direction's name, body = its
  measures as the report numbers them) and one child row per measure
  (``S1.1``, ``S1.2``, …, body = the measure's text).
* Section 4.1, the seven action recommendations 建議一 .. 建議七, as rows of
  kind ``recommendation`` numbered ``1``..``7``: section = the level
  (「在港製造」, 「總部職能中心」, 「製造服務業」, 產業配套措施), title = the
  text after it, body = the text up to the next 建議 heading or the end of
  section 4.1 (4.2 結束寄語 is a closing note, not a recommendation).

Only the body headings count: the table of contents (entries end in a tab
and a page number) and the executive summary (whose list of the first four
recommendations and of the three directions uses other headings) are never
read as rows.  The table of contents gives each 建議 heading's printed page;
it lists no page for the directions or measures, so those rows have none.
The introductions of chapter 4 and section 3.3, the English description of
the cover image and the appendices belong to no row.  Markdown markup is
removed from all text; tab-separated table cells are joined with `` | ``.
"""

import re
from collections.abc import Sequence

from kb.records import Document, ParseError, Parsed, Recommendation, new_recommendation, recommendation_id
from kb.text.cleanup import clean_markdown_line, join_paragraphs, split_blocks, strip_markdown, trim_blank
from kb.text.lines import Line, numbered_lines, tidy_line
from kb.text.numbering import CN_NUMERAL, cn_number, cn_numeral, uncovered

STRATEGY_SECTION = "三大方向十大舉措"
_STRATEGY_SECTION_NUMBER = "3.3"
_RECOMMENDATION_SECTION_NUMBER = "4.1"
_DIRECTION_COUNT = 3
_MEASURE_COUNT = 10
_RECOMMENDATION_COUNT = 7
_NUMERALS = CN_NUMERAL

_TOC_TITLE = "目錄"
_TOC_ENTRY_RE = re.compile(r"^(\S.*?)\t+(\d{1,3})\s*$")
_SECTION_RE = re.compile(r"^(\d+\.\d+)\.?\s+[^。\t]+$")
_CHAPTER_RE = re.compile(rf"^(?:第[{_NUMERALS}]+章、|附錄$)")
_DIRECTION_RE = re.compile(rf"^方向([{_NUMERALS}]+)：([^：。]+)：?$")
_MEASURE_RE = re.compile(r"^(\d+)\.\s+([^\d\s。][^。]{0,39})$")
_RECOMMENDATION_START_RE = re.compile(rf"^建議[{_NUMERALS}]+、")
_RECOMMENDATION_RE = re.compile(rf"^建議([{_NUMERALS}]+)、([^：]+)：(.+)$")
# Lines that start as a direction, a measure or a recommendation does.
_NUMBERED_RES = (re.compile(rf"^方向[{_NUMERALS}]+："), re.compile(r"^\d+\.\s"), _RECOMMENDATION_START_RE)


def parse(text: str, document: Document) -> Parsed:
    """The strategies of section 3.3 and the recommendations of section 4.1."""
    lines = numbered_lines(text)
    pages, toc_lines = _read_toc(lines)
    body = [line for line in lines if line[0] not in toc_lines]
    rows = _strategies(_section(body, _STRATEGY_SECTION_NUMBER, document), document)
    rows += _recommendations(_section(body, _RECOMMENDATION_SECTION_NUMBER, document), document, pages)
    rows.sort(key=lambda row: row.line_start)
    for ordinal, row in enumerate(rows, start=1):
        row.ordinal = ordinal
    return Parsed(document=document, recommendations=rows)


def unread(text: str, parsed: Parsed) -> list[Line]:
    """The lines of sections 3.3 and 4.1 numbered as directions (方向一：),
    measures (1.) or recommendations (建議一、) are that belong to no row;
    the rest of the report is not read."""
    lines = numbered_lines(text)
    _, toc_lines = _read_toc(lines)
    body = [line for line in lines if line[0] not in toc_lines]
    numbered = [
        line
        for number in (_STRATEGY_SECTION_NUMBER, _RECOMMENDATION_SECTION_NUMBER)
        for line in _section(body, number, parsed.document)[1:]
        if any(pattern.match(_heading(line[1])) for pattern in _NUMBERED_RES)
    ]
    return uncovered(numbered, ((row.line_start, row.line_end) for row in parsed.recommendations))


# --- Headings, sections and the table of contents --------------------------


def _heading(text: str) -> str:
    """A line as compared with heading patterns: no markup, tidy spaces."""
    return tidy_line(strip_markdown(text))


def _read_toc(lines: Sequence[Line]) -> tuple[dict[str, int], set[int]]:
    """The printed page of each table-of-contents entry, by its title, and
    the line numbers the table of contents takes up (empty if none)."""
    start = next((i for i, (_, text) in enumerate(lines) if text.strip() == _TOC_TITLE), None)
    if start is None:
        return {}, set()
    pages, taken = {}, {lines[start][0]}
    for number, text in lines[start + 1 :]:
        match = _TOC_ENTRY_RE.match(text.strip(" "))
        if not match and text.strip():
            break
        taken.add(number)
        if match:
            pages.setdefault(_heading(match.group(1)), int(match.group(2)))
    return pages, taken


def _section(lines: Sequence[Line], number: str, document: Document) -> list[Line]:
    """The lines of a numbered section (heading included), up to the next
    section, chapter or appendix heading."""
    starts = [i for i, (_, text) in enumerate(lines) if _section_number(text) == number]
    if len(starts) != 1:
        where = lines[starts[1]][0] if starts else None
        found = "twice" if starts else "not found"
        raise ParseError(document.source_file, where, f"section {number} heading {found}")
    start = starts[0]
    for end in range(start + 1, len(lines)):
        text = _heading(lines[end][1])
        if _section_number(lines[end][1]) or _CHAPTER_RE.match(text):
            return list(lines[start:end])
    return list(lines[start:])


def _section_number(text: str) -> str | None:
    match = _SECTION_RE.match(_heading(text))
    return match.group(1) if match else None


def _body(block: Sequence[Line], what: str, document: Document) -> tuple[str, int]:
    """The cleaned text under a block's heading line, and its last line."""
    lines = trim_blank(block[1:])
    if not lines:
        raise ParseError(document.source_file, block[0][0], f"{what} has no text")
    return join_paragraphs((number, clean_markdown_line(text)) for number, text in lines), lines[-1][0]


def _row(document: Document, number: str, **fields) -> Recommendation:
    return new_recommendation(
        document,
        number,
        ordinal=0,
        **fields,
    )


# --- Section 3.3: three directions, ten measures ----------------------------


def _strategies(section: list[Line], document: Document) -> list[Recommendation]:
    """One row per direction followed by its measures."""
    starts = [i for i, (_, text) in enumerate(section) if _DIRECTION_RE.match(_heading(text))]
    _check_sequence(section, starts, _DIRECTION_RE, "方向", _DIRECTION_COUNT, document)
    rows, measures = [], 0
    for index, block in enumerate(split_blocks(section, starts), start=1):
        direction_rows = _direction(block, index, measures + 1, document)
        measures += len(direction_rows) - 1
        rows += direction_rows
    if measures != _MEASURE_COUNT:
        raise ParseError(
            document.source_file, section[0][0],
            f"expected {_MEASURE_COUNT} measures under the directions, found {measures}",
        )
    return rows


def _direction(block: list[Line], index: int, first: int, document: Document) -> list[Recommendation]:
    """A direction's row and its measures' rows; ``first`` is the printed
    number its first measure must have (the report numbers them 1-10)."""
    heading_line, heading = block[0][0], _heading(block[0][1])
    name = _DIRECTION_RE.match(heading).group(2).strip()
    starts = [i for i, (_, text) in enumerate(block) if _MEASURE_RE.match(_heading(text))]
    if not starts:
        raise ParseError(document.source_file, heading_line, f"{heading}: no measures found")
    if trim_blank(block[1 : starts[0]]):
        raise ParseError(document.source_file, block[1][0], f"{heading}: text before its first measure")
    number = f"S{index}"
    parent_id = recommendation_id(document.id, number)
    measures = [
        _measure(measure_block, f"{number}.{sub}", first + sub - 1, name, parent_id, document)
        for sub, measure_block in enumerate(split_blocks(block, starts), start=1)
    ]
    direction = _row(
        document, number, title=name, kind="strategy", section=STRATEGY_SECTION,
        body="\n".join(_heading(block[i][1]) for i in starts),
        line_start=heading_line, line_end=measures[-1].line_end,
    )
    return [direction] + measures


def _measure(
    block: list[Line], number: str, printed: int, direction: str, parent_id: str, document: Document
) -> Recommendation:
    line_start, heading = block[0][0], _heading(block[0][1])
    match = _MEASURE_RE.match(heading)
    if int(match.group(1)) != printed:
        raise ParseError(document.source_file, line_start, f"expected measure {printed}, found {heading!r}")
    body, line_end = _body(block, f"measure {heading!r}", document)
    return _row(
        document, number, title=match.group(2).strip(), body=body, kind="strategy",
        section=direction, parent_id=parent_id, line_start=line_start, line_end=line_end,
    )


# --- Section 4.1: seven action recommendations ------------------------------


def _recommendations(section: list[Line], document: Document, pages: dict[str, int]) -> list[Recommendation]:
    """One row per 建議 heading; the page comes from the table of contents."""
    starts = [i for i, (_, text) in enumerate(section) if _RECOMMENDATION_START_RE.match(_heading(text))]
    _check_sequence(section, starts, _RECOMMENDATION_RE, "建議", _RECOMMENDATION_COUNT, document)
    if trim_blank(section[1 : starts[0]]):
        raise ParseError(document.source_file, section[1][0], "text before 建議一 in section 4.1")
    return [_recommendation(block, document, pages) for block in split_blocks(section, starts)]


def _recommendation(block: list[Line], document: Document, pages: dict[str, int]) -> Recommendation:
    line_start, heading = block[0][0], _heading(block[0][1])
    match = _RECOMMENDATION_RE.match(heading)
    number = str(cn_number(match.group(1)))
    body, line_end = _body(block, heading, document)
    return _row(
        document, number, title=match.group(3).strip(), body=body, kind="recommendation",
        section=match.group(2).strip(), page=pages.get(heading), line_start=line_start, line_end=line_end,
    )


def _check_sequence(
    section: Sequence[Line],
    starts: Sequence[int],
    pattern: re.Pattern,
    label: str,
    count: int,
    document: Document,
) -> None:
    """The headings at ``starts`` must be well formed and numbered 一, 二, …
    up to ``count``, each once and in order."""
    for position, index in enumerate(starts):
        line_number, heading = section[index][0], _heading(section[index][1])
        match = pattern.match(heading)
        if not match:
            raise ParseError(document.source_file, line_number, f"malformed {label} heading {heading!r}")
        expected = cn_numeral(position + 1) if position < count else None
        if cn_number(match.group(1)) != position + 1 or expected is None:
            wanted = f"{label}{expected}" if expected else f"only {count} {label} headings"
            raise ParseError(document.source_file, line_number, f"expected {wanted}, found {heading!r}")
    if len(starts) != count:
        raise ParseError(
            document.source_file, section[0][0],
            f"expected {label}一..{label}{cn_numeral(count)} in section {_heading(section[0][1])!r}, "
            f"found {len(starts)}",
        )
