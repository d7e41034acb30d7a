"""CSV that opens cleanly in Excel, from the recommendations table (any
filters) and from search results: UTF-8 with a byte-order mark, cells that a
spreadsheet would read as a formula neutralised, and each row's permalink and
English policy-area name."""

import csv
import io
import json
from urllib.parse import urlencode

from datasette.utils.asgi import Response

from kb.web.permalinks import absolute_url, recommendation_path
from kb.web.source_view import kb_database

EXTENSION = "excelcsv"
SEARCH_ROUTE = r"^/-/search\.csv$"
BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
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


def can_render(table, columns):
    return table == "recommendations" and "id" in columns


async def render_table(datasette, request, database, table, rows):
    db = datasette.get_database(database)
    ids = [row["id"] for row in rows]
    text = to_csv(await export_rows(datasette, db, ids, request))
    return csv_response(text, "recommendations.csv")


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
