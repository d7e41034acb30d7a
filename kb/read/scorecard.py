"""Reading government responses back from the database: a submission's
scorecard (each ask, its status and best evidence, with counts) and a
recommendation's responses over time, for `kb responses` and the site.

The statuses, in the order they are counted (``STATUSES``): ``addressed``,
``possible response`` (paragraphs share the ask's specific terms: worth
reading, not a verdict), ``no response found`` and ``no later government
text`` (nothing in the ask's window to answer with); kb.rules.responses
says how each is found."""

import sqlite3
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import NamedTuple

from kb.read import compare as kb_compare
from kb.rules.links import clean
from kb.rules.responses import ADDRESSED, NO_LATER_TEXT, NO_RESPONSE, POSSIBLE

STATUSES = (ADDRESSED, POSSIBLE, NO_RESPONSE, NO_LATER_TEXT)
MIN_SHARED = 3  # characters: a shorter run shared with the ask is not highlighted

_EVIDENCE_SQL = """
select r.recommendation_id, r.paragraph_id, r.score, r.relation, r.method,
       p.document_id, p.number, p.page, p.text, p.line_start, p.line_end, p.chapter, p.section,
       d.title_zh, d.published
from responses r
join paragraphs p on p.id = r.paragraph_id
join documents d on d.id = p.document_id
where r.recommendation_id in ({marks})
order by d.published, d.id, (r.relation = 'addresses') desc, r.score desc, p.ordinal
"""


# The same responses and order, without the paragraphs' text: what choosing among many needs.
_EVIDENCE_KEYS_SQL = """
select r.recommendation_id, r.paragraph_id, d.published
from responses r
join paragraphs p on p.id = r.paragraph_id
join documents d on d.id = p.document_id
where r.recommendation_id in ({marks})
order by d.published, d.id, (r.relation = 'addresses') desc, r.score desc, p.ordinal
"""
# Responses of some asks by some paragraphs: those of given pairs, and a few more.
_EVIDENCE_PAIRS_SQL = _EVIDENCE_SQL.replace("r.recommendation_id in ({marks})",
                                            "r.recommendation_id in ({asks}) and r.paragraph_id in ({paragraphs})")


_DOCUMENTS_SQL = """
select d.id, d.title_zh, d.title_en, d.published, d.year, p.name_zh as publisher_zh, p.name_en as publisher_en,
       count(*) as asks,
       sum(s.status = ?) as addressed, sum(s.status = ?) as possible_response, sum(s.status = ?) as no_response,
       sum(s.status = ?) as no_later_text
from response_status s
join recommendations r on r.id = s.recommendation_id
join documents d on d.id = r.document_id
join publishers p on p.id = d.publisher_id
group by d.id
order by d.year desc, d.published desc, d.id
"""


def documents_with_asks(conn: sqlite3.Connection) -> list[dict]:
    """Each document whose asks have a status, with its counts by status:
    ``addressed``, ``possible_response``, ``no_response``, ``no_later_text``."""
    cursor = conn.execute(_DOCUMENTS_SQL, STATUSES)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


@dataclass
class Evidence:
    recommendation_id: str
    paragraph_id: str
    score: int
    relation: str
    method: str
    document_id: str
    number: str
    page: int | None
    text: str
    line_start: int
    line_end: int
    chapter: str | None
    section: str | None
    document_title: str
    published: str

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class AskCard:
    id: str
    number: str
    title: str
    status: str
    thread_status: str
    first_document_id: str | None
    latest_document_id: str | None
    method: str
    note: str | None
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def best(self) -> Evidence | None:
        return self.evidence[0] if self.evidence else None

    def to_json(self) -> dict:
        data = {key: value for key, value in asdict(self).items() if key != "evidence"}
        data["evidence"] = [e.to_json() for e in self.evidence]
        return data


@dataclass
class Scorecard:
    document: dict
    asks: list[AskCard]

    @property
    def counts(self) -> dict[str, int]:
        return {status: sum(1 for ask in self.asks if ask.status == status) for status in STATUSES}

    @property
    def summary(self) -> str:
        """``Of the CMA's 19 asks for the 2023 Policy Address: 5 addressed, …``;
        asks with no later government text are counted only when there are some."""
        counts = self.counts
        cycle = f" for the {self.document['cycle']}" if self.document.get("cycle") else ""
        parts = ", ".join(f"{counts[status]} {status}" for status in STATUSES if status != NO_LATER_TEXT or counts[status])
        others = sum(1 for ask in self.asks if ask.status not in STATUSES)
        if others:
            parts += f", {others} set by a reviewer"
        return f"Of the {self.document['publisher_id'].upper()}'s {len(self.asks)} asks{cycle}: {parts}"

    def to_json(self) -> dict:
        return {
            "document": self.document,
            "summary": self.summary,
            "counts": self.counts,
            "asks": [ask.to_json() for ask in self.asks],
        }

    def to_rows(self) -> list[dict]:
        """One row per ask and piece of evidence, strongest first (an ask
        with none gets one row with the evidence columns empty): for CSV."""
        rows = []
        for ask in self.asks:
            head = {"ask_id": ask.id, "number": ask.number, "title": ask.title, "status": ask.status,
                    "thread_status": ask.thread_status, "status_method": ask.method}
            rows += [dict(head, **{f"evidence_{key}": value for key, value in e.to_json().items() if key != "recommendation_id"})
                     for e in ask.evidence] or [head]
        return rows


def has_responses(conn: sqlite3.Connection) -> bool:
    found = conn.execute("select 1 from sqlite_master where type = 'table' and name = 'response_status'").fetchone()
    return found is not None


def scorecard(conn: sqlite3.Connection, document_id: str) -> Scorecard:
    """Every ask of a document of recommendations with its status and evidence;
    LookupError for an unknown document or one without asks."""
    keys = ("id", "publisher_id", "title_zh", "title_en", "kind", "cycle", "published", "year")
    row = conn.execute(f"select {', '.join(keys)} from documents where id = ?", [document_id]).fetchone()
    if row is None:
        raise LookupError(f"no document {document_id!r}")
    document = dict(zip(keys, row))
    sql = """
    select r.id, r.number, r.title, s.status, s.thread_status, s.first_document_id, s.latest_document_id, s.method, s.note
    from recommendations r join response_status s on s.recommendation_id = r.id
    where r.document_id = ? order by r.ordinal
    """
    asks = [AskCard(*found) for found in conn.execute(sql, [document_id])] if has_responses(conn) else []
    if not asks:
        raise LookupError(f"{document_id!r} has no recommendations to score (is it a government text?)")
    evidence = _evidence(conn, [ask.id for ask in asks])
    for ask in asks:
        ask.evidence = sorted(evidence.get(ask.id, []), key=strongest)
    return Scorecard(document, asks)


def strongest(evidence: Evidence) -> tuple:
    """A sort key putting addressing evidence first, then the highest score, then the earliest."""
    return (evidence.relation != "addresses", -evidence.score, evidence.published, evidence.paragraph_id)


def _evidence(conn: sqlite3.Connection, ids: list[str]) -> dict[str, list[Evidence]]:
    found: dict[str, list[Evidence]] = {}
    if not ids:
        return found
    for row in conn.execute(_EVIDENCE_SQL.format(marks=", ".join("?" * len(ids))), ids):
        found.setdefault(row[0], []).append(Evidence(*row))
    return found


@dataclass
class Timeline:
    """A recommendation's responses, document by document, and those to the
    other asks of its thread (the same proposal in other years)."""

    recommendation_id: str
    status: dict | None
    own: list[Evidence]
    thread: list[Evidence]
    thread_total: int | None = None  # responses to the thread's other asks, when ``thread`` holds those picked


class EvidenceKey(NamedTuple):
    """A response named, with its government text's date, before its text is read."""

    recommendation_id: str
    paragraph_id: str
    published: str


_UNREAD = object()


def timeline(conn: sqlite3.Connection, recommendation_id: str, limit: int | None = None, *, thread=_UNREAD,
             pick=None) -> Timeline | None:
    """None when the database has no responses or the row is not a top-level ask.
    With ``limit``, a thread longer than that gives the responses to the
    ``limit`` rows nearest the ask (``kb.read.compare.thread_for``); a caller
    that has read the row's thread so already passes it as ``thread``.
    ``pick`` chooses among the responses to the thread's other asks (as
    ``EvidenceKey``s, in the order ``thread`` would give them) those to read
    in full: ``thread`` holds them, ``thread_total`` how many there were."""
    if not has_responses(conn):
        return None
    keys = ("status", "thread_status", "first_document_id", "latest_document_id", "method", "note")
    row = conn.execute(
        f"select {', '.join(keys)} from response_status where recommendation_id = ?", [recommendation_id]
    ).fetchone()
    if row is None:
        return None
    if thread is _UNREAD:
        thread = kb_compare.thread_for(conn, recommendation_id, limit)
    others = [r.id for r in thread.rows if r.id != recommendation_id] if thread else []
    by_time = lambda e: (e.published, e.paragraph_id)  # noqa: E731
    if pick is None:
        evidence = _evidence(conn, [recommendation_id, *others])
        thread_evidence = [e for other in others for e in evidence.get(other, [])]
        return Timeline(recommendation_id, dict(zip(keys, row)), evidence.get(recommendation_id, []), sorted(thread_evidence, key=by_time))
    own = _evidence(conn, [recommendation_id]).get(recommendation_id, [])
    found: dict[str, list[EvidenceKey]] = {}
    if others:
        for key in conn.execute(_EVIDENCE_KEYS_SQL.format(marks=", ".join("?" * len(others))), others):
            found.setdefault(key[0], []).append(EvidenceKey(*key))
    every = sorted((key for other in others for key in found.get(other, [])), key=by_time)
    picked = list(pick(every))
    full = _evidence_of(conn, [(key.recommendation_id, key.paragraph_id) for key in picked])
    return Timeline(recommendation_id, dict(zip(keys, row)), own,
                    [full[(key.recommendation_id, key.paragraph_id)] for key in picked], len(every))


def _evidence_of(conn: sqlite3.Connection, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], Evidence]:
    """(recommendation id, paragraph id) -> its response, for the given pairs
    (read through the responses' key, by their asks and their paragraphs)."""
    found = {}
    wanted = set(pairs)
    for start in range(0, len(pairs), _PAIRS_BOUND):
        asks = list(dict.fromkeys(ask for ask, _ in pairs[start : start + _PAIRS_BOUND]))
        paragraphs = list(dict.fromkeys(paragraph for _, paragraph in pairs[start : start + _PAIRS_BOUND]))
        sql = _EVIDENCE_PAIRS_SQL.format(asks=", ".join("?" * len(asks)), paragraphs=", ".join("?" * len(paragraphs)))
        for row in conn.execute(sql, asks + paragraphs):
            if (row[0], row[1]) in wanted:
                found[(row[0], row[1])] = Evidence(*row)
    return found


_PAIRS_BOUND = 400  # pairs read in one query


def ask_text(conn: sqlite3.Connection, recommendation_id: str) -> str:
    return kb_compare.row_text(conn, recommendation_id)


def shared_runs(paragraph: str, ask: str) -> list[tuple[str, bool]]:
    """The paragraph cut into (text, shared) runs, in order: ``shared`` when
    the run's characters are among those it shares with the ask (compared
    folded, at least ``MIN_SHARED`` long).  The runs put together are the
    paragraph; the site marks the shared ones."""
    grams = _grams(ask)
    marked = [False] * len(paragraph)
    folded = [_clean_char(ch) for ch in paragraph]
    positions = [i for i, f in enumerate(folded) if f]
    kept = [folded[i] for i in positions]
    for start in range(len(positions) - MIN_SHARED + 1):
        run = "".join(kept[start : start + MIN_SHARED])
        if run in grams and not run.isdigit():
            for i in positions[start : start + MIN_SHARED]:
                marked[i] = True
    runs, start = [], 0
    for index in range(1, len(paragraph) + 1):
        if index == len(paragraph) or marked[index] != marked[start]:
            runs.append((paragraph[start:index], marked[start]))
            start = index
    return runs


@lru_cache(maxsize=256)
def _grams(ask: str) -> frozenset[str]:
    """The ask's folded runs of ``MIN_SHARED`` characters, remembered: a page
    quotes many paragraphs against the same few asks."""
    folded_ask = clean(ask)
    return frozenset(folded_ask[i : i + MIN_SHARED] for i in range(len(folded_ask) - MIN_SHARED + 1))


@lru_cache(maxsize=1 << 16)
def _clean_char(char: str) -> str:
    """``clean`` of one character, remembered: a paragraph is folded a character at a time."""
    return clean(char)
