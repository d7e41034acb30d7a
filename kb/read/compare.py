"""Comparing documents through the links between their recommendations.

Works on a ``sqlite3`` connection to a built knowledge base and reads the
tables ``documents``, ``recommendations`` and ``links(from_id, to_id, score,
relation, method)`` (written from ``kb.rules.links.compute_links``; a database
without it simply has no links).  Nothing here writes.

* ``compare(conn, a, b)``: the rows of B linked from A's (pairs, with score
  and relation), what is new in B and what was dropped from A;
* ``threads(conn)``: linked rows form proposal threads (connected components
  over the links), each ordered by publication, as ``kb.rules.threads``
  orders the rows of the ``threads`` table the build writes;
  ``thread_for`` reads a row's thread from that table when it is there;
* ``statuses(conn)``: for consecutive documents of one publisher, every
  top-level row is ``new``, ``continued`` or ``dropped``;
* ``char_diff``: the character-level changes between two texts, as
  (op, text) pieces (the site marks them up).

Documents are ordered as ``kb.rules.links.document_order`` orders them: by
publication date, then policy year, then id.
"""

import sqlite3
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher

from kb.records import Recommendation
from kb.rules.graph import connected_groups
from kb.rules.shared_asks import shared_asks

SAME_ASK = "same ask"  # the relation of a pair found by kb.rules.shared_asks

NEW, CONTINUED, DROPPED = "new", "continued", "dropped"
EQUAL, DELETE, INSERT = "equal", "delete", "insert"

_DOCUMENTS_SQL = """
select id, publisher_id, title_zh, title_en, published, year from documents
order by coalesce(published, cast(year as text)), year, id
"""
_TOP_LEVEL_SQL = """
select id, document_id, publisher_id, title, number, year, line_start, line_end from recommendations
where document_id = ? and parent_id is null order by ordinal
"""
_LINKS_SQL = "select from_id, to_id, score, relation, method from links order by rowid"
# The links between the top-level rows of two documents, whichever way they run.
_PAIR_LINKS_SQL = """
select l.from_id, l.to_id, l.score, l.relation, l.method from recommendations r
join links l on l.from_id = r.id
join recommendations o on o.id = l.to_id
where r.document_id = :a and o.document_id = :b
union all
select l.from_id, l.to_id, l.score, l.relation, l.method from recommendations r
join links l on l.from_id = r.id
join recommendations o on o.id = l.to_id
where r.document_id = :b and o.document_id = :a
"""
_THREAD_WINDOW_SQL = """
select recommendation_id from threads where thread_id = ? and ordinal between ? and ? order by ordinal
"""
_THREAD_LINKS_SQL = """
select l.from_id, l.to_id, l.score, l.relation, l.method from threads t join links l on l.from_id = t.recommendation_id
where t.thread_id = ? order by l.rowid
"""


@dataclass(frozen=True)
class RowRef:
    id: str
    document_id: str
    title: str
    number: str
    line_start: int | None = None
    line_end: int | None = None


@dataclass(frozen=True)
class Pair:
    a: RowRef
    b: RowRef
    score: int
    relation: str
    method: str


@dataclass
class Comparison:
    a: dict  # the document: id, publisher_id, title_zh, title_en, published, year
    b: dict
    pairs: list[Pair] = field(default_factory=list)
    new: list[RowRef] = field(default_factory=list)  # in B, linked from no row of A
    dropped: list[RowRef] = field(default_factory=list)  # in A, linked to no row of B

    def to_json(self) -> dict:
        return {
            "a": self.a,
            "b": self.b,
            "pairs": [
                {"a_id": p.a.id, "a_title": p.a.title, "b_id": p.b.id, "b_title": p.b.title,
                 "score": p.score, "relation": p.relation, "method": p.method}
                for p in self.pairs
            ],
            "new": [{"id": r.id, "title": r.title} for r in self.new],
            "dropped": [{"id": r.id, "title": r.title} for r in self.dropped],
        }


@dataclass(frozen=True)
class ThreadRow:
    id: str
    title: str
    document_id: str
    document_title: str
    publisher_id: str
    published: str
    year: int


@dataclass
class Thread:
    rows: list[ThreadRow]  # in publication order, then reading order
    links: list[dict]  # from_id, to_id, score, relation, method
    whole: "ThreadSummary | None" = None  # when ``rows`` are a window of a longer thread

    @property
    def size(self) -> int:
        """How many rows the whole thread has."""
        return self.whole.size if self.whole else len(self.rows)

    @property
    def first_year(self) -> int:
        return self.whole.first_year if self.whole else min(row.year for row in self.rows)

    @property
    def last_year(self) -> int:
        return self.whole.last_year if self.whole else max(row.year for row in self.rows)

    @property
    def publishers(self) -> list[str]:
        return self.whole.publishers if self.whole else list(dict.fromkeys(row.publisher_id for row in self.rows))

    @property
    def documents(self) -> list[str]:
        return self.whole.documents if self.whole else list(dict.fromkeys(row.document_id for row in self.rows))

    def to_json(self) -> dict:
        return {"first_year": self.first_year, "last_year": self.last_year, "publishers": self.publishers,
                "documents": self.documents, "rows": [asdict(row) for row in self.rows], "links": self.links}


@dataclass(frozen=True)
class ThreadSummary:
    """What a whole thread spans, when only a window of its rows is read."""

    size: int
    first_year: int
    last_year: int
    publishers: list[str]
    documents: list[str]


@dataclass(frozen=True)
class Fate:
    """What became of a top-level row between two consecutive documents of a publisher."""

    recommendation_id: str
    title: str
    status: str  # new | continued | dropped
    earlier: str  # the earlier document's id
    later: str  # the later document's id


# --- reading ----------------------------------------------------------------


def documents(conn: sqlite3.Connection) -> list[dict]:
    """Every document, in publication order."""
    keys = ("id", "publisher_id", "title_zh", "title_en", "published", "year")
    return [dict(zip(keys, row)) for row in conn.execute(_DOCUMENTS_SQL)]


_LINK_KEYS = ("from_id", "to_id", "score", "relation", "method")


def links(conn: sqlite3.Connection) -> list[dict]:
    """Every link, or none when the database has no ``links`` table."""
    if not has_table(conn, "links"):
        return []
    return [dict(zip(_LINK_KEYS, row)) for row in conn.execute(_LINKS_SQL)]


def pair_links(conn: sqlite3.Connection, a_id: str, b_id: str) -> list[dict]:
    """The links between rows of two documents, either way, read through the
    rows of the two documents only."""
    if not has_table(conn, "links"):
        return []
    return [dict(zip(_LINK_KEYS, row)) for row in conn.execute(_PAIR_LINKS_SQL, {"a": a_id, "b": b_id})]


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("select 1 from sqlite_master where type = 'table' and name = ?", [name]).fetchone() is not None


def top_level(conn: sqlite3.Connection, document_id: str) -> list[RowRef]:
    rows = conn.execute(_TOP_LEVEL_SQL, [document_id]).fetchall()
    return [RowRef(r[0], r[1], r[3], r[4], r[6], r[7]) for r in rows]


def row_text(conn: sqlite3.Connection, recommendation_id: str) -> str:
    """A row's title and body, with its sub-items': the text that was compared."""
    sql = "select title, body from recommendations where id = ? or parent_id = ? order by ordinal"
    return "\n\n".join(f"{title}\n{body or ''}".strip() for title, body in conn.execute(sql, [recommendation_id] * 2))


def _document(conn: sqlite3.Connection, document_id: str) -> dict:
    keys = ("id", "publisher_id", "title_zh", "title_en", "published", "year")
    found = conn.execute(f"select {', '.join(keys)} from documents where id = ?", [document_id]).fetchone()
    if found is None:
        raise LookupError(f"no document {document_id!r}")
    return dict(zip(keys, found))


# --- comparing two documents ------------------------------------------------


def compare(conn: sqlite3.Connection, a_id: str, b_id: str) -> Comparison:
    """B's rows linked from A's, what is new in B and what was dropped from A.

    Links are followed whichever way they run, so B may be the earlier
    document; pairs are in A's reading order.  Raises LookupError for an
    unknown document."""
    comparison = Comparison(_document(conn, a_id), _document(conn, b_id))
    a_rows, b_rows = top_level(conn, a_id), top_level(conn, b_id)
    a_by_id, b_by_id = {r.id: r for r in a_rows}, {r.id: r for r in b_rows}
    for link in pair_links(conn, a_id, b_id):
        a_id_, b_id_ = _sides(link, a_by_id, b_by_id)
        if a_id_:
            pair = Pair(a_by_id[a_id_], b_by_id[b_id_], link["score"], link["relation"], link["method"])
            comparison.pairs.append(pair)
    if comparison.a["publisher_id"] != comparison.b["publisher_id"]:
        comparison.pairs += same_asks(conn, comparison, a_by_id, b_by_id)
    order = {row.id: index for index, row in enumerate(a_rows + b_rows)}
    comparison.pairs.sort(key=lambda p: (order[p.a.id], order[p.b.id]))
    comparison.new = [r for r in b_rows if r.id not in {p.b.id for p in comparison.pairs}]
    comparison.dropped = [r for r in a_rows if r.id not in {p.a.id for p in comparison.pairs}]
    return comparison


_ROWS_SQL = """
select id, document_id, number, ordinal, title, body, year, line_start, line_end, kind, section, parent_id
from recommendations where document_id = ? order by ordinal
"""
# The asks of the documents of the same policy year as either, by other publishers too: the background
# against which a word is rare (government measures left out).
_BACKGROUND_SQL = """
select id from documents where year in (?, ?) and id not in (?, ?)
and id in (select document_id from recommendations where kind != 'measure')
"""


def same_asks(conn: sqlite3.Connection, comparison: Comparison, a_by_id: dict, b_by_id: dict) -> list[Pair]:
    """Pairs of two publishers' top-level asks that ask the same thing
    (``kb.rules.shared_asks``, each ask read with its sub-items), where no
    link pairs them already."""
    a, b = comparison.a, comparison.b
    rows_a, rows_b = document_rows(conn, a["id"]), document_rows(conn, b["id"])
    others = [row[0] for row in conn.execute(_BACKGROUND_SQL, [a["year"], b["year"], a["id"], b["id"]])]
    background = [row for document_id in others for row in document_rows(conn, document_id)]
    linked = {(p.a.id, p.b.id) for p in comparison.pairs}
    return [Pair(a_by_id[found.a_id], b_by_id[found.b_id], found.score, SAME_ASK, "rule")
            for found in shared_asks(rows_a, rows_b, background)
            if found.a_id in a_by_id and found.b_id in b_by_id and (found.a_id, found.b_id) not in linked]


def document_rows(conn: sqlite3.Connection, document_id: str) -> list[Recommendation]:
    """A document's rows, sub-items included, as records."""
    return [Recommendation(*row[:9], kind=row[9], section=row[10], parent_id=row[11])
            for row in conn.execute(_ROWS_SQL, [document_id])]


def _sides(link: dict, a_rows: dict, b_rows: dict) -> tuple[str | None, str | None]:
    if link["from_id"] in a_rows and link["to_id"] in b_rows:
        return link["from_id"], link["to_id"]
    if link["to_id"] in a_rows and link["from_id"] in b_rows:
        return link["to_id"], link["from_id"]
    return None, None


# --- threads ----------------------------------------------------------------


def threads(conn: sqlite3.Connection) -> list[Thread]:
    """Every proposal thread (two or more linked rows), by its first row."""
    all_links = links(conn)
    groups = connected_groups((link["from_id"], link["to_id"]) for link in all_links)
    rows = _thread_rows(conn, [row_id for group in groups for row_id in group])
    group_of = {row_id: index for index, group in enumerate(groups) for row_id in group}
    group_links: list[list[dict]] = [[] for _ in groups]
    for link in all_links:
        group_links[group_of[link["from_id"]]].append(link)
    result = []
    for group, in_group in zip(groups, group_links):
        members = sorted((rows[row_id] for row_id in group if row_id in rows), key=lambda r: r[0])
        result.append(Thread([row for _, row in members], in_group))
    return sorted(result, key=lambda t: rows[t.rows[0].id][0])


def thread_for(conn: sqlite3.Connection, recommendation_id: str, limit: int | None = None,
               summaries: dict | None = None) -> Thread | None:
    """The thread of a row (of its parent, for a sub-item), or None.  Read
    from the ``threads`` table when the database has one (every build writes
    it), else worked out from every link.  With ``limit``, a thread longer
    than that gives only the ``limit`` rows nearest the row in thread order
    and the links among them (``Thread.whole`` says what the thread spans,
    read over the whole thread: kept in ``summaries``, by thread, when the
    caller keeps them for a database that does not change)."""
    sql = "select coalesce(parent_id, id) from recommendations where id = ?"
    parent = conn.execute(sql, [recommendation_id]).fetchone()
    if parent is None:
        return None
    if not has_table(conn, "threads"):
        return next((t for t in threads(conn) if parent[0] in {row.id for row in t.rows}), None)
    place = conn.execute("select thread_id, ordinal from threads where recommendation_id = ?", [parent[0]]).fetchone()
    if place is None:
        return None
    thread_id, ordinal = place
    size = conn.execute("select count(*) from threads where thread_id = ?", [thread_id]).fetchone()[0]
    first = 1 if limit is None or size <= limit else max(1, min(ordinal - limit // 2, size - limit + 1))
    last = size if limit is None else first + limit - 1
    members = [r for (r,) in conn.execute(_THREAD_WINDOW_SQL, [thread_id, first, last])]
    rows = _thread_rows(conn, members)
    if len(members) == size:
        thread_links = [dict(zip(_LINK_KEYS, row)) for row in conn.execute(_THREAD_LINKS_SQL, [thread_id])]
        return Thread([rows[row_id][1] for row_id in members if row_id in rows], thread_links)
    marks = ", ".join("?" * len(members))
    sql = f"select {', '.join(_LINK_KEYS)} from links where from_id in ({marks}) and to_id in ({marks}) order by rowid"
    thread_links = [dict(zip(_LINK_KEYS, row)) for row in conn.execute(sql, members + members)]
    whole = summaries.get(thread_id) if summaries is not None else None
    if whole is None or whole.size != size:
        whole = _summary(conn, thread_id, size)
        if summaries is not None:
            summaries[thread_id] = whole
    return Thread([rows[row_id][1] for row_id in members if row_id in rows], thread_links, whole)


def _summary(conn: sqlite3.Connection, thread_id: str, size: int) -> ThreadSummary:
    """What the whole thread spans, counted by SQLite in one pass: its years,
    and its publishers and documents in the order the thread first reaches them."""
    sql = """select r.publisher_id, r.document_id, min(t.ordinal) as first, min(r.year), max(r.year)
             from threads t join recommendations r on r.id = t.recommendation_id
             where t.thread_id = ? group by r.document_id, r.publisher_id order by first"""
    found = conn.execute(sql, [thread_id]).fetchall()
    return ThreadSummary(size, min(f[3] for f in found), max(f[4] for f in found),
                         list(dict.fromkeys(f[0] for f in found)), list(dict.fromkeys(f[1] for f in found)))


def _thread_rows(conn: sqlite3.Connection, ids: list[str]) -> dict[str, tuple]:
    """Row id -> (sort key, ThreadRow) for the given ids.  The key puts rows
    in the order of their documents (``documents``: publication date, then
    policy year, then id), then in reading order; it is made of the row's
    own document, so that no more than the given rows are read."""
    sql = """select r.id, r.title, r.document_id, d.title_zh, r.publisher_id, d.published, r.year, r.ordinal,
                    coalesce(d.published, cast(d.year as text)), d.year
             from recommendations r join documents d on d.id = r.document_id where r.id in ({})"""
    found = {}
    for start in range(0, len(ids), _BATCH):
        batch = ids[start : start + _BATCH]
        for r in conn.execute(sql.format(", ".join("?" * len(batch))), batch):
            found[r[0]] = ((r[8], r[9], r[2], r[7]), ThreadRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6]))
    return found


_BATCH = 500  # ids bound in one query


# --- new, continued, dropped ------------------------------------------------


def consecutive_pairs(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(earlier, later) for each publisher's documents of recommendations
    taken in order (a government text's paragraphs are not compared here)."""
    with_rows = {row[0] for row in conn.execute("select distinct document_id from recommendations")}
    last: dict[str, str] = {}
    pairs = []
    for document in documents(conn):
        if document["id"] not in with_rows:
            continue
        if document["publisher_id"] in last:
            pairs.append((last[document["publisher_id"]], document["id"]))
        last[document["publisher_id"]] = document["id"]
    return pairs


def statuses(conn: sqlite3.Connection, earlier: str | None = None, later: str | None = None) -> list[Fate]:
    """Every top-level row of two documents as new, continued or dropped; with
    no documents given, of every pair of consecutive documents of a publisher."""
    pairs = [(earlier, later)] if earlier and later else consecutive_pairs(conn)
    return [status for a, b in pairs for status in _pair_statuses(conn, a, b)]


def _pair_statuses(conn: sqlite3.Connection, earlier: str, later: str) -> list[Fate]:
    comparison = compare(conn, earlier, later)
    linked = {p.a.id for p in comparison.pairs} | {p.b.id for p in comparison.pairs}
    result = []
    for row in top_level(conn, earlier):
        result.append(Fate(row.id, row.title, CONTINUED if row.id in linked else DROPPED, earlier, later))
    for row in top_level(conn, later):
        result.append(Fate(row.id, row.title, CONTINUED if row.id in linked else NEW, earlier, later))
    return result


# --- character-level differences --------------------------------------------


def char_diff(a: str, b: str) -> list[tuple[str, str]]:
    """``a`` turned into ``b`` as (op, text) pieces: op is equal, delete or insert."""
    pieces: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            pieces.append((DELETE, a[i1:i2]))
        if op in ("insert", "replace"):
            pieces.append((INSERT, b[j1:j2]))
        if op == "equal":
            pieces.append((EQUAL, a[i1:i2]))
    return pieces
