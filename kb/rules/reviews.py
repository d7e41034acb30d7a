"""The reviewer's verdicts: on links between recommendations
(sources/link_reviews.yml) and on government responses
(sources/response_reviews.yml), read from their files, checked against the
rows and paragraphs, and applied to what the rules found at every build.

One record serves both files: a ``Review`` of kind ``link`` or ``response``
names two ids (a link's two rows, in the order the reviewer wrote them; a
response's ask and paragraph) and says ``confirm`` or ``reject``, with a
relation for a confirmation; a response review may instead set an ask's
``status``.  Each file has its reader (``read_link_reviews``,
``read_response_reviews``), both parsing an entry's verdict and relation in
one place; a bad file raises ``ReviewError`` naming the file and the entry.

* Links: a rejected link is removed, a confirmed one marked ``manual`` (added
  with score 100 when the rules missed it), whichever order its two rows are
  named in (``apply_link_reviews``).
* Responses: a rejected response is removed, a confirmed one marked
  ``manual`` with the reviewer's relation (added with score 100 when the
  rules missed it) (``apply_response_reviews``); a status set by the reviewer
  replaces the rule's (``apply_status_reviews``).  Entries are applied in
  order, so a later verdict on the same response wins.

The links and responses modules hold the rules; this module the verdicts on
what they found.  ``kb review`` writes response verdicts with
``response_entry`` (``kb.build.verdicts``).
"""

import re
from dataclasses import dataclass, replace
from pathlib import Path

from kb.records import Recommendation, document_of
from kb.rules.links import MANUAL, RELATED, Link, in_reading_order
from kb.rules.links import RELATIONS as LINK_RELATIONS
from kb.rules.responses import ADDRESSES, Response, Status, in_ask_order
from kb.rules.responses import RELATIONS as RESPONSE_RELATIONS
from kb.text.yamlfile import YamlFileError, read_yaml

LINK, RESPONSE = "link", "response"  # what a review is about
CONFIRM, REJECT = "confirm", "reject"
VERDICTS = (CONFIRM, REJECT)

LINK_REVIEWS_NAME, RESPONSE_REVIEWS_NAME = "link_reviews.yml", "response_reviews.yml"  # in the sources folder
SOURCES = Path(__file__).parents[2] / "sources"
DEFAULT_LINK_REVIEWS = SOURCES / LINK_REVIEWS_NAME
DEFAULT_RESPONSE_REVIEWS = SOURCES / RESPONSE_REVIEWS_NAME

_LINK_KEY_RE = re.compile(r"^\s*(\S+)\s*->\s*(\S+)\s*$")


class ReviewError(ValueError):
    """A reviews file is malformed, or names rows or paragraphs that do not
    exist; names the file and the entry."""


@dataclass(frozen=True)
class Review:
    """A reviewer's verdict on a link or on a government response, or a
    status set for an ask."""

    kind: str  # link | response
    from_id: str  # a recommendation: one of a link's two rows, or the ask a response answers
    to_id: str | None = None  # the link's other row, or the response's paragraph (None when a status is set)
    verdict: str | None = None  # confirm | reject
    relation: str | None = None  # for a confirmation: the link's or the response's relation
    status: str | None = None  # responses only: the ask's status, set by hand
    note: str | None = None  # why: kept from the response reviews (shown with a status); a link's note stays in its file
    reviewer: str | None = None  # responses only: who gave the verdict (kb review --reviewer, or the reviewer signed in)
    at: str | None = None  # responses only: when, in UTC (2026-12-07T01:50:00Z)
    was: str | None = None  # responses only: what the knowledge base showed before (addresses 45 (rule), no response …)


# What an entry of each file may hold, the word for anything else, and the relations a confirmation may give.
_FORMATS = {
    LINK: ({"from", "to", "verdict", "relation", "note"}, "unexpected keys", LINK_RELATIONS),
    RESPONSE: ({"recommendation", "paragraph", "verdict", "relation", "status", "note", "reviewer", "at", "was"}, "unknown keys",
               RESPONSE_RELATIONS),
}


# --- reading ----------------------------------------------------------------


def read_reviews(sources_dir: str | Path) -> tuple[list[Review], list[Review]]:
    """The reviewer's verdicts on links and on responses in ``sources_dir``
    (none without their files)."""
    links_path, responses_path = Path(sources_dir) / LINK_REVIEWS_NAME, Path(sources_dir) / RESPONSE_REVIEWS_NAME
    return (read_link_reviews(links_path) if links_path.is_file() else [],
            read_response_reviews(responses_path) if responses_path.is_file() else [])


def read_link_reviews(path: str | Path = DEFAULT_LINK_REVIEWS) -> list[Review]:
    """The verdicts on links: either a mapping ``"<from id> -> <to id>":
    confirm | reject | {verdict, relation, note}`` or a list of ``{from, to,
    verdict, relation, note}``."""
    path = Path(path)
    data = _load(path, LINK)
    if data is None:
        return []
    if isinstance(data, dict):
        return [_link_from_key(path, str(key), value) for key, value in data.items()]
    if isinstance(data, list):
        return [_link_from_item(path, index, item) for index, item in enumerate(data, start=1)]
    raise ReviewError(f"{path}: expected a mapping of '<from> -> <to>' to a verdict, or a list of {{from, to, verdict}}")


def read_response_reviews(path: str | Path = DEFAULT_RESPONSE_REVIEWS) -> list[Review]:
    """The verdicts on responses: a list of entries with ``recommendation``
    and either ``paragraph`` and ``verdict`` (confirm | reject, ``relation``
    for a confirmation) or ``status`` (any words, such as ``rejected``), and
    an optional ``note``."""
    path = Path(path)
    entries = _load(path, RESPONSE) or []
    if not isinstance(entries, list):
        raise ReviewError(f"{path}: expected a list of reviews")
    return [_response_review(f"{path}: review {index}", entry) for index, entry in enumerate(entries, start=1)]


def _load(path: Path, kind: str):
    try:
        return read_yaml(path)
    except OSError as error:
        raise ReviewError(f"{path}: cannot read the {kind} reviews: {error}") from error
    except YamlFileError as error:
        raise ReviewError(f"{error} (the {kind} reviews)") from None


def _link_from_key(path: Path, key: str, value) -> Review:
    match = _LINK_KEY_RE.match(key)
    if not match:
        raise ReviewError(f"{path}: entry {key!r}: the key must be '<from id> -> <to id>'")
    entry = value if isinstance(value, dict) else {"verdict": value}
    return _link_review(f"{path}: entry {key!r}", match.group(1), match.group(2), entry)


def _link_from_item(path: Path, index: int, item) -> Review:
    if not isinstance(item, dict):
        raise ReviewError(f"{path}: entry {index}: expected {{from, to, verdict, relation}}")
    where = f"{path}: entry {index} ({item.get('from')} -> {item.get('to')})"
    if not isinstance(item.get("from"), str) or not isinstance(item.get("to"), str):
        raise ReviewError(f"{where}: 'from' and 'to' must be recommendation ids")
    return _link_review(where, item["from"], item["to"], item)


def _link_review(where: str, from_id: str, to_id: str, entry: dict) -> Review:
    verdict, relation = _verdict(LINK, where, to_id, entry)
    if from_id == to_id:
        raise ReviewError(f"{where}: a row cannot be linked to itself")
    return Review(LINK, from_id, to_id, verdict, relation)


def _response_review(where: str, entry) -> Review:
    if not isinstance(entry, dict) or not entry.get("recommendation"):
        raise ReviewError(f"{where}: needs a recommendation")
    paragraph, status, note = entry.get("paragraph"), entry.get("status"), entry.get("note")
    verdict, relation = _verdict(RESPONSE, where, paragraph, entry)
    if not paragraph and not status:
        raise ReviewError(f"{where}: give a paragraph and verdict, or a status")
    return Review(RESPONSE, str(entry["recommendation"]), paragraph and str(paragraph), verdict, relation,
                  status and str(status), note and str(note), *(_stamp(entry, key) for key in ("reviewer", "at", "was")))


def _stamp(entry: dict, key: str) -> str | None:
    """Who gave a verdict, when, and what was there before, as text (or None)."""
    value = entry.get(key)
    return None if value is None else str(value)


def _verdict(kind: str, where: str, to_id, entry: dict) -> tuple[str | None, str | None]:
    """An entry's verdict and relation, checked: what both files share.  A
    link always has a verdict; a response's entry has one with a paragraph."""
    keys, unknown_word, relations = _FORMATS[kind]
    unexpected = set(entry) - keys
    if unexpected:
        raise ReviewError(f"{where}: {unknown_word} {', '.join(sorted(map(str, unexpected)))}")
    verdict, relation = entry.get("verdict"), entry.get("relation")
    if (kind == LINK or to_id) and verdict not in VERDICTS:
        raise ReviewError(f"{where}: verdict must be confirm or reject, not {verdict!r}")
    if kind == RESPONSE and verdict and not to_id:
        raise ReviewError(f"{where}: a verdict needs the paragraph it is about")
    if relation is not None and relation not in relations:
        raise ReviewError(f"{where}: unknown relation {relation!r} ({', '.join(relations[:-1])} or {relations[-1]})")
    return verdict, relation


def response_entry(review: Review) -> dict:
    """A response review as the response reviews file writes it, keys in its order."""
    keys = {"recommendation": review.from_id, "paragraph": review.to_id, "verdict": review.verdict,
            "relation": review.relation, "status": review.status, "note": review.note,
            "reviewer": review.reviewer, "at": review.at, "was": review.was}
    return {key: value for key, value in keys.items() if value is not None}


def history(reviews: list[Review], recommendation: str | None = None) -> list[Review]:
    """The verdicts on responses in the order they were given (the file is
    only ever appended to), those on one ask when ``recommendation`` is given."""
    return [r for r in reviews if r.kind == RESPONSE and (recommendation is None or r.from_id == recommendation)]


def change(review: Review) -> str:
    """What a response verdict says, in words: ``confirm addresses``, ``reject``, ``status rejected``."""
    if review.status:
        return f"status {review.status}"
    return f"{review.verdict} {review.relation}" if review.relation else str(review.verdict)


# --- checking the ids -------------------------------------------------------


def unknown_review_ids(reviews: list[Review], row_ids: set[str], paragraph_ids: set[str] = frozenset()) -> list[str]:
    """Ids the reviews name that are not among the rows (``row_ids``: a link's
    two rows, a response's ask) or the paragraphs (a response's paragraph):
    typos, or rows and paragraphs that have gone."""
    unknown = {r.from_id for r in reviews if r.from_id not in row_ids}
    unknown |= {r.to_id for r in reviews if r.kind == LINK and r.to_id not in row_ids}
    unknown |= {r.to_id for r in reviews if r.kind == RESPONSE and r.to_id and r.to_id not in paragraph_ids}
    return sorted(unknown)


def check_review_ids(path: str | Path, reviews: list[Review], row_ids: set[str], paragraph_ids: set[str] = frozenset(),
                     skipped: set[str] = frozenset()) -> None:
    """Raise ``ReviewError`` naming the reviews file ``path`` when its reviews
    name ids that do not exist (``unknown_review_ids``), but for those of the
    ``skipped`` documents (not parsed in this build)."""
    unknown = [i for i in unknown_review_ids(reviews, row_ids, paragraph_ids) if document_of(i) not in skipped]
    if unknown:
        what = "recommendation or paragraph" if any(r.kind == RESPONSE for r in reviews) else "recommendation"
        raise ReviewError(f"{path}: no such {what}: {', '.join(unknown)}")


# --- applying the verdicts --------------------------------------------------


def apply_link_reviews(links: list[Link], reviews: list[Review], rows: list[Recommendation], order: dict[str, int]) -> list[Link]:
    """Remove rejected links; mark confirmed ones ``manual``, adding them when
    missing.  Reviews naming rows that are not in ``rows`` are ignored (see
    ``unknown_review_ids``); ``order`` is the documents' publication order
    (``kb.rules.links.document_order``).  The result is in reading order."""
    document = {row.id: row.document_id for row in rows}
    by_pair = {(link.from_id, link.to_id): link for link in links}
    for review in reviews:
        if review.from_id not in document or review.to_id not in document:
            continue
        pair = _oriented(review, document, order)
        if review.verdict == REJECT:
            by_pair.pop(pair, None)
            continue
        known = by_pair.get(pair)
        chosen = review.relation or (known.relation if known else RELATED)
        by_pair[pair] = Link(*pair, known.score if known else 100, chosen, MANUAL)
    return in_reading_order(list(by_pair.values()), rows, order)


def _oriented(review: Review, document: dict[str, str], order: dict[str, int]) -> tuple[str, str]:
    """The reviewed pair, from the earlier document to the later one."""
    a, b = order.get(document[review.from_id]), order.get(document[review.to_id])
    if a is None or b is None or a == b:
        raise ReviewError(f"review {review.from_id} -> {review.to_id}: both rows must be in different, known documents")
    return (review.from_id, review.to_id) if a < b else (review.to_id, review.from_id)


def apply_response_reviews(responses: list[Response], reviews: list[Review]) -> list[Response]:
    """Rejected responses removed; confirmed ones kept (with the reviewer's
    relation) or added as ``manual`` with score 100.  Ordered by
    recommendation, then paragraph document, then falling score."""
    verdicts = [review for review in reviews if review.to_id and review.verdict]
    named = {(review.from_id, review.to_id) for review in verdicts}
    asks = {ask for ask, _ in named}
    # Only the responses a verdict names are looked up (a build holds millions).
    by_pair = {(r.recommendation_id, r.paragraph_id): r for r in responses
               if r.recommendation_id in asks and (r.recommendation_id, r.paragraph_id) in named}
    others = [r for r in responses if r.recommendation_id not in asks or (r.recommendation_id, r.paragraph_id) not in named]
    for review in verdicts:
        key = (review.from_id, review.to_id)
        if review.verdict == REJECT:
            by_pair.pop(key, None)
        elif key in by_pair:
            kept = by_pair[key]
            by_pair[key] = Response(kept.recommendation_id, kept.paragraph_id, kept.score, review.relation or kept.relation, MANUAL)
        else:
            by_pair[key] = Response(key[0], key[1], 100, review.relation or ADDRESSES, MANUAL)
    return in_ask_order(others + list(by_pair.values()))


def apply_status_reviews(statuses: list[Status], reviews: list[Review]) -> list[Status]:
    """The asks' statuses with those a reviewer set (the last for an ask
    wins) in place of the rules', method ``manual``, with the reviewer's note."""
    manual = {r.from_id: r for r in reviews if r.status}
    return [replace(s, status=manual[s.recommendation_id].status, method=MANUAL, note=manual[s.recommendation_id].note)
            if s.recommendation_id in manual else s for s in statuses]
