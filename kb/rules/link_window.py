"""Statistics for linking, as of a later document: what the rows of a window
of documents say, counted so that adding a newer document changes nothing
about any pair of older ones.

A pair of rows (a, b), b of the later document, is weighed with the rows of
the documents published up to b's and at most ``HORIZON_YEARS`` years before
it: its *window*.  Character bigram rarity (smoothed inverse document
frequency), the specific names (quoted names found in at most
``max_rows`` rows' text) and the rare words (found in at most ``max_rows``
rows) are all counted over the window's rows.  So the evidence for a pair
depends only on the documents of its window: a document added after every
other changes no existing pair, and one inserted earlier changes only the
pairs whose later document's window holds it (``kb.build.pipeline`` builds
incrementally on that).

Pure: profiles in, numbers out; ``History`` holds every top-level row in
publication order and answers counts over any window by slicing.
"""

import math
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from itertools import accumulate

import numpy as np

HORIZON_YEARS = 5  # a document is weighed with (and linked to) documents published up to this many years before it


def bigrams(text: str) -> list[str]:
    return [text[i : i + 2] for i in range(len(text) - 1)]


def published_year(published: str | None, year: int) -> int:
    """The year a document was published: the first four digits of its date, else its policy year."""
    text = str(published or "")
    return int(text[:4]) if text[:4].isdigit() else int(year)


def first_in_window(order: int, years: dict[int, int]) -> int:
    """The first document (by order) of the window of the document at
    ``order``; ``years`` gives every document's year of publication.
    Found by bisection when the years rise with the order (publication
    order), as they do: scanning every document for every window grew
    with the square of the documents."""
    ordered = _ascending(years)
    if ordered is None:
        return min(o for o, year in years.items() if o <= order and years[order] - year <= HORIZON_YEARS)
    orders, values = ordered
    return orders[bisect_left(values, years[order] - HORIZON_YEARS)]


_ascending_memo: list = [None, None]  # the last ``years`` asked about, and its orders and years, sorted


def _ascending(years: dict[int, int]) -> tuple[list[int], list[int]] | None:
    if _ascending_memo[0] is not years:
        orders = sorted(years)
        values = [years[o] for o in orders]
        rising = all(a <= b for a, b in zip(values, values[1:]))
        _ascending_memo[:] = [years, (orders, values) if rising else None]
    return _ascending_memo[1]


UNNUMBERED = np.iinfo(np.int64).max  # the number looked up for a bigram never numbered: above every other


class Weights:
    """A window's rarity of character bigrams, and the weight of texts made
    of them.  By bigram number: ``values`` for the ``numbers`` its rows
    hold, ``absent`` for a bigram known when it was counted (one of the
    first ``size`` numbers) that they do not hold, and ``unseen`` for one
    numbered since or never.  A text's bigrams are looked up by number
    (``vocabulary``), all at once: a window is asked about a few hundred
    texts, and a table of all its bigrams' rarities took longer to make
    than they to look up."""

    def __init__(self, numbers: np.ndarray, values: np.ndarray, absent: float, unseen: float, size: int,
                 vocabulary: dict[str, int]):
        self.numbers, self.values, self.absent, self.unseen, self.size = numbers, values, absent, unseen, size
        self.vocabulary = vocabulary
        self.known: dict[str, float] = {}
        self.sorted_sums: dict[str, list[float]] = {}
        self.in_order: dict[str, list[float]] = {}

    def of(self, text: str) -> float:
        if text not in self.known:
            self.known[text] = sum(self.rarities_of(text))
        return self.known[text]

    def heaviest(self, text: str) -> list[float]:
        """``result[k]``: the weight of the ``k`` heaviest bigrams of ``text``."""
        if text not in self.sorted_sums:
            self.sorted_sums[text] = list(accumulate(sorted(self.rarities_of(text), reverse=True), initial=0.0))
        return self.sorted_sums[text]

    def rarities_of(self, text: str) -> list[float]:
        """The rarity of each bigram of ``text``, in order (kept: ``text`` is a sentence, weighed again and again)."""
        found = self.in_order.get(text)
        if found is None:
            get = self.vocabulary.get
            numbers = np.array([get(text[i : i + 2], UNNUMBERED) for i in range(len(text) - 1)], dtype=np.int64)
            found = self.in_order[text] = self.of_numbers(numbers).tolist()
        return found

    def of_numbers(self, numbers: np.ndarray) -> np.ndarray:
        """The rarity of each bigram number in ``numbers``."""
        if not len(self.numbers):
            return np.where(numbers < self.size, self.absent, self.unseen)
        index = np.minimum(np.searchsorted(self.numbers, numbers), len(self.numbers) - 1)
        held = self.numbers[index] == numbers
        return np.where(held, self.values[index], np.where(numbers < self.size, self.absent, self.unseen))


_NO_ROWS = np.zeros(0, dtype=np.int32)


def numbers_of(numbers: dict[str, int], keys) -> list[int]:
    """The number of each of ``keys`` in ``numbers``, new keys numbered in turn as they come."""
    get = numbers.get
    return [n if (n := get(key)) is not None else numbers.setdefault(key, len(numbers)) for key in keys]


class Postings:
    """Rows by key (a word, a bigram), each key's ascending: pairs are
    added in any order, then ``finish`` sorts them into one array of rows
    with where each key's start.  Millions of rows at a thousand documents:
    as Python integers in a list per key, or an array per key, they held
    most of the linking's memory."""

    def __init__(self):
        self.numbers: dict[str, int] = {}  # key -> its number
        self._keys, self._rows = array("i"), array("i")  # as added: each pair's key number and row
        self.starts = np.zeros(1, dtype=np.int64)  # where each key's rows start (one more: where they end)
        self.rows = _NO_ROWS

    def add(self, keys, row: int) -> None:
        """Add ``row`` to each of ``keys``."""
        numbered = numbers_of(self.numbers, keys)
        self._keys.extend(numbered)
        self._rows.extend(array("i", [row]) * len(numbered))

    def finish(self) -> None:
        keys, rows = np.frombuffer(self._keys, dtype=np.int32), np.frombuffer(self._rows, dtype=np.int32)
        self.rows = rows[np.lexsort((rows, keys))]
        self.starts = np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(np.bincount(keys, minlength=len(self.numbers)))])
        self._keys, self._rows = array("i"), array("i")

    def get(self, key: str) -> np.ndarray:
        """The rows of ``key``, ascending (none for a key never added)."""
        number = self.numbers.get(key)
        return _NO_ROWS if number is None else self.rows[self.starts[number] : self.starts[number + 1]]


class History:
    """Every top-level row in publication order, with each row's bigrams
    (before its supporting clauses are added: what rarity counts), and, once
    ``record`` has been told a row's final text and words, indexes to count
    names and words over a window."""

    def __init__(self, profiles: list, years: dict[int, int]):
        self.profiles = sorted(profiles, key=lambda p: p.order)  # stable: reading order within a document
        self.position = {p.id: index for index, p in enumerate(self.profiles)}
        self.orders = [p.order for p in self.profiles]
        self.years = years  # document order -> year published
        self.vocabulary: dict[str, int] = {}
        self.plain = [self.numbers({g for s in p.sentences for g in bigrams(s)}) for p in self.profiles]
        self.word_rows = Postings()  # word -> the rows whose words hold it
        self.text_rows = Postings()  # bigram -> the rows whose text holds it
        self._windows: dict[int, tuple[int, int]] = {}
        self.made: dict[str, list] = {}  # what completing each row added (kb.rules.links.prepare)

    def numbers(self, grams) -> np.ndarray:
        """The numbers of a set of bigrams, new ones numbered in the bigrams'
        order (not the set's, which changes with Python's string hashing from
        one process to the next, and with it the order floats are summed in)."""
        return np.array(sorted(numbers_of(self.vocabulary, sorted(grams))), dtype=np.int32)

    def counted(self, gram_lists) -> tuple[np.ndarray, np.ndarray]:
        """The numbers of the bigrams in ``gram_lists`` (ascending) and how often each occurs."""
        counts = Counter(numbers_of(self.vocabulary, (gram for grams in gram_lists for gram in grams)))
        numbers = sorted(counts)
        return np.array(numbers, dtype=np.int32), np.array([counts[n] for n in numbers], dtype=np.float64)

    def window(self, order: int) -> tuple[int, int]:
        """The rows (start, end) of the window of the document at ``order``:
        documents up to it, published at most ``HORIZON_YEARS`` before it."""
        if order not in self._windows:
            first = first_in_window(order, self.years)
            self._windows[order] = (bisect_left(self.orders, first), bisect_right(self.orders, order))
        return self._windows[order]

    def rows_of(self, order: int) -> tuple[int, int]:
        """The rows (start, end) of the document at ``order``."""
        return bisect_left(self.orders, order), bisect_right(self.orders, order)

    def weights(self, start: int, end: int) -> Weights:
        """Bigram rarity over the rows ``start:end``, counted over the
        bigrams those rows hold (not the whole vocabulary, which grows with
        the corpus)."""
        rows = end - start
        held = [self.plain[i] for i in range(start, end)]
        counts = np.bincount(np.concatenate(held)) if held else np.zeros(0, np.int64)  # no sort: a window holds 10^5 bigrams
        numbers = np.flatnonzero(counts)
        # The last value is a bigram's the rows do not hold: log(rows + 1), as numpy works it out.
        rarity = np.log((rows + 1) / np.maximum(np.append(counts[numbers], 0), 1))
        return Weights(numbers, rarity[:-1], float(rarity[-1]), math.log(rows + 1), len(self.vocabulary), self.vocabulary)

    def record(self, profile) -> None:
        """Index a row's final text (for names) and words, once its supporting clauses are added."""
        position = self.position[profile.id]
        self.word_rows.add(profile.words, position)
        self.text_rows.add(set(bigrams(profile.text)), position)

    def finish(self) -> None:
        """Sort the indexes (rows may be recorded in any order)."""
        self.word_rows.finish()
        self.text_rows.finish()

    def rows_with_word(self, word: str, start: int, end: int) -> list[int]:
        found = self.word_rows.get(word)
        return found[np.searchsorted(found, start) : np.searchsorted(found, end)].tolist()

    def rows_naming(self, name: str, start: int, end: int, limit: int) -> int:
        """How many rows of ``start:end`` have ``name`` in their text, counting up to ``limit``."""
        grams = set(bigrams(name))
        if not grams:
            return 0
        postings = [self.text_rows.get(g) for g in grams]
        rarest = min(postings, key=len)
        count = 0
        for position in rarest[np.searchsorted(rarest, start) : np.searchsorted(rarest, end)].tolist():
            if name in self.profiles[position].text:
                count += 1
                if count >= limit:
                    break
        return count


class Corpus:
    """What comparisons into one later document know: the statistics of its window."""

    def __init__(self, history: History, order: int, max_rows: int):
        self.history = history
        self.start, self.end = history.window(order)
        self.weights = history.weights(self.start, self.end)
        self.max_rows = max_rows
        self._specific: dict[str, bool] = {}
        self._rare: dict[str, bool] = {}
        self.named: dict[str, tuple[str, ...]] = {}  # a later row's specific names (kb.rules.links.specific_held)

    def specific(self, name: str) -> bool:
        """A quoted name found in at least one and at most ``max_rows`` rows' text."""
        if name not in self._specific:
            count = self.history.rows_naming(name, self.start, self.end, self.max_rows + 1)
            self._specific[name] = 0 < count <= self.max_rows
        return self._specific[name]

    def rare(self, word: str) -> bool:
        """A word found in at most ``max_rows`` rows."""
        if word not in self._rare:
            self._rare[word] = len(self.history.rows_with_word(word, self.start, self.end)) <= self.max_rows
        return self._rare[word]
