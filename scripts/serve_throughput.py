"""How many requests one ``kb serve`` process answers per second.

Starts ``kb serve`` on a built database (a child process, as it runs in
production: uvicorn, one process), then keeps ``--clients`` concurrent
clients requesting recommendation pages, comparison pages and the
recommendations table in turn for ``--seconds``, and prints requests per
second with p50/p95 latency for each kind of page.

    python scripts/serve_throughput.py --db kb.db [--sources sources] [--clients 8] [--seconds 20]

The machine's other load counts: compare figures measured in one run.
"""

import argparse
import asyncio
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def page_urls(db: Path) -> dict[str, list[str]]:
    from datasette.utils import tilde_encode

    with sqlite3.connect(db) as conn:
        ids = [r[0] for r in conn.execute("select id from recommendations where parent_id is null order by random() limit 50")]
        documents = conn.execute("select id, publisher_id from documents order by year, id").fetchall()
    last, pairs = {}, []
    for document_id, publisher_id in documents:
        if publisher_id in last:
            pairs.append((last[publisher_id], document_id))
        last[publisher_id] = document_id
    return {
        "recommendation page": [f"/{db.stem}/recommendations/{tilde_encode(i)}" for i in ids],
        "comparison page": [f"/-/compare?a={a}&b={b}" for a, b in pairs[:20]],
        "recommendations table": [f"/{db.stem}/recommendations"],
    }


async def client(base: str, urls: list[tuple[str, str]], until: float, times: dict[str, list[float]]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        rng = random.Random()
        while time.perf_counter() < until:
            kind, url = rng.choice(urls)
            started = time.perf_counter()
            response = await http.get(url)
            if response.status_code != 200:
                raise SystemExit(f"GET {url}: {response.status_code}")
            times[kind].append(time.perf_counter() - started)


async def load(base: str, pages: dict[str, list[str]], clients: int, seconds: float) -> dict[str, list[float]]:
    urls = [(kind, url) for kind, found in pages.items() for url in found for _ in range(max(1, 50 // len(found)))]
    times: dict[str, list[float]] = {kind: [] for kind in pages}
    until = time.perf_counter() + seconds
    await asyncio.gather(*(client(base, urls, until, times) for _ in range(clients)))
    return times


def wait_for(base: str, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"kb serve stopped:\n{process.stdout.read()}")
        try:
            if httpx.get(base + "/-/versions.json", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.5)
    raise SystemExit("kb serve did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="a built database")
    parser.add_argument("--sources", type=Path, default=ROOT / "sources", help="the sources it was built from")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "kb", "serve", "-d", str(args.db), "-s", str(args.sources), "-p", str(port),
               "-m", str(ROOT / "metadata.yml")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    try:
        wait_for(base, process)
        times = asyncio.run(load(base, page_urls(args.db), args.clients, args.seconds))
    finally:
        process.terminate()
        process.wait(timeout=30)
    total = sum(len(found) for found in times.values())
    print(f"{args.clients} clients for {args.seconds:.0f} s: {total / args.seconds:.1f} requests/s in all")
    for kind, found in times.items():
        ordered = sorted(found)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else 0
        print(f"  {kind}: {len(found)} requests, p50 {1000 * statistics.median(ordered or [0]):.0f} ms, p95 {1000 * p95:.0f} ms")


if __name__ == "__main__":
    main()
