"""CSV that opens cleanly in Excel: UTF-8 with a byte-order mark, cells that
a spreadsheet would read as a formula neutralised.  From the recommendations
table (any filters) and from search results, with each row's permalink, its
policy areas (primary first), its response status and the first and latest
government texts that address it; from any other table, view or query
(``.excelcsv``) as its columns are.  Datasette's own CSV (``.csv``,
``?_format=csv``) gets the same neutralising on its way out
(``neutralise_csv_responses``), and the recommendations table's gets kb's
columns (``EXTRA_COLUMNS``) added to each row."""

import codecs
import csv
import io
import json
import re
from urllib.parse import urlencode

from datasette.utils.asgi import Request, Response

from kb.web.permalinks import absolute_url, paragraph_path, recommendation_path
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
    "areas_en", "areas_zh", "status", "first_document_id", "latest_document_id", "page", "line_start", "line_end",
]
# What kb adds to each row of Datasette's own CSV of the recommendations table.
EXTRA_COLUMNS = ["permalink", "status", "first_document_id", "latest_document_id", "areas_en", "areas_zh"]
# Every policy area of a row (recommendation_areas: the primary, then the secondary by score), joined with "; ".
_AREAS_SQL = """(select group_concat(name, '; ') from (
    select a2.name_{lang} as name from recommendation_areas ra join policy_areas a2 on a2.id = ra.area_id
    where ra.recommendation_id = r.id order by ra.is_primary desc, ra.score desc, a2.id))"""
_EXTRAS = f"""s.status, s.first_document_id, s.latest_document_id,
       {_AREAS_SQL.format(lang="en")} as areas_en, {_AREAS_SQL.format(lang="zh")} as areas_zh"""
_ROWS_SQL = f"""
select r.id, r.number, r.kind, r.parent_id, r.title, r.body, r.document_id, d.title_zh as document_title_zh,
       d.title_en as document_title_en, p.name_zh as publisher_zh, p.name_en as publisher_en, r.year, d.published,
       r.section, a.name_en as area_en, a.name_zh as area_zh, r.page, r.line_start, r.line_end, {_EXTRAS}
from recommendations r
join documents d on d.id = r.document_id
join publishers p on p.id = r.publisher_id
left join policy_areas a on a.id = r.primary_area_id
left join response_status s on s.recommendation_id = r.id
where r.id in (select value from json_each(?))
"""
_EXTRAS_SQL = f"""
select r.id, {_EXTRAS} from recommendations r left join response_status s on s.recommendation_id = r.id
where r.id in (select value from json_each(?))
"""
# A government paragraph among search results: no title, area or status of its own.
_PARAGRAPH_ROWS_SQL = """
select g.id, g.number, 'paragraph' as kind, g.parent_id, g.text as body, g.document_id, d.title_zh as document_title_zh,
       d.title_en as document_title_en, p.name_zh as publisher_zh, p.name_en as publisher_en, d.year, d.published,
       g.section, g.page, g.line_start, g.line_end
from paragraphs g
join documents d on d.id = g.document_id
join publishers p on p.id = d.publisher_id
where g.id in (select value from json_each(?))
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


async def export_rows(datasette, db, ids: list[str], request, paragraph_ids: list[str] = ()) -> list[dict]:
    """Full rows for ``ids`` (recommendations, and government paragraphs among
    ``paragraph_ids``), in that order, each with its absolute permalink."""
    found = {row["id"]: dict(row, permalink=absolute_url(request, datasette.urls.path(recommendation_path(row["id"]))))
             for row in (await db.execute(_ROWS_SQL, [json.dumps(ids)])).rows}
    if paragraph_ids:
        found.update({row["id"]: dict(row, permalink=absolute_url(request, datasette.urls.path(paragraph_path(row["id"]))))
                      for row in (await db.execute(_PARAGRAPH_ROWS_SQL, [json.dumps(list(paragraph_ids))])).rows})
    return [found[i] for i in ids if i in found]


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
    """``/-/search.csv?q=…``: every result of the search (filters applied),
    best first; a government paragraph (``in=government``) with its heading as title."""
    from kb.web.search_view import all_results

    db = await kb_database(datasette)
    found = await all_results(db, request)
    results = {result.id: result for result in (found.results if found else [])}
    paragraph_ids = [result.id for result in results.values() if result.kind == "paragraph"]
    rows = await export_rows(datasette, db, list(results), request, paragraph_ids)
    for row in rows:
        result = results[row["id"]]
        row["score"], row["method"] = result.score, result.method
        row.setdefault("title", result.title)
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


_RECOMMENDATIONS_CSV_RE = re.compile(r"/(?P<database>[^/]+)/recommendations(?P<csv>\.csv)?$")


def recommendations_csv_database(scope) -> str | None:
    """The database of a request for Datasette's CSV of the recommendations table, else None."""
    found = _RECOMMENDATIONS_CSV_RE.search(scope.get("path", ""))
    if found is None or not (found["csv"] or re.search(r"(^|&)_format=csv(&|$)", scope.get("query_string", b"").decode("latin-1"))):
        return None
    return found["database"]


def neutralise_csv_responses(app, datasette=None):
    """An ASGI wrapper that rewrites Datasette's CSV responses cell by cell,
    as they stream: each cell that starts like a formula gets ``'``; the
    recommendations table's rows get kb's columns (with ``datasette``)."""

    async def wrapped(scope, receive, send):
        if not is_datasette_csv(scope):
            return await app(scope, receive, send)
        rewriter = None
        database = recommendations_csv_database(scope) if datasette is not None else None

        async def rewriting_send(message):
            nonlocal rewriter
            if message["type"] == "http.response.start":
                headers = message.get("headers") or []
                content_type = next((value for key, value in headers if key.lower() == b"content-type"), b"")
                if content_type.startswith((b"text/plain", b"text/csv")):
                    columns = None
                    if database and message.get("status") == 200 and database in datasette.databases:
                        columns = RecommendationColumns(datasette, datasette.get_database(database), Request(scope, receive))
                    rewriter = CsvRewriter(columns)
                    headers = [(key, value) for key, value in headers if key.lower() != b"content-length"]
                    message = dict(message, headers=headers)
            elif message["type"] == "http.response.body" and rewriter is not None:
                more = message.get("more_body", False)
                message = dict(message, body=await rewriter.afeed(message.get("body", b""), final=not more))
            await send(message)

        await app(scope, receive, rewriting_send)

    return wrapped


class RecommendationColumns:
    """Adds ``EXTRA_COLUMNS`` to the records of the recommendations table's CSV,
    read for each piece's rows by their ``id`` (a CSV without ``id`` is left as it is)."""

    def __init__(self, datasette, db, request):
        self.datasette, self.db, self.request = datasette, db, request
        self.id_column = None
        self.header_seen = False

    async def __call__(self, records: list[list[str]]) -> list[list[str]]:
        rows = records
        if not self.header_seen and records:
            self.header_seen, rows = True, records[1:]
            if "id" in records[0]:
                self.id_column = records[0].index("id")
                records[0] = records[0] + EXTRA_COLUMNS
        if self.id_column is None or not rows:
            return records
        ids = [row[self.id_column] for row in rows if len(row) > self.id_column]
        extras = {row["id"]: dict(row) for row in (await self.db.execute(_EXTRAS_SQL, [json.dumps(ids)])).rows}
        for row in rows:
            found = extras.get(row[self.id_column]) if len(row) > self.id_column else None
            if found is None:
                row.extend([""] * len(EXTRA_COLUMNS))
                continue
            found["permalink"] = absolute_url(self.request, self.datasette.urls.path(recommendation_path(found["id"])))
            row.extend("" if found[column] is None else str(found[column]) for column in EXTRA_COLUMNS)
        return records


class CsvRewriter:
    """Rewrites CSV text given in pieces: holds back an unfinished record (an
    open quote, a line not yet ended) until the piece that finishes it; with
    ``columns`` (a RecommendationColumns), adds its columns to every record."""

    def __init__(self, columns=None):
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""
        self._columns = columns

    def feed(self, body: bytes, final: bool = False) -> bytes:
        text = self._finished(body, final)
        return _rewrite(text).encode("utf-8") if text else b""

    async def afeed(self, body: bytes, final: bool = False) -> bytes:
        """``feed``, with the columns added."""
        text = self._finished(body, final)
        if not text:
            return b""
        if self._columns is None:
            return _rewrite(text).encode("utf-8")
        records = await self._columns(list(csv.reader(io.StringIO(text, newline=""))))
        return _write(records, text).encode("utf-8")

    def _finished(self, body: bytes, final: bool) -> str:
        """The text of the records finished so far, held back from earlier pieces or in ``body``."""
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
        return text


def _last_record_end(text: str) -> int:
    end, quotes = 0, 0
    for index, char in enumerate(text):
        if char == '"':
            quotes += 1
        elif char == "\n" and quotes % 2 == 0:
            end = index + 1
    return end


def _rewrite(text: str) -> str:
    return _write(csv.reader(io.StringIO(text, newline="")), text)


def _write(records, text: str) -> str:
    """``records`` as CSV with their cells neutralised; ``text`` is what they were read from."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for record in records:
        writer.writerow([neutralise_text(cell) for cell in record])
    if not text.endswith("\n"):  # a last line without its line end (an error message) stays so
        return out.getvalue().removesuffix("\r\n")
    return out.getvalue()
