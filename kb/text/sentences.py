"""Sentences: where a sentence ends, defined once, and the few ways text is
cut into sentences or checked for ending one.

A sentence ends at a full stop, an exclamation or a question mark, full-width
or ASCII (``STOPS``), perhaps followed by closing quotes or brackets
(``CLOSERS``) and white space.  Around that, readers differ on purpose, and
say so by the marks they pass:

- text is cut into sentences for comparison at ``BREAKS``: the stops and the
  semicolons (；;), which end the clauses of a long Chinese sentence, and at
  line breaks; clauses are cut at ``BREAKS`` and the commas (``COMMAS``);
- a line that ends a paragraph may also end with a colon (``COLONS``), the
  lead-in to a list; in English only at ``ENGLISH_STOPS`` (. ! ?), since a
  colon there often ends a title inside the sentence;
- a document's last row may end at any of these (``ANY_END``, the ellipsis
  … included); anything else suggests a file cut short;
- a title is a text's first sentence, up to its first ``FULL_STOP`` (。);
- the search benchmark draws Chinese sentences from whole source files,
  English citations and notes among them, and cuts only at the full-width
  marks (``CHINESE_BREAKS``), so that ``"…today?", December 1`` stays whole.
"""

import re
from functools import cache

FULL_STOP = "。"
STOPS = "。！？!?"
ENGLISH_STOPS = ".!?"
SEMICOLONS = "；;"
COLONS = "：:"
COMMAS = "，,"
ELLIPSIS = "…"
CLOSERS = "」』）)\"”’"
BREAKS = STOPS + SEMICOLONS
CHINESE_BREAKS = "".join(mark for mark in BREAKS if not mark.isascii())
ANY_END = STOPS + ENGLISH_STOPS + ELLIPSIS + SEMICOLONS + COLONS

_FIRST_SENTENCE_RE = re.compile(rf"^(.+?)[{FULL_STOP}](.*)$", re.S)


def split(text: str, marks: str = BREAKS) -> list[str]:
    """The pieces of text between runs of ``marks`` and line breaks, the
    marks left out (empty pieces included, as ``re.split`` gives them)."""
    return _break_re(marks).split(text)


def sentences(text: str, marks: str = BREAKS) -> list[str]:
    """The text cut into sentences after runs of ``marks`` and at line
    breaks, each sentence keeping its closing marks; stripped, blank ones
    dropped."""
    return [sentence.strip() for sentence in _sentence_re(marks).findall(text) if sentence.strip()]


def ends_sentence(text: str, marks: str = STOPS, then: str = "") -> bool:
    """Whether text ends with one of ``marks``, perhaps followed by closing
    quotes or brackets and white space, and then perhaps by one of the
    characters ``then`` (a line ending ``…；及`` is closed when the list
    goes on)."""
    return bool(_end_re(marks, then).search(text))


def first_sentence(text: str) -> tuple[str, str]:
    """Split text after its first 。 into (sentence without the 。, rest)."""
    match = _FIRST_SENTENCE_RE.match(text)
    if not match:
        return text.strip(), ""
    return match.group(1).strip(), match.group(2).strip()


def _class(marks: str) -> str:
    return "".join(re.escape(mark) for mark in marks)


@cache
def _break_re(marks: str) -> re.Pattern:
    return re.compile(rf"[{_class(marks)}\n]+")


@cache
def _sentence_re(marks: str) -> re.Pattern:
    return re.compile(rf"[^{_class(marks)}\n]+[{_class(marks)}]*")


@cache
def _end_re(marks: str, then: str) -> re.Pattern:
    after = rf"[{_class(then)}]?" if then else ""
    return re.compile(rf"[{_class(marks)}][{_class(CLOSERS)}\s]*{after}$")
