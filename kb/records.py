"""The record types shared by the loaders, the store and the CLI."""

from dataclasses import dataclass, field


class ParseError(ValueError):
    """A source document does not have the structure its loader expects.

    Raised instead of silently under-parsing: the message names the file and
    the 1-based line where the problem was found.
    """

    def __init__(self, source_file: str, line: int | None, message: str):
        self.source_file = source_file
        self.line = line
        where = f"{source_file}:{line}" if line else source_file
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Publisher:
    id: str
    name_zh: str
    name_en: str


@dataclass
class Document:
    """One source document, as described by sources/manifest.yml.

    ``year`` is the policy year the document addresses: the first year of its
    cycle (2024 for the 2024-25 Budget) where it has one, otherwise the year
    it was published.  Loaders may fill in the optional fields from the text.
    """

    id: str
    publisher_id: str
    title_zh: str
    title_en: str
    kind: str
    cycle: str | None
    published: str
    year: int
    language: str
    source_file: str
    sha256: str
    summary_zh: str | None = None
    summary_en: str | None = None
    inquiry_member: str | None = None
    inquiry_date: str | None = None
    inquiry_ref: str | None = None


@dataclass
class Recommendation:
    """One numbered recommendation, sub-item, strategy or reported measure.

    ``id`` is ``<document id>/<number>``; a sub-item's number is
    ``<parent number>.<sub>``.  ``ordinal`` is the reading order within the
    document.  Line numbers are 1-based and inclusive, in the source file.
    ``support`` holds supporting text kept apart from the recommendation
    itself (the BDC's narrative paragraphs), with its own line range.
    """

    id: str
    document_id: str
    number: str
    ordinal: int
    title: str
    body: str
    year: int
    line_start: int
    line_end: int
    kind: str = "recommendation"
    section: str | None = None
    parent_id: str | None = None
    page: int | None = None
    support: str | None = None
    support_line_start: int | None = None
    support_line_end: int | None = None


@dataclass
class Parsed:
    """What a loader returns: the document (possibly with fields filled in
    from its text) and its rows in reading order."""

    document: Document
    recommendations: list[Recommendation] = field(default_factory=list)


def recommendation_id(document_id: str, number: str) -> str:
    return f"{document_id}/{number}"


def new_recommendation(document: Document, number: str, **fields) -> Recommendation:
    """A row of ``document`` numbered ``number``, its id, document and year filled in."""
    return Recommendation(
        id=recommendation_id(document.id, number), document_id=document.id, number=number, year=document.year, **fields
    )
