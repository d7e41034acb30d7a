"""Cleanup shared by every loader: PDF-extraction noise in, clean text out.

Loaders work on numbered lines, ``(line number, text)`` pairs, so that every
piece of text keeps pointing at the place in the source file it came from.
The helpers here know nothing about any one publisher: running headers and
letterheads, stray page numbers, lines broken inside sentences, spaced-out
Han characters and Markdown markup.
"""

import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from kb.text.lines import Line, is_blank, tidy_line
from kb.text.pages import is_page_number
from kb.text.sentences import COLONS, ENGLISH_STOPS, STOPS, ends_sentence


class Paragraph(NamedTuple):
    """A paragraph's text and the numbers of its first and last source lines."""

    text: str
    line_start: int
    line_end: int


_ASCII_WORD_END_RE = re.compile(r"[A-Za-z0-9,.;:!?)\]%][”’]?$")
_ASCII_WORD_START_RE = re.compile(r"^[“‘]?[A-Za-z0-9(\[]")
_MARKDOWN_PREFIX_RE = re.compile(r"^\s*(?:#{1,6}\s+|[-*+]\s+|>\s*)")
_MARKDOWN_EMPHASIS_RE = re.compile(r"(\*\*|__|`)")
_MARKDOWN_RULE_RE = re.compile(r"^[\s|:]*-{3,}[\s|:-]*$")


def trim_blank(lines: Sequence[Line]) -> list[Line]:
    """The lines without the blank lines at either end (none if all are blank)."""
    content = [index for index, line in enumerate(lines) if not is_blank(line)]
    return list(lines[content[0] : content[-1] + 1]) if content else []


def split_blocks(lines: Sequence[Line], starts: Sequence[int]) -> list[list[Line]]:
    """Split lines at the given indices into ``lines``: one block per start,
    running to the next start or the end.  Lines before the first start
    belong to no block."""
    ends = list(starts[1:]) + [len(lines)]
    return [list(lines[start:end]) for start, end in zip(starts, ends)]


def drop_matching(lines: Iterable[Line], pattern: str | re.Pattern) -> list[Line]:
    """Remove every line whose tidied text starts with ``pattern`` (a regex):
    a running header, also where the PDF glued the next text onto it
    (``…分析報告調查背景及方法``), which drop_block would keep."""
    pattern = re.compile(pattern)
    return [line for line in lines if not pattern.match(tidy_line(line[1]))]


def block_starts(lines: Sequence[Line], block: Sequence[str]) -> list[int]:
    """Line numbers where a block of lines (a letterhead, a running header)
    starts, comparing stripped text and skipping blank lines inside it."""
    wanted = [text.strip() for text in block if text.strip()]
    if not wanted:
        return []
    content = [line for line in lines if not is_blank(line)]
    texts = [text.strip() for _, text in content]
    return [
        content[i][0]
        for i in range(len(content) - len(wanted) + 1)
        if texts[i : i + len(wanted)] == wanted
    ]


def drop_block(lines: Sequence[Line], block: Sequence[str]) -> list[Line]:
    """Remove every occurrence of a repeated block of lines (a letterhead)."""
    wanted = [text.strip() for text in block if text.strip()]
    starts = set(block_starts(lines, block))
    kept, skip = [], 0
    for line in lines:
        if line[0] in starts:
            skip = len(wanted)
        if skip and not is_blank(line):
            skip -= 1
            continue
        kept.append(line)
    return kept


def strip_markdown(text: str) -> str:
    """Remove Markdown markup (headings, bullets, bold, code ticks) from a line."""
    return _MARKDOWN_EMPHASIS_RE.sub("", _MARKDOWN_PREFIX_RE.sub("", text))


def clean_markdown_line(text: str) -> str:
    """A line of Markdown as plain text: markup removed, tab-separated table
    cells joined by `` | `` (empty cells left out) and a table rule line
    (``---\t---``) blanked."""
    if _MARKDOWN_RULE_RE.match(text):
        return ""
    cells = (strip_markdown(cell).strip() for cell in text.split("\t"))
    return " | ".join(cell for cell in cells if cell)


def ends_paragraph(text: str, english: bool = False) -> bool:
    """Whether a tidied line ends a paragraph: it ends a sentence, perhaps
    followed by closing quotes or brackets.  Sentences end at 。！？!? or a
    colon; in English only at . ! or ?, since a colon there often ends a
    title inside the sentence ("Hong Kong Brands: The Road…")."""
    return ends_sentence(text, ENGLISH_STOPS if english else STOPS + COLONS)


def paragraph_spans(lines: Iterable[Line], english: bool = False) -> list[Paragraph]:
    """Rejoin lines broken inside sentences into paragraphs, keeping each
    paragraph's first and last line number.

    A paragraph ends at a line that ends_paragraph; its lines are joined by
    join_broken.  Blank lines and stray page-number lines are skipped.
    """
    paragraphs, group = [], []
    for number, raw in lines:
        text = tidy_line(raw)
        if not text or is_page_number(text, anywhere=True):
            continue
        group.append((number, text))
        if ends_paragraph(text, english):
            paragraphs.append(_paragraph(group, english))
            group = []
    if group:
        paragraphs.append(_paragraph(group, english))
    return paragraphs


def _paragraph(group: Sequence[Line], english: bool) -> Paragraph:
    text = ""
    for _, piece in group:
        text = join_broken(text, piece, english)
    return Paragraph(text, group[0][0], group[-1][0])


def join_paragraphs(lines: Iterable[Line], english: bool = False) -> str:
    """The text of paragraph_spans, paragraphs separated by a blank line."""
    return "\n\n".join(paragraph.text for paragraph in paragraph_spans(lines, english))


def join_broken(before: str, after: str, english: bool = False) -> str:
    """Join two pieces of a line broken by the PDF.

    No space inside Chinese, one space between English words (quotes “ ” ‘ ’
    included: ``as a`` + ``“standard`` gives ``as a “standard``).  In English
    text (``english=True``) always one space, except after a hyphen
    (``tightening-`` + ``up`` gives ``tightening-up``).
    """
    if not before:
        return after
    if english:
        return before + after if before.endswith("-") else f"{before} {after}"
    if _ASCII_WORD_END_RE.search(before) and _ASCII_WORD_START_RE.match(after):
        return f"{before} {after}"
    return before + after
