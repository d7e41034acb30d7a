"""Writing a reviewer's verdict on a government response into the reviews
file (sources/response_reviews.yml), for ``kb review``.

A verdict is checked against the built knowledge base before anything is
written: the recommendation is an ask (a top-level row of kind
``recommendation``), the paragraph a government paragraph of a document
published after the ask's.  It is then appended to the file as one YAML
entry, holding the sources folder's write lock (kb.build.writing): the file
is read once the lock is held, so verdicts written at the same time are all
kept, and the whole new file is read back with
``kb.rules.reviews.read_response_reviews`` before it replaces the old one,
so a bad verdict, a full disk or an interruption never leaves a
half-written or unreadable file.  Entries are applied in order at every
build, so a later verdict on the same response (or a later status of the
same ask) wins.

The same functions write the verdicts given in the browser (kb.web.review).
Each verdict is ``stamped`` with the reviewer, the time and what the
knowledge base showed before (``was``): the file, only ever appended to, is
the history of verdicts.  A note or a status must be short plain text
(``check_words``): no markup, nothing a spreadsheet would run as a formula.
"""

import re
import sqlite3
from contextlib import closing, contextmanager
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import yaml

from kb.build.writing import sources_lock, write_file
from kb.rules.responses import ADDRESSES, RELATIONS
from kb.rules.reviews import (CONFIRM, REJECT, RESPONSE, RESPONSE_REVIEWS_NAME, Review, ReviewError, read_response_reviews,
                              response_entry)

HEADER = """\
# A reviewer's verdicts on government responses, applied at every kb build
# (see the README, Government responses).  kb review appends to this file.
"""


MAX_NOTE = 500  # characters: a reason in a sentence or two, not an essay
MAX_STATUS = 40
_MARKUP_RE = re.compile(r"<\s*[a-zA-Z/!?]|&#?\w+;")
_FORMULA_START = ("=", "+", "-", "@")  # what a spreadsheet reads as the start of a formula
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_REVIEWER_RE = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


class ReviewRequestError(ValueError):
    """A verdict that cannot be written; says why."""


def verdict_of(recommendation: str, paragraph: str | None, confirm: bool, reject: bool,
               relation: str | None, status: str | None, note: str | None) -> Review:
    """The verdict the command line asks for, or an error saying what is missing."""
    if confirm and reject:
        raise ReviewRequestError("give --confirm or --reject, not both")
    if paragraph and not (confirm or reject):
        raise ReviewRequestError("a paragraph needs --confirm or --reject")
    if (confirm or reject) and not paragraph:
        raise ReviewRequestError("--confirm and --reject need the PARAGRAPH they are about")
    if relation and not confirm:
        raise ReviewRequestError("--relation goes with --confirm")
    if relation and relation not in RELATIONS:
        raise ReviewRequestError(f"--relation must be addresses or related, not {relation!r}")
    if not paragraph and not status:
        raise ReviewRequestError("give a PARAGRAPH with --confirm or --reject, or --status")
    if paragraph and status:
        raise ReviewRequestError("a status is set on the ask alone: give --status without a PARAGRAPH")
    verdict = CONFIRM if confirm else REJECT if reject else None
    return Review(RESPONSE, recommendation, paragraph, verdict, (relation or ADDRESSES) if confirm else None, status, note)


def check_words(verdict: Review) -> None:
    """A note, a status and a reviewer's name are short plain text: no markup,
    nothing a spreadsheet would run as a formula, no control characters."""
    if verdict.reviewer is not None and not _REVIEWER_RE.match(verdict.reviewer):
        raise ReviewRequestError(f"the reviewer's name {verdict.reviewer!r} must be 1 to 40 letters, digits, '.', '_' or '-'")
    for what, text, most in (("note", verdict.note, MAX_NOTE), ("status", verdict.status, MAX_STATUS)):
        if text is None:
            continue
        if len(text) > most:
            raise ReviewRequestError(f"the {what} is {len(text)} characters long; at most {most}")
        if _CONTROL_RE.search(text):
            raise ReviewRequestError(f"the {what} holds control characters; write it as plain text")
        if _MARKUP_RE.search(text):
            raise ReviewRequestError(f"the {what} holds markup (<…> or &…;); write it as plain text")
        if text.lstrip().startswith(_FORMULA_START):
            raise ReviewRequestError(f"the {what} starts with {text.lstrip()[0]!r}, which a spreadsheet reads as a formula; "
                                     "start it with a word")


def check(verdict: Review, db_path: str | Path) -> None:
    """The ids name an ask and a later government paragraph of the knowledge
    base, and the words are plain text (``check_words``)."""
    check_words(verdict)
    if not Path(db_path).is_file():
        raise ReviewRequestError(f"{db_path}: no database to check the ids against; run kb build first")
    with _readable(db_path), closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as conn:
        ask = conn.execute(
            "select r.kind, r.parent_id, d.id, d.published from recommendations r join documents d on d.id = r.document_id"
            " where r.id = ?", [verdict.from_id]).fetchone()
        if ask is None:
            raise ReviewRequestError(f"{db_path}: no recommendation {verdict.from_id}")
        if ask[1]:
            raise ReviewRequestError(f"{verdict.from_id} is a sub-item of {ask[1]}: responses are found for the ask, {ask[1]}")
        if ask[0] != "recommendation":
            raise ReviewRequestError(f"{verdict.from_id} is a {ask[0]}, not an ask: responses are found for recommendations")
        if verdict.to_id:
            found = conn.execute(
                "select d.id, d.published from paragraphs p join documents d on d.id = p.document_id where p.id = ?",
                [verdict.to_id]).fetchone()
            if found is None:
                raise ReviewRequestError(f"{db_path}: no government paragraph {verdict.to_id}")
            if str(found[1]) <= str(ask[3]):
                raise ReviewRequestError(f"{found[0]} ({found[1]}) was not published after {ask[2]} ({ask[3]}): it cannot respond to it")


def record(verdict: Review, reviewer: str, db_path: str | Path, sources_dir: str | Path) -> tuple[Review, Path]:
    """Check a verdict against the knowledge base at ``db_path``, stamp it
    with its reviewer, time and ``was``, and append it to the reviews file:
    what ``kb review`` and the browser both do.  Returns the verdict written
    and the file; raises ReviewRequestError with nothing written."""
    check(verdict, db_path)
    verdict = stamped(verdict, reviewer, db_path)
    check_words(verdict)  # the reviewer's name, now that it is set
    return verdict, append(verdict, sources_dir)


def stamped(verdict: Review, reviewer: str, db_path: str | Path, now: datetime | None = None) -> Review:
    """The verdict with who gave it, when (UTC) and what the knowledge base
    at ``db_path`` showed before it (``was``), for the history."""
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return replace(verdict, reviewer=reviewer, at=now.strftime("%Y-%m-%dT%H:%M:%SZ"), was=was(verdict, db_path))


def was(verdict: Review, db_path: str | Path) -> str:
    """What the knowledge base shows of what the verdict is about: the
    response (``addresses 45 (rule)``, ``related (reviewed)``, ``no response``)
    or the ask's status (``status possible response``)."""
    with _readable(db_path), closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as conn:
        if verdict.to_id:
            found = conn.execute("select relation, score, method from responses where recommendation_id = ? and paragraph_id = ?",
                                 [verdict.from_id, verdict.to_id]).fetchone()
            if found is None:
                return "no response"
            relation, score, method = found
            return f"{relation} (reviewed)" if method == "manual" else f"{relation} {score} (rule)"
        found = conn.execute("select status, method from response_status where recommendation_id = ?", [verdict.from_id]).fetchone()
        if found is None:
            return "no status"
        return f"status {found[0]}" + (" (set by a reviewer)" if found[1] == "manual" else "")


@contextmanager
def _readable(db_path: str | Path):
    """A file that is not a knowledge base (not SQLite, or without kb's
    tables) is a ``ReviewRequestError`` saying so."""
    try:
        yield
    except sqlite3.Error as error:
        raise ReviewRequestError(f"{db_path}: not a knowledge base kb can read ({error}); build one with kb build") from error


def append(verdict: Review, sources_dir: str | Path) -> Path:
    """Append the verdict to the reviews file in ``sources_dir``, holding the
    folder's write lock; the file is replaced only once the whole of it
    reads back.  A file that cannot be written is a ``ReviewRequestError``."""
    path = Path(sources_dir) / RESPONSE_REVIEWS_NAME
    written = yaml.safe_dump([response_entry(verdict)], allow_unicode=True, sort_keys=False, width=1000)

    def reads_back(temporary: Path) -> None:
        try:
            read_response_reviews(temporary)
        except ReviewError as error:
            raise ReviewRequestError(str(error).replace(str(temporary), str(path))) from error

    try:
        with sources_lock(sources_dir):
            old = path.read_text(encoding="utf-8") if path.is_file() else HEADER
            new = old + ("" if old.endswith("\n") else "\n") + "\n" + written
            return write_file(path, new.encode("utf-8"), check=reads_back)
    except OSError as error:
        raise ReviewRequestError(f"{path}: cannot write it: {error.strerror or error}") from error
    except UnicodeDecodeError as error:
        raise ReviewRequestError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from error
