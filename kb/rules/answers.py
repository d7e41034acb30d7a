"""Government responses at build: which (submission, government text) pairs
are scored, scoring them in a process pool, and keeping the previous
database's responses of the pairs neither of whose documents changed.

The rules (``kb.rules.responses.rule_responses``) look at one pair of documents at
a time, so a pair's responses change only when one of its documents does.
An ask is looked for in every government text delivered after it was written
and within a horizon (``kb.rules.timing``, three years unless the build says
otherwise): a government answers in its next Policy Addresses and Budgets, and
the number of pairs then grows with the documents times the speeches of a
horizon, never with the square of the documents.  The reviewer's verdicts are
applied to the responses of the pairs scored; the statuses are worked out
again for the asks whose responses or window changed and the threads of
all.
"""

import gc
import multiprocessing
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from kb.rules.links import default_workers, forked_pool, runs
from kb.records import Document, Paragraph, Recommendation, by_document, document_of
from kb.rules.synonyms import variant_index
from kb.rules.responses import Answers, Own, Response, own_statuses, rule_responses, statuses, thread_statuses, window_pairs
from kb.rules.timing import HORIZON_YEARS
from kb.rules.reviews import RESPONSE_REVIEWS_NAME, Review, apply_response_reviews, apply_status_reviews, check_review_ids

POOL_MIN_PAIRS = 8  # fewer pairs are scored in one process
_shared: tuple[dict, dict] | None = None  # what forked workers read


@dataclass
class Kept:
    """What the previous build found about responses, for the next to keep:
    the pairs it scored (``pairs``) and those its reviews named
    (``reviewed``), each ask's own status by the rules where it stored one
    (``own``, ``kb.rules.responses.own_statuses``), and ``responses_of``,
    which gives the responses it stored of some asks.  Read from its
    database by kb.build.incremental: only the asks whose status may change
    have their responses read."""

    pairs: set[tuple[str, str]]
    reviewed: set[tuple[str, str]]
    own: dict[str, Own]
    responses_of: Callable[[list[str]], list[Response]]


def answers(
    sources_dir: str | Path,
    rows: list[Recommendation],
    paragraphs: Mapping[str, Sequence[Paragraph]],
    documents: list[Document],
    threads: list[set[str]],
    reviews: list[Review] = (),
    changed: set[str] | None = None,
    kept: Kept | None = None,
    workers: int | None = None,
    horizon: int = HORIZON_YEARS,
) -> Answers:
    """Responses and statuses for the build, with the reviewer's verdicts
    (``reviews``, read from the reviews file in ``sources_dir``) applied.
    ``threads``: the rows the links join, as connected groups
    (``kb.rules.graph.connected_groups``).
    ``paragraphs``: the government texts' paragraphs, by document; only
    those of the texts of the pairs scored, and of the paragraphs the
    reviews name, are read.
    With ``changed`` (documents added, changed or removed since the build
    that ``kept`` tells of), only the pairs with one of those documents,
    or named by the previous build's reviews or this one's, or not among
    the pairs it scored (a wider ``horizon``, or a date changed, brings new
    pairs into the window), are scored: the responses are theirs alone, and
    ``Answers.replaced`` the pairs whose stored responses they replace; the
    others' are kept as stored."""
    named_paragraphs = {p.id for d in {document_of(r.to_id) for r in reviews if r.to_id} for p in paragraphs.get(d, ())}
    check_review_ids(Path(sources_dir) / RESPONSE_REVIEWS_NAME, reviews, {row.id for row in rows}, named_paragraphs)
    government = {document_id for document_id, found in paragraphs.items() if found}
    pairs = window_pairs(documents, rows, government, horizon)
    if kept is None or changed is None:
        responses = apply_response_reviews(score_pairs(pairs, rows, paragraphs, workers), reviews)
        found = statuses(rows, responses, documents, threads, government, horizon)
        return Answers(responses, apply_status_reviews(found, reviews), pairs)
    named = {(document_of(r.from_id), document_of(r.to_id)) for r in reviews if r.to_id}
    scored = [p for p in pairs if p[0] in changed or p[1] in changed or p in kept.reviewed or p in named or p not in kept.pairs]
    unchanged = set(pairs) - set(scored)
    replaced = (kept.pairs | kept.reviewed | named | set(scored)) - unchanged
    responses = apply_response_reviews(score_pairs(scored, rows, paragraphs, workers), reviews)
    own = _own_statuses(rows, responses, documents, government, horizon, kept, {s for s, _ in replaced} | changed, unchanged)
    return Answers(responses, apply_status_reviews(thread_statuses(own, threads), reviews), pairs, replaced)


def _own_statuses(rows: list[Recommendation], responses: list[Response], documents: list[Document], government: set[str],
                  horizon: int, kept: Kept, touched: set[str], unchanged: set[tuple[str, str]]) -> dict[str, Own]:
    """Every ask's own status: worked out again for the asks of the
    ``touched`` documents (whose responses or window changed) and those
    ``kept`` has none of (new asks, or a reviewer's status hid the rule's),
    from their new ``responses`` and their stored ones of ``unchanged``
    pairs; kept for the others."""
    asks = [row for row in rows if not row.parent_id and row.kind == "recommendation"]
    again = [row for row in asks if row.document_id in touched or row.id not in kept.own]
    stored = [r for r in kept.responses_of([row.id for row in again])
              if (document_of(r.recommendation_id), document_of(r.paragraph_id)) in unchanged]
    found = own_statuses(again, stored + responses, documents, government, horizon)
    return {row.id: found[row.id] if row.id in found else kept.own[row.id] for row in asks}


def score_pairs(pairs: list[tuple[str, str]], rows: list[Recommendation], paragraphs: Mapping[str, Sequence[Paragraph]],
                workers: int | None = None) -> list[Response]:
    """The rules' responses of every pair, in forked processes when there
    are enough; ``paragraphs``: the government texts' by document (those
    of the pairs' texts are read before the workers fork)."""
    global _shared
    _shared = (by_document(rows), {government: list(paragraphs[government]) for government in {g for _, g in pairs}})
    by_government: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for pair in pairs:  # all the pairs of one government text together: its side is worked out once
        by_government[pair[1]].append(pair)
    workers = default_workers() if workers is None else workers
    try:
        if workers < 2 or len(pairs) < POOL_MIN_PAIRS or "fork" not in multiprocessing.get_all_start_methods():
            found = _score_run(list(by_government.values()))
        else:
            variant_index()  # read once here, before the workers fork, not once in each
            gc.freeze()  # what the workers inherit: no collection in a worker walks (and copies) it
            with forked_pool(workers) as pool:
                groups = list(by_government.values())  # a worker takes a run of texts: it keeps the asks' tables it made
                found = {pair: responses for run in pool.map(_score_run, runs(groups, [len(g) for g in groups], workers))
                         for pair, responses in run.items()}
    finally:
        _shared = None
        gc.unfreeze()
    return [r for pair in pairs for r in found[pair]]


def _score_run(groups: list[list[tuple[str, str]]]) -> dict[tuple[str, str], list[Response]]:
    rows_of, paragraphs_of = _shared
    return {(s, g): rule_responses(rows_of[s], paragraphs_of[g]) for group in groups for s, g in group}
