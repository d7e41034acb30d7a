"""Recall@10 and MRR of kb.read.search on the labelled queries, per kind and overall.

Builds the knowledge base from sources/ into a temporary folder (kb.build.pipeline.build,
then kb.rules.search_index.save_search_index), or searches an existing database.

    python scripts/relevance.py                  # build from sources/ and measure
    python scripts/relevance.py --db kb.db       # measure an existing database
    python scripts/relevance.py --strict         # exit 1 unless recall@10 is 100% everywhere

recall@10: the share of a query's expected ids found in its top 10, averaged
over the queries of a kind.  MRR: the mean of 1 / rank of the first expected
id found (0 when none is in the top 10).
"""

import argparse
import sqlite3
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import sqlite_utils
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.build.pipeline import build  # noqa: E402
from kb.read.search import search  # noqa: E402
from kb.rules.search_index import save_search_index  # noqa: E402

QUERIES = ROOT / "tests" / "search_queries.yml"
SOURCES = ROOT / "sources"
KINDS = ("two_char", "simplified", "typo", "short_name", "english_term", "english_for_chinese", "multi_word")
TOP = 10


def load_queries(path: Path = QUERIES) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def build_search_db(path: Path) -> Path:
    """The knowledge base from sources/, with its search index."""
    build(SOURCES, path)
    db = sqlite_utils.Database(path)
    save_search_index(db)
    db.close()
    return path


def query_scores(ranked: list[str], expected: list[str]) -> tuple[float, float]:
    """(recall@10, reciprocal rank) of one query."""
    top = ranked[:TOP]
    recall = sum(1 for id in expected if id in top) / len(expected)
    ranks = [top.index(id) + 1 for id in expected if id in top]
    return recall, (1 / min(ranks) if ranks else 0.0)


def evaluate(search_ids, queries: list[dict]) -> tuple[dict, list[dict]]:
    """Per kind, and "overall": {recall, mrr, n}; and the queries with misses.

    ``search_ids(query)`` returns the ranked ids for a query string.
    """
    scores, misses = defaultdict(list), []
    for item in queries:
        ranked = search_ids(item["query"])
        recall, reciprocal = query_scores(ranked, item["expect"])
        scores[item["kind"]].append((recall, reciprocal))
        scores["overall"].append((recall, reciprocal))
        if recall < 1:
            missing = [id for id in item["expect"] if id not in ranked[:TOP]]
            misses.append({**item, "missing": missing, "got": ranked[:TOP]})
    return {kind: _mean(values) for kind, values in scores.items()}, misses


def _mean(values: list[tuple[float, float]]) -> dict:
    return {
        "recall": sum(v[0] for v in values) / len(values),
        "mrr": sum(v[1] for v in values) / len(values),
        "n": len(values),
    }


def print_table(metrics: dict, title: str = "kb.read.search") -> None:
    print(f"{title}: recall@{TOP} and MRR on {metrics['overall']['n']} labelled queries")
    print(f"  {'kind':<22}{'n':>4}{'recall@10':>12}{'MRR':>8}")
    for kind in [*KINDS, "overall"]:
        if kind in metrics:
            m = metrics[kind]
            print(f"  {kind:<22}{m['n']:>4}{m['recall'] * 100:>11.1f}%{m['mrr']:>8.3f}")


def print_misses(misses: list[dict]) -> None:
    for miss in misses:
        print(f"  MISS [{miss['kind']}] {miss['query']!r}: missing {miss['missing']}; top 10 {miss['got']}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="search this database instead of building one")
    parser.add_argument("--queries", type=Path, default=QUERIES)
    parser.add_argument("--strict", action="store_true", help="exit 1 unless recall@10 is 100%% for every kind")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        path = args.db or build_search_db(Path(folder) / "kb.db")
        conn = sqlite3.connect(path)
        metrics, misses = evaluate(lambda q: [r.id for r in search(conn, q, limit=TOP)], load_queries(args.queries))
        conn.close()
    print_table(metrics)
    print_misses(misses)
    return 1 if args.strict and misses else 0


if __name__ == "__main__":
    sys.exit(main())
