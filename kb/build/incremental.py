"""Incremental builds: what a previous database gives the next build.

Every document's *fingerprint* (``documents.fingerprint``: a hash of its
text, its loader and its manifest entry) is written with it, and
``build_info`` records the code that built the database (``code``: a hash of
the source and data files of the code that decides the stored rows: the
loaders, kb.records, kb.text, kb.rules and kb.build; not kb.read, kb.cli or
kb.web) beside its schema and version.  A build whose previous database was
written by the same code and schema reads the unchanged documents' rows back
from it instead of parsing them, and keeps the links into every document
whose window (``kb.rules.link_window``) holds no added, changed or removed
document, and the government responses of every pair of documents neither of
which changed.  What the reviewer's files altered in the previous database
is worked out again: the documents the link reviews named and the pairs of
documents the response reviews named are recorded in ``build_info``
(``link_reviewed``, ``response_reviewed``), and their links and responses
found again.

Pure apart from reading the previous database; ``kb.build.pipeline`` does the writing.
"""

import gc
import hashlib
import json
import sqlite3
from contextlib import closing, contextmanager
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import cache, partial
from pathlib import Path

import sqlite_utils

import kb
from kb.build.freshness import INPUTS_KEY, SCHEMA_KEY, VERSION_KEY, schema_version
from kb.build.store import LINK_COLUMNS
from kb.rules.areas import AreaTag
from kb.rules.link_window import HORIZON_YEARS, published_year
from kb.rules.links import Link
from kb.build.manifest import Source
from kb.records import Document, Paragraph, Recommendation, document_of
from kb.rules.answers import Kept
from kb.rules.responses import RULE, Own, Response

CODE_KEY = "code"
LINK_REVIEWED_KEY = "link_reviewed"
RESPONSE_REVIEWED_KEY = "response_reviewed"
PAIRS_KEY = "candidate_pairs_by_document"
UNREAD_KEY = "unread_lines"  # document id -> the lines its loader numbered but read into no row
OVERRIDES_KEY = "area_overrides"  # a hash of the reviewer's area overrides the tags were made with
ANSWERED_KEY = "answered_pairs"  # the (submission, government text) pairs whose responses were scored
# The code that decides what a build stores, relative to the folder holding kb/:
# a change anywhere else (a page, a command's help) keeps builds incremental.
CODE_PATHS = ("kb/build", "kb/records.py", "kb/rules", "kb/text", "loaders")
CODE_ROOT = Path(kb.__file__).parent.parent
_CODE_SUFFIXES = {".py", ".yml", ".yaml", ".json", ".txt"}


def fingerprint(source: Source, text_sha256: str) -> str:
    """What a document's rows are made from: its text, loader and manifest entry."""
    entry = {
        "text": text_sha256,
        "document": vars(source.document),  # their fields are plain values: asdict's deep copy, the same, took longer
        "publisher": vars(source.publisher),
        "expect": source.expect,
    }
    return hashlib.sha256(json.dumps(entry, sort_keys=True, default=str).encode()).hexdigest()


def code_version() -> str:
    """A hash of the source and data files of the code that decides the
    stored rows (``CODE_PATHS``): a database built by other such code is
    rebuilt in full."""
    return _code_version(CODE_ROOT)


@cache
def _code_version(root: Path) -> str:
    digest = hashlib.sha256()
    for name in CODE_PATHS:
        top = root / name
        for path in [top] if top.is_file() else sorted(top.rglob("*")):
            if path.is_file() and path.suffix in _CODE_SUFFIXES and "__pycache__" not in path.parts:
                digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@dataclass
class Previous:
    """What the previous database holds that a build can keep."""

    fingerprints: dict[str, str]
    documents: dict[str, Document]
    rows: dict[str, list[Recommendation]]
    paragraphs: dict[str, "list[Paragraph] | StoredParagraphs"]  # a government text's, read when asked for
    primary_areas: dict[str, str]
    links: "StoredLinks"  # its links, read when asked for
    answers: Kept  # what it found about responses; their rows are read only when asked for
    link_reviewed: set[str]
    pairs_by_document: dict[str, int]
    unread: dict[str, tuple[tuple[int, str], ...]]
    tags: dict[str, list[AreaTag]] = field(default_factory=dict)  # by document
    overrides: str | None = None  # OVERRIDES_KEY
    link_profiles: "StoredProfiles | None" = None  # what linking prepared of each row, read when asked for
    inputs: dict[str, list] = field(default_factory=dict)  # INPUTS_KEY: the files it was built from, as recorded


def read_previous(db_path: str | Path) -> Previous | None:
    """The previous database's documents, rows and links, and what it found
    about responses (their rows read only when asked for), or
    ``None`` when there is none, it cannot be read, or other code or
    another schema wrote it."""
    path = Path(db_path)
    if not path.is_file():
        return None
    try:
        db = sqlite_utils.Database(path)
        try:
            with _no_collection():
                return _read(db, path)
        finally:
            db.close()
    except Exception:  # an unreadable or foreign file: build in full
        return None


@contextmanager
def _no_collection():
    """The garbage collector paused: reading back hundreds of thousands of
    records (which make no cycles) set off collection after collection,
    each walking all that was read before, nearly half the reading."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read(db: sqlite_utils.Database, path: Path) -> Previous | None:
    info = {row["key"]: row["value"] for row in db["build_info"].rows}
    if info.get(SCHEMA_KEY) != schema_version() or info.get(VERSION_KEY) != kb.__version__ or info.get(CODE_KEY) != code_version():
        return None
    fingerprints = dict(db.execute("select id, fingerprint from documents"))
    documents = {document.id: document for document in _records(db, Document, "documents")}
    for document in documents.values():
        document.ocr = bool(document.ocr)
    rows: dict[str, list[Recommendation]] = {document_id: [] for document_id in documents}
    for row in _records(db, Recommendation, "recommendations", "order by document_id, ordinal"):
        rows[row.document_id].append(row)
    paragraphs: dict[str, list[Paragraph] | StoredParagraphs] = {document_id: [] for document_id in documents}
    for document_id, top_level, sub_items in db.execute(
            "select document_id, sum(parent_id is null), sum(parent_id is not null) from paragraphs group by document_id"):
        paragraphs[document_id] = StoredParagraphs(path, document_id, top_level, sub_items)
    return Previous(
        fingerprints=fingerprints,
        documents=documents,
        rows=rows,
        paragraphs=paragraphs,
        primary_areas=dict(db.execute("select id, primary_area_id from recommendations")),
        links=StoredLinks(path),
        answers=Kept(
            pairs={tuple(pair) for pair in json.loads(info.get(ANSWERED_KEY) or "[]")},
            reviewed={tuple(pair) for pair in json.loads(info.get(RESPONSE_REVIEWED_KEY) or "[]")},
            own=_own_statuses(db),
            responses_of=partial(stored_responses, path),
        ),
        link_reviewed=set(json.loads(info.get(LINK_REVIEWED_KEY) or "[]")),
        pairs_by_document=json.loads(info.get(PAIRS_KEY) or "{}"),
        unread={document_id: tuple((number, text) for number, text in lines)
                for document_id, lines in json.loads(info.get(UNREAD_KEY) or "{}").items()},
        tags=_tags(db),
        overrides=info.get(OVERRIDES_KEY),
        link_profiles=StoredProfiles(path),
        inputs=json.loads(info.get(INPUTS_KEY) or "{}"),
    )


def _own_statuses(db: sqlite_utils.Database) -> dict[str, Own]:
    """Each ask's own status by the rules, where the stored one is the
    rules' (a reviewer's status hides it)."""
    return {row_id: (status, first, latest) for row_id, status, first, latest in db.execute(
        "select recommendation_id, status, first_document_id, latest_document_id from response_status where method = ?", [RULE])}


class StoredParagraphs(Sequence):
    """A kept government text's paragraphs, read from the previous database
    the first time they are asked for (the responses of a pair of
    documents that changed), with their ``top_level`` and ``sub_items``
    counted without reading them (the build's report)."""

    def __init__(self, db_path: Path, document_id: str, top_level: int, sub_items: int):
        self.db_path, self.document_id, self.top_level, self.sub_items = db_path, document_id, top_level, sub_items
        self._read: list[Paragraph] | None = None

    def _paragraphs(self) -> list[Paragraph]:
        if self._read is None:
            with closing(sqlite3.connect(self.db_path.absolute().as_uri() + "?mode=ro", uri=True)) as conn:
                columns = ", ".join(f"[{name}]" for name in _field_names(Paragraph))
                self._read = [Paragraph(*values) for values in conn.execute(
                    f"select {columns} from paragraphs where document_id = ? order by ordinal", [self.document_id])]
        return self._read

    def __len__(self) -> int:
        return self.top_level + self.sub_items

    def __getitem__(self, index):
        return self._paragraphs()[index]

    def __iter__(self):
        return iter(self._paragraphs())


class StoredProfiles:
    """What linking prepared of each row (``kb.rules.links.prepare``'s
    ``known``), as the previous database's ``link_profiles`` table holds it
    by document: a document's read the first time one of its rows is asked
    for (a build links into a few windows, not into every document)."""

    def __init__(self, db_path: Path):
        self.db_path = db_path

    def of(self, documents: set[str]) -> "KnownProfiles":
        """The profiles of the rows of ``documents`` only."""
        return KnownProfiles(self.db_path, documents)


class KnownProfiles(Mapping):
    """``StoredProfiles.of``: row id -> its profile, for the rows of some documents."""

    def __init__(self, db_path: Path, documents: set[str]):
        self.db_path, self.documents = db_path, set(documents)
        self._read: dict[str, dict[str, list]] = {}

    def _of(self, document_id: str) -> dict[str, list]:
        if document_id not in self.documents:
            return {}
        if document_id not in self._read:
            with closing(sqlite3.connect(self.db_path.absolute().as_uri() + "?mode=ro", uri=True)) as conn:
                found = conn.execute("select profiles from link_profiles where document_id = ?", [document_id]).fetchone()
            self._read[document_id] = json.loads(found[0]) if found else {}
        return self._read[document_id]

    def __getitem__(self, row_id: str) -> list:
        return self._of(document_of(row_id))[row_id]

    def __contains__(self, row_id) -> bool:
        return row_id in self._of(document_of(row_id))

    def __iter__(self):
        return (row_id for document_id in sorted(self.documents) for row_id in self._of(document_id))

    def __len__(self) -> int:
        return sum(len(self._of(document_id)) for document_id in self.documents)


class StoredLinks:
    """The previous database's links, left there until asked for: all of
    them (read once), those into some rows, or the pairs of rows its
    threads join (``kb.rules.threads``), which the links make."""

    def __init__(self, db_path: Path):
        self.db_path = db_path
        self._all: list[Link] | None = None

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.db_path.absolute().as_uri() + "?mode=ro", uri=True)

    def all(self) -> list[Link]:
        """Every link, in rowid order (the order pages read)."""
        if self._all is None:
            with closing(self._connect()) as conn, _no_collection():
                self._all = [Link(*values) for values in conn.execute(f"select {LINK_COLUMNS} from links order by rowid")]
        return self._all

    def into(self, row_ids: set[str]) -> list[Link]:
        """The links into the rows ``row_ids``, in rowid order, read through
        the table's index of the later row."""
        ids, found = sorted(row_ids), []
        with closing(self._connect()) as conn:
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                found += conn.execute(f"select rowid, {LINK_COLUMNS} from links where to_id in ({', '.join('?' for _ in chunk)})",
                                      chunk).fetchall()
        return [Link(*values[1:]) for values in sorted(found)]

    def thread_pairs(self) -> list[tuple[str, str]]:
        """Each row of a thread with its thread's first row: pairs whose
        connected groups are those of the links."""
        with closing(self._connect()) as conn:
            return conn.execute("select recommendation_id, thread_id from threads where recommendation_id != thread_id").fetchall()


def profile_records(profiles: dict[str, list]) -> dict[str, str]:
    """What linking prepared of each row (row id -> its profile), by
    document as the ``link_profiles`` table holds it: document id -> its
    rows' profiles as JSON, by row id."""
    by_document: dict[str, dict[str, list]] = {}
    for row_id, made in profiles.items():
        by_document.setdefault(document_of(row_id), {})[row_id] = made
    return {document_id: json.dumps(made, ensure_ascii=False, sort_keys=True) for document_id, made in by_document.items()}


def stored_responses(db_path: Path, ask_ids: list[str]) -> list[Response]:
    """The responses a database holds of the asks ``ask_ids``, read through
    the responses' key (by ask), a few hundred asks at a time."""
    columns = ", ".join(f"[{name}]" for name in _field_names(Response))
    found = []
    with closing(sqlite3.connect(db_path.absolute().as_uri() + "?mode=ro", uri=True)) as conn:
        for start in range(0, len(ask_ids), 500):
            chunk = ask_ids[start:start + 500]
            found += [Response(*values) for values in conn.execute(
                f"select {columns} from responses where recommendation_id in ({', '.join('?' for _ in chunk)})", chunk)]
    return found


def _tags(db: sqlite_utils.Database) -> dict[str, list[AreaTag]]:
    found: dict[str, list[AreaTag]] = {}
    for row_id, area_id, primary, method, score in db.execute(
            "select recommendation_id, area_id, is_primary, method, score from recommendation_areas"):
        found.setdefault(document_of(row_id), []).append(AreaTag(row_id, area_id, bool(primary), method, score))
    return found


def _records(db: sqlite_utils.Database, record_type, table: str, order: str = ""):
    """A table's rows as records of ``record_type``, whose every field is a
    column (``kb.build.store.TABLES``), made from plain tuples."""
    columns = ", ".join(f"[{name}]" for name in _field_names(record_type))
    return (record_type(*values) for values in db.execute(f"select {columns} from [{table}] {order}"))


@cache
def _field_names(record_type) -> tuple[str, ...]:
    """A record type's fields (a dataclass's or a named tuple's), asked once
    (``dataclasses.fields`` for every row read was most of reading them)."""
    if hasattr(record_type, "_fields"):
        return record_type._fields
    return tuple(item.name for item in fields(record_type))


def changed_documents(fingerprints: dict[str, str], previous: Previous) -> set[str]:
    """Documents added, changed or removed since the previous build."""
    return {d for d in fingerprints.keys() | previous.fingerprints.keys() if fingerprints.get(d) != previous.fingerprints.get(d)}


def linked_again(documents: list[Document], previous: Previous, changed: set[str], areas: dict[str, str],
                 with_rows: set[str] | None = None, reviewed: set[str] = frozenset()) -> set[str]:
    """The documents whose links into them must be found again: those whose
    window, or the windows of their window's rows (a row's supporting clauses
    are weighed as of its own document), holds a document that was added,
    changed or removed, or whose rows' primary areas changed; and those named
    by the previous link reviews, or by this build's (``reviewed``): a
    verdict is applied to the links found into them (kb.build.pipeline),
    the others are kept as the previous build wrote them.  ``with_rows``:
    the documents with top-level rows now; a document changed that has
    none, and had none (a government text), changes no window's rows, so no
    link (``linked``)."""
    touched = linked(changed, previous, with_rows)
    touched |= {document_of(row_id) for row_id, area in areas.items() if previous.primary_areas.get(row_id) != area}
    keys = [_key(d) for d in documents if d.id in touched]
    keys += [_key(previous.documents[d]) for d in touched if d in previous.documents]
    again = {d.id for d in documents if any(_within(key, _key(d), 2 * HORIZON_YEARS) for key in keys)}
    return again | ((previous.link_reviewed | reviewed) & {d.id for d in documents})


def window_changed(documents: list[Document], previous: Previous, changed: set[str],
                   with_rows: set[str] | None = None) -> set[str]:
    """The documents whose own window (``kb.rules.link_window``) holds a
    document added, changed or removed (with top-level rows, now or before:
    ``linked``): what linking prepared of their rows (their supporting
    clauses, weighed with their window) must be prepared again; the other
    rows' is kept (the ``link_profiles`` table)."""
    changed = linked(changed, previous, with_rows)
    keys = [_key(d) for d in documents if d.id in changed]
    keys += [_key(previous.documents[d]) for d in changed if d in previous.documents]
    return {d.id for d in documents if any(_within(key, _key(d), HORIZON_YEARS) for key in keys)}


def linked(changed: set[str], previous: Previous, with_rows: set[str] | None) -> set[str]:
    """The documents of ``changed`` that have top-level rows (``with_rows``,
    every one when ``None``) or had them in the previous build: a window's
    statistics count rows, so a document without any (a government text,
    with paragraphs) changes no link when it is added or removed."""
    if with_rows is None:
        return set(changed)
    return {d for d in changed if d in with_rows or any(not row.parent_id for row in previous.rows.get(d, []))}


def _key(document: Document) -> tuple:
    """A document's place in publication order (``kb.rules.links.document_order``) and its year."""
    return (str(document.published or document.year), document.year, document.id), published_year(document.published, document.year)


def _within(earlier: tuple, later: tuple, years: int) -> bool:
    return earlier[0] <= later[0] and later[1] - earlier[1] <= years
