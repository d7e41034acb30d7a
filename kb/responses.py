"""Government responses: which paragraphs of a later government text respond
to a recommendation, and what that makes of the recommendation's status.

Pure: rows, paragraphs and documents in, ``Response`` and ``Status`` records
out; nothing here touches SQLite.  The rules look at one pair of documents at
a time (``rule_responses``): the asks of one submission (kind
``recommendation``, their sub-items' text folded in) and the paragraphs of
one government document published after it (publication dates compared as
written, ``2023`` before ``2023-10-25``; ``response_pairs`` lists the pairs).
Every weight is counted within the pair, and slogans come from the pair or
from the fixed list kb/data/slogans.yml, so a pair's responses change only
when one of its two documents does.  Within a pair, the paragraphs that
respond are found in two steps:

1. Candidates (``candidate_pairs``): an inverted index from words (jieba,
   ``kb.segment``) and quoted names to the paragraphs holding them; only
   paragraphs sharing a word found in at most ``CANDIDATE_MAX_ROWS``
   paragraphs and asks, or a quoted name, are compared.  No all-pairs scan.
2. Evidence (``evidence``), on text folded by ``kb.normalize`` and cleaned
   as ``kb.links`` cleans it:
   * ``share`` and ``weight``: the words of the ask (its title, its
     sub-items' titles and its sentences that ask: 建議, 應, 希望 …) found in
     the paragraph, weighted by their rarity (inverse document frequency
     over the pair's asks and paragraphs); ``share`` is their part of the paragraph's
     weight, ``weight`` their sum: a paragraph mostly about what was asked;
   * ``names``: names quoted in 「」, 《》 or “” that both mention and that
     at most ``NAME_MAX_ROWS`` rows of the pair mention: 「產學研 1+ 計劃」, 「人才服務窗口」;
     a slogan such as 「新型工業化」 is everywhere and does not count;
   * ``title``: the share of the ask's title (or a sub-item's title) that
     the paragraph's own words restate.
   A sub-item is read with the words before its paragraph's (i).
3. ``score`` (0–100) combines them; a pair scoring at least
   ``ADDRESSES_SCORE`` is ``addresses``, at least ``RELATED_SCORE``
   ``related``; at most ``MAX_PER_DOCUMENT`` paragraphs per ask and document
   are kept, best first.

A reviewer's verdicts in sources/response_reviews.yml (``read_reviews``)
are applied at every build: ``confirm`` (with a relation) adds or fixes a
response as ``manual``, ``reject`` removes one, and ``status`` sets an
ask's status (``rejected`` only ever comes from a reviewer).

Calibration and figures: see scripts/response_accuracy.py and the README.
"""

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from kb.graph import connected_groups
from kb.links import SENTENCE_RE, clean, pieces, quoted_names
from kb.normalize import normalize
from kb.records import Document, Paragraph, Recommendation

DEFAULT_REVIEWS = Path(__file__).parent.parent / "sources" / "response_reviews.yml"
SLOGANS_PATH = Path(__file__).parent / "data" / "slogans.yml"

ADDRESSES, RELATED = "addresses", "related"
RELATIONS = (ADDRESSES, RELATED)
RULE, MANUAL = "rule", "manual"
CONFIRM, REJECT = "confirm", "reject"
ADDRESSED, RELATED_ONLY, NO_RESPONSE = "addressed", "related only", "no response found"
NO_LATER_TEXT = "no later government text"  # no government text in the knowledge base came after the ask
STATUS_ORDER = {ADDRESSED: 0, RELATED_ONLY: 1, NO_RESPONSE: 2, NO_LATER_TEXT: 3}

# Candidates
CANDIDATE_MAX_ROWS = 10  # a bigram in more asking sentences and paragraphs of the pair than this does not make a candidate
# Evidence
MIN_UNIT = 4  # cleaned characters: shorter asking sentences are left out
RARE_ROWS = 160  # a bigram in at most this many asking sentences and paragraphs counts as evidence
NAME_MAX_ROWS = 5  # a quoted name mentioned by at most this many rows is specific
NAME_MIN_CHARS = 4
SLOGAN_MIN_ROWS = 8  # a quoted name in more rows than this is a slogan
# Scoring
NAME_POINTS = 15
ADDRESSES_SCORE = 45
RELATED_SCORE = 25
MAX_PER_DOCUMENT = 5

_ASK_RE = re.compile("建议|应|希望|促请|可考虑|呼吁|不妨|宜")


class ResponseReviewError(ValueError):
    """The response reviews file is malformed; names the file and the entry."""


@dataclass(frozen=True)
class Response:
    recommendation_id: str
    paragraph_id: str
    score: int  # 0-100
    relation: str  # addresses | related
    method: str  # rule | manual


@dataclass(frozen=True)
class Review:
    """A reviewer's verdict on one response, or a status set for an ask."""

    recommendation_id: str
    paragraph_id: str | None = None
    verdict: str | None = None  # confirm | reject
    relation: str | None = None
    status: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Status:
    recommendation_id: str
    status: str
    first_document_id: str | None
    latest_document_id: str | None
    thread_status: str
    method: str
    note: str | None = None


@dataclass
class AskProfile:
    id: str
    document_id: str
    units: list[set[str]]  # the bigrams of its title, its sub-items' titles and each asking sentence
    text: str  # all of it, cleaned
    names: set[str]


@dataclass
class ParagraphProfile:
    id: str
    document_id: str
    own: str  # its own text, cleaned
    grams: set[str]  # bigrams of its text read with its paragraph's lead
    names: set[str]


@dataclass(frozen=True)
class Evidence:
    wording: float  # the weight of the best-matched asking sentence's rare bigrams found in the paragraph
    coverage: float  # the share of that sentence's rare weight
    names: tuple[str, ...]


# --- profiles ---------------------------------------------------------------


_NUMBER_RE = re.compile("^[零〇一二三四五六七八九十百千万亿两个多余半第年月日]+$")
_HAN_RUN_RE = re.compile("[\u3400-\u9fff]+")
_LATIN_RE = re.compile("[a-z][a-z0-9]{2,}")


def bigrams(cleaned: str) -> set[str]:
    """The character bigrams of cleaned text, runs of Han characters only,
    numbers written in Chinese left out, with Latin words of three letters or
    more (RCEP, ESG) as they are."""
    found = set()
    for run in _HAN_RUN_RE.findall(cleaned):
        found |= {run[i : i + 2] for i in range(len(run) - 1) if not _NUMBER_RE.match(run[i : i + 2])}
    return found | set(_LATIN_RE.findall(cleaned))


def ask_profiles(rows: list[Recommendation], slogans: set[str] = frozenset()) -> list[AskProfile]:
    """A profile for every top-level recommendation (not strategies or measures).
    ``slogans`` are quoted names found everywhere: their words are no evidence."""
    children: dict[str, list[Recommendation]] = defaultdict(list)
    for row in rows:
        if row.parent_id:
            children[row.parent_id].append(row)
    profiles = []
    for row in rows:
        if row.parent_id or row.kind != "recommendation":
            continue
        subs = children.get(row.id, [])
        folded = normalize("\n".join([row.title, row.body or ""] + [f"{c.title}\n{c.body or ''}" for c in subs]))
        asking = [clean(sentence) for sentence in SENTENCE_RE.split(folded) if _ASK_RE.search(sentence)]
        titles = [clean(row.title)] + [clean(c.title) for c in subs]
        units = [bigrams(_without(unit, slogans)) for unit in titles + asking if len(unit) >= MIN_UNIT]
        profiles.append(AskProfile(row.id, row.document_id, units, clean(folded), quoted_names(folded) - slogans))
    return profiles


def paragraph_profiles(paragraphs: list[Paragraph], slogans: set[str] = frozenset()) -> list[ParagraphProfile]:
    """A profile for every paragraph; a sub-item is read with its paragraph's lead."""
    lead = {p.id: p.text for p in paragraphs if not p.parent_id}
    profiles = []
    for paragraph in paragraphs:
        folded = normalize(paragraph.text)
        context = clean(lead.get(paragraph.parent_id, "")) if paragraph.parent_id else ""
        grams = bigrams(_without(clean(folded), slogans)) | bigrams(_without(context, slogans))
        profiles.append(ParagraphProfile(paragraph.id, paragraph.document_id, clean(folded), grams, quoted_names(folded) - slogans))
    return profiles


def _without(cleaned: str, slogans: set[str]) -> str:
    for slogan in slogans:
        cleaned = cleaned.replace(slogan, " ")
    return cleaned


@cache
def fixed_slogans() -> frozenset[str]:
    """The slogans listed in kb/data/slogans.yml, cleaned."""
    return frozenset(clean(name) for name in yaml.safe_load(SLOGANS_PATH.read_text(encoding="utf-8")))


def slogans_of(rows: list[Recommendation], paragraphs: list[Paragraph]) -> set[str]:
    """The fixed slogans (``fixed_slogans``) and the quoted names that more
    than ``SLOGAN_MIN_ROWS`` of these asks and paragraphs mention: a paragraph
    repeating 「新型工業化」 or 「一國兩制」 answers nothing."""
    return set(fixed_slogans()) | quoted_slogans(rows, paragraphs)


def quoted_slogans(rows: list[Recommendation], paragraphs: list[Paragraph]) -> set[str]:
    """Quoted names that more than ``SLOGAN_MIN_ROWS`` asks and paragraphs mention."""
    texts = [clean(f"{row.title} {row.body or ''}") for row in rows] + [clean(p.text) for p in paragraphs]
    names = {name for row in rows for name in quoted_names(normalize(f"{row.title} {row.body or ''}"))}
    names |= {name for p in paragraphs for name in quoted_names(normalize(p.text))}
    return {name for name in names if len(name) >= 2 and sum(name in text for text in texts) > SLOGAN_MIN_ROWS}


@dataclass
class Corpus:
    """What every comparison needs to know about all the asks and paragraphs."""

    idf: dict[str, float]
    frequency: Counter
    specific_names: set[str]


def corpus(asks: list[AskProfile], paragraphs: list[ParagraphProfile]) -> Corpus:
    units = [unit for ask in asks for unit in ask.units] + [p.grams for p in paragraphs]
    frequency = Counter(gram for unit in units for gram in unit)
    idf = {gram: math.log((len(units) + 1) / count) for gram, count in frequency.items()}
    names = {name for unit in [*asks, *paragraphs] for name in unit.names if len(name) >= NAME_MIN_CHARS}
    texts = [ask.text for ask in asks] + [p.own for p in paragraphs]
    specific = {name for name in names if sum(name in text for text in texts) <= NAME_MAX_ROWS}
    return Corpus(idf, frequency, specific)


# --- candidates -------------------------------------------------------------


def candidate_pairs(
    asks: list[AskProfile], paragraphs: list[ParagraphProfile], found: Corpus
) -> list[tuple[AskProfile, ParagraphProfile]]:
    """(ask, paragraph) pairs worth comparing within one pair of documents: the
    paragraph shares a bigram found in at most ``CANDIDATE_MAX_ROWS`` units, or
    a quoted name.  An inverted index from those keys to paragraphs: no
    all-pairs scan."""
    index: dict[str, set[int]] = defaultdict(set)
    for position, paragraph in enumerate(paragraphs):
        for gram in paragraph.grams:
            if found.frequency[gram] <= CANDIDATE_MAX_ROWS:
                index[gram].add(position)
        for name in paragraph.names & found.specific_names:
            index["「" + name].add(position)
    pairs = []
    for ask in asks:
        keys = {gram for unit in ask.units for gram in unit if found.frequency[gram] <= CANDIDATE_MAX_ROWS}
        keys |= {"「" + name for name in ask.names & found.specific_names}
        hit = set().union(*(index.get(key, set()) for key in keys)) if keys else set()
        pairs += [(ask, paragraphs[i]) for i in sorted(hit)]
    return pairs


def later_documents(documents: list[Document], government: set[str]) -> dict[str, set[str]]:
    """For each document, the government documents published after it."""
    return {
        document.id: {other.id for other in documents if other.id in government and str(other.published) > str(document.published)}
        for document in documents
    }


# --- evidence and score -----------------------------------------------------


def evidence(ask: AskProfile, paragraph: ParagraphProfile, found: Corpus) -> Evidence:
    """The asking sentence (or title) the paragraph says most of, and the names they share."""
    wording = coverage = 0.0
    for unit in ask.units:
        rare = {gram for gram in unit if found.frequency[gram] <= RARE_ROWS}
        total = sum(found.idf[gram] for gram in rare)
        if not total:
            continue
        matched = sum(found.idf[gram] for gram in rare & paragraph.grams)
        if matched > wording:
            wording, coverage = matched, matched / total
    names = tuple(sorted(n for n in found.specific_names & (ask.names | paragraph.names) if n in ask.text and n in paragraph.own))
    return Evidence(wording, coverage, names)


def score(found: Evidence) -> int:
    return min(100, round(found.wording + NAME_POINTS * len(found.names)))


def relation(points: int, first: bool = True) -> str | None:
    """``addresses`` only for the best paragraph of a document, and only when
    it scores ``ADDRESSES_SCORE``; ``related`` from ``RELATED_SCORE``."""
    if first and points >= ADDRESSES_SCORE:
        return ADDRESSES
    if points >= RELATED_SCORE:
        return RELATED
    return None


# --- computing the responses ------------------------------------------------


def rule_responses(asks: list[Recommendation], paragraphs: list[Paragraph]) -> list[Response]:
    """The rules' responses for ONE pair: ``asks`` are the rows of one
    submission document (sub-items included), ``paragraphs`` the paragraphs of
    one government document published after it.  A pure function of those two
    documents and of the fixed files shipped with kb: every weight (rarity,
    slogans, specific names) is counted within the pair, so that a build may
    recompute only the pairs whose documents changed.  Ordered by
    recommendation, then falling score; reviewer's verdicts not applied."""
    responses = []
    for ask_id, scored in rank_pair(asks, paragraphs).items():
        found = [(pid, points, relation(points, first=index == 0)) for index, (points, pid) in enumerate(scored)]
        responses += [Response(ask_id, pid, points, kind, RULE) for pid, points, kind in found if kind][:MAX_PER_DOCUMENT]
    return responses


def rank_pair(asks: list[Recommendation], paragraphs: list[Paragraph]) -> dict[str, list[tuple[int, str]]]:
    """Ask id -> every candidate paragraph's (score, id), best first, for one
    (submission document, government document) pair: what ``rule_responses``
    keeps, and what calibration reads."""
    slogans = slogans_of([row for row in asks if not row.parent_id], paragraphs)
    ask_rows = ask_profiles(asks, slogans)
    profiles = paragraph_profiles(paragraphs, slogans)
    found = corpus(ask_rows, profiles)
    ranked: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for ask, paragraph in candidate_pairs(ask_rows, profiles, found):
        ranked[ask.id].append((score(evidence(ask, paragraph, found)), paragraph.id))
    order = {p.id: index for index, p in enumerate(paragraphs)}
    return {key: sorted(value, key=lambda pair: (-pair[0], order[pair[1]])) for key, value in sorted(ranked.items())}


def response_pairs(documents: list[Document], rows: list[Recommendation], paragraphs: list[Paragraph]) -> list[tuple[str, str]]:
    """Every (submission document, government document) pair to score: a
    document with asks and a government document published after it."""
    with_asks = {row.document_id for row in rows if not row.parent_id and row.kind == "recommendation"}
    later = later_documents(documents, {p.document_id for p in paragraphs})
    return [(document.id, government) for document in documents if document.id in with_asks
            for government in sorted(later.get(document.id, ()))]


def _by_document(items) -> dict[str, list]:
    grouped: dict[str, list] = defaultdict(list)
    for item in items:
        grouped[item.document_id].append(item)
    return grouped


def rank_pairs(
    rows: list[Recommendation], paragraphs: list[Paragraph], documents: list[Document]
) -> dict[tuple[str, str], list[tuple[int, str]]]:
    """(ask id, government document id) -> ranked paragraphs, pair by pair."""
    rows_of, paragraphs_of = _by_document(rows), _by_document(paragraphs)
    ranked = {}
    for submission, government in response_pairs(documents, rows, paragraphs):
        for ask_id, scored in rank_pair(rows_of[submission], paragraphs_of[government]).items():
            ranked[(ask_id, government)] = scored
    return dict(sorted(ranked.items()))


def compute_responses(
    rows: list[Recommendation],
    paragraphs: list[Paragraph],
    documents: list[Document],
    reviews: list[Review] | None = None,
) -> list[Response]:
    """Every response found by the rules, pair by pair (``rule_responses``),
    with the reviewer's verdicts applied; ordered by recommendation, then
    paragraph document, then falling score."""
    rows_of, paragraphs_of = _by_document(rows), _by_document(paragraphs)
    responses = []
    for submission, government in response_pairs(documents, rows, paragraphs):
        responses += rule_responses(rows_of[submission], paragraphs_of[government])
    return apply_reviews(responses, reviews or [])


# --- the reviewer's verdicts ------------------------------------------------


def apply_reviews(responses: list[Response], reviews: list[Review]) -> list[Response]:
    """Rejected responses removed; confirmed ones kept (with the reviewer's
    relation) or added as ``manual`` with score 100."""
    by_pair = {(r.recommendation_id, r.paragraph_id): r for r in responses}
    for review in reviews:
        if not review.paragraph_id or not review.verdict:
            continue
        key = (review.recommendation_id, review.paragraph_id)
        if review.verdict == REJECT:
            by_pair.pop(key, None)
        elif key in by_pair:
            kept = by_pair[key]
            by_pair[key] = Response(kept.recommendation_id, kept.paragraph_id, kept.score, review.relation or kept.relation, MANUAL)
        else:
            by_pair[key] = Response(key[0], key[1], 100, review.relation or ADDRESSES, MANUAL)
    return sorted(by_pair.values(), key=lambda r: (r.recommendation_id, r.paragraph_id.split("/")[0], -r.score, r.paragraph_id))


def read_reviews(path: str | Path = DEFAULT_REVIEWS) -> list[Review]:
    """The reviewer's verdicts: a list of entries with ``recommendation`` and
    either ``paragraph`` and ``verdict`` (confirm | reject, ``relation`` for a
    confirmation) or ``status`` (any words, such as ``rejected``), and an
    optional ``note``."""
    path = Path(path)
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as error:
        raise ResponseReviewError(f"{path}: cannot be read: {error}") from error
    if not isinstance(entries, list):
        raise ResponseReviewError(f"{path}: expected a list of reviews")
    return [_review(path, index, entry) for index, entry in enumerate(entries, start=1)]


def _review(path: Path, index: int, entry) -> Review:
    where = f"{path}: review {index}"
    if not isinstance(entry, dict) or not entry.get("recommendation"):
        raise ResponseReviewError(f"{where}: needs a recommendation")
    unknown = set(entry) - {"recommendation", "paragraph", "verdict", "relation", "status", "note"}
    if unknown:
        raise ResponseReviewError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    verdict, paragraph, relation_, status = (entry.get(k) for k in ("verdict", "paragraph", "relation", "status"))
    if paragraph and verdict not in (CONFIRM, REJECT):
        raise ResponseReviewError(f"{where}: verdict must be confirm or reject, not {verdict!r}")
    if verdict and not paragraph:
        raise ResponseReviewError(f"{where}: a verdict needs the paragraph it is about")
    if relation_ is not None and relation_ not in RELATIONS:
        raise ResponseReviewError(f"{where}: relation must be addresses or related, not {relation_!r}")
    if not paragraph and not status:
        raise ResponseReviewError(f"{where}: give a paragraph and verdict, or a status")
    return Review(str(entry["recommendation"]), paragraph and str(paragraph), verdict, relation_,
                  status and str(status), entry.get("note") and str(entry["note"]))


def unknown_review_ids(reviews: list[Review], row_ids: set[str], paragraph_ids: set[str]) -> list[str]:
    """Ids the reviews name that are not in the knowledge base."""
    unknown = [r.recommendation_id for r in reviews if r.recommendation_id not in row_ids]
    unknown += [r.paragraph_id for r in reviews if r.paragraph_id and r.paragraph_id not in paragraph_ids]
    return sorted(set(unknown))


# --- statuses ---------------------------------------------------------------


def statuses(
    rows: list[Recommendation],
    responses: list[Response],
    documents: list[Document],
    threads: list[set[str]],
    reviews: list[Review] | None = None,
    government: set[str] | None = None,
) -> list[Status]:
    """One status per top-level recommendation: ``addressed`` when a paragraph
    addresses it, ``related only`` when paragraphs are only related, else
    ``no response found`` — or ``no later government text`` when none of the
    ``government`` documents was published after the ask's document (there was
    nothing to respond with yet); the first and latest addressing documents (by
    publication); the best status over its thread (``threads``: sets of row
    ids linked across years); a reviewer's status overrides the rule's."""
    published = {d.id: str(d.published) for d in documents}
    later = later_documents(documents, government) if government is not None else {}
    by_ask: dict[str, list[Response]] = defaultdict(list)
    for response in responses:
        by_ask[response.recommendation_id].append(response)
    own = {}
    for row in rows:
        if row.parent_id or row.kind != "recommendation":
            continue
        found = by_ask.get(row.id, [])
        addressing = sorted({r.paragraph_id.split("/")[0] for r in found if r.relation == ADDRESSES}, key=lambda d: (published.get(d, ""), d))
        status = ADDRESSED if addressing else RELATED_ONLY if found else NO_RESPONSE
        if status == NO_RESPONSE and government is not None and not later.get(row.document_id):
            status = NO_LATER_TEXT
        own[row.id] = (status, addressing[0] if addressing else None, addressing[-1] if addressing else None)
    thread_of = {member: thread for thread in threads for member in thread}
    manual = {r.recommendation_id: r for r in reviews or [] if r.status}
    result = []
    for row_id, (status, first, latest) in own.items():
        members = thread_of.get(row_id, {row_id})
        thread_status = min((own[m][0] for m in members if m in own), key=STATUS_ORDER.__getitem__)
        if row_id in manual:
            review = manual[row_id]
            result.append(Status(row_id, review.status, first, latest, thread_status, MANUAL, review.note))
        else:
            result.append(Status(row_id, status, first, latest, thread_status, RULE))
    return result


# --- at build ---------------------------------------------------------------

REVIEWS_NAME = "response_reviews.yml"


@dataclass
class Answers:
    """What a build writes about government responses."""

    responses: list[Response]
    statuses: list[Status]


def answers_for_build(sources_dir: str | Path, rows, paragraphs, documents, links) -> Answers:
    """Responses and statuses for the build, with the reviewer's file (if any)
    in ``sources_dir`` applied; a review naming an unknown row or paragraph is
    an error naming the file."""
    path = Path(sources_dir) / REVIEWS_NAME
    reviews = read_reviews(path) if path.is_file() else []
    unknown = unknown_review_ids(reviews, {row.id for row in rows}, {p.id for p in paragraphs})
    if unknown:
        raise ResponseReviewError(f"{path}: no such recommendation or paragraph: {', '.join(unknown)}")
    responses = compute_responses(rows, paragraphs, documents, reviews)
    threads = connected_groups((link.from_id, link.to_id) for link in links)
    government = {p.document_id for p in paragraphs}
    return Answers(responses, statuses(rows, responses, documents, threads, reviews, government))
