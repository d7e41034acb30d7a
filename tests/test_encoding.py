"""kb.text.encoding: a source file's bytes as text, and other encodings named."""

import pytest

from kb.text.encoding import decode, likely_encoding, not_utf8, utf16

ZIP_START = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xdf\xa4\xd2lZ\x01\x00\x00 \x05\x00\x00"


def test_likely_encoding():
    text = "香港中華廠商聯合會對2024-25年財政預算案的建議\n"
    assert likely_encoding(text.encode("big5")) == "BIG5-HKSCS"
    assert likely_encoding(text.encode("utf-16")) == "UTF-16"
    assert likely_encoding("Hong Kong\n".encode("utf-16-be")) == "UTF-16BE"
    assert likely_encoding(b"\x80\xff\xfe\x81") is None


def test_utf16_needs_null_bytes_in_one_kind_of_place():
    assert utf16("Hong Kong\n".encode("utf-16-le")) == "UTF-16"
    assert utf16(ZIP_START) is None  # null bytes in odd and even places: a binary file


def test_decode_drops_a_byte_order_mark_and_counts_offsets_in_the_bytes():
    assert decode(b"\xef\xbb\xbf\xe9\xa6\x99\xe6\xb8\xaf\n") == "香港\n"
    with pytest.raises(UnicodeDecodeError) as caught:
        decode(b"\xef\xbb\xbfab\ncd\xffef\n")
    assert caught.value.start == 8
    assert not_utf8(b"\xef\xbb\xbfab\ncd\xffef\n", caught.value) == "not UTF-8 text (invalid start byte at byte 3 of the line)"
