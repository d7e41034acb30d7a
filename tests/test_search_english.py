"""Everyday English queries reach Chinese rows through CC-CEDICT: recall on
labelled queries, how a query is read, dropping a reading, the command line
and the search page."""

import sqlite3
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from datasette.app import Datasette

from kb.cli import cli
from kb.read.search import search
from kb.rules.english import english_index, english_words, read_english, sense_key
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from english_relevance import recall  # noqa: E402

QUERIES = yaml.safe_load((Path(__file__).parent / "english_queries.yml").read_text(encoding="utf-8"))
HELD_OUT = yaml.safe_load((Path(__file__).parent / "english_queries_held_out.yml").read_text(encoding="utf-8"))
METADATA = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def conn(built_db):
    connection = sqlite3.connect(built_db)
    yield connection
    connection.close()


# --- the dictionary ------------------------------------------------------------------------


def test_cc_cedict_reads_everyday_words_as_traditional_terms():
    index = english_index()
    assert index["insurance"][0] == "保險"
    assert index["financing"][0] == "融資"
    assert "租金" in index["rent"]
    assert all(len(terms) <= 3 for terms in index.values())


def test_hong_kong_usage_replaces_the_dictionary_reading():
    assert english_index()["rates"] == ("差餉",)
    assert english_index()["mpf"] == ("強積金",)


@pytest.mark.parametrize(
    "sense, key",
    [("to insure", "insure"), ("(attributive) low-carbon", "low carbon"), ("CL:份[fen4]", None),
     ("variant of 保險", None), ("surname Bao", None), ("(Tw) taxi", None)],
)
def test_senses_become_keys_without_notes_or_cross_references(sense, key):
    assert sense_key(sense) == key


def test_phrases_before_words_and_stop_words_dropped():
    index = {"rule of law": ("法治",), "law": ("法律",), "support": ("支持",)}
    readings = read_english(english_words("support for the rule of law"), index)
    assert [(r.english, r.terms) for r in readings] == [("support", ("支持",)), ("rule of law", ("法治",))]


def test_a_plural_finds_its_singular():
    assert read_english(["subsidies"], {"subsidy": ("補貼",)})[0].terms == ("補貼",)


# --- search ----------------------------------------------------------------------------------


def test_recall_at_10_of_english_queries_is_at_least_90_percent(conn):
    assert len(QUERIES) >= 40
    before, _ = recall(conn, QUERIES, dictionary=False)
    after, misses = recall(conn, QUERIES, dictionary=True)
    assert after >= 0.90, misses
    assert before < 0.5  # the glossary alone reads few of them


def test_held_out_english_queries_as_measured(conn):
    """Queries written after the reading was settled and never tuned on: far
    below the queries it was built with (the issue stays open on this)."""
    before, _ = recall(conn, HELD_OUT, dictionary=False)
    after, misses = recall(conn, HELD_OUT, dictionary=True)
    assert (len(HELD_OUT), round(before, 2), round(after, 2)) == (20, 0.30, 0.55), misses


def test_labelled_english_ids_exist(conn):
    ids = {row[0] for row in conn.execute("SELECT id FROM recommendations UNION ALL SELECT id FROM paragraphs")}
    assert {id for item in QUERIES + HELD_OUT for id in item["expect"]} <= ids


@pytest.mark.parametrize("query", ["insurance", "SME financing", "ride-hailing"])
def test_queries_that_found_nothing_now_find_rows(conn, query):
    assert search(conn, query, within="all").results


def test_glossary_wins_over_the_dictionary_and_is_said(conn):
    found = search(conn, "SME financing", within="all")
    assert [(r.english, r.terms[0], r.source) for r in found.readings] == [
        ("sme", "中小企業", "glossary"), ("financing", "融資", "dictionary")]
    assert found.read_as.startswith("sme → 中小企業; financing → 融資")
    assert {result.method for result in found} <= {"exact", "glossary", "dictionary"}


def test_government_paragraphs_are_searched_in_english(conn):
    found = search(conn, "export credit insurance", within="government")
    assert found.results[0].id == "hksarg-2023-policy-address/69.2"
    assert "<mark>保險</mark>" in found.results[0].snippet


def test_a_dropped_term_is_not_searched_and_is_said(conn):
    found = search(conn, "insurance", within="government", drop=["保險"])
    assert found.readings[0].terms == [] and found.readings[0].dropped == ["保險"]
    assert not found.results


def test_chinese_queries_are_not_read_through_the_dictionary(conn):
    assert search(conn, "中試").readings == []


def test_kb_search_says_how_it_read_the_query(built_db):
    args = ["search", "insurance", "--in", "government", "--db", str(built_db), "-n", "2"]
    output = CliRunner().invoke(cli, args, catch_exceptions=False).output
    assert output.splitlines()[0] == "Read as: insurance → 保險"
    dropped = CliRunner().invoke(cli, [*args, "--drop", "保險"], catch_exceptions=False).output
    assert "No results" in dropped


async def test_search_page_names_the_terms_and_links_to_drop_one(built_db):
    client = Datasette([str(built_db)], metadata=METADATA).client
    page = (await client.get("/-/search?q=insurance+companies&in=government")).text
    assert "Your English was read as" in page and "保險" in page
    assert "drop=%E4%BF%9D%E9%9A%AA" in page  # drop=保險
    dropped = (await client.get("/-/search?q=insurance+companies&in=government&drop=%E4%BF%9D%E9%9A%AA")).text
    assert "put back" in dropped
