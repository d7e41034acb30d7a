"""Chinese word segmentation, for evidence that counts words rather than
characters.

``words`` cuts text that ``kb.text.normalize`` has folded to Simplified Chinese
into words with jieba's default dictionary (which is Simplified), and keeps
those of two characters or more that contain a Han character: 展销会,
东南亚, 职专; numbers, years, Latin words and single characters are dropped.

The cutting is jieba-rs's (through ``rjieba``): the same dictionary and the
same hidden Markov model for unknown words as jieba's Python code, about
ten times faster (cutting was a fifth of a build's time).  Text is cut into
jieba's own blocks first (``_JIEBA_BLOCK_RE``), as jieba does, and each
block handed to jieba-rs; the two then cut Han text alike, and differ only
in where a run of Latin letters, digits and dots breaks (``www.gov.hk`` is
one token here, five in jieba), which no rule reads
(``tests/test_segment.py`` compares them on the sources and on characters
outside jieba's range).  The
dictionary's word counts (``general_rarity``) are read from jieba's copy of
it, loaded once, on first use (about 0.6 s).

Segmentation takes bounded time whatever the text: jieba cuts a text as runs
of Han characters, letters and digits with nothing else between them, and on
a run of characters its dictionary does not know (one character repeated,
Han characters drawn at random) jieba's Python code took time that
grows with the square of the run (a build with a quarter-megabyte line took
a minute, about three times as long for each doubling).  No sentence
runs for ``MAX_RUN`` characters without a punctuation mark or a space (the
longest run the real sources give it is 230 characters), so only the first
``MAX_RUN`` characters of a longer run are cut into words; the rest of it is
not prose (a table flattened to one line, a character repeated) and gives no
words.  Any text is then segmented in time linear in its length.
"""

import logging
import math
import re
import sys
from functools import cache, lru_cache

import rjieba

from kb.text.normalize import HAN

MIN_WORD = 2
_HAN_RE = re.compile(f"[{HAN}]")
# The longest run of characters (Han, letters, digits) cut into words; longer runs are cut short.
MAX_RUN = 1000
# What jieba cuts as one block (its re_han_default); every other character is
# a token of its own.  jieba-rs reads more characters as Han (those after
# U+9FD5, and beyond the Basic Multilingual Plane, as 𪨶, which folding
# gives for some traditional characters) and cut around them otherwise: the
# text is cut into jieba's blocks here and each block handed to jieba-rs.
_JIEBA_BLOCK_RE = re.compile("([\u4E00-\u9FD5a-zA-Z0-9+#&\\._%\\-]+)")
# A character of a run: what jieba cuts as one run (its re_han_default: Han
# characters, letters, digits and +#&._%-), and any other Han character.
_RUN_CHARACTER = f"[{HAN}a-zA-Z0-9+#&._%\\-]"
# A long run, matched from its start only (so finding none takes linear time).
_LONG_RUN_RE = re.compile(f"(?<!{_RUN_CHARACTER})({_RUN_CHARACTER}{{{MAX_RUN}}}){_RUN_CHARACTER}+")


@cache
def _tokenizer():
    """jieba's own tokenizer, for its dictionary's counts: imported only
    here (with the setuptools module it loads, a sixth of a second that
    every command paid, kb add among them, which never asks for it)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)  # not "Building prefix dict…" on every build
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def words(folded: str) -> list[str]:
    """The words of folded text, in order, that are at least ``MIN_WORD``
    characters long and contain a Han character."""
    return [word for word in _cut(folded) if len(word) >= MIN_WORD and _HAN_RE.search(word)]


def tokens(folded: str) -> list[str]:
    """Every token jieba cuts from folded text, single characters included
    (应 in 政府应尽快, not in 供应 or 应对)."""
    return list(_cut(folded))


# A build segments the same text more than once (a sentence's words, then
# whether it asks); the rules keep what they read from a text themselves, so a
# few recent texts are enough (a hundred thousand held 200 MB at a thousand
# documents).
CACHED_TEXTS = 20_000


@lru_cache(maxsize=CACHED_TEXTS)
def _cut(folded: str) -> tuple[str, ...]:
    """What jieba's dictionary and model cut from folded text, blanks left out:
    once per text.  Tokens are interned: a build holds the words of every
    row, mostly the same few thousand (1.7 million copies of them at a
    thousand documents, 130 MB)."""
    found = []
    for index, block in enumerate(_JIEBA_BLOCK_RE.split(bounded(folded))):
        if index % 2:  # a block jieba cuts
            found += rjieba.cut(block)
        else:  # what lies between: jieba gives each character alone
            found += block
    return tuple(sys.intern(token) for token in found if token.strip())


def bounded(text: str) -> str:
    """``text`` with every run of Han characters, letters and digits longer
    than ``MAX_RUN`` cut to its first ``MAX_RUN`` characters."""
    return text if len(text) <= MAX_RUN else _LONG_RUN_RE.sub(r"\1", text)


def general_rarity(word: str) -> float:
    """How rare a folded word is in general Chinese: the log of the
    dictionary's total count over the word's (jieba's default dictionary, a
    fixed file): 活动 7.7, 投资 8.4, 法治 11.6, 差饷 17.9 (absent)."""
    tokenizer = _tokenizer()
    return math.log(tokenizer.total / (tokenizer.FREQ.get(word, 0) + 1))
