"""Cleanup shared by every loader: PDF-extraction noise in, clean text out.

Loaders work on numbered lines, ``(line number, text)`` pairs, so that every
piece of text keeps pointing at the place in the source file it came from.
The helpers here know nothing about any one publisher: running headers and
letterheads, stray page numbers, lines broken inside sentences, spaced-out
Han characters and Markdown markup.
"""

import bisect
import re
from collections.abc import Iterable, Sequence

Line = tuple[int, str]

_PAGE_NUMBER_RE = re.compile(r"^\s*(?:-\s*)?\d{1,3}(?:\s*-)?\s*$")
_HAN = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
_SPACE_BETWEEN_HAN_RE = re.compile(rf"(?<=[{_HAN}])[ \t\u3000]+(?=[{_HAN}])")
_SPACES_RE = re.compile(r"[ \t\u00a0]{2,}")
_PARAGRAPH_END = "。！？!?：:"
_CLOSERS = "」』）)\"”’ "
_ASCII_WORD_END_RE = re.compile(r"[A-Za-z0-9,.;:)\]%]$")
_ASCII_WORD_START_RE = re.compile(r"^[A-Za-z0-9(\[]")
_MARKDOWN_PREFIX_RE = re.compile(r"^\s*(?:#{1,6}\s+|[-*+]\s+|>\s*)")
_MARKDOWN_EMPHASIS_RE = re.compile(r"(\*\*|__|`)")
_SENTENCE_RE = re.compile(r"^(.+?)[。](.*)$", re.S)


def numbered_lines(text: str) -> list[Line]:
    """Split text into ``(line number, line)`` pairs, numbered from 1.

    Only ``\\n`` ends a line, as in an editor or ``sed -n``; a trailing
    ``\\r`` is removed.
    """
    return [(number, line.rstrip("\r")) for number, line in enumerate(text.split("\n"), start=1)]


def is_page_number(text: str) -> bool:
    """A line holding nothing but a page number such as ``13`` or ``- 4 -``."""
    return bool(_PAGE_NUMBER_RE.match(text))


def is_blank(line: Line) -> bool:
    return not line[1].strip()


def block_starts(lines: Sequence[Line], block: Sequence[str]) -> list[int]:
    """Line numbers where a block of lines (a letterhead, a running header)
    starts, comparing stripped text and skipping blank lines inside it."""
    wanted = [text.strip() for text in block if text.strip()]
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


def page_at(line_number: int, page_starts: Sequence[int]) -> int | None:
    """The page a line is on, given the line numbers where pages 1, 2, …
    start; ``None`` before the first page."""
    return bisect.bisect_right(page_starts, line_number) or None


def tidy_line(text: str) -> str:
    """Strip a line, close up spaces the PDF put between Han characters and
    fold runs of spaces.  Spaces lost inside English words stay lost."""
    text = _SPACE_BETWEEN_HAN_RE.sub("", text.strip())
    return _SPACES_RE.sub(" ", text)


def strip_markdown(text: str) -> str:
    """Remove Markdown markup (headings, bullets, bold, code ticks) from a line."""
    return _MARKDOWN_EMPHASIS_RE.sub("", _MARKDOWN_PREFIX_RE.sub("", text))


def join_paragraphs(lines: Iterable[Line]) -> str:
    """Rejoin lines broken inside sentences into paragraphs.

    A paragraph ends at a line that ends a sentence (。！？ or a colon,
    perhaps followed by closing quotes); paragraphs are separated by a blank
    line.  Stray page-number lines and blank lines are dropped; nothing else is.
    """
    paragraphs, current = [], ""
    for _, raw in lines:
        text = tidy_line(raw)
        if not text or is_page_number(text):
            continue
        current = join_broken(current, text)
        if text.rstrip(_CLOSERS)[-1:] in _PARAGRAPH_END:
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return "\n\n".join(paragraphs)


def join_broken(before: str, after: str) -> str:
    """Join two pieces of a line broken by the PDF: no space inside Chinese,
    one space between English words."""
    if not before:
        return after
    if _ASCII_WORD_END_RE.search(before) and _ASCII_WORD_START_RE.match(after):
        return f"{before} {after}"
    return before + after


def first_sentence(text: str) -> tuple[str, str]:
    """Split text after its first 。 into (sentence without the 。, rest)."""
    match = _SENTENCE_RE.match(text)
    if not match:
        return text.strip(), ""
    return match.group(1).strip(), match.group(2).strip()
