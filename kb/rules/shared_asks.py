"""The same ask in two documents of different publishers on one subject.

Links across years (``kb.rules.links``) find a publisher restating its own
ask, in much the same words.  Two publishers writing on one subject at one time
word the same ask differently and share the subject's vocabulary in every ask
(網約車, 平台, 司機 in each submission on ride-hailing), so wording overlap
cannot tell them apart.  What tells the same ask is the words that are rare
among the asks of the documents compared and frequent in the two asks: the
cap (上限, 限額, 10,000), the review (檢討, 數據), the owner (車主), the
insurance (保險, 統括).

Each top-level ask is a unit: its title and body and those of its sub-items
(a section's point is often spread over them: the cap in one, its review in
the next), folded, cut into words with jieba plus its Latin words and
numbers; words in at least ``COMMON_SHARE`` of the units (the subject's own)
are left out.  A unit is a vector of its words weighted by ``1 + log(count)``
times their inverse document frequency over every unit of the documents
compared, and a pair's score is the cosine of the two vectors (0-100).  A
pair is kept when it scores at least ``MIN_SCORE``, it is the best pair of
one of its two asks in the other document (one ask on a broad point, such as
the cap and its review, can meet several narrower asks of the other), and
its asks share at least ``MIN_SHARED`` words.  An ask's own title counts
``TITLE_WEIGHT`` times, as a heading names its ask.

Nothing here reads a database: ``shared_asks(rows_a, rows_b, background)``
takes the rows of two documents, sub-items included, and the rows of the
documents compared with them (for the word frequencies) and returns the pairs
of top-level asks, best first.
"""

import dataclasses
import math
import re
from collections import Counter
from dataclasses import dataclass

from kb.records import Recommendation, sub_items
from kb.rules.english import gloss_index
from kb.text.normalize import normalize
from kb.text.segment import general_rarity, words

MIN_SCORE = 12  # cosine × 100
MIN_SHARED = 2  # distinct shared words, not common to the documents
COMMON_SHARE = 0.5  # a word in at least this share of the units is common …
COMMON_UNITS = 3  # … and in at least this many (two documents of two rows share every word)
TITLE_WEIGHT = 3
GLOSS_WEIGHT = 0.5  # a word's English glosses count, each, this share of the word
RARITY_FLOOR = 6.0  # a word counts by how far its rarity in general Chinese exceeds this (服务 8.4, 车主 13.8)
MIN_RARITY_WEIGHT = 0.25
# What every ask says, whoever writes it: asking, supporting, the government.
_GENERIC = set(normalize(
    "建議 認為 要求 促請 支持 同意 反對 希望 政府 當局 本會 本黨 我們 應該 必須 需要 相關 問題 情況 方面 "
    "安排 措施 制度 機制 政策 關於 有關 意見書 進一步 確保 考慮 提供 推動 包括 以及"
).split())
_LATIN_OR_NUMBER_RE = re.compile(r"[A-Za-z][A-Za-z0-9]+|\d[\d,]*\d|\d")


@dataclass(frozen=True)
class SharedAsk:
    a_id: str
    b_id: str
    score: int  # 0-100, the cosine of the two rows' weighted words
    shared: tuple[str, ...]  # the shared words that weigh most, heaviest first


def unit_words(row: Recommendation) -> Counter:
    """A row's words: its title's ``TITLE_WEIGHT`` times, its body's once;
    and each word's English glosses (``en:quota``) at ``GLOSS_WEIGHT``."""
    found: Counter = Counter()
    glosses = gloss_index()
    for text, weight in ((row.title, TITLE_WEIGHT), (row.body, 1)):
        folded = normalize(text or "")
        for word in words(folded) + [w.replace(",", "") for w in _LATIN_OR_NUMBER_RE.findall(folded)]:
            if word in _GENERIC:
                continue
            rare = weight * rarity_weight(word)
            found[word] += rare
            for gloss in glosses.get(word, ()):
                found["en:" + gloss] += rare * GLOSS_WEIGHT
    return found


def rarity_weight(word: str) -> float:
    """How much a word says of an ask's point: little for everyday words
    (责任, 服务), much for specific ones (上限, 车主); numbers and Latin words fully."""
    if not word[0] >= "\u3400":
        return 1.0
    return max(MIN_RARITY_WEIGHT, general_rarity(word) - RARITY_FLOOR) / 4


def inverse_frequencies(units: list[Counter]) -> tuple[dict[str, float], set[str]]:
    """Each word's smoothed inverse document frequency over ``units``, and the common words."""
    frequency = Counter(word for unit in units for word in unit)
    total = len(units)
    idf = {word: math.log((1 + total) / (1 + count)) + 1 for word, count in frequency.items()}
    common = {word for word, count in frequency.items() if count >= max(COMMON_UNITS, COMMON_SHARE * total)}
    return idf, common


def vector(unit: Counter, idf: dict[str, float]) -> dict[str, float]:
    weights = {word: (1 + math.log(1 + count)) * idf.get(word, 1.0) for word, count in unit.items()}
    norm = math.sqrt(sum(value * value for value in weights.values())) or 1.0
    return {word: value / norm for word, value in weights.items()}


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(value * b.get(word, 0.0) for word, value in a.items())


def shared_asks(rows_a: list[Recommendation], rows_b: list[Recommendation],
                background: list[Recommendation] = ()) -> list[SharedAsk]:
    """The pairs of a top-level ask of A and one of B that ask the same thing, best first."""
    asks_a, asks_b = top_level_asks(rows_a), top_level_asks(rows_b)
    units = {row.id: unit_words(row) for row in [*asks_a, *asks_b, *top_level_asks(list(background))]}
    idf, common = inverse_frequencies(list(units.values()))
    vectors = {row_id: vector(Counter({w: n for w, n in unit.items() if w not in common}), idf)
               for row_id, unit in units.items()}
    scores = {(a.id, b.id): cosine(vectors[a.id], vectors[b.id]) for a in asks_a for b in asks_b}
    best_a, best_b = _best(scores, side=0), _best(scores, side=1)
    found = []
    for (a_id, b_id), score in scores.items():
        if round(100 * score) < MIN_SCORE or score < min(best_a[a_id], best_b[b_id]):
            continue
        shared = sorted(set(units[a_id]) & set(units[b_id]) - common, key=lambda w: -vectors[a_id].get(w, 0) * vectors[b_id].get(w, 0))
        if len(shared) >= MIN_SHARED:
            found.append(SharedAsk(a_id, b_id, round(100 * score), tuple(shared[:5])))
    return sorted(found, key=lambda pair: (-pair.score, pair.a_id, pair.b_id))


def top_level_asks(rows: list[Recommendation]) -> list[Recommendation]:
    """Each top-level row with its sub-items' titles and bodies, at any depth, added to its body."""
    children = sub_items(rows)

    def text(row: Recommendation) -> str:
        return "\n".join([row.body or ""] + [f"{child.title}\n{text(child)}" for child in children.get(row.id, [])])

    return [dataclasses.replace(row, body=text(row)) for row in rows if not row.parent_id]


def _best(scores: dict[tuple[str, str], float], side: int) -> dict[str, float]:
    """For each ask of one side, its best score with an ask of the other side."""
    best: dict[str, float] = {}
    for pair, score in scores.items():
        best[pair[side]] = max(best.get(pair[side], 0.0), score)
    return best
