"""Recall@10 of English queries for Chinese text (tests/english_queries.yml
and the others named), with the glossary only and with the CC-CEDICT
dictionary as well, and how long the dictionary's searches take.

    python scripts/english_relevance.py              # build from sources/ and measure
    python scripts/english_relevance.py --db kb.db   # measure an existing database
    python scripts/english_relevance.py --queries tests/english_queries.yml tests/english_queries_held_out.yml

Each query is searched where it says (``in``: recommendations or
government); recall@10 is the share of its expected ids in its top 10,
averaged over the queries.  Several files are measured together, as one set.
The mean number of results is given at limits 10 and 100, so that recall
is not read apart from how much is returned.  The times are those of a second pass over the queries (the first loads the
dictionary and looks their words up).
"""

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from kb.read.search import search  # noqa: E402
from relevance import build_search_db, query_scores  # noqa: E402

QUERIES = ROOT / "tests" / "english_queries.yml"
TOP = 10
WIDE = 100  # a limit few queries reach: how many rows a query finds at all


def load_queries(*paths: Path) -> list[dict]:
    return [item for path in paths or (QUERIES,) for item in yaml.safe_load(path.read_text(encoding="utf-8"))]


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


def returned(conn, queries: list[dict], limit: int) -> float:
    """The mean number of results the queries return at a limit: recall
    bought by returning more rows shows here."""
    return statistics.mean(
        len(search(conn, item["query"], limit=limit, within=item.get("in", "recommendations"))) for item in queries)


def timings(conn, queries: list[dict]) -> list[float]:
    """Milliseconds each query takes through the dictionary, once its words were looked up."""
    spent = []
    for item in queries:
        started = time.perf_counter()
        search(conn, item["query"], limit=TOP, within=item.get("in", "recommendations"))
        spent.append((time.perf_counter() - started) * 1000)
    return spent


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="search this database instead of building one")
    parser.add_argument("--queries", type=Path, nargs="+", default=[QUERIES])
    args = parser.parse_args(argv)
    queries = load_queries(*args.queries)
    with tempfile.TemporaryDirectory() as folder:
        path = args.db or build_search_db(Path(folder) / "kb.db")
        conn = sqlite3.connect(path)
        before, _ = recall(conn, queries, dictionary=False)
        after, misses = recall(conn, queries, dictionary=True)
        spent = sorted(timings(conn, queries))
        returns = {limit: returned(conn, queries, limit) for limit in (TOP, WIDE)}
        conn.close()
    print(f"English queries: {len(queries)}; recall@{TOP}")
    print(f"  glossary only          {before * 100:5.1f}%")
    print(f"  glossary + CC-CEDICT   {after * 100:5.1f}%")
    print(f"  mean results returned: {returns[TOP]:.1f} at limit {TOP}, {returns[WIDE]:.1f} at limit {WIDE}")
    p95 = spent[min(len(spent) - 1, round(0.95 * (len(spent) - 1)))]
    print(f"  search time: median {statistics.median(spent):.1f} ms, p95 {p95:.1f} ms")
    for miss in misses:
        print(f"  MISS {miss['query']!r} ({miss['in']}), read as {miss['read_as'] or 'nothing'}: missing {miss['missing']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
