"""How fast ``kb serve`` answers: the first request after start, one client,
many clients, and a repeat with its ETag.

Starts ``--processes`` ``kb serve`` processes on a built database (children,
as they run in production: uvicorn, one process each; the clients take them
in turn, as a round-robin load balancer would), then:

* the first request: seconds from starting a process to its first answered
  kb page;
* one client: p50/p95 of each kind of page (search, a recommendation, a
  government paragraph, the comparison of two documents, the recommendations
  table), ``--requests`` pages of each kind, every one a page not asked for
  before (made, not answered from the page cache);
* ``--clients`` concurrent clients for ``--seconds`` over a mix of the same
  kinds of pages (``--pages`` of each kind, so a page is asked for again
  and again, as on a site): requests per second, errors (any answer but 200,
  or no answer within 30 s), p50/p95 of each kind;
* a repeat of a page with its ETag, which should be answered 304.

It prints the machine's load average before and after, and the servers' CPU
time.

    python scripts/serve_throughput.py --db kb.db [--sources sources] [--clients 20] [--seconds 30] [--processes 1]

The machine's other load counts: compare figures measured in one run.
"""

import argparse
import asyncio
import os
import random
import re
import resource
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 30
KINDS = ("search", "recommendation page", "government paragraph page", "comparison page", "recommendations table")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def page_urls(db: Path, count: int, seed: int) -> dict[str, list[str]]:
    """``count`` URLs of each kind of page, chosen at random (``seed``)."""
    from datasette.utils import tilde_encode

    rng = random.Random(seed)
    with sqlite3.connect(db) as conn:
        ids = [r[0] for r in conn.execute("select id from recommendations where parent_id is null")]
        titles = [r[0] for r in conn.execute("select title from recommendations where parent_id is null")]
        paragraphs = [r[0] for r in conn.execute("select distinct paragraph_id from responses")]
        documents = conn.execute("select id, publisher_id from documents order by year, id").fetchall()
    last, pairs = {}, []
    for document_id, publisher_id in documents:  # consecutive documents of one publisher
        if publisher_id in last:
            pairs.append((last[publisher_id], document_id))
        last[publisher_id] = document_id
    words = sorted({word for title in titles for word in re.findall(r"[\u4e00-\u9fff]{2,4}", title)})
    name = db.stem

    def some(items):
        return rng.sample(items, min(count, len(items)))

    return {
        "search": [f"/-/search?q={quote(word)}" for word in some(words)],
        "recommendation page": [f"/{name}/recommendations/{tilde_encode(i)}" for i in some(ids)],
        "government paragraph page": [f"/{name}/paragraphs/{tilde_encode(i)}" for i in some(paragraphs)],
        "comparison page": [f"/-/compare?a={a}&b={b}" for a, b in some(pairs)],
        "recommendations table": [f"/{name}/recommendations"] + [f"/{name}/recommendations?_sort=year&year={y}"
                                                                  for y in range(2020, 2020 + count - 1)],
    }


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times) or [0.0]
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def one_client(bases: list[str], pages: dict[str, list[str]]) -> dict[str, list[float]]:
    """Each page once, one after the other: seconds per kind."""
    times = {kind: [] for kind in pages}
    async with httpx.AsyncClient(timeout=TIMEOUT) as http:
        for kind, urls in pages.items():
            for n, url in enumerate(urls):
                started = time.perf_counter()
                response = await http.get(bases[n % len(bases)] + url)
                if response.status_code != 200:
                    raise SystemExit(f"GET {url}: {response.status_code}")
                times[kind].append(time.perf_counter() - started)
    return times


async def client(bases: list[str], urls: list[tuple[str, str]], until: float, times: dict, errors: list, seed: int) -> None:
    rng = random.Random(seed)
    async with httpx.AsyncClient(timeout=TIMEOUT) as http:
        n = seed
        while time.perf_counter() < until:
            kind, url = rng.choice(urls)
            n += 1
            started = time.perf_counter()
            try:
                response = await http.get(bases[n % len(bases)] + url)
                status = response.status_code
            except httpx.HTTPError as error:
                status = type(error).__name__
            if status != 200:
                errors.append((url, status))
                continue
            times[kind].append(time.perf_counter() - started)


async def many_clients(bases: list[str], pages: dict[str, list[str]], clients: int, seconds: float):
    urls = [(kind, url) for kind, found in pages.items() for url in found]
    times: dict[str, list[float]] = {kind: [] for kind in pages}
    errors: list = []
    until = time.perf_counter() + seconds
    await asyncio.gather(*(client(bases, urls, until, times, errors, n) for n in range(clients)))
    return times, errors


def repeat_status(base: str, url: str) -> tuple[str, int]:
    first = httpx.get(base + url, timeout=TIMEOUT)
    tag = first.headers.get("etag", "")
    return tag, httpx.get(base + url, headers={"if-none-match": tag}, timeout=TIMEOUT).status_code


def start(db: Path, sources: Path, first_url: str) -> tuple[subprocess.Popen, str, float]:
    """A ``kb serve`` process, its address, and the seconds from its start to its first answered ``first_url``."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "kb", "serve", "-d", str(db), "-s", str(sources), "-p", str(port),
               "-m", str(ROOT / "metadata.yml")]
    log = tempfile.TemporaryFile("w+")  # the access log: a pipe nobody reads would fill and stall the server
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    deadline = started + 300
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise SystemExit(f"kb serve stopped:\n{log.read()[-4000:]}")
        try:
            if httpx.get(base + first_url, timeout=TIMEOUT).status_code == 200:
                return process, base, time.perf_counter() - started
        except httpx.HTTPError:
            time.sleep(0.05)
    raise SystemExit("kb serve did not start")


def load_average() -> str:
    return "/".join(f"{n:.2f}" for n in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="a built database")
    parser.add_argument("--sources", type=Path, default=ROOT / "sources", help="the sources it was built from")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--processes", type=int, default=1, help="kb serve processes, taken in turn")
    parser.add_argument("--requests", type=int, default=40, help="pages of each kind for the one client")
    parser.add_argument("--pages", type=int, default=50, help="pages of each kind in the many clients' mix")
    args = parser.parse_args()
    print(f"load average (1/5/15 min) at start: {load_average()} on {os.cpu_count()} cores")
    single = page_urls(args.db, args.requests, seed=1)
    mix = page_urls(args.db, args.pages, seed=2)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    servers = [start(args.db, args.sources, mix["recommendation page"][0]) for _ in range(args.processes)]
    bases = [base for _, base, _ in servers]
    try:
        for _, _, first in servers:
            print(f"first request (a recommendation page) {first:.2f} s after starting kb serve")
        for kind, found in asyncio.run(one_client(bases, single)).items():
            p50, p95 = percentiles(found)
            print(f"one client, {kind}: {len(found)} pages, p50 {1000 * p50:.1f} ms, p95 {1000 * p95:.1f} ms")
        times, errors = asyncio.run(many_clients(bases, mix, args.clients, args.seconds))
        tag, status = repeat_status(bases[0], mix["recommendation page"][1])
    finally:
        for process, _, _ in servers:
            process.terminate()
            process.wait(timeout=30)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = sum(len(found) for found in times.values())
    every = [t for found in times.values() for t in found]
    p50, p95 = percentiles(every)
    print(f"{args.clients} clients for {args.seconds:.0f} s on {args.processes} kb serve process(es): "
          f"{total / args.seconds:.1f} requests/s answered 200, {len(errors)} errors, p50 {1000 * p50:.0f} ms, p95 {1000 * p95:.0f} ms")
    for kind, found in times.items():
        k50, k95 = percentiles(found)
        print(f"  {kind}: {len(found)} requests, p50 {1000 * k50:.0f} ms, p95 {1000 * k95:.0f} ms")
    for url, error in errors[:5]:
        print(f"  error: GET {url}: {error}")
    print(f"repeat with its ETag {tag}: {status}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"servers' CPU: {cpu:.1f} s; load average at end: {load_average()}")


if __name__ == "__main__":
    main()
