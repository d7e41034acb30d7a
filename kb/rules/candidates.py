"""Candidate pairs: how much of one row's weighted features each row of a
window holds, and how much of each window row's the one row holds, counted
for the whole window at once instead of pair by pair.

A row is a set of features (character bigrams, as numbers) with a weight
each (occurrences times rarity).  ``Stack`` lays a window's rows end to end,
with an index of its entries by feature; ``shares`` reads, through that
index, only the entries of the query row's features, and adds them up by
row with numpy: scoring a query against a window of n rows costs the
window's entries of the query's features, without a Python loop over
pairs.  ``kb.rules.links`` holds these shares to its rules' thresholds: a
pair whose shares cannot reach a rule's bound is never scored.

Exact: the shares are the sums a brute-force comparison of every pair gives,
added in the order of the features (ascending), as a pass over each row's
entries adds them.
Pure: numbers in, numbers out.
"""

from dataclasses import dataclass

import numpy as np

TOLERANCE = 1e-9  # float sums compared with a threshold


@dataclass
class Stack:
    """Rows' features end to end: for each entry its row, its feature number
    and its weight; each row's total weight; and the entries by feature
    (``by_feature``, each feature's starting at ``starts[feature]``)."""

    row: np.ndarray
    features: np.ndarray
    weight: np.ndarray
    total: np.ndarray
    by_feature: np.ndarray
    starts: np.ndarray

    @property
    def rows(self) -> int:
        return len(self.total)

    def entries_of(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The entries holding each of ``features`` (ascending), feature after
        feature, each with the place of its feature among ``features``."""
        counts = self.starts[features + 1] - self.starts[features]
        places = np.repeat(np.arange(len(features)), counts)
        within = np.arange(len(places)) - (np.cumsum(counts) - counts)[places]
        return self.by_feature[self.starts[features][places] + within], places


def stack(features: list[np.ndarray], counts: list[np.ndarray], rarity: np.ndarray, local: np.ndarray | None = None) -> Stack:
    """The rows (each its feature numbers and their occurrences) weighted by
    ``rarity`` (by feature number, one for every feature there is).  With
    ``local`` (ascending feature numbers), the rows' numbers are their
    places in it, looked up for all the rows at once."""
    row = np.repeat(np.arange(len(features)), [len(f) for f in features])
    numbers = np.concatenate(features) if features else np.zeros(0, np.int64)
    if local is not None:
        numbers = np.searchsorted(local, numbers)
    weight = (np.concatenate(counts) if counts else np.zeros(0)) * rarity[numbers]
    by_feature = np.argsort(numbers, kind="stable")  # within a feature, by row
    starts = np.searchsorted(numbers[by_feature], np.arange(len(rarity) + 1))
    return Stack(row, numbers, weight, np.bincount(row, weights=weight, minlength=len(features)), by_feature, starts)


def shares(window: Stack, features: np.ndarray, counts: np.ndarray, rarity: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """For one query row (its features, ascending, and their occurrences):
    the weight of the query each window row holds, the weight of each window
    row the query holds, and the query's total weight."""
    weight = counts * rarity[features]
    entries, places = window.entries_of(features)
    rows = window.row[entries]
    query_held = np.bincount(rows, weights=weight[places], minlength=window.rows)
    row_held = np.bincount(rows, weights=window.weight[entries], minlength=window.rows)
    return query_held, row_held, float(weight.sum())


def held(window: Stack, features: np.ndarray) -> np.ndarray:
    """The weight of each window row that a query holding ``features`` (ascending) holds."""
    entries, _ = window.entries_of(features)
    return np.bincount(window.row[entries], weights=window.weight[entries], minlength=window.rows)


def share(held_weight: np.ndarray, total: np.ndarray | float) -> np.ndarray:
    """``held_weight / total``, 0 where the total is 0."""
    total = np.broadcast_to(np.asarray(total, dtype=float), held_weight.shape)
    return np.divide(held_weight, total, out=np.zeros(len(held_weight)), where=total > 0)
