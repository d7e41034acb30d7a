"""When a document was written, and which government texts came after it.

A government answers an ask in a Policy Address or Budget delivered after
the ask was written, often one to three years later.  What kb knows of when
a document was written is a span of days, not a day:

* its publication date as the manifest gives it: ``2023-10-25`` is that
  day, ``2023-12`` the whole month, ``2023`` the whole year (a date given
  only as a year is not 1 January);
* its cycle: a submission on a government speech that the knowledge base
  holds (its ``cycle`` is the speech's, ``2023 Policy Address``) was written
  before that speech was delivered, and after the government text delivered
  before it, when the consultation on the speech opened.  The CMA's
  submission on the 2023 Policy Address, dated only ``2023``, was therefore
  written between the 2023-24 Budget (February 2023) and the Policy Address
  (October 2023).  When the cycle and the date disagree, the date stands.

A government text is *later* than an ask when it may have been delivered
after the ask was written (its day falls after the span's first day) and
within ``horizon`` years of the span's last day (``later_texts``).  Nothing
here names a document or a year: only the manifest's dates and cycles.
"""

import bisect
import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from kb.records import Document

HORIZON_YEARS = 3  # how long after an ask a government text may answer it
_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


@dataclass(frozen=True, order=True)
class Span:
    """The days a document may have been written or delivered on, both included."""

    first: date
    last: date


def published_span(published: object) -> Span | None:
    """The days a publication date covers: ``2023`` the year, ``2023-12``
    the month, ``2023-10-25`` the day; None for a date kb cannot read."""
    match = _DATE_RE.match(str(published or "").strip())
    if not match:
        return None
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        if day:
            return Span(date(year, month, day), date(year, month, day))
        if month:
            return Span(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))
        return Span(date(year, 1, 1), date(year, 12, 31))
    except ValueError:
        return None


def written_span(document: Document, speeches: list[Document]) -> Span | None:
    """When ``document`` was written: its publication date's span, narrowed
    by its cycle when one of the government ``speeches`` is that cycle's
    (see the module docstring)."""
    return _written_span(document, Delivered([speech for speech in speeches if speech.id != document.id]))


def _written_span(document: Document, delivered: "Delivered") -> Span | None:
    own = published_span(document.published)
    if own is None:
        return None
    bounds = delivered.cycle_bounds(document.cycle)
    if bounds is None:
        return own
    narrowed = Span(max(own.first, bounds.first), min(own.last, bounds.last))
    return narrowed if narrowed.first <= narrowed.last else own


class Delivered:
    """The speeches whose dates kb can read, in the order they were
    delivered, with what a document's window is looked up by: the first
    speech of each cycle, and the speeches' first days (worked out once for
    every document of a build, not once per document)."""

    def __init__(self, speeches: list[Document]):
        dated = [(span, speech) for speech in speeches if (span := published_span(speech.published))]
        self.speeches = sorted(dated, key=lambda pair: (pair[0], pair[1].id))
        self.firsts = [span.first for span, _ in self.speeches]
        self.longest = max((span.last - span.first for span, _ in self.speeches), default=timedelta(0))
        self.cycle_index: dict[str, int] = {}
        for index, (_, speech) in enumerate(self.speeches):
            self.cycle_index.setdefault(_cycle_key(speech.cycle), index)

    def cycle_bounds(self, cycle: str | None) -> Span | None:
        """The days between the government text delivered before the speech
        ``cycle`` names and that speech, or None when no speech is that cycle's."""
        key = _cycle_key(cycle)
        index = self.cycle_index.get(key) if key else None
        if index is None:
            return None
        after = self.speeches[index - 1][0].first + timedelta(days=1) if index else date.min
        return Span(after, self.speeches[index][0].first - timedelta(days=1))

    def between(self, after: date, until: date) -> list[str]:
        """The speeches whose last day falls after ``after`` and whose first
        falls on or before ``until``, in delivery order."""
        start = bisect.bisect_left(self.firsts, after - self.longest) if after > date.min + self.longest else 0
        end = bisect.bisect_right(self.firsts, until)
        return [speech.id for span, speech in self.speeches[start:end] if span.last > after and span.first <= until]


def _cycle_key(cycle: str | None) -> str:
    return re.sub(r"\s+", " ", (cycle or "").strip().casefold())


def later_texts(documents: list[Document], government: set[str], horizon: int = HORIZON_YEARS) -> dict[str, list[str]]:
    """For each document that is not a government text, the government texts
    (ids in ``government``) delivered after it was written and within
    ``horizon`` years, in the order they were delivered."""
    delivered = Delivered([document for document in documents if document.id in government])
    found = {}
    for document in documents:
        if document.id in government:
            continue
        written = _written_span(document, delivered)
        if written is None:
            found[document.id] = []
            continue
        found[document.id] = delivered.between(written.first, _years_after(written.last, horizon))
    return found


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
