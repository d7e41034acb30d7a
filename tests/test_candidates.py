"""kb.candidates and the candidate step of kb.links: the inverted index finds
exactly the pairs that reach a threshold, and on the real documents linking
through candidates gives the same links as comparing every pair."""

import sys
from collections import Counter
from pathlib import Path

from kb import candidates as kb_candidates
from kb import links as kb_links

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import link_accuracy  # noqa: E402

CORPUS = {
    "cma/1": ["中試", "試基", "基地", "政府"],
    "cma/2": ["品牌", "政府", "支持"],
    "bdc/1": ["品牌", "推廣", "政府", "支持"],
    "hkpc/1": ["中試", "基地", "政府"],
}


def brute_force(corpus, queries, share):
    """Every pair whose row holds at least ``share`` of the query's weight, by checking every pair."""
    found = set()
    for query_id, weights in queries.items():
        total = sum(weights.values())
        for row_id, features in corpus.items():
            held = sum(w for feature, w in weights.items() if feature in set(features))
            if row_id != query_id and held >= share * total - 1e-9:
                found.add((query_id, row_id))
    return found


def weighted(sentences, rarity):
    """Each bigram of the sentences, weighted by its rarity times its occurrences."""
    counts = Counter(g for sentence in sentences for g in kb_links.bigrams(sentence))
    return {gram: count * rarity(gram) for gram, count in counts.items()}


def test_candidates_are_the_rows_holding_enough_of_the_query_weight():
    index = kb_candidates.build_index(CORPUS)
    query = {"中試": 5.0, "基地": 3.0, "政府": 0.5, "推廣": 1.5}  # total 10
    found = {c.row_id: c for c in kb_candidates.candidates(index, {"q": query}, share=0.5)}
    assert set(found) == {"cma/1", "hkpc/1"}
    assert found["cma/1"].shared == 8.5 and found["cma/1"].share == 0.85
    # cma/2 holds only 政府, 0.5 of 10.
    assert {c.row_id for c in kb_candidates.candidates(index, {"q": query}, share=0.1)} == {"cma/1", "hkpc/1", "bdc/1"}
    assert kb_candidates.candidates(index, {"q": query}, share=0.9) == []


def test_at_least_counts_shared_weight_and_a_row_never_pairs_with_itself():
    index = kb_candidates.build_index(CORPUS)
    queries = {row_id: dict.fromkeys(features, 1.0) for row_id, features in CORPUS.items()}
    pairs = {(c.query_id, c.row_id) for c in kb_candidates.candidates(index, queries, at_least=3)}
    assert pairs == {("cma/1", "hkpc/1"), ("hkpc/1", "cma/1"), ("cma/2", "bdc/1"), ("bdc/1", "cma/2")}


def test_the_prefix_skips_common_features_yet_misses_no_pair_on_real_rows():
    rows, documents = link_accuracy.parsed_sources(ROOT / "sources")
    history = kb_links.prepare(rows, documents, {})
    prepared, weights = history.profiles, history.weights(0, len(history.profiles))
    features = {p.id: {g for s in p.sentences for g in kb_links.bigrams(s)} for p in prepared}
    index = kb_candidates.build_index(features)
    queries = {p.id: weighted(p.sentences, weights.rarity) for p in prepared}
    for share in (0.1, 0.3, 0.6):
        found = {(c.query_id, c.row_id) for c in kb_candidates.candidates(index, queries, share=share)}
        assert found == brute_force(features, queries, share)
    # 政府 (the government) is in most rows: the prefix stops before it.
    common = max(index.postings, key=index.rows_with)
    prefix, _ = kb_candidates._prefix(index, queries[prepared[0].id], 0.1 * sum(queries[prepared[0].id].values()))
    assert index.rows_with(common) > len(prepared) // 2 and common not in prefix


def test_linking_through_candidates_gives_the_links_of_comparing_every_pair():
    rows, documents = link_accuracy.parsed_sources(ROOT / "sources")
    areas = link_accuracy.primary_areas(rows, ROOT / "sources")
    run = kb_links.find_links(rows, documents, areas=areas)
    length = {p.id: len(p.text) for p in kb_links.prepare(rows, documents, areas).profiles}
    every_pair = [
        kb_links.Link(a, b, kb_links.score(e), kb_links.relation(e), kb_links.RULE)
        for (a, b), e in kb_links.evidence_for(rows, documents, areas).items()
        if kb_links.is_link(e, min(length[a], length[b]))
    ]
    assert run.links == kb_links.apply_reviews(every_pair, [], rows, kb_links.document_order(documents))
    assert len(run.links) == 28
    # Far fewer pairs scored than the 1,863 of comparing every pair.
    assert len(kb_links.evidence_for(rows, documents, areas)) == 1863 and run.candidate_pairs < 200


def test_scoring_in_a_process_pool_gives_the_links_of_scoring_in_one_process(monkeypatch):
    rows, documents = link_accuracy.parsed_sources(ROOT / "sources")
    areas = link_accuracy.primary_areas(rows, ROOT / "sources")
    serial = kb_links.find_links(rows, documents, areas=areas, workers=1)
    monkeypatch.setattr(kb_links, "POOL_MIN_ROWS", 0)
    pooled = kb_links.find_links(rows, documents, areas=areas, workers=2)
    assert pooled.links == serial.links and len(pooled.links) == 28
    monkeypatch.setenv("KB_WORKERS", "3")
    assert kb_links.default_workers() == 3
