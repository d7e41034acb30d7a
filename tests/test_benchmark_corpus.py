"""The benchmark's synthetic corpus holds 3,000 documents in the years a
manifest accepts, with the same number of copies a year at every size."""

import sys
from collections import Counter

from kb.build.manifest import published_problem
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import benchmark_build  # noqa: E402


def _entries(count: int) -> list[dict]:
    return [benchmark_build.document_entry(seed, copy) for seed, copy in benchmark_build.corpus_plan(count)]


def test_three_thousand_documents_have_dates_a_manifest_accepts():
    entries = _entries(3000)
    assert [e["published"] for e in entries if published_problem(e["published"])] == []
    assert len({e["id"] for e in entries}) == 3000


def test_every_year_of_copies_holds_three_of_each_submission_and_one_of_each_speech():
    """Two speeches a year, a Policy Address and a Budget, as in Hong Kong;
    three copies a year of each submission and report."""
    plan = benchmark_build.corpus_plan(3000)
    for seed in benchmark_build.seed_entries():
        years = Counter(str(benchmark_build.document_entry(seed, copy)["published"])[:4] for s, copy in plan if s["id"] == seed["id"] and copy)
        full = [n for year, n in sorted(years.items())][:-1]  # the last year may be cut short
        assert len(full) > 170 and set(full) == {1 if seed["kind"] in ("policy-address", "budget") else 3}


def test_a_smaller_corpus_is_the_start_of_a_larger_one():
    assert _entries(300) == _entries(3000)[:300]
