"""Loader for DSEDT's reply to a legislator's written inquiry.

``dsedt-2023-reply-written-inquiry`` is the Macao Economic and Technological
Development Bureau's reply to 施家倫議員's written inquiry.  It holds no
recommendations: it reports measures the government has taken or will take.
What is parsed:

* the letterhead repeated at the top of every page gives the page numbers
  and is then dropped (a paragraph running across a page break is rejoined);
* the title line and the signature block (代局長 + name) are checked and
  left out, being neither measures nor part of one;
* the opening paragraph ("…回覆如下：") gives the document's
  ``inquiry_member``, ``inquiry_date`` (ISO) and ``inquiry_ref`` (the
  Legislative Assembly letter's reference);
* every other paragraph belongs to a measure, one row of kind "measure".
  A paragraph opening with a connective (同時、此外、另一方面、另外、未來),
  a purpose clause (為…) or a question marker (關於質詢第二點問題) starts a
  new measure; a paragraph opening otherwise ("“M嘜”計劃設有…", "隨着…")
  goes on describing the measure before it and is joined to it.  So the
  "M嘜" audit-bodies paragraph joins the scheme, and the mainland trademark
  and promotion paragraph joins the promotion; the closing commitment
  "未來，本局將繼續…" is a row of its own, since it covers SME digital
  transformation as a whole, not only the measure printed just before it.

``inquiry_ref`` is the letter's bare reference (1212/E922/VII/GPAL/2022),
an identifier to match on; the letter's own date and the date the Chief
Executive's office received the inquiry stay in the source text.

The reply marks only where its answer to the inquiry's *second* point begins
("關於質詢第二點問題").  The measures before that marker are taken to answer
the first point: that section is inferred, not stated in the text.
"""

import dataclasses
import re
from collections.abc import Sequence

from kb.records import Document, Parsed, ParseError, Recommendation, new_recommendation
from kb.text.cleanup import Paragraph, block_starts, drop_block, paragraph_spans
from kb.text.lines import Line, is_blank, numbered_lines, tidy_line
from kb.text.numbering import CN_NUMERAL, uncovered
from kb.text.pages import page_at
from kb.text.sentences import first_sentence

LETTERHEAD = (
    "澳門特別行政區政府",
    "Governo da Região Administrativa Especial de Macau",
    "經濟及科技發展局",
    "Direcção dos Serviços de Economia e Desenvolvimento Tecnológico",
)
KIND = "measure"
FIRST_SECTION = "質詢第一點"  # inferred: the text marks only the second point
_TITLE_MIN = 20
_TITLE_MAX = 40

_TITLE_LINE_RE = re.compile(r"書面質詢的回覆$")
_SIGNATURE_RE = re.compile(r"^代?局長$")
_OPENING_END_RE = re.compile(r"回覆如下[：:]$")
_LETTER_RE = re.compile(
    r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*第\s*([0-9A-Za-z/]+)\s*號公函"
)
_MEMBER_RE = re.compile(
    r"轉來\s*([^\s，。]+?議員)\s*於\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*提出"
)
_NUMERALS = CN_NUMERAL
_SECTION_RE = re.compile(rf"^關於質詢第([{_NUMERALS}]+)點問題，")
_NEW_MEASURE_RE = re.compile(rf"^(?:(?:同時|此外|另一方面|另外|未來|關於質詢第[{_NUMERALS}]+點問題)，|為)")
# Lead-ins left out of a title: connectives, the question marker, "X表示，",
# purpose clauses (為…，) and reasons (考慮到…故此).
_LEAD_IN_RE = re.compile(
    rf"^(?:(?:同時|此外|另一方面|另外|關於質詢第[{_NUMERALS}]+點問題|[^，。]{{2,15}}表示|為[^，。]+)，"
    r"|考慮到[^。]*?故此)+"
)
_CLAUSE_SPLIT_RE = re.compile(r"([，；])")


def parse(text: str, document: Document) -> Parsed:
    """The reply's measures, and the inquiry it answers, from its text."""
    lines = numbered_lines(text)
    page_starts = _page_starts(lines, document)
    content = [line for line in drop_block(lines, LETTERHEAD) if not is_blank(line)]
    content = _drop_title(content, page_starts, document)
    content, signature_line = _drop_signature(content, document)
    paragraphs = paragraph_spans(content)
    if not paragraphs or not _OPENING_END_RE.search(paragraphs[0].text):
        where = paragraphs[0].line_start if paragraphs else signature_line
        raise ParseError(document.source_file, where, "no opening paragraph ending 回覆如下：")
    document = _with_inquiry(document, paragraphs[0])
    measures = _group_measures(paragraphs[1:])
    if not measures:
        raise ParseError(document.source_file, signature_line, "no measures after the opening paragraph")
    return Parsed(document=document, recommendations=_rows(document, measures, page_starts))


def unread(text: str, parsed: Parsed) -> list[Line]:
    """The lines that open an answer to a point of the inquiry
    (關於質詢第二點問題，) and belong to no row.  The reply numbers nothing
    else: every other paragraph after the opening belongs to a measure."""
    numbered = [line for line in numbered_lines(text) if _SECTION_RE.match(tidy_line(line[1]))]
    return uncovered(numbered, ((row.line_start, row.line_end) for row in parsed.recommendations))


def _page_starts(lines: Sequence[Line], document: Document) -> list[int]:
    """Where pages 1, 2, … start: at each copy of the letterhead."""
    starts = block_starts(lines, LETTERHEAD)
    if not starts:
        raise ParseError(document.source_file, 1, f"no letterhead ({LETTERHEAD[0]} / {LETTERHEAD[2]})")
    return starts


def _drop_title(content: list[Line], page_starts: Sequence[int], document: Document) -> list[Line]:
    """Check the first line after the letterhead is the reply's title; drop it."""
    if not content:
        raise ParseError(document.source_file, page_starts[0], "nothing after the letterhead")
    number, text = content[0]
    if number < page_starts[0]:
        raise ParseError(document.source_file, number, "text before the letterhead")
    if not _TITLE_LINE_RE.search(tidy_line(text)):
        raise ParseError(document.source_file, number, "expected the title (…書面質詢的回覆) after the letterhead")
    return content[1:]


def _drop_signature(content: list[Line], document: Document) -> tuple[list[Line], int]:
    """Split off the closing signature: a 代局長 line and the signatory's name."""
    positions = [i for i, (_, text) in enumerate(content) if _SIGNATURE_RE.match(tidy_line(text))]
    if not positions:
        last = content[-1][0] if content else None
        raise ParseError(document.source_file, last, "no signature block (代局長 and a name) at the end")
    at = positions[-1]
    if len(content) - at != 2:
        raise ParseError(
            document.source_file, content[at][0], "expected the signatory's name alone after 代局長"
        )
    return content[:at], content[at][0]


def _with_inquiry(document: Document, opening: Paragraph) -> Document:
    """The document with the inquiry it answers, read from the opening paragraph."""
    letter = _LETTER_RE.search(opening.text)
    if not letter:
        raise ParseError(
            document.source_file, opening.line_start, "opening paragraph gives no 第…號公函 inquiry reference"
        )
    member = _MEMBER_RE.search(opening.text)
    if not member:
        raise ParseError(
            document.source_file, opening.line_start, "opening paragraph names no 議員 and date of the inquiry"
        )
    return dataclasses.replace(
        document,
        inquiry_member=member.group(1),
        inquiry_date=_iso_date(*member.group(2, 3, 4)),
        inquiry_ref=letter.group(4),
    )


def _iso_date(year: str, month: str, day: str) -> str:
    return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"


def _group_measures(paragraphs: Sequence[Paragraph]) -> list[list[Paragraph]]:
    """Paragraphs grouped into measures: a connective, purpose clause or
    question marker starts a new one; any other opening continues the last."""
    measures: list[list[Paragraph]] = []
    for paragraph in paragraphs:
        if measures and not _NEW_MEASURE_RE.match(paragraph.text):
            measures[-1].append(paragraph)
        else:
            measures.append([paragraph])
    return measures


def _rows(
    document: Document, measures: Sequence[Sequence[Paragraph]], page_starts: Sequence[int]
) -> list[Recommendation]:
    """One row per measure, each in the section of the last question marker."""
    rows, section = [], FIRST_SECTION
    for ordinal, paragraphs in enumerate(measures, start=1):
        marker = _SECTION_RE.match(paragraphs[0].text)
        if marker:
            section = f"質詢第{marker.group(1)}點"
        rows.append(_row(document, ordinal, paragraphs, section, page_starts))
    return rows


def _row(
    document: Document,
    ordinal: int,
    paragraphs: Sequence[Paragraph],
    section: str,
    page_starts: Sequence[int],
) -> Recommendation:
    number = str(ordinal)
    return new_recommendation(
        document,
        number,
        ordinal=ordinal,
        title=_title(paragraphs[0].text),
        body="\n\n".join(paragraph.text for paragraph in paragraphs),
        line_start=paragraphs[0].line_start,
        line_end=paragraphs[-1].line_end,
        kind=KIND,
        section=section,
        page=page_at(paragraphs[0].line_start, page_starts),
    )


def _title(paragraph: str) -> str:
    """A short title from the paragraph's first sentence, lead-ins left out:
    its first clause, lengthened clause by clause while under _TITLE_MIN
    characters and within _TITLE_MAX; a longer first clause is cut at
    _TITLE_MAX characters and ends in …."""
    sentence, _ = first_sentence(_LEAD_IN_RE.sub("", paragraph))
    pieces = _CLAUSE_SPLIT_RE.split(sentence)
    title = pieces[0]
    for mark, clause in zip(pieces[1::2], pieces[2::2]):
        if len(title) >= _TITLE_MIN or len(title + mark + clause) > _TITLE_MAX:
            break
        title += mark + clause
    return title if len(title) <= _TITLE_MAX else title[:_TITLE_MAX] + "…"
