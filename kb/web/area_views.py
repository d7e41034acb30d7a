"""The policy-area pages: the area × year (or publisher) matrix as a heat
map, and one area's rows, newest first."""

from datasette.utils.asgi import Response

from kb.read.area_matrix import DIMENSIONS, NONE, TAGS, area_matrix
from kb.web.source_view import first_or_404, kb_database

MATRIX_ROUTE = r"^/-/areas$"
AREA_ROUTE = r"^/-/areas/(?P<area_id>[a-z0-9_]+)$"

_AREA_ROWS_SQL = """
select r.id, r.title, r.kind, r.year, r.parent_id, r.document_id, d.title_zh as document_title, d.published, r.publisher_id,
       ra.is_primary, ra.method, ra.score
from recommendation_areas ra
join recommendations r on r.id = ra.recommendation_id
join documents d on d.id = r.document_id
where ra.area_id = ?
order by r.year desc, ra.is_primary desc, r.position
"""


_DOCUMENTS_SQL = """
select d.id, d.title_zh, d.title_en, d.published, d.year, p.id as publisher_id, p.name_zh, p.name_en
from documents d join publishers p on p.id = d.publisher_id order by d.year, d.id
"""
SCOPE_TITLES = {
    "asks": ("Asks of chambers and councils", "商會及機構的建議"),
    "government": ("Government measures", "政府措施"),
}
# The table filters that give a cell's rows, for each scope.
SCOPE_FILTERS = {"asks": "kind__not=measure", "government": "kind=measure"}


async def matrix_page(datasette, request):
    """Top-level asks by default (``sub=1`` counts sub-items too); chambers' and
    councils' asks apart from government measures; each row under its primary
    area, or under every area it is tagged with (``tags=any``)."""
    db = await kb_database(datasette)
    by = request.args.get("by", "year")
    if by not in DIMENSIONS:
        by = "year"
    tags = request.args.get("tags", "primary")
    if tags not in TAGS:
        tags = "primary"
    top_level = request.args.get("sub") != "1"
    matrices = []
    for scope in SCOPE_TITLES:
        matrix = await db.execute_fn(lambda conn: area_matrix(conn, by, top_level=top_level, scope=scope, tags=tags))
        if matrix.columns:
            peak = max([count for row in matrix.rows for count in row.counts.values()] or [1])
            matrices.append({"scope": scope, "title": SCOPE_TITLES[scope], "matrix": matrix, "peak": peak,
                             "filters": SCOPE_FILTERS[scope] + ("&parent_id__isnull=1" if top_level else "")})
    documents = [dict(row) for row in (await db.execute(_DOCUMENTS_SQL)).rows]
    publishers = {d["publisher_id"]: d for d in documents}
    context = {"database": db.name, "matrices": matrices, "by": by, "dimensions": sorted(DIMENSIONS),
               "top_level": top_level, "documents": documents, "publishers": publishers, "tags": tags, "no_area": NONE,
               "area_filter": "_area" if tags == "any" else "primary_area_id"}
    return Response.html(await datasette.render_template("kb_areas.html", context, request=request))


async def area_page(datasette, request):
    db = await kb_database(datasette)
    area_id = request.url_vars["area_id"]
    area = await first_or_404(db, "select * from policy_areas where id = ?", [area_id], f"No policy area {area_id!r}")
    rows = [dict(row) for row in (await db.execute(_AREA_ROWS_SQL, [area_id])).rows]
    context = {"database": db.name, "area": dict(area), "rows": rows}
    return Response.html(await datasette.render_template("kb_area.html", context, request=request))
