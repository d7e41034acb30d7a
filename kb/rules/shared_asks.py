"""The same ask in two documents of different publishers on one subject.

Links across years (``kb.rules.links``) find a publisher restating its own
ask, in much the same words.  Two publishers writing on one subject at one time
word the same ask differently and share the subject's vocabulary in every ask
(網約車, 平台, 司機 in each submission on ride-hailing), so wording overlap
cannot tell them apart.  What tells the same ask is specific words the two
asks share and the other asks do not: the cap (上限, 限額, 10,000), the review
(檢討, 檢視), the owner (車主), the insurance (保險, 統括).

A row (a recommendation or a sub-item) is read as its title (counting
``TITLE_WEIGHT`` times, as a heading names its ask), the title of the ask it
is a sub-item of (``HEADING_WEIGHT``), its sentences that ask
(``loaders.asking``: 建議, 應, 必須 …) once and its other sentences, the
argument, at ``ARGUMENT_WEIGHT``; folded and cut into words with jieba, plus
its Latin words and numbers (large Chinese numerals as digits: 一萬 is
10000).  Left out: the words any ask or argument uses (asking, the
government, duty, help, clarity: ``_GENERIC``, general Chinese only), words
found in at least ``COMMON_SHARE`` of the rows compared, and words found in
``SPREAD`` asks of each of the two documents (the subject's own).  A word
weighs its inverse frequency among the rows of the documents compared and
their background, times how rare it is in general Chinese (jieba's
dictionary: 責任, 數據 say little of an ask's point; 上限, 車主 much).

Two rows score the cosine of their weighted words (0-100), plus, at
``SYNONYM_WEIGHT``, the words of one that the other says in another word: two
words that share an English gloss in CC-CEDICT *and* a character (限額 and
配額: quota; 檢討 and 檢視: inspect; 保險 and 保費: insurance), the gloss one
that few of the dictionary's words share (``MAX_GLOSS_HEADWORDS``: not time,
number, control).  A gloss shared by words with no character in common is too
often a stray sense (第三者: "man"); the score is the same both ways.

A pair is kept when

* it scores at least ``MIN_SCORE``;
* its evidence is specific: shared words each rare in general Chinese
  (``SPECIFIC_RARITY``) and found in few of the rows compared
  (``MAX_SPECIFIC_SHARE``), at least one of them in either row's title or
  heading, and at least ``MIN_SPECIFIC`` of them (a synonym counting
  ``SYNONYM_WEIGHT``) unless one is ``LONG_WORD`` characters long or a number;
* it is the best pair of both asks: the row of B it scores highest with is,
  or is within, the other's ask (its top-level row), and the same the other
  way; so the sub-items of one ask may each pair with one ask of the other.

Nothing here reads a database: ``shared_asks(rows_a, rows_b, background)``
takes the rows of two documents and the rows of the documents compared with
them (for the word frequencies) and returns the pairs, best first.
"""

import math
import re
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache

from kb.records import Recommendation
from kb.rules.english import gloss_index
from kb.text.normalize import normalize
from kb.text.numbering import CN_NUMERAL, cn_number
from kb.text.segment import general_rarity, words
from kb.text.sentences import sentences
from loaders.asking import asks

MIN_SCORE = 6  # cosine × 100
COMMON_SHARE = 0.5  # a word in at least this share of the rows is common …
COMMON_UNITS = 3  # … and in at least this many (two documents of two rows share every word)
SPREAD = 5  # a word in this many asks of each document is the subject's, not an ask's
TITLE_WEIGHT = 3
HEADING_WEIGHT = 1  # the title of the ask a sub-item belongs to
ARGUMENT_WEIGHT = 0.6  # a sentence of a row's body that does not ask
SYNONYM_WEIGHT = 0.5  # a word matched by another word of the same gloss and a common character
RARITY_FLOOR = 6.0  # a word counts by how far its rarity in general Chinese exceeds this (服务 8.4, 车主 13.8)
MIN_RARITY_WEIGHT = 0.25
SPECIFIC_RARITY = 10.0  # a shared word is specific evidence when rarer than this in general Chinese …
MAX_SPECIFIC_SHARE = 0.25  # … and found in at most this share of the rows compared
MIN_SPECIFIC = 3  # specific shared words a pair needs …
LONG_WORD = 3  # … unless one of them is this long, or a number
# What every ask says, whoever writes it: asking, supporting, the government,
# and the words of arguing for any ask (duty, help, clarity).
_GENERIC = set(normalize(
    "建議 認為 要求 促請 支持 同意 反對 希望 政府 當局 本會 本黨 我們 應該 必須 需要 相關 問題 情況 方面 "
    "安排 措施 制度 機制 政策 關於 有關 意見書 進一步 確保 考慮 提供 推動 包括 以及 "
    # manner and purpose: what any argument for any ask says
    "香港 本港 發展 加強 支援 積極 工作 計劃 透過 通過 可以 能夠 特區 未來 持續 不同 進行 促進 協助 "
    "鼓勵 研究 加快 提升 作為 其中 以便 藉此 從而 同時 此外 另外 例如 繼續 更多 一些 這些 有助 有利 成為 "
    "已經 目前 現時 方式 方向 角色 作用 發揮 落實 因應 整體 切實 重要 主要 基礎 根本 原則 原意 理應 本來 "
    "承擔 責任 清晰 明確 合理 有效 公平 保障 維持 維護 提高 增加 減少 避免 處理 解決 掌握 參考 依據 "
    "並非 不是 不能 不應 視為 說法 實際 客觀 真正 最終 長遠 長期 相應 應有 一套 所謂 換言之 然而 因此"
).split())
_LATIN_OR_NUMBER_RE = re.compile(r"[A-Za-z][A-Za-z0-9]+|\d[\d,]*\d|\d")
_NUMBER_RE = re.compile(r"\d{2,}")
_LARGE_NUMERAL_RE = re.compile(f"[{CN_NUMERAL}]*[千萬][{CN_NUMERAL}]*")
MAX_GLOSS_HEADWORDS = 60  # a gloss word shared by more of the dictionary's words (time, number, control) joins none


@dataclass(frozen=True)
class SharedAsk:
    a_id: str
    b_id: str
    score: int  # 0-100
    shared: tuple[str, ...]  # the shared words that weigh most, heaviest first (x~y: a synonym)


def unit_words(row: Recommendation, heading: str = "") -> Counter:
    """A row's words, each weighed by where it stands (title, asking
    sentence, argument, the heading of the ask it is a sub-item of) and how
    rare it is in general Chinese."""
    found: Counter = Counter()
    parts = [(row.title, TITLE_WEIGHT), (heading, HEADING_WEIGHT)]
    parts += [(sentence, 1 if asks(sentence) else ARGUMENT_WEIGHT) for sentence in sentences(row.body or "")]
    for text, weight in parts:
        folded = normalize(text or "")
        numbers = [w.replace(",", "") for w in _LATIN_OR_NUMBER_RE.findall(folded)] + large_numerals(text or "")
        for word in words(folded) + numbers:
            if word not in _GENERIC:
                found[word] += weight * rarity_weight(word)
    return found


def large_numerals(text: str) -> list[str]:
    """Quantities written in Chinese numerals, as digits: 一萬 → 10000, 十二萬 → 120000."""
    found = []
    for numeral in _LARGE_NUMERAL_RE.findall(text):
        value = cn_number(numeral)
        if value is not None and value >= 1000:
            found.append(str(value))
    return found


def rarity_weight(word: str) -> float:
    """How much a word says of an ask's point: little for everyday words
    (责任, 服务), much for specific ones (上限, 车主); numbers and Latin words fully."""
    if not word[0] >= "\u3400":
        return 1.0
    return max(MIN_RARITY_WEIGHT, general_rarity(word) - RARITY_FLOOR) / 4


def inverse_frequencies(units: list[Counter]) -> tuple[dict[str, float], dict[str, float]]:
    """Each word's smoothed inverse document frequency over ``units``, and
    its share of them (none for a word in two units at most: a pair's own,
    however few units are compared)."""
    frequency = Counter(word for unit in units for word in unit)
    total = len(units)
    idf = {word: math.log((1 + total) / (1 + count)) + 1 for word, count in frequency.items()}
    return idf, {word: count / total if count > 2 else 0.0 for word, count in frequency.items()}


def vector(unit: Counter, idf: dict[str, float]) -> dict[str, float]:
    """A row's words weighed by count and inverse frequency; unit length."""
    weights = {word: (1 + math.log(1 + count)) * idf.get(word, 1.0) for word, count in unit.items()}
    norm = math.sqrt(sum(value * value for value in weights.values())) or 1.0
    return {word: value / norm for word, value in weights.items()}


@lru_cache(maxsize=100_000)
def synonyms(one: str, other: str) -> bool:
    """Two Chinese words for one thing: a common English gloss and a common character."""
    if one == other or not (one[0] >= "\u3400" and other[0] >= "\u3400") or not set(one) & set(other):
        return False
    glosses = gloss_index()
    common = glosses.get(one, frozenset()) & glosses.get(other, frozenset())
    return any(_gloss_headwords().get(gloss, 0) <= MAX_GLOSS_HEADWORDS for gloss in common)


@lru_cache(maxsize=1)
def _gloss_headwords() -> Counter:
    """How many of CC-CEDICT's words each English gloss word glosses."""
    return Counter(gloss for glosses in gloss_index().values() for gloss in glosses)


def specific(word: str, share: dict[str, float]) -> bool:
    """Whether a word says something of an ask's point: rare in general
    Chinese and among the rows compared; numbers and Latin words always."""
    if share.get(word, 1.0) > MAX_SPECIFIC_SHARE:
        return False
    return not word[0] >= "\u3400" or general_rarity(word) >= SPECIFIC_RARITY


def long(word: str) -> bool:
    return len(word) >= LONG_WORD if word[0] >= "\u3400" else bool(_NUMBER_RE.search(word))


def synonym_index(words_a: set[str], words_b: set[str]) -> dict[str, set[str]]:
    """Each word's synonyms (``synonyms``) among the other side's words, both
    ways: only words with a character in common are tried."""
    by_character: dict[str, set[str]] = {}
    for word in words_b:
        for character in word:
            by_character.setdefault(character, set()).add(word)
    found: dict[str, set[str]] = {}
    for word in words_a:
        for other in {other for character in word for other in by_character.get(character, ())}:
            if synonyms(word, other):
                found.setdefault(word, set()).add(other)
                found.setdefault(other, set()).add(word)
    return found


def pair_score(a: dict[str, float], b: dict[str, float],
               index: dict[str, set[str]] | None = None) -> tuple[float, list[tuple[float, str]]]:
    """The score of two rows' vectors, and the evidence: (weight, word or
    ``x~y``), heaviest first.  Each word of one row that the other says in
    another word (``index``: each word's synonyms) is matched to the synonym
    it weighs most with, both ways; the two ways count half each."""
    index = synonym_index(set(a), set(b)) if index is None else index
    evidence = {word: value * b[word] for word, value in a.items() if word in b}
    for one, other, flip in ((a, b, False), (b, a, True)):
        for word, value in one.items():
            if word in other:
                continue
            matches = [(value * other[that], that) for that in index.get(word, ()) if that in other and that not in one]
            if matches:
                weight, that = max(matches)
                name = f"{that}~{word}" if flip else f"{word}~{that}"
                evidence[name] = evidence.get(name, 0.0) + SYNONYM_WEIGHT * weight / 2
    ranked = sorted(((weight, name) for name, weight in evidence.items()), reverse=True)
    return sum(weight for weight, _ in ranked), ranked


def enough(evidence: list[tuple[float, str]], share: dict[str, float], named: set[str] = None) -> bool:
    """Whether the shared words are specific enough to say two asks are one,
    one of them ``named`` in either's title or heading (when given)."""
    count, titled, is_long = 0.0, named is None, False
    for _, name in evidence:
        parts = name.split("~")
        if all(specific(part, share) for part in parts):
            is_long = is_long or len(parts) == 1 and long(parts[0])
            count += 1 if len(parts) == 1 else SYNONYM_WEIGHT
            titled = titled or any(part in named for part in parts)
    return titled and (is_long or count >= MIN_SPECIFIC)


def title_words(row: Recommendation, heading: str = "") -> set[str]:
    """The words of a row's title and of the heading of its ask."""
    return set(unit_words(replace(row, body=""), heading))


def shared_asks(rows_a: list[Recommendation], rows_b: list[Recommendation],
                background: list[Recommendation] = ()) -> list[SharedAsk]:
    """The pairs of a row of A and a row of B that ask the same thing, best first."""
    every = [*rows_a, *rows_b, *background]
    titles = {row.id: row.title for row in every}
    units = {row.id: unit_words(row, titles.get(row.parent_id, "")) for row in every}
    named = {row.id: title_words(row, titles.get(row.parent_id, "")) for row in [*rows_a, *rows_b]}
    idf, share = inverse_frequencies(list(units.values()))
    total = len(units)
    common = {word for word, part in share.items() if part >= COMMON_SHARE and part * total >= COMMON_UNITS}
    top = _tops([*rows_a, *rows_b])
    common |= _spread(rows_a, units, top) & _spread(rows_b, units, top)
    vectors = {row_id: vector(Counter({w: n for w, n in unit.items() if w not in common}), idf)
               for row_id, unit in units.items()}
    index = synonym_index({w for row in rows_a for w in vectors[row.id]}, {w for row in rows_b for w in vectors[row.id]})
    scored = {(a.id, b.id): pair_score(vectors[a.id], vectors[b.id], index) for a in rows_a for b in rows_b}
    scores = {pair: score for pair, (score, _) in scored.items()}
    best_a = _best(scores, side=0)
    best_b = _best(scores, side=1)
    found = []
    for (a_id, b_id), (score, evidence) in scored.items():
        if round(100 * score) < MIN_SCORE or top[best_a[a_id][1]] != top[b_id] or top[best_b[b_id][1]] != top[a_id]:
            continue
        if enough(evidence, share, named[a_id] | named[b_id]):
            found.append(SharedAsk(a_id, b_id, round(100 * score), tuple(name for _, name in evidence[:5])))
    return sorted(found, key=lambda pair: (-pair.score, pair.a_id, pair.b_id))


def _spread(rows: list[Recommendation], units: dict[str, Counter], top: dict[str, str]) -> set[str]:
    """The words of a document found in at least ``SPREAD`` of its asks (top-level rows with their sub-items)."""
    asks_of: dict[str, set[str]] = {}
    for row in rows:
        for word in units[row.id]:
            asks_of.setdefault(word, set()).add(top[row.id])
    return {word for word, found in asks_of.items() if len(found) >= SPREAD}


def _tops(rows: list[Recommendation]) -> dict[str, str]:
    """Each row's top-level row: its ask."""
    parents = {row.id: row.parent_id for row in rows}

    def top(row_id: str) -> str:
        while parents.get(row_id):
            row_id = parents[row_id]
        return row_id
    return {row_id: top(row_id) for row_id in parents}


def _best(scores: dict[tuple[str, str], float], side: int) -> dict[str, tuple[float, str]]:
    """For each row of one side, the row of the other side it scores highest with, and the score."""
    best: dict[str, tuple[float, str]] = {}
    for pair, score in scores.items():
        row, other = pair[side], pair[1 - side]
        if row not in best or (score, other) > best[row]:
            best[row] = (score, other)
    return best
