"""The benchmark's synthetic corpus holds 3,000 documents in the years a
manifest accepts, with the same number of copies a year at every size."""

import sys
from collections import Counter

from kb.build.manifest import published_problem
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import benchmark_build  # noqa: E402


def test_three_thousand_documents_have_dates_a_manifest_accepts():
    seeds = benchmark_build.seed_entries()
    entries = [benchmark_build.document_entry(seeds[n % len(seeds)], n // len(seeds)) for n in range(3000)]
    assert [e["published"] for e in entries if published_problem(e["published"])] == []
    assert len({e["id"] for e in entries}) == 3000


def test_every_year_of_copies_holds_the_same_number_of_each_seed():
    seed = benchmark_build.seed_entries()[0]
    years = Counter(benchmark_build.document_entry(seed, copy)["published"][:4] for copy in range(1, 301))
    assert set(years.values()) == {benchmark_build.COPIES_A_YEAR}
