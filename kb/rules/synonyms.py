"""Chinese variants read from CC-CEDICT: two words that share an English
gloss say the same thing (延期 and 延長, "to extend"; 保護 and 保障, "to
safeguard"; 補貼 and 資助, "to subsidize").

Built once per process from the dictionary (``kb.rules.cedict``),
on Simplified headwords (the form ``kb.text.normalize`` folds text to).  A
gloss counts only when it is a plain sense: not a classifier (``CL:``), a
cross-reference (``see``, ``variant of``), a surname or a proper name (an
entry whose pinyin is capitalised).  Two words are variants when they share
``MIN_SHARED`` glosses (延期 and 延長: "to extend" and "to delay"), or one
gloss that few headwords share (at most ``MAX_SHARING``: "to safeguard"
joins 保護 and 保障, but "to extend" alone also joins 推廣 and 擴建, and
"to support" two dozen words).  Only words of two to four Han characters
that jieba's dictionary holds (the words it cuts from a text) are variants,
and a gloss's headwords are counted among those.

The responses rules (``kb.rules.responses``) count a variant the paragraph
holds at ``kb.rules.responses.VARIANT_WEIGHT`` of the ask's own word, and only
where the paragraph lacks the word itself.
"""

import re
from collections import defaultdict
from functools import cache, lru_cache

from kb.rules.cedict import dictionary

MAX_SHARING = 8  # a gloss shared by more headwords than this is too general to join them alone
MIN_SHARED = 2  # ... but two such glosses shared do
MAX_GROUP = 60  # glosses shared by more headwords than this ("to do") count for nothing
MIN_CHARS, MAX_CHARS = 2, 4

_SENSES = re.compile(r"[/;]")  # glosses are split by / and the senses of one gloss by ;
_PLACEHOLDER = re.compile(r"\b(?:sth|sb|oneself)\b")
_NOTE = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_SKIP = ("cl:", "see ", "variant of", "old variant", "surname", "abbr.", "used in", "also written",
         "also pr.", "erhua variant", "japanese variant", "(old)", "(archaic)")


_WORD = re.compile(r"^[\u4e00-\u9fff]{%d,%d}$" % (MIN_CHARS, MAX_CHARS))


def entries() -> list[tuple[str, list[str]]]:
    """(Simplified headword, glosses) of the dictionary's entries of two to four
    Han characters that are no proper names (pinyin not capitalised)."""
    return [
        (simplified, _SENSES.split(definitions))
        for _, simplified, pinyin, definitions in dictionary().rows
        if _WORD.match(simplified) and pinyin[:1].islower()
    ]


def gloss_key(definition: str) -> str | None:
    """A definition as a key shared by words of the same sense, or None."""
    text = definition.strip().lower()
    if not text or text.startswith(_SKIP) or "|" in text:
        return None
    text = " ".join(_PLACEHOLDER.sub(" ", _NOTE.sub(" ", text)).split()).strip(" .,;:")
    if not text or len(text.split()) > 4 or len(text) < 3:
        return None
    return text


@cache
def variant_index() -> dict[str, frozenset[str]]:
    """Simplified word -> the other words sharing one of its glosses."""
    from kb.text.segment import _tokenizer

    known = _tokenizer().FREQ  # jieba cuts words of its dictionary: the others are never a text's word
    by_gloss: dict[str, set[str]] = defaultdict(set)
    for word, definitions in entries():
        if not known.get(word):
            continue
        for key in {gloss_key(definition) for definition in definitions} - {None}:
            by_gloss[key].add(word)
    found: dict[str, set[str]] = defaultdict(set)
    shared: dict[tuple[str, str], int] = defaultdict(int)
    for group in by_gloss.values():
        if len(group) < 2:
            continue
        for word in group:
            others = group - {word}
            if len(group) <= MAX_SHARING:
                found[word] |= others
            elif len(group) <= MAX_GROUP:
                for other in others:
                    shared[word, other] += 1
    for (word, other), count in shared.items():
        if count >= MIN_SHARED:
            found[word].add(other)
    return {word: frozenset(others) for word, others in found.items()}


@lru_cache(maxsize=100_000)
def variants(word: str) -> frozenset[str]:
    """The words CC-CEDICT glosses as ``word`` is glossed (not ``word`` itself)."""
    return variant_index().get(word, frozenset())
