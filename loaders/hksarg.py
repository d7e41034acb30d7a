"""The HKSAR Government's Policy Address and Budget speech: numbered paragraphs.

Both speeches share one shape, year after year, printed in several layouts:
perhaps a cover and a table of contents (目錄) listing headings with
paragraph ranges (``1 – 4``, ``1 - 6``), perhaps a salutation
(立法會主席、各位議員、各位市民：, 主席先生：), then paragraphs numbered
1 … N under chapter and section headings, sub-items inside some paragraphs
((i), （一）, (a), (1) …), page numbers (``12``, ``- 12 -``, roman in the
front matter), perhaps footnotes at the foot of pages and a running header
(the Budget repeats its chapter on every page).  Annexes may follow the
speech (附件, 補編, 附錄, Annex: indicators, tables): they are numbered
afresh, are lists and tables rather than speech, and are not read as
paragraphs; their text stays in the source file.

Where the speech starts: after the salutation; without one, on the first
page after the table of contents; without either, on the page of the first
paragraph number.  A paragraph number is read wherever pdfplumber puts it:
``12. text``, ``１２．text``, ``12 text`` (in a speech numbered without
dots), or alone on its line (``12.``) before the paragraph's first line or,
when a hanging number sits a little low, after it.

Unnumbered paragraphs opening the speech are paragraphs too.  Before a
first number k > 1 they are paragraphs 1 … k-1 (a Budget's motion,
我謹動議二讀…, is paragraph 1 and the numbering starts at 2; if the text
before 2. reads as several paragraphs they are one).  Before paragraph 1
they are numbered ``0-1``, ``0-2`` … in order: no printed number has a
hyphen, so these ids never collide with a numbered paragraph or a
sub-item's ``<number>.<k>``.  An opening paragraph ends with a line that
ends a sentence and stops short of the text's width.

Nothing here names a year, a document or a heading: the structure is read
from the text, so a later year's speech loads with no change.  A paragraph
number out of sequence (missing or repeated), or a last number that
disagrees with the table of contents, is a ParseError naming the file, the
line and the page.
"""

import re
from bisect import bisect_left
from kb.records import Paragraph, ParseError, Parsed, recommendation_id
from kb.text.cleanup import join_broken
from kb.text.lines import numbered_lines, tidy_line
from kb.text.numbering import CN_NUMERAL, ROMAN_NUMERAL, cn_number, roman_number, uncovered
from kb.text.pages import fold_lookalikes, page_at, page_starts
from kb.text.sentences import BREAKS, COLONS, ends_sentence

_PARAGRAPH_RE = re.compile(r"^(\d+)\s*[.．](?!\d)\s*(\S.*)$")
# A paragraph number alone on its line (12. or 12), and one without a dot before its text (12 text).
_NUMBER_ALONE_RE = re.compile(r"^(\d{1,3})\s*[.．]?$")
_UNDOTTED_RE = re.compile(r"^(\d{1,3})\s+(\S.*)$")
_SUB_ITEM_RE = re.compile(rf"^[(（]\s*([{ROMAN_NUMERAL}]+|[{CN_NUMERAL}]+|\d+|[a-z])\s*[)）]\s*(\S.*)$")
_CHAPTER_RE = re.compile(rf"^[(（]\s*[{CN_NUMERAL}]+\s*[)）]")
_CHAPTER_NUMBER_RE = re.compile(rf"^[(（]\s*([{CN_NUMERAL}]+)\s*[)）]\s*")
_DASHES = "–—－‒-"
_TOC_RANGE_RE = re.compile(rf"(\d+)(?:\s*[{_DASHES}]\s*(\d+))?$")
# A line of a table of contents: a heading's paragraph or range of paragraphs at its end.
_TOC_ENTRY_RE = re.compile(rf"(?:^|\s)\d{{1,3}}(?:\s*[{_DASHES}]\s*\d{{1,3}})?$")
_TOC_PAGE_ENTRIES = 3
_FOOTNOTE_RE = re.compile(r"^(\d+)\s+[^\d\s.．]")
_ANNEX_RE = re.compile(r"^(附\s*件|補\s*編|附\s*錄|annex|appendix)", re.I)
# The salutation: a short line addressing the chamber, ending with a colon.
_SALUTATION_RE = re.compile(r"^[^。，；]{0,24}(主席|議員|市民|先生|女士)[^。，；]{0,12}[：:]$")
# A page number at a page's head or foot: 12, - 12 -, or roman (xii) in the front matter.
_PAGE_NUMBER_RE = re.compile(rf"^(?:[{_DASHES}]\s*)?(?:\d{{1,3}}|[ivxlc]{{1,6}})(?:\s*[{_DASHES}])?$")
_DASHED_PAGE_NUMBER_RE = re.compile(rf"^[{_DASHES}]\s*\d{{1,3}}\s*[{_DASHES}]$")
# A line ends a sentence, or a lead-in (：), or an item of a list that goes on (；及).
_CLOSING_MARKS = BREAKS + COLONS
_LIST_GOES_ON = "及和或"
_MAX_HEADING = 40
_BULLETS = ("•", "‧", "-", "─", "●", "■", "◆")
# A line at least this share of the text's width runs on into the next line.
_FULL_LINE = 0.9


def parse(text: str, document) -> Parsed:
    """Every numbered paragraph of a Policy Address or Budget speech, with its sub-items."""
    speech = _Speech(text, document.source_file)
    last_listed = _toc_last_number(speech.toc) if speech.toc else None
    reader = _Reader(document, speech)
    for k, (number, line) in enumerate(speech.lines):
        reader.read(number, line, speech.lines[k + 1 : k + 3])
    paragraphs = reader.finish()
    if not paragraphs:
        raise ParseError(document.source_file, None, "no numbered paragraphs found")
    last = int(paragraphs[-1].number.split(".")[0].split("-")[0])
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
    the opening (the salutation, or the page after the contents) and the
    annexes, the lines of text (running headers, footnotes and page numbers
    left out), tidied, with their line numbers; and what the reader needs
    to know of them: the running headers, whether they name the chapters,
    whether paragraphs are numbered with dots, how wide a full line is."""

    def __init__(self, text: str, source_file: str):
        lines = numbered_lines(text)
        self.starts = page_starts(lines)
        clean = [(number, tidy_line(fold_lookalikes(line.lstrip("\f")))) for number, line in lines]
        toc_start, toc_end, body_start = _body_start(clean, self.starts)
        self.toc = clean[toc_start:toc_end] if toc_start is not None else []
        body_end = _body_end(clean, self.starts, body_start)
        self.headers = _running_headers(clean, self.starts, body_start, body_end)
        self.toc_headings = _toc_headings(self.toc)
        self.headers_are_chapters = _headers_are_chapters(self.headers, self.toc_headings)
        page_numbers = _page_number_lines(clean, self.starts, body_start, body_end, self.headers)
        body = [
            (number, line)
            for number, line in clean[body_start:body_end]
            if line and number not in self.headers and number not in page_numbers and not _DASHED_PAGE_NUMBER_RE.match(line)
        ]
        self.dotted = any(_PARAGRAPH_RE.match(line) or _NUMBER_ALONE_RE.match(line) and "." in line or "．" in line[:4]
                          for _, line in body)
        footnotes = _footnote_lines(body, self.starts) if self.dotted else set()
        self.lines = [(number, line) for number, line in body if number not in footnotes]
        self.full_width = _full_width(self.lines)


def _body_start(clean, starts: list[int]) -> tuple[int | None, int | None, int]:
    """(index of the table of contents' first line or None, index after its
    last, index of the speech's first line).

    The speech opens after the salutation (立法會主席、各位議員、各位市民：,
    主席先生：) where there is one, on the first page after the table of
    contents where there is none, and on the page of the first paragraph
    number (1. or, in a Budget, 2.) where there is neither."""
    toc = next((index for index, (_, line) in enumerate(clean) if _compact(line) == "目錄"), None)
    toc_end = _toc_end(clean, starts, toc) if toc is not None else None
    first_number = next(
        (index for index in range(toc_end or 0, len(clean)) if _opens_numbering(clean[index][1])), len(clean)
    )
    for index in range(toc or 0, first_number):
        if _SALUTATION_RE.match(clean[index][1]):
            return toc, index if toc is not None else None, index + 1
    if toc is not None:
        return toc, toc_end, toc_end
    index_of = {number: index for index, (number, _) in enumerate(clean)}
    page = page_at(clean[first_number][0], starts) if first_number < len(clean) and starts else None
    return None, None, index_of[starts[page - 1]] if page else first_number


def _opens_numbering(line: str) -> bool:
    """A line that may carry the speech's first paragraph number: 1 or 2 (a Budget's), with or without its text."""
    match = _PARAGRAPH_RE.match(line) or _NUMBER_ALONE_RE.match(line) or _UNDOTTED_RE.match(line)
    return bool(match) and match.group(1) in ("1", "2") and not _compact(line).isdigit()


def _toc_end(clean, starts: list[int], toc: int) -> int:
    """Index of the first line after the table of contents: the start of the
    first page after 目錄's that lists no paragraph ranges."""
    if not starts:
        return next((index for index in range(toc + 1, len(clean)) if _opens_numbering(clean[index][1])), len(clean))
    index_of = {number: index for index, (number, _) in enumerate(clean)}
    page = page_at(clean[toc][0], starts)
    while page < len(starts):
        begin, end = index_of[starts[page]], index_of[starts[page + 1]] if page + 1 < len(starts) else len(clean)
        if sum(1 for _, line in clean[begin:end] if _TOC_ENTRY_RE.search(line)) < _TOC_PAGE_ENTRIES:
            return begin
        page += 1
    return len(clean)


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
    the speech opens that begins an annex (附件, 補編, 附錄, Annex) or repeats
    the cover.  A page number or a running header (the page before's first
    line again, perhaps the cover's title) may stand above the annex's title."""
    cover = _first_text(clean, 0, len(clean))
    index_of = {number: index for index, (number, _) in enumerate(clean)}
    previous_first = None
    for start in starts:
        index = index_of[start]
        firsts = [line for _, line in clean[index:] if line][:2]
        if index > body_start and firsts:
            header = firsts[0] == previous_first
            title = firsts[1] if len(firsts) > 1 and (header or _PAGE_NUMBER_RE.match(firsts[0])) else firsts[0]
            if _ANNEX_RE.match(title) or not header and firsts[0] == cover:
                return index
        previous_first = firsts[0] if firsts else None
    return len(clean)


def _first_text(clean, begin: int, end: int) -> str | None:
    return next((line for _, line in clean[begin:end] if line), None)


def _running_headers(clean, starts: list[int], body_start: int, body_end: int) -> dict[int, str]:
    """Line number -> text of each page's running header, where the speech has them.

    A speech has running headers when most of its pages open with the same line
    as the page before or after (the Budget repeats its chapter on every page);
    then every page's first line is a header.  A Policy Address may have none."""
    if not starts or body_start >= len(clean):
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


def _headers_are_chapters(headers: dict[int, str], toc_headings: set[str]) -> bool:
    """Whether the running headers name the chapters (the Budget's) rather than
    the speech (a title on every page): they change along the speech and the
    table of contents, where there is one, lists them."""
    if len(set(headers.values())) < 2:
        return False
    return not toc_headings or any(_compact(header) in toc_headings for header in headers.values())


def _by_page(lines: list[tuple[int, str]], pages: list[int]) -> list[list[tuple[int, str]]]:
    """``lines`` (numbered, in order) cut at the first line of each page
    (``pages``, ascending, with where the last page ends): each page's
    lines, found by bisection rather than by reading every line for every page."""
    numbers = [number for number, _ in lines]
    return [lines[bisect_left(numbers, start) : bisect_left(numbers, end)] for start, end in zip(pages, pages[1:])]


def _page_number_lines(clean, starts: list[int], body_start: int, body_end: int, headers: dict[int, str]) -> set[int]:
    """Line numbers of the page numbers printed at the foot or head of the
    speech's pages (the last or first line of a page, its header aside).  A
    number alone on a line inside a page is a paragraph's number."""
    found: set[int] = set()
    pages = list(starts or [clean[0][0] if clean else 1]) + [clean[-1][0] + 1 if clean else 1]
    body = [(number, line) for number, line in clean[body_start:body_end] if line and number not in headers]
    for page in _by_page(body, pages):
        for number, line in page[-1:] + page[:1]:
            if _PAGE_NUMBER_RE.match(line):
                found.add(number)
    return found


def _footnote_lines(body, starts: list[int]) -> set[int]:
    """Line numbers of the footnotes at the foot of the speech's pages.

    Footnotes are numbered 1, 2, … through the speech; each starts a line
    with its number and a space, and they run to the foot of the page.  A
    line that starts with a number out of that sequence is ordinary text
    (``12 月 10 日…``).  Read only in a speech whose paragraphs are numbered
    with dots: where they are not (``12 text``), a footnote cannot be told
    from a paragraph."""
    found: set[int] = set()
    expected = 1
    pages = list(starts or [1]) + [body[-1][0] + 1 if body else 1]
    for page in _by_page(body, pages):
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


def _width(line: str) -> float:
    """A line's printed width in Han characters: a digit or Latin letter is about half one."""
    return sum(0.55 if ord(character) < 0x2000 else 1 for character in line)


def _full_width(lines) -> float:
    """The width of a full line of the speech's text: most lines are full."""
    widths = sorted(_width(line) for _, line in lines)
    return widths[len(widths) * 4 // 5] if widths else 0


def _sub_value(marker: str, style: str | None) -> int | None:
    """The value of a sub-item marker in a paragraph's style of markers: i,
    iv, 三, 一百零一, 12, b; None for one that is no number (iiii, 二三).
    A paragraph's first marker sets the style: (a) letters, so that its
    ninth is (i); (i) roman numerals."""
    latin = marker.isascii() and marker.isalpha()
    if style == "letters" or style is None and marker == "a":
        return ord(marker) - ord("a") + 1 if latin and len(marker) == 1 else None
    if marker[0] in ROMAN_NUMERAL:
        return roman_number(marker)
    return None if latin else cn_number(marker)


def _sub_style(marker: str) -> str:
    if marker == "a":
        return "letters"
    if marker[0] in ROMAN_NUMERAL:
        return "roman"
    return "digits" if marker.isdigit() else "chinese"


def _closes(line: str) -> bool:
    return ends_sentence(line, _CLOSING_MARKS, then=_LIST_GOES_ON)


def _looks_like_heading(line: str) -> bool:
    return (
        len(line) <= _MAX_HEADING
        and not _closes(line)
        and not line.endswith(("，", "、"))
        and not line.startswith(_BULLETS)
    )


class _Reader:
    """Reads the speech's lines in order and gathers its paragraphs."""

    def __init__(self, document, speech: _Speech):
        self.document = document
        self.toc_headings = speech.toc_headings
        self.starts = speech.starts
        self.dotted = speech.dotted
        self.full_width = speech.full_width
        headers = speech.headers if speech.headers_are_chapters else {}
        self.header_pages = {page_at(number, self.starts): text for number, text in headers.items()}
        self.rows: list[dict] = []
        self.openings: list[dict] = []  # unnumbered paragraphs before the first number
        self.current: dict | None = None  # the paragraph or sub-item whose text is being read
        self.parent: dict | None = None  # the numbered paragraph being read
        self.pending: list[tuple[int, str]] = []  # lines that may be headings
        self.chapter_lines: set[int] = set()  # the pending lines that are chapter headings
        self.chapter: str | None = None
        self.chapters = 0  # the number of the last numbered chapter heading
        self.section: str | None = None
        self.closed = True  # the last text line ended a sentence
        self.awaiting: tuple[int, int] | None = None  # (line, value) of a number read alone, its text to come
        self.skip: int | None = None  # a paragraph number read with the line before it

    def read(self, number: int, line: str, following: list[tuple[int, str]] = ()) -> None:
        """Read one line; ``following``, the two lines after it, tell a
        paragraph's first line when the paragraph's number was printed below it."""
        if number == self.skip:
            return
        value = self._number_below(line, following)
        if value is not None:
            self.skip = following[0][0]
            self._headings()
            self._start_paragraph(number, value, line)
            return
        if self.awaiting:
            line_number, value = self.awaiting
            self.awaiting = None
            self._start_paragraph(line_number, value, line)
            return
        if self.closed and self._is_chapter_heading(line):
            self.pending.append((number, line))
            self.chapter_lines.add(number)
            return
        value, text = self._paragraph_number(line)
        if value is not None and self._is_next_paragraph(number, value):
            if text is None:
                self._number_alone(number, value)
            else:
                self._headings()
                self._start_paragraph(number, value, text)
            return
        sub_item = _SUB_ITEM_RE.match(line)
        if sub_item and self._is_next_sub_item(sub_item.group(1)):
            self._flush_pending_as_text()
            self._start_sub_item(number, sub_item.group(1), sub_item.group(2))
            return
        if self.closed and _looks_like_heading(line) and not (self.parent is None and self._is_full(line)):
            self.pending.append((number, line))
            return
        if self.parent is None and (self.current is None or self.current["ended"]):
            self._headings()
            self._start_paragraph(number, None, line)  # an unnumbered opening paragraph
            self.current["ended"] = self._ends_opening(line)
            return
        self._flush_pending_as_text()
        self._add_text(number, line)
        if self.parent is None:
            self.current["ended"] = self._ends_opening(line)

    def finish(self) -> list[Paragraph]:
        self._flush_pending_as_text()
        if self.openings and not self.parent:
            self._number_openings(1)
        return [self._record(ordinal, row) for ordinal, row in enumerate(self.rows, start=1)]

    def _paragraph_number(self, line: str) -> tuple[int | None, str | None]:
        """(value, text) of a line that may start a paragraph: ``12. text``;
        ``12.`` alone (text None); ``12 text`` in a speech numbered without dots."""
        match = _PARAGRAPH_RE.match(line)
        if match:
            return int(match.group(1)), match.group(2)
        match = _NUMBER_ALONE_RE.match(line)
        if match:
            return int(match.group(1)), None
        match = _UNDOTTED_RE.match(line)
        if match and not self.dotted and self.closed:
            return int(match.group(1)), match.group(2)
        return None, None

    def _is_next_paragraph(self, line_number: int, value: int) -> bool:
        expected = (int(self.parent["number"]) if self.parent else 0) + 1
        if self._expects(value):
            return True
        if not self.closed:
            return False  # a number inside a broken sentence
        if value < expected:
            raise self._error(line_number, f"paragraph {value} repeated (expected {expected})")
        raise self._error(line_number, f"paragraph {expected} missing: found {value} after {expected - 1}")

    def _is_next_sub_item(self, marker: str) -> bool:
        parent = self.parent
        return bool(parent) and _sub_value(marker, parent["sub_style"]) == parent["subs"] + 1

    def _is_chapter_heading(self, line: str) -> bool:
        """A chapter heading (（三）…): one the table of contents lists or,
        without a table of contents, a heading numbered next after the last
        chapter (and not the next sub-item of the paragraph being read)."""
        if not _CHAPTER_RE.match(line):
            return False
        if self.toc_headings:
            return _compact(line) in self.toc_headings
        value = cn_number(_CHAPTER_NUMBER_RE.match(line).group(1))
        marker = _SUB_ITEM_RE.match(line)
        return (
            _looks_like_heading(line)
            and value == self.chapters + 1
            and not (marker and self.parent and self.parent["subs"] and self._is_next_sub_item(marker.group(1)))
        )

    def _is_full(self, line: str) -> bool:
        return bool(self.full_width) and _width(line) >= _FULL_LINE * self.full_width

    def _number_below(self, line: str, following: list[tuple[int, str]]) -> int | None:
        """The number of the paragraph ``line`` opens when the line after it
        is that number alone (a hanging number printed a little low): the
        next paragraph's, after a sentence ended, on a line that runs on or
        that leads in to a list (the line after the number a bullet or a
        sub-item, which no paragraph starts with)."""
        alone = _NUMBER_ALONE_RE.match(following[0][1]) if following else None
        if not alone:
            return None
        runs_on = not _closes(line) and self._is_full(line)
        list_follows = len(following) > 1 and (_SUB_ITEM_RE.match(following[1][1]) or following[1][1].startswith(_BULLETS))
        if not (runs_on or list_follows):
            return None
        opening = self.parent is None and (self.current is None or self.current["ended"])
        if not (self.closed or opening) or self._paragraph_number(line)[0] is not None or _SUB_ITEM_RE.match(line):
            return None
        value = int(alone.group(1))
        return value if self._expects(value) else None

    def _expects(self, value: int) -> bool:
        """Whether ``value`` is the next paragraph's number."""
        expected = (int(self.parent["number"]) if self.parent else 0) + 1
        return value == expected or not self.parent and bool(self.openings) and value in (2, len(self.openings) + 1)

    def _number_alone(self, line_number: int, value: int) -> None:
        """A paragraph number on a line of its own, before the paragraph's text."""
        self._headings()
        self.awaiting = (line_number, value)

    def _ends_opening(self, line: str) -> bool:
        """Whether a line of an unnumbered opening paragraph is its last: it ends a sentence short of a full line."""
        return _closes(line) and not self._is_full(line)

    def _number_openings(self, first_value: int) -> None:
        """Number the opening paragraphs, the first numbered one being ``first_value``."""
        openings = self.openings
        if first_value > 1 and len(openings) != first_value - 1:
            if first_value != 2:
                raise self._error(openings[0]["line_start"], f"paragraphs 1 to {first_value - 1} missing: "
                                  f"found {len(openings)} unnumbered paragraphs before {first_value}")
            for row in openings[1:]:  # the text before 2. is one paragraph
                openings[0]["lines"] += row["lines"]
                openings[0]["line_end"] = row["line_end"]
                self.rows.remove(row)
            openings = openings[:1]
        for k, row in enumerate(openings, start=1):
            row["number"] = str(k) if first_value > 1 else f"0-{k}"

    def _error(self, line_number: int, message: str) -> ParseError:
        page = page_at(line_number, self.starts)
        return ParseError(self.document.source_file, line_number, f"page {page}: {message}" if page else message)

    def _headings(self) -> None:
        """Lines waiting before a paragraph are its headings: a chapter heading
        (（三）…) starts a chapter; the others are sections, the last one the
        innermost.  A heading broken over two lines is joined."""
        pending = self.pending
        self.pending = []
        lines = [line for _, line in pending]
        for k, (number, line) in enumerate(pending):
            if number in self.chapter_lines:
                self.chapter = _heading_text(line)
                self.section = None
                self.chapters = cn_number(_CHAPTER_NUMBER_RE.match(line).group(1)) or self.chapters
            elif k + 1 < len(lines) and _compact(line + lines[k + 1]) in self.toc_headings:
                continue  # the first half of a heading the PDF broke in two
            elif k > 0 and _compact(lines[k - 1] + line) in self.toc_headings:
                self.section = _heading_text(lines[k - 1] + " " + line)
            elif _compact(line) != _compact(self.chapter or ""):
                self.section = _heading_text(line)

    def _flush_pending_as_text(self) -> None:
        for number, line in self.pending:
            if self.current is None:
                raise self._error(number, f"text outside any paragraph: {line[:30]}")
            self._add_text(number, line)
        self.pending = []

    def _start_paragraph(self, line_number: int, value: int | None, text: str) -> None:
        """Start paragraph ``value``, or an unnumbered opening paragraph (value None)."""
        if value is not None and not self.parent and self.openings:
            self._number_openings(value)
        page = page_at(line_number, self.starts)
        chapter = self.header_pages.get(page) or self.chapter
        if chapter and self.header_pages and self.chapter != chapter:
            self.chapter, self.section = chapter, None if self.section == chapter else self.section
        row = {
            "number": str(value) if value is not None else None,
            "parent": None,
            "lines": [text],
            "line_start": line_number,
            "line_end": line_number,
            "chapter": chapter,
            "section": self.section if self.section != chapter else None,
            "subs": 0,
            "sub_style": None,
            "ended": False,
        }
        self.rows.append(row)
        if value is None:
            self.openings.append(row)
        else:
            self.parent = row
        self.current = row
        self.closed = _closes(text)

    def _start_sub_item(self, line_number: int, marker: str, text: str) -> None:
        parent = self.parent
        parent["subs"] += 1
        parent["sub_style"] = parent["sub_style"] or _sub_style(marker)
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
        row = self.current
        row["lines"].append(line)
        row["line_end"] = line_number
        if row["parent"]:
            row["parent"]["line_end"] = line_number
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
