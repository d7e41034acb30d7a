"""CSV from the site never hands a spreadsheet a formula: Datasette's own
CSV (.csv, ?_format=csv, a query's .csv) and .excelcsv neutralise cells that
start with =, +, -, @; .excelcsv works on every table, view and query."""

import csv
import io
import sqlite3

import pytest
from datasette.app import Datasette

from kb.web.export import CsvRewriter, neutralise_text

CELLS = ["=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "plain", "a,\"quoted\"\nline"]


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny.db"
    with sqlite3.connect(path) as conn:
        conn.execute("create table cells (id integer primary key, value text, number integer)")
        conn.executemany("insert into cells (value, number) values (?, ?)", [(cell, -5) for cell in CELLS])
    return Datasette([str(path)])


def _rows(text):
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))


@pytest.mark.parametrize(
    "path",
    [
        "/tiny/cells.csv",
        "/tiny/cells.csv?_stream=on",
        "/tiny/cells.csv?_dl=1",
        "/tiny/cells.csv?_sort=id&_size=max",
        "/tiny.csv?sql=select+value,+number+from+cells",
        "/tiny/cells.excelcsv",
        "/tiny.excelcsv?sql=select+value,+number+from+cells",
    ],
)
async def test_formula_cells_are_neutralised(tiny, path):
    response = await tiny.client.get(path)
    assert response.status_code == 200
    rows = _rows(response.text)
    header, body = rows[0], rows[1:]
    values = [row[header.index("value")] for row in body]
    assert values == ["'" + CELLS[0], "'" + CELLS[1], "'" + CELLS[2], "'" + CELLS[3], "plain", CELLS[5]]
    assert {row[header.index("number")] for row in body} == {"-5"}  # numbers stay numbers


def test_the_rewriter_holds_back_unfinished_records():
    text = 'a,b\r\n"=x\r\ny",-3\r\n中,"+1""q"\r\n'
    data = text.encode("utf-8")
    rewriter = CsvRewriter()
    out = b"".join(rewriter.feed(data[i:i + 1]) for i in range(len(data))) + rewriter.feed(b"", final=True)
    assert out.decode("utf-8") == 'a,b\r\n"\'=x\r\ny",-3\r\n中,"\'+1""q"\r\n'


def test_numbers_are_not_formulas():
    assert [neutralise_text(cell) for cell in ["-5", "+1.5e3", "-.5", "-5x", "=1"]] == ["-5", "+1.5e3", "-.5", "'-5x", "'=1"]


async def test_excelcsv_works_on_every_table_view_and_query(built_db):
    datasette = Datasette(immutables=[str(built_db)])
    internal = set(await datasette.get_database("kb").hidden_table_names())  # kept off the pages: kb.web.internal_tables
    assert "recommendations_search_data" in internal
    with sqlite3.connect(built_db) as conn:
        names = [row[0] for row in conn.execute("select name from sqlite_master where type in ('table', 'view') and name not like 'sqlite_%'")]
        for name in names:
            response = await datasette.client.get(f"/kb/{name}.excelcsv")
            if name in internal:
                assert response.status_code == 403, name
                continue
            assert response.status_code == 200, (name, response.text[:300])
            assert response.text.startswith("\ufeff")
            header = _rows(response.text)[0]
            if name == "recommendations":
                assert header[:2] == ["id", "permalink"]
            else:
                assert header == (await datasette.client.get(f"/kb/{name}.json")).json()["columns"]
    response = await datasette.client.get("/kb.excelcsv?sql=select+1+as+one")
    assert response.status_code == 200 and _rows(response.text) == [["one"], ["1"]]
    response = await datasette.client.get("/kb/publishers/cma.excelcsv")
    assert response.status_code == 200
    response = await datasette.client.get("/kb.excelcsv?sql=select+zzz")
    assert response.status_code == 400
