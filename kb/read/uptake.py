"""What a government text took up, read back from the database: the asks
one of its paragraphs responds to, and, for a whole Policy Address or
Budget, each paragraph that responds to an ask with those asks and the
counts ("The 2024-25 Budget addressed 12 asks, in 17 paragraphs, and related
to 33 more"), for `kb responses`, the paragraph pages and the site's
government side of the responses.  The other direction, a submission's asks
and what answered them, is kb.read.scorecard."""

import sqlite3
from dataclasses import asdict, dataclass, field

from kb.rules.responses import ADDRESSES
from kb.read.scorecard import has_responses
from kb.text.wording import plural

_ANSWERED_SQL = """
select r.paragraph_id, r.recommendation_id, rec.number, rec.title, r.score, r.relation, r.method,
       rec.document_id, d.title_zh, d.published, pub.name_zh, pub.name_en, coalesce(s.status, ''), rec.publisher_id
from responses r
join paragraphs p on p.id = r.paragraph_id
join recommendations rec on rec.id = r.recommendation_id
join documents d on d.id = rec.document_id
join publishers pub on pub.id = rec.publisher_id
left join response_status s on s.recommendation_id = r.recommendation_id
where {where}
order by p.ordinal, (r.relation = 'addresses') desc, r.score desc, d.published, rec.ordinal
"""

_PARAGRAPHS_SQL = """
select id, number, page, text, line_start, chapter, section from paragraphs
where document_id = ? and id in (select paragraph_id from responses) order by ordinal
"""

_ASK_COUNTS_SQL = """
select p.document_id, count(distinct case when r.relation = 'addresses' then r.recommendation_id end),
       count(distinct r.recommendation_id)
from responses r join paragraphs p on p.id = r.paragraph_id group by p.document_id
"""

_GOVERNMENT_SQL = """
select d.id, d.title_zh, d.title_en, d.published, d.year, sum(p.parent_id is null) as paragraphs
from documents d join paragraphs p on p.document_id = d.id
group by d.id order by d.published desc, d.id
"""


class UnknownPublisher(LookupError):
    """A publisher id the knowledge base does not hold."""


# Answered's fields as columns beside a paragraph's: those of the ask named as the ask's
ASK_COLUMNS = {"recommendation_id": "ask_id", "number": "ask_number", "title": "ask_title", "document_id": "ask_document_id",
               "document_title": "ask_document_title", "published": "ask_published", "status": "ask_status"}


@dataclass
class Answered:
    """An ask a government paragraph responds to, and how."""

    paragraph_id: str
    recommendation_id: str
    number: str
    title: str
    score: int
    relation: str
    method: str
    document_id: str
    document_title: str
    published: str
    publisher_zh: str
    publisher_en: str
    status: str  # the ask's status over the government texts of its window, '' without one
    publisher_id: str

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class TakenUp:
    """A paragraph of a government text and the asks it responds to."""

    id: str
    number: str
    page: int | None
    text: str
    line_start: int | None
    chapter: str | None
    section: str | None
    asks: list[Answered] = field(default_factory=list)

    @property
    def addresses(self) -> bool:
        """It addresses at least one of its asks."""
        return any(ask.relation == ADDRESSES for ask in self.asks)

    def to_json(self) -> dict:
        data = {key: value for key, value in asdict(self).items() if key != "asks"}
        data["asks"] = [ask.to_json() for ask in self.asks]
        return data


@dataclass
class Uptake:
    """A government text and every paragraph of it that responds to an ask."""

    document: dict
    paragraphs: list[TakenUp]
    publisher_id: str | None = None  # only the asks of this publisher's documents

    @property
    def addressing(self) -> list[TakenUp]:
        return [paragraph for paragraph in self.paragraphs if paragraph.addresses]

    @property
    def relating(self) -> list[TakenUp]:
        """The paragraphs that only relate to asks."""
        return [paragraph for paragraph in self.paragraphs if not paragraph.addresses]

    @property
    def counts(self) -> dict[str, int]:
        """Asks addressed, asks only related to, the paragraphs that address
        one, and the documents whose asks it responds to.  ``related only``
        counts the asks this text has only ``related`` paragraphs for: a
        relation of this text's paragraphs, not the ask's status (which is
        ``possible response`` only when a related paragraph of its window
        shares its specific terms); the key is kept as documented."""
        asks = [ask for paragraph in self.paragraphs for ask in paragraph.asks]
        addressed = {ask.recommendation_id for ask in asks if ask.relation == ADDRESSES}
        return {
            "addressed": len(addressed),
            "related only": len({ask.recommendation_id for ask in asks} - addressed),
            "addressing paragraphs": len(self.addressing),
            "documents": len({ask.document_id for ask in asks}),
        }

    @property
    def summary(self) -> str:
        """``The 2024-25 Budget addressed 12 asks, in 17 paragraphs, and related to 33 more, of 3 documents.``"""
        counts = self.counts
        name = f"The {self.document['cycle']}" if self.document.get("cycle") else self.document["title_zh"]
        whose = f" of the {self.publisher_id.upper()}" if self.publisher_id else ""
        return (f"{name} addressed {plural(counts['addressed'], 'ask')}{whose}, in {plural(counts['addressing paragraphs'], 'paragraph')}, "
                f"and related to {counts['related only']} more, of {plural(counts['documents'], 'document')}.")

    def to_json(self) -> dict:
        return {"document": self.document, "publisher_id": self.publisher_id, "summary": self.summary,
                "counts": self.counts, "paragraphs": [paragraph.to_json() for paragraph in self.paragraphs]}

    def to_rows(self) -> list[dict]:
        """One row per paragraph and ask it responds to, those that address an
        ask first, in the text's order: for CSV."""
        return [dict({f"paragraph_{key}": value for key, value in paragraph.to_json().items() if key != "asks"},
                     **{ASK_COLUMNS.get(key, key): value for key, value in ask.to_json().items() if key != "paragraph_id"})
                for paragraph in self.addressing + self.relating for ask in paragraph.asks]


def _dicts(cursor: sqlite3.Cursor) -> list[dict]:
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def answered(conn: sqlite3.Connection, paragraph_id: str) -> list[Answered]:
    """The asks a paragraph responds to: those it addresses first, then by
    falling score; empty for a database without responses."""
    if not has_responses(conn):
        return []
    return [Answered(*row) for row in conn.execute(_ANSWERED_SQL.format(where="r.paragraph_id = ?"), [paragraph_id])]


def is_government_text(conn: sqlite3.Connection, document_id: str) -> bool:
    """A document loaded as numbered paragraphs (a Policy Address, a Budget)."""
    return conn.execute("select 1 from paragraphs where document_id = ? limit 1", [document_id]).fetchone() is not None


def uptake(conn: sqlite3.Connection, document_id: str, publisher_id: str | None = None) -> Uptake:
    """Every paragraph of a government text that responds to an ask, in the
    text's order, with those asks (only the asks of ``publisher_id``'s
    documents, when given); LookupError for an unknown document or one that
    is not a government text, UnknownPublisher for an unknown publisher."""
    keys = ("id", "publisher_id", "title_zh", "title_en", "kind", "cycle", "published", "year")
    row = conn.execute(f"select {', '.join(keys)} from documents where id = ?", [document_id]).fetchone()
    if row is None:
        raise LookupError(f"no document {document_id!r}")
    if not is_government_text(conn, document_id):
        raise LookupError(f"{document_id!r} is not a government text (it has no numbered paragraphs)")
    if publisher_id and conn.execute("select 1 from publishers where id = ?", [publisher_id]).fetchone() is None:
        raise UnknownPublisher(f"no publisher {publisher_id!r}")
    if not has_responses(conn):
        return Uptake(dict(zip(keys, row)), [])
    paragraphs = [TakenUp(*found) for found in conn.execute(_PARAGRAPHS_SQL, [document_id])]
    by_id = {paragraph.id: paragraph for paragraph in paragraphs}
    where, parameters = "p.document_id = ?", [document_id]
    if publisher_id:
        where, parameters = where + " and rec.publisher_id = ?", parameters + [publisher_id]
    for found in conn.execute(_ANSWERED_SQL.format(where=where), parameters):
        by_id[found[0]].asks.append(Answered(*found))
    return Uptake(dict(zip(keys, row)), [paragraph for paragraph in paragraphs if paragraph.asks], publisher_id)


def publishers_answered(conn: sqlite3.Connection, document_id: str) -> list[dict]:
    """The publishers whose asks a government text responds to, with how many
    of their asks, most first."""
    if not has_responses(conn):
        return []
    sql = """
    select pub.id, pub.name_zh, pub.name_en, count(distinct r.recommendation_id) as asks
    from responses r join paragraphs p on p.id = r.paragraph_id
    join recommendations rec on rec.id = r.recommendation_id join publishers pub on pub.id = rec.publisher_id
    where p.document_id = ? group by pub.id order by asks desc, pub.id
    """
    return _dicts(conn.execute(sql, [document_id]))


def government_texts(conn: sqlite3.Connection) -> list[dict]:
    """Each government text, newest first, with its numbered paragraphs (not
    counting sub-items) and the asks it addressed and only related to
    (``related_only``: asks with a related paragraph of it and none that
    addresses them, whatever their status)."""
    texts = _dicts(conn.execute(_GOVERNMENT_SQL))
    counts = {found[0]: found[1:] for found in conn.execute(_ASK_COUNTS_SQL)} if has_responses(conn) else {}
    for text in texts:
        addressed, responded = counts.get(text["id"], (0, 0))
        text.update(addressed=addressed, related_only=responded - addressed)
    return texts
