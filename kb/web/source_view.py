"""The source view: a document's text with line numbers, a row's passage
highlighted and scrolled into view.  Text is rendered escaped, as text."""

import os
import re
from urllib.parse import quote, urlencode

from datasette.utils.asgi import NotFound, Response

from kb.text.pages import page_starts

ROUTE = r"^/-/source/(?P<document_id>[^/]+)$"
_LINES_RE = re.compile(r"^(\d{1,6})(?:-(\d{1,6}))?$")


def document_url(datasette, document_id: str) -> str:
    return datasette.urls.path(f"/-/source/{quote(document_id, safe='')}")


def passage_url(datasette, document_id: str, row_id: str, line: int) -> str:
    return f"{document_url(datasette, document_id)}?{urlencode({'id': row_id})}#L{line}"


async def source_page(datasette, request):
    db = await kb_database(datasette)
    document_id = request.url_vars["document_id"]
    document = await first_or_404(db, "select * from documents where id = ?", [document_id], f"No document {document_id!r}")
    row = await _row(db, document_id, request.args.get("id"))
    marked, support = _highlights(row, request.args.get("lines"))
    lines = (await db.execute("select line, text from document_lines where document_id = ? order by line", [document_id])).rows
    page_starts = _page_starts(lines)
    context = {
        "database": db.name,
        "document": dict(document),
        "row": dict(row) if row else None,
        "lines": [
            {"number": n, "text": text, "marked": n in marked, "support": n in support, "page": page_starts.get(n)}
            for n, text in lines
        ],
        "first_marked": min(marked) if marked else None,
    }
    return Response.html(await datasette.render_template("kb_source.html", context, request=request))


def _page_starts(lines) -> dict[int, int]:
    """The page each page-starting line begins, for a text extracted from a
    PDF (pages separated by form feeds); empty for other texts."""
    starts = page_starts([(number, text) for number, text in lines])
    return {line: page for page, line in enumerate(starts, start=1)} if len(starts) > 1 else {}


async def kb_database(datasette):
    """The database that holds the knowledge base's tables."""
    for name, db in datasette.databases.items():
        if name != "_internal" and await db.table_exists("documents"):
            return db
    raise NotFound("No knowledge base database is being served")


def file_version(db) -> tuple | None:
    """What names a version of an immutable database's file (what is read
    from it once may be kept until it changes); None for a database that may
    change while served."""
    if db.is_mutable or not db.path:
        return None
    try:
        status = os.stat(db.path)
    except OSError:
        return None
    return (db.path, status.st_ino, status.st_size, status.st_mtime_ns)


class KeptPerVersion:
    """What a page reads and writes once from an immutable database's file,
    kept until the file changes (``file_version``): one database is served,
    so its latest version is all worth keeping."""

    def __init__(self):
        self.version, self.value = None, None

    def get(self, version: tuple | None):
        return self.value if version is not None and version == self.version else None

    def put(self, version: tuple | None, value):
        if version is not None:
            self.version, self.value = version, value
        return value

    def clear(self) -> None:
        self.version, self.value = None, None


async def first_or_404(db, sql: str, params: list, missing: str):
    """The first row ``sql`` returns; a 404 saying ``missing`` when there is none."""
    row = (await db.execute(sql, params)).first()
    if row is None:
        raise NotFound(missing)
    return row


async def document_and_publisher(db, document_id: str) -> tuple[dict, dict]:
    """A row's document and its publisher, as dicts (the row names a document that exists)."""
    document = dict((await db.execute("select * from documents where id = ?", [document_id])).first())
    publisher = dict((await db.execute("select * from publishers where id = ?", [document["publisher_id"]])).first())
    return document, publisher


async def _row(db, document_id: str, row_id: str | None):
    if not row_id:
        return None
    sql = "select *, 'recommendations' as kb_table from recommendations where id = ? and document_id = ?"
    row = (await db.execute(sql, [row_id, document_id])).first()
    if row is None and await db.table_exists("paragraphs"):  # a government text's paragraph
        sql = """select *, 'paragraphs' as kb_table, '¶ ' || number as title,
                 null as support_line_start, null as support_line_end from paragraphs where id = ? and document_id = ?"""
        row = (await db.execute(sql, [row_id, document_id])).first()
    if row is None:
        raise NotFound(f"No row {row_id!r} in document {document_id!r}")
    return row


def _highlights(row, lines_arg: str | None) -> tuple[set[int], set[int]]:
    """Lines of the row's passage, and of its supporting text."""
    marked, support = set(), set()
    if row is not None:
        marked = set(range(row["line_start"], row["line_end"] + 1))
        if row["support_line_start"]:
            support = set(range(row["support_line_start"], row["support_line_end"] + 1))
    match = _LINES_RE.match(lines_arg or "")
    if match:
        start = int(match.group(1))
        marked |= set(range(start, int(match.group(2) or start) + 1))
    return marked, support
