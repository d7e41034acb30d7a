"""Counts of rows by primary policy area and by year or publisher.

Every row is counted once, under its primary area.  By default every row
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

_SQL = """
select a.id, a.name_zh, a.name_en, {column} as value, count(r.id) as n
from policy_areas a left join recommendations r on r.primary_area_id = a.id{where}
group by a.id, value
order by a.rowid, value
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

    def column_totals(self) -> dict:
        return {column: sum(row.counts.get(column, 0) for row in self.rows) for column in self.columns}

    def to_json(self) -> dict:
        return {
            "by": self.by,
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


def area_matrix(conn: sqlite3.Connection, by: str = "year", top_level: bool = False, scope: str | None = None) -> Matrix:
    """The area × year (or area × publisher) matrix, areas in taxonomy order."""
    if by not in DIMENSIONS:
        raise ValueError(f"by must be one of {', '.join(DIMENSIONS)}, not {by!r}")
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of asks, government, not {scope!r}")
    where = SCOPES[scope] + (" and r.parent_id is null" if top_level else "")
    rows: dict[str, AreaRow] = {}
    columns = set()
    for area_id, name_zh, name_en, value, count in conn.execute(_SQL.format(column=DIMENSIONS[by], where=where)):
        row = rows.setdefault(area_id, AreaRow(area_id, name_zh, name_en))
        if value is not None:
            row.counts[value] = count
            columns.add(value)
    return Matrix(by, sorted(columns), list(rows.values()))


def format_matrix(matrix: Matrix) -> str:
    """The matrix as a plain-text table, one line per area."""
    width = max(len(row.name_en) for row in matrix.rows)
    header = f"{'area':<{width}}  " + "  ".join(f"{str(c):>6}" for c in matrix.columns) + "   total"
    lines = [header]
    for row in matrix.rows:
        counts = "  ".join(f"{row.counts.get(c, 0):>6}" for c in matrix.columns)
        lines.append(f"{row.name_en:<{width}}  {counts}  {row.total:>6}")
    totals = matrix.column_totals()
    lines.append(f"{'all areas':<{width}}  " + "  ".join(f"{totals[c]:>6}" for c in matrix.columns) + f"  {sum(totals.values()):>6}")
    return "\n".join(lines)
