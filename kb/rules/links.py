"""Links between recommendations of different documents: which ask of an
earlier document a later one repeats, revises or takes up.

Pure: rows and documents in, ``Link`` records out; nothing here touches
SQLite.  ``compute_links`` compares top-level rows (a recommendation,
strategy or measure with its sub-items' text folded in) with the top-level
rows of later documents — only the pairs ``candidate_pairs`` finds through
``kb.rules.candidates``' inverted index, which are all the pairs a rule could link
— and puts them in reading order; the reviewer's verdicts from
``sources/link_reviews.yml`` are applied to them by ``kb.rules.reviews``
at every build, so they survive rebuilds.
Sub-items are not linked on their own: their text counts for their parent.

Each row's text (title, body, sub-items, and for the BDC the clauses of its
supporting narrative that restate the row) is prepared once:
``kb.text.normalize.normalize`` (NFKC, lower case, Traditional → Simplified), the
publisher's boilerplate (本會建議, 特區政府應, 政府應 …) and all punctuation
removed, cut into sentences.  Documents are ordered by publication date, then
policy year, then id; a link always runs from the earlier to the later one.

The evidence for a pair:

* ``coverage`` (0–1): how much of the shorter row is found in the other,
  sentence by sentence.  Each sentence is aligned with rapidfuzz
  (``Indel.opcodes``) to the ``CANDIDATES`` most similar sentences of the
  other row (``LCSseq``); runs of at least ``MIN_RUN`` aligned characters
  count, weighted by the rarity of their character bigrams across all rows
  (smoothed inverse document frequency), so shared wording such as
  「港版中試」 counts for far more than 政府 or 發展.
* shared specific names: a name quoted in 「」, 《》 or “” in either row (or
  in the row's supporting narrative, which names the funds the BDC's
  one-line asks mean) that occurs in both and in at most ``TERM_MAX_ROWS``
  rows' own text in all: 「中小企業市場推廣基金」, 「香港品牌優先」.
* ``title``: rapidfuzz ``ratio`` of the two titles, for the relation.
* rare words: words (``kb.text.segment``, jieba) that the two rows share and
  that are found in at most ``TERM_MAX_ROWS`` rows: 东南亚, 毕业生, 留港,
  职专.  Counted as words, not characters, they hold when the wording
  around them changes.
* whether the two rows have the same primary policy area (``kb.rules.areas``).
* ``restated`` (0–1): how much of the earlier row's title (its ask in a few
  words) one sentence of the later row restates, weighted like coverage:
  「加碼投資」 of 加碼投資市場推廣 in the CMA's 2024-25 call to 加碼投資 in
  local exhibition fairs.

A pair is linked when its coverage reaches ``LINK_COVERAGE`` (both rows long),
``SHORT_LINK_COVERAGE`` (the shorter row under ``SHORT_ROW`` characters, as
the BDC's one-line asks are: short texts share a few phrases by chance;
``SAME_AREA_SHORT_COVERAGE`` when both rows are of the same primary area,
where a shared phrase is less likely chance), ``TERM_LINK_COVERAGE`` with a
shared specific name, or whatever its coverage when they share at least
``RARE_WORDS`` rare words or the later row restates at least
``TITLE_RESTATED`` of the earlier one's title.  Its relation is ``repeats``
(coverage ≥ ``REPEATS_COVERAGE``, or ≥ ``REPEATS_TITLED_COVERAGE`` under a
title at least ``REPEATS_TITLE`` alike), ``revises`` (coverage ≥
``REVISES_COVERAGE`` under a title at least ``REVISES_TITLE`` alike: the same
ask, reworded) or ``related``.  Its score (0–100) is the coverage in percent
plus ``TERM_BONUS`` for each shared name, for each ``RARE_WORDS`` rare
words and for a restated title, up to ``TERM_BONUS_NAMES`` bonuses, at most 100.

Statistics as of the later document.  Bigram rarity, specific names and
rare words are counted over the rows of the pair's *window*: the documents
published up to the later row's and at most ``HORIZON_YEARS`` years before
it (``kb.rules.link_window``), and only rows within a window are compared.  So
the links into a document depend only on its window: a build that adds a
newer document keeps every other link (``kb.build.pipeline``).  A later row is
scored with at most ``MAX_EARLIER`` earlier rows, those whose candidate
bounds clear their rules' thresholds by the widest margin, so that the
work grows with the rows, not with their square.

Calibration.  On the hand labels in tests/link_labels.yml (28 links and 33
hard non-links between top-level rows, written by reading the documents
before any tuning; three were added when the first run listed them
unjudged, six when the rare-words and same-area rules were added and four
when the restated-title rule was, as the strongest pairs near their
thresholds), each threshold sits in the gap between the labelled links and
non-links: between long rows the weakest link covers 0.18 and the
strongest non-link 0.10 (``LINK_COVERAGE`` 0.14); a short row without a
shared name must clear every short non-link (up to 0.32:
``SHORT_LINK_COVERAGE`` 0.35), but with the same primary area the one such
link covers 0.17 and no other pair reaches 0.12 (BDC 18 → CMA 2023/17, a
non-link: ``SAME_AREA_SHORT_COVERAGE`` 0.15); with a shared name the
weakest link covers 0.12 and the strongest labelled non-link but one 0.06
(``TERM_LINK_COVERAGE`` 0.105), and one non-link, BDC 10 → CMA 2024/8 at
0.11, passes: a wrong link (the threshold was 0.10 until the statistics
were counted as of the later document; it was raised within the gap when
BDC 15 → CMA 2023/2, unlabelled, reached 0.103 with a name only BDC 15's
supporting narrative quotes: read, not a link).  Of the 1,863 pairs
compared, the 14 that share the most rare words (10 to 90) are all
labelled links; the next two share 9, and are labelled non-links
(``RARE_WORDS`` 10).  Of
the 14 pairs whose later row restates at least 0.39 of the earlier title,
13 are labelled links and one a non-link, the second wrong link
(制定「香港工業藍圖」 and 制定「香港夜間經濟發展藍圖」: the same words
around another object); the strongest pairs below restate 0.34 and 0.33 and are
labelled non-links (``TITLE_RESTATED`` 0.36).  By the rules alone recall is
26/28 and precision 26/28: the two links missed restate a proposal in
other words, in a clause of a long row about something else (no shared
name, at most one rare word, coverage 0.04–0.14); they are confirmed, and
the two wrong ones rejected, in sources/link_reviews.yml.
``python scripts/link_accuracy.py`` prints the figures and every
disagreement; tests/test_links.py holds them.
"""

import gc
import multiprocessing
import os
import re
import signal
import sys
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import Indel, LCSseq
from rapidfuzz.process import cdist

from kb.rules.candidates import TOLERANCE, held, share, shares, stack
from kb.rules.link_window import Corpus, History, Weights, bigrams, first_in_window, published_year
from kb.text.normalize import normalize, normalize_term
from kb.records import Document, Recommendation, sub_items
from kb.text.segment import MAX_RUN, words
from kb.text.sentences import BREAKS, COMMAS, split

REPEATS, REVISES, RELATED = "repeats", "revises", "related"
RELATIONS = (REPEATS, REVISES, RELATED)
RULE, MANUAL = "rule", "manual"

# Text preparation
MIN_SENTENCE = 6  # cleaned characters; shorter pieces (headings, numbers) are dropped
MIN_RUN = 2  # aligned runs shorter than this (single characters) do not count
CANDIDATES = 8  # sentences of the other row aligned with each sentence
SUPPORT_RESTATES = 0.5  # a supporting clause covering this much of the row's title restates it
# Linking
SHORT_ROW = 150  # cleaned characters: a row shorter than this is a one-line ask
LINK_COVERAGE = 0.14
SHORT_LINK_COVERAGE = 0.35
SAME_AREA_SHORT_COVERAGE = 0.15  # a short row and a row of the same primary policy area
TERM_LINK_COVERAGE = 0.105
TITLE_RESTATED = 0.36  # of the earlier row's title, restated in one sentence of the later row
RARE_WORDS = 10  # shared words found in at most TERM_MAX_ROWS rows
TERM_MAX_ROWS = 3  # a quoted name or a word found in at most this many top-level rows is specific (or rare)
TERM_MIN_CHARS = 4
TERM_BONUS = 5
TERM_BONUS_NAMES = 3  # at most this many shared names add to the score
# Relations
REPEATS_COVERAGE = 0.75
REPEATS_TITLED_COVERAGE = 0.5
REPEATS_TITLE = 80
REVISES_COVERAGE = 0.3
REVISES_TITLE = 40

# Said by the publisher before every ask; folded to Simplified like the text,
# longest first, so that 特區政府應 goes whole before 政府應 is looked for.
_BOILERPLATE_ZH = (
    "香港中華廠商聯合會呼籲 本會再次呼籲 本會亦建議 本會建議 本會認為 本會亦希望 本會希望 業界亦希望 業界希望 "
    "品牌局建議 本研究建議 特區政府應 特區政府可 政府應 政府可 本港應 本港可 此外 同時 另一方面 例如"
)
BOILERPLATE = tuple(sorted((normalize_term(p) for p in _BOILERPLATE_ZH.split()), key=len, reverse=True))

_PUNCTUATION_RE = re.compile(r"[\s\W_]+")
_NAME_RE = re.compile(r"[「《“]([^」》”]{2,40})[」》”]")


class Link(NamedTuple):
    """A link from a row of an earlier document to one of a later (the
    ``links`` table).  A named tuple: a build reads back every link it
    keeps, hundreds of thousands, and compares them with the links it
    writes; a dataclass is made and compared several times slower."""

    from_id: str
    to_id: str
    score: int  # 0-100
    relation: str  # repeats | revises | related
    method: str  # rule | manual


@dataclass
class Profile:
    """One top-level row's text, prepared once for all its comparisons."""

    id: str
    document_id: str
    order: int  # the document's place in publication order
    title: str
    sentences: list[str]
    text: str
    names: set[str] = field(default_factory=set)
    context: str = ""  # the supporting narrative, cleaned: where its names are found
    area: str | None = None  # the primary policy area
    # Of its sentences (kb.text.segment), sorted: a tuple holds them in a tenth of a set's memory
    words: tuple[str, ...] = ()
    # Its bigrams by number (kb.rules.link_window.History) with their occurrences, of its sentences and of its title
    grams: np.ndarray | None = None
    gram_counts: np.ndarray | None = None
    title_grams: np.ndarray | None = None
    title_counts: np.ndarray | None = None
    mentioned: dict[str, bool] = field(default_factory=dict, repr=False)  # name -> its text or narrative holds it, once complete
    held: tuple[str, ...] | None = field(default=None, repr=False)  # its names it holds (``held_names``), once complete


@dataclass(frozen=True)
class Evidence:
    coverage: float
    title: float
    names: tuple[str, ...]
    words: tuple[str, ...]  # shared rare words
    same_area: bool
    restated: float  # of the earlier row's title, in one sentence of the later row


# --- text preparation -------------------------------------------------------


def clean(text: str | None) -> str:
    """Folded text without the publisher's boilerplate and punctuation."""
    return clean_folded(normalize(text))


def clean_folded(folded: str) -> str:
    """``clean`` for text already folded by ``kb.text.normalize.normalize``."""
    for phrase in BOILERPLATE:
        folded = folded.replace(phrase, "")
    return _PUNCTUATION_RE.sub("", folded)


def pieces(folded: str, marks: str = BREAKS) -> list[str]:
    """The cleaned sentences (or, with the commas among the ``marks``,
    clauses) of folded text long enough to compare, each cut to its first
    ``MAX_RUN`` characters: aligning two sentences takes time and memory
    that grow with the product of their lengths, and no sentence of prose
    runs that long (as ``kb.text.segment`` cuts runs for jieba)."""
    cleaned = (clean_folded(piece)[:MAX_RUN] for piece in split(folded, marks))
    return [piece for piece in cleaned if len(piece) >= MIN_SENTENCE]


def quoted_names(folded: str) -> set[str]:
    """Names quoted in 「」, 《》 or “” in folded text, cleaned."""
    names = (clean_folded(name) for name in _NAME_RE.findall(folded))
    return {name for name in names if len(name) >= TERM_MIN_CHARS}


def document_order(documents: list[Document]) -> dict[str, int]:
    """Each document's place in publication order: date, then policy year, then id."""
    ordered = sorted(documents, key=lambda d: (str(d.published or d.year), d.year, d.id))
    return {document.id: index for index, document in enumerate(ordered)}


def aligned(weights: Weights, a: str, b: str) -> float:
    """The weight of ``a``'s characters in runs aligned with ``b``."""
    rarities = weights.rarities_of(a)
    return sum([sum(rarities[block.a : block.a + block.size - 1])
                for block in Indel.opcodes(a, b).as_matching_blocks() if block.size >= MIN_RUN])


def coverage(weights: Weights, sentences: list[str], other: list[str]) -> float:
    """The share of ``sentences``' weight found, sentence by sentence, in ``other``."""
    if not sentences or not other:
        return 0.0
    similarity = cdist(sentences, other, scorer=LCSseq.similarity).astype(np.int64)
    nearest = np.argsort(-similarity, axis=1, kind="stable")[:, :CANDIDATES].tolist()
    similarity = similarity.tolist()
    found = total = 0.0
    for index, sentence in enumerate(sentences):
        found += _best_aligned(weights, sentence, other, similarity[index], nearest[index])
        total += weights.of(sentence)
    return found / total if total else 0.0


def _best_aligned(weights: Weights, sentence: str, other: list[str], similarity: list[int], nearest: list[int]) -> float:
    """The most of ``sentence``'s weight aligned with one of the ``nearest``
    sentences of ``other`` (the ``CANDIDATES`` most like it by longest
    common subsequence, ``similarity``, most alike first).

    The rest are skipped once they cannot beat the best so far: runs
    aligned within a common subsequence of n characters hold at most n - 1
    of the sentence's bigrams, so they weigh at most its n - 1 heaviest
    bigrams (``Weights.heaviest``, looked up only then)."""
    best, heaviest = 0.0, None
    for rank, j in enumerate(nearest):
        if rank:
            heaviest = heaviest or weights.heaviest(sentence)
            if heaviest[min(max(similarity[j] - 1, 0), len(heaviest) - 1)] < best - TOLERANCE:
                break
        best = max(best, aligned(weights, sentence, other[j]))
    return best


def restated(weights: Weights, title: str, sentences: list[str]) -> float:
    """The share of ``title``'s weight that the best of ``sentences`` restates."""
    total = weights.of(title)
    if not total or not sentences:
        return 0.0
    return max(aligned(weights, title, sentence) for sentence in sentences) / total


# --- profiles ---------------------------------------------------------------


def profiles(rows: list[Recommendation], order: dict[str, int]) -> list[Profile]:
    """A profile for every top-level row of a known document, in reading order."""
    children = sub_items(rows)
    result = []
    for row in rows:
        if row.parent_id or row.document_id not in order:
            continue
        text = "\n".join([row.title, row.body or ""] + [f"{c.title}\n{c.body or ''}" for c in children.get(row.id, [])])
        folded = normalize(text)  # once per row: pieces, text and names all come from it
        result.append(Profile(row.id, row.document_id, order[row.document_id], clean(row.title), pieces(folded),
                              clean_folded(folded), quoted_names(folded)))
    return result


def add_support(profile: Profile, support: str | None, weights: Weights) -> None:
    """Add the clauses of the row's supporting narrative that restate its title
    to its text, and the names the narrative quotes to its names."""
    title_weight = weights.of(profile.title)
    if not support or not title_weight:
        return
    folded = normalize(support)
    profile.context = clean_folded(folded)
    profile.names |= quoted_names(folded)
    for clause in pieces(folded.replace("\n", ""), BREAKS + COMMAS):
        if aligned(weights, profile.title, clause) >= SUPPORT_RESTATES * title_weight:
            profile.sentences.append(clause)
            profile.text += clause


# --- comparing two rows -----------------------------------------------------


def evidence(a: Profile, b: Profile, corpus: Corpus) -> Evidence:
    """What ``a``, of the earlier document, and ``b``, of the later one, share,
    weighed with the statistics of ``b``'s window (``kb.rules.link_window``)."""
    shorter = _shorter(a, b)
    longer = b if shorter is a else a
    shared = shared_names(a, b, corpus)
    return Evidence(
        coverage(corpus.weights, shorter.sentences, longer.sentences),
        fuzz.ratio(a.title, b.title),
        tuple(shared),
        tuple(sorted(w for w in set(a.words).intersection(b.words) if corpus.rare(w))),
        a.area is not None and a.area == b.area,
        restated(corpus.weights, a.title, b.sentences),
    )


def _mentions(profile: Profile, name: str) -> bool:
    """The row's text or narrative holds ``name`` (asked once per row and name: a row meets many pairs)."""
    found = profile.mentioned.get(name)
    if found is None:
        found = profile.mentioned[name] = name in profile.text or name in profile.context
    return found


def held_names(profile: Profile) -> tuple[str, ...]:
    """The names ``profile`` quotes that its text or narrative holds (asked once its text is complete)."""
    if profile.held is None:
        profile.held = tuple(sorted(name for name in profile.names if _mentions(profile, name)))
    return profile.held


def shared_names(a: Profile, b: Profile, corpus: Corpus) -> list[str]:
    """The names one row quotes that both rows hold and ``corpus``'s window finds specific."""
    return sorted({n for n in held_names(a) if _mentions(b, n) and corpus.specific(n)}
                  | {n for n in specific_held(b, corpus) if _mentions(a, n)})


def shares_name(a: Profile, b: Profile, corpus: Corpus) -> bool:
    """``shared_names`` is not empty (asked of every candidate pair: what
    ``_mentions`` keeps is read here directly)."""
    if any(_mentions(a, n) for n in specific_held(b, corpus)):
        return True
    mentioned = b.mentioned
    for name in held_names(a):
        found = mentioned.get(name)
        if (found or found is None and _mentions(b, name)) and corpus.specific(name):
            return True
    return False


def specific_held(later: Profile, corpus: Corpus) -> tuple[str, ...]:
    """``held_names`` of a row of the window's later document that the window finds specific
    (asked once per row: it meets every earlier row of its window)."""
    if later.id not in corpus.named:
        corpus.named[later.id] = tuple(n for n in held_names(later) if corpus.specific(n))
    return corpus.named[later.id]


def is_link(found: Evidence, shortest: int) -> bool:
    if found.names and found.coverage >= TERM_LINK_COVERAGE:
        return True
    if len(found.words) >= RARE_WORDS or found.restated >= TITLE_RESTATED:
        return True
    if shortest < SHORT_ROW:
        return found.coverage >= (SAME_AREA_SHORT_COVERAGE if found.same_area else SHORT_LINK_COVERAGE)
    return found.coverage >= LINK_COVERAGE


def relation(found: Evidence) -> str:
    if found.coverage >= REPEATS_COVERAGE:
        return REPEATS
    if found.coverage >= REPEATS_TITLED_COVERAGE and found.title >= REPEATS_TITLE:
        return REPEATS
    if found.coverage >= REVISES_COVERAGE and found.title >= REVISES_TITLE:
        return REVISES
    return RELATED


def score(found: Evidence) -> int:
    bonuses = len(found.names) + len(found.words) // RARE_WORDS + (found.restated >= TITLE_RESTATED)
    return min(100, round(100 * found.coverage) + TERM_BONUS * min(bonuses, TERM_BONUS_NAMES))


# --- computing the links ----------------------------------------------------

# Each later row is scored with at most this many earlier rows: the candidates
# that clear their rule's bound by the widest margin (``candidates_into``).
MAX_EARLIER = 12


def compute_links(
    rows: list[Recommendation],
    documents: list[Document],
    areas: dict[str, str] | None = None,
) -> list[Link]:
    """Every link the rules find between top-level rows of different
    documents, earlier to later (no reviews applied: see
    ``kb.rules.reviews.apply_link_reviews``); ordered by the earlier row's
    document and reading order, then the later row's.  ``areas`` maps row ids
    to their primary policy area (``kb.rules.areas.primary_areas``); without it no
    two rows share an area."""
    return find_links(rows, documents, areas).links


@dataclass
class LinkRun:
    """The links found, and how many candidate pairs were scored to find them."""

    links: list[Link]
    candidate_pairs: int
    pairs_by_document: dict[str, int] = field(default_factory=dict)  # candidate pairs by the later row's document
    profiles: dict[str, list] = field(default_factory=dict)  # what was prepared of each row (``prepare``'s ``known``)


def find_links(
    rows: list[Recommendation],
    documents: list[Document],
    areas: dict[str, str] | None = None,
    workers: int | None = None,
) -> LinkRun:
    """``compute_links``, with the number of candidate pairs scored; later
    documents are taken by ``workers`` processes (``rule_links``)."""
    found = rule_links(rows, documents, areas, workers=workers)
    return LinkRun(in_reading_order(found.links, rows, document_order(documents)), found.candidate_pairs,
                   found.pairs_by_document)


def rule_links(
    rows: list[Recommendation],
    documents: list[Document],
    areas: dict[str, str] | None = None,
    into: set[str] | None = None,
    workers: int | None = None,
    known: dict[str, list] | None = None,
) -> LinkRun:
    """The rules' links (no reviews applied) into the rows of the documents
    ``into`` (every document when ``None``), each from an earlier document of
    its window (``kb.rules.link_window``).  The links into a document depend only on
    the documents of its window, so a build can keep the others' links.
    ``known``: rows prepared by a previous build (``prepare``)."""
    order = document_order(documents)
    history = prepare(rows, documents, areas or {}, into, known)
    targets = sorted(order[d] for d in (order if into is None else into) if d in order)
    targets = [o for o in targets if history.rows_of(o)[0] < history.rows_of(o)[1]]
    found = _map_documents(history, targets, workers)
    names = {number: document_id for document_id, number in order.items()}
    by_document = {names[target]: pairs for target, (_, pairs) in zip(targets, found)}
    return LinkRun([link for links, _ in found for link in links], sum(by_document.values()), by_document, history.made)


def prepare(rows: list[Recommendation], documents: list[Document], areas: dict[str, str], into: set[str] | None = None,
            known: dict[str, list] | None = None) -> History:
    """Every top-level row's profile in publication order; the rows of the
    windows of ``into`` (all when ``None``) completed with their supporting
    clauses (weighed as of their own document), words and bigram counts.

    What completing a row added (its supporting clauses, the narrative's
    cleaned text and names, its words) depends on its text and its own
    document's window only, and is kept in ``History.made`` by row id
    (``[clauses, context, names, words]``); ``known`` gives such entries
    from a previous build, for rows whose document's window has not changed
    since (the caller's to say): a document all of whose rows are known is
    completed from them, without weighing its window or cutting words
    (jieba: most of the work of linking into one document)."""
    known = {} if known is None else known  # not its length: a stored one is read a document at a time
    order = document_order(documents)
    years = {order[d.id]: published_year(d.published, d.year) for d in documents}
    if into is not None:
        rows = _rows_needed(rows, order, years, into, known)
    prepared = profiles(rows, order)
    for profile in prepared:
        profile.area = areas.get(profile.id)
    history = History(prepared, years)
    support = {row.id: row.support for row in rows if row.support}
    for document in sorted(_needed(history, order, into)):
        first, last = history.rows_of(document)
        if first == last:
            continue
        rows_here = history.profiles[first:last]
        stored = all(p.id in known for p in rows_here)
        # The window's weights weigh the supporting clauses only: not made for a document whose rows have none.
        weights = None if stored or not any(p.id in support for p in rows_here) else history.weights(*history.window(document))
        for profile in rows_here:
            if stored:
                clauses, context, names, found_words = known[profile.id]
                profile.sentences += clauses
                profile.text += "".join(clauses)
                profile.context = context
                profile.names |= set(names)
                profile.words = tuple(sys.intern(word) for word in found_words)  # sorted, as stored
            else:
                sentences, names = len(profile.sentences), set(profile.names)
                if profile.id in support:
                    add_support(profile, support[profile.id], weights)
                profile.words = tuple(sorted({word for sentence in profile.sentences for word in words(sentence)}))
                clauses = profile.sentences[sentences:]
            history.made[profile.id] = [clauses if stored else list(clauses), profile.context,
                                        sorted(set(names)) if stored else sorted(profile.names - names),
                                        profile.words]
            profile.grams, profile.gram_counts = history.counted(bigrams(s) for s in profile.sentences)
            profile.title_grams, profile.title_counts = history.counted([bigrams(profile.title)])
            history.record(profile)
    history.finish()
    return history


def _rows_needed(rows: list[Recommendation], order: dict[str, int], years: dict[int, int], into: set[str],
                 known) -> list[Recommendation]:
    """The rows linking into ``into`` profiles: those of the windows of
    ``into``, and of the windows of the documents there that are weighed
    (``into`` itself, and those not all of whose rows are ``known``).  A
    document completed from ``known`` needs no window of its own: without
    this, adding the newest document profiled two horizons of rows."""
    targets = {order[d] for d in into if d in order}
    needed = {o for target in targets for o in range(first_in_window(target, years), target + 1)}
    top_level: dict[int, list[str]] = {}
    for row in rows:
        if not row.parent_id and order.get(row.document_id) in needed:
            top_level.setdefault(order[row.document_id], []).append(row.id)
    weighed = targets | {o for o, ids in top_level.items() if not all(row_id in known for row_id in ids)}
    lowest = min((first_in_window(o, years) for o in weighed), default=len(order))
    highest = max(needed, default=-1)  # no later row is compared: a document inserted early profiled all of them
    return [row for row in rows if lowest <= order.get(row.document_id, -1) <= highest]


def _needed(history: History, order: dict[str, int], into: set[str] | None) -> set[int]:
    """The documents (by order) whose rows the links into ``into`` compare."""
    if into is None:
        return set(order.values())
    needed = set()
    for document in into:
        if document in order:
            start, end = history.window(order[document])
            needed.update(history.orders[start:end])
    return needed


def links_into(history: History, document: int) -> tuple[list[Link], int]:
    """The rules' links into the rows of one document, and the pairs scored."""
    corpus = Corpus(history, document, TERM_MAX_ROWS)
    pairs = candidates_into(history, document, corpus)
    return [link for a, b in pairs for link in _link(a, b, corpus)], len(pairs)


# The least coverage any rule links at: a pair below it in both directions is no link by coverage.
COVERAGE_FLOOR = min(TERM_LINK_COVERAGE, LINK_COVERAGE, SAME_AREA_SHORT_COVERAGE, SHORT_LINK_COVERAGE)


def candidates_into(history: History, document: int, corpus: Corpus) -> list[tuple[Profile, Profile]]:
    """(earlier row, later row) pairs worth scoring, for the later rows of one
    document: at most ``MAX_EARLIER`` per later row.

    A pair is a candidate when a rule may link it, by bounds that never
    exclude a pair a rule links: the bigrams of the shorter row (weighted as
    coverage weighs them) that the other row holds reach the coverage the
    pair's rule asks for (``coverage_needed``) — aligned runs are made of
    shared bigrams, so coverage never exceeds this share; the earlier row's
    title bigrams that the later row holds reach ``TITLE_RESTATED``; or the
    two share ``RARE_WORDS`` rare words.  The shares are counted for the
    whole window at once (``kb.rules.candidates``).  Each later row keeps the
    ``MAX_EARLIER`` candidates whose bound clears its threshold by the widest
    margin (then the earliest)."""
    start, (first, last) = corpus.start, history.rows_of(document)
    earlier, later_rows = history.profiles[start:first], history.profiles[first:last]
    if not earlier:
        return []
    # The bigrams of this window and document, numbered 0, 1, … in the order of their global numbers.
    local = _distinct(np.concatenate([p.grams for p in earlier] + [p.title_grams for p in earlier] + [p.grams for p in later_rows]))
    rarity = corpus.weights.of_numbers(local)
    texts = stack([p.grams for p in earlier], [p.gram_counts for p in earlier], rarity, local)
    titles = stack([p.title_grams for p in earlier], [p.title_counts for p in earlier], rarity, local)
    lengths = np.array([len(p.text) for p in earlier])
    pairs = []
    for later in later_rows:
        grams = np.searchsorted(local, later.grams)
        later_held, earlier_held, later_total = shares(texts, grams, later.gram_counts, rarity)
        shorter_share = np.where(lengths <= len(later.text), share(earlier_held, texts.total), share(later_held, later_total))
        title_share = share(held(titles, grams), titles.total)
        rare = _rare_shared(history, corpus, later, start, first)
        plausible = (shorter_share >= COVERAGE_FLOOR - TOLERANCE) | (title_share >= TITLE_RESTATED - TOLERANCE)
        ranked = []
        for i in sorted(set(np.nonzero(plausible)[0].tolist()) | {i for i, count in rare.items() if count >= RARE_WORDS}):
            margin = _margin(earlier[i], later, corpus, float(shorter_share[i]), float(title_share[i]), rare.get(i, 0))
            if margin is not None:
                ranked.append((-margin, i))
        pairs += [(earlier[i], later) for _, i in sorted(ranked)[:MAX_EARLIER]]
    return pairs


def _distinct(numbers: np.ndarray) -> np.ndarray:
    """The distinct ``numbers`` (small non-negative integers), ascending: ``np.unique`` without its sort."""
    held = np.zeros(int(numbers.max(initial=-1)) + 1, dtype=bool)
    held[numbers] = True
    return np.flatnonzero(held)


def _margin(a: Profile, b: Profile, corpus: Corpus, text_share: float, title_share: float, rare: int) -> float | None:
    """How far the pair's bounds clear their rules' thresholds (the largest
    ratio of bound to threshold), or ``None`` when none is cleared."""
    margins = []
    needed = coverage_needed(a, b, corpus) if text_share >= COVERAGE_FLOOR - TOLERANCE else None
    if needed is not None and text_share >= needed - TOLERANCE:
        margins.append(text_share / needed)
    if title_share >= TITLE_RESTATED - TOLERANCE:
        margins.append(title_share / TITLE_RESTATED)
    if rare >= RARE_WORDS:
        margins.append(rare / RARE_WORDS)
    return max(margins) if margins else None


def _rare_shared(history: History, corpus: Corpus, later: Profile, start: int, end: int) -> dict[int, int]:
    """Earlier rows (by place in ``start:end``) -> how many rare words they share with ``later``."""
    shared: Counter = Counter()
    for word in later.words:
        if corpus.rare(word):
            shared.update(position - start for position in history.rows_with_word(word, start, end))
    return shared


def coverage_needed(a: Profile, b: Profile, corpus: Corpus) -> float:
    """The least coverage at which ``is_link`` links the two rows, other
    evidence (rare words, a restated title) aside."""
    if shares_name(a, b, corpus):
        return TERM_LINK_COVERAGE
    if min(len(a.text), len(b.text)) < SHORT_ROW:
        return SAME_AREA_SHORT_COVERAGE if a.area is not None and a.area == b.area else SHORT_LINK_COVERAGE
    return LINK_COVERAGE


def _shorter(a: Profile, b: Profile) -> Profile:
    """The row whose coverage ``evidence`` measures (of ``a``, the earlier, and ``b``)."""
    return a if len(a.text) <= len(b.text) else b


def evidence_for(
    rows: list[Recommendation], documents: list[Document], areas: dict[str, str] | None = None
) -> dict[tuple[str, str], Evidence]:
    """The evidence for every pair of rows a later row's window holds, for calibration scripts."""
    history = prepare(rows, documents, areas or {})
    found = {}
    for document in sorted(set(history.orders)):
        corpus = Corpus(history, document, TERM_MAX_ROWS)
        first, last = history.rows_of(document)
        for b in history.profiles[first:last]:
            for a in history.profiles[corpus.start : first]:
                found[(a.id, b.id)] = evidence(a, b, corpus)
    return found


def _link(a: Profile, b: Profile, corpus: Corpus) -> list[Link]:
    found = evidence(a, b, corpus)
    if not is_link(found, min(len(a.text), len(b.text))):
        return []
    return [Link(a.id, b.id, score(found), relation(found), RULE)]


# Linking in a process pool: each worker takes later documents.  Below
# POOL_MIN_ROWS later rows starting the workers costs more than it saves.
POOL_MIN_ROWS = 600
_shared: History | None = None  # what forked workers read


def default_workers() -> int:
    """``KB_WORKERS`` from the environment, else the number of CPUs; but one
    (no forked workers) while other threads run in this process, as when
    ``kb serve`` builds again after a verdict: a fork copies only the
    forking thread, so a lock another thread held then (a queue's, the
    import system's, a logger's) stays held in the workers for ever."""
    if threading.active_count() > 1:
        return 1
    return max(1, int(os.environ.get("KB_WORKERS") or os.cpu_count() or 1))


def forked_pool(workers: int):
    """A pool of ``workers`` forked processes, each with SIGTERM's default
    action: a handler the forking process set (``kb serve`` stops on
    SIGTERM by raising SystemExit) would be inherited, and the pool, which
    ends its workers with SIGTERM, could then wait for ever for one that
    was in the middle of taking a task."""
    return multiprocessing.get_context("fork").Pool(workers, initializer=_default_sigterm)


def _default_sigterm() -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _map_documents(history: History, documents: list[int], workers: int | None = None) -> list[tuple[list[Link], int]]:
    """``links_into`` each document, in order.  With more than one worker and
    enough rows, forked processes take the documents (the profiles are
    inherited, not sent)."""
    global _shared
    workers = default_workers() if workers is None else workers
    rows = sum(history.rows_of(d)[1] - history.rows_of(d)[0] for d in documents)
    if workers < 2 or rows < POOL_MIN_ROWS or "fork" not in multiprocessing.get_all_start_methods():
        return [links_into(history, document) for document in documents]
    _shared = history
    gc.freeze()  # the profiles live as long as the pool: no collection in a worker walks (and copies) them
    # The work of linking into a document: its rows times its window's.
    sizes = [(history.rows_of(d)[1] - history.rows_of(d)[0]) * (history.window(d)[1] - history.window(d)[0]) for d in documents]
    try:
        with forked_pool(workers) as pool:
            return [found for run in pool.map(_links_into_run, runs(documents, sizes, workers)) for found in run]
    finally:
        _shared = None
        gc.unfreeze()


def _links_into_run(documents: list[int]) -> list[tuple[list[Link], int]]:
    return [links_into(_shared, document) for document in documents]


def runs(items: list, sizes: list[int], workers: int) -> list[list]:
    """``items`` cut into ``workers`` runs, one after another, of about the
    same total size each: a worker takes a run.  The work on an item reads
    its window's (the items just before it), so a worker given a run reads
    one stretch of the corpus, each profile's names looked up once, where
    handed out one item at a time every worker read all of it (and, forked,
    copied what it touched)."""
    total, done, cut = sum(sizes), 0, [[]]
    for item, size in zip(items, sizes):
        if cut[-1] and done >= total * len(cut) / workers:
            cut.append([])
        cut[-1].append(item)
        done += size
    return cut


# --- order ------------------------------------------------------------------


def in_reading_order(links: list[Link], rows: list[Recommendation], order: dict[str, int]) -> list[Link]:
    """Links ordered by the earlier row's document (``order``: the documents'
    publication order) and reading order, then the later row's."""
    return sorted(links, key=link_place(reading_ranks(rows, order)))


def reading_ranks(rows: list[Recommendation], order: dict[str, int]) -> dict[str, int]:
    """Each row's place in reading order: by its document's place in
    ``order``, then by its place in ``rows``."""
    ranked = sorted(range(len(rows)), key=lambda index: (order[rows[index].document_id], index))
    return {rows[index].id: place for place, index in enumerate(ranked)}


def link_place(ranks: dict[str, int]) -> Callable[[Link], int]:
    """A link's place in reading order (``in_reading_order``), as one
    number, of its rows' ``ranks`` (``reading_ranks``)."""
    width = len(ranks)
    return lambda link: ranks[link.from_id] * width + ranks[link.to_id]
