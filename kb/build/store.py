"""Write publishers, documents and recommendations into SQLite.

The tables are a public interface (see the README): their names and columns
only ever grow.  ``ensure_db_shape`` creates them with their keys and indexes;
``save_*`` functions upsert records into them.
"""

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict
from pathlib import Path

import sqlite_utils

from kb.rules.areas import AreaTag, PolicyArea
from kb.rules.links import Link
from kb.rules.responses import Response, Status
from kb.records import Document, Paragraph, Publisher, Recommendation, columns
from kb.text.lines import numbered_lines
from kb.text.styles import read_mark

# Each table's columns: those of its record type (declared once, in
# kb/records.py or beside the code that makes the records), plus the columns
# the build adds.
TABLES = {
    "publishers": columns(Publisher),
    "documents": {**columns(Document), "line_count": int, "fingerprint": str},
    "policy_areas": {"id": str, "name_zh": str, "name_en": str, "description": str, "cap_code": int, "terms": str},
    "recommendations": {**columns(Recommendation), "publisher_id": str, "position": int, "primary_area_id": str},
    "recommendation_areas": columns(AreaTag),
    "links": columns(Link),
    "paragraphs": columns(Paragraph),
    "responses": columns(Response),
    "response_status": columns(Status),
    "threads": {"recommendation_id": str, "thread_id": str, "ordinal": int},
    "document_lines": {"document_id": str, "line": int, "text": str},
    "build_info": {"key": str, "value": str},
    "link_profiles": {"document_id": str, "profiles": str},
}
PRIMARY_KEYS = {
    "document_lines": ("document_id", "line"),
    "recommendation_areas": ("recommendation_id", "area_id"),
    "links": ("from_id", "to_id"),
    "responses": ("recommendation_id", "paragraph_id"),
    "response_status": "recommendation_id",
    "threads": "recommendation_id",
    "build_info": "key",
    "link_profiles": "document_id",
}
NOT_NULL = {
    "documents": {"publisher_id", "title_zh", "kind", "year", "source_file", "sha256"},
    "recommendations": {"document_id", "publisher_id", "number", "ordinal", "kind", "title", "year"},
    "policy_areas": {"name_zh", "name_en", "cap_code"},
    "recommendation_areas": {"is_primary", "method", "score"},
    "links": {"score", "relation", "method"},
    "paragraphs": {"document_id", "number", "ordinal", "text"},
    "responses": {"score", "relation", "method"},
    "response_status": {"status", "thread_status", "method"},
    "threads": {"thread_id", "ordinal"},
}
FOREIGN_KEYS = {
    "documents": [("publisher_id", "publishers", "id")],
    "recommendations": [
        ("document_id", "documents", "id"),
        ("publisher_id", "publishers", "id"),
        ("parent_id", "recommendations", "id"),
        ("primary_area_id", "policy_areas", "id"),
    ],
    "recommendation_areas": [("recommendation_id", "recommendations", "id"), ("area_id", "policy_areas", "id")],
    "links": [("from_id", "recommendations", "id"), ("to_id", "recommendations", "id")],
    "threads": [("recommendation_id", "recommendations", "id"), ("thread_id", "recommendations", "id")],
    "document_lines": [("document_id", "documents", "id")],
    "paragraphs": [("document_id", "documents", "id"), ("parent_id", "paragraphs", "id")],
    "responses": [("recommendation_id", "recommendations", "id"), ("paragraph_id", "paragraphs", "id")],
    "response_status": [
        ("recommendation_id", "recommendations", "id"),
        ("first_document_id", "documents", "id"),
        ("latest_document_id", "documents", "id"),
    ],
}
INDEXES = {
    "documents": [["publisher_id"], ["year"]],
    "recommendations": [
        ["document_id", "ordinal"],
        ["publisher_id"],
        ["parent_id"],
        ["year"],
        ["section"],
        ["kind"],
        ["position"],
        ["primary_area_id"],
    ],
    "recommendation_areas": [["area_id", "is_primary"]],
    "links": [["to_id"], ["relation"]],
    "paragraphs": [["document_id", "ordinal"], ["parent_id"], ["page"]],
    "responses": [["paragraph_id"], ["relation"]],
    "response_status": [["status"]],
    "threads": [["thread_id", "ordinal"]],
}
# Each recommendation with its document, publisher and areas, for people writing SQL.
VIEWS = {
    "recommendations_with_areas": """
select
  r.id, r.title, r.kind, r.year, r.document_id, d.title_zh as document_title,
  r.publisher_id, p.name_zh as publisher_name_zh, p.name_en as publisher_name_en,
  r.section, r.primary_area_id, a.name_zh as primary_area_zh, a.name_en as primary_area_en,
  (select group_concat(s.name_en, '; ') from recommendation_areas ra join policy_areas s on s.id = ra.area_id
    where ra.recommendation_id = r.id and not ra.is_primary) as secondary_areas_en,
  r.parent_id, r.line_start, r.line_end
from recommendations r
join documents d on d.id = r.document_id
join publishers p on p.id = r.publisher_id
left join policy_areas a on a.id = r.primary_area_id
order by r.position
""",
}


def ensure_db_shape(db: sqlite_utils.Database) -> None:
    """Create every table, with keys and indexes, where it does not exist yet."""
    for name, table_columns in TABLES.items():
        if db[name].exists():
            continue
        db[name].create(
            table_columns,
            pk=PRIMARY_KEYS.get(name, "id"),
            not_null=NOT_NULL.get(name),
            foreign_keys=FOREIGN_KEYS.get(name),
        )
        for index in INDEXES.get(name, []):
            db[name].create_index(index, if_not_exists=True)
    for name, sql in VIEWS.items():
        db.create_view(name, sql.strip(), replace=True)


@contextmanager
def one_transaction(path: str | Path) -> Iterator[sqlite_utils.Database]:
    """The database at ``path``, every write made to it in the ``with``
    block one transaction: committed when the block ends, rolled back (by
    SQLite from its journal, were the process killed) when it does not."""
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield sqlite_utils.Database(_InTransaction(conn))
        except BaseException:
            conn.rollback()
            raise
        conn.commit()


class _InTransaction:
    """A connection whose own ``with`` blocks and commits, as the writes
    here and sqlite-utils make them, do nothing: its writes all stay in the
    transaction ``one_transaction`` opened."""

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn

    def __getattr__(self, name):
        return getattr(self._conn, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> bool:
        return False

    def commit(self) -> None:
        pass


def save_publishers(db: sqlite_utils.Database, publishers: list[Publisher]) -> None:
    db["publishers"].upsert_all([asdict(publisher) for publisher in publishers], pk="id")


def save_document(db: sqlite_utils.Database, document: Document, text: str, fingerprint: str | None = None) -> None:
    """Upsert a document and every line of its source text; ``fingerprint``
    is what it was built from (``kb.build.incremental``)."""
    lines = numbered_lines(text)
    db["documents"].upsert({**asdict(document), "line_count": len(lines), "fingerprint": fingerprint}, pk="id")
    db["document_lines"].delete_where("document_id = ?", [document.id])
    rows = ({"document_id": document.id, "line": number, "text": read_mark(line)[0]} for number, line in lines)
    insert_records(db, "document_lines", rows)  # a line's look (kb.text.styles) is for the loader, not the reader


# What a build works out from all the documents together: an incremental
# build empties these tables and writes them again (kb.build.pipeline).
DERIVED = ("publishers", "policy_areas", "recommendation_areas", "links", "responses", "response_status", "threads", "build_info")


def delete_documents(db: sqlite_utils.Database, document_ids: set[str]) -> None:
    """Remove documents with their lines, rows and paragraphs."""
    with db.conn:
        for document_id in sorted(document_ids):
            for table in ("document_lines", "recommendations", "paragraphs", "link_profiles"):
                db.execute(f"delete from [{table}] where document_id = ?", [document_id])
            db.execute("delete from documents where id = ?", [document_id])


def clear_derived(db: sqlite_utils.Database) -> None:
    """Empty the tables a build writes again whole (``DERIVED``)."""
    with db.conn:
        for table in DERIVED:
            db.execute(f"delete from [{table}]")


# --- incremental writes: only the rows that differ ---------------------------


def sync_table(db: sqlite_utils.Database, table: str, records: list[dict]) -> int:
    """Make ``table`` hold exactly ``records`` (dicts of its columns),
    touching only the rows that differ: rows whose key is gone are
    deleted, new keys inserted, changed rows updated in place.  For tables
    no page reads in insertion order (their rowid order is not that of a
    full build).  Returns how many rows were written or deleted."""
    names = list(TABLES[table])
    key = PRIMARY_KEYS.get(table, "id")
    key = (key,) if isinstance(key, str) else tuple(key)
    at = [names.index(k) for k in key]
    rest = [name for name in names if name not in key]
    wanted = {}
    for record in records:
        values = tuple(_sql_value(record.get(name)) for name in names)
        wanted[tuple(values[i] for i in at)] = values
    columns = ", ".join(f"[{name}]" for name in names)
    have = {tuple(row[i] for i in at): tuple(row) for row in db.execute(f"select {columns} from [{table}]")}
    gone = [k for k in have if k not in wanted]
    new = [v for k, v in wanted.items() if k not in have]
    changed = [v for k, v in wanted.items() if k in have and have[k] != v]
    match = " and ".join(f"[{k}] = ?" for k in key)
    with db.conn:
        db.conn.executemany(f"delete from [{table}] where {match}", gone)
        db.conn.executemany(f"insert into [{table}] ({columns}) values ({', '.join('?' for _ in names)})", new)
        if rest:
            assignments = ", ".join(f"[{name}] = ?" for name in rest)
            db.conn.executemany(f"update [{table}] set {assignments} where {match}",
                                [tuple(v[names.index(n)] for n in rest) + tuple(v[i] for i in at) for v in changed])
    return len(gone) + len(new) + len(changed)


def sync_in_order(db: sqlite_utils.Database, table: str, records: list, have: list | None = None) -> int:
    """Make ``table`` hold exactly ``records`` (dicts of its columns, or
    records whose attributes they are) in their order (rowid order,
    which pages read: the links), keeping the longest run of rows a full
    build would write first and rewriting only what follows it.  A link
    runs from an earlier document to one at most a window later, so a
    document added at the end rewrites the links of its last windows only.
    ``have``: the table's rows as the caller knows them, in rowid order
    (the previous build's links), compared with instead of the table's.
    Returns how many rows were written."""
    names = list(TABLES[table])
    columns = ", ".join(f"[{name}]" for name in names)
    if have is None:
        rows = db.execute(f"select rowid, {columns} from [{table}] order by rowid")
        kept, last = 0, 0
        for row in rows:
            if kept < len(records) and tuple(row[1:]) == _values(records[kept], names) and row[0] == last + 1:
                kept, last = kept + 1, row[0]
            else:
                break
        rows.close()
    else:
        kept = common_prefix(have, records)
        found = db.execute(f"select rowid from [{table}] order by rowid limit 1 offset ?", [kept - 1]).fetchone() if kept else None
        last = found[0] if found else 0
    with db.conn:
        db.execute(f"delete from [{table}] where rowid > ?", [last])
        db.conn.executemany(f"insert into [{table}] (rowid, {columns}) values (?, {', '.join('?' for _ in names)})",
                            ((last + 1 + i, *_values(record, names)) for i, record in enumerate(records[kept:])))
    return len(records) - kept


def common_prefix(a: list, b: list, chunk: int = 4096) -> int:
    """How many items ``a`` and ``b`` share from their start: compared a
    chunk of slices at a time (in C), then item by item within the first
    chunk that differs."""
    end, start = min(len(a), len(b)), 0
    while start < end and a[start:start + chunk] == b[start:start + chunk]:
        start += chunk
    while start < end and a[start] == b[start]:
        start += 1
    return min(start, end)


def _values(record, names: list[str]) -> tuple:
    if not isinstance(record, dict):
        return tuple(_sql_value(getattr(record, name)) for name in names)
    return tuple(_sql_value(record.get(name)) for name in names)


def _sql_value(value):
    """A value as SQLite gives it back: booleans as integers."""
    return int(value) if isinstance(value, bool) else value


def sync_primary_areas(db: sqlite_utils.Database, tags: list[AreaTag]) -> None:
    """Each row's primary area onto the row itself, where it differs."""
    primary = {tag.recommendation_id: tag.area_id for tag in tags if tag.is_primary}
    changed = [(primary.get(row_id), row_id) for row_id, area in db.execute("select id, primary_area_id from recommendations")
               if primary.get(row_id) != area]
    with db.conn:
        db.conn.executemany("update recommendations set primary_area_id = ? where id = ?", changed)


def sync_positions(db: sqlite_utils.Database) -> None:
    """Number every row by document, then reading order (the default sort),
    writing only the rows whose number changed (all of them in a new
    database)."""
    rows = db.execute("select id, position from recommendations order by document_id, ordinal").fetchall()
    changed = [(n, row_id) for n, (row_id, position) in enumerate(rows, start=1) if position != n]
    with db.conn:
        db.conn.executemany("update recommendations set position = ? where id = ?", changed)


def insert_records(db: sqlite_utils.Database, table: str, records) -> None:
    """Insert ``records`` (dicts of the table's columns; a record's own
    ``__dict__`` will do) as they are, in their order: the rows are new
    (a fresh table, or a document's rows deleted first), so neither
    sqlite-utils' upsert nor its conversions are needed (they took half the
    writing)."""
    names = list(TABLES[table])
    columns = ", ".join(f"[{name}]" for name in names)
    with db.conn:
        db.conn.executemany(f"insert into [{table}] ({columns}) values ({', '.join('?' for _ in names)})",
                            (tuple(_sql_value(record.get(name)) for name in names) for record in records))


def insert_objects(db: sqlite_utils.Database, table: str, objects) -> None:
    """``insert_records`` of objects whose attributes are the table's columns
    (dataclasses with slots, which have no ``__dict__``)."""
    names = list(TABLES[table])
    insert_records(db, table, ({name: getattr(item, name) for name in names} for item in objects))


def save_recommendations(db: sqlite_utils.Database, publisher_id: str, rows: list[Recommendation]) -> None:
    """Insert a document's rows (deleted first when it was there); parents are written before their sub-items."""
    insert_records(db, "recommendations", ({**vars(row), "publisher_id": publisher_id} for row in rows))


def save_paragraphs(db: sqlite_utils.Database, paragraphs: list[Paragraph]) -> None:
    """Insert a government text's paragraphs; parents come before their sub-items."""
    insert_records(db, "paragraphs", (vars(paragraph) for paragraph in paragraphs))


def save_responses(db: sqlite_utils.Database, responses: list, statuses: list) -> None:
    """Write the government responses and every recommendation's status, into empty tables."""
    insert_objects(db, "responses", responses)
    insert_records(db, "response_status", (vars(s) for s in statuses))


def replace_responses(db: sqlite_utils.Database, pairs: set[tuple[str, str]], responses: list[Response]) -> None:
    """Delete the responses of each (submission, government text) pair of
    ``pairs``, then insert ``responses`` (those pairs' new ones): the other
    pairs' rows are not read.  A row id is ``<document>/<number>``, so a
    document's rows are the ids between ``<document>/`` and ``<document>0``
    (``0`` follows ``/``), a range of the responses' key."""
    with db.conn:
        db.conn.executemany(
            "delete from responses where recommendation_id > ? and recommendation_id < ? and paragraph_id > ? and paragraph_id < ?",
            [(f"{submission}/", f"{submission}0", f"{government}/", f"{government}0") for submission, government in sorted(pairs)])
    insert_objects(db, "responses", responses)


def policy_area_records(areas: list[PolicyArea]) -> list[dict]:
    return [
        {
            "id": area.id,
            "name_zh": area.name_zh,
            "name_en": area.name_en,
            "description": area.description,
            "cap_code": area.cap_code,
            "terms": "、".join(area.terms),
        }
        for area in areas
    ]


def save_policy_areas(db: sqlite_utils.Database, areas: list[PolicyArea]) -> None:
    db["policy_areas"].upsert_all(policy_area_records(areas), pk="id")


def area_tag_records(tags: list[AreaTag]) -> list[dict]:
    return [{**vars(tag), "is_primary": int(tag.is_primary)} for tag in tags]


def replace_area_tags(db: sqlite_utils.Database, tags: list[AreaTag], documents: set[str]) -> None:
    """The tags of the rows of ``documents`` replaced by ``tags``, and each
    of those rows' primary area onto the row; the other rows' are not read.
    A document's rows are a range of the tags' key (see ``replace_responses``)."""
    with db.conn:
        db.conn.executemany("delete from recommendation_areas where recommendation_id > ? and recommendation_id < ?",
                            [(f"{document}/", f"{document}0") for document in sorted(documents)])
        db.conn.executemany("update recommendations set primary_area_id = null where document_id = ?",
                            [(document,) for document in sorted(documents)])
    save_area_tags(db, tags)


def save_area_tags(db: sqlite_utils.Database, tags: list[AreaTag]) -> None:
    """Write every tag, and each row's primary area onto the row itself."""
    insert_records(db, "recommendation_areas", area_tag_records(tags))
    with db.conn:
        db.conn.executemany(
            "update recommendations set primary_area_id = ? where id = ?",
            [(tag.area_id, tag.recommendation_id) for tag in tags if tag.is_primary],
        )


def save_links(db: sqlite_utils.Database, links: list[Link]) -> None:
    """Write the links, into an empty table, in their order (pages read them in rowid order)."""
    insert_objects(db, "links", links)


LINK_COLUMNS = ", ".join(f"[{name}]" for name in Link._fields)  # the links table's, as a query lists them


def link_count(db: sqlite_utils.Database) -> int | None:
    """How many links the table holds, when their rowids are 1 to that
    count (as every build writes them), else ``None``."""
    count, last = db.execute("select count(*), coalesce(max(rowid), 0) from links").fetchone()
    return count if count == last else None


def link_at(db: sqlite_utils.Database, rowid: int) -> Link:
    return Link(*db.execute(f"select {LINK_COLUMNS} from links where rowid = ?", [rowid]).fetchone())


def links_from(db: sqlite_utils.Database, rowid: int) -> list[Link]:
    """The links from rowid ``rowid`` on, in rowid order."""
    return [Link(*values) for values in db.execute(f"select {LINK_COLUMNS} from links where rowid >= ? order by rowid", [rowid])]


def replace_links_from(db: sqlite_utils.Database, rowid: int, links: list[Link]) -> None:
    """The links from rowid ``rowid`` on deleted, and ``links`` written there in their order."""
    names = list(TABLES["links"])
    columns = ", ".join(f"[{name}]" for name in names)
    with db.conn:
        db.execute("delete from links where rowid >= ?", [rowid])
        db.conn.executemany(f"insert into links (rowid, {columns}) values (?, {', '.join('?' for _ in names)})",
                            ((rowid + i, *_values(link, names)) for i, link in enumerate(links)))


def save_threads(db: sqlite_utils.Database, members: list[dict]) -> None:
    """Every proposal thread's rows (``kb.rules.threads.thread_members``),
    worked out once from the links so that pages read a row's thread directly."""
    db["threads"].delete_where()
    insert_records(db, "threads", members)


def replace_link_profiles(db: sqlite_utils.Database, profiles: dict[str, str], dropped: set[str] = frozenset()) -> None:
    """Each document's link profiles (``profiles``: document id -> its
    rows' as JSON, ``kb.build.incremental.profile_records``) in place of the
    stored ones, and the stored ones of the documents ``dropped`` deleted."""
    with db.conn:
        db.conn.executemany("delete from link_profiles where document_id = ?", [(d,) for d in sorted(dropped | profiles.keys())])
        db.conn.executemany("insert into link_profiles (document_id, profiles) values (?, ?)", sorted(profiles.items()))


def save_build_info(db: sqlite_utils.Database, info: dict[str, str]) -> None:
    db["build_info"].upsert_all([{"key": key, "value": value} for key, value in info.items()], pk="key")


def read_build_info(db: sqlite_utils.Database) -> dict[str, str]:
    if not db["build_info"].exists():
        return {}
    return {row["key"]: row["value"] for row in db["build_info"].rows}
