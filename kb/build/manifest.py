"""Read sources/manifest.yml: which documents there are, and who published them."""

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from kb.records import Document, Publisher

MANIFEST_NAME = "manifest.yml"
_REQUIRED = ("id", "file", "publisher", "title", "kind", "published", "language")
_CYCLE_YEAR_RE = re.compile(r"(19|20)\d\d")


class ManifestError(ValueError):
    """sources/manifest.yml is missing, malformed, or names a missing file."""


@dataclass
class Source:
    """A manifest entry: the document's record, its publisher and its file.

    The document's ``loader`` is the entry's ``loader:``, else its
    publisher's id (kb build checks that it names a loader).
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
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise ManifestError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(entries, list) or not entries:
        raise ManifestError(f"{path}: expected a list of documents")
    sources = [_read_entry(path, index, entry) for index, entry in enumerate(entries, start=1)]
    _check_unique(path, [source.document.id for source in sources])
    return sources


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


def _read_entry(path: Path, index: int, entry) -> Source:
    where = f"{path}: document {index}"
    if not isinstance(entry, dict):
        raise ManifestError(f"{where}: expected a mapping")
    missing = [key for key in _REQUIRED if not entry.get(key)]
    if missing:
        raise ManifestError(f"{where} ({entry.get('id', '?')}): missing {', '.join(missing)}")
    file_path = _source_path(f"{where} ({entry['id']})", path.parent, str(entry["file"]))
    publisher = _read_publisher(where, entry["publisher"])
    published = str(entry["published"])
    if not _CYCLE_YEAR_RE.search(published):
        raise ManifestError(f"{where} ({entry['id']}): published {published!r} has no year")
    cycle = entry.get("cycle")
    document = Document(
        id=str(entry["id"]),
        publisher_id=publisher.id,
        title_zh=_text(where, entry["title"], "zh"),
        title_en=_text(where, entry["title"], "en"),
        kind=str(entry["kind"]),
        cycle=str(cycle) if cycle else None,
        published=published,
        year=document_year(published, cycle),
        language=str(entry["language"]),
        source_file=str(entry["file"]),
        sha256="",  # the file's, filled in by whoever reads it (kb.build.pipeline.read_sources): the manifest reads no file
        loader=str(entry.get("loader") or publisher.id),
        url=str(entry["url"]) if entry.get("url") else None,
        ocr=bool(entry.get("ocr")),
    )
    original = _read_original(f"{where} ({entry['id']})", path.parent, entry.get("original"), document)
    return Source(document=document, publisher=publisher, path=file_path, expect=_read_expect(where, entry.get("expect")),
                  original=original)


def _read_original(where: str, sources_dir: Path, original, document: Document) -> Path | None:
    """``original: {file: <id>.pdf, sha256: …}``, the PDF the text was
    extracted from, kept beside it: its file name onto the document, and its
    path (its checksum is filled in by whoever reads it, as the text's)."""
    if original is None:
        return None
    if not isinstance(original, dict) or not original.get("file"):
        raise ManifestError(f"{where}: original must be a mapping with a file, e.g. {{file: {document.id}.pdf, sha256: …}}")
    path = _source_path(where, sources_dir, str(original["file"]))
    document.original_file = str(original["file"])
    return path


def _source_path(where: str, sources_dir: Path, name: str) -> Path:
    """The file an entry names, which must lie inside the sources folder:
    no absolute path, no ``..``, no symbolic link leading out of it."""
    relative = Path(name)
    if relative.is_absolute() or ".." in relative.parts:
        raise ManifestError(f"{where}: file {name!r} must be a path inside {sources_dir}")
    file_path = sources_dir / relative
    if not file_path.is_file():
        raise ManifestError(f"{where}: file {file_path} not found")
    if not file_path.resolve().is_relative_to(sources_dir.resolve()):
        raise ManifestError(f"{where}: file {name!r} leads out of {sources_dir} (to {file_path.resolve()})")
    return file_path


def _read_expect(where: str, expect) -> dict[str, int] | None:
    """``expect:`` as ``{kind: count}``: kinds are text, counts whole numbers ≥ 0."""
    if expect is None:
        return None
    if not isinstance(expect, dict) or not expect:
        raise ManifestError(f"{where}: expect must map kinds to counts, e.g. {{recommendation: 19, sub-item: 10}}")
    for kind, count in expect.items():
        if not isinstance(kind, str) or isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ManifestError(f"{where}: expect {kind!r}: {count!r} is not a kind with a count of 0 or more")
    return dict(expect)


def _read_publisher(where: str, publisher) -> Publisher:
    if not isinstance(publisher, dict) or not publisher.get("id"):
        raise ManifestError(f"{where}: publisher needs an id, zh and en")
    return Publisher(
        id=str(publisher["id"]),
        name_zh=_text(where, publisher, "zh"),
        name_en=_text(where, publisher, "en"),
    )


def _text(where: str, mapping, key: str) -> str:
    if not isinstance(mapping, dict) or not mapping.get(key):
        raise ManifestError(f"{where}: missing {key!r} text")
    return str(mapping[key]).strip()


def _check_unique(path: Path, ids: list[str]) -> None:
    repeated = sorted({document_id for document_id in ids if ids.count(document_id) > 1})
    if repeated:
        raise ManifestError(f"{path}: document ids repeated: {', '.join(repeated)}")
