"""The search page: ranked results with highlighted snippets, filters by
publisher, year and document (by name), the total and pages through all of
them, what a corrected or widened query matched, and which Chinese terms an
English query was read as, each with a link that searches again without it
(``drop``); each result links to its row and source passage.  The same
results as JSON with ``_format=json``, as CSV (export.py) and as citations
(citations.py)."""

import html
import json
import re
import sqlite3
from urllib.parse import urlencode

from datasette.utils import tilde_encode
from datasette.utils.asgi import BadRequest, Response
from markupsafe import Markup, escape

from kb.web.permalinks import cite_urls
from kb.web.source_view import KeptPerVersion, file_version, kb_database, passage_url
from kb.web.limits import time_limit
from kb.read.search import MAX_LIMIT, WITHIN, prepare, search, with_snippet

ROUTE = r"^/-/search(?P<as_json>\.json)?$"
MAX_QUERY_CHARS = 500
PAGE_SIZE = 20
MAX_PAGE_LIMIT = 100
MAX_PAGES = 9_999
MAX_DROPS = 32
MATCHED_SHOWN = 8  # terms a glossary or fuzzy match matched, shown above the results
MATCHED_READ = 40  # results of each method read for those terms: a page's work bounded, whatever matches
_MARK_RE = re.compile(r"<mark>(.*?)</mark>", re.S)
# ASCII digits only: "²".isdigit() is true, yet int("²") fails.
_YEAR_RE = re.compile(r"[0-9]{4}")
_NUMBER_RE = re.compile(r"[0-9]{1,6}")
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
            found = await timed_search(db, args, args["limit"])
        return Response.json(found.to_json() if found else {"query": args["q"], "results": [], "suggestions": []})
    found = await all_results(db, request, snippets=False)  # snippets made for the results shown, and as matched_terms reads them
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
        "cite_downloads": cite_urls(datasette, [arg for arg in _kept_args(request) if arg[0] != "limit"]),
        "matched": matched_terms(results),
        "readings": readings(datasette, request, found),
        "results": [_result(datasette, db.name, result) for result in shown],
        "choices": await _choices(db, args),
    }
    return Response.html(await datasette.render_template("kb_search.html", context, request=request))


async def all_results(db, request, snippets: bool = True):
    """Every result of the request's query (up to ``MAX_LIMIT``), or None
    without a query; without ``snippets``, their snippets are made when
    ``with_snippet`` is called."""
    args = _arguments(request)
    if not args["q"].strip():
        return None
    return await timed_search(db, args, MAX_LIMIT, snippets)


async def timed_search(db, args: dict, limit: int, snippets: bool = True):
    """The search of checked arguments, stopped with a 400 if its SQL runs
    past Datasette's time limit."""
    seconds = db.ds.setting("sql_time_limit_ms") / 1000

    def run(conn):
        prepare(args["q"])  # the dictionary's index, built once, outside the time limit
        try:
            with time_limit(conn, seconds):
                return search(conn, args["q"], limit=limit, snippets=snippets, **_filters(args))
        except sqlite3.OperationalError as error:
            if "interrupted" not in str(error):
                raise
            raise BadRequest(f"The search took longer than {seconds:g} s and was stopped; try a shorter query") from error

    return await db.execute_fn(run)


def matched_terms(results) -> dict:
    """What the best results matched other than the query's own words, by
    method: the glossary names a query was widened to, the near spellings a
    fuzzy match found; read from the first ``MATCHED_READ`` results of each."""
    terms = {"glossary": {}, "fuzzy": {}}
    read = {method: 0 for method in terms}
    for result in results:
        method = result.method
        if method not in terms or len(terms[method]) >= MATCHED_SHOWN or read[method] >= MATCHED_READ:
            continue  # later ones would not be shown
        read[method] += 1
        for mark in _MARK_RE.findall(with_snippet(result).snippet):
            terms[method][html.unescape(mark)] = None
    return {method: list(found)[:MATCHED_SHOWN] for method, found in terms.items()}


def readings(datasette, request, found) -> list[dict]:
    """The English stretches of the query and the Chinese terms they were read
    as, each term with the address of the same search without it, and each
    dropped term with the address that puts it back."""
    if found is None:
        return []
    kept = [(key, value) for key, value in _kept_args(request)]
    dropped = [value for key, value in kept if key == "drop"]
    others = [(key, value) for key, value in kept if key != "drop"]

    def url(terms):
        return datasette.urls.path("/-/search") + "?" + urlencode(others + [("drop", term) for term in terms])

    return [
        {
            "english": reading.english,
            "source": reading.source,
            "terms": [{"term": term, "drop_url": url([*dropped, term])}
                      for term in dict.fromkeys([*reading.terms, *(term for part in reading.widened for term in part)])],
            "dropped": [{"term": term, "restore_url": url([d for d in dropped if d != term])} for term in reading.dropped],
        }
        for reading in found.readings
    ]


def _arguments(request) -> dict:
    """The request's parameters, checked: a 400 names the one that is wrong."""
    return {
        "q": request.args.get("q", "")[:MAX_QUERY_CHARS],
        "publisher": request.args.get("publisher", ""),
        "year": _year(request.args.get("year", "").strip()),
        "document": request.args.get("document", ""),
        "in": _within(request.args.get("in", "").strip()),
        "drop": [term[:MAX_QUERY_CHARS] for term in request.args.getlist("drop")[:MAX_DROPS]],
        "limit": _number(request.args.get("limit", "").strip(), "limit", PAGE_SIZE, MAX_PAGE_LIMIT),
        "page": _number(request.args.get("page", "").strip(), "page", 1, MAX_PAGES),
    }


def _within(text: str) -> str:
    """What to search: recommendations (the default), government texts, or all."""
    if not text:
        return WITHIN[0]
    if text not in WITHIN:
        raise BadRequest(f"in must be one of {', '.join(WITHIN)}, not {text[:20]!r}")
    return text


def _year(text: str) -> int | None:
    if not text:
        return None
    if not _YEAR_RE.fullmatch(text):
        raise BadRequest(f"year must be a year such as 2023, not {text[:20]!r}")
    return int(text)


def _number(text: str, name: str, default: int, most: int) -> int:
    """A whole number from 1 up, at most ``most`` (a larger one counts as ``most``)."""
    if not text:
        return default
    if not _NUMBER_RE.fullmatch(text) or int(text) == 0:
        raise BadRequest(f"{name} must be a whole number from 1 to {most}, not {text[:20]!r}")
    return min(int(text), most)


def _filters(args: dict) -> dict:
    return {"publisher": args["publisher"] or None, "year": args["year"], "document": args["document"] or None,
            "within": args["in"], "drop": args["drop"]}


def _kept_args(request) -> list[tuple[str, str]]:
    kept = ("q", "in", "publisher", "year", "document", "limit", "drop")
    return [(key, value) for key in request.args.keys() if key in kept for value in request.args.getlist(key)]


def _page_url(datasette, request, page: int) -> str:
    return datasette.urls.path("/-/search") + "?" + urlencode(_kept_args(request) + ([("page", page)] if page > 1 else []))


def _result(datasette, database: str, result) -> dict:
    return {
        **with_snippet(result).to_json(),
        "url": datasette.urls.row(database, "paragraphs" if result.kind == "paragraph" else "recommendations",
                                  tilde_encode(result.id)),
        "source_url": passage_url(datasette, result.document_id, result.id, result.line_start),
    }


async def _choices(db, args: dict) -> dict:
    """The filters' choices: publishers, and the years' and documents'
    options as HTML with the request's own selected.  Those grow with the
    corpus: for a database served immutable they are read and written out
    once per version of its file, not for every search."""
    version = file_version(db)
    made = _CHOICES.get(version)
    if made is None:
        row = (await db.execute(_FILTERS_SQL)).first()
        publishers, years, documents = json.loads(row[0]), json.loads(row[1]), json.loads(row[2])
        made = _CHOICES.put(version, {
            "publishers": publishers,
            "years": years,
            "documents": documents,
            "year_options": "".join(f'<option value="{escape(y)}">{escape(y)}</option>' for y in years),
            "document_options": "".join(
                f'<option value="{escape(d[0])}">{escape(d[3])} · {escape(d[1])}{" — " + escape(d[2]) if d[2] else ""}</option>'
                for d in documents),
        })
    return dict(made, year_options=_selected(made["year_options"], args["year"]),
                document_options=_selected(made["document_options"], args["document"]))


_CHOICES = KeptPerVersion()


def _selected(options: str, value) -> Markup:
    """Options with the one whose value is ``value`` selected (none when none is)."""
    if value is not None and value != "":
        option = f'<option value="{escape(value)}">'
        options = options.replace(option, option[:-1] + " selected>", 1)
    return Markup(options)
