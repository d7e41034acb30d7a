import sqlite3

import pytest
import sqlite_utils

from kb.build import BuildError, build, needs_build
from kb.build.manifest import ManifestError
from kb.records import ParseError
from tests.conftest import SOURCES

EXPECTED_TABLES = {
    "publishers",
    "documents",
    "recommendations",
    "policy_areas",
    "recommendation_areas",
    "document_lines",
    "build_info",
}


def _rows(path):
    db = sqlite_utils.Database(path)
    return {table: list(db[table].rows) for table in sorted(EXPECTED_TABLES)}


def test_tables_and_counts(built_db):
    db = sqlite_utils.Database(built_db)
    assert EXPECTED_TABLES <= set(db.table_names())
    assert db["publishers"].count == 5
    assert db["documents"].count == 11
    top_level = db.execute(
        "select document_id, kind, count(*) from recommendations where parent_id is null group by 1, 2 order by 1, 2"
    ).fetchall()
    assert top_level == [
        ("bdc-2020-brand-relaunch-survey", "recommendation", 18),
        ("cma-2023-policy-address", "recommendation", 19),
        ("cma-2024-budget", "recommendation", 13),
        ("dsedt-2023-reply-written-inquiry", "measure", 9),
        ("hkpc-2025-manufacturing-study", "recommendation", 7),
        ("hkpc-2025-manufacturing-study", "strategy", 3),
    ]


def test_foreign_keys_and_indexes(built_db):
    db = sqlite_utils.Database(built_db)
    foreign_keys = {(fk.column, fk.other_table) for fk in db["recommendations"].foreign_keys}
    assert foreign_keys == {
        ("document_id", "documents"),
        ("publisher_id", "publishers"),
        ("parent_id", "recommendations"),
        ("primary_area_id", "policy_areas"),
    }
    assert {(fk.column, fk.other_table) for fk in db["documents"].foreign_keys} == {("publisher_id", "publishers")}
    indexed = {tuple(index.columns) for index in db["recommendations"].indexes}
    assert {("document_id", "ordinal"), ("parent_id",), ("year",), ("section",)} <= indexed
    assert sqlite3.connect(built_db).execute("pragma foreign_key_check").fetchall() == []


def test_documents_rows(built_db):
    db = sqlite_utils.Database(built_db)
    budget = db["documents"].get("cma-2024-budget")
    assert budget["publisher_id"] == "cma"
    assert budget["title_zh"] == "香港中華廠商聯合會對2024-25年財政預算案的建議"
    assert (budget["cycle"], budget["published"], budget["year"]) == ("2024-25 Budget", "2023-12", 2024)
    assert budget["source_file"] == "cma-2024-budget.txt"
    assert len(budget["sha256"]) == 64 and budget["line_count"] == 957
    assert db["documents"].get("bdc-2020-brand-relaunch-survey")["year"] == 2020


def test_recommendation_row(built_db):
    row = sqlite_utils.Database(built_db)["recommendations"].get("cma-2023-policy-address/5.3")
    assert row["parent_id"] == "cma-2023-policy-address/5"
    assert (row["number"], row["ordinal"], row["kind"], row["year"]) == ("5.3", 13, "recommendation", 2023)
    assert (row["title"], row["section"], row["publisher_id"]) == ("設立專項扶持基金", "優化創科體制", "cma")
    assert (row["line_start"], row["line_end"]) == (511, 523)


def test_document_lines_keep_the_source_text(built_db):
    db = sqlite_utils.Database(built_db)
    line = db.execute(
        "select text from document_lines where document_id = 'cma-2023-policy-address' and line = 819"
    ).fetchone()
    assert line == ("13 ",)


def test_two_builds_give_the_same_rows(tmp_path):
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    build(SOURCES, first)
    build(SOURCES, second)
    assert _rows(first) == _rows(second)
    build(SOURCES, first)  # over an existing database
    assert _rows(first) == _rows(second)


def test_failing_build_leaves_the_old_database_untouched(tmp_path, sources_copy):
    db_path = tmp_path / "kb.db"
    build(sources_copy, db_path)
    before = db_path.read_bytes()
    budget = sources_copy / "cma-2024-budget.txt"
    budget.write_text(budget.read_text(encoding="utf-8").replace("5. 構建需求導向", "7. 構建需求導向"), encoding="utf-8")
    with pytest.raises(ParseError, match="cma-2024-budget.txt:288: recommendation 7 found where 5"):
        build(sources_copy, db_path)
    assert db_path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["kb.db", "kb.db.lock"]  # no temporary file left behind


def test_file_that_is_not_utf8_is_named(tmp_path, sources_copy):
    (sources_copy / "cma-2024-budget.txt").write_bytes("香港".encode("big5"))
    with pytest.raises(BuildError, match=r"cma-2024-budget.txt:1: not UTF-8 text .* it looks like BIG5-HKSCS"):
        build(sources_copy, tmp_path / "kb.db")
    assert not (tmp_path / "kb.db").exists()


def test_manifest_naming_a_missing_file(tmp_path, sources_copy):
    (sources_copy / "cma-2024-budget.txt").unlink()
    with pytest.raises(ManifestError, match=r"manifest.yml:\d+: document 3 \(cma-2024-budget\): file .* not found"):
        build(sources_copy, tmp_path / "kb.db")


def test_needs_build(tmp_path, sources_copy):
    db_path = tmp_path / "kb.db"
    assert needs_build(sources_copy, db_path)
    build(sources_copy, db_path)
    assert not needs_build(sources_copy, db_path)
    with open(sources_copy / "dsedt-2023-reply-written-inquiry.txt", "a", encoding="utf-8") as file:
        file.write("\n")
    assert needs_build(sources_copy, db_path)
