"""Proposal threads: the rows that links join, each group in publication order.

A thread is a connected group of two or more rows over the links
(``kb.rules.graph.connected_groups``).  Its rows are ordered by their
document's place in publication order (publication date, else policy year;
then policy year, then id: as ``kb.read.compare`` lists documents), then by
their ordinal in the document; threads are ordered by their first row, whose
id is the thread's id.  The build writes them to the ``threads`` table from
the records it holds; ``kb.read.compare`` reads them back.
"""

from collections.abc import Iterable

from kb.records import Document, Recommendation
from kb.rules.graph import connected_groups


def publication_order(documents: Iterable[Document]) -> dict[str, int]:
    """Each document's place by publication date (else its policy year as
    text), then policy year, then id, as the database orders them."""
    key = lambda d: (d.published if d.published is not None else str(d.year), d.year, d.id)  # noqa: E731
    return {document.id: index for index, document in enumerate(sorted(documents, key=key))}


def ordered_threads(pairs: Iterable[tuple[str, str]], rows: Iterable[Recommendation], documents: Iterable[Document]) -> list[list[str]]:
    """The threads the linked ``pairs`` (from_id, to_id) make among ``rows``,
    each as its rows' ids in thread order, the threads by their first row.
    Ids that are not among ``rows`` are left out."""
    return threads_of(connected_groups(pairs), rows, documents)


def threads_of(groups: Iterable[set[str]], rows: Iterable[Recommendation], documents: Iterable[Document]) -> list[list[str]]:
    """``ordered_threads``, of the connected groups the links make (``kb.rules.graph.connected_groups``)."""
    order = publication_order(documents)
    place = {row.id: (order[row.document_id], row.ordinal) for row in rows}
    threads = []
    for group in groups:
        members = sorted((row_id for row_id in group if row_id in place), key=place.__getitem__)
        if members:
            threads.append(members)
    return sorted(threads, key=lambda members: place[members[0]])


def thread_members(pairs: Iterable[tuple[str, str]], rows: Iterable[Recommendation], documents: Iterable[Document]) -> list[dict]:
    """Every row of every thread, for the ``threads`` table: its id, the
    thread's id (the id of its first row) and its place in the thread."""
    return members_of(ordered_threads(pairs, rows, documents))


def members_of(threads: list[list[str]]) -> list[dict]:
    """``thread_members``, of the threads ``ordered_threads`` gives."""
    return [
        {"recommendation_id": row_id, "thread_id": members[0], "ordinal": ordinal}
        for members in threads
        for ordinal, row_id in enumerate(members, start=1)
    ]
