"""The record types shared by the loaders, the store and the CLI.

Each record type is declared here once; the store derives its tables'
columns from the fields (``columns``), so a field added here is a column.
"""

import types
import typing
from collections import defaultdict
from dataclasses import dataclass, field, fields


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
    loader: str | None = None
    url: str | None = None
    ocr: bool = False
    original_file: str | None = None
    original_sha256: str | None = None


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
class Paragraph:
    """One numbered paragraph of a government text (Policy Address, Budget
    speech), or one of its sub-items (i), (ii) … / （一）, （二） ….

    ``id`` is ``<document id>/<number>``; a sub-item's number is
    ``<paragraph number>.<k>``, k counting its sub-items from 1.  ``chapter``
    and ``section`` are the headings it sits under (the innermost heading
    below the chapter); ``page`` is the page it starts on.  A paragraph with
    sub-items keeps as ``text`` only the words before its first sub-item;
    its line range covers all of it.
    """

    id: str
    document_id: str
    number: str
    ordinal: int
    text: str
    line_start: int
    line_end: int
    chapter: str | None = None
    section: str | None = None
    parent_id: str | None = None
    page: int | None = None


@dataclass
class Parsed:
    """What a loader returns: the document (possibly with fields filled in
    from its text) and its rows in reading order.

    Rows of other kinds (a government speech's paragraphs) are further
    lists of records beside ``recommendations``; ``row_count`` counts them all.
    ``unread``: the ``(line number, text)`` of every line numbered as the
    loader's items are that belongs to no row (``loaders.unread``), which a
    build warns of.
    """

    document: Document
    recommendations: list[Recommendation] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    unread: tuple[tuple[int, str], ...] = ()

    def row_lists(self) -> dict[str, list]:
        """Every list of rows the loader returned, by field name."""
        return {item.name: getattr(self, item.name) for item in fields(self) if isinstance(getattr(self, item.name), list)}

    def row_count(self) -> int:
        """How many rows of any kind the loader found."""
        return sum(len(rows) for rows in self.row_lists().values())


def recommendation_id(document_id: str, number: str) -> str:
    return f"{document_id}/{number}"


def new_recommendation(document: Document, number: str, **fields) -> Recommendation:
    """A row of ``document`` numbered ``number``, its id, document and year filled in."""
    return Recommendation(
        id=recommendation_id(document.id, number), document_id=document.id, number=number, year=document.year, **fields
    )


_SQL_TYPES = {str: str, int: int, float: float, bool: int}


def columns(record_type) -> dict[str, type]:
    """The SQL columns of a record type: one per field, in order, typed
    ``str``, ``int`` or ``float`` (``bool`` is stored as 0/1, ``X | None``
    as X)."""
    hints = typing.get_type_hints(record_type)
    names = record_type._fields if hasattr(record_type, "_fields") else [item.name for item in fields(record_type)]  # a named tuple's, or a dataclass's
    return {name: _sql_type(hints[name]) for name in names}


def _sql_type(hint) -> type:
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
    return _SQL_TYPES.get(hint, str)


def document_of(row_id: str) -> str:
    """The document id of a stable row or paragraph id: ``cma-2023-policy-address/5.3`` -> ``cma-2023-policy-address``."""
    return row_id.split("/")[0]


def by_document(items) -> dict[str, list]:
    """Rows or paragraphs grouped by their ``document_id``, in their order."""
    grouped: dict[str, list] = defaultdict(list)
    for item in items:
        grouped[item.document_id].append(item)
    return grouped


def sub_items(rows) -> dict[str, list]:
    """Rows' sub-items grouped by their ``parent_id``, in their order."""
    grouped: dict[str, list] = defaultdict(list)
    for row in rows:
        if row.parent_id:
            grouped[row.parent_id].append(row)
    return grouped
