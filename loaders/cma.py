"""Parse the CMA's submissions on the Policy Address and the Budget.

The text is a title, then short section headings (拓產業新格局) that group
numbered recommendations ("1. 樹立全面的工業發展觀").  A recommendation may
list sub-items at line starts, as "(1)" .. "(5)" or as 一是 / 二是 / ….
Each becomes a child row numbered ``<number>.<sub>``; its title is its first
sentence.  The parent's body is the text before its first sub-item.

These extracts keep only two stray page numbers (1 and 13 in the 2023
submission, none in the 2024-25 one): too few to place a recommendation on
a page, so ``page`` stays empty.  The stray numbers are dropped from text.
"""

import re
from dataclasses import dataclass

from kb.records import Document, ParseError, Parsed, Recommendation, new_recommendation
from kb.text.cleanup import join_paragraphs, trim_blank
from kb.text.lines import Line, is_blank, numbered_lines, tidy_line
from kb.text.numbering import CN_NUMERAL, cn_number, uncovered
from kb.text.pages import is_page_number
from kb.text.sentences import first_sentence

_HEADING_RE = re.compile(r"^\s*(\d+)\.\s*(?!\d)([^。，；：]{1,25}?)\s*$")
_SUB_RES = (
    re.compile(r"^\s*[(（](\d+)[)）]\s*"),
    re.compile(rf"^\s*([{CN_NUMERAL}]+)是"),
)
# A line that starts as a recommendation does (1. …), whether or not it reads as a heading.
_NUMBERED_RE = re.compile(r"^\s*\d+\s*[.．](?!\d)")
_SECTION_MAX_CHARS = 15
_SECTION_ENDINGS = "。，；：、」)）"
_CLOSING_DATE_RE = re.compile(r"^\s*\d{4}\s*年\s*\d{1,2}\s*月\s*$")


@dataclass
class _Heading:
    line: int
    number: int
    title: str
    section: str | None
    starts_section: bool


def parse(text: str, document: Document) -> Parsed:
    """Every numbered recommendation and sub-item of a CMA submission."""
    lines = [line for line in _numbered(text) if not is_page_number(line[1], anywhere=True)]
    headings = _find_headings(lines, document)
    rows: list[Recommendation] = []
    for heading, block in zip(headings, _blocks(lines, headings)):
        rows.extend(_rows(heading, block, document, ordinal=len(rows) + 1))
    return Parsed(document=document, recommendations=rows)


def unread(text: str, parsed: Parsed) -> list[Line]:
    """The lines numbered as recommendations (``1.``) or sub-items (``(1)``,
    ``一是``) are that belong to no row."""
    numbered = [line for line in _numbered(text) if _NUMBERED_RE.match(line[1]) or _sub_number(line[1]) is not None]
    return uncovered(numbered, ((row.line_start, row.line_end) for row in parsed.recommendations))


def _numbered(text: str) -> list[Line]:
    lines = numbered_lines(text)
    while lines and (is_blank(lines[-1]) or _CLOSING_DATE_RE.match(lines[-1][1])):
        lines.pop()
    return lines


def _find_headings(lines: list[Line], document: Document) -> list[_Heading]:
    headings: list[_Heading] = []
    for index, (number, text) in enumerate(lines):
        match = _HEADING_RE.match(text)
        if not match:
            continue
        found = int(match.group(1))
        if found != len(headings) + 1:
            raise ParseError(
                document.source_file, number, f"recommendation {found} found where {len(headings) + 1} was expected"
            )
        section = _section_before(lines, index)
        current = section or (headings[-1].section if headings else None)
        headings.append(_Heading(number, found, tidy_line(match.group(2)), current, starts_section=bool(section)))
    if not headings:
        raise ParseError(document.source_file, None, "no numbered recommendations (lines like '1. 標題') found")
    if headings[0].section is None:
        raise ParseError(document.source_file, headings[0].line, "no section heading before recommendation 1")
    return headings


def _section_before(lines: list[Line], index: int) -> str | None:
    """The short heading line just above a recommendation, if there is one."""
    for _, text in reversed(lines[:index]):
        text = tidy_line(text)
        if not text:
            continue
        if len(text) <= _SECTION_MAX_CHARS and text[-1] not in _SECTION_ENDINGS and not _HEADING_RE.match(text):
            return text
        return None
    return None


def _blocks(lines: list[Line], headings: list[_Heading]) -> list[list[Line]]:
    """The lines of each recommendation, heading included, up to the next
    section heading or recommendation."""
    starts = [heading.line for heading in headings]
    ends = [_block_end(lines, heading) for heading in headings[1:]] + [lines[-1][0]]
    return [[line for line in lines if start <= line[0] <= end] for start, end in zip(starts, ends)]


def _block_end(lines: list[Line], next_heading: _Heading) -> int:
    before = [line for line in lines if line[0] < next_heading.line and not is_blank(line)]
    return before[-2][0] if next_heading.starts_section else before[-1][0]


def _rows(heading: _Heading, block: list[Line], document: Document, ordinal: int) -> list[Recommendation]:
    body_lines = block[1:]
    subs = _sub_item_starts(body_lines, document)
    intro = body_lines[: subs[0][0]] if subs else body_lines
    parent = _row(document, str(heading.number), ordinal, heading.title, join_paragraphs(intro), block)
    parent.section = heading.section
    rows = [parent]
    bounds = [start for start, _ in subs] + [len(body_lines)]
    for (start, sub), end in zip(subs, bounds[1:]):
        rows.append(_sub_row(parent, sub, body_lines[start:end], document, ordinal + len(rows)))
    return rows


def _sub_item_starts(lines: list[Line], document: Document) -> list[tuple[int, int]]:
    """(index in lines, sub number) of each sub-item, checked to run 1, 2, …"""
    starts = []
    for index, (number, text) in enumerate(lines):
        sub = _sub_number(text)
        if sub is None:
            continue
        if sub != len(starts) + 1:
            raise ParseError(document.source_file, number, f"sub-item {sub} found where {len(starts) + 1} was expected")
        starts.append((index, sub))
    return starts


def _sub_number(text: str) -> int | None:
    for pattern in _SUB_RES:
        match = pattern.match(text)
        if match:
            return cn_number(match.group(1)) or None  # 零是 and (0) number nothing
    return None


def _sub_row(parent: Recommendation, sub: int, lines: list[Line], document: Document, ordinal: int) -> Recommendation:
    first_number, first_text = lines[0]
    marker = next(pattern.match(first_text) for pattern in _SUB_RES if pattern.match(first_text))
    text = join_paragraphs([(first_number, first_text[marker.end() :])] + lines[1:])
    title, body = first_sentence(text)
    row = _row(document, f"{parent.number}.{sub}", ordinal, title, body, lines)
    row.parent_id, row.section = parent.id, parent.section
    return row


def _row(document: Document, number: str, ordinal: int, title: str, body: str, lines: list[Line]) -> Recommendation:
    content = trim_blank(lines)
    return new_recommendation(
        document,
        number,
        ordinal=ordinal,
        title=title,
        body=body,
        line_start=content[0][0],
        line_end=content[-1][0],
    )
