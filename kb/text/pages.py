"""Pages of a text extracted from a PDF, and the noise that repeats on them.

A text extracted from a PDF (see kb.text.pdf) keeps its page breaks as form
feeds: page k+1's text starts with ``\\f`` right after the newline that ends
page k, so the first line of every page after the first begins with ``\\f``.
A text without form feeds (a plain text or Markdown file) has no pages.

Running headers and footers are found by their repetition: a line near the
top or the bottom of a page that comes back, digits aside, at the top or the
bottom of at least half the pages is a letterhead, a running title or a
stamp.  Page numbers are found the same way, and the stamps a legislature
prints on the papers it publishes (立法會CB(3)710/2026(06)號文件) are
recognised by their form even on a document's only page.  Look-alike code
points (the Kangxi radical ⼀ for 一, full-width digits) are folded with NFKC
before any of this is read.
"""

import bisect
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

from kb.text.lines import Line, is_blank, tidy_line

FORM_FEED = "\f"
# Lines this close to a page's top or bottom may be running headers or footers.
EDGE_LINES = 3
_HAN = "\u3400-\u4dbf\u4e00-\u9fff"
# Code points NFKC folds onto ordinary characters without changing the text's
# look: Kangxi radicals, CJK radicals, compatibility ideographs, full-width
# letters and digits.  Full-width punctuation （，：） is left as it is.
_LOOKALIKE_RE = re.compile("[\u2e80-\u2fdf\uf900-\ufaff\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_PAGE_NUMBER_RES = (
    re.compile(r"^[-–—\s]*\d{1,4}[-–—\s]*$"),
    re.compile(r"^第\s*\d{1,4}\s*頁(\s*[/／,，]?\s*共\s*\d{1,4}\s*頁)?$"),
    re.compile(r"^(?:page|p\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?$", re.I),
    re.compile(r"^\d{1,4}\s*/\s*\d{1,4}$"),
)
# A page number as it may stand on a line of its own anywhere on a page: up
# to three digits, perhaps between hyphens; a year (2030), a ratio (3/6) or
# a full-width number there is text.
_BARE_PAGE_NUMBER_RE = re.compile(r"^\s*(?:-\s*)?\d{1,3}(?:\s*-)?\s*$")
_STAMP_RES = (
    re.compile(r"立法會\s*[A-Z]{1,3}\s*\(\s*\d\s*\)\s*\d{1,5}\s*/\s*\d{2,4}(?:\s*-\s*\d{2,4})?\s*(?:\(\s*\d{1,3}\s*\))?\s*號\s*文件"),
    re.compile(r"LC\s+Paper\s+No\.?\s*[A-Z]{1,3}\s*\(\s*\d\s*\)\s*\d{1,5}\s*/\s*\d{2,4}(?:-\d{2,4})?(?:\s*\(\s*\d{1,3}\s*\))?", re.I),
)
_DIGITS_RE = re.compile(r"\d+")
# Contact details at a page's edge: a letterhead's or a footer's, even where
# OCR reads them differently on every page.
_CONTACT_RE = re.compile(r"^(?:地址|電話|傳真|電郵|網址|網站|tel|fax|e-?mail|website|address)\s*[：:.]", re.I)
# A numbered heading (（一）, 一、, 1.) repeated at a page's edge is a heading and
# its entry in the table of contents, not a running header.
_NUMBERED_RE = re.compile(r"^(?:[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+\s*、|\d{1,2}\s*[.、．]\s*\D)")


def page_starts(lines: Sequence[Line]) -> list[int]:
    """The line numbers where pages 1, 2, … start: the first line, then every
    line that begins with a form feed.  Empty when the text has no form feed
    (it did not come from a PDF, so it has no pages)."""
    if not any(FORM_FEED in text for _, text in lines):
        return []
    starts = [lines[0][0]] if lines else []
    for number, text in lines:
        starts.extend(number for _ in range(text.count(FORM_FEED)))
    return starts


def page_at(line_number: int, starts: Sequence[int]) -> int | None:
    """The page line ``line_number`` is on, given the line numbers where
    pages 1, 2, … start (``page_starts``, or a loader's own, such as where a
    letterhead repeats); ``None`` when the text has no pages, or before the
    first page."""
    return bisect.bisect_right(starts, line_number) or None


def pages_of(lines: Sequence[Line]) -> list[list[Line]]:
    """The lines of each page, in order; the whole text as one page when it
    has no form feeds."""
    starts = page_starts(lines)
    if not starts:
        return [list(lines)]
    pages: list[list[Line]] = [[] for _ in starts]
    for line in lines:
        pages[page_at(line[0], starts) - 1].append(line)
    return pages


def fold_lookalikes(text: str) -> str:
    """Fold look-alike code points with NFKC (⼀ ⼆ to 一 二, １ to 1), leaving
    the rest of the text, full-width punctuation included, as it is."""
    return _LOOKALIKE_RE.sub(lambda match: unicodedata.normalize("NFKC", match.group(0)), text)


def is_page_number(text: str, anywhere: bool = False) -> bool:
    """A line holding nothing but a page number: ``3``, ``- 3 -``, ``第3頁``,
    ``Page 3 of 6``, ``3/6`` at a page's top or bottom.  A line that may be
    ``anywhere`` on the page (between paragraphs, read without knowing
    where pages break) counts only in the plainest form, up to three digits
    perhaps between hyphens (``13``, ``- 4 -``): there ``2030`` is a year."""
    if anywhere:
        return bool(_BARE_PAGE_NUMBER_RE.match(text))
    text = fold_lookalikes(tidy_line(text))
    return any(pattern.match(text) for pattern in _PAGE_NUMBER_RES)


def is_stamp(text: str) -> bool:
    """A line holding a legislature's paper stamp, such as
    ``立法會CB(3)710/2026(06)號文件`` or ``LC Paper No. CB(3)710/2026(06)``."""
    text = fold_lookalikes(tidy_line(text))
    return any(pattern.fullmatch(text) for pattern in _STAMP_RES)


def running_lines(lines: Sequence[Line]) -> set[int]:
    """The line numbers of running headers and footers, page numbers and
    stamps: the lines near a page's edge that no reader counts as text.

    A header is counted among the tops of pages and a footer among the
    bottoms, so that a title on page 1 and the same name signed at the end
    of the last page are not taken for a running line; a numbered heading
    and its entry in a table of contents are not one either.  Contact
    details (地址：, 電話：, Tel:) at a page's edge are a letterhead or footer
    even on one page."""
    pages = [_edges(page) for page in pages_of(lines)]
    seen_on = Counter(key for page in pages for key in {_repeat_key(edge, text) for edge, _, text in page})
    needed = max(2, (len(pages) + 1) // 2)
    found = {number for number, text in lines if is_stamp(text)}
    for page in pages:
        for edge, number, text in page:
            repeated = len(pages) > 1 and seen_on[_repeat_key(edge, text)] >= needed
            tidy = fold_lookalikes(tidy_line(text))
            if is_page_number(text) or _CONTACT_RE.match(tidy) or repeated and not _NUMBERED_RE.match(tidy):
                found.add(number)
    return found


def drop_running(lines: Sequence[Line]) -> list[Line]:
    """The lines without running headers, footers, page numbers and stamps."""
    noise = running_lines(lines)
    return [line for line in lines if line[0] not in noise]


def _edges(page: Sequence[Line]) -> list[tuple[str, int, str]]:
    """The first and last lines of a page with text, as (edge, number, text);
    a short page's lines count as both."""
    content = [line for line in page if not is_blank(line)]
    top = [("top", number, text) for number, text in content[:EDGE_LINES]]
    bottom = [("bottom", number, text) for number, text in content[-EDGE_LINES:]]
    return top + bottom


def _repeat_key(edge: str, text: str) -> str:
    """A line as compared across pages: its edge, its text tidied and folded,
    its numbers blanked."""
    return edge + ":" + _DIGITS_RE.sub("#", fold_lookalikes(tidy_line(text)))
