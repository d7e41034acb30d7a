"""One normalisation for documents and queries alike.

Unicode NFKC (full-width letters and digits become ASCII, compatibility
ideographs their unified forms), lower case, and Traditional/Simplified
folding with OpenCC: text is folded to Simplified, so 離岸 and 离岸, and the
Hong Kong variants 綫/線, 裏/裡, 爲/為, all compare equal.  The folded form is
for matching only; results always show the original text.
"""

import unicodedata
from functools import lru_cache

import opencc

_TO_SIMPLIFIED = opencc.OpenCC("t2s")

# Han characters, for regular expression classes: the CJK blocks, the
# compatibility ideographs and the supplementary planes.
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"


def normalize(text: str | None) -> str:
    """Fold text for matching: NFKC, lower case, Traditional → Simplified."""
    if not text:
        return ""
    return _TO_SIMPLIFIED.convert(unicodedata.normalize("NFKC", text).lower())


@lru_cache(maxsize=4096)
def normalize_term(term: str) -> str:
    """``normalize`` for short strings used again and again (terms, queries)."""
    return normalize(term)
