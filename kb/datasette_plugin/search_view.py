"""The search page: ranked results with highlighted snippets, filters by
publisher, year and document, each result linking to its row and source
passage; the same results as JSON with ``_format=json``."""

import json

from datasette.utils import tilde_encode
from datasette.utils.asgi import Response

from kb.datasette_plugin.source_view import kb_database, passage_url
from kb.search import search

ROUTE = r"^/-/search(?P<as_json>\.json)?$"
MAX_QUERY_CHARS = 500
_FILTERS_SQL = """
select (select json_group_array(id) from (select id from publishers order by id)) as publishers,
       (select json_group_array(year) from (select distinct year from documents order by year)) as years,
       (select json_group_array(json_array(id, title_zh)) from (select id, title_zh from documents order by id)) as documents
"""


async def search_page(datasette, request):
    db = await kb_database(datasette)
    args = _arguments(request)
    found = None
    if args["q"].strip():
        found = await db.execute_fn(lambda conn: search(conn, args["q"], limit=args["limit"], **_filters(args)))
    if request.url_vars.get("as_json") or request.args.get("_format") == "json":
        return Response.json(found.to_json() if found else {"query": args["q"], "results": [], "suggestions": []})
    context = {
        "database": db.name,
        "args": args,
        "found": found,
        "results": [_result(datasette, db.name, result) for result in (found.results if found else [])],
        "choices": await _choices(db),
    }
    return Response.html(await datasette.render_template("kb_search.html", context, request=request))


def _arguments(request) -> dict:
    year = request.args.get("year", "")
    limit = request.args.get("limit", "")
    return {
        "q": request.args.get("q", "")[:MAX_QUERY_CHARS],
        "publisher": request.args.get("publisher", ""),
        "year": int(year) if year.isdigit() else None,
        "document": request.args.get("document", ""),
        "limit": min(int(limit), 100) if limit.isdigit() and int(limit) > 0 else 20,
    }


def _filters(args: dict) -> dict:
    return {"publisher": args["publisher"] or None, "year": args["year"], "document": args["document"] or None}


def _result(datasette, database: str, result) -> dict:
    return {
        **result.to_json(),
        "url": datasette.urls.row(database, "recommendations", tilde_encode(result.id)),
        "source_url": passage_url(datasette, result.document_id, result.id, result.line_start),
    }


async def _choices(db) -> dict:
    row = (await db.execute(_FILTERS_SQL)).first()
    return {"publishers": json.loads(row[0]), "years": json.loads(row[1]), "documents": json.loads(row[2])}
