"""Loader for the BDC's 2020 survey report 香港品牌企業「再出發」問卷調查 分析報告
(document ``bdc-2020-brand-relaunch-survey``).

What is parsed:

* Table 3 (表三　支援香港品牌「再出發」的政策建議): the 18 numbered policy
  recommendations （1）..（18）, each under its policy area (政策領域), which
  the extracted table names only on the first row of each area.  A row's
  text wraps onto the following lines; every table line ends up in a row.
* Paragraphs 3.9-3.21, which argue the six areas in turn (一是 .. 六是): each
  area's narrative becomes the ``support`` of that area's recommendations.
* The Chinese summary (報告摘要) and the English Executive Summary, which
  fill in the document's ``summary_zh`` and ``summary_en``.

Everything else (survey results and charts, Tables 1 and 2, notes and the
two questionnaires after Table 3) is left out.  ``page`` stays ``None``: the
running header only appears on the first few pages, so it cannot number them.
"""

import dataclasses
import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from kb.records import Document, Parsed, ParseError, Recommendation, new_recommendation
from kb.text.cleanup import drop_matching, join_broken, join_paragraphs, trim_blank
from kb.text.lines import Line, numbered_lines, tidy_line
from kb.text.numbering import uncovered
from kb.text.sentences import FULL_STOP

_EXPECTED_ITEMS = 18
_AREA_ORDINALS = "一二三四五六"
_MIN_SHARED_AREA_CHARS = 4

_ZH_SUMMARY_RE = re.compile(r"^報告摘要$")
_EN_SUMMARY_RE = re.compile(r"^Executive Summary$")
_CHAPTER_ONE_RE = re.compile(r"^一、")
_RUNNING_HEADER_RE = re.compile(r"^香港品牌企業「再出發」問卷調查\s*分析報告")
_TABLE_HEADING_RE = re.compile(r"^表三\s*支援香港品牌「再出發」的政策建議$")
_TABLE_COLUMNS_RE = re.compile(r"^政策領域\s*政策建議$")
_QUESTIONNAIRE_RE = re.compile(r"^香港品牌企業「再出發」問卷調查$")
_ITEM_RE = re.compile(r"^(?P<area>[\u4e00-\u9fff]*)[（(](?P<number>\d+)[）)](?P<text>.*)$")
_NARRATIVE_RE = re.compile(r"^\d+\.\d+\s*(?P<ordinal>[一二三四五六七八九十])是(?P<topic>[^，。]+)")


@dataclass
class _Item:
    """A row of Table 3 while it is being read."""

    number: int
    area: str
    line_start: int
    line_end: int
    text: str

    @property
    def finished(self) -> bool:
        return self.text.endswith(FULL_STOP)


@dataclass
class _Narrative:
    """One area's paragraphs (一是 .. 六是) before Table 3."""

    ordinal: str
    topic: str
    line_start: int
    line_end: int
    text: str


def parse(text: str, document: Document) -> Parsed:
    """The 18 recommendations of Table 3, with their areas' narratives as
    support, and the document with its Chinese and English summaries."""
    lines = numbered_lines(text)
    summary_zh, summary_en = _summaries(lines, document.source_file)
    table_start = _find(lines, _TABLE_HEADING_RE, 0, "Table 3 (表三)", document.source_file)
    items = _table_items(lines, table_start, document.source_file)
    narratives = _narratives(lines[:table_start], document.source_file)
    by_area = _match_areas(items, narratives, document.source_file)
    rows = [
        _recommendation(item, ordinal, by_area[item.area], document)
        for ordinal, item in enumerate(items, start=1)
    ]
    summarised = dataclasses.replace(document, summary_zh=summary_zh, summary_en=summary_en)
    return Parsed(document=summarised, recommendations=rows)


def unread(text: str, parsed: Parsed) -> list[Line]:
    """The lines of Table 3 numbered as its items are (（1）) that belong to
    no row; the questionnaires after the table are not read."""
    lines = numbered_lines(text)
    source_file = parsed.document.source_file
    heading = _find(lines, _TABLE_HEADING_RE, 0, "Table 3 (表三)", source_file)
    end = _find(lines, _QUESTIONNAIRE_RE, heading, "the questionnaire after Table 3", source_file)
    numbered = [line for line in lines[heading + 1 : end] if _ITEM_RE.match(tidy_line(line[1]))]
    return uncovered(numbered, ((row.line_start, row.line_end) for row in parsed.recommendations))


def _find(lines: list[Line], pattern: re.Pattern, start: int, what: str, source_file: str) -> int:
    """Index in ``lines`` of the first line from ``start`` whose tidied text
    matches ``pattern``."""
    for index in range(start, len(lines)):
        if pattern.search(tidy_line(lines[index][1])):
            return index
    raise ParseError(source_file, lines[start][0] if start < len(lines) else None, f"{what} not found")


# --- summaries ---------------------------------------------------------------


def _summaries(lines: list[Line], source_file: str) -> tuple[str, str]:
    """The 報告摘要 (up to the Executive Summary) and the Executive Summary
    (up to chapter 一、), without running headers."""
    zh_start = _find(lines, _ZH_SUMMARY_RE, 0, "the 報告摘要 heading", source_file)
    en_start = _find(lines, _EN_SUMMARY_RE, zh_start, "the Executive Summary heading", source_file)
    chapter = _find(lines, _CHAPTER_ONE_RE, en_start, "chapter 一、 after the Executive Summary", source_file)
    summary_zh = join_paragraphs(drop_matching(lines[zh_start + 1 : en_start], _RUNNING_HEADER_RE))
    summary_en = join_paragraphs(drop_matching(lines[en_start + 1 : chapter], _RUNNING_HEADER_RE), english=True)
    for name, summary, line in (("報告摘要", summary_zh, zh_start), ("Executive Summary", summary_en, en_start)):
        if not summary:
            raise ParseError(source_file, lines[line][0], f"the {name} is empty")
    return summary_zh, summary_en


# --- Table 3 -------------------------------------------------------------------


def _table_items(lines: list[Line], heading: int, source_file: str) -> list[_Item]:
    """The rows of Table 3, from its heading to the questionnaire that
    follows it, checked to be numbered （1）..（18） in order."""
    end = _find(lines, _QUESTIONNAIRE_RE, heading, "the questionnaire after Table 3", source_file)
    body = [line for line in lines[heading + 1 : end] if tidy_line(line[1])]
    if not body or not _TABLE_COLUMNS_RE.match(tidy_line(body[0][1])):
        raise ParseError(source_file, lines[heading][0], "Table 3 has no 政策領域 / 政策建議 header")
    items = _read_rows(body[1:], source_file)
    _check_numbers(items, lines[end][0], source_file)
    return items


def _read_rows(body: list[Line], source_file: str) -> list[_Item]:
    """Sort the table's lines into rows.  A line that is not an item
    continues the current item until that item's sentence ends (。); after
    that it names (part of) the next policy area."""
    items: list[_Item] = []
    area, pending, pending_line = "", "", 0
    for number, raw in body:
        text = tidy_line(raw)
        match = _ITEM_RE.match(text)
        if match:
            if pending or match["area"]:
                area, pending = join_broken(pending, match["area"]), ""
            if not area:
                raise ParseError(source_file, number, "Table 3 item has no policy area (政策領域)")
            items.append(_Item(int(match["number"]), area, number, number, match["text"].strip()))
        elif items and not items[-1].finished:
            items[-1].text = join_broken(items[-1].text, text)
            items[-1].line_end = number
        else:
            pending, pending_line = join_broken(pending, text), pending_line or number
    if pending:
        raise ParseError(source_file, pending_line, f"Table 3 text {pending!r} belongs to no recommendation")
    return items


def _check_numbers(items: list[_Item], end_line: int, source_file: str) -> None:
    """Table 3 must number its items （1）..（18）, each once and in order."""
    for expected, item in enumerate(items, start=1):
        if item.number != expected:
            raise ParseError(
                source_file, item.line_start, f"Table 3 item （{item.number}） found where （{expected}） was expected"
            )
    if len(items) != _EXPECTED_ITEMS:
        raise ParseError(source_file, end_line, f"Table 3 has {len(items)} items, expected {_EXPECTED_ITEMS}")


# --- narrative paragraphs 3.9-3.21 -------------------------------------------------


def _narratives(lines: list[Line], source_file: str) -> list[_Narrative]:
    """The six areas' narratives (一是 .. 六是), each running up to the next
    one; the last one runs up to Table 3."""
    starts = [
        (index, match) for index, (_, text) in enumerate(lines) if (match := _NARRATIVE_RE.match(tidy_line(text)))
    ]
    found = "".join(match["ordinal"] for _, match in starts)
    if found != _AREA_ORDINALS:
        wrong = [index for (index, _), got, want in zip(starts, found, _AREA_ORDINALS) if got != want]
        wrong += [index for index, _ in starts[len(_AREA_ORDINALS) :]]
        line = lines[wrong[0] if wrong else -1][0]
        raise ParseError(source_file, line, f"narratives {found or 'none'} found, expected {_AREA_ORDINALS} (一是..六是)")
    ends = [index for index, _ in starts[1:]] + [len(lines)]
    return [_narrative(lines[index:end], match) for (index, match), end in zip(starts, ends)]


def _narrative(lines: list[Line], match: re.Match) -> _Narrative:
    text_lines = trim_blank(lines)
    return _Narrative(
        ordinal=match["ordinal"],
        topic=match["topic"],
        line_start=text_lines[0][0],
        line_end=text_lines[-1][0],
        text=join_paragraphs(text_lines),
    )


def _match_areas(items: list[_Item], narratives: list[_Narrative], source_file: str) -> dict[str, _Narrative]:
    """Pair Table 3's areas, in order, with the narratives 一是..六是, checking
    that each pair names the same area (e.g. 加強資金支持 / 強化資金支持)."""
    areas = list(dict.fromkeys(item.area for item in items))
    first_rows = {item.area: item.line_start for item in reversed(items)}
    if len(areas) != len(narratives):
        raise ParseError(
            source_file, items[0].line_start, f"Table 3 has {len(areas)} policy areas, expected {len(narratives)}"
        )
    for area, narrative in zip(areas, narratives):
        if not _same_area(area, narrative.topic):
            raise ParseError(
                source_file,
                first_rows[area],
                f"Table 3 area {area!r} does not match narrative {narrative.ordinal}是{narrative.topic}",
            )
    return dict(zip(areas, narratives))


def _same_area(area: str, topic: str) -> bool:
    shared = SequenceMatcher(None, area, topic).find_longest_match(0, len(area), 0, len(topic))
    return shared.size >= _MIN_SHARED_AREA_CHARS


def _recommendation(item: _Item, ordinal: int, narrative: _Narrative, document: Document) -> Recommendation:
    number = str(item.number)
    return new_recommendation(
        document,
        number,
        ordinal=ordinal,
        title=item.text.removesuffix(FULL_STOP),
        body=item.text,
        line_start=item.line_start,
        line_end=item.line_end,
        kind="recommendation",
        section=item.area,
        support=narrative.text,
        support_line_start=narrative.line_start,
        support_line_end=narrative.line_end,
    )
