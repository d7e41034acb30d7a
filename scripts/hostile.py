"""Hostile requests and load against a served knowledge base.

Starts ``kb serve`` on 127.0.0.1 (a free port, a database built from
sources/ in a temporary folder), or targets a running one with ``--url``.
Then:

1. replays requests an attacker or a careless link would send (huge SQL
   strings, unbounded recursion, numbers too large, unicode digits, null
   characters, sorts and facets on no such column, long queries), printing
   each one's status and time, the count of 5xx responses and the slowest;
2. runs ``--clients`` concurrent clients (20) for ``--seconds`` (30) against
   the search page, a recommendation page and the comparison page, printing
   the errors and p50/p95 per page;
3. asks for ``.excelcsv`` of every table and view, and for CSV of cells
   that a spreadsheet would run as formulas, counting answers that are not
   200 or that hand back such a cell as it was;
4. runs five clients looping SQL that runs to the time limit while timing
   a simple page, printing its p50/p95 (it must stay under a second).

Every request has a timeout and the load is bounded in time and count, so
the script always ends.  It prints figures and exits 1 if any request got a
5xx (or failed), or the slowest hostile request took over 2 s.

    python scripts/hostile.py [--url http://127.0.0.1:8001] [--clients 20] [--seconds 30]
"""

import argparse
import collections
import csv
import io
import json
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from local_server import TIMEOUT, get, start_server, stop_server
from slow_sql_fairness import slow_clients

MAX_LOAD_REQUESTS = 200_000
SLOWEST_ALLOWED = 2.0


def sql(text: str) -> str:
    return "/kb.json?" + urllib.parse.urlencode({"sql": text})


HOSTILE = [
    # from the issue
    sql("select kb_fuzzy_score(printf('%.*c',1500,'a'),printf('%.*c',100000,'b'))"),
    sql("select kb_fuzzy_score(printf('%.*c',3000,'a'),printf('%.*c',3000000,'b'))"),
    sql("select length(printf('%.*c',2000000000,'x'))"),
    sql("select length(randomblob(1e9))"),
    "/-/search?q=%E4%B8%AD%E5%B0%8F%E4%BC%81&year=99999999999999999999999",
    "/-/search?q=%E4%B8%AD%E5%B0%8F%E4%BC%81&year=%C2%B2",
    "/-/search?q=%E4%B8%AD%E5%B0%8F%E4%BC%81&limit=%C2%B2",
    "/kb/recommendations?_sort=zzz",
    "/kb/recommendations?_facet=%00",
    # plain SQLite
    sql("select length(zeroblob(2000000000))"),
    sql("select length(printf('%2000000000c','x'))"),
    sql("select length(format('%.*c',2000000000,'x'))"),
    sql("select length(replace(hex(randomblob(4000000)),'0','0000000000'))"),
    sql("with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) from n"),
    sql("with recursive s(t) as (select 'x' union all select t || t from s) select length(t) from s"),
    sql("select count(*) from document_lines a, document_lines b, document_lines c"),
    sql("select group_concat(a.text) from document_lines a, document_lines b"),
    sql("select kb_bigrams(group_concat(text)) from document_lines"),
    sql("select kb_normalize(printf('%.*c', 9000000, '﷽'))"),
    sql("select kb_fuzzy_score(group_concat(text), group_concat(text)) from document_lines"),
    sql("select kb_search_match(printf('%.*c', 5000000, '('))"),
    sql("select " + " + ".join(["1"] * 2000)),
    sql("select 1 " + "union all select 1 " * 600),
    sql("select * from recommendations where title like '" + "%a" * 30000 + "'"),
    sql("select 1;" * 10),
    sql("attach database ':memory:' as x"),
    sql("select load_extension('/tmp/x')"),
    "/kb.json?sql=" + "x" * 200_000,
    # Datasette's table and row pages
    "/kb/recommendations?_facet=%00&_facet=zzz",
    "/kb/recommendations.json?_sort_desc=zzz",
    "/kb/recommendations.json?_sort=title&_sort_desc=title",
    "/kb/recommendations.json?_size=99999999999999999999999",
    "/kb/recommendations.json?_size=max&_next=%00",
    "/kb/recommendations.json?_next=99999999999999999999999999",
    "/kb/recommendations.json?_col=zzz",
    "/kb/recommendations.json?_nocol=id",
    "/kb/recommendations.json?_where=1%3D1",
    "/kb/recommendations.json?_facet_array=zzz",
    "/kb/recommendations.json?_facet_date=zzz",
    "/kb/recommendations.json?year__gt=99999999999999999999999",
    "/kb/recommendations.json?title__contains=" + "a" * 5000,
    "/kb/recommendations.json?_search=%22",
    "/kb/recommendations.json?_through=%7B%22table%22%3A%22zzz%22%7D",
    "/kb/recommendations.json?_through=%7Bbad",
    "/kb/recommendations.json?_through=%5B1%5D",
    "/kb/recommendations.json?" + urllib.parse.urlencode({"_through": '{"table": "recommendation_areas", "column": "area_id", "value": "trade"}'}),
    "/kb/recommendations/%00",
    "/kb/recommendations/" + "a" * 10_000,
    "/kb/document_lines.csv?_stream=on&_size=max",
    "/kb/zzz",
    "/zzz/recommendations",
    # kb's own pages
    "/-/search?q=" + urllib.parse.quote("中" * 100_000),
    "/-/search?q=%00%1b%5b31m",
    "/-/search?q=NEAR(%E4%B8%AD%20AND",
    "/-/search?q=*&publisher=%00&document=" + "x" * 5000,
    "/-/search?q=%E4%B8%AD%E5%B0%8F%E4%BC%81&page=99999999999999999999",
    "/-/search?q=%E4%B8%AD%E5%B0%8F%E4%BC%81&page=%C2%B2",
    "/-/search.json?q=%ED%A0%80",
    "/-/search.csv?q=%E4%B8%AD%E5%B0%8F%E4%BC%81&year=%C2%B2",
    "/-/source/%00",
    "/-/source/cma-2023-policy-address?lines=1-999999",
    "/-/source/cma-2023-policy-address?lines=999999-1&id=%00",
    "/-/compare?a=%00&b=zzz",
    "/-/compare?a=cma-2023-policy-address&b=cma-2023-policy-address",
    "/-/compare?a=cma-2024-budget&b=cma-2023-policy-address",
    "/-/thread/%00",
    "/-/thread/" + "a/" * 3000,
    "/-/original/%00",
    "/-/original/..%2F..%2F..%2Fetc%2Fpasswd",
    "/-/original/cma-2023-policy-address",
    "/-/source/..%2Fmanifest.yml",
    "/-/areas/zzz",
    "/-/areas?by=%00",
    "/r/%00/%00",
    "/r/cma-2023-policy-address/99999999999999999999",
]
LOAD = {
    "search": "/-/search?q=%E4%B8%AD%E5%B0%8F%E4%BC%81",
    "recommendation": "/kb/recommendations/cma-2023-policy-address~2F5",
    "compare": "/-/compare?a=cma-2023-policy-address&b=cma-2024-budget",
}


def replay(base: str) -> tuple[int, float]:
    """Send every hostile request; the count of 5xx (or failed) and the slowest time."""
    failures, slowest = 0, 0.0
    print(f"{'status':>6} {'seconds':>8}  request")
    for path in HOSTILE:
        status, seconds = get(base + path)
        failures += status >= 500 or status == 0
        slowest = max(slowest, seconds)
        shown = path if len(path) <= 100 else f"{path[:80]}… ({len(path)} characters)"
        print(f"{status:>6} {seconds:8.3f}  {shown}", flush=True)
    print(f"\n{len(HOSTILE)} hostile requests: {failures} answered 5xx or failed; slowest {slowest:.2f}s")
    return failures, slowest


def load(base: str, clients: int, seconds: float) -> int:
    """``clients`` threads requesting the LOAD pages in turn for ``seconds``; returns the error count."""
    times = {name: [] for name in LOAD}
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    sent = [0]

    def client(offset: int) -> None:
        names = list(LOAD)
        turn = offset
        while time.monotonic() < deadline:
            with lock:
                if sent[0] >= MAX_LOAD_REQUESTS:
                    return
                sent[0] += 1
            name = names[turn % len(names)]
            turn += 1
            status, took = get(base + LOAD[name])
            with lock:
                times[name].append(took)
                if status != 200:
                    errors.append(f"{name}: {status or 'no answer'}")

    threads = [threading.Thread(target=client, args=(index,)) for index in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"\n{clients} clients for {seconds:g}s:")
    print(f"{'page':16} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, took in times.items():
        if took:
            p95 = statistics.quantiles(took, n=20)[18] if len(took) > 1 else took[0]
            print(f"{name:16} {len(took):8} {statistics.median(took) * 1000:8.0f} {p95 * 1000:8.0f} {max(took) * 1000:8.0f}")
    total = sum(len(took) for took in times.values())
    print(f"{total} requests, {len(errors)} errors" + (f": {', '.join(sorted(set(errors)))}" if errors else ""))
    return len(errors)


FORMULA_CELLS = ["=HYPERLINK(\"http://example.com\",\"x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)"]
INJECTION_SQL = "select " + ", ".join(f"'{cell.replace(chr(39), chr(39) * 2)}' as c{index}" for index, cell in enumerate(FORMULA_CELLS))
SIMPLE_PAGE = "/kb/publishers.json"


def fetch(url: str) -> tuple[int, str]:
    """Status (0 when the request failed) and body text of one GET."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, ""
    except OSError:
        return 0, ""


def exports(base: str) -> int:
    """.excelcsv of every table and view, and formula cells in every CSV; the count of failures."""
    status, text = fetch(base + "/kb.json")
    found = json.loads(text) if status == 200 else {}
    names = [item["name"] for item in found.get("tables", []) + found.get("views", [])]
    paths = [f"/kb/{urllib.parse.quote(name)}.excelcsv" for name in names]
    query = urllib.parse.urlencode({"sql": INJECTION_SQL})
    injections = [f"/kb.csv?{query}", f"/kb.excelcsv?{query}", f"/kb.csv?{query}&_dl=1", "/kb.excelcsv?sql=select+1"]
    failures = 0
    print(f"\n{'status':>6}  export")
    for path in paths + injections:
        status, text = fetch(base + path)
        cells = [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")) for cell in row]
        formulas = [cell for cell in cells if cell in FORMULA_CELLS]
        failed = status != 200 or bool(formulas) or not cells
        failures += failed
        print(f"{status:>6}  {path if len(path) <= 100 else path[:80] + '…'}" + (f"  formula cells left: {formulas}" if formulas else ""))
    print(f"{len(paths)} tables and views as .excelcsv, {len(injections)} CSV with formula cells: {failures} failed")
    return failures


def slow_sql_in_parallel(base: str, clients: int = 5, seconds: float = 10) -> tuple[int, float]:
    """``clients`` threads looping slow SQL (slow_sql_fairness.SLOW) while one
    times SIMPLE_PAGE; the 5xx count and the simple page's p50."""
    stop, statuses = threading.Event(), collections.Counter()
    threads = slow_clients(base, clients, stop, statuses)
    times, failures = [], 0
    try:
        time.sleep(1)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and len(times) < 10_000:
            status, took = get(base + SIMPLE_PAGE)
            failures += status != 200
            times.append(took)
            time.sleep(0.02)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=TIMEOUT + 5)
    failures += sum(count for status, count in statuses.items() if status >= 500 or status == 0)
    p50 = statistics.median(times)
    p95 = statistics.quantiles(times, n=20)[18] if len(times) > 1 else times[0]
    answers = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
    print(f"\n{clients} clients looping slow SQL for {seconds:g}s ({answers}): {SIMPLE_PAGE} "
          f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms over {len(times)} requests; {failures} 5xx or failed")
    return failures, p50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="a running kb serve to target (default: start one on 127.0.0.1)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients of the load test")
    parser.add_argument("--seconds", type=float, default=30, help="length of the load test")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        server, base = (None, args.url.rstrip("/")) if args.url else start_server(Path(folder))
        try:
            failures, slowest = replay(base)
            errors = load(base, min(args.clients, 100), min(args.seconds, 600))
            errors += exports(base)
            slow_failures, simple_p50 = slow_sql_in_parallel(base)
            errors += slow_failures + (simple_p50 > 1.0)
        finally:
            if server is not None:
                print(f"\nkb serve stopped {stop_server(server):.2f}s after SIGTERM (exit status {server.returncode})")
    sys.exit(1 if failures or errors or slowest > SLOWEST_ALLOWED else 0)


if __name__ == "__main__":
    main()
