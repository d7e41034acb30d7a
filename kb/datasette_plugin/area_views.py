"""The policy-area pages: the area × year (or publisher) matrix as a heat
map, and one area's rows, newest first."""

from datasette.utils.asgi import Response

from kb.area_matrix import DIMENSIONS, area_matrix
from kb.datasette_plugin.source_view import first_or_404, kb_database

MATRIX_ROUTE = r"^/-/areas$"
AREA_ROUTE = r"^/-/areas/(?P<area_id>[a-z0-9_]+)$"

_AREA_ROWS_SQL = """
select r.id, r.title, r.kind, r.year, r.document_id, d.title_zh as document_title, r.publisher_id,
       ra.is_primary, ra.method, ra.score
from recommendation_areas ra
join recommendations r on r.id = ra.recommendation_id
join documents d on d.id = r.document_id
where ra.area_id = ?
order by r.year desc, ra.is_primary desc, r.position
"""


async def matrix_page(datasette, request):
    db = await kb_database(datasette)
    by = request.args.get("by", "year")
    if by not in DIMENSIONS:
        by = "year"
    matrix = await db.execute_fn(lambda conn: area_matrix(conn, by))
    peak = max([count for row in matrix.rows for count in row.counts.values()] or [1])
    context = {"database": db.name, "matrix": matrix, "peak": peak, "by": by, "dimensions": sorted(DIMENSIONS)}
    return Response.html(await datasette.render_template("kb_areas.html", context, request=request))


async def area_page(datasette, request):
    db = await kb_database(datasette)
    area_id = request.url_vars["area_id"]
    area = await first_or_404(db, "select * from policy_areas where id = ?", [area_id], f"No policy area {area_id!r}")
    rows = [dict(row) for row in (await db.execute(_AREA_ROWS_SQL, [area_id])).rows]
    context = {"database": db.name, "area": dict(area), "rows": rows}
    return Response.html(await datasette.render_template("kb_area.html", context, request=request))
