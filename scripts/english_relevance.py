"""Recall@10 of English queries for Chinese text (tests/english_queries.yml),
with the glossary only and with the CC-CEDICT dictionary as well.

    python scripts/english_relevance.py              # build from sources/ and measure
    python scripts/english_relevance.py --db kb.db   # measure an existing database

Each query is searched where it says (``in``: recommendations or
government); recall@10 is the share of its expected ids in its top 10,
averaged over the queries.
"""

import argparse
import sqlite3
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from kb.read.search import search  # noqa: E402
from relevance import build_search_db, query_scores  # noqa: E402

QUERIES = ROOT / "tests" / "english_queries.yml"
TOP = 10


def load_queries(path: Path = QUERIES) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def recall(conn, queries: list[dict], dictionary: bool) -> tuple[float, list[dict]]:
    """Mean recall@10 over the queries, and the queries with misses."""
    total, misses = 0.0, []
    for item in queries:
        found = search(conn, item["query"], limit=TOP, within=item.get("in", "recommendations"), dictionary=dictionary)
        ranked = [result.id for result in found]
        score, _ = query_scores(ranked, item["expect"])
        total += score
        if score < 1:
            misses.append({**item, "read_as": found.read_as, "missing": [id for id in item["expect"] if id not in ranked]})
    return total / len(queries), misses


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="search this database instead of building one")
    parser.add_argument("--queries", type=Path, default=QUERIES)
    args = parser.parse_args(argv)
    queries = load_queries(args.queries)
    with tempfile.TemporaryDirectory() as folder:
        path = args.db or build_search_db(Path(folder) / "kb.db")
        conn = sqlite3.connect(path)
        before, _ = recall(conn, queries, dictionary=False)
        after, misses = recall(conn, queries, dictionary=True)
        conn.close()
    print(f"English queries: {len(queries)}; recall@{TOP}")
    print(f"  glossary only          {before * 100:5.1f}%")
    print(f"  glossary + CC-CEDICT   {after * 100:5.1f}%")
    for miss in misses:
        print(f"  MISS {miss['query']!r} ({miss['in']}), read as {miss['read_as'] or 'nothing'}: missing {miss['missing']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
