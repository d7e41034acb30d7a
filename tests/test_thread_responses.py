"""An ask's page quotes at most THREAD_RESPONSES_SHOWN responses to the other
asks of its thread, those published nearest it: a proposal repeated for
decades gathers hundreds."""

from types import SimpleNamespace

import datasette.app  # noqa: F401  (first: kb's plugin imported before Datasette is registered half-made, and
#                       the Datasette tests run after this file in the same process would find no database)
from kb.web import responses_view


def test_the_responses_nearest_the_ask_in_time_are_shown_in_their_order():
    evidence = [SimpleNamespace(published=f"{year}-10", id=year) for year in (2019, 2021, 2024, 2030, 2031)]
    shown = responses_view._nearest(evidence, "2023", 3)
    assert [e.id for e in shown] == [2019, 2021, 2024]
    assert [e.id for e in responses_view._nearest(evidence, "2031-01", 2)] == [2030, 2031]
    assert responses_view._nearest(evidence, "2023", 10) == evidence
