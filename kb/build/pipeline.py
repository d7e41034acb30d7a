"""Build the knowledge base: parse every source, then write the database
so that it is always whole, the previous build's or this one's.

Everything is parsed and checked before anything is written.  A new
database is written beside the old one under a temporary name and swapped
in when complete; an incremental build brings the previous database up to
date in one transaction, in place when no server's snapshot shares its file
(kb.build.snapshot), else in a copy swapped in the same way.  A failing
build leaves the previous database as it was.
"""

import gc
import json
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import sqlite_utils

import loaders
from kb.rules import answers as answering
from kb.build import store
from kb.rules.areas import AreaTag, primary_areas, read_overrides, read_taxonomy, tag, unknown_override_ids
from kb.build.freshness import build_info, input_name, read_input, sha256
from kb.build.incremental import (ANSWERED_KEY, OVERRIDES_KEY, profile_records, window_changed, CODE_KEY, UNREAD_KEY, LINK_REVIEWED_KEY, PAIRS_KEY, RESPONSE_REVIEWED_KEY, Previous, StoredParagraphs, changed_documents,
                            code_version, fingerprint, linked_again, read_previous)
from kb.rules.links import Link, LinkRun, document_order, link_place, reading_ranks, rule_links
from kb.build.link_change import LinkChange, link_change, link_groups, sync_links
from kb.build.lock import build_lock, remove_stale_temporaries, temporary_path
from kb.build.manifest import Source, read_manifest
from kb.build.snapshot import unserved
from kb.build.progress import LARGE_BYTES, Progress, size_text
from kb.rules.search_index import save_search_index, update_search_index
from kb.rules.threads import members_of, threads_of
from kb.records import Parsed, document_of
from kb.rules.responses import Answers
from kb.rules.timing import HORIZON_YEARS
from kb.rules.reviews import LINK_REVIEWS_NAME, Review, apply_link_reviews, check_review_ids, read_reviews
from kb.text.lines import numbered_lines
from kb.text.encoding import decode, line_of, not_utf8
from kb.text.sentences import ANY_END, ends_sentence
from kb.text.wording import plural

OVERRIDES_NAME = "area_overrides.yml"


class BuildError(ValueError):
    """A source or a loader's output is not fit to be written."""


@dataclass
class DocumentReport:
    """What a build did with one document, and what looks wrong in it
    without stopping the build (``warnings``)."""

    document_id: str
    publisher_id: str
    loaded: bool
    top_level: Counter = field(default_factory=Counter)
    sub_items: int = 0
    warnings: list[str] = field(default_factory=list)
    paragraphs: int = 0

    def line(self) -> str:
        if not self.loaded:
            return f"{self.document_id}: skipped, no loader for publisher {self.publisher_id!r} yet"
        counts = [plural(count, kind) for kind, count in sorted(self.top_level.items())]
        if self.paragraphs:
            counts.append(plural(self.paragraphs, "paragraph"))
        counts.append(plural(self.sub_items, "sub-item"))
        return f"{self.document_id}: {', '.join(counts)}"


def build(
    sources_dir: str | Path,
    db_path: str | Path,
    loaders_by_name=None,
    notify: Callable[[str], None] | None = None,
    full: bool = False,
    parsed: Mapping[str, Parsed] | None = None,
    horizon: int = HORIZON_YEARS,
) -> list[DocumentReport]:
    """Parse every document in ``sources_dir`` and write them to ``db_path``,
    one build at a time (kb.build.lock); ``notify`` is told what a long build is
    doing (see kb.build.progress).  Incremental (``kb.build.incremental``) when the
    previous database allows it, unless ``full``.  ``parsed``: documents
    parsed already (by kb add), by the fingerprint of the text and manifest
    entry they were parsed from (``kb.build.incremental.fingerprint``); a
    document whose fingerprint is there is checked but not parsed again.
    ``horizon``: how many years after an ask the government texts compared
    with it may come (``kb.rules.timing``)."""
    check_db_path(db_path)
    with build_lock(db_path, notify):
        for path in remove_stale_temporaries(db_path):
            if notify:
                notify(f"removed {path.name}, left by a build that did not finish")
        return _build(sources_dir, db_path, loaders_by_name, Progress(notify), full, parsed, horizon)


def build_and_report(
    sources_dir: str | Path,
    db_path: str | Path,
    notify: Callable[[str], None] | None = None,
    full: bool = False,
    parsed: Mapping[str, Parsed] | None = None,
    horizon: int = HORIZON_YEARS,
) -> tuple[list[DocumentReport], str]:
    """``build``, with the line that sums it up: ``Wrote kb.db: 8 documents,
    93 rows, 795 paragraphs in 3.30s``."""
    started = time.perf_counter()
    reports = build(sources_dir, db_path, notify=notify, full=full, parsed=parsed, horizon=horizon)
    return reports, summary_line(db_path, reports, time.perf_counter() - started)


def summary_line(db_path: str | Path, reports: list[DocumentReport], seconds: float) -> str:
    """What a build wrote: its documents, their rows and paragraphs, and how long it took."""
    rows = sum(sum(report.top_level.values()) + report.sub_items for report in reports if not report.paragraphs)
    paragraphs = sum(report.paragraphs + report.sub_items for report in reports if report.paragraphs)
    counted = f"{rows} rows, {paragraphs} paragraphs" if paragraphs else f"{rows} rows"
    return f"Wrote {db_path}: {len(reports)} documents, {counted} in {seconds:.2f}s"


def _build(sources_dir: str | Path, db_path: str | Path, loaders_by_name, progress: Progress, full: bool = False,
           parsed_already: Mapping[str, Parsed] | None = None, horizon: int = HORIZON_YEARS) -> list[DocumentReport]:
    try:
        return _build_frozen(sources_dir, db_path, loaders_by_name, progress, full, parsed_already, horizon)
    finally:
        gc.unfreeze()


def _build_frozen(sources_dir: str | Path, db_path: str | Path, loaders_by_name, progress: Progress, full: bool = False,
                  parsed_already: Mapping[str, Parsed] | None = None, horizon: int = HORIZON_YEARS) -> list[DocumentReport]:
    """``_build``; what it has read and worked out is frozen for the garbage
    collector (``gc.freeze``) once the documents are parsed and before each
    step that forks workers (linking, responses): it lives until the
    database is written, and otherwise every
    collection, in the build and in each forked worker, walks all of it
    again (in a worker, copying every page it walks): work that grew with
    the documents times the collections, and workers as large as the build."""
    previous = None if full else read_previous(db_path)
    texts = read_sources(sources_dir, loaders_by_name, previous.inputs if previous else None)
    fingerprints = {read.document_id: read.fingerprint for read in texts}
    changed = changed_documents(fingerprints, previous) if previous else set(fingerprints)
    if previous and progress.notify:
        kept = len(fingerprints.keys() - changed)
        progress.notify(f"building incrementally: {kept} documents kept, {len(changed)} added, changed or removed")
    known = dict(parsed_already or {})
    unread = {}
    kept = fingerprints.keys() - changed
    for document_id in kept:
        known[fingerprints[document_id]] = Parsed(previous.documents[document_id], previous.rows[document_id], previous.paragraphs[document_id])
        if document_id in previous.unread:
            unread[fingerprints[document_id]] = previous.unread[document_id]
    found = parse_sources(texts, loaders_by_name, known, progress, unread, checked={fingerprints[d] for d in kept})
    del texts
    for read in found:  # read again when written (``document_text``): a quarter of a gigabyte at 3,000 documents
        read.text = None
    sources = [read.source for read in found]
    parsed = {read.document_id: read.parsed for read in found}
    skipped = {document_id for document_id, result in parsed.items() if result is None}
    rows = [row for result in parsed.values() if result for row in result.recommendations]
    gc.freeze()  # the documents, rows and what the previous build kept: read by every later step
    overrides = overrides_hash(Path(sources_dir))
    with progress.step("tagging policy areas"):
        kept_tags = previous.tags if previous and previous.overrides == overrides else {}
        kept_tags = {d: t for d, t in kept_tags.items() if d not in changed}
        tags = area_tags(Path(sources_dir), rows, skipped, kept_tags)
        tagged = {row.document_id for row in rows} - kept_tags.keys() if kept_tags else None
    documents = [result.document for result in parsed.values() if result]
    with_rows = {row.document_id for row in rows if not row.parent_id}
    link_reviews, response_reviews = read_reviews(sources_dir)
    again = None
    if previous:
        again = linked_again(documents, previous, changed, primary_areas(tags), with_rows, link_reviewed(link_reviews))
    gc.freeze()
    moved = window_changed(documents, previous, changed, with_rows) if previous else set()
    with progress.step(f"linking {len(rows)} rows across documents"):
        linked, links = _link(Path(sources_dir), rows, documents, primary_areas(tags), skipped, link_reviews, again, previous, moved)
    paragraphs = {result.document.id: result.paragraphs for result in parsed.values() if result and result.paragraphs}
    gc.freeze()
    with progress.step(f"finding government responses to {len(rows)} rows in {sum(map(len, paragraphs.values()))} paragraphs"):
        groups = link_groups(links)
        answers = answering.answers(sources_dir, rows, paragraphs, documents, groups, response_reviews,
                                    changed if previous else None, previous.answers if previous else None, horizon=horizon)
    threads = members_of(threads_of(groups, rows, documents))
    db_path = Path(db_path)
    with progress.step(f"writing {db_path}"):
        read_already = {read.source.path: [read.size, read.mtime_ns, read.sha256] for read in found}
        info = {**build_info(sources_dir, [source.path for source in sources], read_already),
                "candidate_pairs": str(linked.candidate_pairs), PAIRS_KEY: json.dumps(linked.pairs_by_document),
                ANSWERED_KEY: json.dumps(sorted(answers.pairs)),
                UNREAD_KEY: json.dumps({document_id: result.unread for document_id, result in parsed.items() if result},
                                       ensure_ascii=False),
                CODE_KEY: code_version(), OVERRIDES_KEY: overrides,
                **reviewed_documents(link_reviews, response_reviews)}
        _save(db_path, Written(found, tags, links, threads, info, answers, profile_records(linked.profiles), moved,
                               tagged), changed, previous)
    return [_report(source, parsed[source.document.id]) for source in sources]


def _save(db_path: Path, written: "Written", changed: set[str], previous: Previous | None) -> None:
    """``written`` into the database: the previous one brought up to date in
    place, in one transaction, when no server's snapshot shares its file
    (``kb.build.snapshot.unserved``); else a new file, written beside it
    under a temporary name (a copy of it, brought up to date, or a new
    database) and swapped in when complete."""
    if previous is not None:
        with unserved(db_path) as alone:
            if alone:
                with store.one_transaction(db_path) as db:
                    store.ensure_db_shape(db)
                    _fill_changes(db, written, changed, previous)
                return
    temporary = temporary_path(db_path)
    try:
        if previous is not None:
            _update(temporary, db_path, written, changed, previous)
        else:
            _write(temporary, written)
        os.replace(temporary, db_path)
    finally:
        temporary.unlink(missing_ok=True)


def reviewed_documents(link_reviews: list[Review], response_reviews: list[Review]) -> dict[str, str]:
    """The documents the reviewer's verdicts name, for ``build_info``: the
    next incremental build works their links and responses out again
    (``kb.build.incremental``)."""
    link_ids = link_reviewed(link_reviews)
    response_pairs = {(document_of(r.from_id), document_of(r.to_id)) for r in response_reviews if r.to_id}
    return {LINK_REVIEWED_KEY: json.dumps(sorted(link_ids)), RESPONSE_REVIEWED_KEY: json.dumps(sorted(response_pairs))}


def link_reviewed(link_reviews: list[Review]) -> set[str]:
    """The documents the reviewer's link verdicts name."""
    return {document_of(i) for r in link_reviews for i in (r.from_id, r.to_id)}


def check_db_path(db_path: str | Path) -> None:
    """The database can be written where it is asked for: its folder exists
    and is writable.  Checked before the long work of parsing."""
    folder = Path(db_path).absolute().parent
    if not folder.is_dir():
        raise BuildError(f"{db_path}: cannot write the database there, folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise BuildError(f"{db_path}: cannot write the database there, folder {folder} is not writable")


def _read_text(source: Source, data: bytes | None = None) -> str:
    """The text of a source file (``data``: its bytes, when read already).
    A byte-order mark at its start (as some Windows editors write) is
    dropped; a file that is not UTF-8 is an error naming the line and the
    encoding it looks like."""
    data = source.path.read_bytes() if data is None else data
    try:
        return decode(data)
    except UnicodeDecodeError as error:
        raise BuildError(f"{source.path}:{line_of(data, error.start)}: {not_utf8(data, error)}") from error


@dataclass
class SourceText:
    """A manifest entry with its file's text, the file read and hashed once:
    its ``size`` and modification time (``mtime_ns``, taken before it was
    read), the SHA-256 of its bytes, and the document's ``fingerprint``
    (``kb.build.incremental.fingerprint``).  A build lets go of the text
    once the document is parsed (``None``), and reads it again to write it
    (``document_text``)."""

    source: Source
    text: str | None
    size: int
    mtime_ns: int
    sha256: str
    fingerprint: str

    @property
    def document_id(self) -> str:
        return self.source.document.id


@dataclass
class ParsedSource(SourceText):
    """A source with what its loader found in it, checked."""

    parsed: Parsed


def document_text(read: SourceText) -> str:
    """The text a document was parsed from: the one kept, or its file read
    again, which must still be the bytes that were parsed."""
    if read.text is not None:
        return read.text
    data, (_, _, digest) = read_input(read.source.path)
    if digest != read.sha256:
        raise BuildError(f"{read.source.path}: changed while the build was running; run the build again")
    return _read_text(read.source, data)


def loader_for(source: Source, loaders_by_name=None):
    """The parser of a document, named by its manifest entry's ``loader:``
    (else its publisher's id); no parser of that name is an error."""
    loaders_by_name = loaders.LOADERS if loaders_by_name is None else loaders_by_name
    loader = loaders_by_name.get(source.document.loader)
    if loader is None:
        known = ", ".join(sorted(loaders_by_name)) or "none"
        given = "loader" if source.document.loader != source.publisher.id else "loader for publisher"
        raise BuildError(f"{source.path}: document {source.document.id!r}: no {given} {source.document.loader!r} (loaders: {known})")
    return loader


def read_sources(sources_dir: str | Path, loaders_by_name=None, recorded: Mapping[str, list] | None = None) -> list[SourceText]:
    """Every document the manifest lists, in its order, with its file's
    text: every entry's loader is checked first, then each file is read,
    hashed and decoded once.  ``recorded``: the files' states as the
    previous build recorded them (``kb.build.freshness.input_state``); a
    file whose size and modification time are as recorded is taken to hold
    what it held, as ``kb.build.freshness`` takes it, and is not read (its
    text ``None``: ``document_text`` reads it when it is needed)."""
    sources = read_manifest(sources_dir)
    for source in sources:
        loader_for(source, loaders_by_name)
    recorded = recorded or {}
    found = []
    for source in sources:
        state = recorded.get(input_name(sources_dir, source.path))
        status = source.path.stat()
        if state and state[:2] == [status.st_size, status.st_mtime_ns]:
            text, (size, mtime_ns, digest) = None, state
        else:
            data, (size, mtime_ns, digest) = read_input(source.path)
            text = _read_text(source, data)
        source.document.sha256 = digest
        if source.original:
            source.document.original_sha256 = sha256(source.original)
        found.append(SourceText(source, text, size, mtime_ns, digest, fingerprint(source, digest)))
    return found


def parse_source(read: SourceText, loaders_by_name=None, known: Parsed | None = None,
                 unread: tuple[tuple[int, str], ...] | None = None, checked: bool = False) -> Parsed:
    """A document parsed by its entry's loader and checked against its
    text and its entry's ``expect:`` counts.  ``known``: the document
    parsed already from this very text and entry; it is checked (unless
    ``checked``: a previous build checked these rows against this very
    text and entry), not parsed again, and its ``unread`` lines are the
    ones given (kept by the previous build) or found again."""
    source = read.source
    loader = loader_for(source, loaders_by_name)
    if read.text is None and (known is None or unread is None or not checked):
        read.text = document_text(read)  # a file not read (as the previous build left it) whose text is needed: read once
    parsed = known if known is not None else loader(read.text, source.document)
    if known is not None and unread is not None:
        parsed.unread = unread
    elif known is not None and loader is loaders.LOADERS.get(source.document.loader):
        parsed.unread = loaders.unread(source.document.loader, read.text, parsed)  # kept from a previous build: found again
    parsed.document.loader = source.document.loader
    if not checked:
        _check(source, parsed, line_count=len(numbered_lines(read.text)))
        _check_expected(source, parsed)
    return parsed


def parse_sources(
    sources: str | Path | list[SourceText],
    loaders_by_name=None,
    known: Mapping[str, Parsed] | None = None,
    progress: Progress | None = None,
    unread: Mapping[str, tuple[tuple[int, str], ...]] | None = None,
    checked: set[str] = frozenset(),
) -> list[ParsedSource]:
    """Every document of a sources folder (or of the texts ``read_sources``
    read from it), in the manifest's order, parsed by the loader its entry
    names and checked (``parse_source``).  ``known``: documents parsed
    already, by their fingerprint, and ``unread`` the lines their loaders
    left unread, where known, and ``checked`` those a previous build
    checked (``parse_source``); ``progress`` hears of each document parsed
    (a large one announced before)."""
    texts = read_sources(sources, loaders_by_name) if isinstance(sources, (str, Path)) else sources
    known = known or {}
    progress = progress or Progress(None)
    found = []
    for read in texts:
        given = known.get(read.fingerprint)
        if given is not None:
            parsed = parse_source(read, loaders_by_name, known=given, unread=(unread or {}).get(read.fingerprint),
                                  checked=read.fingerprint in checked)
        else:
            with progress.step(f"parsing {read.document_id} ({size_text(read.size)})", announce=read.size >= LARGE_BYTES):
                parsed = parse_source(read, loaders_by_name)
        found.append(ParsedSource(**vars(read), parsed=parsed))
    return found


def counts(parsed: Parsed) -> dict[str, int]:
    """What a document holds, by kind of row: top-level rows by their kind
    (a government text's numbered paragraphs as ``paragraph``), rows with a
    parent as ``sub-item``."""
    found = Counter("sub-item" if row.parent_id else row.kind for row in parsed.recommendations)
    top_level, sub_items = paragraph_counts(parsed.paragraphs)
    found.update({"paragraph": top_level, "sub-item": sub_items})
    return {kind: count for kind, count in sorted(found.items()) if count}


def paragraph_counts(paragraphs) -> tuple[int, int]:
    """How many paragraphs are top-level and how many sub-items; a kept
    government text's (``StoredParagraphs``) counted without reading them."""
    if isinstance(paragraphs, StoredParagraphs):
        return paragraphs.top_level, paragraphs.sub_items
    sub_items = sum(1 for paragraph in paragraphs if paragraph.parent_id)
    return len(paragraphs) - sub_items, sub_items


def format_counts(by_kind: dict[str, int]) -> str:
    """``{recommendation: 19, sub-item: 10}``, as written in the manifest."""
    return "{" + ", ".join(f"{kind}: {count}" for kind, count in sorted(by_kind.items())) + "}"


def _check_expected(source: Source, parsed: Parsed) -> None:
    """The manifest's ``expect:`` counts must be what the loader found."""
    if source.expect is None:
        return
    expected = {kind: count for kind, count in source.expect.items() if count}
    found = counts(parsed)
    if found != expected:
        raise BuildError(
            f"{source.path}: {source.document.id}: the manifest expects {format_counts(expected)}, "
            f"the document gives {format_counts(found)}"
        )


# Numbered lines that belong to no row, warned of one by one; more are counted in one warning.
UNREAD_WARNINGS = 10


def warnings(source: Source, parsed: Parsed) -> list[str]:
    """What looks wrong without being certain: no ``expect:`` counts, a
    document whose last row ends mid-sentence (or has no body), as a file
    cut short does, or a line numbered as the loader's items are that
    belongs to no row (``Parsed.unread``)."""
    found = unread_warnings(source, parsed)
    if source.expect is None:
        found.append(f"{source.path}: no expect: counts in the manifest; this build found expect: {format_counts(counts(parsed))}")
    if parsed.recommendations:
        last = parsed.recommendations[-1]
        body = (last.body or "").rstrip()
        if not body_ends_sentence(body):
            ending = f"ends mid-sentence (…{body[-20:]})" if body else "has an empty body"
            found.append(f"{source.path}:{last.line_end}: {last.id}, the document's last row, {ending}: is the file cut short?")
    return found


def unread_warnings(source: Source, parsed: Parsed) -> list[str]:
    """A warning for each line numbered as the loader's items are that
    belongs to no row, the first ``UNREAD_WARNINGS`` by line and the rest
    counted.  A warning, not an error: the line only looks like the start of
    an item, and a document may number lines that are not asks (a list in an
    appendix); the person adding it sees the line and judges."""
    found = [
        f"{source.path}:{number}: a numbered line that belongs to no row: {_excerpt(text)}"
        for number, text in parsed.unread[:UNREAD_WARNINGS]
    ]
    more = parsed.unread[UNREAD_WARNINGS:]
    if more:
        lines = ", ".join(str(number) for number, _ in more[:UNREAD_WARNINGS])
        found.append(f"{source.path}: {len(more)} more numbered lines that belong to no row (lines {lines}{' …' if len(more) > UNREAD_WARNINGS else ''})")
    return found


def _excerpt(text: str, length: int = 40) -> str:
    text = text.strip()
    return text if len(text) <= length else text[:length] + "…"


def body_ends_sentence(body: str) -> bool:
    """Whether a body ends a sentence (。！？.!?…;； or a colon, perhaps
    followed by closing quotes or brackets)."""
    return ends_sentence(body, ANY_END)


def _check(source: Source, parsed: Parsed, line_count: int) -> None:
    """Refuse loader output that would write broken rows."""
    seen: set[str] = set()
    for ordinal, row in enumerate(parsed.recommendations, start=1):
        problem = _problem(source, row, seen, line_count, ordinal)
        if problem:
            raise BuildError(f"{source.path}:{row.line_start}: {row.id}: {problem}")
        seen.add(row.id)


def _problem(source: Source, row, seen: set[str], line_count: int, ordinal: int) -> str | None:
    if row.id != f"{source.document.id}/{row.number}":
        return "id does not match the document id and number"
    if row.id in seen:
        return "id repeated"
    if row.parent_id and row.parent_id not in seen:
        return f"parent {row.parent_id} does not come before it"
    if not 1 <= row.line_start <= row.line_end <= line_count:
        return f"line range {row.line_start}-{row.line_end} is outside the file's {line_count} lines"
    if row.ordinal != ordinal:
        return f"ordinal {row.ordinal} where {ordinal} was expected"
    if not row.title.strip():
        return "empty title"
    return None


@dataclass
class Written:
    """What a build writes."""

    sources: list[ParsedSource]
    tags: list[AreaTag]
    links: "list[Link] | LinkChange"  # a change to the previous build's (kb.build.link_change) in an incremental build
    threads: list[dict]
    info: dict[str, str]
    answers: Answers | None = None
    profiles: dict[str, str] = field(default_factory=dict)  # the link profiles made, by document (``profile_records``)
    moved: set[str] = field(default_factory=set)  # documents whose stored link profiles no longer hold
    tagged: set[str] | None = None  # the documents tagged by this build, the others' tags kept as stored; None: all


def _write(path: Path, written: Written) -> None:
    """A new database at ``path`` holding everything."""
    path.unlink(missing_ok=True)
    _fill(path, written, {read.document_id for read in written.sources})


def _update(path: Path, previous_path: Path, written: Written, changed: set[str], previous: Previous) -> None:
    """A copy of the previous database at ``path``, with the ``changed``
    documents (added, changed or removed) replaced and everything derived
    from all of them written again."""
    shutil.copyfile(previous_path, path)
    _fill(path, written, changed, previous)


def _fill(path: Path, written: Written, replaced: set[str], previous: Previous | None = None) -> None:
    """``written`` into the database at ``path``: all of it into a new one,
    or with the ``previous`` build's database copied there, what changed."""
    db = sqlite_utils.Database(path)
    # A temporary file, swapped in only when complete and synced once at the
    # end: no journal or sync per transaction (sqlite-utils commits every
    # chunk of rows, which took 20 s for the lines of a 5 MB document).
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    try:
        store.ensure_db_shape(db)
        if previous is None:
            _fill_fresh(db, written)
        else:
            _fill_changes(db, written, replaced, previous)
    finally:
        db.close()
    with open(path, "rb+") as file:
        os.fsync(file.fileno())


def _save_documents(db: sqlite_utils.Database, written: Written, replaced: set[str]) -> None:
    for read in written.sources:
        if read.document_id not in replaced:
            continue
        result = read.parsed
        document = result.document if result else read.source.document
        store.save_document(db, document, document_text(read), read.fingerprint)
        if result:
            store.save_recommendations(db, read.source.publisher.id, result.recommendations)
            store.save_paragraphs(db, result.paragraphs)


def _publishers(written: Written) -> list:
    return list({read.source.publisher.id: read.source.publisher for read in written.sources}.values())


def _fill_fresh(db: sqlite_utils.Database, written: Written) -> None:
    """Everything, into an empty database."""
    store.save_publishers(db, _publishers(written))
    _save_documents(db, written, {read.document_id for read in written.sources})
    store.save_policy_areas(db, read_taxonomy())
    store.save_area_tags(db, written.tags)
    store.save_links(db, written.links)
    if written.answers:
        store.save_responses(db, written.answers.responses, written.answers.statuses)
    store.sync_positions(db)
    store.save_threads(db, written.threads)
    store.replace_link_profiles(db, written.profiles)
    save_search_index(db)
    store.save_build_info(db, written.info)
    db.execute("VACUUM")


def _fill_changes(db: sqlite_utils.Database, written: Written, replaced: set[str], previous: Previous) -> None:
    """A copy of the previous database brought to what a full build would
    write: the ``replaced`` documents (added, changed or removed) deleted
    and written again, and of every derived table only the rows that
    differ (``kb.build.store.sync_table``; the links and threads, read in
    rowid order, from their first difference on)."""
    store.delete_documents(db, replaced)
    store.sync_table(db, "publishers", [asdict(publisher) for publisher in _publishers(written)])
    _save_documents(db, written, replaced)
    store.sync_table(db, "policy_areas", store.policy_area_records(read_taxonomy()))
    if written.tagged is None:
        store.sync_table(db, "recommendation_areas", store.area_tag_records(written.tags))
        store.sync_primary_areas(db, written.tags)
    else:  # the tags of the other documents are the stored ones
        again = written.tagged | replaced
        store.replace_area_tags(db, [t for t in written.tags if document_of(t.recommendation_id) in again], again)
    sync_links(db, written.links, previous)
    answers = written.answers
    if answers:
        store.replace_responses(db, answers.replaced, answers.responses)
    store.sync_table(db, "response_status", [vars(s) for s in answers.statuses] if answers else [])
    store.sync_positions(db)
    store.sync_in_order(db, "threads", written.threads)
    store.replace_link_profiles(db, written.profiles, written.moved)
    update_search_index(db, replaced)
    store.sync_table(db, "build_info", [{"key": key, "value": value} for key, value in written.info.items()])


def area_tags(sources_dir: Path, rows: list, skipped: set[str] = frozenset(),
              kept: Mapping[str, list[AreaTag]] | None = None) -> list[AreaTag]:
    """Policy-area tags for every row, with the reviewer's overrides.

    An override naming a row that does not exist is an error, unless its
    document was skipped for want of a loader.  ``kept``: the tags of
    documents unchanged since the previous build, made with the same
    overrides (a row's tags depend on its document's rows alone), by
    document; the other rows are tagged."""
    taxonomy = read_taxonomy()
    overrides_path = sources_dir / OVERRIDES_NAME
    overrides = read_overrides(overrides_path, taxonomy) if overrides_path.is_file() else {}
    unknown = [row_id for row_id in unknown_override_ids(rows, overrides) if document_of(row_id) not in skipped]
    if unknown:
        raise BuildError(f"{overrides_path}: no such recommendation: {', '.join(unknown)}")
    kept = kept or {}
    made = tag([row for row in rows if row.document_id not in kept], taxonomy, overrides)
    if not kept:
        return made
    by_row: dict[str, list[AreaTag]] = {}
    for found in (made, *kept.values()):
        for area_tag in found:
            by_row.setdefault(area_tag.recommendation_id, []).append(area_tag)
    return [area_tag for row in rows for area_tag in by_row.get(row.id, [])]


def overrides_hash(sources_dir: Path) -> str:
    """What the reviewer's area overrides say, hashed: the tags of the
    previous build are kept only when they were made with the same."""
    path = sources_dir / OVERRIDES_NAME
    return sha256(path)[:16] if path.is_file() else ""


def _link(
    sources_dir: Path,
    rows: list,
    documents: list,
    areas: dict[str, str],
    skipped: set[str],
    reviews: list[Review],
    again: set[str] | None = None,
    previous: Previous | None = None,
    moved: set[str] = frozenset(),
) -> tuple[LinkRun, "list[Link] | LinkChange"]:
    """Links between recommendations of different documents, with the reviewer's verdicts;
    ``areas`` are the rows' primary policy areas.  With a ``previous``
    database, only the links into the documents ``again`` (which hold
    every document a verdict names) are found; the others are kept from
    it, and what linking prepared of the rows of documents not ``moved``
    (whose window did not change) is read back from it.  The run's
    ``profiles`` are those of the rows prepared; with the run, the links:
    all of them, or (``kb.build.link_change``) those found as a change to
    the previous build's."""
    check_review_ids(sources_dir / LINK_REVIEWS_NAME, reviews, {row.id for row in rows}, skipped=skipped)
    known = {}
    if previous is not None:
        present = {document.id for document in documents}
        known = previous.link_profiles.of(present - moved)
    found = rule_links(rows, documents, areas, into=again, known=known)
    order = document_order(documents)
    reviewed = apply_link_reviews(found.links, reviews, rows, order)
    pairs = {} if previous is None else {d: n for d, n in previous.pairs_by_document.items() if d in present and d not in again}
    pairs = dict(sorted({**pairs, **found.pairs_by_document}.items()))
    run = LinkRun(reviewed, sum(pairs.values()), pairs, found.profiles)
    if previous is None:
        return run, reviewed
    ranks = reading_ranks(rows, order)
    change = link_change(previous, rows, ranks, again, reviewed)
    if change is not None:
        return run, change
    return run, sorted(_kept_links(previous, again, present) + reviewed, key=link_place(ranks))


def _kept_links(previous: Previous, again: set[str], present: set[str]) -> list[Link]:
    """The previous build's links that hold: into a document not linked
    ``again``, between documents still ``present``.  Told by the rows they
    join (every link joins two rows the previous build held), not by
    cutting every link's two ids into their documents."""
    removed = previous.documents.keys() - present
    into_again = {row.id for document in again | removed for row in previous.rows.get(document, ())}
    removed_rows = {row.id for document in removed for row in previous.rows.get(document, ())}
    return [link for link in previous.links.all() if link.to_id not in into_again and link.from_id not in removed_rows]


def _report(source: Source, parsed: Parsed | None) -> DocumentReport:
    report = DocumentReport(source.document.id, source.publisher.id, loaded=parsed is not None)
    report.warnings = warnings(source, parsed) if parsed else []
    for row in parsed.recommendations if parsed else []:
        if row.parent_id:
            report.sub_items += 1
        else:
            report.top_level[row.kind] += 1
    top_level, sub_items = paragraph_counts(parsed.paragraphs) if parsed else (0, 0)
    report.paragraphs, report.sub_items = top_level, report.sub_items + sub_items
    return report
