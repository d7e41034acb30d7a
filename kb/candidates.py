"""Candidate pairs: which rows of a corpus are worth comparing with a query
row, found through an inverted index instead of by comparing every pair.

Each corpus row is a set of features (character bigrams, words, quoted
names: whatever the caller extracts); each query row a mapping of features to
weights (for instance bigram occurrences times their rarity).  A corpus row
is a candidate for a query when the query's features it holds weigh at
least ``share`` of the query's total weight (or at least ``at_least``).

Exact, not a heuristic: every pair that reaches the threshold is returned.
The query's features are taken rarest first (fewest corpus rows) and only
its *prefix* is looked up: the shortest run of rarest features after which
the remaining, commonest ones weigh less than the threshold.  A corpus row
holding none of the prefix cannot reach the threshold, so the long postings
of common features (政府, 發展) are never read.  The weight a row shares
in the prefix, plus all of the suffix, bounds what it can share; rows whose
bound reaches the threshold have their shared weight counted exactly (numpy
over the row's features) and are kept when it reaches the threshold.  Each
candidate comes with that weight, so callers can hold pairs to thresholds of
their own above the one asked for.

Pure: ids and features in, ``Candidate`` pairs out.  Used by ``kb.links`` (top-level rows ×
top-level rows) and reusable for any query rows × corpus rows.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

TOLERANCE = 1e-9  # float sums compared with a threshold


@dataclass
class Index:
    """Corpus rows by feature, and each row's features (as numbers)."""

    ids: list[str] = field(default_factory=list)
    postings: dict[str, list[int]] = field(default_factory=dict)
    numbers: dict[str, int] = field(default_factory=dict)  # feature -> its number
    features: list[np.ndarray] = field(default_factory=list)  # row position -> its features' numbers
    arrays: dict[str, np.ndarray] = field(default_factory=dict)  # the postings as arrays
    dense: np.ndarray | None = None  # a zeroed vector over all features, reused by each query

    def rows_with(self, feature: str) -> int:
        """How many corpus rows hold ``feature``."""
        return len(self.postings.get(feature, ()))


@dataclass(frozen=True)
class Candidate:
    query_id: str
    row_id: str
    shared: float  # the weight of the query's features the row holds
    share: float  # the same, as a share of the query's total weight


def build_index(corpus: Mapping[str, Iterable[str]]) -> Index:
    """An index of corpus rows (id -> features)."""
    index = Index()
    postings: dict[str, list[int]] = defaultdict(list)
    for position, (row_id, features) in enumerate(corpus.items()):
        index.ids.append(row_id)
        unique = set(features)
        for feature in unique:
            postings[feature].append(position)
        numbers = [index.numbers.setdefault(feature, len(index.numbers)) for feature in unique]
        index.features.append(np.array(numbers, dtype=np.int64))
    index.postings = dict(postings)
    index.arrays = {feature: np.array(found, dtype=np.int64) for feature, found in postings.items()}
    return index


def candidates(
    index: Index,
    queries: Mapping[str, Mapping[str, float]],
    share: float = 0.0,
    at_least: float = 0.0,
) -> list[Candidate]:
    """Every (query, corpus row) pair whose row holds at least ``share`` of the
    query's feature weight and at least ``at_least`` of it, with the weight
    it holds.  A row never pairs with itself (same id)."""
    found = []
    for query_id, weights in queries.items():
        total = sum(weights.values())
        for row_id, shared in candidates_for(index, weights, share, at_least).items():
            if row_id != query_id:
                found.append(Candidate(query_id, row_id, shared, shared / total))
    return found


def candidates_for(
    index: Index, weights: Mapping[str, float], share: float = 0.0, at_least: float = 0.0
) -> dict[str, float]:
    """The corpus rows holding enough of one query's weight: id -> weight held."""
    total = sum(weights.values())
    threshold = max(share * total, at_least)
    if threshold <= 0 or total < threshold - TOLERANCE:
        return {}  # nothing to find, or no row can reach it
    prefix, suffix = _prefix(index, weights, threshold)
    plausible = _plausible(index, weights, prefix, threshold - suffix)
    held = _held(index, weights, plausible)
    return {index.ids[p]: float(w) for p, w in zip(plausible, held) if w >= threshold - TOLERANCE}


def _plausible(index: Index, weights: Mapping[str, float], prefix: list[str], needed: float) -> list[int]:
    """The rows whose weight in the prefix reaches ``needed`` (numpy over the
    prefix features' postings)."""
    found = [(index.arrays[feature], weights[feature]) for feature in prefix if feature in index.arrays]
    if not found:
        return []
    positions = np.concatenate([array for array, _ in found])
    repeated = np.repeat([weight for _, weight in found], [len(array) for array, _ in found])
    in_prefix = np.bincount(positions, weights=repeated, minlength=len(index.ids))
    return np.nonzero((in_prefix > 0) & (in_prefix >= needed - TOLERANCE))[0].tolist()


def _held(index: Index, weights: Mapping[str, float], positions: list[int]) -> np.ndarray:
    """The weight of the query's features each of these rows holds: the
    query's weights laid on a dense vector over all features, read through
    each row's feature numbers."""
    if not positions:
        return np.zeros(0)
    if index.dense is None:
        index.dense = np.zeros(len(index.numbers) + 1)
    numbers = np.array([index.numbers.get(feature, len(index.numbers)) for feature in weights], dtype=np.int64)
    index.dense[numbers] = list(weights.values())
    index.dense[len(index.numbers)] = 0.0  # features no corpus row holds
    try:
        held = np.zeros(len(positions))
        filled = [i for i, p in enumerate(positions) if len(index.features[p])]
        if filled:
            rows = [index.features[positions[i]] for i in filled]
            lengths = np.fromiter((len(row) for row in rows), dtype=np.int64, count=len(rows))
            held[filled] = np.add.reduceat(index.dense[np.concatenate(rows)], np.cumsum(lengths) - lengths)
        return held
    finally:
        index.dense[numbers] = 0.0


def _prefix(index: Index, weights: Mapping[str, float], threshold: float) -> tuple[list[str], float]:
    """The rarest features whose remainder weighs less than ``threshold``, and
    that remainder's weight."""
    ordered = sorted(weights, key=lambda feature: (index.rows_with(feature), feature))
    remainder = sum(weights.values())
    prefix = []
    for feature in ordered:
        if remainder < threshold - TOLERANCE:
            break
        prefix.append(feature)
        remainder -= weights[feature]
    return prefix, max(remainder, 0.0)
