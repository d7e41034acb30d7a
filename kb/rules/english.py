"""English words and phrases read as Chinese terms, through CC-CEDICT and
the knowledge base's own text.

The sources are Chinese; an English reader types "insurance" or "SME
financing".  kb's glossary (``kb/rules/data/glossary.yml``) names Hong Kong's
own schemes and terms and is read first (``kb.read.search``); what it leaves
is read here: first as Hong Kong writes it (``data/hong_kong_english.yml``:
rates 差餉, MPF 強積金 …), then through CC-CEDICT (``kb.rules.cedict``).

A word or phrase is looked up among the dictionary's glosses: a gloss that
is the phrase itself counts fully, one holding it among other words counts
the phrase's share of the gloss's words, and a later sense of an entry less
(``gloss_score``); a match only through a plural, -ing or -ed form counts
``STEMMED`` of that, so "financing" reads as 融資, not as 金融 ("finance").
A noun in -ation, -ment, -ance or -ence is also read through its verb's
whole glosses, as a match by another form (transformation → "to
transform" → 轉型).  Then the text decides (``count``: how many rows hold a
term): a term no row holds is dropped for its parts that are dictionary
headwords and occur (原產國 → 原產, when the text says 原產地), and the
``TERMS_PER_WORD`` best terms scoring at least ``KEEP_SHARE`` of the best
one are kept, the more common in the text first among equals, with a
weaker term the text uses ``MUCH_MORE`` times as often (轉型 against
轉變).  A headword that many of a
word's compounds share is a term of the word too (技術 for "technical", from
技術人員, 技術指導 …).

``read_english`` cuts a query into phrases, longest first: a phrase is read
as a whole when the dictionary has it, when its two words written together
are a word (start-ups → startups → 初創), or when two of its words' terms
written together occur in the text (national education → 國民 + 教育 =
國民教育; kinds of a word count there, degree programmes → 學位 "academic
degree" + 課程 = 學位課程).  English stop words outside a phrase are dropped; a word with no
reading is kept with no terms (it may be in the text, as CBAM is).  A
phrase read as a whole keeps its words' own terms (``Reading.parts``): the
search widens to them after the phrase's own rows.  Hong Kong usage's
phrases are read first wherever they stand; single letters are not words
(R&D is read through glosses with those initials, the s of women's is
dropped); a word whose whole-gloss terms the text lacks backs off to the
text's words holding the character all of them share (ladder → 梯 → 階梯);
a word no gloss reads is read as the proper names its pinyin spells that
the text holds (Zhuhai → 珠海).

Without a ``count`` (tests, the SQL function) every term counts as in the text.
"""

from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby
from pathlib import Path
from typing import Callable

import yaml

from kb.rules import cedict
from kb.rules.cedict import ALL_HAN, NOTE, SKIP_SENSE, WORD

HONG_KONG_PATH = Path(__file__).parent / "data" / "hong_kong_english.yml"
TERMS_PER_WORD = 5
MAX_PHRASE_WORDS = 4
KEEP_SHARE = 0.6  # a term is kept if it scores at least this share of the best
WEAKER_SHARE = 0.4  # a term scoring at least this share of the best is kept too …
MUCH_MORE = 3  # … when this many times as many rows hold it as hold any of the terms kept
STEMMED = 0.4  # a gloss matched only through a word's other form counts this much
SENSE_DECAY = 0.1  # each earlier sense of the entry divides a gloss's score by 1 + this
BACK_OFF = 0.5  # a part of a term the text lacks scores this share of the term
SHARED_CHARACTER = 2  # a character all of a word's absent whole terms hold, two or more, is backed off to
SHARED = 3  # a part held by this many of a word's longer terms is a term too …
SHARED_SCORE = 0.05  # … scoring this for each of them, at most …
SHARED_BEST = 0.5  # … this (ten terms)
CHECKED = 30  # how many of a key's best candidates are checked against the text
JOINED_LEFT = 40  # how many terms of a phrase's first word are tried before …
JOINED_RIGHT = 8  # … the terms of its second word that occur in the text
JOINED_HEAD = 8  # and how many of each word's kinds of it (學位, "academic degree") besides
CHARACTER_COMPOUNDS = 3  # a character is a word's term when this many of the word's terms in the text hold it …
CHARACTER_SHARE = 0.5  # … and they are in at least this share of the rows holding it
COMMON_SHARE = 4  # an abbreviation's term is kept if this many times its rows reach the commonest one's

STOP_WORDS = frozenset(
    """a an and are as at be by for from has have in into is it its of on or our than that the their this
    to was were what when which who will with about after all also any between both each how more most
    other over such so than through under up very via we within without""".split()
)

Count = Callable[[str], int]  # how many rows of the text hold a (Traditional) term


def _everywhere(term: str) -> int:
    return 1


@dataclass(frozen=True)
class Reading:
    """Words of the query and the Chinese terms they are read as."""

    words: tuple[str, ...]
    terms: tuple[str, ...]  # Traditional terms, best first; empty for a word not read
    known: bool = True  # the dictionary has the words (its terms may all be missing from the text)
    parts: tuple[tuple[str, ...], ...] = ()  # a phrase's words' own terms, one tuple a word: the phrase widened
    usage: bool = False  # the terms are Hong Kong usage's, not the dictionary's

    @property
    def english(self) -> str:
        if len(self.words) > 1 and all(len(word) == 1 for word in self.words):
            return "&".join(self.words)  # an abbreviation: r&d
        return " ".join(self.words)


def english_words(text: str) -> list[str]:
    """The English words of a text, lower case; a hyphen parts words as a space does."""
    return WORD.findall(text.lower().replace("-", " "))


@lru_cache(maxsize=1)
def hong_kong_usage() -> dict[str, tuple[str, ...]]:
    """English as Hong Kong writes it (``data/hong_kong_english.yml``): read
    before the dictionary, by the stems of its words."""
    return {_stems(words): terms for words, terms in _usage_entries()}


@lru_cache(maxsize=1)
def _usage_entries() -> list[tuple[list[str], tuple[str, ...]]]:
    """The usage file's entries: the key's words as written, and its terms."""
    data = yaml.safe_load(HONG_KONG_PATH.read_text(encoding="utf-8")) or {}
    return [(english_words(str(key)), tuple(terms)) for key, terms in data.items()]


def _stems(words) -> tuple[str, ...]:
    return tuple(map(cedict.stem, words))


def usage_terms(words: tuple[str, ...], count: Count = _everywhere) -> tuple[str, ...]:
    """Hong Kong usage's terms of a word or phrase that the text holds: none
    when it has no entry, or when no row holds any of its terms (the
    dictionary reads it then).  A word that is a usage phrase written as one
    word (Shatin, for Sha Tin) has the phrase's terms."""
    key = _stems(words)
    if len(words) == 1 and key not in hong_kong_usage():
        key = _usage_written_together().get(words[0], key)
    return tuple(term for term in hong_kong_usage().get(key, ()) if count(term))


@lru_cache(maxsize=1)
def _usage_written_together() -> dict[str, tuple[str, ...]]:
    """Hong Kong usage's phrases by their words written as one (shatin → the
    key of sha tin), the phrases of two or three words."""
    return {"".join(words): _stems(words) for words, _ in _usage_entries() if 2 <= len(words) <= 3}


@lru_cache(maxsize=1)
def _longest_usage() -> int:
    return max(map(len, hong_kong_usage()), default=1)


# --- scoring the dictionary's terms -----------------------------------------------------


def gloss_score(words: tuple[str, ...], gloss: cedict.Gloss, as_written: bool) -> float:
    """How well a gloss reads the words: the words' share of the gloss's
    words (stop words aside), less for a later sense or a match only by stem.
    A phrase of several words, or a proper name, counts only as a whole gloss."""
    content = [word for word in gloss.words if word not in STOP_WORDS] or gloss.words
    wanted = [word for word in words if word not in STOP_WORDS] or words
    share = min(1.0, len(wanted) / len(content))
    if share < 1 and (len(words) > 1 or gloss.name):
        return 0.0
    return share / (1 + SENSE_DECAY * gloss.sense) * (1.0 if as_written else STEMMED)


WHOLE, PART, SHARED_PART = "whole", "part", "shared"  # a term is the words' whole gloss, holds them among others, or is shared
HEAD = "head"  # a part whose gloss ends with the words: a kind of what they name (學位, "academic degree")
VERB = "verb"  # a noun's verb's whole gloss (轉型, "to transform", for "transformation")
MEANINGS = (WHOLE, SHARED_PART, VERB)  # terms that are what a word means, nothing more


ALL_KINDS = (WHOLE, PART, HEAD, SHARED_PART, VERB)


def candidates(words: tuple[str, ...], kinds=ALL_KINDS) -> list[tuple[str, float]]:
    """The dictionary's terms for the words, best first: (Traditional headword, score)."""
    return [(term, score) for term, score, kind in _scored(words) if kind in kinds]


@lru_cache(maxsize=4096)
def _scored(words: tuple[str, ...]) -> list[tuple[str, float, str]]:
    """(term, score, kind), best first."""
    best: dict[str, tuple[float, str]] = {}
    for gloss, as_written in cedict.find(words):
        score = gloss_score(words, gloss, as_written)
        if score > best.get(gloss.traditional, (0.0,))[0]:
            best[gloss.traditional] = (score, _kind(words, gloss))
    for verb in _verbs(words):
        for gloss, as_written in cedict.find((verb,)):
            score = gloss_score((verb,), gloss, True) * STEMMED
            if len(gloss.words) == 1 and score > best.get(gloss.traditional, (0.0,))[0]:
                best[gloss.traditional] = (score, VERB)
    for part, held in _shared_parts([term for term, (_, kind) in best.items() if kind in (PART, HEAD)]).items():
        score = min(SHARED_BEST, SHARED_SCORE * held)
        if score > best.get(part, (0.0,))[0]:
            best[part] = (score, SHARED_PART)
    ranked = sorted(best.items(), key=lambda item: (-item[1][0], len(item[0]), item[0]))
    return [(term, score, kind) for term, (score, kind) in ranked if score > 0]


def _kind(words: tuple[str, ...], gloss: cedict.Gloss) -> str:
    if len(gloss.words) == len(words):
        return WHOLE
    return HEAD if gloss.stems[-len(words):] == tuple(map(cedict.stem, words)) else PART


NOUN_ENDINGS = (("ication", "ify"), ("ation", ""), ("ation", "ate"), ("ment", ""), ("ance", ""), ("ence", ""),
                ("ction", "ct"), ("ction", "ce"), ("ention", "ent"), ("ension", "end"), ("ansion", "and"),
                ("ision", "ide"), ("etion", "ete"), ("otion", "ote"))


def _verbs(words: tuple[str, ...]) -> list[str]:
    """The verbs a noun in -ation, -ment, -ance, -ence, -ction, -ention,
    -ension, -ansion, -ision, -etion or -otion may be made from
    (transformation → transform, certification → certify, development →
    develop, governance → govern, prevention → prevent, reduction → reduce,
    extension → extend, promotion → promote), for its verb's whole glosses:
    the text may write the noun as it writes the verb (轉型, "to transform")."""
    if len(words) != 1:
        return []
    word = cedict.american(words[0])
    word = word[:-1] if word.endswith("s") and not word.endswith("ss") else word
    return [word[: -len(ending)] + verb for ending, verb in NOUN_ENDINGS
            if word.endswith(ending) and len(word) - len(ending) >= 4]


def _shared_parts(terms: list[str]) -> dict[str, int]:
    """Dictionary headwords that ``SHARED`` or more of the terms hold, and
    how many: what a word means inside compounds (技術 in 技術人員, 技術指導,
    技術援助 … for "technical")."""
    headwords, holders = cedict.headwords(), {}
    for term in terms:
        parts = {term[a:b] for a in range(len(term)) for b in range(a + 2, len(term) + (a > 0))}
        for part in parts & headwords:
            holders[part] = holders.get(part, 0) + 1
    return {part: held for part, held in holders.items() if held >= SHARED}


def attested(words: tuple[str, ...], count: Count, kinds=ALL_KINDS) -> dict[str, float]:
    """The words' best candidates that occur in the text; one that is the
    words' whole gloss but does not occur gives way to its parts that are
    dictionary headwords and do (原產國 → 原產)."""
    found: dict[str, float] = {}
    for term, score, kind in [item for item in _scored(words) if item[2] in kinds][:CHECKED]:
        if count(term):
            found.setdefault(term, score)
        elif kind == WHOLE:
            for part in _parts(term, count):
                found.setdefault(part, score * BACK_OFF)
    return found


def _parts(term: str, count: Count) -> list[str]:
    """The longest parts of a term (two characters or more) that are
    dictionary headwords and occur in the text, not overlapping."""
    headwords, parts, taken = cedict.headwords(), [], set()
    for size in range(len(term) - 1, 1, -1):
        for start in range(len(term) - size + 1):
            span = set(range(start, start + size))
            part = term[start : start + size]
            if not span & taken and part in headwords and count(part):
                parts.append(part)
                taken |= span
    return parts


def best_terms(found: dict[str, float], count: Count) -> tuple[str, ...]:
    """The ``TERMS_PER_WORD`` best terms scoring at least ``KEEP_SHARE`` of
    the best, the one more rows of the text hold first among equals.  A
    weaker term (``WEAKER_SHARE`` of the best) that ``MUCH_MORE`` times as
    many rows hold as any of those is the sense the text uses: it ranks
    with the best (轉型, "to transform", in 76 rows, for "transformation",
    whose own 轉變 and 蛻變 are in 9 and 2)."""
    if not found:
        return ()
    best = max(found.values())
    floor = KEEP_SHARE * best
    most = max(count(term) for term, score in found.items() if score >= floor)
    kept = [(round(score if score >= floor else best, 2), count(term), term) for term, score in found.items()
            if score >= floor or (score >= WEAKER_SHARE * best and count(term) >= MUCH_MORE * most)]
    return tuple(term for *_, term in sorted(kept, key=lambda item: (-item[0], -item[1], len(item[2]))))[:TERMS_PER_WORD]


# --- reading a query ----------------------------------------------------------------------


def phrase_terms(words: tuple[str, ...], count: Count = _everywhere, characters: bool = True) -> tuple[str, ...]:
    """The terms of a word or phrase: Hong Kong usage, else the dictionary's
    reading of it, of its two words written as one, or of its words' terms
    written together (with a single character's, when ``characters``)."""
    usage = usage_terms(words, count)
    if usage:
        return usage
    found = attested(words, count)
    if len(words) == 1:
        for term, score in [*_character_terms(words, count).items(), *_characters_back_off(words, count).items()]:
            found.setdefault(term, score)
    if len(words) == 2:
        for term, score in [*attested(("".join(words),), count).items(),
                            *_common_joined(_joined_terms(words, count, characters), count).items()]:
            found.setdefault(term, score)
    return best_terms(found, count) or (_names_spelt(words[0], count) if len(words) == 1 else ())


def _names_spelt(word: str, count: Count) -> tuple[str, ...]:
    """A word the dictionary's glosses do not read, read as the proper names
    its pinyin spells that the text holds (Zhuhai → 珠海), the commonest first."""
    held = sorted(((count(name), name) for name in cedict.names_spelt(word)), reverse=True)
    return tuple(name for rows, name in held if rows)[:TERMS_PER_WORD]


def _character_terms(words: tuple[str, ...], count: Count) -> dict[str, float]:
    """A single character whose first sense is the word (稅 "taxes", 新
    "new"), when the text holds ``CHARACTER_COMPOUNDS`` or more of the
    word's dictionary terms written with it (稅務, 稅收, 稅率 …) and they
    are in about as many rows as the character (``CHARACTER_SHARE``): the
    text uses the character in that sense (not 力 for "power", most of whose
    rows are 努力, 能力 …).  Searched as a character, it finds every word
    written with it."""
    if len(words) != 1:
        return {}
    found, rows = {}, getattr(count, "rows", count)
    for gloss, as_written in cedict.find_characters(words):
        char = gloss.traditional
        if gloss.sense or gloss.verb or len(gloss.words) != 1 or not as_written or char in found:
            continue
        compounds = [term for term, _, _ in _scored(words) if char in term and count(term)]
        if len(compounds) >= CHARACTER_COMPOUNDS and sum(map(rows, compounds)) >= CHARACTER_SHARE * rows(char):
            found[char] = gloss_score(words, gloss, True)
    return found


def _character_sides(words: tuple[str, ...], whole: bool = False) -> list[tuple[str, float]]:
    """Single characters glossed with the word, to join with another word's
    terms (青年 + 節 "seasonal festival" = 青年節): only those whose gloss is
    the word itself when ``whole``."""
    found: dict[str, float] = {}
    for gloss, as_written in cedict.find_characters(words):
        if whole and len(gloss.words) != len(words):
            continue
        score = gloss_score(words, gloss, as_written)
        if score > found.get(gloss.traditional, 0.0):
            found[gloss.traditional] = score
    return sorted(found.items(), key=lambda item: -item[1])


def _common_joined(joined: dict[str, float], count: Count) -> dict[str, float]:
    """Of the words' terms written together, those whose score times the
    rows holding them reach ``KEEP_SHARE`` of the best such product, all
    scoring as the best: a pairing the text uses often (實體經濟 in six rows)
    is the phrase's term more than a closer one it uses once (真正經濟, in
    真正經濟價值)."""
    if not joined:
        return {}
    weight = {term: score * count(term) for term, score in joined.items()}
    best, top = max(weight.values()), max(joined.values())
    return {term: top for term in joined if weight[term] >= KEEP_SHARE * best}


def _characters_back_off(words: tuple[str, ...], count: Count) -> dict[str, float]:
    """When the text holds none of the terms that are a word's whole gloss,
    the text's words that hold the character all those terms share (扶梯, 梯子
    for "ladder" → 梯 → 階梯 in 置業階梯), if that character is rare in the
    text and the word is a dictionary headword: the text's own wording of it."""
    holding = getattr(count, "holding", None)
    wholes = [(term, score) for term, score, kind in _scored(words) if kind == WHOLE][:CHECKED]
    if holding is None or not wholes or any(count(term) for term, _ in wholes):
        return {}
    shared: dict[str, int] = {}
    for term, _ in wholes:
        for char in set(term):
            shared[char] = shared.get(char, 0) + 1
    chars = [char for char, held in shared.items() if held >= SHARED_CHARACTER and held == len(wholes)]
    best = max(score for _, score in wholes) * BACK_OFF
    words_there = [simplified for char in chars for simplified in holding(char)]
    return {term: best for forms in cedict.traditional(words_there).values() for term in forms}


def _joined_terms(words: tuple[str, ...], count: Count, characters: bool = True) -> dict[str, float]:
    """Terms of the first word followed by terms of the second that occur
    written together in the text (國民 + 教育): terms that are what the words
    mean (not 國安, "national security", for "national"), and the first
    word's need not occur alone.  Only when there are none, and
    ``characters``, a term of one written with a character of the other
    (``_character_pairs``)."""
    if any(word in STOP_WORDS for word in words):
        return {}
    lefts = candidates(words[:1], MEANINGS)[:JOINED_LEFT] + candidates(words[:1], (HEAD,))[:JOINED_HEAD]
    rights = [*sorted(attested(words[1:], count, MEANINGS).items(), key=lambda item: -item[1])[:JOINED_RIGHT],
              *sorted(attested(words[1:], count, (HEAD,)).items(), key=lambda item: -item[1])[:JOINED_HEAD]]
    joined = {}
    for right, right_score in rights:
        for left, left_score in lefts:
            if count(left + right):
                joined.setdefault(left + right, left_score * right_score)
    if characters and not joined:
        for left, right, score in _character_pairs(words, count, lefts, rights):
            joined.setdefault(left + right, score)
    return joined


def _character_pairs(words: tuple[str, ...], count: Count, lefts, rights):
    """A word's terms written together with a single character glossed with
    the other word (青年 + 節, "seasonal festival"; 價值 + 鏈, "chain"), when
    the text holds them so and the pair is a dictionary headword (青年節) or
    the character is the word's own term (``_character_terms``: 鏈, in
    產業鏈, 供應鏈 …); not 搬遷 + 政, from 搬遷政府."""
    headwords = cedict.headwords()
    for chars, others, at_right in ((_character_sides(words[1:]), lefts, True), (_character_sides(words[:1], True), rights, False)):
        own = _character_terms(words[1:] if at_right else words[:1], count) if chars else {}
        for char, char_score in chars:
            for other, other_score in others:
                pair = (other, char) if at_right else (char, other)
                if ("".join(pair) in headwords or char in own) and count("".join(pair)):
                    yield (*pair, char_score * other_score)


def read_english(words: list[str], count: Count | None = None) -> list[Reading]:
    """English words read as Chinese terms: the longest phrase with a reading
    at each word first; a stop word outside a phrase is dropped, and a word
    with no reading is kept with no terms (it may be in the text).  Single
    letters are not words: letters in a row are an abbreviation (R&D: r, d),
    read through the dictionary's glosses with those initials ("research
    and development"); a letter alone (the s of women's) is dropped.  A
    phrase read as a whole keeps its words' own readings too (``parts``),
    for the search to widen to.  A Hong Kong usage phrase with a letter
    among its words (Tseung Kwan O) is read first, as the phrase it is."""
    extras = {name: getattr(count, name) for name in ("holding", "rows") if hasattr(count, name)}
    count = _cached(count or _everywhere)
    for name, extra in extras.items():
        setattr(count, name, extra)
    return _read_words(list(words), count)


def _read_words(words: list[str], count: Count) -> list[Reading]:
    """Hong Kong usage's phrases first, wherever they are and whatever their
    words (revitalising *industrial buildings*, *Tseung Kwan O*), a word
    before one joining it as the text writes them; then the rest in groups
    of words and of letters, longest phrase first."""
    for size in range(min(_longest_usage(), len(words)), 1, -1):
        for start in range(len(words) - size + 1):
            phrase = tuple(words[start : start + size])
            terms = usage_terms(phrase, count)
            if terms:
                before = words[start - 1] if start else None
                joined = _before_usage(before, terms, count) if before and _is_word(before) else ()
                if joined:
                    start, phrase, terms = start - 1, (before, *phrase), joined
                whole = Reading(phrase, terms, True, _parts_of(phrase, count), usage=True)
                return [*_read_words(words[:start], count), whole, *_read_words(words[start + len(phrase) :], count)]
    readings = []
    for group, letters in _letter_groups(words):
        if letters:
            readings.append(Reading(tuple(group), initials(tuple(group), count), True))
        else:
            readings += _read_rest(group, count)
    return readings


def _is_word(word: str) -> bool:
    """A word that may join a phrase: not a stop word, not a single letter."""
    return word not in STOP_WORDS and len(word) > 1


def _letter_groups(words: list[str]) -> list[tuple[list[str], bool]]:
    """The words in groups: runs of words, and runs of two or more single
    letters (an abbreviation); a single letter alone is left out, and the
    words either side of it stay one run (women's development)."""
    groups: list[tuple[list[str], bool]] = []
    runs = [(letter, list(group)) for letter, group in groupby(words, key=lambda word: len(word) == 1 and word.isalpha())]
    for letter, group in runs:
        if letter and len(group) > 1:
            groups.append((group, True))
        elif not letter:
            if groups and not groups[-1][1]:
                groups[-1][0].extend(group)
            else:
                groups.append((group, False))
    return groups


def initials(letters: tuple[str, ...], count: Count = _everywhere) -> tuple[str, ...]:
    """The terms of an abbreviation (r, d): the dictionary's glosses whose
    words, "and" aside, start with its letters ("research and development"
    → 研發), those the text holds."""
    held = sorted(((count(term), term) for term in cedict.initials(letters)), reverse=True)
    most = held[0][0] if held else 0
    return tuple(term for rows, term in held if rows and rows * COMMON_SHARE >= most)[:TERMS_PER_WORD]


def _before_usage(word: str, terms: tuple[str, ...], count: Count) -> tuple[str, ...]:
    """A word's terms written before a Hong Kong usage phrase's terms, as the
    text writes them (land + border crossing → 陸路 "land route" + 口岸 =
    陸路口岸): the commonest such pairings."""
    joined = {}
    for left, score in candidates((word,)):
        for term in terms:
            if count(left + term):
                joined.setdefault(left + term, score)
    return tuple(sorted(joined, key=lambda term: -count(term)))[:TERMS_PER_WORD] if joined else ()


def _read_rest(words: list[str], count: Count) -> list[Reading]:
    if all(word in STOP_WORDS for word in words):
        return []
    readings, start = [], 0
    while start < len(words):
        for size in range(min(MAX_PHRASE_WORDS, len(words) - start), 0, -1):
            phrase = tuple(words[start : start + size])
            if size > 1 and (phrase[0] in STOP_WORDS or phrase[-1] in STOP_WORDS):
                continue
            terms = phrase_terms(phrase, count, False) if size > 1 or phrase[0] not in STOP_WORDS else ()
            if size == 2 and not terms and not _next_pair_read(words, start, count):
                terms = phrase_terms(phrase, count)  # a pair only through a single character's reading
            if terms or size == 1:
                break
        usage = bool(terms) and terms == usage_terms(phrase, count)
        if len(phrase) > 1:
            readings.append(Reading(phrase, terms, True, _parts_of(phrase, count), usage))
        elif phrase[0] not in STOP_WORDS:
            readings.append(Reading(phrase, terms, bool(terms) or bool(cedict.find(phrase)), usage=usage))
        start += len(phrase)
    return readings


def _next_pair_read(words: list[str], start: int, count: Count) -> bool:
    """Whether the pair of words after the one at ``start`` is read as a whole
    without single characters: it then keeps its first word (new *manufacturing
    models* → 製造模式, not *new manufacturing* → 新 + 工業)."""
    pair = tuple(words[start + 1 : start + 3])
    return len(pair) == 2 and not any(word in STOP_WORDS for word in pair) and bool(phrase_terms(pair, count, False))


def _parts_of(phrase: tuple[str, ...], count: Count) -> tuple[tuple[str, ...], ...]:
    """A phrase's words' own terms, stop words aside, when each has some: what
    the phrase widens to (real economy: 真正經濟, else 實際 … with 經濟 …)."""
    words = [word for word in phrase if word not in STOP_WORDS]
    parts = tuple(phrase_terms((word,), count) for word in words)
    return parts if len(parts) > 1 and all(parts) else ()


def _cached(count: Count) -> Count:
    return lru_cache(maxsize=None)(count)


def prepare(words: list[str] = ()) -> None:
    """Load the dictionary now (about half a second, once a process) and look
    up the words' phrases in it (about 15 ms each, once): what ``read_english``
    does first, without the text."""
    cedict.headwords()
    for group, letters in _letter_groups(list(words)):
        if letters:
            cedict.initials(tuple(group))
    words = [word for group, letters in _letter_groups(list(words)) if not letters for word in group]
    for start in range(len(words)):
        for size in range(1, min(MAX_PHRASE_WORDS, len(words) - start) + 1):
            _scored(tuple(words[start : start + size]))
        if start + 1 < len(words):
            _scored(("".join(words[start : start + 2]),))


# --- glosses of Chinese words (kb.rules.shared_asks) -----------------------------------------

GLOSS_SENSES = 3  # the senses of an entry whose words gloss it: the first, most common ones
_GLOSS_STOP = STOP_WORDS | frozenset("one's oneself someone something sth etc fig lit cl".split())


@lru_cache(maxsize=1)
def gloss_index() -> dict[str, frozenset[str]]:
    """Simplified headword → the English words of its first ``GLOSS_SENSES``
    senses in CC-CEDICT (notes in brackets, cross-references and stop words
    left out): 限额 {quota, limit, set}, 配额 {quota, ration}.  Two words in
    other wording meet through a shared gloss word."""
    index: dict[str, set[str]] = {}
    for entry in cedict.entries():
        if not ALL_HAN.match(entry["simplified"]):
            continue
        senses = [sense for sense in entry["definitions"] if not SKIP_SENSE.match(sense.strip().lower())]
        found = index.setdefault(entry["simplified"], set())
        for sense in senses[:GLOSS_SENSES]:
            found.update(word for word in english_words(NOTE.sub(" ", sense))
                         if len(word) > 2 and word not in _GLOSS_STOP and not word.isdigit())
    return {word: frozenset(glosses) for word, glosses in index.items() if glosses}
