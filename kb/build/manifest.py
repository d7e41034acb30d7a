"""Read sources/manifest.yml: which documents there are, and who published them.

This module is the one home of the manifest's rules, which kb build applies
to every entry and kb add to its options before it writes anything
(``id_problem``, ``published_problem``, ``text_problem``, ``url_problem``):

* the file is read as ``kb.text.yamlfile.read_yaml`` reads (``load_manifest_text``): no anchors or
  aliases, no key given twice, at most 2 MB;
* an entry is a mapping of the keys in ``KEYS``; ``id``, ``file``,
  ``publisher`` (``id``, ``zh``, ``en``), ``title`` (``zh``, ``en``),
  ``kind``, ``published`` and ``language`` are required;
* ids (the document's and the publisher's) are lower-case letters, digits
  and hyphens, at most 80, with at least one letter: an id is part of every
  page's address, and a YAML, CSV or spreadsheet reader takes ``0123`` for
  a number;
* ``published`` is a date that exists: ``2026``, ``2026-06`` or
  ``2026-06-30``;
* ``ocr`` is true or false, ``expect`` maps kinds to whole numbers, ``url``
  an http:// or https:// address with a host;
* text holds no NUL, no other control character but tab and newline, and
  no lone surrogate.

Every refusal names the file and the line: ``manifest.yml:52: document 3
(cma-2024-budget): published '2023-13': there is no month 13``.
"""

import datetime
import re
from collections import Counter
from functools import lru_cache
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

from kb.records import Document, Publisher
from loaders import SPEECH_KINDS, SPEECH_LOADER
from kb.text.urls import url_problem
from kb.text.yamlfile import YamlFileError, line_of, load_yaml_list_text, read_yaml_text

__all__ = ["MANIFEST_NAME", "KEYS", "ManifestError", "Source", "read_manifest", "load_manifest_text", "source_for", "document_year",
           "id_problem", "published_problem", "text_problem", "url_problem"]

MANIFEST_NAME = "manifest.yml"
# Beside the manifest: its entries' data as last read, so that the next run
# need not read thousands of entries' YAML again (kb.text.yamlfile).
KEPT_NAME = ".kb-manifest.kept.json"
_REQUIRED = ("id", "file", "publisher", "title", "kind", "published", "language")
KEYS = frozenset(_REQUIRED) | {"sha256", "expect", "loader", "cycle", "notes", "original", "url", "ocr"}
_CYCLE_YEAR_RE = re.compile(r"(19|20)\d\d")
MAX_ID_LENGTH = 80
_ID_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
_PUBLISHED_RE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_SHA256_RE = re.compile(r"[0-9a-f]{64}")
_ALLOWED_CONTROLS = "\t\n\r"
# Control characters (Unicode's category Cc) but those allowed, and surrogates (Cs):
# text without any needs no look at each character.
_ODD_CHARACTER_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


class ManifestError(ValueError):
    """sources/manifest.yml is missing, malformed, or names a missing file."""


@dataclass
class Source:
    """A manifest entry: the document's record, its publisher and its file.

    The document's ``loader`` is the entry's ``loader:``, else the speech
    loader for a government speech's kind, else its publisher's id (kb build
    checks that it names a loader).
    ``expect`` is what the document holds, counted by kind of row
    (``{"recommendation": 19, "sub-item": 10}``), checked at every build;
    ``None`` when the entry has no ``expect:``."""

    document: Document
    publisher: Publisher
    path: Path
    expect: dict[str, int] | None = None
    original: Path | None = None  # the PDF the text was extracted from, kept beside it


def read_manifest(sources_dir: str | Path) -> list[Source]:
    """Every document listed in ``<sources_dir>/manifest.yml``, in its order."""
    path = Path(sources_dir) / MANIFEST_NAME
    if not path.is_file():
        raise ManifestError(f"{path}: no manifest found")
    try:
        entries = load_manifest_text(read_yaml_text(path), str(path), path.with_name(KEPT_NAME))
    except YamlFileError as error:
        raise ManifestError(str(error)) from None
    if not isinstance(entries, list) or not entries:
        raise ManifestError(f"{path}:{line_of(entries, default=1)}: expected a list of documents")
    root = path.parent.resolve()
    sources = [_source(path, entries, index, root) for index in range(len(entries))]
    _check_unique(path, entries, [source.document.id for source in sources])
    return sources


# Entries checked already, by the identity of the data read for them: a
# manifest read again with the same entry on the same line (kb add reads it
# before and while it writes, then its build) gives the same data
# (``load_yaml_list_text`` keeps each item's), whose checks need not run
# again but for its files, which may have gone since.
_CHECKED: dict[int, tuple[object, Path, Source]] = {}
_CHECKED_MOST = 50_000


def _source(path: Path, entries: list, index: int, root: Path) -> Source:
    """The ``index``-th entry's source, checked (``_Entry.source``), or
    a copy of the one made when its data was read before."""
    entry = entries[index]
    kept = _CHECKED.get(id(entry))
    if kept is not None and kept[0] is entry and kept[1] == path and _files_there(kept[2]):
        return _copy(kept[2])
    source = _Entry(path, entries, index, root).source()
    if len(_CHECKED) >= _CHECKED_MOST:
        _CHECKED.clear()
    _CHECKED[id(entry)] = (entry, path, source)
    return _copy(source)


def _files_there(source: Source) -> bool:
    return source.path.is_file() and (source.original is None or source.original.is_file())


def _copy(source: Source) -> Source:
    """A source whose document and counts whoever reads it may change (the
    build fills in the document's checksum)."""
    return replace(source, document=replace(source.document), publisher=replace(source.publisher),
                   expect=dict(source.expect) if source.expect is not None else None)


@lru_cache(maxsize=2)
def load_manifest_text(text: str, name: str, kept: Path | None = None):
    """A manifest's data (``kb.text.yamlfile.load_yaml_list_text``), read once
    for the same text: kb add reads the manifest before and while it
    writes, and the build after; ``kept``, the file keeping a long
    manifest's entries between runs.  Shared by every caller: read it,
    never change it."""
    return load_yaml_list_text(text, name, kept)


def source_for(sources_dir: str | Path, document_id: str) -> Source:
    """The manifest entry of one document."""
    for source in read_manifest(sources_dir):
        if source.document.id == document_id:
            return source
    raise ManifestError(f"{Path(sources_dir) / MANIFEST_NAME}: no document {document_id!r}")


def document_year(published: str, cycle: str | None) -> int:
    """The policy year a document addresses: its cycle's first year, else
    the year it was published."""
    match = _CYCLE_YEAR_RE.search(cycle or "") or _CYCLE_YEAR_RE.search(published)
    return int(match.group(0))


# --- the rules, shared with kb add ------------------------------------------------


def text_problem(value, required: bool = True) -> str | None:
    """Why ``value`` is not text a manifest may hold, or None: it must be a
    string (not empty when ``required``) without NUL, other control
    characters than tab and newline, or lone surrogates."""
    if not isinstance(value, str):
        return f"must be text, not {_type_name(value)}"
    if required and not value.strip():
        return "is empty"
    if not _ODD_CHARACTER_RE.search(value):
        return None
    for character in value:
        if character == "\x00":
            return "holds a NUL character"
        category = unicodedata.category(character)
        if category == "Cs":
            return f"holds a lone surrogate (U+{ord(character):04X}), which is not text"
        if category == "Cc" and character not in _ALLOWED_CONTROLS:
            return f"holds a control character (U+{ord(character):04X})"
    return None


def id_problem(value) -> str | None:
    """Why ``value`` is not a document or publisher id, or None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "is a number: an id is text with at least one letter"
    problem = text_problem(value)
    if problem:
        return problem
    if len(value) > MAX_ID_LENGTH:
        return f"is {len(value)} characters long; the most is {MAX_ID_LENGTH}"
    if not _ID_RE.fullmatch(value):
        return "use lower-case letters, digits and hyphens, starting and ending with a letter or digit"
    if value.isdigit():
        return "is only digits: an id needs a letter (YAML and spreadsheets read 0123 as a number)"
    return None


def published_problem(value) -> str | None:
    """Why ``value`` is not a publication date (``2026``, ``2026-06`` or
    ``2026-06-30``, a date that exists), or None."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    problem = text_problem(value)
    if problem:
        return problem
    match = _PUBLISHED_RE.fullmatch(value.strip())
    if not match:
        return "is not a date: write 2026, 2026-06 or 2026-06-30"
    year, month, day = (int(part) if part else None for part in match.groups())
    if not 1900 <= year <= 2099:
        return f"year {year} is out of range (1900-2099)"
    if month is not None and not 1 <= month <= 12:
        return f"there is no month {month}"
    if day is not None:
        try:
            datetime.date(year, month, day)
        except ValueError:
            return f"there is no day {day} in {year}-{month:02d}"
    return None


# --- reading an entry -------------------------------------------------------------


class _Entry:
    """One manifest entry being read: every refusal names the file, the
    line of the value at fault, the entry's number and its id."""

    def __init__(self, path: Path, entries: list, index: int, root: Path):
        self.path, self.entry, self.number, self.root = path, entries[index], index + 1, root  # root: the sources folder, resolved
        self.line = line_of(entries, index, default=1)
        document_id = self.entry.get("id") if isinstance(self.entry, dict) else None
        self.label = f"document {self.number}" + (f" ({document_id})" if isinstance(document_id, str) and id_problem(document_id) is None else "")

    def error(self, problem: str, key=None, within=None) -> ManifestError:
        line = line_of(within, key) if within is not None else 0
        if not line:
            line = line_of(self.entry, key, default=self.line) if isinstance(self.entry, dict) else self.line
        return ManifestError(f"{self.path}:{line}: {self.label}: {problem}")

    def check(self, problem: str | None, name: str, value, key=None, within=None) -> None:
        if problem:
            raise self.error(f"{name} {_shown(value)}: {problem}", key, within)

    def text(self, key: str, within=None, name: str | None = None, required: bool = True) -> str | None:
        mapping = self.entry if within is None else within
        value = mapping.get(key)
        if value is None and not required:
            return None
        if value is None or value == "":
            raise self.error(f"missing {name or key!r}" + ("" if name else " text"), key, within)
        self.check(text_problem(value), name or key, value, key, within)
        return value.strip()

    def source(self) -> Source:
        entry = self.entry
        if not isinstance(entry, dict):
            raise self.error("expected a mapping of keys (id, file, publisher, title …)")
        unknown = sorted(str(key) for key in entry if key not in KEYS)
        if unknown:
            raise self.error(f"unknown key {unknown[0]!r} (an entry holds {', '.join(sorted(KEYS))})", unknown[0] if unknown[0] in entry else None)
        missing = [key for key in _REQUIRED if entry.get(key) in (None, "", [], {})]
        if missing:
            raise self.error(f"missing {', '.join(missing)}")
        self.check(id_problem(entry["id"]), "id", entry["id"], "id")
        document_id = entry["id"]
        file_name = self.text("file")
        file_path = self._source_path(file_name, "file")
        publisher = self._publisher(entry["publisher"])
        title = entry["title"]
        if not isinstance(title, dict):
            raise self.error("title must be a mapping with zh and en, e.g. {zh: 標題, en: Title}", "title")
        self._known_keys(title, {"zh", "en"}, "title")
        published = entry["published"]
        self.check(published_problem(published), "published", published, "published")
        published = str(published).strip()
        cycle = entry.get("cycle")
        if isinstance(cycle, int) and not isinstance(cycle, bool):
            cycle = str(cycle)  # cycle: 2024, a year
        if cycle is not None:
            self.check(text_problem(cycle, required=False), "cycle", cycle, "cycle")
            cycle = cycle.strip() or None
        url = entry.get("url")
        if url is not None:
            self.check(url_problem(url), "url", url, "url")
        ocr = entry.get("ocr", False)
        if not isinstance(ocr, bool):
            raise self.error(f"ocr {_shown(ocr)}: must be true or false", "ocr")
        loader = self.text("loader", required=False)
        if loader is not None:
            self.check(id_problem(loader.replace("_", "-")), "loader", loader, "loader")
        kind = self.text("kind")
        if kind in SPEECH_KINDS and loader not in (None, SPEECH_LOADER):
            raise self.error(f"loader {_shown(loader)}: a {kind} is read as numbered paragraphs by the {SPEECH_LOADER} "
                             "loader, never as asks", "loader")
        self.text("notes", required=False)
        sha = entry.get("sha256")
        if sha is not None and not (isinstance(sha, str) and _SHA256_RE.fullmatch(sha)):
            raise self.error(f"sha256 {_shown(sha)}: must be 64 hexadecimal digits", "sha256")
        document = Document(
            id=document_id,
            publisher_id=publisher.id,
            title_zh=self.text("zh", title, "title zh"),
            title_en=self.text("en", title, "title en"),
            kind=kind,
            cycle=cycle,
            published=published,
            year=document_year(published, cycle),
            language=self.text("language"),
            source_file=file_name,
            sha256="",  # the file's, filled in by whoever reads it (kb.build.pipeline.read_sources): the manifest reads no file
            loader=loader or (SPEECH_LOADER if kind in SPEECH_KINDS else publisher.id),
            url=url or None,
            ocr=ocr,
        )
        original = self._original(entry.get("original"), document)
        return Source(document=document, publisher=publisher, path=file_path, expect=self._expect(entry.get("expect")),
                      original=original)

    def _known_keys(self, mapping: dict, keys: set[str], name: str) -> None:
        unknown = sorted(str(key) for key in mapping if key not in keys)
        if unknown:
            raise self.error(f"{name}: unknown key {unknown[0]!r} (it holds {', '.join(sorted(keys))})", name)

    def _publisher(self, publisher) -> Publisher:
        if not isinstance(publisher, dict) or not publisher.get("id"):
            raise self.error("publisher needs an id, zh and en", "publisher")
        self._known_keys(publisher, {"id", "zh", "en"}, "publisher")
        self.check(id_problem(publisher["id"]), "publisher id", publisher["id"], "id", publisher)
        return Publisher(
            id=publisher["id"],
            name_zh=self.text("zh", publisher, "publisher zh"),
            name_en=self.text("en", publisher, "publisher en"),
        )

    def _original(self, original, document: Document) -> Path | None:
        """``original: {file: <id>.pdf, sha256: …}``, the PDF the text was
        extracted from, kept beside it: its file name onto the document, and its
        path (its checksum is filled in by whoever reads it, as the text's)."""
        if original is None:
            return None
        if not isinstance(original, dict) or not original.get("file"):
            raise self.error(f"original must be a mapping with a file, e.g. {{file: {document.id}.pdf, sha256: …}}", "original")
        self._known_keys(original, {"file", "sha256"}, "original")
        name = self.text("file", original, "original file")
        sha = original.get("sha256")
        if sha is not None and not (isinstance(sha, str) and _SHA256_RE.fullmatch(sha)):
            raise self.error(f"original sha256 {_shown(sha)}: must be 64 hexadecimal digits", "sha256", original)
        path = self._source_path(name, "file", original)
        document.original_file = name
        return path

    def _source_path(self, name: str, key: str, within=None) -> Path:
        """The file an entry names, which must lie inside the sources folder:
        no absolute path, no ``..``, no symbolic link leading out of it."""
        sources_dir = self.path.parent
        relative = Path(name)
        if relative.is_absolute() or ".." in relative.parts:
            raise self.error(f"file {name!r} must be a path inside {sources_dir}", key, within)
        file_path = sources_dir / relative
        if not file_path.is_file():
            raise self.error(f"file {file_path} not found", key, within)
        # A file right in the folder that is no symbolic link lies in it: only
        # others are resolved (a system call for each part of the path).
        if (len(relative.parts) > 1 or file_path.is_symlink()) and not file_path.resolve().is_relative_to(self.root):
            raise self.error(f"file {name!r} leads out of {sources_dir} (to {file_path.resolve()})", key, within)
        return file_path

    def _expect(self, expect) -> dict[str, int] | None:
        """``expect:`` as ``{kind: count}``: kinds are text, counts whole numbers ≥ 0."""
        if expect is None:
            return None
        if not isinstance(expect, dict) or not expect:
            raise self.error("expect must map kinds to counts, e.g. {recommendation: 19, sub-item: 10}", "expect")
        for kind, count in expect.items():
            if text_problem(kind) or isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise self.error(f"expect {kind!r}: {count!r} is not a kind with a count of 0 or more", kind, expect)
        return dict(expect)


def _shown(value) -> str:
    """A value as an error shows it: its repr, cut short."""
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "…"


def _type_name(value) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _check_unique(path: Path, entries: list, ids: list[str]) -> None:
    counted = Counter(ids)
    repeated = sorted(document_id for document_id, count in counted.items() if count > 1)
    if repeated:
        line = line_of(entries, ids.index(repeated[0], ids.index(repeated[0]) + 1), default=1)
        raise ManifestError(f"{path}:{line}: document ids repeated: {', '.join(repeated)}")
