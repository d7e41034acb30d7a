"""Property-based tests: whatever text they are given, the loaders give rows
or a ParseError, the cleanup gives text, and search gives results; never
another exception.  Inputs mix arbitrary Unicode with real lines of the
documents (headings, sub-items, letterheads), so that the parsers get past
their first checks."""

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.build import loader_for
from kb.build.manifest import read_manifest
from kb.records import ParseError, Parsed
from kb.read.search import match_expression, search
from kb.text import cleanup, sentences
from kb.text.lines import numbered_lines, tidy_line
from tests.conftest import SOURCES, source_for

DOCUMENTS = [source.document.id for source in read_manifest(SOURCES)]  # every loader in use
PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SHAPES = ["1. 標題", "(1) 項目。", "（2）項目", "一是", "建議一", "\f", "", "  ", "13", "- 4 -", "|\t|", "**粗體**", "# 標題", "。", "2023年12月"]


def _text_like(document_id: str):
    """Text made of the document's own lines, shapes loaders look for, and arbitrary text."""
    real = [line for line in _lines(document_id) if line.strip()]
    line = st.one_of(st.sampled_from(real), st.sampled_from(SHAPES), st.text(max_size=30))
    return st.lists(line, max_size=80).map("\n".join)


def _edited_document(document_id: str):
    """The real document with a stretch of lines removed, repeated or replaced."""
    lines = _lines(document_id)
    return st.tuples(
        st.integers(0, len(lines)), st.integers(0, 60), st.sampled_from(["drop", "repeat", "noise"]), st.text(max_size=40)
    ).map(lambda edit: _edit(lines, *edit))


def _lines(document_id: str) -> list[str]:
    return source_for(SOURCES, document_id).path.read_text(encoding="utf-8").split("\n")


def _edit(lines, start, length, how, noise):
    stretch = lines[start : start + length]
    middle = {"drop": [], "repeat": stretch * 2, "noise": [noise] * len(stretch)}[how]
    return "\n".join(lines[:start] + middle + lines[start + length :])


def _parse_or_parse_error(document_id: str, text: str) -> None:
    source = source_for(SOURCES, document_id)
    try:
        parsed = loader_for(source)(text, source.document)  # as the build finds it
    except ParseError:
        return
    assert isinstance(parsed, Parsed)
    for row in parsed.recommendations:
        assert row.id.startswith(f"{document_id}/") and row.title is not None
    for paragraph in parsed.paragraphs:
        assert paragraph.id.startswith(f"{document_id}/") and paragraph.text is not None


@pytest.mark.parametrize("document_id", DOCUMENTS)
def test_loaders_give_rows_or_a_parse_error_on_any_text(document_id):
    @PROPERTY_SETTINGS
    @given(text=st.one_of(st.text(max_size=300), _text_like(document_id)))
    def check(text):
        _parse_or_parse_error(document_id, text)

    check()


@pytest.mark.parametrize("document_id", DOCUMENTS)
def test_loaders_give_rows_or_a_parse_error_on_an_edited_document(document_id):
    @PROPERTY_SETTINGS
    @given(text=_edited_document(document_id))
    def check(text):
        _parse_or_parse_error(document_id, text)

    check()


@PROPERTY_SETTINGS
@given(text=st.text(max_size=500))
def test_cleanup_gives_text_for_any_text(text):
    lines = numbered_lines(text)
    assert [number for number, _ in lines] == list(range(1, len(lines) + 1))
    for paragraph in cleanup.paragraph_spans(lines):
        assert 1 <= paragraph.line_start <= paragraph.line_end <= len(lines)
    for _, line in lines:
        assert isinstance(tidy_line(line), str)
        assert isinstance(cleanup.clean_markdown_line(line), str)
        assert isinstance(sentences.first_sentence(line), tuple)
    assert isinstance(cleanup.join_paragraphs(lines, english=True), str)
    cleanup.drop_block(lines, text.split("\n")[:3])
    cleanup.trim_blank(lines)


@pytest.fixture(scope="module")
def connection(built_db):
    conn = sqlite3.connect(built_db, check_same_thread=False)
    yield conn
    conn.close()


QUERY_PIECES = ["中小企", "離岸", "Northern Metropolis", "BUD", '"', "*", "^", "(", ")", "NEAR", "AND", "OR", "NOT", "-", ":", "\x00", "🏭", "﷽"]


@PROPERTY_SETTINGS
@given(
    query=st.one_of(st.text(max_size=80), st.lists(st.sampled_from(QUERY_PIECES) | st.text(max_size=5), max_size=12).map(" ".join)),
    year=st.one_of(st.none(), st.integers(-(2**70), 2**70)),
)
def test_search_gives_results_for_any_query(connection, query, year):
    found = search(connection, query, limit=5, year=year)
    assert len(found.results) <= 5
    assert isinstance(match_expression(query), str)
