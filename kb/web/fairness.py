"""Slow SQL from one visitor must not stall everyone else's pages.

Datasette runs every query of every request in one pool of threads
(``num_sql_threads``, 3), first come first served, and every query may run
for the time limit (1 s).  Five clients sending SQL that runs to the limit
keep all three threads busy, and a simple page, whose few queries each wait
behind theirs, takes seconds.

So kb splits the pool.  A request that brings its own SQL (``OPEN_SQL_ARGS``:
``?sql=`` on the database or a query, ``_where``, pattern filters such as
``__like`` and ``__glob``, ``_search``) is *open SQL*: it runs on its own
small pool of ``OPEN_SQL_THREADS`` threads, and at most that many such
requests run at once; up to ``OPEN_SQL_WAITING`` more wait their turn for at
most ``OPEN_SQL_WAIT_SECONDS``, and the rest are answered 429 Too Many
Requests with ``Retry-After``.  Every other request (kb's pages, Datasette's
table and row pages) keeps Datasette's threads to itself, so it never waits
behind open SQL.

The split is made by ``SplitExecutor``: Datasette hands each query to
``datasette.executor`` from the request's own task, so a context variable
the ASGI wrapper sets for open-SQL requests tells it which pool to use.
"""

import asyncio
import collections
import contextvars
from concurrent.futures import Executor, ThreadPoolExecutor
from urllib.parse import parse_qsl

OPEN_SQL_THREADS = 1
OPEN_SQL_WAITING = 8
OPEN_SQL_WAIT_SECONDS = 10
RETRY_AFTER_SECONDS = 2
# Query arguments that put the visitor's own SQL, or a pattern of their own
# making, into the query Datasette runs.
OPEN_SQL_ARGS = {"sql", "_where", "_search"}
PATTERN_FILTERS = ("__contains", "__endswith", "__startswith", "__like", "__notlike", "__glob")

_open_sql = contextvars.ContextVar("kb_open_sql", default=False)


class SplitExecutor(Executor):
    """Datasette's executor for kb: open SQL on its own pool, the rest on Datasette's."""

    def __init__(self, pages: Executor, open_sql: Executor):
        self.pages = pages
        self.open_sql = open_sql

    def submit(self, fn, /, *args, **kwargs):
        pool = self.open_sql if _open_sql.get() else self.pages
        return pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait=True, *, cancel_futures=False):
        self.pages.shutdown(wait=wait, cancel_futures=cancel_futures)
        self.open_sql.shutdown(wait=wait, cancel_futures=cancel_futures)


def is_open_sql(scope) -> bool:
    """Whether the request brings SQL (or a pattern) of its own: see OPEN_SQL_ARGS."""
    if scope.get("type") != "http" or scope.get("path", "").startswith("/-/"):
        return False
    query = scope.get("query_string", b"").decode("latin-1")
    for key, _ in parse_qsl(query, keep_blank_values=True):
        if key in OPEN_SQL_ARGS or key.startswith("_search_") or key.endswith(PATTERN_FILTERS):
            return True
    return False


def fair_sql(datasette):
    """The ASGI wrapper: give Datasette a SplitExecutor, and admit open-SQL
    requests ``OPEN_SQL_THREADS`` at a time."""
    if datasette.executor is not None and not isinstance(datasette.executor, SplitExecutor):
        datasette.executor = SplitExecutor(
            datasette.executor, ThreadPoolExecutor(max_workers=OPEN_SQL_THREADS, thread_name_prefix="kb-open-sql")
        )
    admission = Admission(OPEN_SQL_THREADS, OPEN_SQL_WAITING, OPEN_SQL_WAIT_SECONDS)

    def wrap(app):
        async def fair_app(scope, receive, send):
            if not is_open_sql(scope):
                return await app(scope, receive, send)
            if not await admission.enter():
                return await too_many_requests(send)
            token = _open_sql.set(True)
            try:
                await app(scope, receive, send)
            finally:
                _open_sql.reset(token)
                admission.leave()

        return fair_app

    return wrap


class Admission:
    """At most ``running`` at once, first come first served; ``waiting``
    more in line, each for at most ``seconds``."""

    def __init__(self, running: int, waiting: int, seconds: float):
        self.running, self.waiting, self.seconds = running, waiting, seconds
        self.active = 0
        self.line: collections.deque = collections.deque()

    async def enter(self) -> bool:
        """Wait for a turn: True once it is this request's, False if the line
        is full or the wait too long."""
        if self.active < self.running and not self.line:
            self.active += 1
            return True
        if len(self.line) >= self.waiting:
            return False
        turn = asyncio.get_running_loop().create_future()
        self.line.append(turn)
        try:
            await asyncio.wait_for(turn, self.seconds)
        except asyncio.TimeoutError:
            pass
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.leave()
            raise
        finally:
            if turn in self.line:
                self.line.remove(turn)
        # A turn handed over just as the wait ran out is still this request's.
        return turn.done() and not turn.cancelled()

    def leave(self) -> None:
        """Hand this request's turn to the first still waiting, or free it."""
        while self.line:
            turn = self.line.popleft()
            if not turn.done():
                turn.set_result(True)
                return
        self.active -= 1


async def too_many_requests(send) -> None:
    body = (
        f"Too many SQL queries are running: try again in {RETRY_AFTER_SECONDS} seconds. "
        "Queries of your own run a few at a time so that the site's pages stay fast.\n"
    ).encode("utf-8")
    await send({
        "type": "http.response.start",
        "status": 429,
        "headers": [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
            (b"content-length", str(len(body)).encode()),
        ],
    })
    await send({"type": "http.response.body", "body": body})
