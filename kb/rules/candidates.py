"""Candidate pairs: how much of one row's weighted features each row of a
window holds, and how much of each window row's the one row holds, counted
for the whole window at once instead of pair by pair.

A row is a set of features (character bigrams, as numbers) with a weight
each (occurrences times rarity).  ``Stack`` lays a window's rows end to end;
``shares`` marks one query row's features on two dense vectors and reads
them through the stack with numpy, so that scoring a query against a window
of n rows costs one pass over the window's features, without a Python loop
over pairs.  ``kb.rules.links`` holds these shares to its rules' thresholds: a
pair whose shares cannot reach a rule's bound is never scored.

Exact: the shares are the sums a brute-force comparison of every pair gives.
Pure: numbers in, numbers out.
"""

from dataclasses import dataclass

import numpy as np

TOLERANCE = 1e-9  # float sums compared with a threshold


@dataclass
class Stack:
    """Rows' features end to end: for each entry its row, its feature number
    and its weight; and each row's total weight."""

    row: np.ndarray
    features: np.ndarray
    weight: np.ndarray
    total: np.ndarray

    @property
    def rows(self) -> int:
        return len(self.total)


def stack(features: list[np.ndarray], counts: list[np.ndarray], rarity: np.ndarray) -> Stack:
    """The rows (each its feature numbers and their occurrences) weighted by
    ``rarity`` (by feature number)."""
    row = np.repeat(np.arange(len(features)), [len(f) for f in features])
    numbers = np.concatenate(features) if features else np.zeros(0, np.int64)
    weight = (np.concatenate(counts) if counts else np.zeros(0)) * rarity[numbers]
    return Stack(row, numbers, weight, np.bincount(row, weights=weight, minlength=len(features)))


class Marks:
    """Dense vectors over all features, reused query after query."""

    def __init__(self, size: int):
        self.held = np.zeros(size, dtype=bool)
        self.weight = np.zeros(size)


def shares(window: Stack, features: np.ndarray, counts: np.ndarray, rarity: np.ndarray, marks: Marks) -> tuple[np.ndarray, np.ndarray, float]:
    """For one query row (its features and their occurrences): the weight of
    the query each window row holds, the weight of each window row the query
    holds, and the query's total weight."""
    marks.held[features] = True
    marks.weight[features] = counts * rarity[features]
    try:
        total = float(marks.weight[features].sum())
        query_held = np.bincount(window.row, weights=marks.weight[window.features], minlength=window.rows)
        row_held = np.bincount(window.row, weights=window.weight * marks.held[window.features], minlength=window.rows)
        return query_held, row_held, total
    finally:
        marks.held[features] = False
        marks.weight[features] = 0.0


def held(window: Stack, features: np.ndarray, marks: Marks) -> np.ndarray:
    """The weight of each window row that a query holding ``features`` holds."""
    marks.held[features] = True
    try:
        return np.bincount(window.row, weights=window.weight * marks.held[window.features], minlength=window.rows)
    finally:
        marks.held[features] = False


def share(held_weight: np.ndarray, total: np.ndarray | float) -> np.ndarray:
    """``held_weight / total``, 0 where the total is 0."""
    total = np.broadcast_to(np.asarray(total, dtype=float), held_weight.shape)
    return np.divide(held_weight, total, out=np.zeros(len(held_weight)), where=total > 0)
