"""Benchmark kb.read.search against a LIKE scan, an FTS5 trigram index and
rapidfuzz brute force, on a synthetic knowledge base of 100,000 rows.

The synthetic rows recombine sentences of the real source documents
(deterministic seed) and sit beside the 93 real rows.  Every method runs the
labelled queries of tests/search_queries.yml in the same process:

* kb.read.search     the bigram FTS5 index, glossary and fuzzy fallback;
* LIKE          ``title || section || body LIKE '%term%'`` per term on the raw
                text, the first 20 rows found (it stops early; no ranking);
* LIKE ranked   the same scan over every row, title and section matches first
                (what a LIKE search needs to return a ranked top 20);
* trigram       FTS5 ``tokenize='trigram'`` on folded text, terms of 3+
                characters as phrases, shorter terms by LIKE on its columns;
* rapidfuzz     ``process.extract`` with ``partial_ratio`` over the folded text
                of every row (only a subset of the queries at 100k: it takes
                seconds per query).

Latency is measured at 100,000 rows (median and p95 over all timed calls,
after one warm-up pass); recall@10 and MRR on the real knowledge base (93
rows), where the labels apply.

    python scripts/benchmark_search.py [--rows 100000] [--repeat 3] [--brute-per-kind 2] [--keep FILE]
"""

import argparse
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlite_utils
from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from kb.read.search import search  # noqa: E402
from kb.rules.search_index import fold, save_search_index  # noqa: E402
from kb.text.sentences import CHINESE_BREAKS  # noqa: E402
from kb.text.sentences import sentences as cut_sentences  # noqa: E402
from relevance import SOURCES, build_search_db, evaluate, load_queries  # noqa: E402

SEED = 20250101
LIMIT = 20


# --- the synthetic knowledge base ---------------------------------------------------


def sentences() -> list[str]:
    """Sentences of the real source documents, in file order."""
    found = []
    for path in sorted(SOURCES.glob("*.txt")):
        for piece in cut_sentences(path.read_text(encoding="utf-8"), CHINESE_BREAKS):
            if 6 <= len(piece) <= 160:
                found.append(piece)
    return found


def synthetic_rows(conn: sqlite3.Connection, count: int, rng: random.Random) -> list[tuple]:
    """``count`` rows of recombined sentences, attached to the real documents."""
    pool = sentences()
    documents = conn.execute("SELECT id, publisher_id, year FROM documents ORDER BY id").fetchall()
    sections = [row[0] for row in conn.execute("SELECT DISTINCT section FROM recommendations ORDER BY section")]
    rows = []
    for n in range(1, count + 1):
        document_id, publisher_id, year = rng.choice(documents)
        title = rng.choice(pool)[:40]
        body = "".join(rng.choice(pool) for _ in range(rng.randint(3, 12)))
        rows.append((f"{document_id}/x{n}", document_id, publisher_id, f"x{n}", 1000 + n, "recommendation",
                     rng.choice(sections), title, body, year, 1, 1))
    return rows


def build_synthetic(path: Path, total: int) -> dict:
    """The real knowledge base plus synthetic rows up to ``total``; build timings."""
    build_search_db(path)
    conn = sqlite3.connect(path)
    real = conn.execute("SELECT count(*) FROM recommendations").fetchone()[0]
    rows = synthetic_rows(conn, total - real, random.Random(SEED))
    with conn:
        conn.executemany(
            "INSERT INTO recommendations (id, document_id, publisher_id, number, ordinal, kind, section, title, body,"
            " year, line_start, line_end) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    conn.close()
    started = time.perf_counter()
    save_search_index(sqlite_utils.Database(path))
    bigram_seconds = time.perf_counter() - started
    trigram_seconds = build_trigram(path)
    return {"rows": total, "kb.read.search": bigram_seconds, "trigram": trigram_seconds}


def build_trigram(path: Path) -> float:
    """An FTS5 trigram index of the folded text, for comparison."""
    started = time.perf_counter()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DROP TABLE IF EXISTS trigram_search")
        conn.execute("CREATE VIRTUAL TABLE trigram_search USING fts5(id UNINDEXED, title, section, body, tokenize='trigram')")
        rows = conn.execute("SELECT id, title, section, body FROM recommendations ORDER BY id")
        conn.executemany(
            "INSERT INTO trigram_search (id, title, section, body) VALUES (?, ?, ?, ?)",
            ((row[0], *(fold(value) for value in row[1:])) for row in rows),
        )
        conn.execute("INSERT INTO trigram_search(trigram_search) VALUES ('optimize')")
    conn.close()
    return time.perf_counter() - started


def sizes(path: Path) -> dict:
    """Megabytes on disk: the whole file, the rows, and each index."""
    conn = sqlite3.connect(path)
    pages = dict(conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall())
    conn.close()

    def total(prefix):
        return sum(size for name, size in pages.items() if name.startswith(prefix)) / 1e6

    return {
        "file": _used_bytes(path) / 1e6,
        "recommendations": total("recommendations") - total("recommendations_search"),
        "kb.read.search": total("recommendations_search"),
        "trigram": total("trigram_search"),
        "LIKE": 0.0,
        "LIKE ranked": 0.0,
        "rapidfuzz": 0.0,
    }


def _used_bytes(path: Path) -> int:
    """The file's size without its free pages (dropped tables leave some)."""
    conn = sqlite3.connect(path)
    pages, free, size = (conn.execute(f"PRAGMA {name}").fetchone()[0] for name in ("page_count", "freelist_count", "page_size"))
    conn.close()
    return (pages - free) * size


# --- the methods -----------------------------------------------------------------------


def kb_search(conn):
    return lambda query: [result.id for result in search(conn, query, limit=LIMIT)]


_LIKE_TEXT = "(title || ' ' || coalesce(section, '') || ' ' || body)"


def _like_terms(query: str) -> list[str]:
    terms = [term for term in query.split() if term][:8]
    return ["%" + term.replace("%", "").replace("_", "") + "%" for term in terms]


def like_scan(conn):
    def run(query):
        params = _like_terms(query)
        if not params:
            return []
        where = " AND ".join(f"{_LIKE_TEXT} LIKE ?" for _ in params)
        return [row[0] for row in conn.execute(f"SELECT id FROM recommendations WHERE {where} LIMIT {LIMIT}", params)]

    return run


def like_ranked(conn):
    def run(query):
        params = _like_terms(query)
        if not params:
            return []
        where = " AND ".join(f"{_LIKE_TEXT} LIKE ?" for _ in params)
        order = "(title LIKE ?) DESC, (coalesce(section, '') LIKE ?) DESC, length(body), position"
        sql = f"SELECT id FROM recommendations WHERE {where} ORDER BY {order} LIMIT {LIMIT}"
        return [row[0] for row in conn.execute(sql, params + params[:1] * 2)]

    return run


def trigram(conn):
    def run(query):
        terms = [term for term in fold(query).split() if term][:8]
        long = [term for term in terms if len(term) >= 3]
        short = [term for term in terms if len(term) < 3]
        where, params = [], []
        if long:
            where.append("trigram_search MATCH ?")
            params.append(" AND ".join('"' + term.replace('"', '""') + '"' for term in long))
        for term in short:
            where.append("(title || ' ' || section || ' ' || body) LIKE ?")
            params.append(f"%{term}%")
        if not where:
            return []
        order = "ORDER BY rank" if long else ""
        sql = f"SELECT id FROM trigram_search WHERE {' AND '.join(where)} {order} LIMIT {LIMIT}"
        return [row[0] for row in conn.execute(sql, params)]

    return run


def brute_force(conn):
    rows = conn.execute("SELECT id, title, coalesce(section, ''), body FROM recommendations ORDER BY id").fetchall()
    ids = [row[0] for row in rows]
    texts = [fold(" ".join(row[1:])) for row in rows]

    def run(query):
        matches = process.extract(fold(query), texts, scorer=fuzz.partial_ratio, limit=LIMIT)
        return [ids[index] for _, _, index in matches]

    return run


METHODS = {
    "kb.read.search": kb_search,
    "LIKE": like_scan,
    "LIKE ranked": like_ranked,
    "trigram": trigram,
    "rapidfuzz": brute_force,
}
SLOW = {"rapidfuzz"}  # timed once each, on a subset of the queries
ONCE = {"LIKE ranked"}  # timed once each


# --- measuring ---------------------------------------------------------------------------


def timings(run, queries: list[str], repeat: int) -> list[float]:
    """Milliseconds per call, after one warm-up pass."""
    for query in queries:
        run(query)
    spent = []
    for _ in range(repeat):
        for query in queries:
            started = time.perf_counter()
            run(query)
            spent.append((time.perf_counter() - started) * 1000)
    return spent


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def brute_subset(labelled: list[dict], per_kind: int) -> list[str]:
    seen, chosen = {}, []
    for item in labelled:
        if seen.get(item["kind"], 0) < per_kind:
            seen[item["kind"]] = seen.get(item["kind"], 0) + 1
            chosen.append(item["query"])
    return chosen


def measure_latency(path: Path, labelled: list[dict], repeat: int, brute_per_kind: int) -> dict:
    conn = sqlite3.connect(path)
    queries = [item["query"] for item in labelled]
    subset = brute_subset(labelled, brute_per_kind)
    latency = {}
    for name, make in METHODS.items():
        started = time.perf_counter()
        run = make(conn)
        prepared = time.perf_counter() - started
        chosen = subset if name in SLOW else queries
        times = 1 if name in SLOW | ONCE else repeat
        spent = timings(run, chosen, times)
        latency[name] = {"median": statistics.median(spent), "p95": p95(spent), "calls": len(spent),
                         "queries": len(chosen), "prepare": prepared}
        print(f"  timed {name}: {len(spent)} calls", file=sys.stderr)
    latency["by_kind"] = kind_latency(conn, labelled, repeat)
    conn.close()
    return latency


def kind_latency(conn, labelled: list[dict], repeat: int) -> dict:
    run = kb_search(conn)
    by_kind = {}
    for item in labelled:
        by_kind.setdefault(item["kind"], []).extend(timings(run, [item["query"]], repeat))
    return {kind: (statistics.median(v), p95(v)) for kind, v in by_kind.items()}


def measure_recall(path: Path, labelled: list[dict]) -> dict:
    build_trigram(path)
    conn = sqlite3.connect(path)
    recall = {name: evaluate(make(conn), labelled)[0] for name, make in METHODS.items()}
    conn.close()
    return recall


# --- report ---------------------------------------------------------------------------------


def report(build: dict, size: dict, latency: dict, recall: dict, seconds: float) -> None:
    rows = build["rows"]
    print(f"\nSearch benchmark: {rows:,} rows ({rows - 93:,} synthetic + 93 real), SQLite {sqlite3.sqlite_version}")
    print(f"DB {size['file']:.1f} MB in use; the rows themselves (recommendations, its indexes) {size['recommendations']:.1f} MB")
    print(f"\n  {'method':<12}{'index MB':>9}{'build s':>9}{'median ms':>11}{'p95 ms':>9}{'calls':>7}"
          f"{'recall@10':>11}{'MRR':>7}")
    for name in METHODS:
        lat, rec = latency[name], recall[name]["overall"]
        built = build.get(name, latency[name]["prepare"])
        print(f"  {name:<12}{size[name]:>9.1f}{built:>9.1f}{lat['median']:>11.2f}{lat['p95']:>9.2f}"
              f"{lat['calls']:>7}{rec['recall'] * 100:>10.1f}%{rec['mrr']:>7.3f}")
    ours = latency["kb.read.search"]
    for name in ("LIKE", "LIKE ranked", "trigram", "rapidfuzz"):
        other = latency[name]
        print(f"  kb.read.search vs {name}: {other['median'] / ours['median']:.1f}x at the median, "
              f"{other['p95'] / ours['p95']:.1f}x at p95")
    print(f"  rapidfuzz brute force timed on {latency['rapidfuzz']['queries']} of the queries (the first two of each kind),"
          " once each; its 'build s' is the time to fold every row's text in memory")
    print("  LIKE ranked timed once per query; the others after a warm-up pass, --repeat times")
    print("  recall@10 / MRR are on the real knowledge base (93 rows, labelled queries); latency at the size above")
    print_recall_by_kind(recall)
    print("\n  kb.read.search latency by query kind (ms):  median / p95")
    for kind, (median, high) in latency["by_kind"].items():
        print(f"    {kind:<22}{median:>8.2f} / {high:.2f}")
    print(f"\nTotal benchmark time {seconds:.0f} s")


def print_recall_by_kind(recall: dict) -> None:
    kinds = [kind for kind in recall["kb.read.search"] if kind != "overall"]
    print("\n  recall@10 by kind (real KB)" + "".join(f"{name:>12}" for name in METHODS))
    for kind in kinds:
        cells = "".join(f"{recall[name][kind]['recall'] * 100:>11.0f}%" for name in METHODS)
        print(f"    {kind:<23}{cells}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="timed passes over the queries")
    parser.add_argument("--brute-per-kind", type=int, default=2, help="queries per kind for rapidfuzz at scale")
    parser.add_argument("--keep", type=Path, help="keep the synthetic database at this path")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    labelled = load_queries()
    with tempfile.TemporaryDirectory() as folder:
        real = build_search_db(Path(folder) / "real.db")
        recall = measure_recall(real, labelled)
        print("building the synthetic knowledge base…", file=sys.stderr)
        path = Path(folder) / "synthetic.db"
        build = build_synthetic(path, args.rows)
        size = sizes(path)
        latency = measure_latency(path, labelled, args.repeat, args.brute_per_kind)
        if args.keep:
            shutil.copy(path, args.keep)
    report(build, size, latency, recall, time.perf_counter() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
