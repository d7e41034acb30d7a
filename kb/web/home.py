"""The home page's overview of what the knowledge base holds, read from the
database so that it stays true as documents are added: totals, each
publisher with its documents, years and asks, and the latest documents.

A query per table, grouped by publisher: the overview costs the same at
five documents as at thousands."""

from datasette.utils import tilde_encode

from kb.web.permalinks import responses_path

LATEST = 6  # documents listed under "Latest documents"

_TOTALS_SQL = """
select (select count(*) from documents) as documents,
       (select count(*) from publishers where id in (select publisher_id from documents)) as publishers,
       (select count(*) from recommendations where parent_id is null) as top_level,
       (select count(*) from recommendations) as rows,
       (select count(*) from paragraphs where parent_id is null) as paragraphs,
       (select min(year) from documents) as first_year,
       (select max(year) from documents) as last_year
"""

_PUBLISHERS_SQL = """
select p.id, p.name_zh, p.name_en, count(*) as documents, min(d.year) as first_year,
       max(d.year) as last_year,
       (select count(*) from recommendations r where r.publisher_id = p.id and r.parent_id is null) as top_level,
       (select count(*) from paragraphs g join documents gd on gd.id = g.document_id
        where gd.publisher_id = p.id and g.parent_id is null) as paragraphs
from publishers p join documents d on d.publisher_id = p.id
group by p.id
order by top_level + paragraphs desc, p.id
"""

_LATEST_SQL = """
select d.id, d.title_zh, d.title_en, d.kind, d.year, d.published, p.name_zh as publisher_zh,
       (select count(*) from recommendations r where r.document_id = d.id and r.parent_id is null) as top_level,
       (select count(*) from recommendations r where r.document_id = d.id and r.parent_id is null
        and r.kind = 'recommendation') as asks,
       (select count(*) from paragraphs g where g.document_id = d.id and g.parent_id is null) as paragraphs
from documents d join publishers p on p.id = d.publisher_id
order by coalesce(d.published, d.year) desc, d.id
limit ?
"""


async def overview(datasette, db) -> dict:
    """Totals, publishers and the latest documents, with their URLs."""
    totals = dict((await db.execute(_TOTALS_SQL)).first())
    publishers = [dict(row) for row in (await db.execute(_PUBLISHERS_SQL)).rows]
    for publisher in publishers:
        publisher["documents_url"] = datasette.urls.table(db.name, "documents") + f"?publisher_id={publisher['id']}"
        publisher["rows_url"] = datasette.urls.table(db.name, "recommendations") + f"?publisher_id={publisher['id']}"
    latest = [dict(row) for row in (await db.execute(_LATEST_SQL, [LATEST])).rows]
    for document in latest:
        document["url"] = datasette.urls.row(db.name, "documents", tilde_encode(document["id"]))
        if document["asks"] or document["paragraphs"]:  # a submission's scorecard, or what a government text took up
            document["responses_url"] = datasette.urls.path(responses_path(document["id"]))
    return {"totals": totals, "publishers": publishers, "latest": latest}
