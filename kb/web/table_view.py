"""The recommendations table made readable: what its template needs besides
Datasette's own context (names of documents, publishers and areas in both
languages), and each row's cells as a plain dict."""

from datasette.utils import tilde_decode

from kb.web.originals import original_url
from kb.web.source_view import KeptPerVersion, file_version

# Facet and filter names, in English and Chinese.
COLUMN_LABELS = {
    "area": ("Policy area", "政策範疇"),
    "primary_area_id": ("Primary policy area", "主要政策範疇"),
    "publisher_id": ("Publisher", "發表機構"),
    "year": ("Year", "年份"),
    "document_id": ("Document", "文件"),
    "section": ("Section", "章節"),
    "kind": ("Kind", "類別"),
    "parent_id": ("Parent", "所屬建議"),
}
KIND_LABELS = {
    "recommendation": ("recommendation", "建議"),
    "strategy": ("strategy", "策略"),
    "measure": ("government measure", "政府措施"),
}


async def names(db) -> dict:
    """Documents, publishers and policy areas by id, read whole: for a
    database served immutable, once per version of its file (3,000
    documents' names took a table page some 10 ms each time)."""
    version = file_version(db)
    found = _NAMES.get(version)
    if found is None:
        documents = {row["id"]: dict(row) for row in (await db.execute(
            "select id, publisher_id, title_zh, title_en, published, year from documents")).rows}
        publishers = {row["id"]: dict(row) for row in (await db.execute("select id, name_zh, name_en from publishers")).rows}
        areas = {row["id"]: dict(row) for row in (await db.execute("select id, name_zh, name_en from policy_areas")).rows}
        found = _NAMES.put(version, {"documents": documents, "publishers": publishers, "areas": areas,
                                     "columns": COLUMN_LABELS, "kinds": KIND_LABELS})
    return found


_NAMES = KeptPerVersion()


_DOCUMENT_COUNTS_SQL = """
select d.*, p.name_zh, p.name_en, count(r.id) as rows, count(r.id) - count(r.parent_id) as top_level
from documents d join publishers p on p.id = d.publisher_id left join recommendations r on r.document_id = d.id
group by d.id
"""


async def document_counts(datasette, db) -> dict:
    """Each document's publisher names, how many rows (and top-level rows) it
    holds and where its original is, by document id."""
    documents = [dict(row) for row in (await db.execute(_DOCUMENT_COUNTS_SQL)).rows]
    return {d["id"]: dict(d, original_url=original_url(datasette, d)) for d in documents}


def cells(row) -> dict:
    """A table row's raw values by column; the link column's id decoded."""
    values = {}
    for cell in row:
        raw = cell["raw"]
        if cell.get("value_type") == "pk" and isinstance(raw, str):
            raw = tilde_decode(raw)
        values[cell["column"]] = raw["value"] if isinstance(raw, dict) else raw
    return values
