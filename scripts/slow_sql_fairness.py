"""Do slow SQL queries stall everyone else's pages?

Starts ``kb serve`` on 127.0.0.1 (a free port; a copy of ``--db`` when
given, else a database built from sources/ in a temporary folder), or
targets a running one with ``--url``.  Then, twice for ``--seconds`` each:

1. quiet: one probe client requests a simple Datasette page
   (``/kb/publishers.json``) and a kb page (``/r/cma-2023-policy-address/4``)
   in turn;
2. busy: the same probe while ``--slow-clients`` (5) clients loop queries
   that each run to the time limit: a cross join, an unbounded recursive
   CTE, a long LIKE pattern and a ``_where`` subquery on a table page.

It prints p50/p95/max of each probed page in each phase, and what the slow
clients got (200, 400 for a query interrupted by the time limit, 429 when
the server turned them away).  Target: the simple page's p50 under 200 ms
with the slow clients running.

Only loopback traffic unless ``--url`` says otherwise; every request has a
timeout and every loop a deadline and a count, so the script always ends.

    python scripts/slow_sql_fairness.py [--db kb.db] [--url http://127.0.0.1:8001] [--seconds 10]
"""

import argparse
import collections
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from local_server import TIMEOUT, get, start_server, stop_server

MAX_REQUESTS_PER_CLIENT = 10_000
PROBES = {
    "simple page": "/kb/publishers.json",
    "kb page": "/r/cma-2023-policy-address/4",
}


def _sql(text: str) -> str:
    return "/kb.json?" + urllib.parse.urlencode({"sql": text})


SLOW = [
    _sql("select count(*) from document_lines a, document_lines b"),
    _sql("with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) from n"),
    _sql("select count(*) from document_lines a, document_lines b where a.text || b.text like '"
         + "%中%港" * 100 + "%x'"),
    "/kb/recommendations.json?" + urllib.parse.urlencode(
        {"_where": "id in (select a.text || b.text from document_lines a, document_lines b)"}),
]


def probe(base: str, seconds: float) -> dict[str, list[float]]:
    """One client requesting each PROBES page in turn for ``seconds``; the times of 200s, by page."""
    times = {name: [] for name in PROBES}
    deadline = time.monotonic() + seconds
    for turn in range(MAX_REQUESTS_PER_CLIENT):
        if time.monotonic() >= deadline:
            break
        name = list(PROBES)[turn % len(PROBES)]
        status, took = get(base + PROBES[name])
        if status == 200:
            times[name].append(took)
        else:
            times.setdefault(f"{name} (status {status or 'none'})", []).append(took)
        time.sleep(0.02)
    return times


def slow_clients(base: str, clients: int, stop: threading.Event, statuses: collections.Counter) -> list[threading.Thread]:
    """Start ``clients`` threads looping the SLOW queries until ``stop``."""
    lock = threading.Lock()

    def client(offset: int) -> None:
        for turn in range(offset, offset + MAX_REQUESTS_PER_CLIENT):
            if stop.is_set():
                return
            status, _ = get(base + SLOW[turn % len(SLOW)])
            with lock:
                statuses[status] += 1
            if status == 429:  # turned away: wait as a polite client would
                stop.wait(0.2)

    threads = [threading.Thread(target=client, args=(index,), daemon=True) for index in range(clients)]
    for thread in threads:
        thread.start()
    return threads


def report(phase: str, times: dict[str, list[float]]) -> None:
    print(f"\n{phase}:")
    print(f"  {'page':34} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, took in times.items():
        if not took:
            continue
        p95 = statistics.quantiles(took, n=20)[18] if len(took) > 1 else took[0]
        print(f"  {name:34} {len(took):8} {statistics.median(took) * 1000:8.0f} {p95 * 1000:8.0f} {max(took) * 1000:8.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="a running kb serve to target (default: start one on 127.0.0.1)")
    parser.add_argument("--db", type=Path, help="a built database to serve a copy of (default: build one)")
    parser.add_argument("--seconds", type=float, default=10, help="length of each phase")
    parser.add_argument("--slow-clients", type=int, default=5, help="clients looping slow queries")
    args = parser.parse_args()
    seconds, clients = min(args.seconds, 120), min(args.slow_clients, 50)
    with tempfile.TemporaryDirectory() as folder:
        server, base = (None, args.url.rstrip("/")) if args.url else start_server(Path(folder), args.db)
        try:
            for path in PROBES.values():  # warm up: first requests open connections, count tables
                get(base + path)
            report(f"quiet ({seconds:g}s, no slow clients)", probe(base, seconds))
            stop, statuses = threading.Event(), collections.Counter()
            threads = slow_clients(base, clients, stop, statuses)
            time.sleep(1)  # let them fill whatever they can fill
            busy = probe(base, seconds)
            stop.set()
            for thread in threads:
                thread.join(timeout=TIMEOUT + 5)
            report(f"busy ({seconds:g}s, {clients} clients looping slow SQL)", busy)
            print("\n  slow clients' answers: " + ", ".join(f"{status or 'no answer'}: {count}" for status, count in sorted(statuses.items())))
            failed = sum(count for status, count in statuses.items() if status >= 500 or status == 0)
            simple = busy.get("simple page") or [float("inf")]
            p50 = statistics.median(simple) * 1000
            print(f"  simple page p50 with slow clients: {p50:.0f} ms (target under 200 ms); slow requests 5xx or failed: {failed}")
        finally:
            if server is not None:
                stop_server(server)
    sys.exit(0 if failed == 0 and p50 < 200 else 1)


if __name__ == "__main__":
    main()
