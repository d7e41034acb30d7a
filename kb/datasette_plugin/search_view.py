"""The search page: ranked results with highlighted snippets, filters by
publisher, year and document (by name), the total and pages through all of
them, what a corrected or widened query matched; each result links to its row
and source passage.  The same results as JSON with ``_format=json``."""

import html
import json
import re
from urllib.parse import urlencode

from datasette.utils import tilde_encode
from datasette.utils.asgi import Response

from kb.datasette_plugin.source_view import kb_database, passage_url
from kb.search import MAX_LIMIT, search

ROUTE = r"^/-/search(?P<as_json>\.json)?$"
MAX_QUERY_CHARS = 500
PAGE_SIZE = 20
_MARK_RE = re.compile(r"<mark>(.*?)</mark>", re.S)
_FILTERS_SQL = """
select (select json_group_array(json_array(id, name_zh, name_en)) from (select id, name_zh, name_en from publishers order by id)) as publishers,
       (select json_group_array(year) from (select distinct year from documents order by year)) as years,
       (select json_group_array(json_array(id, title_zh, title_en, year)) from (select id, title_zh, title_en, year from documents order by year, id)) as documents
"""


async def search_page(datasette, request):
    db = await kb_database(datasette)
    args = _arguments(request)
    if request.url_vars.get("as_json") or request.args.get("_format") == "json":
        found = None
        if args["q"].strip():
            found = await db.execute_fn(lambda conn: search(conn, args["q"], limit=args["limit"], **_filters(args)))
        return Response.json(found.to_json() if found else {"query": args["q"], "results": [], "suggestions": []})
    found = await all_results(db, request)
    results = found.results if found else []
    pages = max(1, -(-len(results) // args["limit"]))
    page = min(args["page"], pages)
    shown = results[(page - 1) * args["limit"]: page * args["limit"]]
    context = {
        "database": db.name,
        "args": args,
        "found": found,
        "total": len(results),
        "first": (page - 1) * args["limit"] + 1,
        "page": page,
        "pages": pages,
        "page_urls": {n: _page_url(datasette, request, n) for n in range(1, pages + 1)},
        "csv_url": datasette.urls.path("/-/search.csv") + "?" + urlencode(_kept_args(request)),
        "json_url": datasette.urls.path("/-/search.json") + "?" + urlencode(_kept_args(request)),
        "matched": matched_terms(results),
        "results": [_result(datasette, db.name, result) for result in shown],
        "choices": await _choices(db),
    }
    return Response.html(await datasette.render_template("kb_search.html", context, request=request))


async def all_results(db, request):
    """Every result of the request's query (up to ``MAX_LIMIT``), or None without a query."""
    args = _arguments(request)
    if not args["q"].strip():
        return None
    return await db.execute_fn(lambda conn: search(conn, args["q"], limit=MAX_LIMIT, **_filters(args)))


def matched_terms(results) -> dict:
    """What the results matched other than the query's own words, by method:
    the glossary names a query was widened to, the near spellings a fuzzy match found."""
    terms = {"glossary": {}, "fuzzy": {}}
    for result in results:
        if result.method in terms:
            for mark in _MARK_RE.findall(result.snippet):
                terms[result.method][html.unescape(mark)] = None
    return {method: list(found)[:8] for method, found in terms.items()}


def _arguments(request) -> dict:
    year = request.args.get("year", "")
    limit = request.args.get("limit", "")
    page = request.args.get("page", "")
    return {
        "q": request.args.get("q", "")[:MAX_QUERY_CHARS],
        "publisher": request.args.get("publisher", ""),
        "year": int(year) if year.isdigit() else None,
        "document": request.args.get("document", ""),
        "limit": min(int(limit), 100) if limit.isdigit() and int(limit) > 0 else PAGE_SIZE,
        "page": int(page) if page.isdigit() and 0 < int(page) < 10_000 else 1,
    }


def _filters(args: dict) -> dict:
    return {"publisher": args["publisher"] or None, "year": args["year"], "document": args["document"] or None}


def _kept_args(request) -> list[tuple[str, str]]:
    kept = ("q", "publisher", "year", "document", "limit")
    return [(key, value) for key in request.args.keys() if key in kept for value in request.args.getlist(key)]


def _page_url(datasette, request, page: int) -> str:
    return datasette.urls.path("/-/search") + "?" + urlencode(_kept_args(request) + ([("page", page)] if page > 1 else []))


def _result(datasette, database: str, result) -> dict:
    return {
        **result.to_json(),
        "url": datasette.urls.row(database, "recommendations", tilde_encode(result.id)),
        "source_url": passage_url(datasette, result.document_id, result.id, result.line_start),
    }


async def _choices(db) -> dict:
    row = (await db.execute(_FILTERS_SQL)).first()
    return {"publishers": json.loads(row[0]), "years": json.loads(row[1]), "documents": json.loads(row[2])}
