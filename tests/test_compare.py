"""Links in the built knowledge base, `kb compare`, and threads on row pages."""

import json

import sqlite_utils
import yaml
from click.testing import CliRunner
from datasette.app import Datasette

from kb.build.pipeline import build
from kb.cli import cli
from tests.conftest import ROOT

METADATA = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
A, B = "cma-2023-policy-address", "cma-2024-budget"


def test_links_table_runs_from_earlier_to_later(built_db):
    db = sqlite_utils.Database(built_db)
    rows = db.execute(
        "select count(*) from links l join recommendations a on a.id = l.from_id"
        " join recommendations b on b.id = l.to_id where a.document_id = b.document_id or a.year > b.year"
    ).fetchone()
    assert rows == (0,)
    assert db["links"].count > 20
    assert {row["relation"] for row in db["links"].rows} == {"repeats", "revises", "related"}


def test_kb_compare_shows_continued_new_and_dropped(built_db):
    result = CliRunner().invoke(cli, ["compare", A, B, "--db", str(built_db), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    comparison = json.loads(result.output)
    pairs = {(pair["a_id"], pair["b_id"]) for pair in comparison["pairs"]}
    assert {(f"{A}/2", f"{B}/1"), (f"{A}/5", f"{B}/6"), (f"{A}/10", f"{B}/11")} <= pairs  # blueprint, 中試, low carbon
    new = {row["id"] for row in comparison["new"]}
    assert {f"{B}/4", f"{B}/9", f"{B}/10"} <= new  # food park, industrial tourism, night economy
    text = CliRunner().invoke(cli, ["compare", A, B, "--db", str(built_db)]).output
    assert "→ cma-2024-budget/1 制定香港工業發展藍圖" in text
    assert "New in cma-2024-budget" in text and "  cma-2024-budget/4 創建「香港食品產業園」" in text


def test_kb_compare_unknown_document(built_db):
    result = CliRunner().invoke(cli, ["compare", "nope", B, "--db", str(built_db)])
    assert result.exit_code == 1 and "no document 'nope'" in result.output


def test_a_rejected_link_stays_rejected_after_a_rebuild(tmp_path, sources_copy):
    db_path = tmp_path / "kb.db"
    build(sources_copy, db_path)
    assert sqlite_utils.Database(db_path)["links"].get((f"{A}/10", f"{B}/11"))
    with open(sources_copy / "link_reviews.yml", "a", encoding="utf-8") as file:
        file.write(f"\n{A}/10 -> {B}/11: {{verdict: reject}}\n")
    build(sources_copy, db_path)
    count = sqlite_utils.Database(db_path).execute(
        "select count(*) from links where from_id = ? and to_id = ?", [f"{A}/10", f"{B}/11"]
    )
    assert count.fetchone() == (0,)


async def test_row_page_shows_its_thread_and_compare_page_works(built_db):
    datasette = Datasette([str(built_db)], metadata=METADATA)
    page = (await datasette.client.get("/kb/recommendations/cma-2024-budget~2F11")).text
    assert "Proposal thread" in page and 'href="/kb/recommendations/cma-2023-policy-address~2F10"' in page
    compare = await datasette.client.get(f"/-/compare?a={A}&b={B}")
    assert compare.status_code == 200 and "創建「香港食品產業園」" in compare.text
    recurring = (await datasette.client.get("/kb/recurring_proposals.json?_shape=array")).json()
    assert {row["relation"] for row in recurring} <= {"repeats", "revises"} and recurring


async def test_pickers_of_an_immutable_database_are_made_once_and_show_the_pair(built_db, tmp_path):
    """The pickers list every document: for a database served immutable (as
    kb serve serves it) they are written once per version of its file, and
    the page is the one a database opened for writing gives, the pair (in
    date order) or the first two documents selected."""
    import re
    import shutil

    from kb.web import compare_view

    path = tmp_path / "kb.db"
    shutil.copy(built_db, path)
    served, writable = Datasette(immutables=[str(path)], metadata=METADATA), Datasette([str(path)], metadata=METADATA)
    compare_view._DOCUMENTS.clear()
    timings = re.compile(r"Queries took [0-9.]+ms")
    urls = ["/-/compare", "/-/compare?a=cma-2024-budget&b=cma-2023-policy-address", "/-/compare?a=cma-2024-budget",
            "/-/compare?a=cma-2023-policy-address&b=cma-2023-policy-address"]
    for url in urls:
        page = (await served.client.get(url)).text
        assert timings.sub("", page) == timings.sub("", (await writable.client.get(url)).text), url
    assert compare_view._DOCUMENTS.version is not None  # read once, for the immutable database
    pickers = (await served.client.get(urls[1])).text.split("</form>")[0]
    assert re.findall(r'<option value="([^"]+)" selected>', pickers) == ["cma-2023-policy-address", "cma-2024-budget"]
    first = re.findall(r'<option value="([^"]+)"', pickers)[:2]
    assert re.findall(r'<option value="([^"]+)" selected>', (await served.client.get(urls[0])).text) == first
