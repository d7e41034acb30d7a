"""Government responses: which paragraphs of a later government text respond
to a recommendation, and what that makes of the recommendation's status.

Pure: rows, paragraphs and documents in, ``Response`` and ``Status`` records
out; nothing here touches SQLite.  The rules look at one pair of documents at
a time (``rule_responses``): the asks of one submission (kind
``recommendation``, their sub-items folded in) and the paragraphs of one
government document published after it (publication dates compared as
written, ``2023`` before ``2023-10-25``; ``response_pairs`` lists the pairs).
Every weight is counted within the pair or read from fixed files shipped with
kb (the glossary, kb/data/slogans.yml, kb/data/response_words.yml and jieba's
dictionary), so a pair's responses change only when one of its documents does.

Within a pair:

1. Terms (``terms``), on text folded by ``kb.text.normalize``: the words jieba
   cuts (``kb.text.segment``) that are not generic (``response_words.yml``); the
   glossary's terms and the word lists' variants, each found under any of its
   names (託兒 and 幼兒中心 are one term, RCEP and 區域全面經濟夥伴關係協定
   another); and names quoted in 「」, 《》 or “” that no glossary term covers.
   Slogans (「新型工業化」, quoted in many rows of the pair or listed in
   slogans.yml) are no terms at all: a paragraph repeating one answers nothing.
2. Weights (``Weights``): a term weighs its rarity among the government
   document's paragraphs (inverse document frequency) times its rarity in
   general Chinese (``kb.text.segment.general_rarity``, scaled to 0.05–1.2; terms
   of the glossary, variants and quoted names count 1): 差餉 or 託兒 weigh
   much, 活動 or 投資 almost nothing, however rare in the speech.
3. An ask is read as units (``AskProfile``): its title, its sub-items'
   titles, and each sentence of its text, the sentences that ask (``asks``:
   jieba cuts 建議, 應, 希望 … from them) in full and the others at
   ``NARRATIVE`` of their weight.  A paragraph (``ParagraphProfile``) is
   read with its section heading and, for a sub-item, the words before its
   paragraph's (i).
4. Candidates (``candidates``): the paragraphs holding each term, from the
   government text's side of the pair (``GovernmentSide``: its profiles,
   weights and BM25 factors, worked out once for all the submissions compared
   with it); only paragraphs sharing a term that weighs at least
   ``CANDIDATE_WEIGHT`` with the ask are scored.  No all-pairs scan.
5. Evidence (``evidence``): for each unit, the BM25 sum of the weights of its
   terms the paragraph holds; the best unit's sum is the evidence, so an ask
   with several parts is answered by a paragraph that does one of them well.
   ``score`` scales it to 0–100.  Worked out for all the asks of a submission
   at once (``AskTable``, its terms as numbers) with numpy.
6. ``relation``: ``addresses`` only for the best paragraph of the document,
   when it announces or reports a measure (``is_measure``: an action such as
   設立, 延長, 寬減 and a commitment such as 將, 明年, 億元; a paragraph that
   only describes a topic never addresses), has no sub-items of its own (a
   paragraph opening a list of measures only relates: its sub-items are the
   measures), is not the best match of several asks of the pair
   (``shared_best``), still scores ``ADDRESSES_SCORE`` on the ask's asking
   clauses alone once the places the ask's title does not name are left out,
   and does the kind of change the best of them asks for
   (``ScoredPair.claim``, ``kb.rules.claims``, ``place_terms``); ``related``
   from ``RELATED_SCORE``.  At most
   ``MAX_PER_DOCUMENT`` paragraphs per ask and document are kept, best first.

A reviewer's verdicts in sources/response_reviews.yml are applied at every
build by ``kb.rules.reviews``: ``confirm`` (with a relation) adds or fixes a
response as ``manual``, ``reject`` removes one, and ``status`` sets an
ask's status (``rejected`` only ever comes from a reviewer).

Calibration and figures: see scripts/response_accuracy.py and the README.
"""

import math
from datetime import date
from collections import Counter, OrderedDict, defaultdict
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from pathlib import Path

import numpy as np
import yaml

from kb.rules import claims
from kb.rules.links import clean, clean_folded, quoted_names
from kb.text.normalize import normalize
from kb.records import Document, Paragraph, Recommendation, by_document, document_of
from kb.rules.search_index import load_glossary
from kb.rules.synonyms import variants
from kb.text.segment import general_rarity, tokens, words
from kb.text.sentences import split
from kb.rules.timing import HORIZON_YEARS, later_texts, published_span

SLOGANS_PATH = Path(__file__).parent / "data" / "slogans.yml"
WORDS_PATH = Path(__file__).parent / "data" / "response_words.yml"

ADDRESSES, RELATED = "addresses", "related"
RELATIONS = (ADDRESSES, RELATED)
RULE, MANUAL = "rule", "manual"
ADDRESSED, POSSIBLE, NO_RESPONSE = "addressed", "possible response", "no response found"
NO_LATER_TEXT = "no later government text"  # no government text of the knowledge base in the ask's window
STATUS_ORDER = {ADDRESSED: 0, POSSIBLE: 1, NO_RESPONSE: 2, NO_LATER_TEXT: 3}

# Terms
MIN_UNIT = 4  # cleaned characters: shorter sentences are left out
NAME_MIN_CHARS = 3
SLOGAN_MIN_ROWS = 8  # a quoted name in more asks and paragraphs of the pair than this is a slogan
# Weights: general rarity r (log of the dictionary's total over the word's count) counts (r - RARITY_FROM) / RARITY_SPAN
RARITY_FROM, RARITY_SPAN, RARITY_FLOOR, RARITY_CAP = 8.0, 8.0, 0.05, 1.2
NARRATIVE = 0.8  # the weight of an ask's sentence that does not ask, against one that does
# BM25
K1, B = 1.2, 0.75
# A variant of an ask's word (kb.rules.synonyms: 延期 for 延長) counts this much of the word itself
VARIANT_WEIGHT = 0.3
# The terms of the ask's section heading (加強資金支持) count this much in each of its units
CONTEXT_WEIGHT = 0.3
# The sentences of the ask's supporting text (the BDC's narrative) are units at this much of their weight
SUPPORT_WEIGHT = 0.5
# Candidates: a shared term weighing less than this does not make a paragraph a candidate
CANDIDATE_WEIGHT = 0.5
# Scoring: score = SCORE_SCALE x the best unit's evidence, at most 100
SCORE_SCALE = 4
ADDRESSES_SCORE = 44
# From RELATED_SCORE a paragraph is related, and makes its ask a possible
# response.  Kept at 24 on the calibration labels: of the asks left with no
# response found, a reader found answered 1 of 5 at 24, 4 of 9 from 28 and
# 11 of 22 from 40.  Shared words cannot yet tell a weak answer from a thin
# overlap, so the list of asks with no response found stays one to trust.
RELATED_SCORE = 24
MAX_PER_DOCUMENT = 5
# Places: the words of a place's names that say which place (河套, 都会区), not 科技 or 香港
PLACE_WORD_SPECIFICITY = 0.5

# Words that make a sentence ask, as jieba cuts them: 应 in 政府应尽快, not the
# 应 of 供应, 应对 or 供不应求
ASK_WORDS = frozenset("建议 倡议 应 应当 应该 更应 还应 亦应 也应 须 必须 还须 亦须 宜 希望 期望 冀 促请 敦促 呼吁 考虑 不妨 要求".split())


@dataclass(frozen=True, slots=True)  # a build holds millions of them at three thousand documents
class Response:
    recommendation_id: str
    paragraph_id: str
    score: int  # 0-100
    relation: str  # addresses | related
    method: str  # rule | manual


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
    units: list[tuple[float, Counter]]  # (weight, terms) of its title, its sub-items' titles, each sentence
    title: Counter  # the terms of its title
    context: Counter = field(default_factory=Counter)  # the terms of its section heading
    own: int | None = None  # how many of the units are the ask's own (the rest read its supporting text)
    exact: bool = False  # its words only, no variants

    @cached_property
    def lookup(self) -> "Lookup":
        """Where each term counts in the units (``Lookup``)."""
        exact: dict[str, list[int]] = defaultdict(list)
        for position, (_, unit) in enumerate(self.units):
            for term in unit:
                exact[term].append(position)
        own = len(self.units) if self.own is None else self.own  # the supporting text: its own words only
        context = {}
        if CONTEXT_WEIGHT:
            context = {term: tuple(position for position in range(own) if term not in self.units[position][1])
                       for term in self.context}
        stands_for: dict[str, list[str]] = defaultdict(list)
        owned: dict[str, list[int]] = {}  # the ask's own units holding each word a variant stands for
        if VARIANT_WEIGHT and not self.exact:
            for term, positions in exact.items():
                if not is_concept(term) and positions[0] < own:
                    owned[term] = [position for position in positions if position < own]
                    for variant in variants(term):
                        stands_for[variant].append(term)
        weights = tuple(weight for weight, _ in self.units)
        share = {term: max([weights[position] for position in positions]) for term, positions in exact.items()}
        for term, positions in context.items():
            if positions:
                share[term] = max(share.get(term, 0.0), CONTEXT_WEIGHT * max(weights[p] for p in positions))
        most = {word: max([weights[p] for p in positions]) for word, positions in owned.items()}
        for variant, words in stands_for.items():
            found = VARIANT_WEIGHT * (most[words[0]] if len(words) == 1 else max([most[word] for word in words]))
            share[variant] = max(share.get(variant, 0.0), found)
        held = [set(unit) for _, unit in self.units[:own]]
        return Lookup(np.array(weights), tuple(share.items()), *_unit_table(len(weights), exact, context),
                      *_variant_table(owned, held, stands_for))

    @cached_property
    def numbers(self) -> "AskNumbers":
        """Its ``lookup``'s terms as numbers (``ask_numbers``)."""
        return ask_numbers(self.lookup)


@dataclass(frozen=True)
class Lookup:
    """Where an ask's terms count, unit by unit: a paragraph's evidence adds
    up only the terms it shares with the ask (``evidence``)."""

    weights: np.ndarray  # each unit's weight
    share: tuple[tuple[str, float], ...]  # every term, with the most it counts in a unit, the unit's weight included
    terms: tuple[str, ...]  # each unit's terms, unit after unit: its own, and its heading's the unit lacks
    counts: np.ndarray  # how much each of them counts there: 1, or CONTEXT_WEIGHT for a heading's term
    starts: np.ndarray  # where each unit's terms start among them
    variant_terms: tuple[str, ...]  # variants (kb.rules.synonyms) of the ask's own words, one per unit where it counts
    variant_units: np.ndarray  # ... that unit
    word_terms: tuple[str, ...]  # the words each variant stands for there, variant after variant
    word_starts: np.ndarray  # where each variant's words start among them
    # a variant counts VARIANT_WEIGHT in its unit when the paragraph lacks one of its words (and the unit lacks the variant)


def _unit_table(units: int, exact: dict[str, list[int]], context: dict[str, tuple[int, ...]]) -> tuple:
    """``Lookup.terms``, ``counts`` and ``starts``: a term counts in full in
    the units holding it, and ``CONTEXT_WEIGHT`` in the ask's own units that
    lack its heading's term."""
    by_unit: list[list[tuple[str, float]]] = [[] for _ in range(units)]
    for term, positions in exact.items():
        for position in positions:
            by_unit[position].append((term, 1.0))
    for term, positions in context.items():
        for position in positions:
            by_unit[position].append((term, CONTEXT_WEIGHT))
    entries = [entry for unit in by_unit for entry in unit]
    starts = np.cumsum([0] + [len(unit) for unit in by_unit[:-1]]) if units else np.zeros(0, dtype=int)
    return tuple(term for term, _ in entries), np.array([count for _, count in entries]), starts


def _variant_table(owned: dict[str, list[int]], held: list[set[str]], stands_for: dict[str, list[str]]) -> tuple:
    """``Lookup.variant_terms``, ``variant_units``, ``word_terms`` and
    ``word_starts``: each variant, in each of the ask's own units lacking it
    (``held``: each own unit's terms) where it stands for a word of the unit
    (``owned``: the own units holding each word), with those words; by unit."""
    found: list[tuple[int, str, list[str]]] = []
    for variant, words in stands_for.items():
        if len(words) == 1:  # most variants stand for one word: its units, in order
            found += [(position, variant, words[:]) for position in owned[words[0]] if variant not in held[position]]
            continue
        units_words: dict[int, list[str]] = defaultdict(list)
        for word in words:
            for position in owned[word]:
                if variant not in held[position]:
                    units_words[position].append(word)
        found += [(position, variant, found_words) for position, found_words in units_words.items()]
    found.sort(key=lambda entry: entry[0])
    word_terms = [word for _, _, found_words in found for word in found_words]
    word_starts = np.cumsum([0] + [len(found_words) for _, _, found_words in found[:-1]]) if found else np.zeros(0, dtype=int)
    return (tuple(variant for _, variant, _ in found), np.array([position for position, _, _ in found], dtype=int),
            tuple(word_terms), word_starts)


@dataclass
class ParagraphProfile:
    id: str
    document_id: str
    terms: Counter  # of its text, section heading and lead
    length: int


# --- word lists -------------------------------------------------------------


@dataclass(frozen=True)
class Words:
    """kb/data/response_words.yml and the glossary, folded."""

    generic: frozenset[str]
    concepts: tuple[tuple[str, tuple[str, ...]], ...]  # (term, its folded names)
    measure: tuple[str, ...]
    commitment: tuple[str, ...]


@cache
def word_lists() -> Words:
    data = yaml.safe_load(WORDS_PATH.read_text(encoding="utf-8"))
    folded = lambda text: tuple(normalize(word) for word in text.split())  # noqa: E731
    concepts = [("@" + entry.id, _names(entry.names)) for entry in load_glossary()]
    concepts += [("=" + key, _names(names)) for key, names in data["variants"].items()]
    return Words(frozenset(folded(data["generic"])), tuple(concepts), folded(data["measure"]), folded(data["commitment"]))


def _names(names) -> tuple[str, ...]:
    """Folded names long enough to find in running text: two Han characters, three Latin letters."""
    found = {normalize(name).replace(" ", "") for name in names}
    return tuple(sorted(name for name in found if len(name) >= (3 if name.isascii() else 2)))


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
    government = _government_names(tuple(p.text for p in paragraphs))
    texts, joined, names = _submission_names(tuple(f"{row.title} {row.body or ''}" for row in rows))
    counts = government.counts
    found = set(government.frequent)
    # The government's other names count only where the asks hold them: their first two characters first.
    for start, named in government.by_start.items():
        if start not in joined:
            continue
        for name in named:
            if name in joined and counts[name] + sum(name in text for text in texts) > SLOGAN_MIN_ROWS:
                found.add(name)
    for name in names - government.quoted:
        if len(name) < 2:
            continue
        if name not in counts:
            counts[name] = sum(name in text for text in government.cleaned) if name in government.joined else 0
        if counts[name] + (sum(name in text for text in texts) if name in joined else 0) > SLOGAN_MIN_ROWS:
            found.add(name)
    return found


@dataclass
class GovernmentNames:
    """What ``quoted_slogans`` reads from a government text alone."""

    cleaned: list[str]  # its paragraphs, cleaned
    joined: str  # ... all of them, apart
    quoted: frozenset[str]  # the names they quote
    counts: dict[str, int]  # how many paragraphs hold each name: every quoted one, and the asks' as they come
    frequent: frozenset[str]  # quoted names more than SLOGAN_MIN_ROWS paragraphs hold: slogans whatever the asks
    by_start: dict[str, tuple[str, ...]]  # the other quoted names (two characters or more), by their first two


@lru_cache(maxsize=64)
def _government_names(texts: tuple[str, ...]) -> GovernmentNames:
    """A government text's names, counted once: it is compared with every
    submission of its window."""
    read = [_cleaned_and_names(text) for text in texts]
    cleaned = [text for text, _ in read]
    joined = "\n".join(cleaned)
    quoted = frozenset(name for _, names in read for name in names)
    counts = {name: sum(name in text for text in cleaned) if name in joined else 0 for name in quoted if len(name) >= 2}
    by_start: dict[str, list[str]] = defaultdict(list)
    for name in sorted(counts):
        if counts[name] <= SLOGAN_MIN_ROWS:
            by_start[name[:2]].append(name)
    frequent = frozenset(name for name, count in counts.items() if count > SLOGAN_MIN_ROWS)
    return GovernmentNames(cleaned, joined, quoted, counts, frequent, {key: tuple(value) for key, value in by_start.items()})


@lru_cache(maxsize=256)  # KEPT_SUBMISSIONS: the submissions of a few government texts' windows
def _submission_names(texts: tuple[str, ...]) -> tuple[list[str], str, frozenset[str]]:
    """A submission's asks' texts cleaned, all of them joined, and the names they quote."""
    read = [_cleaned_and_names(text) for text in texts]
    cleaned = [text for text, _ in read]
    return cleaned, "\n".join(cleaned), frozenset().union(*(names for _, names in read))


# A government text is compared with every submission published before it,
# and a submission with the next government texts: what is read from one
# text alone (its folding, cleaned text, quoted names and terms) is kept.
CACHED_TEXTS = 20_000
_folded = lru_cache(maxsize=CACHED_TEXTS)(normalize)


@lru_cache(maxsize=CACHED_TEXTS)
def _cleaned_and_names(text: str) -> tuple[str, frozenset[str]]:
    folded = _folded(text)
    return clean_folded(folded), frozenset(quoted_names(folded))


# --- terms and profiles -----------------------------------------------------


def terms(text: str, slogans: set[str] = frozenset()) -> Counter:
    """The terms of a text: its words (not generic ones), the glossary's and
    the variants' terms it names, and the names it quotes that no glossary
    term covers; slogans left out.  The Counter is cached and handed to
    every caller of the same text: read it, never change it."""
    return folded_terms(_folded(text), slogans)


def folded_terms(folded: str, slogans: set[str] = frozenset()) -> Counter:
    """``terms`` of text already folded by ``kb.text.normalize.normalize``."""
    return _folded_terms(folded, frozenset(slogan for slogan in slogans if slogan in folded))


@lru_cache(maxsize=CACHED_TEXTS)  # kept by the slogans the text holds: most hold none, whatever the pair's
def _folded_terms(folded: str, slogans: frozenset[str]) -> Counter:
    for slogan in sorted(slogans, key=lambda name: (-len(name), name)):  # 香港創新科技發展藍圖 before 創新科技
        folded = folded.replace(slogan, " ")
    lists = word_lists()
    found = Counter(word for word in words(folded) if word not in lists.generic)
    found.update(concepts_in(folded))
    found.update("«" + name for name in quoted_names(folded)
                 if len(name) >= NAME_MIN_CHARS and name not in slogans and not concepts_in(name))
    return found


def concepts_in(folded: str) -> set[str]:
    """The glossary's and the variants' terms named in folded text.  Only
    the names whose first two characters the text holds are looked for."""
    flat = folded.replace(" ", "")
    index = concept_names()
    found = set()
    for start in {flat[i : i + 2] for i in range(len(flat) - 1)} & index.keys():
        found.update(term for name, term in index[start] if term not in found and name in flat)
    return found


@cache
def concept_names() -> dict[str, tuple[tuple[str, str], ...]]:
    """Every (name, term) of the glossary and the variants, by the name's
    first two characters (every name has at least two)."""
    index: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for term, names in word_lists().concepts:
        for name in names:
            index[name[:2]].append((name, term))
    return {start: tuple(entries) for start, entries in index.items()}


def is_measure(text: str) -> bool:
    """A paragraph announces or reports a measure: it names an action (設立,
    延長, 寬減 …) and a commitment (將, 明年, 億元 …)."""
    folded, lists = _folded(text), word_lists()
    return any(word in folded for word in lists.measure) and any(word in folded for word in lists.commitment)


def ask_profiles(rows: list[Recommendation], slogans: set[str] = frozenset()) -> list[AskProfile]:
    """A profile for every top-level recommendation (not strategies or measures)."""
    children: dict[str, list[Recommendation]] = defaultdict(list)
    for row in rows:
        if row.parent_id:
            children[row.parent_id].append(row)
    return [kept_ask_profile(row, children.get(row.id, []), slogans)
            for row in rows if not row.parent_id and row.kind == "recommendation"]


_kept_asks: OrderedDict[tuple, AskProfile] = OrderedDict()
# The asks of the submissions of a few government texts' windows: an ask is
# compared with every government text of its window, and its profile (with
# its ``lookup`` and ``numbers``) changes only with its text, the slogans
# it holds and the weights of the rules.
KEPT_ASKS = 4_096


def kept_ask_profile(row: Recommendation, subs: list[Recommendation], slogans: set[str]) -> AskProfile:
    """``ask_profile``, kept from one pair to the next by the ask's texts and
    the slogans they hold (most hold none, whatever the pair's)."""
    texts = (row.id, row.document_id, row.title, row.body, row.support, row.section,
             tuple((c.title, c.body) for c in subs))
    folded = _folded("\n".join(str(part) for part in texts[2:6]) + "\n" + "\n".join(f"{t}\n{b}" for t, b in texts[6]))
    held = frozenset(slogan for slogan in slogans if slogan in folded)
    key = (texts, held, VARIANT_WEIGHT, CONTEXT_WEIGHT, SUPPORT_WEIGHT)
    found = _kept_asks.get(key)
    if found is None:
        found = _kept_asks[key] = ask_profile(row, subs, held)
        if len(_kept_asks) > KEPT_ASKS:
            _kept_asks.popitem(last=False)
    else:
        _kept_asks.move_to_end(key)
    return found


def ask_profile(row: Recommendation, subs: list[Recommendation], slogans: set[str]) -> AskProfile:
    """The profile of one top-level ask, its sub-items ``subs`` folded in."""
    units = [(1.0, terms(title, slogans)) for title in [row.title] + [c.title for c in subs]]
    for body in [row.body or ""] + [c.body or "" for c in subs]:
        folded = (_folded(sentence) for sentence in split(body))
        units += [(1.0 if asks(sentence) else NARRATIVE, folded_terms(sentence, slogans))
                  for sentence in folded if len(clean_folded(sentence)) >= MIN_UNIT]
    units = [(weight, unit) for weight, unit in units if unit]
    own = len(units)
    if SUPPORT_WEIGHT:
        folded = (_folded(sentence) for sentence in split(row.support or ""))
        units += [(SUPPORT_WEIGHT * (1.0 if asks(sentence) else NARRATIVE), folded_terms(sentence, slogans))
                  for sentence in folded if len(clean_folded(sentence)) >= MIN_UNIT]
    context = terms(row.section or "", slogans) if row.section else Counter()
    return AskProfile(row.id, row.document_id, [(weight, unit) for weight, unit in units if unit],
                      terms(row.title, slogans), context, own)


def kept_ask_table(rows: list[Recommendation], slogans: set[str]) -> "AskTable":
    """The ``ask_table`` of ``ask_profiles``, kept from one pair to the next:
    a submission is compared with every government text of its window, and
    its profiles (with their units' terms and variants) change only with its
    rows, the slogans of the pair it holds and the weights of the rules."""
    texts = tuple((r.id, r.parent_id, r.kind, r.title, r.body, r.support, r.section) for r in rows)
    folded = _folded("\n".join(str(part) for text in texts for part in text[3:]))
    held = frozenset(slogan for slogan in slogans if slogan in folded)  # the only slogans its terms depend on
    key = (texts, held, VARIANT_WEIGHT, CONTEXT_WEIGHT, SUPPORT_WEIGHT)
    return _kept_ask_table(key, rows, slogans)


_kept: OrderedDict[tuple, "AskTable"] = OrderedDict()
# The submissions of a few government texts' windows (a window holds a few dozen): a table may
# hold a megabyte, and the pairs come a government text at a time, in the order they were delivered.
KEPT_SUBMISSIONS = 256


def _kept_ask_table(key: tuple, rows: list[Recommendation], slogans: set[str]) -> "AskTable":
    found = _kept.get(key)
    if found is None:
        found = _kept[key] = ask_table(ask_profiles(rows, slogans))
        if len(_kept) > KEPT_SUBMISSIONS:
            _kept.popitem(last=False)
    else:
        _kept.move_to_end(key)
    return found


def asks(folded: str) -> bool:
    """A sentence asks when jieba cuts one of ``ASK_WORDS`` from it."""
    return not ASK_WORDS.isdisjoint(tokens(folded))


def paragraph_profiles(paragraphs: list[Paragraph], slogans: set[str] = frozenset()) -> list[ParagraphProfile]:
    """A profile for every paragraph, read with its section heading; a sub-item
    also with its paragraph's lead."""
    lead = {p.id: p.text for p in paragraphs if not p.parent_id}
    profiles = []
    for paragraph in paragraphs:
        context = lead.get(paragraph.parent_id, "") if paragraph.parent_id else ""
        found = terms("\n".join([paragraph.text, paragraph.section or "", context]), slogans)
        profiles.append(ParagraphProfile(paragraph.id, paragraph.document_id, found, sum(found.values())))
    return profiles


# --- weights ----------------------------------------------------------------


@dataclass
class Weights:
    """Each term's weight within one pair, and the paragraphs' mean length (BM25)."""

    weight: dict[str, float]
    mean_length: float


def weights(paragraphs: list[ParagraphProfile]) -> Weights:
    """Rarity among the government document's paragraphs times rarity in general Chinese."""
    count = len(paragraphs)
    frequency = Counter(term for p in paragraphs for term in p.terms)
    weight = {term: math.log((count + 1) / (n + 0.5)) * specificity(term) for term, n in frequency.items()}
    return Weights(weight, sum(p.length for p in paragraphs) / max(1, count))


@lru_cache(maxsize=CACHED_TEXTS * 5)
def specificity(term: str) -> float:
    """How much a term says about a topic: glossary terms, variants and quoted
    names 1; a word by its general rarity, from ``RARITY_FLOOR`` (活動) to
    ``RARITY_CAP`` (差餉)."""
    if is_concept(term):
        return 1.0
    scaled = (general_rarity(term) - RARITY_FROM) / RARITY_SPAN
    return min(RARITY_CAP, max(RARITY_FLOOR, scaled))


# --- terms as numbers -------------------------------------------------------

_term_ids: dict[str, int] = {}  # every term met in this process -> its number


def term_ids(terms) -> np.ndarray:
    """The numbers of ``terms``, new terms numbered as they come: a pair's
    asks and paragraphs meet in arrays of these, not in dictionaries."""
    ids = _term_ids
    get = ids.get
    return np.array([n if (n := get(term)) is not None else ids.setdefault(term, len(ids)) for term in terms], dtype=np.int64)


# --- the government text's side of a pair ----------------------------------


@dataclass
class GovernmentSide:
    """What a pair reads from its government text alone, given the slogans
    it holds: the paragraphs' profiles, the terms' weights, and what each
    term adds to a unit of an ask that holds it in each paragraph holding
    it (``bm25``), by term.  A government text is compared with every
    submission of its window: this is worked out once for all of them
    (``government_side``)."""

    profiles: list[ParagraphProfile]
    found: Weights
    column: np.ndarray  # term number -> its column (the terms the text holds, 0..n-1), n for the others
    weights: np.ndarray  # each column's term's weight (``Weights``), 0 for the last
    starts: np.ndarray  # where each column's paragraphs start among ``holders`` (one more: where they end)
    holders: np.ndarray  # the rows of the paragraphs holding each column's term, column after column
    factors: np.ndarray  # ... and what the term adds there
    present: np.ndarray  # paragraphs x columns: the paragraph holds the term; never the last column
    rows: dict[str, int]  # paragraph id -> its row
    measures: frozenset[str]  # the paragraphs that announce or report a measure (``is_measure``) and open no list

    @cached_property
    def ids(self) -> np.ndarray:
        """Each row's paragraph id (objects), to pick many at once."""
        return np.array([profile.id for profile in self.profiles], dtype=object)

    def columns_of(self, ids: np.ndarray) -> np.ndarray:
        """The columns of the terms numbered ``ids``; the last column for a term the text lacks."""
        absent = len(self.weights) - 1
        known = ids < len(self.column)
        return np.where(known, self.column[np.where(known, ids, 0)], absent)

    def holding(self, columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each of ``columns``, every paragraph holding its term: the
        place among ``columns`` and the index into ``holders`` of each."""
        places, within = spread(self.starts[columns + 1] - self.starts[columns])
        return places, self.starts[columns][places] + within


def spread(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Groups of ``counts`` items, one after another: each item's group, and its place in the group."""
    groups = np.repeat(np.arange(len(counts)), counts)
    return groups, np.arange(len(groups)) - (np.cumsum(counts) - counts)[groups]


def government_side(paragraphs: list[Paragraph], slogans: set[str] = frozenset()) -> GovernmentSide:
    """``GovernmentSide`` of these paragraphs, kept for the next pairs of the
    same government text that hold the same slogans."""
    key = tuple((p.id, p.document_id, p.parent_id, p.text, p.section) for p in paragraphs)
    held = frozenset(slogan for slogan in slogans if slogan in _government_text(key))
    found = _sides.get((key, held))
    if found is None:
        if len(_sides) >= KEPT_SIDES:
            _sides.clear()
        found = _sides[(key, held)] = _government_side(paragraphs, held)
    return found


_sides: dict[tuple, GovernmentSide] = {}
KEPT_SIDES = 4  # a worker scores the pairs of one government text after another


@lru_cache(maxsize=KEPT_SIDES)
def _government_text(key: tuple) -> str:
    """Every paragraph's text, section and lead, folded, apart: where a slogan may be."""
    return "\0".join(_folded(part) for _, _, _, text, section in key for part in (text, section or ""))


def _government_side(paragraphs: list[Paragraph], slogans: frozenset[str]) -> GovernmentSide:
    profiles = paragraph_profiles(paragraphs, slogans)
    found = weights(profiles)
    ids = term_ids(found.weight)
    column = np.full(int(ids.max(initial=-1)) + 1, len(ids))
    column[ids] = np.arange(len(ids))
    held = [(column[term_ids(factors)], row, np.fromiter(factors.values(), float, len(factors)))
            for row, factors in enumerate(bm25(paragraph, found) for paragraph in profiles)]
    columns = np.concatenate([np.zeros(0, dtype=np.int64), *(columns for columns, _, _ in held)])
    rows = np.concatenate([np.zeros(0, dtype=np.int64), *(np.full(len(columns), row) for columns, row, _ in held)])
    factors = np.concatenate([np.zeros(0), *(values for _, _, values in held)])
    order = np.argsort(columns, kind="stable")  # by column, then row
    present = np.zeros((len(profiles), len(ids) + 1), dtype=bool)
    present[rows, columns] = True
    starts = np.searchsorted(columns[order], np.arange(len(ids) + 2))
    leads = {p.parent_id for p in paragraphs if p.parent_id}
    measures = frozenset(p.id for p in paragraphs if p.id not in leads and is_measure(p.text))
    return GovernmentSide(profiles, found, column, np.array([*found.weight.values(), 0.0]), starts, rows[order],
                          factors[order], present, {p.id: row for row, p in enumerate(profiles)}, measures)


# --- the asks' side of a pair ------------------------------------------------


@dataclass
class AskTable:
    """The ``Lookup`` of every ask of a submission that has units, one after
    another, its terms as numbers (``term_ids``): what ``candidates`` and
    ``evidence`` read for all of them at once."""

    asks: list[AskProfile]
    terms: np.ndarray  # each unit's terms, unit after unit, ask after ask
    counts: np.ndarray  # how much each counts there
    units: np.ndarray  # ... and the unit
    weights: np.ndarray  # each unit's weight
    firsts: np.ndarray  # where each ask's units start
    variant_terms: np.ndarray
    variant_units: np.ndarray
    word_terms: np.ndarray
    word_starts: np.ndarray  # where each variant's words start among ``word_terms``
    word_counts: np.ndarray  # ... and how many it has
    share_terms: np.ndarray  # every ask's terms, ask after ask ...
    share: np.ndarray  # ... with the most each counts in a unit of the ask
    share_asks: np.ndarray  # ... and the ask


def ask_table(asks: list[AskProfile]) -> AskTable:
    asks = [ask for ask in asks if len(ask.lookup.weights)]
    lookups = [ask.lookup for ask in asks]
    parts = [ask.numbers for ask in asks]
    firsts = np.cumsum([0] + [len(lookup.weights) for lookup in lookups])
    words = np.cumsum([0] + [len(lookup.word_terms) for lookup in lookups])
    joined = lambda arrays, dtype=float: np.concatenate([np.zeros(0, dtype=dtype), *arrays])  # noqa: E731
    word_starts = joined((lookup.word_starts + words[i] for i, lookup in enumerate(lookups)), int)
    return AskTable(
        asks,
        joined((part.terms for part in parts), np.int64),
        joined(lookup.counts for lookup in lookups),
        joined((part.units + firsts[i] for i, part in enumerate(parts)), int),
        joined(lookup.weights for lookup in lookups),
        firsts[:-1],
        joined((part.variant_terms for part in parts), np.int64),
        joined((lookup.variant_units + firsts[i] for i, lookup in enumerate(lookups)), int),
        joined((part.word_terms for part in parts), np.int64),
        word_starts,
        np.diff(np.append(word_starts, words[-1])),
        joined((part.share_terms for part in parts), np.int64),
        joined(part.share for part in parts),
        joined((np.full(len(lookup.share), i) for i, lookup in enumerate(lookups)), int),
    )


@dataclass(frozen=True)
class AskNumbers:
    """An ask's ``Lookup`` with its terms as numbers (``term_ids``): its part of an ``AskTable``."""

    terms: np.ndarray
    units: np.ndarray  # the unit of each of ``terms``
    variant_terms: np.ndarray
    word_terms: np.ndarray
    share_terms: np.ndarray
    share: np.ndarray


def ask_numbers(lookup: Lookup) -> AskNumbers:
    return AskNumbers(
        term_ids(lookup.terms),
        np.repeat(np.arange(len(lookup.weights)), np.diff([*lookup.starts, len(lookup.terms)])),
        term_ids(lookup.variant_terms),
        term_ids(lookup.word_terms),
        term_ids(term for term, _ in lookup.share),
        np.array([share for _, share in lookup.share], dtype=float),
    )


# --- candidates and evidence ------------------------------------------------


def candidates(table: AskTable, side: GovernmentSide) -> np.ndarray:
    """Paragraphs x asks: the paragraph is worth scoring with the ask, it
    holds a term that weighs at least ``CANDIDATE_WEIGHT``, and at least
    that times the most it counts in a unit of the ask (a narrative
    sentence's term at 0.8 of its weight, a variant's at ``VARIANT_WEIGHT``
    …).  Read down the terms' columns: no all-pairs scan."""
    columns = side.columns_of(table.share_terms)
    weight = side.weights[columns]
    key = np.flatnonzero((weight >= CANDIDATE_WEIGHT) & (table.share * weight >= CANDIDATE_WEIGHT))
    places, held = side.holding(columns[key])
    found = np.zeros((len(side.profiles), len(table.asks)), dtype=bool)
    found[side.holders[held], table.share_asks[key][places]] = True
    return found


def candidate_pairs(asks: list[AskProfile], side: GovernmentSide) -> list[tuple[AskProfile, ParagraphProfile]]:
    """Every (ask, paragraph) pair worth scoring within one pair of documents (``candidates``)."""
    table = ask_table(asks)
    found = candidates(table, side)
    return [(ask, side.profiles[row]) for column, ask in enumerate(table.asks) for row in np.flatnonzero(found[:, column])]


def evidence(table: AskTable, side: GovernmentSide) -> np.ndarray:
    """Paragraphs x asks: the ask's evidence in the paragraph, the largest of
    its units' BM25 sums (the factors of the unit's terms the paragraph
    holds), each times the unit's weight."""
    width = len(table.weights)
    if not width:
        return np.zeros((len(side.profiles), 0))
    places, held = side.holding(side.columns_of(table.terms))
    cells = [side.holders[held] * width + table.units[places]]
    added = [side.factors[held] * table.counts[places]]
    if len(table.variant_terms):
        places, held = side.holding(side.columns_of(table.variant_terms))
        rows, counts = side.holders[held], table.word_counts[places]
        found, within = spread(counts)  # each (paragraph, variant) by the words it stands for
        has = side.present[rows[found], side.columns_of(table.word_terms[table.word_starts[places][found] + within])]
        lacks = ~np.logical_and.reduceat(has, np.cumsum(counts) - counts) if len(has) else has
        cells.append(rows[lacks] * width + table.variant_units[places][lacks])
        added.append(VARIANT_WEIGHT * side.factors[held][lacks])
    sums = np.bincount(np.concatenate(cells), np.concatenate(added), minlength=len(side.profiles) * width)
    return np.maximum.reduceat(sums.reshape(len(side.profiles), width) * table.weights, table.firsts, axis=1)


def bm25(paragraph: ParagraphProfile, found: Weights) -> dict[str, float]:
    """What each term of the paragraph adds to a unit that holds it."""
    norm = K1 * (1 - B + B * paragraph.length / found.mean_length)
    weight = found.weight.get
    return {t: weight(t, 0.0) * n * (K1 + 1) / (n + norm) for t, n in paragraph.terms.items()}


def score(found: float) -> int:
    return min(100, round(SCORE_SCALE * found))


def scores(found: np.ndarray) -> np.ndarray:
    """``score`` of each of ``found`` (``np.rint`` rounds half to even, as ``round`` does)."""
    return np.minimum(100, np.rint(SCORE_SCALE * found)).astype(np.int64)


def relation(points: int, claim: int | None = None) -> str | None:
    """``addresses`` when the paragraph may address the ask (``claim`` is
    given only for the best paragraph of a document that announces or
    reports a measure and is no other ask's best) and its ``claim``, its
    score without the places the ask does not name, reaches
    ``ADDRESSES_SCORE``; ``related`` from ``RELATED_SCORE``."""
    if claim is not None and claim >= ADDRESSES_SCORE:
        return ADDRESSES
    if points >= RELATED_SCORE:
        return RELATED
    return None


# --- computing the responses ------------------------------------------------


def rule_responses(asks: list[Recommendation], paragraphs: list[Paragraph]) -> list[Response]:
    """The rules' responses for ONE pair: ``asks`` are the rows of one
    submission document (sub-items included), ``paragraphs`` the paragraphs of
    one government document published after it.  A pure function of those two
    documents and of the fixed files shipped with kb: every weight is counted
    within the pair, so that a build may recompute only the pairs whose
    documents changed.  Ordered by recommendation, then falling score;
    reviewer's verdicts not applied."""
    scored_pair = score_pair(asks, paragraphs)
    measures = scored_pair.side.measures
    ranked = scored_pair.ranked()
    shared = shared_best(ranked)
    owner = best_asks(ranked)
    rows = {row.id: row for row in asks}
    texts = {p.id: p.text for p in paragraphs}
    subs: dict[str, list[Recommendation]] = defaultdict(list)
    for row in asks:
        if row.parent_id:
            subs[row.parent_id].append(row)
    responses = []
    for ask_id, scored in ranked.items():
        first = scored[0][1]
        measure = first in measures and first not in shared and owner.get(first, ask_id) == ask_id
        claim = scored_pair.claim(rows[ask_id], subs.get(ask_id, []), first, texts[first]) if measure else None
        # Best first: past the first, a paragraph below RELATED_SCORE is no response, nor is any after it.
        found = [(pid, points, relation(points, claim if index == 0 else None))
                 for index, (points, pid) in enumerate(scored[:MAX_PER_DOCUMENT])]
        responses += [Response(ask_id, pid, points, kind, RULE) for pid, points, kind in found if kind]
    return responses


def shared_best(ranked: dict[str, list[tuple[int, str]]]) -> set[str]:
    """Paragraphs that are the best match of more than one ask of the pair:
    a broad topic the asks share (a fund, a district), not a measure doing what
    one of them asked, so they only ever relate."""
    best = Counter(scored[0][1] for scored in ranked.values() if scored)
    return {pid for pid, count in best.items() if count > 1}


def best_asks(ranked: dict[str, list[tuple[int, str]]]) -> dict[str, str]:
    """Paragraph id -> the ask of the pair it scores highest with (the first
    in the asks' order on a tie)."""
    best: dict[str, tuple[int, str]] = {}
    for ask_id, scored in ranked.items():
        for points, pid in scored:
            if pid not in best or points > best[pid][0]:
                best[pid] = (points, ask_id)
    return {pid: ask_id for pid, (_, ask_id) in best.items()}


@dataclass
class ScoredPair:
    """One pair's profiles, weights and every candidate's evidence."""

    asks: dict[str, AskProfile]
    side: GovernmentSide
    best_first: dict[str, tuple[np.ndarray, list[str]]]  # ask id -> every candidate's evidence and paragraph id, best first
    slogans: frozenset[str] = frozenset()  # the pair's slogans: no terms

    @cached_property
    def evidence(self) -> dict[str, list[tuple[float, str]]]:
        """Ask id -> (evidence, paragraph id) of every candidate, best first."""
        return {key: list(zip(points.tolist(), ids)) for key, (points, ids) in self.best_first.items()}

    def ranked(self) -> dict[str, list[tuple[int, str]]]:
        """Ask id -> (score, paragraph id) of every candidate, best first (``score``, for all at once)."""
        return {key: list(zip(scores(points).tolist(), ids)) for key, (points, ids) in self.best_first.items()}

    def claim(self, row: Recommendation, subs: list[Recommendation], paragraph_id: str, text: str) -> int:
        """The score that may make a paragraph address an ask: its evidence
        on the ask's asking clauses alone (``kb.rules.claims.claim_units``:
        the titles and the sentences that ask, not the firms' sentences or the
        clauses giving a reason), each unit apart, without the places
        (``place_terms``) the ask's title does not name; 0 when the best
        unit's asking clause asks a kind of change (widen, extend, more,
        less, create, fund) the paragraph's text holds no word of
        (``kb.rules.claims.change_kind``), or when that unit and the
        paragraph share no concept (a glossary or variant term, a quoted
        name): plain words alone (統籌, 拆牆鬆綁) say nothing of what a
        measure is about.  A place says where a measure is, not what it
        does: a paragraph on the Loop's park does not do what an ask for
        pilot-production bases there asked."""
        units = claims.claim_units(row.title, tuple(sub.title for sub in subs),
                                   tuple(body for body in [row.body] + [sub.body for sub in subs] if body), ASK_WORDS,
                                   claims.ASKING_CLAUSES)
        held = frozenset(slogan for slogan in self.slogans if any(slogan in text for _, text in units))
        named = frozenset(place_terms() & self.asks[row.id].title.keys())
        clauses, table = _claim_table(units, held, named)
        if not clauses:
            return 0
        found = [score(float(points)) for points in evidence(table, self.side)[self.side.rows[paragraph_id]]]
        best = max(found)
        if best <= 0:
            return 0
        first = found.index(best)  # the first unit scoring best
        paragraph_terms = self.side.profiles[self.side.rows[paragraph_id]].terms
        if not any(is_concept(term) and term in paragraph_terms for term in table.asks[first].units[0][1]):
            return 0
        return best if claims.does_kind(claims.change_kind(clauses[first]), _folded(text)) else 0


def is_concept(term: str) -> bool:
    """A glossary or variant term, or a quoted name: not a plain word."""
    return term[0] in "@=«"


@lru_cache(maxsize=4096)
def _claim_table(units: tuple[tuple[str, str], ...], slogans: frozenset[str],
                 named: frozenset[str]) -> tuple[tuple[str, ...], "AskTable"]:
    """The asking clauses of an ask's claim units that have terms, and their
    ``ask_table`` (one exact unit each): the terms of each unit without the
    ``slogans`` it holds and the places (``place_terms``) but those its title
    ``named``.  Kept: an ask is claimed against every government text of
    its window, and this depends on its text alone."""
    places = place_terms() - named
    read = [(clause, Counter({t: n for t, n in folded_terms(text, slogans).items() if t not in places}))
            for clause, text in units]
    read = [(clause, unit) for clause, unit in read if unit]
    table = ask_table([AskProfile("claim", "", [(1.0, unit)], Counter(), exact=True) for _, unit in read])
    return tuple(clause for clause, _ in read), table


@cache
def place_terms() -> frozenset[str]:
    """The glossary's places (kind ``place``) as terms, and the words jieba
    cuts from their names (都会区, 河套): where a measure is, not what it does."""
    found = set()
    for entry in load_glossary():
        if entry.kind == "place":
            found.add("@" + entry.id)
            for name in _names((entry.name_zh, *entry.aliases)):
                found.update(word for word in words(name) if specificity(word) >= PLACE_WORD_SPECIFICITY)
    return frozenset(found)


def rank_pair(asks: list[Recommendation], paragraphs: list[Paragraph]) -> dict[str, list[tuple[int, str]]]:
    """Ask id -> every candidate paragraph's (score, id), best first, for one
    (submission document, government document) pair: what ``rule_responses``
    keeps, and what calibration reads."""
    return score_pair(asks, paragraphs).ranked()


def score_pair(asks: list[Recommendation], paragraphs: list[Paragraph]) -> ScoredPair:
    """Profiles, weights and every candidate's evidence for one pair, each
    ask's paragraphs best first (ties in the government text's order)."""
    slogans = slogans_of([row for row in asks if not row.parent_id], paragraphs)
    side = government_side(paragraphs, slogans)
    table = kept_ask_table(asks, slogans)
    worth, found = candidates(table, side), evidence(table, side)
    best_first = {}
    for column, ask in sorted(enumerate(table.asks), key=lambda pair: pair[1].id):
        rows = np.flatnonzero(worth[:, column])
        if len(rows):
            points = found[rows, column]
            order = np.lexsort((rows, -points))
            best_first[ask.id] = (points[order], side.ids[rows[order]].tolist())
    return ScoredPair({a.id: a for a in table.asks}, side, best_first, frozenset(slogans))


def response_pairs(documents: list[Document], rows: list[Recommendation], paragraphs: list[Paragraph],
                   horizon: int = HORIZON_YEARS) -> list[tuple[str, str]]:
    """Every (submission document, government document) pair to score: a
    document with asks and each government text delivered after it was
    written, within ``horizon`` years (``kb.rules.timing.later_texts``), in
    the order they were delivered."""
    return window_pairs(documents, rows, {p.document_id for p in paragraphs}, horizon)


def window_pairs(documents: list[Document], rows: list[Recommendation], government: set[str],
                 horizon: int = HORIZON_YEARS) -> list[tuple[str, str]]:
    """``response_pairs``, the government texts given by their ids."""
    with_asks = {row.document_id for row in rows if not row.parent_id and row.kind == "recommendation"}
    later = later_texts(documents, government, horizon)
    return [(document.id, text) for document in documents if document.id in with_asks for text in later.get(document.id, ())]


def by_government(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Pairs with the same government text together (``government_side`` is kept for the next pair of its text)."""
    return sorted(pairs, key=lambda pair: pair[1])


def rank_pairs(
    rows: list[Recommendation], paragraphs: list[Paragraph], documents: list[Document], horizon: int = HORIZON_YEARS
) -> dict[tuple[str, str], list[tuple[int, str]]]:
    """(ask id, government document id) -> ranked paragraphs, pair by pair."""
    rows_of, paragraphs_of = by_document(rows), by_document(paragraphs)
    ranked = {}
    for submission, government in by_government(response_pairs(documents, rows, paragraphs, horizon)):
        for ask_id, scored in rank_pair(rows_of[submission], paragraphs_of[government]).items():
            ranked[(ask_id, government)] = scored
    return dict(sorted(ranked.items()))


def compute_responses(
    rows: list[Recommendation],
    paragraphs: list[Paragraph],
    documents: list[Document],
    horizon: int = HORIZON_YEARS,
) -> list[Response]:
    """Every response found by the rules, pair by pair (``rule_responses``),
    no reviews applied (see ``kb.rules.reviews.apply_response_reviews``);
    ordered by recommendation, then paragraph document, then falling score."""
    rows_of, paragraphs_of = by_document(rows), by_document(paragraphs)
    responses = []
    for submission, government in by_government(response_pairs(documents, rows, paragraphs, horizon)):
        responses += rule_responses(rows_of[submission], paragraphs_of[government])
    return in_ask_order(responses)


def in_ask_order(responses: list[Response]) -> list[Response]:
    """Responses ordered by recommendation, then paragraph document, then falling score."""
    return sorted(responses, key=lambda r: (r.recommendation_id, document_of(r.paragraph_id), -r.score, r.paragraph_id))


# --- statuses ---------------------------------------------------------------


def statuses(
    rows: list[Recommendation],
    responses: list[Response],
    documents: list[Document],
    threads: list[set[str]],
    government: set[str] | None = None,
    horizon: int = HORIZON_YEARS,
) -> list[Status]:
    """One status per top-level recommendation, and its thread's:

    * ``addressed``: a paragraph addresses it (a rule or a reviewer says so),
      with the first and latest addressing documents (by delivery);
    * ``possible response``: paragraphs share the ask's specific terms
      (a response ``related``, by the rules from ``RELATED_SCORE``, or
      confirmed by a reviewer): worth reading, not a verdict;
    * ``no response found``: neither, in the government texts of the ask's
      window (``kb.rules.timing.later_texts``);
    * ``no later government text``: none of the ``government`` documents
      falls in the ask's window (there was nothing to respond with yet).

    The thread status is the best over the ask's thread (``threads``: sets
    of row ids linked across years).  A reviewer's status overrides the
    rule's (``kb.rules.reviews.apply_status_reviews``)."""
    return thread_statuses(own_statuses(rows, responses, documents, government, horizon), threads)


# An ask's own status by the rules, before its thread's and any reviewer's:
# (status, first addressing document, latest addressing document).
Own = tuple[str, str | None, str | None]


def own_statuses(
    rows: list[Recommendation],
    responses: list[Response],
    documents: list[Document],
    government: set[str] | None = None,
    horizon: int = HORIZON_YEARS,
) -> dict[str, Own]:
    """Each ask's own status (``statuses``) from its ``responses``, by ask id
    in the order of ``rows``: a function of the ask's responses and of its
    document's window alone."""
    order = {d.id: (span.first if (span := published_span(d.published)) else date.max, d.id) for d in documents}
    later = later_texts(documents, government, horizon) if government is not None else {}
    by_ask: dict[str, list[Response]] = defaultdict(list)
    for response in responses:
        by_ask[response.recommendation_id].append(response)
    own = {}
    for row in rows:
        if row.parent_id or row.kind != "recommendation":
            continue
        found = by_ask.get(row.id, [])
        addressing = sorted({document_of(r.paragraph_id) for r in found if r.relation == ADDRESSES},
                            key=lambda d: order.get(d, (date.max, d)))
        status = ADDRESSED if addressing else POSSIBLE if found else NO_RESPONSE
        if status == NO_RESPONSE and government is not None and not later.get(row.document_id):
            status = NO_LATER_TEXT
        own[row.id] = (status, addressing[0] if addressing else None, addressing[-1] if addressing else None)
    return own


def thread_statuses(own: dict[str, Own], threads: list[set[str]]) -> list[Status]:
    """Every ask's ``Status``: its own (``own_statuses``), with the best over
    its thread (``threads``: sets of row ids linked across years)."""
    best = {}  # each thread's best status, worked out once per thread
    for index, thread in enumerate(threads):
        found = [own[member][0] for member in thread if member in own]
        if found:
            best[index] = min(found, key=STATUS_ORDER.__getitem__)
    thread_of = {member: index for index, thread in enumerate(threads) for member in thread}
    result = []
    for row_id, (status, first, latest) in own.items():
        thread_status = best[thread_of[row_id]] if row_id in thread_of else status
        result.append(Status(row_id, status, first, latest, thread_status, RULE))
    return result


# --- at build ---------------------------------------------------------------


@dataclass
class Answers:
    """What a build writes about government responses."""

    responses: list[Response]
    statuses: list[Status]
    pairs: list[tuple[str, str]] = field(default_factory=list)  # the (submission, government text) pairs of the window
    # An incremental build's: the pairs whose stored responses ``responses``
    # replace (the others' are kept as stored); None: every response is here.
    replaced: set[tuple[str, str]] | None = None
