"""Pages cached by the build they were made from.

A served knowledge base is never written between builds, so a page is the
same for everyone until the next build: every anonymous GET answered 200
carries an ``ETag`` (a hash of the database's build, the code and settings
that render it, and the page's URL) and ``Cache-Control``; a repeat with
``If-None-Match`` is answered 304 without rendering the page, and the page
itself is kept in this process (``PageCache``) and answered from memory the
next time anyone asks for it.

Only a database served immutable (``kb serve`` serves it so) is cached: a
database opened for writing may change under its pages.  The build is read
from the served file's ``build_info`` table, looked up
again whenever the file changes (its inode, size or modification time), so
a database swapped at run time gives new ETags and misses the cache.

Never cached, and given no ETag: a request that is not a GET, one that
carries a cookie or an ``Authorization`` header (a signed-in visitor's page
is their own), a response that sets a cookie or whose own ``Cache-Control``
says ``private``, ``no-store`` or ``no-cache``, anything but a 200, and Datasette's pages
about the running process (``UNCACHED_PATHS``).
"""

import hashlib
import json
import os
import sqlite3
from collections import OrderedDict
from pathlib import Path

import datasette as datasette_package

import kb
from kb.web import navigation

# What a browser or a cache in front may do with a page: keep it for a
# minute, then ask again (a new build answers a different ETag).
CACHE_CONTROL = b"public, max-age=60"
CACHE_BYTES = 64 * 1024 * 1024  # the pages kept in one process, in all
PAGE_BYTES = 1024 * 1024  # a larger page (a long export) is sent, not kept
COUNT_LIMIT_MS = 20  # for counting the rows of one table when the server starts
# Datasette's pages about the running process, the visitor or the session, not the build.
UNCACHED_PATHS = ("/-/threads", "/-/actor", "/-/messages", "/-/permissions", "/-/allow-debug", "/-/login",
                  "/-/logout", "/-/auth-token", "/-/create-token", "/-/debug")
_PRIVATE_HEADERS = {b"cookie", b"authorization"}
_PRIVATE_CACHE_CONTROL = (b"private", b"no-store", b"no-cache")
_WEB_ROOT = Path(__file__).parent


class PageCache:
    """Rendered pages, least recently used first out, within ``limit`` bytes."""

    def __init__(self, limit: int = CACHE_BYTES):
        self.limit = limit
        self.size = 0
        self.pages: OrderedDict[tuple, tuple[int, list, bytes]] = OrderedDict()

    def get(self, key: tuple):
        page = self.pages.get(key)
        if page is not None:
            self.pages.move_to_end(key)
        return page

    def put(self, key: tuple, status: int, headers: list, body: bytes) -> None:
        if len(body) > PAGE_BYTES or key in self.pages:
            return
        self.pages[key] = (status, headers, body)
        self.size += len(body)
        while self.size > self.limit:
            _, (_, _, dropped) = self.pages.popitem(last=False)
            self.size -= len(dropped)


class BuildIds:
    """The build of a database file, read from its ``build_info`` once per
    version of the file."""

    def __init__(self):
        self.known: dict[tuple, str | None] = {}

    def of(self, path: str | None) -> str | None:
        if not path:
            return None
        try:
            status = os.stat(path)
        except OSError:
            return None
        version = (path, status.st_ino, status.st_size, status.st_mtime_ns)
        if version not in self.known:
            self.known = {version: read_build_id(path)}
        return self.known[version]


def read_build_id(path: str) -> str | None:
    """A hash of every key and value of the file's ``build_info``, or None
    when it has none (a database kb did not build).  Each key and value is
    hashed as it is read, its length first: the values run to tens of MB at
    thousands of documents, and the first request waits for this."""
    digest, found = hashlib.sha256(), False
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            for key, value in conn.execute("select key, value from build_info order by key"):
                found = True
                for part in (key, value):
                    data = str(part if part is not None else "").encode()
                    digest.update(len(data).to_bytes(8, "big") + data)
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return digest.hexdigest()[:20] if found else None


def rendering_version(datasette) -> str:
    """What else a page depends on: kb's and Datasette's versions, kb's page
    code and templates, and the metadata and settings served with."""
    digest = hashlib.sha256(f"{kb.__version__} {datasette_package.__version__}".encode())
    for path in sorted(_WEB_ROOT.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".html", ".js", ".css") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(_WEB_ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    digest.update(json.dumps(datasette.metadata(), sort_keys=True, default=str).encode())
    digest.update(json.dumps(datasette.settings_dict(), sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]


async def count_tables_briefly(datasette) -> None:
    """Count each table of every immutable database within
    ``COUNT_LIMIT_MS``, before the first request: Datasette otherwise counts
    every row of every table of an immutable database on the first request,
    with no time limit (seconds on a knowledge base of thousands of
    documents).  A table too long to count in time has no count (``None``),
    which Datasette's pages show as many rows, as they do for a database
    opened for writing."""
    for database in list(datasette.databases.values()):
        if not database.is_mutable and database.cached_table_counts is None:
            await database.table_counts(limit=COUNT_LIMIT_MS)


def cacheable_request(scope) -> bool:
    """An anonymous GET of a page about the build (see the module's docstring)."""
    if scope.get("type") != "http" or scope.get("method") != "GET":
        return False
    if any(key.lower() in _PRIVATE_HEADERS for key, _ in scope.get("headers") or []):
        return False
    return not scope.get("path", "").startswith(UNCACHED_PATHS)


def etag(build_id: str, rendering: str, scope) -> bytes:
    """The page's entity tag: its build, its rendering and its URL (host included)."""
    host = next((value for key, value in scope.get("headers") or [] if key.lower() == b"host"), b"")
    url = b"%s://%s%s?%s" % (scope.get("scheme", "http").encode(), host, scope.get("raw_path") or scope["path"].encode(),
                             scope.get("query_string", b""))
    return b'"' + hashlib.sha256(build_id.encode() + rendering.encode() + url).hexdigest()[:32].encode() + b'"'


def matches(scope, tag: bytes) -> bool:
    """Whether the request's ``If-None-Match`` names ``tag`` (or ``*``)."""
    for key, value in scope.get("headers") or []:
        if key.lower() == b"if-none-match":
            given = {part.strip().removeprefix(b"W/") for part in value.split(b",")}
            return tag in given or b"*" in given
    return False


def cached_pages(datasette):
    """The ASGI wrapper: ETags, ``Cache-Control``, 304s and the page cache."""
    build_ids, pages = BuildIds(), PageCache()
    rendering = []  # worked out on the first request, once the metadata is loaded

    def wrap(app):
        async def caching_app(scope, receive, send):
            if not cacheable_request(scope):
                return await app(scope, receive, send)
            database = datasette.databases.get(navigation.database_name(datasette))
            served_immutable = database is not None and not database.is_mutable
            build_id = build_ids.of(database.path) if served_immutable else None
            if build_id is None:
                return await app(scope, receive, send)
            if not rendering:
                rendering.append(rendering_version(datasette))
            tag = etag(build_id, rendering[0], scope)
            if matches(scope, tag):
                return await _send_page(send, 304, _cache_headers(tag), b"")
            page = pages.get(tag)
            if page is not None:
                return await _send_page(send, *page)
            await app(scope, receive, _recording(send, tag, pages))

        return caching_app

    return wrap


def shareable(headers: list) -> bool:
    """Whether a response may be kept and shared: it sets no cookie and its
    own ``Cache-Control`` (Datasette's ``max-age=5``, say) does not keep it
    private."""
    for key, value in headers:
        if key.lower() == b"set-cookie":
            return False
        if key.lower() == b"cache-control" and any(word in value.lower() for word in _PRIVATE_CACHE_CONTROL):
            return False
    return True


def _cache_headers(tag: bytes) -> list:
    return [(b"etag", tag), (b"cache-control", CACHE_CONTROL)]


async def _send_page(send, status: int, headers: list, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _recording(send, tag: bytes, pages: PageCache):
    """``send``, adding the cache headers to a cacheable response and keeping
    its page once it is whole."""
    state = {"keep": False, "body": [], "size": 0}

    async def record(message):
        if message["type"] == "http.response.start":
            headers = list(message.get("headers") or [])
            if message["status"] == 200 and shareable(headers):
                headers = [(key, value) for key, value in headers if key.lower() not in (b"etag", b"cache-control")]
                headers += _cache_headers(tag)
                message = dict(message, headers=headers)
                state.update(keep=True, start=(message["status"], headers))
        elif message["type"] == "http.response.body" and state["keep"]:
            body = message.get("body", b"")
            state["size"] += len(body)
            state["body"].append(body)
            if state["size"] > PAGE_BYTES:
                state.update(keep=False, body=[])
            elif not message.get("more_body"):
                pages.put(tag, *state["start"], b"".join(state["body"]))
        await send(message)

    return record
