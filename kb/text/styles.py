"""How a printed line looks, carried in plain text as light Markdown.

A PDF shows a heading by its look as often as by a number: bold type,
larger type, an underline.  kb stores plain text, so the look of a line
that stands out travels with it as the Markdown a reader would type:
``## `` before a line in larger type, ``**…**`` around a line wholly in a
bold face or underlined.  ``marked_line`` writes the marks (kb.text.pdf),
``read_mark`` takes them off again for a loader, which keeps reading
plain text and knows which lines stood out.
"""

import re
from collections import Counter
from dataclasses import dataclass

# A font name that says its face is bold (MicrosoftJhengHeiBold,
# NotoSerifCJKtc-Bold, Arial,BoldMT, TimesNewRomanPS-BoldMT).
_BOLD_FONT_RE = re.compile(r"bold|black|heavy|semibold|demibold|extrabold", re.I)
# A line in type this much larger than the running text's is larger type.
LARGER = 1.15
# A rule in a character's lower part, or this close under it (in points), underlines it.
UNDERLINE_GAP = 4.0
# The share of a line's characters that must be bold, or under a rule.
WHOLE_LINE = 0.9
_HEADING_MARK_RE = re.compile(r"^#{1,6}\s+")
_BOLD_MARK_RE = re.compile(r"^\*\*(.+)\*\*$")


@dataclass(frozen=True)
class LineStyle:
    """How a line looks: in larger type, wholly bold, wholly underlined."""

    larger: bool = False
    bold: bool = False
    underlined: bool = False


def body_size(chars: list[dict]) -> float:
    """The size of the running text: the commonest size of the characters
    (rounded to a tenth of a point), 0 when there are none."""
    sizes = Counter(round(char["size"], 1) for char in chars if char["text"].strip())
    return sizes.most_common(1)[0][0] if sizes else 0.0


def line_style(line: dict, rules: list[dict], body: float) -> LineStyle:
    """The style of one of pdfplumber's text lines (``extract_text_lines``
    with its ``chars``), given the page's thin horizontal rules and the
    size of the document's running text."""
    chars = [char for char in line["chars"] if char["text"].strip()]
    if not chars:
        return LineStyle()
    sizes = sorted(char["size"] for char in chars)
    larger = body > 0 and sizes[len(sizes) // 2] >= body * LARGER
    bold = sum(1 for char in chars if _BOLD_FONT_RE.search(char["fontname"])) >= WHOLE_LINE * len(chars)
    left, right = min(char["x0"] for char in chars), max(char["x1"] for char in chars)
    slack = sizes[len(sizes) // 2]  # a character's width either side
    own = [rule for rule in rules if rule["x0"] >= left - slack and rule["x1"] <= right + slack]  # not a table's rule
    underlined = sum(1 for char in chars if _under_rule(char, own)) >= WHOLE_LINE * len(chars)
    return LineStyle(larger, bold, underlined)


def _under_rule(char: dict, rules: list[dict]) -> bool:
    middle = (char["x0"] + char["x1"]) / 2
    low = char["top"] + 0.6 * (char["bottom"] - char["top"])  # below the middle of the character, in its descent or under it
    return any(rule["x0"] <= middle <= rule["x1"] and low <= rule["top"] <= char["bottom"] + UNDERLINE_GAP for rule in rules)


def marked_line(text: str, style: LineStyle) -> str:
    """A line's text with its look marked (see the module docstring); a
    blank line, or one that stands out by nothing, as it is."""
    stripped = text.strip()
    if not stripped:
        return text
    if style.larger:
        return f"## {stripped}"
    if style.bold or style.underlined:
        return f"**{stripped}**"
    return text


def read_mark(text: str) -> tuple[str, str | None]:
    """A line's text without the marks of its look, and the mark:
    ``"larger"``, ``"bold"`` (bold or underlined) or None."""
    page = "\f" if text.startswith("\f") else ""  # a page's first line keeps its form feed
    stripped = text.strip()
    heading = _HEADING_MARK_RE.match(stripped)
    if heading:
        return page + stripped[heading.end() :].replace("**", "").strip(), "larger"
    bold = _BOLD_MARK_RE.match(stripped)
    if bold and "**" not in bold.group(1):
        return page + bold.group(1).strip(), "bold"
    return text, None
