"""CSV that opens cleanly in Excel: UTF-8 with a byte-order mark, cells that
a spreadsheet would read as a formula neutralised.  From the recommendations
table (any filters) and from search results, with each row's permalink and
English policy-area name; from any other table, view or query (``.excelcsv``)
as its columns are.  Datasette's own CSV (``.csv``, ``?_format=csv``) gets
the same neutralising on its way out (``neutralise_csv_responses``)."""

import codecs
import csv
import io
import json
import re
from urllib.parse import urlencode

from datasette.utils.asgi import Response

from kb.web.permalinks import absolute_url, recommendation_path
from kb.web.source_view import kb_database

EXTENSION = "excelcsv"
SEARCH_ROUTE = r"^/-/search\.csv$"
BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A number as Datasette's CSV writes one: -5 and +1.5e3 are numbers, not formulas.
_NUMBER_RE = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
COLUMNS = [
    "id", "permalink", "number", "kind", "parent_id", "title", "body", "document_id", "document_title_zh",
    "document_title_en", "publisher_zh", "publisher_en", "year", "published", "section", "area_en", "area_zh",
    "page", "line_start", "line_end",
]
_ROWS_SQL = """
select r.id, r.number, r.kind, r.parent_id, r.title, r.body, r.document_id, d.title_zh as document_title_zh,
       d.title_en as document_title_en, p.name_zh as publisher_zh, p.name_en as publisher_en, r.year, d.published,
       r.section, a.name_en as area_en, a.name_zh as area_zh, r.page, r.line_start, r.line_end
from recommendations r
join documents d on d.id = r.document_id
join publishers p on p.id = r.publisher_id
left join policy_areas a on a.id = r.primary_area_id
where r.id in (select value from json_each(?))
"""


def neutralise(value):
    """A cell as text a spreadsheet shows as typed: one starting like a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_text(cell: str) -> str:
    """A cell of CSV text, where numbers are text too: neutralised unless it is a number."""
    return cell if _NUMBER_RE.fullmatch(cell) else neutralise(cell)


def to_csv(rows: list[dict], columns: list[str] = COLUMNS) -> str:
    """The rows as CSV text with a BOM, in ``columns`` order."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralise(row.get(column)) for column in columns])
    return out.getvalue()


async def export_rows(datasette, db, ids: list[str], request) -> list[dict]:
    """Full rows for ``ids``, in that order, each with its absolute permalink."""
    found = {row["id"]: dict(row) for row in (await db.execute(_ROWS_SQL, [json.dumps(ids)])).rows}
    return [dict(found[i], permalink=absolute_url(request, datasette.urls.path(recommendation_path(i)))) for i in ids if i in found]


def csv_response(text: str, filename: str) -> Response:
    return Response(text, content_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{filename}"'})


def table_export_url(datasette, database: str, request) -> str:
    """The table page's rows, with its filters, as Excel CSV."""
    args = [(key, value) for key in request.args.keys() if key not in ("_next", "_size") for value in request.args.getlist(key)]
    return datasette.urls.table(database, "recommendations", format=EXTENSION) + "?" + urlencode(args + [("_size", "max")])


def can_render():
    """Every table, view and query can be had as Excel CSV."""
    return True


async def render_table(datasette, request, database, table, columns, rows, data, query_name):
    """``.excelcsv``: the recommendations table with permalinks and names;
    anything else (a table, a view, a query) with its own columns."""
    if data.get("error"):
        return Response.text(f"{data['error']}\n", status=400)
    if table == "recommendations" and "id" in columns:
        db = datasette.get_database(database)
        ids = [_value(row["id"]) for row in rows]
        return csv_response(to_csv(await export_rows(datasette, db, ids, request)), "recommendations.csv")
    named = [dict(zip(columns, (_value(cell) for cell in row))) for row in rows]
    return csv_response(to_csv(named, list(columns)), f"{table or query_name or database}.csv")


def _value(cell):
    """A cell as a CSV shows it: a foreign key's own value, a blob's size."""
    if isinstance(cell, dict) and "value" in cell:
        return cell["value"]
    if isinstance(cell, bytes):
        return f"<binary: {len(cell)} bytes>"
    return cell


async def search_export(datasette, request):
    """``/-/search.csv?q=…``: every result of the search (filters applied), best first."""
    from kb.web.search_view import all_results

    db = await kb_database(datasette)
    found = await all_results(db, request)
    ids = [result.id for result in found.results] if found else []
    rows = await export_rows(datasette, db, ids, request)
    scores = {result.id: (result.score, result.method) for result in (found.results if found else [])}
    for row in rows:
        row["score"], row["method"] = scores[row["id"]]
    return csv_response(to_csv(rows, ["score", "method", *COLUMNS]), "search.csv")


def is_datasette_csv(scope) -> bool:
    """A request for Datasette's own CSV: ``….csv`` or ``?_format=csv`` on a
    database, table, row or query (kb's pages under /-/ neutralise their own)."""
    if scope.get("type") != "http" or scope.get("path", "").startswith("/-/"):
        return False
    if scope["path"].endswith(".csv"):
        return True
    query = scope.get("query_string", b"").decode("latin-1")
    return re.search(r"(^|&)_format=csv(&|$)", query) is not None


def neutralise_csv_responses(app):
    """An ASGI wrapper that rewrites Datasette's CSV responses cell by cell,
    as they stream: each cell that starts like a formula gets ``'``."""

    async def wrapped(scope, receive, send):
        if not is_datasette_csv(scope):
            return await app(scope, receive, send)
        rewriter = None

        async def rewriting_send(message):
            nonlocal rewriter
            if message["type"] == "http.response.start":
                headers = message.get("headers") or []
                content_type = next((value for key, value in headers if key.lower() == b"content-type"), b"")
                if content_type.startswith((b"text/plain", b"text/csv")):
                    rewriter = CsvRewriter()
                    headers = [(key, value) for key, value in headers if key.lower() != b"content-length"]
                    message = dict(message, headers=headers)
            elif message["type"] == "http.response.body" and rewriter is not None:
                more = message.get("more_body", False)
                message = dict(message, body=rewriter.feed(message.get("body", b""), final=not more))
            await send(message)

        await app(scope, receive, rewriting_send)

    return wrapped


class CsvRewriter:
    """Rewrites CSV text given in pieces: holds back an unfinished record (an
    open quote, a line not yet ended) until the piece that finishes it."""

    def __init__(self):
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""

    def feed(self, body: bytes, final: bool = False) -> bytes:
        self._pending += self._decoder.decode(body, final=final)
        text = self._pending
        if not final:
            # Records are finished where a line ends outside quotes; a CSV
            # writer doubles the quotes inside a cell, so that is where the
            # count of quotes so far is even.
            end = _last_record_end(text)
            text, self._pending = text[:end], text[end:]
        else:
            self._pending = ""
        return _rewrite(text).encode("utf-8") if text else b""


def _last_record_end(text: str) -> int:
    end, quotes = 0, 0
    for index, char in enumerate(text):
        if char == '"':
            quotes += 1
        elif char == "\n" and quotes % 2 == 0:
            end = index + 1
    return end


def _rewrite(text: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for record in csv.reader(io.StringIO(text, newline="")):
        writer.writerow([neutralise_text(cell) for cell in record])
    if not text.endswith("\n"):  # a last line without its line end (an error message) stays so
        return out.getvalue().removesuffix("\r\n")
    return out.getvalue()
