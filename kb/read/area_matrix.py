"""Counts of rows by policy area and by year or publisher.

``tags="primary"`` (the default) counts every row once, under its primary
area; ``tags="any"`` counts a row under every area it is tagged with, so an
area's count is every row tagged with it, and a row tagged with two areas
counts in both.  Rows no area fits are counted in a last row of their own,
``NONE`` ("no area fits").  By default every row
counts: recommendations, their sub-items, strategies and measures alike (the
same rows the recommendations table facets count).  ``top_level`` counts only
rows without a parent (each ask once, however many sub-items it has);
``scope`` keeps either the asks of chambers and councils (``"asks"``: every
kind but ``measure``) or what governments report they do (``"government"``:
``measure``).
"""

import sqlite3
from dataclasses import dataclass, field

DIMENSIONS = {"year": "r.year", "publisher": "r.publisher_id"}
GOVERNMENT_KINDS = ("measure",)
SCOPES = {
    None: "",
    "asks": f" and r.kind not in ({', '.join(repr(k) for k in GOVERNMENT_KINDS)})",
    "government": f" and r.kind in ({', '.join(repr(k) for k in GOVERNMENT_KINDS)})",
}

TAGS = {
    "primary": "left join recommendations r on r.primary_area_id = a.id{where}",
    "any": "left join recommendation_areas ra on ra.area_id = a.id left join recommendations r on r.id = ra.recommendation_id{where}",
}
NONE = "none"
NONE_NAMES = ("無合適範疇", "No area fits")
_SQL = """
select a.id, a.name_zh, a.name_en, {column} as value, count(r.id) as n
from policy_areas a {join}
group by a.id, value
order by a.rowid, value
"""
_NONE_SQL = """
select {column} as value, count(*) as n from recommendations r
where r.primary_area_id is null{where}
group by value order by value
"""


@dataclass
class AreaRow:
    area_id: str
    name_zh: str
    name_en: str
    counts: dict = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Matrix:
    by: str
    columns: list
    rows: list[AreaRow]
    tags: str = "primary"  # "primary": each row once; "any": under every area it is tagged with

    def column_totals(self) -> dict:
        return {column: sum(row.counts.get(column, 0) for row in self.rows) for column in self.columns}

    def to_json(self) -> dict:
        return {
            "by": self.by,
            "tags": self.tags,
            "columns": self.columns,
            "rows": [
                {
                    "area_id": r.area_id,
                    "name_zh": r.name_zh,
                    "name_en": r.name_en,
                    "counts": {column: r.counts.get(column, 0) for column in self.columns},
                    "total": r.total,
                }
                for r in self.rows
            ],
        }


def area_matrix(conn: sqlite3.Connection, by: str = "year", top_level: bool = False, scope: str | None = None,
                tags: str = "primary") -> Matrix:
    """The area × year (or area × publisher) matrix, areas in taxonomy order,
    then the rows no area fits."""
    if by not in DIMENSIONS:
        raise ValueError(f"by must be one of {', '.join(DIMENSIONS)}, not {by!r}")
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of asks, government, not {scope!r}")
    if tags not in TAGS:
        raise ValueError(f"tags must be one of {', '.join(TAGS)}, not {tags!r}")
    where = SCOPES[scope] + (" and r.parent_id is null" if top_level else "")
    rows: dict[str, AreaRow] = {}
    columns = set()
    found = conn.execute(_SQL.format(column=DIMENSIONS[by], join=TAGS[tags].format(where=where)))
    for area_id, name_zh, name_en, value, count in found:
        row = rows.setdefault(area_id, AreaRow(area_id, name_zh, name_en))
        if value is not None:
            row.counts[value] = count
            columns.add(value)
    untagged = AreaRow(NONE, *NONE_NAMES)
    for value, count in conn.execute(_NONE_SQL.format(column=DIMENSIONS[by], where=where)):
        untagged.counts[value] = count
        columns.add(value)
    return Matrix(by, sorted(columns), [*rows.values(), untagged], tags)


def format_matrix(matrix: Matrix) -> str:
    """The matrix as a plain-text table, one line per area."""
    width = max(len(row.name_en) for row in matrix.rows)
    header = f"{'area':<{width}}  " + "  ".join(f"{str(c):>6}" for c in matrix.columns) + "   total"
    lines = [header]
    for row in matrix.rows:
        counts = "  ".join(f"{row.counts.get(c, 0):>6}" for c in matrix.columns)
        lines.append(f"{row.name_en:<{width}}  {counts}  {row.total:>6}")
    if matrix.tags == "primary":  # with every tag a row counts in several areas: no total
        totals = matrix.column_totals()
        lines.append(f"{'all areas':<{width}}  " + "  ".join(f"{totals[c]:>6}" for c in matrix.columns) + f"  {sum(totals.values()):>6}")
    return "\n".join(lines)
