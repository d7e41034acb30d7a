"""Chinese word segmentation, for evidence that counts words rather than
characters.

``words`` cuts text that ``kb.text.normalize`` has folded to Simplified Chinese
into words with jieba's default dictionary (which is Simplified), and keeps
those of two characters or more that contain a Han character: 展销会,
东南亚, 职专; numbers, years, Latin words and single characters are dropped.
The dictionary is loaded once, on first use (about 0.6 s).
"""

import logging
import math
import re
from functools import cache, lru_cache

import jieba

from kb.text.normalize import HAN

MIN_WORD = 2
_HAN_RE = re.compile(f"[{HAN}]")


@cache
def _tokenizer() -> jieba.Tokenizer:
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


# A build segments the same texts again and again (a government text's
# paragraphs once for every submission whose asks it may answer).
CACHED_TEXTS = 100_000


@lru_cache(maxsize=CACHED_TEXTS)
def _cut(folded: str) -> tuple[str, ...]:
    """What jieba cuts from folded text, blanks left out: once per text."""
    return tuple(token for token in _tokenizer().lcut(folded) if token.strip())


def general_rarity(word: str) -> float:
    """How rare a folded word is in general Chinese: the log of the
    dictionary's total count over the word's (jieba's default dictionary, a
    fixed file): 活动 7.7, 投资 8.4, 法治 11.6, 差饷 17.9 (absent)."""
    tokenizer = _tokenizer()
    return math.log(tokenizer.total / (tokenizer.FREQ.get(word, 0) + 1))
