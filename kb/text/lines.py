"""Numbered lines: a text as ``(line number, text)`` pairs, and a line tidied.

Loaders work on numbered lines so that every piece of text keeps pointing at
the place in the source file it came from.
"""

import re

Line = tuple[int, str]

_HAN = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
_SPACE_BETWEEN_HAN_RE = re.compile(rf"(?<=[{_HAN}])[ \t\u3000]+(?=[{_HAN}])")
_SPACES_RE = re.compile(r"[ \t\u00a0]{2,}")


def numbered_lines(text: str) -> list[Line]:
    """Split text into ``(line number, line)`` pairs, numbered from 1.

    Only ``\\n`` ends a line, as in an editor, ``wc -l`` or ``sed -n``; a
    trailing ``\\r`` is removed.
    """
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()  # the newline ends the last line; no empty line follows it
    return [(number, line.rstrip("\r")) for number, line in enumerate(lines, start=1)]


def is_blank(line: Line) -> bool:
    """A numbered line holding nothing but white space."""
    return not line[1].strip()


def tidy_line(text: str) -> str:
    """Strip a line, close up spaces the PDF put between Han characters and
    fold runs of spaces.  Spaces lost inside English words stay lost."""
    text = _SPACE_BETWEEN_HAN_RE.sub("", text.strip())
    return _SPACES_RE.sub(" ", text)
