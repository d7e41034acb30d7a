"""Slow SQL from some clients does not stall the pages of others: open SQL
runs on threads of its own, a few requests at a time, and errors do not
hold the event loop."""

import asyncio
import collections
import statistics
import sys
import threading
import time

import pytest

from kb.web import fairness
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from local_server import get, start_server, stop_server  # noqa: E402
from slow_sql_fairness import slow_clients  # noqa: E402


def _scope(path, query=""):
    return {"type": "http", "path": path, "query_string": query.encode()}


@pytest.mark.parametrize(
    "path,query,expected",
    [
        ("/kb", "sql=select+1", True),
        ("/kb.csv", "sql=select+1", True),
        ("/kb/recommendations.json", "_where=1%3D1", True),
        ("/kb/document_lines", "text__like=%25a%25", True),
        ("/kb/document_lines", "text__glob=*a*", True),
        ("/kb/recommendations", "title__contains=x", True),
        ("/kb/recommendations", "_search=x", True),
        ("/kb/publishers.json", "", False),
        ("/kb/recommendations", "year=2023&_sort=title&_facet=kind", False),
        ("/r/cma-2023-policy-address/4", "", False),
        ("/-/search", "q=sql", False),
        ("/-/search", "sql=x", False),
    ],
)
def test_requests_bringing_their_own_sql_are_open_sql(path, query, expected):
    assert fairness.is_open_sql(_scope(path, query)) is expected


async def test_admission_runs_a_few_at_a_time_queues_some_and_refuses_the_rest():
    admission = fairness.Admission(running=1, waiting=2, seconds=0.2)
    assert await admission.enter()
    second = asyncio.create_task(admission.enter())
    third = asyncio.create_task(admission.enter())
    await asyncio.sleep(0)
    assert not await admission.enter()  # the line is full
    admission.leave()  # the first hands its turn to the second
    assert await second
    assert not await third  # waited longer than 0.2 s
    admission.leave()
    assert admission.active == 0 and not admission.line


async def test_a_refused_request_is_429_with_retry_after():
    sent = []

    async def send(message):
        sent.append(message)

    await fairness.too_many_requests(send)
    headers = dict(sent[0]["headers"])
    assert sent[0]["status"] == 429 and headers[b"retry-after"] == str(fairness.RETRY_AFTER_SECONDS).encode()


@pytest.fixture
def server(built_db, tmp_path):
    """kb serve on 127.0.0.1, running this checkout's code (scripts/local_server.py)."""
    process, base = start_server(tmp_path, built_db)
    yield base
    stop_server(process)


def test_a_simple_page_stays_fast_while_five_clients_run_slow_sql(server):
    get(server + "/kb/publishers.json")
    stop, statuses = threading.Event(), collections.Counter()
    clients = slow_clients(server, 5, stop, statuses)
    try:
        time.sleep(1)
        times = []
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline and len(times) < 200:
            status, took = get(server + "/kb/publishers.json")
            assert status == 200
            times.append(took)
            time.sleep(0.02)
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=60)
    # Without the split, each simple page waited seconds behind the slow
    # queries; the bound is generous for a busy machine.
    assert statistics.median(times) < 1.0, times
    assert statuses and set(statuses) <= {200, 400, 429}, statuses
