"""The recommendations table filtered and faceted by every policy-area tag.

``?_area=<area id>`` keeps the rows tagged with the area, as primary or
secondary (table ``recommendation_areas``), and ``?_area=none`` the rows no
area fits; the table's page, its JSON, its CSV and its Excel CSV all read the
same filter.  ``AreaFacet`` (``facets: [{area: id}]`` in metadata.yml) counts
the rows of the filtered table under every area they are tagged with, so a row
tagged with two areas counts under both, and its links set ``?_area=``.
``?primary_area_id=`` still filters by the primary area alone."""

from datasette.facets import Facet
from datasette.filters import FilterArguments
from datasette.utils import path_with_added_args, path_with_removed_args
from datasette.database import QueryInterrupted

PARAMETER = "_area"  # a leading underscore: Datasette reads other names as columns
FACET = "area"
NONE = "none"
TABLE = "recommendations"
_TAGGED = "id in (select recommendation_id from recommendation_areas where area_id = :{name})"
_UNTAGGED = "id not in (select recommendation_id from recommendation_areas)"
_FACET_SQL = """
with inner as ({sql})
select coalesce(ra.area_id, '{none}') as value, count(*) as count
from inner left join recommendation_areas ra on ra.recommendation_id = inner.id
group by value order by count desc, value limit {limit}
"""


def filter_arguments(request, table: str) -> FilterArguments | None:
    """The where clauses of every ``?_area=`` of a request on the recommendations table."""
    if table != TABLE or request is None:
        return None
    values = [value for value in request.args.getlist(PARAMETER) if value]
    if not values:
        return None
    clauses, params, descriptions = [], {}, []
    for index, value in enumerate(values):
        if value == NONE:
            clauses.append(_UNTAGGED)
            descriptions.append("no policy area fits")
            continue
        name = f"kb_area_{index}"
        clauses.append(_TAGGED.format(name=name))
        params[name] = value
        descriptions.append(f"tagged with policy area {value}")
    return FilterArguments(clauses, params, descriptions)


class AreaFacet(Facet):
    """Counts by every area a row is tagged with (``none`` for rows none fits)."""

    type = "area"

    async def suggest(self):
        return []

    async def facet_results(self):
        if self.table != TABLE:
            return [], []
        limit = self.get_facet_size()
        sql = _FACET_SQL.format(sql=self.sql, none=NONE, limit=limit + 1)
        try:
            rows = (await self.ds.execute(self.database, sql, self.params, truncate=False,
                                          custom_time_limit=self.ds.setting("facet_time_limit_ms"))).rows
        except QueryInterrupted:
            return [], [FACET]
        selected = set(self.request.args.getlist(PARAMETER))
        names = await self._names()
        values = [self._value(row["value"], row["count"], row["value"] in selected, names) for row in rows[:limit]]
        result = {"name": FACET, "type": self.type, "results": values, "hideable": False,
                  "toggle_url": self.ds.urls.path(self.request.path), "truncated": len(rows) > limit}
        return [result], []

    async def _names(self) -> dict:
        rows = (await self.ds.execute(self.database, "select id, name_zh from policy_areas")).rows
        return {row["id"]: row["name_zh"] for row in rows}

    def _value(self, value: str, count: int, selected: bool, names: dict) -> dict:
        change = path_with_removed_args if selected else path_with_added_args
        path = change(self.request, {PARAMETER: value})
        return {"value": value, "label": names.get(value, "無合適範疇" if value == NONE else value), "count": count,
                "toggle_url": self.ds.absolute_url(self.request, path), "selected": selected}
