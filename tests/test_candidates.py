"""kb.rules.candidates and the candidate step of kb.rules.links: the shares counted for a
whole window are those of comparing pair by pair, and on the real documents
linking through candidates gives the same links as comparing every pair."""

import sys
from pathlib import Path

import numpy as np

from kb.rules import candidates as kb_candidates
from kb.rules import links as kb_links
from tests.conftest import in_fresh_process

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import link_accuracy  # noqa: E402


def brute_force(rows, query, rarity):
    """(the query's weight each row holds, each row's weight the query holds), pair by pair."""
    query_held, row_held = [], []
    for features in rows:
        query_held.append(sum(count * rarity[f] for f, count in query.items() if f in features))
        row_held.append(sum(count * rarity[f] for f, count in features.items() if f in query))
    return query_held, row_held


def arrays(features: dict[int, int]):
    numbers = sorted(features)
    return np.array(numbers, dtype=np.int64), np.array([features[n] for n in numbers], dtype=float)


def test_shares_are_what_comparing_pair_by_pair_gives():
    rarity = np.array([0.5, 2.0, 3.0, 1.0, 4.0])
    rows = [{0: 2, 1: 1}, {2: 1, 3: 3}, {4: 1}, {}]
    window = kb_candidates.stack([arrays(r)[0] for r in rows], [arrays(r)[1] for r in rows], rarity)
    assert window.total.tolist() == [3.0, 6.0, 4.0, 0.0]
    query = {1: 2, 3: 1, 4: 1}  # weighs 2*2 + 1 + 4 = 9
    query_held, row_held, total = kb_candidates.shares(window, *arrays(query), rarity)
    assert total == 9.0
    assert query_held.tolist() == [4.0, 1.0, 4.0, 0.0] and row_held.tolist() == [2.0, 3.0, 4.0, 0.0]
    assert (query_held.tolist(), row_held.tolist()) == tuple(map(list, brute_force(rows, query, rarity)))
    assert kb_candidates.share(row_held, window.total).tolist() == [2 / 3, 0.5, 1.0, 0.0]
    assert kb_candidates.held(window, arrays(query)[0]).tolist() == row_held.tolist()


def test_shares_on_real_rows_are_what_comparing_pair_by_pair_gives():
    rows, documents = link_accuracy.parsed_sources(ROOT / "sources")
    history = kb_links.prepare(rows, documents, {})
    profiles = history.profiles
    rarity = history.weights(0, len(profiles)).of_numbers(np.arange(len(history.vocabulary)))
    window = kb_candidates.stack([p.grams for p in profiles], [p.gram_counts for p in profiles], rarity)
    as_dicts = [dict(zip(p.grams.tolist(), p.gram_counts.tolist())) for p in profiles]
    for query in profiles[::7]:
        query_held, row_held, _ = kb_candidates.shares(window, query.grams, query.gram_counts, rarity)
        expected = brute_force(as_dicts, dict(zip(query.grams.tolist(), query.gram_counts.tolist())), rarity)
        assert np.allclose(query_held, expected[0]) and np.allclose(row_held, expected[1])


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
    assert run.links == kb_links.in_reading_order(every_pair, rows, kb_links.document_order(documents))
    assert len(run.links) == 28
    # Far fewer pairs scored than the 1,863 of comparing every pair.
    assert len(kb_links.evidence_for(rows, documents, areas)) == 1863 and run.candidate_pairs < 200


def test_scoring_in_a_process_pool_gives_the_links_of_scoring_in_one_process():
    assert in_fresh_process(_pooled_and_serial_links) == (28, True, 3)


def _pooled_and_serial_links() -> tuple[int, bool, int]:
    import os

    rows, documents = link_accuracy.parsed_sources(ROOT / "sources")
    areas = link_accuracy.primary_areas(rows, ROOT / "sources")
    serial = kb_links.find_links(rows, documents, areas=areas, workers=1)
    kb_links.POOL_MIN_ROWS = 0  # a fresh process's own module
    pooled = kb_links.find_links(rows, documents, areas=areas, workers=2)
    os.environ["KB_WORKERS"] = "3"
    return len(pooled.links), pooled.links == serial.links, kb_links.default_workers()


def test_no_workers_are_forked_while_other_threads_run(monkeypatch):
    """kb serve builds again in a thread of a server of many threads: a fork
    there could leave a worker waiting for ever on a lock another thread held."""
    import threading

    monkeypatch.setenv("KB_WORKERS", "3")
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert kb_links.default_workers() == 1
    finally:
        stop.set()
        other.join()


def test_at_most_twelve_earlier_rows_per_later_row_lose_nothing_on_the_real_documents(monkeypatch):
    rows, documents = link_accuracy.parsed_sources(ROOT / "sources")
    areas = link_accuracy.primary_areas(rows, ROOT / "sources")
    bounded = kb_links.rule_links(rows, documents, areas)
    monkeypatch.setattr(kb_links, "MAX_EARLIER", 10**6)
    unbounded = kb_links.rule_links(rows, documents, areas)
    assert bounded == unbounded and bounded.candidate_pairs < 100


def test_a_windows_rarity_is_counted_over_the_bigrams_it_holds():
    """What a window's rows hold weighs log((rows + 1) / frequency); a bigram
    known but not held, and one numbered after the count, log(rows + 1):
    the same values as counting over the whole vocabulary."""
    rows, documents = link_accuracy.parsed_sources(ROOT / "sources")
    history = kb_links.prepare(rows, documents, {})
    start, end = 3, 40
    weights = history.weights(start, end)
    every = np.arange(len(history.vocabulary) + 5)
    frequency = np.bincount(np.concatenate(history.plain[start:end]), minlength=len(every))
    expected = np.log((end - start + 1) / np.maximum(frequency, 1))
    assert weights.of_numbers(every).tolist() == expected.tolist()
    assert len(weights.numbers) == len(set(np.concatenate(history.plain[start:end]).tolist())) < len(history.vocabulary)


def test_a_texts_rarities_are_looked_up_by_number_held_absent_or_never_numbered():
    """A window weighs a text's bigrams by their numbers: those its rows hold
    by their count, one it does not hold (numbered or never met) as held by
    none, in the text's order."""
    rows, documents = link_accuracy.parsed_sources(ROOT / "sources")
    history = kb_links.prepare(rows, documents, {})
    start, end = 3, 40
    weights = history.weights(start, end)
    held = history.profiles[start].sentences[0][:6]
    absent = next(g for g, n in history.vocabulary.items() if n not in set(weights.numbers.tolist()))
    text = held + absent + "𠀀𠀁"  # 𠀀𠀁: never numbered
    expected = [weights.of_numbers(np.array([history.vocabulary.get(text[i : i + 2], 10**9)]))[0] for i in range(len(text) - 1)]
    assert weights.rarities_of(text) == expected
    assert expected[-1] == expected[len(held)] == np.log(end - start + 1) > min(expected[:len(held) - 1])
    assert weights.of(text) == sum(expected)


def test_new_bigrams_are_numbered_in_their_own_order_not_the_sets():
    """Numbers given in the order a set is iterated in change with Python's
    string hashing, and with them the order floats are summed in: a tie
    between two candidates went one way or the other from build to build."""
    history = kb_links.History([], {})
    assert history.numbers(["甲乙", "乙丙"]).tolist() == [0, 1]
    assert history.vocabulary == {"乙丙": 0, "甲乙": 1}  # in the bigrams' order (乙 U+4E59 before 甲 U+7532)


def test_postings_give_each_keys_rows_ascending_whatever_order_they_were_added_in():
    from kb.rules.link_window import Postings

    postings = Postings()
    for keys, row in [(["港"], 7), (["中小企"], 2), (("港", "中小企"), 3), (["港"], 11), ({"中小企"}, 1), ([], 5)]:
        postings.add(keys, row)
    postings.finish()
    assert postings.get("港").tolist() == [3, 7, 11]
    assert postings.get("中小企").tolist() == [1, 2, 3]
    assert postings.get("未見").tolist() == []
