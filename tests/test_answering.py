"""kb.rules.answers: which (submission, government text) pairs a build scores,
and scoring them in a process pool."""

from pathlib import Path

from kb.rules import answers as answering
from tests.conftest import in_fresh_process
from kb.build import parse_sources
from kb.records import Document, Paragraph, Recommendation, by_document
from kb.rules.links import runs
from kb.rules.responses import RELATED_SCORE, Response, compute_responses, relation, response_pairs, statuses

ROOT = Path(__file__).parent.parent


def parsed_sources():
    parsed = [found.parsed for found in parse_sources(ROOT / "sources")]
    return ([p.document for p in parsed], [r for p in parsed for r in p.recommendations],
            [q for p in parsed for q in p.paragraphs])


def document(document_id: str, published: str) -> Document:
    return Document(document_id, "x", "標題", "Title", "speech", None, published, int(published[:4]), "zh-Hant", "f.txt", "0")


def test_every_pair_of_the_real_documents_in_the_window_is_scored_and_the_responses_are_the_rules():
    documents, rows, paragraphs = parsed_sources()
    pairs = response_pairs(documents, rows, paragraphs)
    assert pairs == [
        # the BDC's 2020 report: every speech up to three years after 2020
        ("bdc-2020-brand-relaunch-survey", "hksarg-2020-policy-address"),
        ("bdc-2020-brand-relaunch-survey", "hksarg-2021-policy-address"),
        ("bdc-2020-brand-relaunch-survey", "hksarg-2022-policy-address"),
        ("bdc-2020-brand-relaunch-survey", "hksarg-2023-24-budget"),
        ("bdc-2020-brand-relaunch-survey", "hksarg-2023-policy-address"),
        # a submission on the 2023 Policy Address, dated only 2023: not the Budget of February 2023
        ("cma-2023-policy-address", "hksarg-2023-policy-address"),
        ("cma-2023-policy-address", "hksarg-2024-25-budget"),
        ("cma-2024-budget", "hksarg-2024-25-budget"),
    ]
    found = answering.score_pairs(pairs, rows, by_document(paragraphs), workers=1)
    assert sorted(found, key=repr) == sorted(compute_responses(rows, paragraphs, documents), key=repr)


def test_an_ask_is_looked_for_in_every_government_text_of_its_horizon():
    submission = document("cma-2020", "2020-01")
    speeches = [document(f"hksarg-{year}", f"{year}-10") for year in (2024, 2021, 2023, 2020, 2022)]
    ask = Recommendation("cma-2020/1", "cma-2020", "1", 1, "建議", "建議設立基金。", 2020, 1, 1)
    said = [Paragraph(f"{s.id}/1", s.id, "1", 1, "設立基金。", 1, 1) for s in speeches]
    pairs = response_pairs([submission, *speeches], [ask], said)
    assert pairs == [("cma-2020", f"hksarg-{year}") for year in (2020, 2021, 2022)]
    wider = response_pairs([submission, *speeches], [ask], said, horizon=5)
    assert wider == [("cma-2020", f"hksarg-{year}") for year in (2020, 2021, 2022, 2023, 2024)]


def test_scoring_in_a_process_pool_gives_what_one_process_gives():
    assert in_fresh_process(_pooled_and_serial_scores_agree)


def _pooled_and_serial_scores_agree() -> bool:
    documents, rows, paragraphs = parsed_sources()
    pairs = response_pairs(documents, rows, paragraphs)
    answering.POOL_MIN_PAIRS = 0  # a fresh process's own module
    by_text = by_document(paragraphs)
    pooled = answering.score_pairs(pairs, rows, by_text, workers=2)
    return len(pooled) > 0 and pooled == answering.score_pairs(pairs, rows, by_text, workers=1)


def test_a_related_paragraph_makes_a_possible_response_and_a_thin_overlap_none():
    """A paragraph the rules relate (from RELATED_SCORE) or a reviewer
    confirmed makes its ask a possible response; one scoring under
    RELATED_SCORE is no response at all, so the ask has no response found."""
    assert relation(RELATED_SCORE) == "related" and relation(RELATED_SCORE - 1) is None
    rows = [Recommendation(f"s/{n}", "s", str(n), n, "建議", "", 2023, 1, 1) for n in (1, 2, 3)]
    responses = [Response("s/1", "g/1", RELATED_SCORE, "related", "rule"),
                 Response("s/3", "g/3", RELATED_SCORE - 1, "related", "manual")]
    found = {s.recommendation_id: s.status for s in statuses(rows, responses, [], [])}
    assert found == {"s/1": "possible response", "s/2": "no response found", "s/3": "possible response"}


def test_runs_keep_texts_in_order_with_as_many_pairs_each():
    """Each worker takes one run of government texts, one after another, so
    that it meets a submission's window in one piece (and keeps its asks'
    tables); the runs carry about as many pairs each."""
    groups = [[("s", f"g{i}")] * size for i, size in enumerate([5, 1, 1, 1, 4, 2, 2, 4, 3, 1])]
    sizes = [len(group) for group in groups]
    cut = runs(groups, sizes, 2)
    assert [group for run in cut for group in run] == groups
    assert [sum(len(group) for group in run) for run in cut] == [12, 12]
    assert len(runs(groups, sizes, 3)) == 3
    assert runs(groups[:1], sizes[:1], 2) == [groups[:1]]
    assert runs([], [], 2) == [[]]
