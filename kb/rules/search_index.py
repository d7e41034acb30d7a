"""The search index: Han character bigrams and words in an FTS5 table, and
the glossary tables.

SQLite's FTS5 tokenizers do not segment Chinese: ``unicode61`` keeps a whole
run of Han characters as one token, and ``trigram`` cannot match one or two
characters.  So the text is segmented here, in Python, before it reaches
FTS5, and the same code segments queries (see ``kb.read.search``).

Content layout of ``recommendations_search`` (one row per recommendation,
rowid = reading order, ``ORDER BY document_id, ordinal``)::

    id       UNINDEXED  recommendations.id
    title               \\
    section              } folded text as space-separated tokens
    body                /

Folding is ``kb.text.normalize.normalize`` (NFKC, lower case, Traditional →
Simplified) with the quote marks 「」『』“”‘’《》〈〉 removed, so that
``制定「香港工業藍圖」`` reads as one run.  The folded text is cut into runs:
a run of Han characters becomes its overlapping bigrams plus its last
character alone (``中小企業`` → ``中小 小企 企业 业``); any other run of letters
or digits is one word (``CBAM`` → ``cbam``).  Every substring of two or more
Han characters is then a phrase of consecutive bigrams, and a single
character is the prefix of some token.  The tokenizer is ``unicode61``,
which only has to split on the spaces.  The table's ``rank`` is ``RANK``,
bm25 with the title weighted 8, the section 3 and the body 1.  The
``support`` narrative is not indexed: the BDC shares one paragraph among
four or five rows.

``glossary`` holds ``kb/data/glossary.yml``; ``recommendation_terms`` links a
row to every entry one of whose names occurs in its title, section or body,
found with the same index.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from kb.text.normalize import HAN, normalize
from kb.records import document_of

if TYPE_CHECKING:  # only the build writes the index; kb search starts faster without sqlite-utils (and numpy)
    import sqlite_utils

SEARCH_TABLE = "recommendations_search"
GLOSSARY_TABLE = "glossary"
TERMS_TABLE = "recommendation_terms"
GLOSSARY_PATH = Path(__file__).parent / "data" / "glossary.yml"
COLUMNS = ("title", "section", "body")
# bm25 weights in column order: id, title, section, body
RANK = "bm25(0.0, 8.0, 3.0, 1.0)"

_QUOTES = re.compile("[「」『』“”‘’《》〈〉]")
_RUN = re.compile(f"[{HAN}]+|[^\\W_{HAN}]+")
_HAN_START = re.compile(f"[{HAN}]")
_BIGRAM_TAIL = re.compile(f"(?<=[{HAN}])[{HAN}] ")  # a bigram's second character


@dataclass(frozen=True)
class GlossaryEntry:
    id: str
    name_zh: str
    name_en: str
    aliases: tuple[str, ...]
    kind: str

    @property
    def names(self) -> tuple[str, ...]:
        """Every name, Chinese first, without repeats once folded."""
        seen, names = set(), []
        for name in (self.name_zh, *self.aliases, self.name_en):
            key = " ".join(runs(name))
            if key and key not in seen:
                seen.add(key)
                names.append(name)
        return tuple(names)


def fold(text: str | None) -> str:
    """``normalize`` for matching, with quote marks removed."""
    return _QUOTES.sub("", normalize(text))


def runs(text: str | None) -> list[str]:
    """The runs of Han characters, and of other letters and digits, in folded text."""
    return _RUN.findall(fold(text))


def is_han(run: str) -> bool:
    return bool(_HAN_START.match(run))


def run_tokens(run: str) -> list[str]:
    """A run's index tokens: a Han run's bigrams and last character; a word."""
    if is_han(run) and len(run) > 1:
        return [run[i : i + 2] for i in range(len(run) - 1)] + [run[-1]]
    return [run]


def index_text(text: str | None) -> str:
    """Text as the index stores it: space-separated tokens."""
    return " ".join(token for run in runs(text) for token in run_tokens(run))


def unindex_text(tokens: str) -> str:
    """Folded text back from ``index_text``: runs separated by spaces."""
    return _BIGRAM_TAIL.sub("", tokens + " ").strip()


def phrase(tokens: tuple[str, ...], prefix: bool = False) -> str:
    """An FTS5 phrase: tokens in a row, the last one a prefix when ``prefix``."""
    return '"' + " ".join(tokens) + '"' + (" *" if prefix else "")


def run_phrase_tokens(run: str) -> tuple[tuple[str, ...], bool]:
    """The phrase matching a run anywhere, also inside a longer run: a Han
    run's bigrams; one Han character as a prefix; a word as itself."""
    if is_han(run) and len(run) > 1:
        return tuple(run[i : i + 2] for i in range(len(run) - 1)), False
    return (run,), is_han(run)


def name_phrase_tokens(name: str) -> tuple[tuple[str, ...], bool] | None:
    """The phrase matching a whole name: its runs' tokens in order, adjacent."""
    parts = runs(name)
    if not parts:
        return None
    tokens = [token for run in parts[:-1] for token in run_tokens(run)]
    last_tokens, prefix = run_phrase_tokens(parts[-1])
    return tuple(tokens) + last_tokens, prefix


def name_phrase(name: str) -> str | None:
    """An FTS5 phrase matching a whole name (see ``name_phrase_tokens``)."""
    tokens = name_phrase_tokens(name)
    return phrase(*tokens) if tokens else None


def entry_expression(entry: GlossaryEntry) -> str:
    """An FTS5 expression matching any of an entry's names."""
    return " OR ".join(p for p in map(name_phrase, entry.names) if p)


@lru_cache(maxsize=4)
def load_glossary(path: str | Path = GLOSSARY_PATH) -> tuple[GlossaryEntry, ...]:
    """The glossary file's entries, in file order."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    return tuple(
        GlossaryEntry(
            id=item["id"],
            name_zh=item["name_zh"],
            name_en=item.get("name_en") or "",
            aliases=tuple(item.get("aliases") or ()),
            kind=item.get("kind") or "term",
        )
        for item in data
    )


def save_search_index(db: sqlite_utils.Database, glossary_path: str | Path = GLOSSARY_PATH, kept: set[str] = frozenset()) -> None:
    """(Re)create the search table and the glossary tables from ``recommendations``.

    Call it once the recommendations are written (at the end of a build).
    Deterministic: the same rows and glossary give the same tables.  The
    rows of the documents ``kept`` unchanged since the table was last made
    (an incremental build) take their indexed text from it instead of
    being segmented again.
    """
    conn = db.conn
    with conn:
        indexed = _indexed(conn, kept)
        _drop(conn)
        _create_search_table(conn)
        _fill_search_table(conn, indexed)
        conn.execute(f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}) VALUES ('optimize')")
    glossary = load_glossary(glossary_path)
    with conn:
        _create_glossary_tables(db)
        _fill_glossary(conn, glossary)
        _fill_terms(conn, glossary)


def _drop(conn) -> None:
    for table in (TERMS_TABLE, GLOSSARY_TABLE, SEARCH_TABLE):
        conn.execute(f"DROP TABLE IF EXISTS [{table}]")


def _create_search_table(conn) -> None:
    conn.execute(
        f"CREATE VIRTUAL TABLE {SEARCH_TABLE} USING fts5("
        f"id UNINDEXED, {', '.join(COLUMNS)}, tokenize = 'unicode61 remove_diacritics 2')"
    )
    conn.execute(f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rank) VALUES ('rank', ?)", [RANK])


def _indexed(conn, documents: set[str]) -> dict[str, tuple[str, ...]]:
    """The indexed text of the rows of ``documents`` in the existing search table, by row id."""
    if not documents or not conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [SEARCH_TABLE]).fetchone():
        return {}
    rows = conn.execute(f"SELECT id, {', '.join(COLUMNS)} FROM {SEARCH_TABLE}")
    return {row[0]: tuple(row[1:]) for row in rows if document_of(row[0]) in documents}


def _reading_order(conn, documents: set[str] | None = None, split: bool = False):
    """``(id, title, section, body)`` of every recommendation, then every
    government paragraph (as title the heading it sits under, as section its
    chapter), in reading order: the search table's rowid order.  Only those
    of ``documents`` when given."""
    where = "" if documents is None else f" WHERE document_id IN ({', '.join('?' for _ in documents)})"
    arguments = [] if documents is None else sorted(documents)
    rows = conn.execute(
        f"SELECT id, {', '.join(COLUMNS)} FROM recommendations{where} ORDER BY document_id, ordinal, id", arguments
    ).fetchall()
    paragraph_start = len(rows)
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'paragraphs'").fetchone():
        rows += conn.execute(
            f"SELECT id, coalesce(section, chapter, ''), chapter, text FROM paragraphs{where} ORDER BY document_id, ordinal, id",
            arguments,
        ).fetchall()
    return (rows, paragraph_start) if split else rows


# A document's rows (its recommendations, or its paragraphs) have consecutive
# rowids, and ROWID_GAP lies between one document's and the next: an
# incremental build places a document's rows in the middle of the gap
# between its neighbours in reading order, without renumbering (FTS5 stores
# rowids as deltas: a gap between every two rows made the index 1.7 times
# larger, one between documents 1.3 times).
ROWID_GAP = 1 << 32


def _rowids(rows: list[tuple], paragraph_start: int) -> list[int]:
    """Rowids for ``rows`` in reading order (the paragraphs from ``paragraph_start`` on)."""
    rowids, rowid, last = [], 0, None
    for index, row in enumerate(rows):
        group = (index >= paragraph_start, document_of(row[0]))
        rowid += 1 if group == last else ROWID_GAP
        rowids.append(rowid)
        last = group
    return rowids


def _fill_search_table(conn, indexed: dict[str, tuple[str, ...]] | None = None) -> None:
    indexed = indexed or {}
    rows, paragraph_start = _reading_order(conn, split=True)
    conn.executemany(
        f"INSERT INTO {SEARCH_TABLE}(rowid, id, {', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?)",
        (
            (rowid, row[0], *(indexed.get(row[0]) or [index_text(value) for value in row[1:]]))
            for rowid, row in zip(_rowids(rows, paragraph_start), rows)
        ),
    )


def update_search_index(db: sqlite_utils.Database, documents: set[str], glossary_path: str | Path = GLOSSARY_PATH) -> None:
    """The search table and ``recommendation_terms`` brought up to date for
    the rows of ``documents`` (added, changed or removed since they were
    made; the others are as they were): their rows deleted, and the rows
    they hold now segmented and inserted between their neighbours in
    reading order.  The table then holds the rows of ``save_search_index``
    in the same order (its rowids are not the same numbers).  Falls back to
    ``save_search_index`` where there is no room between two rowids, or no
    table."""
    conn = db.conn
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [SEARCH_TABLE]).fetchone():
        save_search_index(db, glossary_path)
        return
    documents = set(documents)
    with conn:
        ranges = _ranges(conn)
        conn.executemany(f"DELETE FROM {SEARCH_TABLE} WHERE rowid BETWEEN ? AND ?",
                         [(first, last) for first, last, document, _ in ranges if document in documents])
        conn.executemany(f"DELETE FROM {TERMS_TABLE} WHERE recommendation_id > ? AND recommendation_id < ?",
                         [(f"{document}/", f"{document}0") for document in sorted(documents)])  # its rows' ids: see replace_responses
        placed = _placed(conn, [found for found in ranges if found[2] not in documents], documents)
    if placed is None:
        save_search_index(db, glossary_path, kept=_all_documents(conn) - documents)
        return
    with conn:
        conn.executemany(f"INSERT INTO {SEARCH_TABLE}(rowid, id, {', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?)",
                         ((rowid, row[0], *[index_text(value) for value in row[1:]]) for rowid, row in placed))
        asks = [(rowid, row[0]) for rowid, row in placed if _is_recommendation(conn, row[0])]
        _fill_terms(conn, load_glossary(glossary_path), [row_id for _, row_id in asks], [rowid for rowid, _ in asks])


def _all_documents(conn) -> set[str]:
    return {row[0] for row in conn.execute("SELECT id FROM documents")}


def _is_recommendation(conn, row_id: str) -> bool:
    return conn.execute("SELECT 1 FROM recommendations WHERE id = ?", [row_id]).fetchone() is not None


def _ranges(conn) -> list[tuple[int, int, str, int]]:
    """Each document's recommendations, and its paragraphs, in the search
    table, as they lie there: (first rowid, last rowid, document id, 1 for
    paragraphs else 0), in rowid order.  A document's rows have consecutive
    rowids (``ROWID_GAP``), so its range holds no other's row."""
    return conn.execute(
        f"SELECT min(rowid), max(rowid), substr(id, 1, instr(id, '/') - 1) AS document,"
        f" id IN (SELECT id FROM paragraphs) AS paragraph FROM {SEARCH_TABLE} GROUP BY document, paragraph ORDER BY 1").fetchall()


def _placed(conn, present: list[tuple[int, int, str, int]], documents: set[str]) -> list[tuple[int, tuple]] | None:
    """The rows of ``documents``, each with a rowid between those of its
    neighbours in reading order among the ``present`` ranges of rows
    (``_ranges``); ``None`` when there is no room."""
    new = _reading_order(conn, documents)
    if not new:
        return []
    paragraph_ids = {row[0] for row in conn.execute(
        f"SELECT id FROM paragraphs WHERE document_id IN ({', '.join('?' for _ in documents)})", sorted(documents))}
    # Reading order: recommendations by document, then paragraphs by document; within a document the order is new's.
    keys = [(paragraph, document) for _, _, document, paragraph in present]
    groups: dict[tuple[int, str], list[tuple]] = {}
    for row in new:
        groups.setdefault((1 if row[0] in paragraph_ids else 0, document_of(row[0])), []).append(row)
    placed = []
    for key, rows in groups.items():
        index = bisect_left(keys, key)
        low = present[index - 1][1] if index else 0
        high = present[index][0] if index < len(present) else low + 2 * ROWID_GAP + len(rows)
        free = high - low - 1 - len(rows)  # rowids left between the neighbours once the rows are placed
        if free < 0:
            return None
        start = low + 1 + free // 2  # in the middle: room for documents on either side later
        placed += [(start + n, row) for n, row in enumerate(rows)]
    return placed


def _create_glossary_tables(db: sqlite_utils.Database) -> None:
    db[GLOSSARY_TABLE].create(
        {"id": str, "name_zh": str, "name_en": str, "aliases": str, "kind": str},
        pk="id",
        not_null={"name_zh", "kind"},
    )
    db[TERMS_TABLE].create(
        {"recommendation_id": str, "term_id": str},
        pk=("recommendation_id", "term_id"),
        foreign_keys=[("recommendation_id", "recommendations", "id"), ("term_id", GLOSSARY_TABLE, "id")],
    )
    db[TERMS_TABLE].create_index(["term_id"])


def _fill_glossary(conn, glossary: tuple[GlossaryEntry, ...]) -> None:
    conn.executemany(
        f"INSERT INTO {GLOSSARY_TABLE} (id, name_zh, name_en, aliases, kind) VALUES (?, ?, ?, ?, ?)",
        [
            (entry.id, entry.name_zh, entry.name_en, json.dumps(list(entry.aliases), ensure_ascii=False), entry.kind)
            for entry in glossary
        ],
    )


def _fill_terms(conn, glossary: tuple[GlossaryEntry, ...], only: list[str] | None = None,
                rowids: list[int] = ()) -> None:
    """Link each row to the glossary entries it names; ``only`` those rows
    when given, whose search rowids ``rowids`` (when given) let each entry
    be matched in them alone rather than in the whole table."""
    links = set()
    restrict = "" if only is None else f" AND id IN ({', '.join('?' for _ in only)})"
    if rowids:
        restrict = f" AND rowid IN ({', '.join('?' for _ in rowids)})" + restrict
    if only is not None and not only:
        return
    for entry in glossary:
        query = (f"SELECT id FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH ? AND id IN (SELECT id FROM recommendations)"
                 + restrict)
        links.update((row[0], entry.id) for row in conn.execute(query, [entry_expression(entry), *rowids, *(only or [])]))
    conn.executemany(f"INSERT INTO {TERMS_TABLE} (recommendation_id, term_id) VALUES (?, ?)", sorted(links))
