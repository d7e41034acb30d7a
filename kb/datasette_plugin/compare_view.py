"""The comparison page: two documents side by side through the links between
their recommendations, the changed wording highlighted character by
character; then what is new and what was dropped.  And a recommendation's
proposal thread, as a timeline, for row pages (``thread_html``) and on its
own page.  Text is escaped before changes are marked up."""

from datasette.utils import tilde_encode
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup

from kb import compare as kb_compare
from kb.datasette_plugin.source_view import first_or_404, kb_database, passage_url

COMPARE_ROUTE = r"^/-/compare$"
THREAD_ROUTE = r"^/-/thread/(?P<id>.+)$"


async def compare_page(datasette, request):
    db = await kb_database(datasette)
    documents = await db.execute_fn(kb_compare.documents)
    a, b = request.args.get("a"), request.args.get("b")
    context = {"database": db.name, "documents": documents, "a": a, "b": b, "comparison": None}
    if a and b:
        known = {document["id"] for document in documents}
        unknown = [document_id for document_id in (a, b) if document_id not in known]
        if unknown:
            raise NotFound(f"No document {unknown[0]!r}")
        comparison = await db.execute_fn(lambda conn: kb_compare.compare(conn, a, b))
        if request.args.get("_format") == "json":
            return Response.json(comparison.to_json())
        context.update(await _comparison_context(datasette, db, comparison))
    return Response.html(await datasette.render_template("kb_compare.html", context, request=request))


async def _comparison_context(datasette, db, comparison) -> dict:
    def sides(conn):
        return [kb_compare.diff_sides(kb_compare.row_text(conn, p.a.id), kb_compare.row_text(conn, p.b.id))
                for p in comparison.pairs]

    diffs = await db.execute_fn(sides)
    pairs = [
        {"a": _row(datasette, db.name, p.a), "b": _row(datasette, db.name, p.b), "score": p.score,
         "relation": p.relation, "method": p.method, "a_html": left, "b_html": right}
        for p, (left, right) in zip(comparison.pairs, diffs)
    ]
    return {
        "comparison": comparison,
        "pairs": pairs,
        "new": [_row(datasette, db.name, row) for row in comparison.new],
        "dropped": [_row(datasette, db.name, row) for row in comparison.dropped],
    }


def _row(datasette, database: str, row) -> dict:
    """A row with the links the page shows: its row page and its source passage."""
    return {
        "id": row.id,
        "title": row.title,
        "number": row.number,
        "url": datasette.urls.row(database, "recommendations", tilde_encode(row.id)),
        "source_url": passage_url(datasette, row.document_id, row.id, row.line_start) if row.line_start else None,
    }


async def thread_html(datasette, db, recommendation_id: str) -> Markup:
    """A recommendation's thread as a timeline with links; empty when it has none."""
    thread = await db.execute_fn(lambda conn: kb_compare.thread_for(conn, recommendation_id))
    if thread is None:
        return Markup("")
    sql = "select coalesce(parent_id, id) from recommendations where id = ?"
    current = (await db.execute(sql, [recommendation_id])).first()[0]  # a sub-item shows its parent
    context = _thread_context(datasette, db.name, thread, current)
    return Markup(await datasette.render_template("kb_thread.html", context))


def _thread_context(datasette, database: str, thread, current: str) -> dict:
    titles = {row.id: row.title for row in thread.rows}
    rows = [
        {"id": row.id, "title": row.title, "year": row.year, "published": row.published,
         "document_title": row.document_title, "publisher_id": row.publisher_id, "current": row.id == current,
         "url": datasette.urls.row(database, "recommendations", tilde_encode(row.id)),
         "links_in": [link for link in thread.links if link["to_id"] == row.id]}
        for row in thread.rows
    ]
    return {"thread": thread, "rows": rows, "titles": titles, "compare_url": datasette.urls.path("/-/compare")}


async def thread_page(datasette, request):
    db = await kb_database(datasette)
    recommendation_id = request.url_vars["id"]
    sql = "select id, title from recommendations where id = ?"
    row = await first_or_404(db, sql, [recommendation_id], f"No recommendation {recommendation_id!r}")
    timeline = await thread_html(datasette, db, recommendation_id)
    context = {"database": db.name, "row": dict(row), "timeline": timeline,
               "row_url": datasette.urls.row(db.name, "recommendations", tilde_encode(recommendation_id))}
    return Response.html(await datasette.render_template("kb_thread_page.html", context, request=request))
