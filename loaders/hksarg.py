"""The HKSAR Government's Policy Address and Budget speech: numbered paragraphs.

Both speeches share one shape, year after year: a cover, a table of contents
(目錄) listing headings with paragraph ranges, the salutation (…各位市民：),
paragraphs numbered 1 … N under chapter and section headings, sub-items
(i), (ii) … or （一）, （二） … inside some paragraphs, page numbers at the foot
of each page and, in the Budget, the chapter repeated at the head of each page.
Annexes may follow the speech (the Policy Address's 附件 of indicators, the
Budget's 補編 and 附錄 of tables): they are numbered afresh, are lists and
tables rather than speech, and are not read as paragraphs; their text stays
in the source file.

Nothing here names a year or a heading: the structure is read from the text,
so a later year's speech loads with no change.  A paragraph number out of
sequence (missing or repeated), or a last number that disagrees with the
table of contents, is a ParseError naming the file and line.
"""

import re
from kb.records import Paragraph, ParseError, Parsed, recommendation_id
from kb.text.cleanup import join_broken
from kb.text.lines import numbered_lines, tidy_line
from kb.text.numbering import CN_NUMERAL, ROMAN_NUMERAL, cn_number, roman_number, uncovered
from kb.text.pages import is_page_number, page_at, page_starts
from kb.text.sentences import BREAKS, COLONS, ends_sentence

_PARAGRAPH_RE = re.compile(r"^(\d+)\s*[.．](?!\d)\s*(\S.*)$")
_SUB_ITEM_RE = re.compile(rf"^[(（]\s*([{ROMAN_NUMERAL}]+|[{CN_NUMERAL}]+|\d+)\s*[)）]\s*(\S.*)$")
_CHAPTER_RE = re.compile(rf"^[(（]\s*[{CN_NUMERAL}]+\s*[)）]")
_CHAPTER_NUMBER_RE = re.compile(rf"^[(（]\s*([{CN_NUMERAL}]+)\s*[)）]\s*")
_TOC_RANGE_RE = re.compile(r"(\d+)(?:\s*[–—－-]\s*(\d+))?$")
_FOOTNOTE_RE = re.compile(r"^(\d+)\s+[^\d\s.．]")
_ANNEX_RE = re.compile(r"^(附\s*件|補\s*編|附\s*錄)")
_SALUTATION_RE = re.compile(r"各位市民\s*[：:]$")
# A line ends a sentence, or a lead-in (：), or an item of a list that goes on (；及).
_CLOSING_MARKS = BREAKS + COLONS
_LIST_GOES_ON = "及和或"
_MAX_HEADING = 40


def parse(text: str, document) -> Parsed:
    """Every numbered paragraph of a Policy Address or Budget speech, with its sub-items."""
    speech = _Speech(text, document.source_file)
    last_listed = _toc_last_number(speech.toc) if speech.toc else None
    reader = _Reader(document, speech.starts, speech.headers, _toc_headings(speech.toc))
    for number, line in speech.lines:
        reader.read(number, line)
    paragraphs = reader.finish()
    if not paragraphs:
        raise ParseError(document.source_file, None, "no numbered paragraphs found")
    last = int(paragraphs[-1].number.split(".")[0])
    if last_listed is not None and last != last_listed:
        raise ParseError(
            document.source_file,
            paragraphs[-1].line_start,
            f"the last paragraph is {last} but the table of contents lists paragraphs up to {last_listed}",
        )
    return Parsed(document=document, paragraphs=paragraphs)


def unread(text: str, parsed: Parsed) -> list[tuple[int, str]]:
    """The lines of the speech numbered as paragraphs (``12.``) or sub-items
    (``(ii)``, ``（三）``) are that belong to no paragraph; the cover, table
    of contents and annexes are not read, and the chapter headings the
    table of contents lists (（三）…) are headings."""
    speech = _Speech(text, parsed.document.source_file)
    headings = _toc_headings(speech.toc)
    numbered = [
        line for line in speech.lines
        if (_PARAGRAPH_RE.match(line[1]) or _SUB_ITEM_RE.match(line[1])) and _compact(line[1]) not in headings
    ]
    return uncovered(numbered, ((paragraph.line_start, paragraph.line_end) for paragraph in parsed.paragraphs))


class _Speech:
    """What the loader reads of a speech: its table of contents and, between
    the salutation and the annexes, the lines of text (running headers,
    footnotes and page numbers left out), tidied, with their line numbers."""

    def __init__(self, text: str, source_file: str):
        lines = numbered_lines(text)
        self.starts = page_starts(lines)
        clean = [(number, tidy_line(line.lstrip("\f"))) for number, line in lines]
        toc_start, body_start = _body_start(clean, source_file)
        self.toc = clean[toc_start:body_start] if toc_start is not None else []
        body_end = _body_end(clean, self.starts, body_start)
        self.headers = _running_headers(clean, self.starts, body_start, body_end)
        footnotes = _footnote_lines(clean, self.starts, body_start, body_end)
        self.lines = [
            (number, line)
            for number, line in clean[body_start + 1 : body_end]
            if line and not is_page_number(line, anywhere=True) and number not in self.headers and number not in footnotes
        ]


def _body_start(clean, source_file: str) -> tuple[int | None, int]:
    """(index of the table of contents' first line or None, index of the salutation line).

    The speech opens with the salutation (立法會主席、各位議員、各位市民：)."""
    toc = next((index for index, (_, line) in enumerate(clean) if line.replace(" ", "") == "目錄"), None)
    for index in range(toc or 0, len(clean)):
        if _SALUTATION_RE.search(clean[index][1]):
            return toc, index
    raise ParseError(source_file, None, "no salutation (…各位市民：) opening the speech")


def _toc_last_number(toc) -> int | None:
    """The highest paragraph number the table of contents lists."""
    numbers = []
    for _, line in toc:
        match = _TOC_RANGE_RE.search(line)
        if match:
            numbers += [int(group) for group in match.groups() if group]
    return max(numbers) if numbers else None


def _toc_headings(toc) -> set[str]:
    """The headings the table of contents lists, compacted (white space removed)."""
    headings = set()
    for _, line in toc:
        heading = _compact(_TOC_RANGE_RE.sub("", line))
        if heading:
            headings.add(heading)
    return headings


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _heading_text(line: str) -> str:
    """A heading as printed, its chapter number closed up: ``( 三 ) 貫徹…`` -> ``(三) 貫徹…``."""
    return _CHAPTER_NUMBER_RE.sub(lambda match: f"({match.group(1)}) ", line).strip()


def _body_end(clean, starts: list[int], body_start: int) -> int:
    """Index after the speech's last line: the start of the first page after
    the speech opens that begins an annex (附件, 補編, 附錄) or repeats the cover."""
    cover = _first_text(clean, 0, len(clean))
    index_of = {number: index for index, (number, _) in enumerate(clean)}
    for start in starts:
        index = index_of[start]
        if index <= body_start:
            continue
        first = _first_text(clean, index, len(clean))
        if first and (_ANNEX_RE.match(first) or first == cover):
            return index
    return len(clean)


def _first_text(clean, begin: int, end: int) -> str | None:
    return next((line for _, line in clean[begin:end] if line), None)


def _running_headers(clean, starts: list[int], body_start: int, body_end: int) -> dict[int, str]:
    """Line number -> text of each page's running header, where the speech has them.

    A speech has running headers when most of its pages open with the same line
    as the page before or after (the Budget repeats its chapter on every page);
    then every page's first line is a header.  A Policy Address has none."""
    if not starts:
        return {}
    index_of = {number: index for index, (number, _) in enumerate(clean)}
    first_page = page_at(clean[body_start][0], starts)
    firsts = []
    for page, start in enumerate(starts, start=1):
        index = index_of[start]
        if page >= first_page and index < body_end:
            line_index = next((i for i in range(index, body_end) if clean[i][1]), None)
            if line_index is not None:
                firsts.append(clean[line_index])
    repeated = sum(
        1
        for k, (_, line) in enumerate(firsts)
        if (k > 0 and firsts[k - 1][1] == line) or (k + 1 < len(firsts) and firsts[k + 1][1] == line)
    )
    if len(firsts) < 3 or repeated * 2 < len(firsts):
        return {}
    return {number: line for number, line in firsts}


def _footnote_lines(clean, starts: list[int], body_start: int, body_end: int) -> set[int]:
    """Line numbers of the footnotes at the foot of the speech's pages.

    Footnotes are numbered 1, 2, … through the speech; each starts a line
    with its number and a space, and they run to the foot of the page (its
    page number aside).  A line that starts with a number out of that
    sequence is ordinary text (``12 月 10 日…``)."""
    found: set[int] = set()
    expected = 1
    pages = list(starts or [1]) + [clean[-1][0] + 1]
    for start, end in zip(pages, pages[1:]):
        page = [(number, line) for number, line in clean[body_start + 1 : body_end] if start <= number < end and line]
        while page and is_page_number(page[-1][1], anywhere=True):
            page.pop()
        for k, (number, line) in enumerate(page):
            match = _FOOTNOTE_RE.match(line)
            if k > 0 and match and int(match.group(1)) == expected:
                for later_number, later in page[k:]:
                    found.add(later_number)
                    later_match = _FOOTNOTE_RE.match(later)
                    if later_match and int(later_match.group(1)) == expected:
                        expected += 1
                break
    return found


def _sub_value(marker: str) -> int | None:
    """The value of a sub-item marker: i, iv, 三, 一百零一, 12; None for
    one that is no number (iiii, 二三)."""
    return roman_number(marker) if marker[0] in ROMAN_NUMERAL else cn_number(marker)


def _closes(line: str) -> bool:
    return ends_sentence(line, _CLOSING_MARKS, then=_LIST_GOES_ON)


def _looks_like_heading(line: str) -> bool:
    return (
        len(line) <= _MAX_HEADING
        and not _closes(line)
        and not line.endswith(("，", "、"))
        and not line.startswith(("•", "‧", "-"))
    )


class _Reader:
    """Reads the speech's lines in order and gathers its paragraphs."""

    def __init__(self, document, starts: list[int], headers: dict[int, str], toc_headings: set[str]):
        self.document = document
        self.toc_headings = toc_headings
        self.starts = starts
        self.header_pages = {page_at(number, starts): text for number, text in headers.items()}
        self.rows: list[dict] = []
        self.current: dict | None = None  # the paragraph or sub-item whose text is being read
        self.parent: dict | None = None  # the numbered paragraph being read
        self.pending: list[tuple[int, str]] = []  # lines that may be headings
        self.chapter: str | None = None
        self.section: str | None = None
        self.closed = True  # the last text line ended a sentence

    def read(self, number: int, line: str) -> None:
        if self.closed and _CHAPTER_RE.match(line) and _compact(line) in self.toc_headings:
            self.pending.append((number, line))  # a chapter heading, listed in the table of contents
            return
        paragraph = _PARAGRAPH_RE.match(line)
        if paragraph and self._is_next_paragraph(number, int(paragraph.group(1))):
            self._headings()
            self._start_paragraph(number, int(paragraph.group(1)), paragraph.group(2))
            return
        sub_item = _SUB_ITEM_RE.match(line)
        if sub_item and self.parent and _sub_value(sub_item.group(1)) == self.parent["subs"] + 1:
            self._flush_pending_as_text()
            self._start_sub_item(number, sub_item.group(2))
            return
        if self.closed and _looks_like_heading(line):
            self.pending.append((number, line))
            return
        self._flush_pending_as_text()
        if self.current is None:
            if self.rows:
                raise ParseError(self.document.source_file, number, f"text outside any paragraph: {line[:30]}")
            self._headings()
            self._start_paragraph(number, 1, line)  # the Budget's opening motion is paragraph 1, unnumbered
            return
        self._add_text(number, line)

    def finish(self) -> list[Paragraph]:
        self._flush_pending_as_text()
        return [self._record(ordinal, row) for ordinal, row in enumerate(self.rows, start=1)]

    def _is_next_paragraph(self, line_number: int, value: int) -> bool:
        expected = (int(self.parent["number"]) if self.parent else 0) + 1
        if value == expected:
            return True
        if not self.closed:
            return False  # a number inside a broken sentence
        if value < expected:
            raise ParseError(self.document.source_file, line_number, f"paragraph {value} repeated (expected {expected})")
        raise ParseError(
            self.document.source_file, line_number, f"paragraph {expected} missing: found {value} after {expected - 1}"
        )

    def _headings(self) -> None:
        """Lines waiting before a paragraph are its headings: a chapter heading
        (（三）…) starts a chapter; the others are sections, the last one the
        innermost.  A heading broken over two lines is joined."""
        lines = [line for _, line in self.pending]
        self.pending = []
        for k, line in enumerate(lines):
            if _CHAPTER_RE.match(line) and _compact(line) in self.toc_headings:
                self.chapter = _heading_text(line)
                self.section = None
            elif k + 1 < len(lines) and _compact(line + lines[k + 1]) in self.toc_headings:
                continue  # the first half of a heading the PDF broke in two
            elif k > 0 and _compact(lines[k - 1] + line) in self.toc_headings:
                self.section = _heading_text(lines[k - 1] + " " + line)
            elif _compact(line) != _compact(self.chapter or ""):
                self.section = _heading_text(line)

    def _flush_pending_as_text(self) -> None:
        for number, line in self.pending:
            if self.current is None:
                raise ParseError(self.document.source_file, number, f"text outside any paragraph: {line[:30]}")
            self._add_text(number, line)
        self.pending = []

    def _start_paragraph(self, line_number: int, value: int, text: str) -> None:
        page = page_at(line_number, self.starts)
        chapter = self.header_pages.get(page) or self.chapter
        if chapter and self.header_pages and self.chapter != chapter:
            self.chapter, self.section = chapter, None if self.section == chapter else self.section
        row = {
            "number": str(value),
            "parent": None,
            "lines": [text],
            "line_start": line_number,
            "line_end": line_number,
            "chapter": chapter,
            "section": self.section if self.section != chapter else None,
            "subs": 0,
        }
        self.rows.append(row)
        self.parent = self.current = row
        self.closed = _closes(text)

    def _start_sub_item(self, line_number: int, text: str) -> None:
        parent = self.parent
        parent["subs"] += 1
        row = {
            "number": f"{parent['number']}.{parent['subs']}",
            "parent": parent,
            "lines": [text],
            "line_start": line_number,
            "line_end": line_number,
            "chapter": parent["chapter"],
            "section": parent["section"],
            "subs": 0,
        }
        self.rows.append(row)
        self.current = row
        parent["line_end"] = line_number
        self.closed = _closes(text)

    def _add_text(self, line_number: int, line: str) -> None:
        self.current["lines"].append(line)
        self.current["line_end"] = line_number
        if self.current["parent"]:
            self.current["parent"]["line_end"] = line_number
        self.closed = _closes(line)

    def _record(self, ordinal: int, row: dict) -> Paragraph:
        text = ""
        for piece in row["lines"]:
            text = join_broken(text, piece)
        document_id = self.document.id
        return Paragraph(
            id=recommendation_id(document_id, row["number"]),
            document_id=document_id,
            number=row["number"],
            ordinal=ordinal,
            text=text,
            line_start=row["line_start"],
            line_end=row["line_end"],
            chapter=row["chapter"],
            section=row["section"],
            parent_id=recommendation_id(document_id, row["parent"]["number"]) if row["parent"] else None,
            page=page_at(row["line_start"], self.starts),
        )
