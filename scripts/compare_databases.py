"""Whether two knowledge bases hold the same rows: every table (the search
index's and build_info's included, except the keys that name when and from
which files and code a build ran), every row; the tables pages read in rowid
order (the links, the threads, the search index) in that order.  The search
index is compared through its own columns, not FTS5's storage tables (an
incremental build adds to them where a full build writes them at once) nor
its rowids (spaced apart so that an incremental build can insert rows
between others: the same order, not the same numbers).

    python scripts/compare_databases.py before.db after.db

Prints each table with its row count and whether the two agree, and the
first rows that differ; exits 1 when any table differs.  For checking that
a change meant to make the build faster changed nothing it writes.
"""

import argparse
import sqlite3
import sys

# build_info keys that differ between two builds of the same sources: when
# and from which files (sizes, times) they were read, and the code's hash.
VARYING_KEYS = ("inputs", "code", "fingerprint")


IN_ORDER = ("links", "threads", "recommendations_search")
FTS_STORAGE = "recommendations_search_"  # FTS5's shadow tables


def tables(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("select name from sqlite_master where type = 'table' order by name")
            if not r[0].startswith(FTS_STORAGE)]


def rows(conn: sqlite3.Connection, table: str) -> list[tuple]:
    found = conn.execute(f"select * from [{table}] order by rowid").fetchall()
    if table == "build_info":
        found = [row for row in found if row[0] not in VARYING_KEYS]
    return found if table in IN_ORDER else sorted(found, key=repr)


def compare(before: str, after: str) -> bool:
    one, other = sqlite3.connect(before), sqlite3.connect(after)
    same = True
    if tables(one) != tables(other):
        print(f"tables differ: {sorted(set(tables(one)) ^ set(tables(other)))}")
        same = False
    for table in sorted(set(tables(one)) & set(tables(other))):
        a, b = rows(one, table), rows(other, table)
        agree = a == b
        print(f"{table}: {len(a)} / {len(b)} rows, {'same' if agree else 'DIFFERENT'}")
        if not agree:
            same = False
            only_a, only_b = set(a) - set(b), set(b) - set(a)
            for row in [r for r in a if r in only_a][:3]:
                print(f"  only in {before}: {row!r:.300}")
            for row in [r for r in b if r in only_b][:3]:
                print(f"  only in {after}: {row!r:.300}")
            if not only_a and not only_b:
                first = next(i for i, (x, y) in enumerate(zip(a, b)) if x != y)
                print(f"  the same rows in another order, from row {first + 1}: {a[first]!r:.200} / {b[first]!r:.200}")
    return same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before")
    parser.add_argument("after")
    args = parser.parse_args()
    sys.exit(0 if compare(args.before, args.after) else 1)


if __name__ == "__main__":
    main()
