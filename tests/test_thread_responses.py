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


def test_only_the_picked_responses_to_the_thread_are_read_in_full(built_db):
    """An ask's page reads the responses to its thread's other asks without
    their text, picks the nearest in time, and reads those alone: the same
    responses, in the same order, as picking from every one read in full."""
    import sqlite3

    from kb.read import scorecard

    with sqlite3.connect(built_db) as conn:
        asks = [row[0] for row in conn.execute("select recommendation_id from response_status order by recommendation_id")]
        checked = 0
        for ask in asks:
            every = scorecard.timeline(conn, ask, 40)
            if not every.thread:
                continue
            published = conn.execute("select d.published from recommendations r join documents d on d.id = r.document_id"
                                     " where r.id = ?", [ask]).fetchone()[0]
            for count in (1, 2, 20):
                picked = scorecard.timeline(conn, ask, 40, pick=lambda found: responses_view._nearest(found, published, count))
                assert picked.own == every.own and picked.status == every.status
                assert picked.thread == responses_view._nearest(every.thread, published, count)
                assert picked.thread_total == len(every.thread)
            checked += 1
        assert checked >= 3


async def test_an_asks_page_is_the_same_served_immutable(built_db, tmp_path):
    """What an ask's page keeps for a database served immutable (its thread's
    summary, asks of a thread after the first) changes nothing on it: the
    page is the one a database opened for writing gives."""
    import re
    import shutil
    import sqlite3

    import yaml
    from datasette.app import Datasette
    from datasette.utils import tilde_encode

    from tests.conftest import ROOT

    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
    path = tmp_path / "kb.db"
    shutil.copy(built_db, path)
    with sqlite3.connect(path) as conn:
        asks = [row[0] for row in conn.execute("select recommendation_id from threads order by thread_id, ordinal limit 6")]
    served, writable = Datasette(immutables=[str(path)], metadata=metadata), Datasette([str(path)], metadata=metadata)
    timings = re.compile(r"Queries took [0-9.]+ms")
    for ask in asks:
        url = f"/kb/recommendations/{tilde_encode(ask)}"
        page = timings.sub("", (await writable.client.get(url)).text)
        assert "Proposal thread" in page and timings.sub("", (await served.client.get(url)).text) == page, ask
