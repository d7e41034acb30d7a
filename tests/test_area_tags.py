"""Policy-area tags in the built knowledge base: tables, overrides, the matrix and its pages."""

import json
import sqlite3

import pytest
import sqlite_utils
import yaml
from click.testing import CliRunner
from datasette.app import Datasette

from kb.read.area_matrix import area_matrix
from kb.rules.areas import read_taxonomy
from kb.build.pipeline import BuildError, build
from kb.cli import cli
from tests.conftest import ROOT

METADATA = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))


def test_every_seed_row_has_exactly_one_primary_area(built_db):
    db = sqlite_utils.Database(built_db)
    assert db.execute("select count(*) from recommendations where primary_area_id is null").fetchone() == (0,)
    per_row = db.execute(
        "select recommendation_id, sum(is_primary), count(*) from recommendation_areas group by 1"
    ).fetchall()
    assert len(per_row) == 93
    assert all(primaries == 1 and 1 <= tags <= 4 for _, primaries, tags in per_row)
    mismatched = db.execute(
        "select count(*) from recommendations r join recommendation_areas ra"
        " on ra.recommendation_id = r.id and ra.is_primary where ra.area_id != r.primary_area_id"
    ).fetchone()
    assert mismatched == (0,)


def test_policy_areas_table(built_db):
    rows = list(sqlite_utils.Database(built_db)["policy_areas"].rows)
    assert 12 <= len(rows) <= 40
    assert len(rows) == len(read_taxonomy())
    assert all(row["name_zh"] and row["name_en"] and isinstance(row["cap_code"], int) for row in rows)
    talent = next(row for row in rows if row["id"] == "talent")
    assert (talent["name_en"], talent["cap_code"]) == ("Talent and manpower", 5)


def test_overridden_tags_are_manual(built_db):
    db = sqlite_utils.Database(built_db)
    tag = db.execute(
        "select area_id, method, score from recommendation_areas where recommendation_id = ? and is_primary",
        ["bdc-2020-brand-relaunch-survey/8"],
    ).fetchone()
    assert tag == ("sme_finance", "manual", 100)
    manual = db.execute("select count(distinct recommendation_id) from recommendation_areas where method = 'manual'")
    assert manual.fetchone()[0] <= 0.10 * 93


def test_view_gives_names_for_sql_writers(built_db):
    row = sqlite_utils.Database(built_db).execute(
        "select document_title, publisher_name_en, primary_area_zh, primary_area_en from recommendations_with_areas"
        " where id = 'cma-2023-policy-address/12'"
    ).fetchone()
    assert row == ("香港中華廠商聯合會對2023年施政報告的建議", "The Chinese Manufacturers' Association of Hong Kong", "人才與人力資源", "Talent and manpower")


def test_an_override_in_the_data_file_changes_the_tag_after_a_rebuild(tmp_path, sources_copy):
    db_path = tmp_path / "kb.db"
    build(sources_copy, db_path)
    before = sqlite_utils.Database(db_path)["recommendations"].get("cma-2023-policy-address/12")["primary_area_id"]
    assert before == "talent"
    with open(sources_copy / "area_overrides.yml", "a", encoding="utf-8") as file:
        file.write("cma-2023-policy-address/12: {primary: governance, secondary: [talent]}\n")
    build(sources_copy, db_path)
    db = sqlite_utils.Database(db_path)
    assert db["recommendations"].get("cma-2023-policy-address/12")["primary_area_id"] == "governance"
    tags = db.execute(
        "select area_id, is_primary, method from recommendation_areas where recommendation_id = ? order by is_primary desc",
        ["cma-2023-policy-address/12"],
    ).fetchall()
    assert tags == [("governance", 1, "manual"), ("talent", 0, "manual")]


def test_an_override_naming_a_missing_row_stops_the_build(tmp_path, sources_copy):
    with open(sources_copy / "area_overrides.yml", "a", encoding="utf-8") as file:
        file.write("cma-2023-policy-address/99: {primary: talent}\n")
    with pytest.raises(BuildError, match=r"area_overrides.yml: no such recommendation: cma-2023-policy-address/99"):
        build(sources_copy, tmp_path / "kb.db")


@pytest.mark.parametrize("by,column_sql", [("year", "year"), ("publisher", "publisher_id")])
def test_matrix_counts_equal_a_direct_sql_count(built_db, by, column_sql):
    conn = sqlite3.connect(built_db)
    matrix = area_matrix(conn, by)
    direct = {
        (area, value): n
        for area, value, n in conn.execute(
            f"select primary_area_id, {column_sql}, count(*) from recommendations group by 1, 2"
        )
    }
    cells = {(row.area_id, column): n for row in matrix.rows for column, n in row.counts.items() if n}
    assert cells == direct
    assert sum(row.total for row in matrix.rows) == 93


def test_kb_areas_prints_the_matrix(built_db):
    result = CliRunner().invoke(cli, ["areas", "--db", str(built_db)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[-5:] == ["2020", "2023", "2024", "2025", "total"]
    assert lines[-1].split()[-5:] == ["18", "38", "17", "20", "93"]
    as_json = json.loads(
        CliRunner().invoke(cli, ["areas", "-d", str(built_db), "--by", "publisher", "--json"]).output
    )
    assert as_json["columns"] == ["bdc", "cma", "dsedt", "hkpc"]
    totals = {column: sum(row["counts"][column] for row in as_json["rows"]) for column in as_json["columns"]}
    assert totals == {"bdc": 18, "cma": 46, "dsedt": 9, "hkpc": 20}


def test_kb_areas_without_a_database(tmp_path):
    result = CliRunner().invoke(cli, ["areas", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 1 and "no database; run kb build first" in result.output


async def test_matrix_and_area_pages(built_db):
    datasette = Datasette([str(built_db)], metadata=METADATA)
    page = (await datasette.client.get("/-/areas")).text
    assert "人才與人力資源" in page and "Talent and manpower" in page
    assert "/kb/recommendations?primary_area_id=talent&amp;year=2023" in page
    by_publisher = (await datasette.client.get("/-/areas?by=publisher")).text
    assert "primary_area_id=talent&amp;publisher_id=cma" in by_publisher
    area = (await datasette.client.get("/-/areas/talent")).text
    years = [int(y) for y in __import__("re").findall(r'<span class="meta" lang="en"><strong>(\d{4})</strong>', area)]
    assert years == sorted(years, reverse=True) and years[0] == 2025
    assert (await datasette.client.get("/-/areas/nope")).status_code == 404


async def test_canned_query_and_facet_by_area_name(built_db):
    datasette = Datasette([str(built_db)], metadata=METADATA)
    rows = (await datasette.client.get("/kb/areas_by_year.json?_shape=array")).json()
    assert sum(row["rows"] for row in rows) == 93
    data = (await datasette.client.get("/kb/recommendations.json?_size=0&_facet=primary_area_id")).json()
    labels = {row["label"] for row in data["facet_results"]["primary_area_id"]["results"]}
    assert "人才與人力資源" in labels
    talent = (await datasette.client.get("/kb/area_recommendations.json?area=talent&_shape=array")).json()
    assert [row["year"] for row in talent] == sorted((row["year"] for row in talent), reverse=True)
