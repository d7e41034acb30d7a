"""A government paragraph's own page: the paragraph as the government
numbered it, where it sits (chapter, section, page, lines in the source, the
page of the original), its lead or its sub-items, the paragraphs before and
after it, the asks it responds to, and a "Cite this" block.  The same page
answers the table's row URL, the short permalink ``/p/<id>``, and the
natural URL ``/<db>/paragraphs/<document>/<number>`` (redirected to the
permalink)."""

from urllib.parse import quote

from datasette.utils import tilde_encode

from kb.read import uptake as kb_uptake
from kb.web import citations
from kb.web.originals import original_url
from kb.web.permalinks import absolute_url, cite_urls, natural_url_handler, page_handler, paragraph_path, responses_path
from kb.web.source_view import document_and_publisher, document_url, first_or_404, passage_url
from kb.rules.responses import ADDRESSES

PERMALINK_ROUTE = r"^/p/(?P<id>[^/]+/[^/]+)$"
NATURAL_ROUTE = r"^/(?P<database>[^/]+)/paragraphs/(?P<document_id>[^/.~]+)/(?P<number>[^/]+)$"

_COLUMNS = "id, number, text, page"
_NEIGHBOUR_SQL = {
    "before": f"select {_COLUMNS} from paragraphs where document_id = ? and ordinal < ? order by ordinal desc limit 1",
    "after": f"select {_COLUMNS} from paragraphs where document_id = ? and ordinal > ? order by ordinal limit 1",
}


async def paragraph_context(datasette, db, paragraph_id: str, request) -> dict:
    """Everything the page shows, as ``{"database", "kb_para": {...}, "kb_cite_downloads": {...}}``;
    a 404 for an unknown id."""
    row = dict(await first_or_404(db, "select * from paragraphs where id = ?", [paragraph_id],
                                  f"No government paragraph {paragraph_id!r}"))
    document, publisher = await document_and_publisher(db, row["document_id"])
    link = lambda found: dict(found, url=row_url(datasette, db.name, found["id"])) if found else None  # noqa: E731
    parent = None
    if row["parent_id"]:
        parent = link((await db.execute(f"select {_COLUMNS} from paragraphs where id = ?", [row["parent_id"]])).first())
    children = [link(child) for child in
                (await db.execute(f"select {_COLUMNS} from paragraphs where parent_id = ? order by ordinal", [paragraph_id])).rows]
    neighbours = {side: link((await db.execute(sql, [row["document_id"], row["ordinal"]])).first())
                  for side, sql in _NEIGHBOUR_SQL.items()}
    asks = await db.execute_fn(lambda conn: kb_uptake.answered(conn, paragraph_id))
    permalink = absolute_url(request, datasette.urls.path(paragraph_path(paragraph_id)))
    original = original_url(datasette, document)
    para = {
        "row": row,
        "document": document,
        "publisher": publisher,
        "parent": parent,
        "children": children,
        "before": neighbours["before"],
        "after": neighbours["after"],
        "asks": [{"a": ask, "url": datasette.urls.row(db.name, "recommendations", tilde_encode(ask.recommendation_id))}
                 for ask in asks],
        "addresses": sum(1 for ask in asks if ask.relation == ADDRESSES),
        "source_url": passage_url(datasette, row["document_id"], paragraph_id, row["line_start"]) if row["line_start"] else None,
        "document_url": datasette.urls.row(db.name, "documents", tilde_encode(row["document_id"])),
        "document_source_url": document_url(datasette, row["document_id"]),
        "paragraphs_url": datasette.urls.table(db.name, "paragraphs") + "?document_id=" + quote(row["document_id"]),
        "uptake_url": datasette.urls.path(responses_path(row["document_id"])),
        "original_url": original,
        "original_page_url": page_url(original, document, row["page"]),
        "permalink": permalink,
        "json_url": row_url(datasette, db.name, paragraph_id) + ".json",
        "citation": citations.text(citations.row_item(row, document, publisher, permalink, kind="paragraph")),
    }
    return {"database": db.name, "kb_para": para, "kb_cite_downloads": cite_urls(datasette, [("p", paragraph_id)])}


def row_url(datasette, database: str, paragraph_id: str) -> str:
    return datasette.urls.row(database, "paragraphs", tilde_encode(paragraph_id))


def page_url(original: str | None, document: dict, page: int | None) -> str | None:
    """The original PDF opened at the paragraph's page (``#page=``, which
    browsers' PDF viewers follow); None when there is no PDF or no page."""
    name = document.get("original_file") or original or ""
    if not original or not page or not name.lower().endswith(".pdf"):
        return None
    return f"{original}#page={page}"


# /p/<id>, and /kb/paragraphs/hksarg-2024-25-budget/127 redirected there
permalink_page = page_handler(paragraph_context, "kb_paragraph.html")
natural_url = natural_url_handler(paragraph_path)
