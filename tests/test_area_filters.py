"""Every policy-area tag in the filters, the facet, the heat map and the CSV,
and a ride-hailing ask added with kb add tagged transport."""

import csv
import io
import shutil
import sqlite3

import pytest
import yaml
from click.testing import CliRunner
from datasette.app import Datasette

from kb.cli import cli
from kb.read.area_matrix import NONE, area_matrix
from tests.conftest import ROOT, SOURCES

METADATA = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
DIDI = ROOT / "tests" / "submissions" / "cb3-688-2-didi.pdf"
DIDI_ARGS = ["--publisher", "didi", "--publisher-zh", "滴滴出行", "--publisher-en", "DiDi", "--id", "didi-2026-ride-hailing",
             "--published", "2026-06", "--loader", "generic"]


def tagged(db_path, area_id: str) -> set[str]:
    with sqlite3.connect(db_path) as conn:
        return {row[0] for row in conn.execute("select recommendation_id from recommendation_areas where area_id = ?", [area_id])}


def primary(db_path, area_id: str) -> set[str]:
    with sqlite3.connect(db_path) as conn:
        return {row[0] for row in conn.execute("select id from recommendations where primary_area_id = ?", [area_id])}


def csv_ids(text: str) -> list[str]:
    return [row["id"] for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))]


@pytest.fixture(scope="module")
def with_ride_hailing(tmp_path_factory):
    """The seed sources with DiDi's ride-hailing submission added by kb add, built."""
    folder = tmp_path_factory.mktemp("ride-hailing")
    sources = shutil.copytree(SOURCES, folder / "sources")
    db_path = folder / "kb.db"
    result = CliRunner().invoke(cli, ["add", str(DIDI), "--sources", str(sources), "--db", str(db_path), *DIDI_ARGS],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return db_path


def datasette(db_path) -> Datasette:
    return Datasette([str(db_path)], metadata=METADATA)


# --- the seed knowledge base ------------------------------------------------


def test_more_rows_carry_innovation_than_have_it_as_primary(built_db):
    assert primary(built_db, "innovation") < tagged(built_db, "innovation")


@pytest.mark.asyncio
async def test_the_area_filter_returns_every_row_tagged_with_the_area(built_db):
    response = await datasette(built_db).client.get("/kb/recommendations.json?_area=innovation&_size=max&_shape=objects")
    assert response.status_code == 200
    assert {row["id"] for row in response.json()["rows"]} == tagged(built_db, "innovation")


@pytest.mark.asyncio
@pytest.mark.parametrize("extension", ["csv", "excelcsv"])
async def test_every_csv_of_an_area_holds_every_row_tagged_with_it(built_db, extension):
    response = await datasette(built_db).client.get(f"/kb/recommendations.{extension}?_area=innovation&_size=max")
    assert response.status_code == 200
    ids = csv_ids(response.text)
    assert len(ids) == len(set(ids)) and set(ids) == tagged(built_db, "innovation")


@pytest.mark.asyncio
async def test_the_export_link_of_a_filtered_table_keeps_the_area(built_db):
    page = (await datasette(built_db).client.get("/kb/recommendations?_area=innovation")).text
    assert "recommendations.excelcsv?_area=innovation" in page
    assert "tagged with policy area innovation" in page


@pytest.mark.asyncio
async def test_the_count_of_the_rows_shown_says_row_for_one_and_rows_for_more(built_db):
    client = datasette(built_db).client
    one = (await client.get("/kb/recommendations?id=cma-2023-policy-address/6")).text
    many = (await client.get("/kb/recommendations?document_id=cma-2023-policy-address")).text
    assert "<strong>1</strong> row where" in one
    assert "</strong> rows where" in many


@pytest.mark.asyncio
async def test_the_area_facet_counts_every_tag_and_links_to_the_filter(built_db):
    data = (await datasette(built_db).client.get("/kb/recommendations.json?_size=0")).json()
    counts = {item["value"]: item["count"] for item in data["facet_results"]["area"]["results"]}
    assert counts["innovation"] == len(tagged(built_db, "innovation"))
    assert counts["branding"] == len(tagged(built_db, "branding"))
    innovation = next(item for item in data["facet_results"]["area"]["results"] if item["value"] == "innovation")
    assert innovation["label"] == "創新科技、研發與技術轉移" and "_area=innovation" in innovation["toggle_url"]


def test_the_heat_map_counts_primary_or_every_tag(built_db):
    with sqlite3.connect(built_db) as conn:
        first = area_matrix(conn, "year", tags="primary")
        every = area_matrix(conn, "year", tags="any")
    by_area = {row.area_id: row.total for row in every.rows}
    assert by_area["innovation"] == len(tagged(built_db, "innovation"))
    assert {row.area_id: row.total for row in first.rows}["innovation"] == len(primary(built_db, "innovation"))
    assert sum(row.total for row in every.rows) > sum(row.total for row in first.rows) == 93


@pytest.mark.asyncio
async def test_the_heat_map_page_offers_both_and_links_any_area_cells_to_the_tag_filter(built_db):
    client = datasette(built_db).client
    primary_page = (await client.get("/-/areas")).text
    any_page = (await client.get("/-/areas?tags=any")).text
    assert "?by=year&amp;tags=any" in primary_page and "primary_area_id=innovation&amp;year=2023" in primary_page
    assert "_area=innovation&amp;year=2023" in any_page and "every area it is tagged with" in any_page
    assert "無合適範疇" in primary_page and "/-/areas/none" not in primary_page  # none fits: a row, no area page


def test_kb_areas_prints_every_tag_with_tags_any(built_db):
    result = CliRunner().invoke(cli, ["areas", "--db", str(built_db), "--tags", "any", "--json"], catch_exceptions=False)
    assert result.exit_code == 0
    import json
    rows = {row["area_id"]: row["total"] for row in json.loads(result.output)["rows"]}
    assert rows["innovation"] == len(tagged(built_db, "innovation")) and rows[NONE] == 0


# --- a ride-hailing submission added with kb add ------------------------------


def test_a_ride_hailing_ask_is_tagged_transport(with_ride_hailing):
    with sqlite3.connect(with_ride_hailing) as conn:
        title, area = conn.execute(
            "select title, primary_area_id from recommendations where id = 'didi-2026-ride-hailing/4'").fetchone()
    assert "網約車" in title and area == "transport"
    asks = {row for row in tagged(with_ride_hailing, "transport") if row.startswith("didi-2026-ride-hailing/")}
    assert len(asks) >= 3


@pytest.mark.asyncio
async def test_the_transport_filter_and_csv_hold_the_ride_hailing_asks(with_ride_hailing):
    client = datasette(with_ride_hailing).client
    response = await client.get("/kb/recommendations.excelcsv?_area=transport&_size=max")
    assert set(csv_ids(response.text)) == tagged(with_ride_hailing, "transport")
    assert any(row.startswith("didi-2026-ride-hailing/") for row in csv_ids(response.text))


def test_a_row_no_area_fits_has_no_tag_and_is_counted_apart(tmp_path):
    sources = shutil.copytree(SOURCES, tmp_path / "sources")
    text = tmp_path / "asks.txt"
    text.write_text("意見書\n\n一、請盡快回覆本會來信\n\n本會期待早日收到回覆。\n\n二、規管網約車\n\n要求網約車平台的司機及車輛符合安全要求，保障乘客。\n",
                    encoding="utf-8")
    args = ["add", str(text), "--sources", str(sources), "--db", str(tmp_path / "kb.db"), "--publisher", "abc",
            "--publisher-zh", "甲乙丙", "--publisher-en", "ABC", "--id", "abc-2026-asks", "--published", "2026-06",
            "--loader", "generic"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with sqlite3.connect(tmp_path / "kb.db") as conn:
        areas = dict(conn.execute("select id, primary_area_id from recommendations where document_id = 'abc-2026-asks'"))
        untagged = conn.execute("select count(*) from recommendation_areas where recommendation_id = 'abc-2026-asks/1'")
        assert areas == {"abc-2026-asks/1": None, "abc-2026-asks/2": "transport"} and untagged.fetchone() == (0,)
        none_row = next(row for row in area_matrix(conn, "year").rows if row.area_id == NONE)
    assert none_row.counts == {2026: 1}
