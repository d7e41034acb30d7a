"""An incremental build's links: the previous build's, with the links into
some rows found again (``kb.build.incremental.linked_again``).

A build that keeps every row the previous one held, in the same reading
order (``kb.rules.links.in_reading_order``), does not read back the links
it keeps (434,000 at 3,000 documents: a second and a half, with what was
done with them, of a ``kb add`` that should take a few).  It reads the
links into the rows it linked again, and finds from them alone

* the proposal threads: the previous build's threads joined by the links
  found, when every link it held into those rows still holds (a link
  taken away may split a thread: then every link is read);
* what to write: the links table, in reading order, is the same as the
  previous one up to the first link that differs; from there on it is read
  and written again (``write``).

A build that drops a row, or moves one in reading order, reads every link
(``whole``), as a build always did.
"""

from bisect import bisect_left
from dataclasses import dataclass
from itertools import chain

import sqlite_utils

from kb.build import store
from kb.build.incremental import Previous, StoredLinks
from kb.records import Recommendation
from kb.rules.graph import connected_groups
from kb.rules.links import Link, document_order, link_place


@dataclass
class LinkChange:
    """The previous build's links (``stored``) with those into the rows
    ``into`` now ``found`` (reviewed, in reading order) in place of those
    it held (``before``); ``ranks``: every row's place in reading order."""

    stored: StoredLinks
    into: set[str]
    found: list[Link]
    before: list[Link]
    ranks: dict[str, int]

    def groups(self) -> list[set[str]]:
        """The connected groups of rows the links make (``kb.rules.graph``)."""
        found = [(link.from_id, link.to_id) for link in self.found]
        if {(link.from_id, link.to_id) for link in self.before} <= set(found):
            return connected_groups(chain(self.stored.thread_pairs(), found))
        return connected_groups((link.from_id, link.to_id) for link in self.whole())

    def whole(self) -> list[Link]:
        """Every link, in reading order."""
        kept = [link for link in self.stored.all() if link.to_id not in self.into]
        return sorted(kept + self.found, key=link_place(self.ranks))

    def first_difference(self) -> int | None:
        """The place in reading order of the first link that is not as the
        previous build held it (``None``: the links are the same)."""
        return min(map(link_place(self.ranks), set(self.found).symmetric_difference(self.before)), default=None)


def link_change(previous: Previous, rows: list[Recommendation], ranks: dict[str, int], again: set[str],
                found: list[Link]) -> LinkChange | None:
    """The links of a build that linked into the documents ``again`` anew
    (``found``, reviewed, in reading order), as a change to the previous
    build's; ``ranks``: the rows' places in reading order
    (``kb.rules.links.reading_ranks``).  ``None`` when a row the previous
    build held is gone or moved in reading order."""
    present = {row.id for row in rows}
    if any(row.id not in present for held in previous.rows.values() for row in held):
        return None
    if not _in_order(previous, ranks):
        return None
    into = {row.id for row in rows if row.document_id in again}
    return LinkChange(previous.links, into, found, previous.links.into(into), ranks)


def _in_order(previous: Previous, ranks: dict[str, int]) -> bool:
    """Whether the previous build's rows, in its reading order, are in the
    same order now."""
    order = document_order(list(previous.documents.values()))
    places = [ranks[row.id] for document_id in sorted(previous.rows, key=order.__getitem__) for row in previous.rows[document_id]]
    return all(a < b for a, b in zip(places, places[1:]))


def write(db: sqlite_utils.Database, change: LinkChange) -> bool:
    """The links table brought to the change's links: from the first that
    differs on, read, merged with those found and written again.  ``False``
    (nothing written) when the table's rowids are not 1 to its count, as
    every build writes them: the caller writes the whole."""
    first = change.first_difference()
    if first is None:
        return True
    count = store.link_count(db)
    if count is None:
        return False
    place = link_place(change.ranks)
    start = 1 + bisect_left(_Places(db, place, count), first)
    tail = [link for link in store.links_from(db, start) if link.to_id not in change.into]
    tail += [link for link in change.found if place(link) >= first]
    store.replace_links_from(db, start, sorted(tail, key=place))
    return True


class _Places:
    """The stored links' places in reading order, by rowid less one, read one at a time (``bisect``)."""

    def __init__(self, db: sqlite_utils.Database, place, count: int):
        self.db, self.place, self.count = db, place, count

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> int:
        return self.place(store.link_at(self.db, index + 1))


def link_groups(links: "list[Link] | LinkChange") -> list[set[str]]:
    """The connected groups of rows a build's links make: of a list of them,
    or of a change to the previous build's."""
    if isinstance(links, LinkChange):
        return links.groups()
    return connected_groups((link.from_id, link.to_id) for link in links)


def sync_links(db: sqlite_utils.Database, links: "list[Link] | LinkChange", previous: Previous) -> None:
    """The previous build's links table, in ``db``, brought to a build's
    ``links`` (``kb.build.store.sync_in_order``; a change, ``write``)."""
    if isinstance(links, LinkChange):
        if write(db, links):
            return
        links = links.whole()
    store.sync_in_order(db, "links", links, previous.links.all())
