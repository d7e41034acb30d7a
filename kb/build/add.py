"""Add a document to sources/: its text, its original PDF and its manifest entry.

Everything is read, extracted and parsed before anything is written: a file
kb add refuses leaves sources/ and manifest.yml byte for byte as they were.
The entry is appended to the manifest as text, so the entries and comments
already there stay untouched.  The writing holds the sources folder's lock
(kb.build.writing): two kb add of one id at once add it once, and a write
that fails half-way leaves sources/ as it was.
"""

import hashlib
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

import loaders
from kb.build.freshness import sha256
from kb.build.incremental import fingerprint
from kb.build.pipeline import counts, warnings
from kb.build.manifest import (MANIFEST_NAME, ManifestError, Source, document_year, id_problem, load_manifest_text,
                               published_problem, read_manifest, text_problem, url_problem)
from kb.build.writing import sources_lock, write_file
from kb.text.pdf import PdfError, is_pdf, join_pages, ocr_pages, pdf_pages
from kb.records import Document, ParseError, Parsed, Publisher
from kb.text.cleanup import strip_markdown
from kb.text.numbering import cn_number
from kb.text.lines import numbered_lines, tidy_line
from kb.text.encoding import common_name, decode, file_kind, likely_encoding, utf16
from kb.text.pages import drop_running, fold_lookalikes
from kb.text.yamlfile import YamlFileError

DEFAULT_LOADER = "generic"
_DATE_RE = re.compile(r"((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?")
_YEAR_RE = re.compile(r"(?:19|20)\d\d")
_CN_DIGITS = {char: str(value % 10) for value, char in enumerate("零一二三四五六七八九〇")}
_CN_DATE_RE = re.compile(r"([一二][零〇一二三四五六七八九]{3})\s*年\s*([一二三四五六七八九十]{1,3})\s*月(?:\s*([一二三四五六七八九十]{1,3})\s*日)?")
_TITLE_WORDS_RE = re.compile(r"意見書|建議|報告|回應|意見|預算案|submission|report|response", re.I)
_YEAR_ANY_RE = re.compile(r"(?:19|20)\d\d|[零〇一二][零〇一二三四五六七八九]{3}")
_YEARS_LINE_RE = re.compile(r"(?:19|20)\d\d(?:\s+(?:19|20)\d\d)*")
_HAN_RE = re.compile(r"[\u3400-\u9fff]")
# A line that is a date and nothing more (日期：2026年6月15日, 二零二六年六月十五日).
_DATE_ALONE_RE = re.compile(r"(?:日期\s*[：:]\s*)?(?:(?:19|20)\d\d|[一二][零〇一二三四五六七八九]{3})\s*年\s*[\d一二三四五六七八九十]{1,3}\s*月(?:\s*[\d一二三四五六七八九十]{1,3}\s*日)?")
# A line that mentions a meeting, a hearing or a deadline: its date is not the paper's.
_MEETING_RE = re.compile(r"會議|會上|舉行|召開|開會|聆訊|截止|生效|meeting|hearing", re.I)


class AddError(ValueError):
    """kb add refuses a file; the message names it and says why."""


@dataclass
class AddRequest:
    """What to add and how to describe it (kb add's arguments)."""

    path: Path
    sources_dir: Path
    publisher: str
    publisher_zh: str | None = None
    publisher_en: str | None = None
    id: str | None = None
    title_zh: str | None = None
    title_en: str | None = None
    kind: str = "submission"
    cycle: str | None = None
    published: str | None = None
    year: int | None = None
    url: str | None = None
    loader: str | None = None
    ocr: bool = False
    dry_run: bool = False


@dataclass
class Added:
    """What kb add found (and, unless a dry run, wrote)."""

    document: Document
    parsed: Parsed
    loader_note: str
    entry: str
    pages: int | None
    warnings: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    fingerprint: str | None = None  # of the text and entry it was parsed from (kb.build.incremental)

    def parsed_by_fingerprint(self) -> dict[str, Parsed]:
        """What the build that follows may take instead of parsing the
        document again (``kb.build.build``'s ``parsed``): it does when the
        manifest gives the document as it was parsed here."""
        return {self.fingerprint: self.parsed} if self.fingerprint else {}

    def counts(self) -> dict[str, int]:
        """Rows by kind, as the manifest's ``expect:`` records them."""
        return counts(self.parsed)


def add(request: AddRequest, progress: Callable[[str], None] = lambda message: None,
        describe: Callable[[Added], None] = lambda added: None) -> Added:
    """Extract, parse and describe a document (``describe`` is shown what
    will be stored before anything is written), then (unless a dry run)
    write its text, its original PDF and its manifest entry into sources/."""
    path, sources_dir = Path(request.path), Path(request.sources_dir)
    check_options(request)
    if not path.is_file():
        raise AddError(f"{path}: no such file")
    manifest_path = sources_dir / MANIFEST_NAME
    try:
        existing = read_manifest(sources_dir)
    except ManifestError as error:
        raise AddError(f"{error} (fix the manifest before adding to it)") from error
    data = path.read_bytes()
    _refuse_known_file(path, data, existing)
    pdf = is_pdf(path)
    texts, pages = _pdf_texts(path, request.ocr, progress) if pdf else (Texts(_plain_text(path, data)), None)
    text = texts.plain
    publisher = _publisher(request, existing)
    published = request.published or (str(request.year) if request.year else _date_in(text, path))
    if not request.published and published_problem(published):
        raise AddError(f"{path}: the date found in the document, {published}: {published_problem(published)}; give --published")
    year = request.year or document_year(published, request.cycle)
    document_id = request.id or free_id(default_id(publisher.id, year, path), existing, sources_dir)
    _refuse_id(document_id, existing, sources_dir, pdf)
    document = Document(
        id=document_id,
        publisher_id=publisher.id,
        title_zh=request.title_zh or own_title(text) or path.stem,
        title_en=request.title_en or own_english_title(text) or default_title_en(request.kind, request.cycle, publisher, year, published),
        kind=request.kind,
        cycle=request.cycle,
        published=published,
        year=year,
        language="zh-Hant" if len(_HAN_RE.findall(text)) * 4 > len(text) else "en",
        source_file=f"{document_id}.txt",
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        url=request.url,
        ocr=request.ocr and pdf,
        original_file=f"{document_id}.pdf" if pdf else None,
        original_sha256=hashlib.sha256(data).hexdigest() if pdf else None,
    )
    parsed, text, loader_note = _parse(request, texts, document, existing)
    document.sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    entry = manifest_entry(document, publisher, counts(parsed))
    target = sources_dir / document.source_file
    source = Source(document, publisher, target, expect=counts(parsed))
    added = Added(document, parsed, loader_note, entry, pages, fingerprint=fingerprint(source, document.sha256))
    added.warnings = warnings(source, parsed) + _page_warnings(parsed, pdf)
    _check_entry(manifest_path, entry, document_id)
    describe(added)
    if not request.dry_run:
        added.written = _write(sources_dir, document, text, path, data, pdf, manifest_path, entry)
    return added


# --- checking the options --------------------------------------------------------

# kb add's options that become text in the manifest, by the option's name.
_TEXT_OPTIONS = {"--publisher-zh": "publisher_zh", "--publisher-en": "publisher_en", "--title-zh": "title_zh",
                 "--title-en": "title_en", "--kind": "kind", "--cycle": "cycle", "--loader": "loader"}


def check_options(request: AddRequest) -> None:
    """The options by the manifest's own rules (kb.build.manifest), before
    anything is read: an id, a date, text and a URL the manifest would
    refuse are refused here, naming the option."""
    checks = [("--id", request.id, id_problem), ("--published", request.published, published_problem),
              ("--url", request.url, url_problem)]
    checks += [(option, getattr(request, name), text_problem) for option, name in _TEXT_OPTIONS.items()]
    for option, value, problem_of in checks:
        problem = problem_of(value) if value is not None else None
        if problem:
            shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "…"
            raise AddError(f"{option} {shown}: {problem}")


# --- reading the file ----------------------------------------------------------


def _refuse_known_file(path: Path, data: bytes, existing: list[Source]) -> None:
    """A file already in the manifest, as a text or as an original, is
    refused; only the files of its size are read to compare checksums."""
    digest = hashlib.sha256(data).hexdigest()
    for source in existing:
        files = [file for file in (source.path, source.original) if file and file.stat().st_size == len(data)]
        if any(sha256(file) == digest for file in files):
            raise AddError(f"{path}: this file is already in the manifest, as {source.document.id} (same sha256)")


@dataclass
class Texts:
    """A document's text as every loader reads it, and as the generic loader
    reads it: a PDF's lines set apart by their look marked (bold, underlined
    or larger type: kb.text.styles), which its headings may be known by.
    ``marked`` reads the PDF again, only when the generic loader is used."""

    plain: str
    marked: Callable[[], str] | None = None

    def for_loader(self, name: str) -> str:
        if name != DEFAULT_LOADER or self.marked is None:
            return self.plain
        try:
            return self.marked()
        except PdfError as error:
            raise AddError(str(error)) from error


def _pdf_texts(path: Path, ocr: bool, progress) -> tuple[Texts, int]:
    try:
        pages = ocr_pages(path, progress) if ocr else pdf_pages(path)
    except PdfError as error:
        raise AddError(str(error)) from error
    marked = None if ocr else (lambda: join_pages(pdf_pages(path, marks=True)))
    return Texts(join_pages(pages), marked), len(pages)


def _plain_text(path: Path, data: bytes) -> str:
    """A text file's content, which must be UTF-8 (a UTF-8 byte order mark
    is dropped); other encodings are named where they can be recognised."""
    kind = file_kind(data)
    if kind:
        raise AddError(f"{path}: not a PDF or UTF-8 text: it is {kind}; save it as PDF or as UTF-8 text and add that")
    if utf16(data):
        raise AddError(f"{path}: not UTF-8 text: {_looks_like(utf16(data))}")
    try:
        text = decode(data)
    except UnicodeDecodeError as error:
        guess = likely_encoding(data)
        looks = f": {_looks_like(guess)}" if guess else ""
        raise AddError(f"{path}: not a PDF or UTF-8 text ({error.reason} at byte {error.start}){looks}") from error
    if "\x00" in text:
        raise AddError(f"{path}: not a PDF or UTF-8 text (it holds NUL bytes: a binary file?)")
    if not text.strip():
        raise AddError(f"{path}: the file is empty")
    return text if text.endswith("\n") else text + "\n"


def _looks_like(encoding: str) -> str:
    return f"it looks like {common_name(encoding)}; save it as UTF-8 (iconv -f {encoding} -t UTF-8)"


def _date_in(text: str, path: Path) -> str:
    """The date a document is signed or printed with, as ``YYYY-MM`` or
    ``YYYY-MM-DD``: the latest date on a line of its own (under a signature,
    on a cover); else the latest date its last or first lines print, a
    meeting they mention aside; else the year its first lines give (a paper
    stamp's)."""
    lines = [strip_markdown(tidy_line(line)).strip() for line in text.split("\n") if line.strip()]
    alone = [found for found in (_date_of(fold_lookalikes(line)) for line in lines if _DATE_ALONE_RE.fullmatch(line)) if found]
    if alone:
        return max(alone, key=_date_key)
    ends = [fold_lookalikes(line) for line in lines[-15:] + lines[:15] if not _MEETING_RE.search(line)]
    found = [date for date in (_date_of(line) for line in ends) if date]
    if found:
        return max(found, key=_date_key)
    for line in lines[:5]:  # a paper stamp: 立法會CB(3)710/2026(04)號文件
        match = _YEAR_RE.search(line)
        if match:
            return match.group(0)
    raise AddError(f"{path}: no date found in the document; give --published (e.g. 2026-06) or --year")


def _date_key(date: str) -> tuple[int, ...]:
    return tuple(int(part) for part in date.split("-"))


def _date_of(line: str) -> str | None:
    """The first date a line prints, in digits (2023年12月) or in Chinese
    numerals (二零二三年二月二十二日), as ``YYYY-MM`` or ``YYYY-MM-DD``."""
    match = _DATE_RE.search(line)
    if match:
        year, month, day = (int(part) if part else None for part in match.groups())
    else:
        match = _CN_DATE_RE.search(line)
        if not match:
            return None
        year = int("".join(_CN_DIGITS[char] for char in match.group(1)))
        month, day = (cn_number(part) if part else None for part in match.groups()[1:])
    if not month or not 1 <= month <= 12 or (day is not None and not 1 <= day <= 31):
        return None
    return f"{year}-{month:02d}" + (f"-{day:02d}" if day else "")


def own_title(text: str) -> str | None:
    """The document's own title: among its first lines (running headers and
    stamps aside), the first that names the kind of document (意見書, 建議,
    報告, 預算案 …), else the first line of Chinese text; joined to the line
    before it when that line leads into it with a year (``二零二三至二四財政年度``
    then ``政府財政預算案``), and given the year its cover prints on a line of
    its own (``行政長官年施政報告`` over ``2021`` is ``行政長官2021年施政報告``)."""
    lines = [_once(strip_markdown(tidy_line(line)).strip()) for _, line in drop_running(numbered_lines(text))]
    head = [line for line in lines if line][:10]
    candidates = [line for line in head if 4 <= len(line) <= 60 and _HAN_RE.search(line) and not line.endswith("：")]
    named = [line for line in candidates if _TITLE_WORDS_RE.search(line)]
    title = (named or candidates or [None])[0]
    if title is None:
        return None
    before = head[head.index(title) - 1] if head.index(title) else ""
    if len(before) <= 20 and _YEAR_ANY_RE.search(before) and before.endswith(("年度", "年")):
        title = before + title
    cover = [line for line in (tidy_line(line.lstrip("\f")) for _, line in numbered_lines(text)) if line][:10]
    return _with_year(title, cover)


def _once(line: str) -> str:
    """A line a cover prints twice over (``行政長官年施政報告行政長官年施政報告``), once."""
    half, odd = divmod(len(line), 2)
    if line and line[:half] == line[half + odd:] and (not odd or line[half].isspace()):
        return line[:half]
    return line


def _with_year(title: str, head: list[str]) -> str:
    """The title with the year of a cover line that holds only years (the
    first), put before its first 年 when it has none of its own.  ``head``:
    the first lines, page numbers kept (a year alone looks like one)."""
    if _YEAR_ANY_RE.search(title):
        return title
    year = next((line.split()[0] for line in head if _YEARS_LINE_RE.fullmatch(line)), None)
    at = next((k for k, char in enumerate(title) if char == "年" and (k == 0 or not title[k - 1].isdigit())), None)
    return title if year is None or at is None else title[:at] + year + title[at:]


# --- describing it ---------------------------------------------------------------


def _publisher(request: AddRequest, existing: list[Source]) -> Publisher:
    known = {source.publisher.id: source.publisher for source in existing}
    if request.publisher in known:
        return known[request.publisher]
    if id_problem(request.publisher):
        raise AddError(f"publisher {request.publisher!r}: {id_problem(request.publisher)}")
    if not (request.publisher_zh and request.publisher_en):
        raise AddError(f"{request.path}: publisher {request.publisher!r} is new: give its names with --publisher-zh and --publisher-en")
    return Publisher(request.publisher, request.publisher_zh.strip(), request.publisher_en.strip())


def default_title_en(kind: str, cycle: str | None, publisher: Publisher, year: int, published: str | None = None) -> str:
    """``The 2025 Policy Address`` for a government speech (its cycle, else
    its kind and year), else the publisher's name and the kind, with the
    cycle it addresses or the month it is dated: ``HK Taxi Drivers' Union
    submission, June 2026``, ``CMA submission on the 2025-26 Budget``."""
    if kind in loaders.SPEECH_KINDS:
        return f"The {cycle}" if cycle else f"The {year} {kind.replace('-', ' ').title()}"
    what = f"{publisher.name_en} {kind.replace('-', ' ')}"
    if cycle:
        return f"{what} on the {cycle}"
    month = re.match(r"(\d{4})-(\d{2})", published or "")
    return f"{what}, {_MONTHS[int(month.group(2)) - 1]} {month.group(1)}" if month else f"{what}, {year}"


_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]
# English words an id leaves out: a paper's codes and numbers, and the small words.
_ID_STOP_WORDS = {"a", "an", "and", "the", "of", "on", "for", "to", "in", "by", "from", "with"}
MAX_ID_CHARS = 40


def default_id(publisher_id: str, year: int, path: Path) -> str:
    """``<publisher>-<year>-<short slug>`` of at most ``MAX_ID_CHARS``
    characters: the file name's words, lower case, joined by hyphens,
    leaving out the publisher's id, the year, numbers, codes such as cb3
    and small words, cut at a word; ``<publisher>-<year>`` when no word is
    left.  A span of years the name gives (``2023-24``) is kept whole."""
    stem = path.stem.lower()
    span = re.search(rf"{year}[-_–](\d\d)(?!\d)", stem)
    head = f"{publisher_id}-{year}" + (f"-{span.group(1)}" if span else "")
    if span:
        stem = stem[: span.start()] + stem[span.end() :]
    words = [word for word in re.split(r"[^a-z0-9]+", stem)
             if word and word not in (publisher_id, str(year)) and word not in _ID_STOP_WORDS and re.search(r"[a-z]{2}", word)
             and not re.fullmatch(r"[a-z]{1,3}\d+|\d+[a-z]?", word)]
    for word in words:
        if len(head) + 1 + len(word) > MAX_ID_CHARS:
            break
        head += f"-{word}"
    return head[:MAX_ID_CHARS].strip("-")


def free_id(document_id: str, existing: list[Source], sources_dir: Path) -> str:
    """A default id, or with ``-2``, ``-3`` … when a document or a file in
    sources/ has it already (the limit of ``MAX_ID_CHARS`` kept)."""
    taken = {source.document.id for source in existing}
    candidate, number = document_id, 1
    while candidate in taken or (sources_dir / f"{candidate}.txt").exists() or (sources_dir / f"{candidate}.pdf").exists():
        number += 1
        suffix = f"-{number}"
        candidate = document_id[: MAX_ID_CHARS - len(suffix)].rstrip("-") + suffix
    return candidate


def own_english_title(text: str) -> str | None:
    """The English title a document prints among its first lines (running
    headers and stamps aside): the first line of three words or more that
    is mostly Latin letters, no address and no sentence."""
    lines = [strip_markdown(tidy_line(line)).strip() for _, line in drop_running(numbered_lines(text))]
    for line in [line for line in lines if line][:15]:
        letters = sum(char.isascii() and char.isalpha() for char in line)
        if (len(line.split()) >= 3 and letters >= 0.6 * len(line.replace(" ", "")) and 10 <= len(line) <= 150
                and not re.search(r"https?://|www\.|@|\.\s*$", line) and not _HAN_RE.search(line)):
            return line
    return None


def _refuse_id(document_id: str, existing: list[Source], sources_dir: Path, pdf: bool) -> None:
    if id_problem(document_id):
        raise AddError(f"id {document_id!r}: {id_problem(document_id)}; choose another with --id")
    if any(source.document.id == document_id for source in existing):
        raise AddError(f"id {document_id!r} is already in {sources_dir / MANIFEST_NAME}; choose another with --id")
    for name in [f"{document_id}.txt"] + ([f"{document_id}.pdf"] if pdf else []):
        if (sources_dir / name).exists():
            raise AddError(f"{sources_dir / name} already exists; choose another --id")


def _parse(request: AddRequest, texts: Texts, document: Document, existing: list[Source]) -> tuple[Parsed, str, str]:
    """Parse with the loader asked for; else a government speech (kind
    ``policy-address`` or ``budget``) with the speech loader, and any other
    document with the loader the manifest uses for this publisher's
    documents (or the loader named after the publisher), else the generic
    one.  A loader that does not fit is never swapped for another silently:
    kb add refuses, says why, and gives the command that would use another.
    Returns the parse, the text parsed (the one to store: a PDF's text with its lines' look marked for the generic
    loader, see ``Texts``) and how the loader was chosen."""
    path, name = Path(request.path), request.loader
    speech = loaders.SPEECH_LOADER if document.kind in loaders.SPEECH_KINDS else None
    if name is not None:
        if name not in loaders.LOADERS:
            raise AddError(f"--loader {name!r}: no such loader (loaders: {', '.join(sorted(loaders.LOADERS))})")
        if speech and name != speech:
            raise AddError(f"--loader {name}: a {document.kind} is read as numbered paragraphs by the {speech} loader, "
                           f"never as asks; drop --loader, or give the document's --kind if it is no {document.kind}")
        return (*_parse_with(path, texts, document, name), f"{name} (asked for)")
    if speech:
        return (*_parse_with(path, texts, document, speech), f"{speech} (the loader of every {document.kind})")
    usual = next((source.document.loader for source in existing if source.publisher.id == document.publisher_id), None)
    if usual is None and document.publisher_id in loaders.LOADERS:
        usual = document.publisher_id  # a loader named after the publisher, as for a manifest entry without loader:
    if usual and usual != DEFAULT_LOADER and usual in loaders.LOADERS:
        try:
            return (*_parse_with(path, texts, document, usual), f"{usual} (the loader of {document.publisher_id}'s documents)")
        except AddError as error:
            raise AddError(f"{error}\n{usual} is the loader of {document.publisher_id}'s documents and it does not fit "
                           f"this one. To read it as a document of another layout:\n  {command_line(request, DEFAULT_LOADER)}") from error
    return (*_parse_with(path, texts, document, DEFAULT_LOADER), DEFAULT_LOADER)


def command_line(request: AddRequest, loader: str) -> str:
    """The kb add command of ``request`` with ``--loader loader``."""
    words = ["kb", "add", str(request.path), "--publisher", request.publisher]
    for option, name in {"--publisher-zh": "publisher_zh", "--publisher-en": "publisher_en", "--id": "id",
                         "--title-zh": "title_zh", "--title-en": "title_en", "--kind": "kind", "--cycle": "cycle",
                         "--published": "published", "--year": "year", "--url": "url"}.items():
        value = getattr(request, name)
        if value is not None and not (name == "kind" and value == "submission"):
            words += [option, str(value)]
    words += ["--loader", loader] + (["--ocr"] if request.ocr else [])
    if Path(request.sources_dir) != Path("sources"):
        words += ["--sources", str(request.sources_dir)]
    return shlex.join(words)


def _parse_with(path: Path, texts: Texts, document: Document, name: str) -> tuple[Parsed, str]:
    document.loader = name
    text = texts.for_loader(name)
    try:
        parsed = loaders.LOADERS[name](text, document)
    except ParseError as error:
        raise AddError(f"{path}: the {name} loader cannot read it: {error}") from error
    if parsed.row_count() == 0:
        raise AddError(f"{path}: the {name} loader finds no asks in it")
    parsed.document.loader = name
    return parsed, text


def _page_warnings(parsed: Parsed, pdf: bool) -> list[str]:
    if not pdf:
        return []
    missing = [row.id for row in parsed.recommendations if row.page is None]
    return [f"{len(missing)} rows have no page: {', '.join(missing[:5])}"] if missing else []


def manifest_entry(document: Document, publisher: Publisher, expect: dict[str, int]) -> str:
    """The document's manifest entry as YAML text, keys in the manifest's order."""
    entry = {"id": document.id, "file": document.source_file, "expect": expect, "loader": document.loader}
    if document.original_file:
        entry["original"] = {"file": document.original_file, "sha256": document.original_sha256}
    entry["sha256"] = document.sha256
    if document.url:
        entry["url"] = document.url
    if document.ocr:
        entry["ocr"] = True
    entry["publisher"] = {"id": publisher.id, "zh": publisher.name_zh, "en": publisher.name_en}
    entry["title"] = {"zh": document.title_zh, "en": document.title_en}
    entry["kind"] = document.kind
    if document.cycle:
        entry["cycle"] = document.cycle
    entry["published"] = document.published
    entry["language"] = document.language
    text = yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, width=1000, default_flow_style=False)
    return re.sub(r"^  expect:\n((?:    .*\n)+)", lambda match: f"  expect: {_flow(expect)}\n", text, flags=re.M)


def _flow(expect: dict[str, int]) -> str:
    return "{" + ", ".join(f"{kind}: {count}" for kind, count in expect.items()) + "}"


def _check_entry(manifest_path: Path, entry: str, document_id: str) -> None:
    """The manifest with the entry appended must still read as a list whose
    last item is this document."""
    combined = _appended(manifest_path.read_text(encoding="utf-8"), entry)
    try:
        loaded = load_manifest_text(combined, str(manifest_path))
    except YamlFileError as error:
        raise AddError(f"{error}: the entry for {document_id} would not read back; nothing was written") from None
    if not isinstance(loaded, list) or loaded[-1].get("id") != document_id:
        raise AddError(f"{manifest_path}: the entry for {document_id} would not read back; nothing was written")


def _appended(manifest: str, entry: str) -> str:
    return manifest + ("" if manifest.endswith("\n") else "\n") + "\n" + entry


# --- writing -----------------------------------------------------------------------


def _write(sources_dir: Path, document: Document, text: str, path: Path, data: bytes, pdf: bool, manifest_path: Path,
           entry: str) -> list[Path]:
    """Holding the sources folder's write lock (kb.build.writing), check again
    what another kb add may have changed since (the id, the file ``path``
    whose bytes are ``data``), then write the text and the PDF, and append
    the entry to the manifest last; if any step fails, remove the files
    written, so that nothing is half-added."""
    written: list[Path] = []
    try:
        with sources_lock(sources_dir):
            try:
                existing = read_manifest(sources_dir)
            except ManifestError as error:
                raise AddError(f"{error} (fix the manifest before adding to it)") from error
            _refuse_id(document.id, existing, sources_dir, pdf)
            _refuse_known_file(path, data, existing)
            _check_entry(manifest_path, entry, document.id)
            manifest = manifest_path.read_text(encoding="utf-8")
            try:
                written.append(write_file(sources_dir / document.source_file, text.encode("utf-8"), new=True))
                if pdf:
                    written.append(write_file(sources_dir / document.original_file, data, new=True))
                write_file(manifest_path, _appended(manifest, entry).encode("utf-8"))
            except BaseException:
                if manifest_path.read_text(encoding="utf-8") == manifest:  # else interrupted once the entry was in
                    for file in written:
                        file.unlink(missing_ok=True)
                raise
    except OSError as error:
        raise AddError(f"{sources_dir}: cannot write to it: {error.strerror or error}") from error
    return written + [manifest_path]
