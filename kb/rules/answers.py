"""Government responses at build: which (submission, government text) pairs
are scored, scoring them in a process pool, and keeping the previous
database's responses of the pairs neither of whose documents changed.

The rules (``kb.rules.responses.rule_responses``) look at one pair of documents at
a time, so a pair's responses change only when one of its documents does.
An ask is looked for in every government text delivered after it was written
and within a horizon (``kb.rules.timing``, three years unless the build says
otherwise): a government answers in its next Policy Addresses and Budgets, and
the number of pairs then grows with the documents times the speeches of a
horizon, never with the square of the documents.  The reviewer's verdicts and the statuses
are worked out again from all the responses at every build.
"""

import multiprocessing
from collections import defaultdict
from pathlib import Path

from kb.rules.graph import connected_groups
from kb.rules.links import default_workers, forked_pool
from kb.records import Document, Paragraph, Recommendation, by_document, document_of
from kb.rules.synonyms import variant_index
from kb.rules.responses import Answers, Response, response_pairs, rule_responses, statuses
from kb.rules.timing import HORIZON_YEARS
from kb.rules.reviews import RESPONSE_REVIEWS_NAME, Review, apply_response_reviews, apply_status_reviews, check_review_ids

POOL_MIN_PAIRS = 8  # fewer pairs are scored in one process
_shared: tuple[dict, dict] | None = None  # what forked workers read


def answers(
    sources_dir: str | Path,
    rows: list[Recommendation],
    paragraphs: list[Paragraph],
    documents: list[Document],
    links: list,
    reviews: list[Review] = (),
    changed: set[str] | None = None,
    reviewed: set[tuple[str, str]] = frozenset(),
    previous: list[Response] = (),
    workers: int | None = None,
    previous_pairs: set[tuple[str, str]] = frozenset(),
    horizon: int = HORIZON_YEARS,
) -> Answers:
    """Responses and statuses for the build, with the reviewer's verdicts
    (``reviews``, read from the reviews file in ``sources_dir``) applied.  With ``changed`` (documents added, changed
    or removed since the ``previous`` responses were found), only the pairs
    with one of those documents, or ``reviewed`` by the previous build's
    reviews, or not among the ``previous_pairs`` it scored (a wider
    ``horizon``, or a date changed, brings new pairs into the window), are
    scored; the others' responses are kept."""
    check_review_ids(Path(sources_dir) / RESPONSE_REVIEWS_NAME, reviews, {row.id for row in rows}, {p.id for p in paragraphs})
    pairs = response_pairs(documents, rows, paragraphs, horizon)
    scored = pairs if changed is None else [
        p for p in pairs if p[0] in changed or p[1] in changed or p in reviewed or p not in previous_pairs]
    unchanged = set(pairs) - set(scored)
    kept = [r for r in previous if (document_of(r.recommendation_id), document_of(r.paragraph_id)) in unchanged]
    responses = apply_response_reviews(kept + score_pairs(scored, rows, paragraphs, workers), reviews)
    threads = connected_groups((link.from_id, link.to_id) for link in links)
    government = {p.document_id for p in paragraphs}
    found = statuses(rows, responses, documents, threads, government, horizon)
    return Answers(responses, apply_status_reviews(found, reviews), pairs)


def score_pairs(pairs: list[tuple[str, str]], rows: list[Recommendation], paragraphs: list[Paragraph],
                workers: int | None = None) -> list[Response]:
    """The rules' responses of every pair, in forked processes when there are enough."""
    global _shared
    _shared = (by_document(rows), by_document(paragraphs))
    by_government: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for pair in pairs:  # all the pairs of one government text together: its side is worked out once
        by_government[pair[1]].append(pair)
    workers = default_workers() if workers is None else workers
    try:
        if workers < 2 or len(pairs) < POOL_MIN_PAIRS or "fork" not in multiprocessing.get_all_start_methods():
            found = {government: _score_shared(group) for government, group in by_government.items()}
        else:
            variant_index()  # read once here, before the workers fork, not once in each
            with forked_pool(workers) as pool:
                found = dict(zip(by_government, pool.map(_score_shared, by_government.values(), chunksize=1)))
    finally:
        _shared = None
    return [r for pair in pairs for r in found[pair[1]][pair]]


def _score_shared(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], list[Response]]:
    rows_of, paragraphs_of = _shared
    return {(s, g): rule_responses(rows_of[s], paragraphs_of[g]) for s, g in pairs}
