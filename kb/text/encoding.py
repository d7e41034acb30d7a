"""Encoding: a source file's bytes as text, and what they most likely are
when they are not UTF-8 (which kb build and kb add name in their errors)."""

import codecs

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
