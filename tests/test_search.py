"""kb.read.search and kb.rules.search_index on the knowledge base built from the real sources."""

import json
import shutil
import sqlite3
from collections import defaultdict
from pathlib import Path

import pytest
import sqlite_utils
import yaml

from kb.build.pipeline import build
from kb.text.normalize import normalize
from kb.read.search import (
    Result,
    SearchIndexMissing,
    SearchResults,
    search,
    sql_bigrams,
    sql_fuzzy_score,
    sql_match,
    sql_normalize,
)
from kb.rules.search_index import fold, index_text, load_glossary, runs, save_search_index, unindex_text

ROOT = Path(__file__).parent.parent
SOURCES = ROOT / "sources"
QUERIES = yaml.safe_load((Path(__file__).parent / "search_queries.yml").read_text(encoding="utf-8"))
KINDS = ("two_char", "simplified", "typo", "short_name", "english_term", "english_for_chinese", "multi_word")
CMA23, CMA24 = "cma-2023-policy-address/", "cma-2024-budget/"


@pytest.fixture(scope="module")
def search_db(tmp_path_factory):
    """The knowledge base built once from sources/, with its search index."""
    path = tmp_path_factory.mktemp("search") / "kb.db"
    build(SOURCES, path)
    save_search_index(sqlite_utils.Database(path))
    return path


@pytest.fixture(scope="module")
def conn(search_db):
    connection = sqlite3.connect(search_db)
    yield connection
    connection.close()


def ids(results: SearchResults) -> list[str]:
    return [result.id for result in results.results]


# --- normalisation ---------------------------------------------------------------


@pytest.mark.parametrize(
    "variant, standard",
    [("綫", "線"), ("裏", "裡"), ("爲", "為"), ("離岸", "离岸"), ("ＣＢＡＭ", "cbam"), ("知識産權", "知識產權")],
)
def test_normalize_folds_variants_alike(variant, standard):
    assert normalize(variant) == normalize(standard)


def test_fold_drops_quote_marks_so_a_quoted_name_is_one_run():
    assert runs("制定「香港工業藍圖」") == ["制定香港工业蓝图"]
    assert runs("「BUD 專項基金」") == ["bud", "专项基金"]


def test_index_text_is_bigrams_plus_the_last_character_and_words():
    assert index_text("中小企業 CBAM 嘜") == "中小 小企 企业 业 cbam 唛"
    assert unindex_text(index_text("中小企業 CBAM 嘜")) == "中小企业 cbam 唛"


def test_hong_kong_variant_in_the_query_finds_the_standard_form(conn):
    assert "bdc-2020-brand-relaunch-survey/17" in ids(search(conn, "綫上綫下"))


# --- the labelled queries -------------------------------------------------------------


def test_every_kind_has_at_least_six_labelled_queries():
    counts = defaultdict(int)
    for item in QUERIES:
        counts[item["kind"]] += 1
    assert set(counts) == set(KINDS)
    assert min(counts.values()) >= 6
    assert len(QUERIES) >= 60


@pytest.mark.parametrize("kind", KINDS)
def test_recall_at_10_is_complete_for_each_kind(conn, kind):
    missed = []
    for item in (item for item in QUERIES if item["kind"] == kind):
        top = ids(search(conn, item["query"], limit=10))
        missed += [(item["query"], id) for id in item["expect"] if id not in top]
    assert missed == []


def test_labelled_ids_exist(conn):
    known = {row[0] for row in conn.execute("SELECT id FROM recommendations")}
    assert {id for item in QUERIES for id in item["expect"]} <= known


# --- methods and scores -------------------------------------------------------------------


def test_exact_match_scores_100_for_the_best_row(conn):
    results = search(conn, "稅務")
    assert results.results[0].id == "bdc-2020-brand-relaunch-survey/10"
    assert results.results[0].score == 100.0 and results.results[0].method == "exact"


def test_english_query_reaches_chinese_rows_through_the_glossary(conn):
    results = search(conn, "Northern Metropolis")
    assert {result.method for result in results} == {"glossary"}
    assert CMA23 + "14" in ids(results)
    assert all(50 <= result.score <= 90 for result in results)


def test_typo_is_found_fuzzily_with_a_readable_score(conn):
    results = search(conn, "新田科枝城")
    assert CMA23 + "16" in ids(results)
    assert all(result.method == "fuzzy" and 35 <= result.score <= 50 for result in results)
    assert results.suggestions[0] == "新田科技城"


def test_snippets_left_for_later_are_the_same_when_made(conn):
    """The search page asks for every result and makes the snippets of those
    it shows (and of the glossary and fuzzy ones until it has the terms they
    matched): made later, a snippet is the one made at once."""
    from kb.read.search import with_snippet
    from kb.web.search_view import matched_terms

    for query in ["稅務", "Northern Metropolis", "新田科枝城", "中試 河套", "SME fund", "中小企"]:
        at_once = search(conn, query, limit=1000)
        later = search(conn, query, limit=1000, snippets=False)
        assert [r.id for r in later] == [r.id for r in at_once]
        assert all(r.snippet is None and r.snippet_text is None for r in later.results)
        assert matched_terms(later.results) == matched_terms(at_once.results)
        assert [with_snippet(r).to_json() for r in later.results] == [r.to_json() for r in at_once.results]


def test_exact_results_score_above_fuzzy_ones(conn):
    results = search(conn, "中試 河套")
    exact = [result.score for result in results if result.method == "exact"]
    fuzzy = [result.score for result in results if result.method == "fuzzy"]
    assert exact and fuzzy and min(exact) > max(fuzzy)


@pytest.mark.parametrize("query", ["新枝", "枝", "xq"])
def test_short_queries_stay_exact(conn, query):
    assert search(conn, query).results == []


def test_one_character_matches_as_a_prefix(conn):
    assert "dsedt-2023-reply-written-inquiry/7" in ids(search(conn, "嘜"))


def test_filters_narrow_the_results(conn):
    assert {r.publisher_id for r in search(conn, "品牌", publisher="bdc")} == {"bdc"}
    assert {r.year for r in search(conn, "中試", year=2024)} == {2024}
    assert {r.document_id for r in search(conn, "中試", document="cma-2023-policy-address")} == {
        "cma-2023-policy-address"
    }


def test_no_match_suggests_the_nearest_glossary_names(conn):
    results = search(conn, "Technopolis")
    assert results.results == []
    assert "San Tin Technopole" in results.suggestions


def test_suggestions_are_empty_when_something_matches(conn):
    assert search(conn, "中試").suggestions == []


# --- the result's shape ---------------------------------------------------------------------


def test_result_json_shape(conn):
    results = search(conn, "離岸")
    data = json.loads(json.dumps(results.to_json(), ensure_ascii=False))
    assert set(data) == {"query", "results", "suggestions", "elapsed_ms", "readings"}
    first = data["results"][0]
    assert {
        "id", "score", "method", "title", "document_id", "publisher_id", "year", "kind", "section",
        "line_start", "line_end", "snippet", "snippet_text",
    } <= set(first)
    assert isinstance(first["score"], float) and round(first["score"], 1) == first["score"]
    assert first["method"] in {"exact", "glossary", "fuzzy"}
    assert isinstance(first["line_start"], int) and first["line_start"] <= first["line_end"]
    assert results.results[0].to_json() == first


def test_snippet_marks_the_traditional_text_for_a_simplified_query(conn):
    result = search(conn, "离岸").results[0]
    assert "<mark>離岸" in result.snippet
    assert "<mark>" not in result.snippet_text and "離岸" in result.snippet_text


# --- safety -----------------------------------------------------------------------------------------

HOSTILE = [
    None, "", "   ", '"', "'", '""', '"中試', "AND", "OR", "NOT", "中試 AND", "OR 品牌", "NEAR(中試 河套)",
    "NEAR", "*", "品牌*", "^", "^中試", "-品牌", "+", "(", ")", "{title}: 品牌", "title:品牌", "a:b",
    "'; DROP TABLE recommendations; --", "1 OR 1=1", "%", "_", "\\", "x" * 10_000, "中" * 10_000,
    "中試 " * 3000, "\x00\x01\x1f\x7f", "中\x00試", "😀", "🇭🇰 品牌", "\u200b", "\ufeff中試",
    "ｃｂａｍ", "<script>alert(1)</script>", "&amp;", 12345, "NEAR/2", '"" AND ""', "中試 NOT 河套",
]


@pytest.mark.parametrize("query", HOSTILE, ids=lambda q: repr(q)[:30])
def test_hostile_queries_never_raise(conn, query):
    results = search(conn, query)
    assert isinstance(results, SearchResults)
    assert all(isinstance(result, Result) and 0 <= result.score <= 100 for result in results)
    json.dumps(results.to_json())
    assert conn.execute("SELECT count(*) FROM recommendations").fetchone()[0] == 93


@pytest.mark.parametrize("limit", [0, -5, 1, 10_000, None])
def test_odd_limits_never_raise(conn, limit):
    assert len(search(conn, "品牌", limit=limit)) <= 1000


def test_script_in_a_body_is_escaped_in_the_snippet(search_db, tmp_path):
    path = tmp_path / "kb.db"
    shutil.copy(search_db, path)
    db = sqlite_utils.Database(path)
    db.execute(
        "UPDATE recommendations SET body = ? WHERE id = ?",
        ["<script>alert('x')</script> 夜間經濟 & more", CMA24 + "10"],
    )
    db.conn.commit()
    save_search_index(db)
    connection = sqlite3.connect(path)
    result = next(r for r in search(connection, "夜間經濟") if r.id == CMA24 + "10")
    connection.close()
    assert "<script>" not in result.snippet
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in result.snippet
    assert "<mark>夜間經濟</mark> &amp; more" in result.snippet
    assert result.snippet_text.startswith("<script>")


def test_a_database_without_the_index_says_so(tmp_path):
    connection = sqlite3.connect(tmp_path / "empty.db")
    with pytest.raises(SearchIndexMissing):
        search(connection, "中試")


# --- SQL functions ---------------------------------------------------------------------------------


@pytest.fixture
def bare():
    connection = sqlite3.connect(":memory:")
    connection.create_function("kb_normalize", 1, sql_normalize, deterministic=True)
    connection.create_function("kb_fuzzy_score", 2, sql_fuzzy_score, deterministic=True)
    connection.create_function("kb_bigrams", 1, sql_bigrams, deterministic=True)
    yield connection
    connection.close()


def test_sql_normalize(bare):
    assert bare.execute("SELECT kb_normalize('離岸 ＣＢＡＭ 綫')").fetchone()[0] == "离岸 cbam 线"
    assert bare.execute("SELECT kb_normalize(NULL)").fetchone()[0] == ""


def test_sql_fuzzy_score(bare):
    score = bare.execute("SELECT kb_fuzzy_score('新田科枝城', '發展新田科技城的建議')").fetchone()[0]
    assert score == 80.0
    assert bare.execute("SELECT kb_fuzzy_score('离岸', '離岸貿易')").fetchone()[0] == 100.0
    assert bare.execute("SELECT kb_fuzzy_score(NULL, 'x')").fetchone()[0] == 0.0


def test_sql_bigrams(bare):
    assert bare.execute("SELECT kb_bigrams('中小企業')").fetchone()[0] == "中小 小企 企业 业"


def test_sql_match_expression_runs_against_the_index(conn):
    conn.create_function("kb_search_match", 1, sql_match)
    rows = conn.execute(
        "SELECT id FROM recommendations_search WHERE recommendations_search MATCH kb_search_match(?)",
        ["Northern Metropolis"],
    ).fetchall()
    assert CMA23 + "14" in {row[0] for row in rows}


# --- glossary tables ------------------------------------------------------------------------------


def test_glossary_table_holds_the_glossary(conn):
    glossary = load_glossary()
    assert 40 <= len(glossary) <= 90
    assert conn.execute("SELECT count(*) FROM glossary").fetchone()[0] == len(glossary)
    row = conn.execute("SELECT name_zh, name_en, aliases, kind FROM glossary WHERE id = 'bud-fund'").fetchone()
    assert row[:2] == ("BUD 專項基金", "BUD Fund") and "BUD基金" in json.loads(row[2]) and row[3] == "fund"


def test_bud_fund_is_linked_to_the_cma_rows_that_name_it(conn):
    linked = {row[0] for row in conn.execute("SELECT recommendation_id FROM recommendation_terms WHERE term_id = 'bud-fund'")}
    assert linked == {CMA23 + "9", CMA24 + "8", CMA24 + "9.2"}


def test_every_glossary_entry_is_named_in_the_sources_and_linked(conn):
    text = fold("".join(path.read_text(encoding="utf-8") for path in SOURCES.glob("*.txt")))
    text = "".join(runs(text))
    linked = {row[0] for row in conn.execute("SELECT DISTINCT term_id FROM recommendation_terms")}
    for entry in load_glossary():
        assert "".join(runs(entry.name_zh)) in text, entry.id
        assert entry.id in linked, entry.id


def test_search_index_is_deterministic(search_db, tmp_path):
    copies = []
    for name in ("a.db", "b.db"):
        path = tmp_path / name
        shutil.copy(search_db, path)
        save_search_index(sqlite_utils.Database(path))
        copies.append(sqlite3.connect(path))
    for table in ("recommendations_search", "glossary", "recommendation_terms"):
        dumps = [c.execute(f"SELECT rowid, * FROM {table} ORDER BY rowid").fetchall() for c in copies]
        assert dumps[0] == dumps[1] and dumps[0]
    for c in copies:
        c.close()


def test_the_terms_a_widened_search_matched_are_read_from_its_best_results_only():
    """The note above the results names what glossary results matched, read
    from the first ``MATCHED_READ`` of them: a page's work stays bounded
    however many rows a widened query matches."""
    from kb.read.search import Result
    from kb.web.search_view import MATCHED_READ, matched_terms

    def result(n, mark):
        return Result(f"d/{n}", 50.0, "glossary", "t", "d", "p", 2024, "recommendation", None, str(n), None, 1, 1, 1,
                      f"… <mark>{mark}</mark> …", mark)

    early = [result(n, "稅務優惠") for n in range(MATCHED_READ)]
    assert matched_terms(early + [result(MATCHED_READ, "稅務減免")])["glossary"] == ["稅務優惠"]
    assert matched_terms(early[:-1] + [result(MATCHED_READ, "稅務減免")])["glossary"] == ["稅務優惠", "稅務減免"]


def test_a_literal_run_is_found_as_the_index_text_holds_it():
    """A run's phrase is in a column when its tokens stand there space-bounded
    (a prefix run: space-led only), as the regular expression said before."""
    import re

    from kb.read.search import _is_literal

    columns = ("中小 小企 企業", "基金 資助", None)
    for needle, prefix in (("中小 小企", False), ("小企", False), ("小", True), ("中小 小", True), ("企業", False), ("資助", False),
                           ("業", False), ("小企 企", True), ("金 資", False)):
        pattern = re.compile(f"(?:^| ){re.escape(needle)}{'' if prefix else '(?: |$)'}")
        expected = any(pattern.search(column or "") for column in columns)
        assert _is_literal([" " + needle + ("" if prefix else " ")], columns) == expected, needle
