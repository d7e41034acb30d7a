"""Encoding: a source file's bytes as text, and what they most likely are
when they are not UTF-8 (which kb build and kb add name in their errors)."""

import codecs
import re

# Encodings Chinese text arrives in, tried in this order when it is not
# UTF-8, with the name people know them by.
_LIKELY_ENCODINGS = {"BIG5-HKSCS": "Big5-HKSCS", "GB18030": "GB18030"}
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
SAMPLE_BYTES = 65536


def decode(data: bytes) -> str:
    """A source file's text: UTF-8, a byte-order mark at its start (as some
    Windows editors write) dropped.  Raises UnicodeDecodeError, its offsets
    counted in ``data``."""
    return data.decode("utf-8").removeprefix("\ufeff")


def line_of(data: bytes, offset: int) -> int:
    """The number of the line byte ``offset`` is on, from 1."""
    return data.count(b"\n", 0, offset) + 1


def utf16(data: bytes) -> str | None:
    """``UTF-16`` or ``UTF-16BE`` when data looks like UTF-16, judged by its
    first 64 KB: a byte-order mark, or a null byte in more than every fourth
    place of one kind (odd for little-endian, even for big-endian) and in
    few of the others, as text of mostly Latin letters has; else ``None``
    (a binary file has null bytes in both kinds of place)."""
    sample = data[:SAMPLE_BYTES]
    if sample[:2] in _UTF16_BOMS:
        return "UTF-16"
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    if odd > len(sample) // 4 and even * 10 <= odd:
        return "UTF-16"
    if even > len(sample) // 4 and odd * 10 <= even:
        return "UTF-16BE"
    return None


def likely_encoding(data: bytes) -> str | None:
    """The encoding text that is not UTF-8 most likely is in, judged by its
    first 64 KB: UTF-16 (see ``utf16``), else the first of Big5-HKSCS and
    GB18030 that decodes it, else ``None``.  Named as iconv -f takes it."""
    sample = data[:SAMPLE_BYTES]
    found = utf16(sample)
    if found:
        return found
    for encoding in _LIKELY_ENCODINGS:
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=len(sample) == len(data))
        except UnicodeDecodeError:
            continue
        return encoding
    return None


def common_name(encoding: str) -> str:
    """An encoding as people call it: ``Big5-HKSCS`` for BIG5-HKSCS."""
    return _LIKELY_ENCODINGS.get(encoding, encoding)


def not_utf8(data: bytes, error: UnicodeDecodeError) -> str:
    """What is wrong with data that ``decode`` refused, and where in its
    line: ``not UTF-8 text (invalid start byte at byte 1 of the line); it
    looks like BIG5-HKSCS: convert it, e.g. iconv -f BIG5-HKSCS -t UTF-8``."""
    line_start = data.rfind(b"\n", 0, error.start) + 1
    message = f"not UTF-8 text ({error.reason} at byte {error.start - line_start + 1} of the line)"
    guess = likely_encoding(data[line_start:])
    if guess:
        message += f"; it looks like {guess}: convert it, e.g. iconv -f {guess} -t UTF-8"
    return message


# Files people mistake for text, by their first bytes, and what to call them.
_MAGIC = [
    (b"PK\x03\x04", "a ZIP archive"),  # refined below: .docx, .xlsx, .pptx, .odt, .epub are ZIP archives
    (b"PK\x05\x06", "a ZIP archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office file (.doc, .xls or .ppt)"),
    (b"{\\rtf", "an RTF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x7fELF", "a program (ELF)"),
    (b"MZ", "a Windows program"),
]
_ZIP_KINDS = [
    (b"word/", "a Word document (.docx)"),
    (b"xl/", "an Excel workbook (.xlsx)"),
    (b"ppt/", "a PowerPoint file (.pptx)"),
    (b"application/vnd.oasis.opendocument", "an OpenDocument file (.odt, .ods or .odp)"),
    (b"application/epub+zip", "an EPUB e-book"),
]
_MARKUP = [
    (b"<!doctype html", "an HTML page"),
    (b"<html", "an HTML page"),
    (b"<?xml", "an XML file"),
    (b"<svg", "an SVG image"),
]
# A file that opens with one of these tags is HTML, if only a fragment of a page.
_HTML_START_RE = re.compile(
    rb"<(?:head|body|meta|link|title|div|section|article|header|nav|main|script|style|table|ul|ol|p|h[1-6]|span|a|br)[\s>/]")


def file_kind(data: bytes) -> str | None:
    """What a file that is neither PDF nor plain text is, judged by its
    first bytes (``a Word document (.docx)``, ``an HTML page``), else None.
    HTML is text, but read as such it puts its tags into titles and rows;
    Markdown passes (an inline tag or two among lines of text does not make
    a page)."""
    head = data[:SAMPLE_BYTES]
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            if kind == "a ZIP archive":
                return next((zip_kind for marker, zip_kind in _ZIP_KINDS if marker in head), kind)
            return kind
    start = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    for opening, kind in _MARKUP:
        if start.startswith(opening):
            return kind
    if _HTML_START_RE.match(start):
        return "an HTML page"
    return None
