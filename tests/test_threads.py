"""kb.rules.threads: the threads table a build writes, worked out from the
links it holds, is what kb.read.compare works out from the links in the
database it wrote."""

import sqlite3
from contextlib import closing
from pathlib import Path

from kb.read import compare
from kb.records import Document, Recommendation
from kb.rules.threads import ordered_threads, thread_members


def threads_table(path: Path) -> list[tuple]:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("select recommendation_id, thread_id, ordinal from threads order by rowid").fetchall()


def threads_read_back(path: Path) -> list[tuple]:
    """The threads of the database's links, as kb.read.compare finds them."""
    with closing(sqlite3.connect(path)) as conn:
        return [(row.id, thread.rows[0].id, ordinal)
                for thread in compare.threads(conn) for ordinal, row in enumerate(thread.rows, start=1)]


def test_the_threads_table_holds_the_threads_of_the_links_in_the_database(built_db):
    written = threads_table(built_db)
    assert written and written == threads_read_back(built_db)


def document(document_id: str, published: str | None, year: int) -> Document:
    return Document(document_id, "p", "標題", "Title", "submission", None, published, year, "zh-Hant", "f.txt", "0")


def row(document_id: str, ordinal: int) -> Recommendation:
    return Recommendation(f"{document_id}/{ordinal}", document_id, str(ordinal), ordinal, "建議", "", 2020, 1, 1)


def test_a_thread_runs_in_publication_order_then_reading_order_and_is_named_by_its_first_row():
    documents = [document("c", "2022-01", 2022), document("a", "2023-05", 2023), document("b", "2023-05", 2022)]
    rows = [row(d, n) for d in "abc" for n in (1, 2)]
    pairs = [("a/2", "b/1"), ("c/2", "a/1"), ("a/1", "a/2"), ("b/2", "c/1"), ("a/1", "gone/1")]
    assert ordered_threads(pairs, rows, documents) == [["c/1", "b/2"], ["c/2", "b/1", "a/1", "a/2"]]
    assert thread_members(pairs, rows, documents)[:3] == [
        {"recommendation_id": "c/1", "thread_id": "c/1", "ordinal": 1},
        {"recommendation_id": "b/2", "thread_id": "c/1", "ordinal": 2},
        {"recommendation_id": "c/2", "thread_id": "c/2", "ordinal": 1},
    ]
