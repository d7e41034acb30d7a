"""kb.rules.timing: when a document was written, and which government texts
came after it, from the manifest's dates and cycles alone."""

from datetime import date

from kb.records import Document
from kb.rules.timing import Span, later_texts, published_span, written_span


def document(document_id: str, published: str, cycle: str | None = None, kind: str = "submission") -> Document:
    return Document(document_id, "x", "標題", "Title", kind, cycle, published, int(published[:4]), "zh-Hant", "f.txt", "0")


def test_a_date_given_as_a_year_or_a_month_is_a_span_of_days():
    assert published_span("2023") == Span(date(2023, 1, 1), date(2023, 12, 31))
    assert published_span("2024-02") == Span(date(2024, 2, 1), date(2024, 2, 29))
    assert published_span("2023-10-25") == Span(date(2023, 10, 25), date(2023, 10, 25))
    assert published_span("2023-13") is None and published_span("soon") is None


SPEECHES = [
    document("budget-2023", "2023-02-22", "2023-24 Budget", "budget"),
    document("pa-2023", "2023-10-25", "2023 Policy Address", "policy-address"),
    document("budget-2024", "2024-02-28", "2024-25 Budget", "budget"),
]


def test_a_submission_on_a_speech_was_written_before_it_and_after_the_speech_before():
    on_the_address = document("cma-2023", "2023", "2023 Policy Address")
    assert written_span(on_the_address, SPEECHES) == Span(date(2023, 2, 23), date(2023, 10, 24))
    on_the_budget = document("cma-2024", "2023-12", "2024-25 budget")  # the cycle as a user may type it
    assert written_span(on_the_budget, SPEECHES) == Span(date(2023, 12, 1), date(2023, 12, 31))


def test_a_cycle_no_speech_of_the_knowledge_base_is_leaves_the_date_as_it_is():
    assert written_span(document("x-2023", "2023", "2030 Policy Address"), SPEECHES) == published_span("2023")


def test_when_the_date_and_the_cycle_disagree_the_date_stands():
    late = document("late", "2023-11", "2023 Policy Address")  # dated after the speech it names
    assert written_span(late, SPEECHES) == published_span("2023-11")


def test_the_speech_before_an_ask_is_not_later_however_its_year_reads():
    documents = [*SPEECHES, document("cma-2023", "2023", "2023 Policy Address")]
    later = later_texts(documents, {speech.id for speech in SPEECHES})
    assert later == {"cma-2023": ["pa-2023", "budget-2024"]}


def test_a_speech_in_the_year_of_an_ask_dated_by_its_year_may_be_later():
    documents = [document("pa-2020", "2020-11-25", kind="policy-address"), document("bdc-2020", "2020")]
    assert later_texts(documents, {"pa-2020"}) == {"bdc-2020": ["pa-2020"]}


def test_the_horizon_counts_years_from_the_last_day_the_ask_may_have_been_written():
    speeches = [document(f"pa-{year}", f"{year}-10-20", kind="policy-address") for year in range(2020, 2026)]
    documents = [*speeches, document("ask", "2020-06")]
    government = {speech.id for speech in speeches}
    assert later_texts(documents, government) == {"ask": ["pa-2020", "pa-2021", "pa-2022"]}
    assert later_texts(documents, government, horizon=1) == {"ask": ["pa-2020"]}
    assert later_texts(documents, government, horizon=10)["ask"] == [speech.id for speech in speeches]


def test_pairs_grow_with_documents_times_speeches_not_documents_squared():
    speeches = [document(f"pa-{year}", f"{year}-10-20", kind="policy-address") for year in range(2000, 2025)]
    asks = [document(f"ask-{n}", f"{2000 + n % 25}-06") for n in range(500)]
    later = later_texts([*speeches, *asks], {speech.id for speech in speeches})
    assert max(len(found) for found in later.values()) == 3
    assert sum(len(found) for found in later.values()) <= 3 * len(asks)
