"""A recommendation's own page: its title as the heading, one line of facts,
the body as paragraphs, its sub-items (or its parent), the source passage, the
proposal thread, a "Cite this" block with a permalink, and the original
document.  The same page answers the table's row URL, the short permalink
``/r/<id>``, and the natural URL ``/<db>/recommendations/<document>/<number>``
(redirected to the permalink)."""

from urllib.parse import quote

from datasette.utils import tilde_encode

from kb.web import citations
from kb.web.compare_view import read_thread, thread_context
from kb.web.originals import original_url
from kb.web.permalinks import absolute_url, cite_urls, natural_url_handler, page_handler, recommendation_path
from kb.web.responses_view import responses_context
from kb.web.source_view import document_and_publisher, first_or_404, passage_url

PERMALINK_ROUTE = r"^/r/(?P<id>[^/]+/[^/]+)$"
NATURAL_ROUTE = r"^/(?P<database>[^/]+)/recommendations/(?P<document_id>[^/.~]+)/(?P<number>[^/]+)$"

_AREAS_SQL = """
select a.id, a.name_zh, a.name_en, ra.is_primary from recommendation_areas ra join policy_areas a on a.id = ra.area_id
where ra.recommendation_id = ? order by ra.is_primary desc, ra.score desc
"""
_CHILDREN_SQL = "select id, number, title, body, page, line_start, line_end from recommendations where parent_id = ? order by ordinal"


def row_url(datasette, database: str, recommendation_id: str) -> str:
    return datasette.urls.row(database, "recommendations", tilde_encode(recommendation_id))


async def recommendation_context(datasette, db, recommendation_id: str, request) -> dict:
    """Everything the page shows, as ``{"database", "kb_rec": {...}, "kb_cite_downloads": {...}}``;
    a 404 for an unknown id."""
    row = dict(await first_or_404(db, "select * from recommendations where id = ?", [recommendation_id],
                                  f"No recommendation {recommendation_id!r}"))
    document, publisher = await document_and_publisher(db, row["document_id"])
    areas = [dict(area) for area in (await db.execute(_AREAS_SQL, [recommendation_id])).rows]
    parent = None
    if row["parent_id"]:
        parent = dict((await db.execute("select id, number, title from recommendations where id = ?", [row["parent_id"]])).first())
        parent["url"] = row_url(datasette, db.name, parent["id"])
    children = [dict(child, url=row_url(datasette, db.name, child["id"]))
                for child in (await db.execute(_CHILDREN_SQL, [recommendation_id])).rows]
    permalink = absolute_url(request, datasette.urls.path(recommendation_path(recommendation_id)))
    thread = await read_thread(db, recommendation_id)  # read once: shown, and the asks whose responses are shown
    rec = {
        "row": row,
        "document": document,
        "publisher": publisher,
        "areas": areas,
        "parent": parent,
        "children": children,
        "paragraphs": _paragraphs(row["body"]),
        "support_paragraphs": _paragraphs(row["support"]),
        "source_url": passage_url(datasette, row["document_id"], recommendation_id, row["line_start"]) if row["line_start"] else None,
        "document_source_url": datasette.urls.path(f"/-/source/{quote(row['document_id'], safe='')}"),
        "support_url": passage_url(datasette, row["document_id"], recommendation_id, row["support_line_start"]) if row["support_line_start"] else None,
        "thread": thread_context(datasette, db.name, thread, row["parent_id"] or recommendation_id),  # a sub-item shows its parent
        "thread_url": datasette.urls.path("/-/thread/" + quote(recommendation_id, safe="/")),
        "row_url": row_url(datasette, db.name, recommendation_id),
        "json_url": row_url(datasette, db.name, recommendation_id) + ".json",
        "document_url": datasette.urls.row(db.name, "documents", tilde_encode(row["document_id"])),
        "area_urls": {area["id"]: datasette.urls.path("/-/areas/" + area["id"]) for area in areas},
        "permalink": permalink,
        "original_url": original_url(datasette, document),
        "citation": citations.text(citations.row_item(row, document, publisher, permalink)),
        # the government's responses to this ask, as a timeline, shown after the thread
        "responses": await responses_context(datasette, db, recommendation_id, str(document["published"]), thread),
    }
    return {"database": db.name, "kb_rec": rec, "kb_cite_downloads": cite_urls(datasette, [("r", recommendation_id)])}


def _paragraphs(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").split("\n") if line.strip()]


# /r/<id>, and /kb/recommendations/cma-2023-policy-address/5 redirected there
permalink_page = page_handler(recommendation_context, "kb_recommendation.html")
natural_url = natural_url_handler(recommendation_path)
