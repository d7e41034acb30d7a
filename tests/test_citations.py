"""Citations a researcher can paste and import, at the site's public address:
with a public base URL (the plugin's ``base_url``, ``kb serve --base-url``)
no page, CSV or citation names the address the server listens on; the RIS,
BibTeX and CSL-JSON downloads parse as reference managers read them and carry
publisher, document, date, number, title, page, permalink and access date; the
recommendations CSV and the search CSV carry the response status, the first
and latest responding texts, every policy area and the permalink."""

import csv
import html
import io
import json
import os
import re
import sqlite3
from collections import deque
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import bibtexparser
import pytest
import rispy
import yaml
from click.testing import CliRunner
from datasette.app import Datasette

import kb.cli.main as cli_module
from kb.cli import cli
from kb.web import citations
from tests.conftest import ROOT, SOURCES, changed_copy

BASE = "https://kb.example.org"
METADATA = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
LOCAL = ("127.0.0.1", "localhost")
# As a browser reaching `kb serve` on its default address sends it.
SERVER = {"host": "127.0.0.1:8001"}
REC = "cma-2023-policy-address/5"
PARA = "hksarg-2024-25-budget/127"
PAGED = "hkpc-2025-manufacturing-study/7"  # a recommendation with its page, four areas, no later government text
_HREF_RE = re.compile(r'(?:href|src)="([^"]*)"')


def _served(db, public_url=BASE, **settings) -> Datasette:
    return Datasette(immutables=[str(db)], metadata=dict(METADATA, plugins={"kb": {"base_url": public_url}}),
                     settings=settings or None)


@pytest.fixture(scope="module")
def public(built_db):
    return _served(built_db)


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline="")))


def _local(text: str) -> list[str]:
    return [line[:200] for line in text.splitlines() if any(name in line for name in LOCAL)]


FIXED = [
    f"/r/{REC}", f"/p/{PARA}", "/kb/documents/cma-2024-budget", "/-/search?q=中試&in=all", "/-/search.json?q=中試",
    "/-/search.csv?q=中試&in=all", "/kb/recommendations.csv", "/kb/recommendations.csv?_stream=on",
    "/kb/recommendations.excelcsv?_size=max", "/kb/recommendations.json", "/kb/paragraphs.json",
    f"/kb/recommendations/{REC.replace('/', '~2F')}.json", "/kb.json?sql=select+1", "/-/responses/cma-2023-policy-address",
    "/-/responses/cma-2023-policy-address?_format=csv", f"/-/responses/{PARA.split('/')[0]}",
    f"/-/cite.ris?r={REC}", f"/-/cite.bib?p={PARA}", "/-/cite.csl.json?document=cma-2024-budget",
    "/-/cite.ris?q=中試&in=all", "/-/metadata.json",
]


async def test_with_a_base_url_nothing_names_the_local_address(public):
    """Every page reachable from the home page (up to 250) and the downloads, asked for at 127.0.0.1:8001."""
    seen, queue, checked = set(FIXED) | {"/"}, deque(["/", *FIXED]), 0
    while queue and checked < 250:
        path = queue.popleft()
        response = await public.client.get(path, headers=SERVER)
        checked += 1
        assert response.status_code == 200, (path, response.status_code)
        assert not _local(response.text), (path, _local(response.text))
        assert not any(name in str(response.headers) for name in LOCAL), path
        if "html" not in response.headers.get("content-type", ""):
            continue
        for href in _HREF_RE.findall(response.text):
            href = urldefrag(html.unescape(href))[0]
            if href.startswith(BASE + "/"):
                href = href[len(BASE):]
            if href.startswith("/") and not href.startswith("//") and href not in seen and not urlsplit(href).path.endswith(".db"):
                seen.add(href)
                queue.append(href)
    assert checked >= 100
    page = (await public.client.get(f"/r/{REC}", headers=SERVER)).text
    assert f'<link rel="canonical" href="{BASE}/r/{REC}">' in page
    assert f'href="{BASE}/r/{REC}" class="kb-permalink"' in page


async def test_a_base_url_with_a_path_and_datasettes_base_url(built_db):
    served = _served(built_db, BASE + "/kb-site", base_url="/kb-site/")
    response = await served.client.get(f"/-/cite.ris?r={REC}", headers=SERVER)  # the client adds /kb-site/
    assert response.status_code == 200
    assert rispy.loads(response.text)[0]["urls"] == [f"{BASE}/kb-site/r/{REC}"]


async def test_without_a_base_url_links_name_the_address_asked(built_db):
    served = Datasette(immutables=[str(built_db)], metadata=METADATA)
    response = await served.client.get(f"/-/cite.ris?r={REC}", headers=SERVER)
    assert rispy.loads(response.text)[0]["urls"] == [f"http://127.0.0.1:8001/r/{REC}"]


def test_kb_serve_writes_the_base_url_for_the_plugin(built_db, tmp_path, monkeypatch):
    started, metadata = [], []

    def run_datasette(args):
        started.append(args)
        metadata.append(json.loads(Path(args[args.index("-m") + 1]).read_text(encoding="utf-8")))

    monkeypatch.setattr(cli_module, "run_datasette", run_datasette)
    db_path = tmp_path / "kb.db"
    db_path.write_bytes(Path(built_db).read_bytes())  # up to date: served without a build
    args = ["serve", "-s", str(SOURCES), "-d", str(db_path), "-m", str(ROOT / "metadata.yml")]
    result = CliRunner().invoke(cli, [*args, "--base-url", BASE], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert metadata[-1]["plugins"]["kb"] == {"sources": os.path.relpath(SOURCES.resolve()), "base_url": BASE}
    assert "base_url" not in started[-1]  # at the root: no Datasette base_url setting
    # a path in it is where the proxy puts the site: Datasette's base_url setting
    result = CliRunner().invoke(cli, [*args, "--base-url", BASE + "/kb-site/"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert started[-1][-2:] == ["base_url", "/kb-site/"]


async def test_what_kb_serve_writes_is_served_at_the_base_url(built_db, tmp_path, monkeypatch):
    metadata = []
    monkeypatch.setattr(cli_module, "run_datasette",
                        lambda args: metadata.append(json.loads(Path(args[args.index("-m") + 1]).read_text(encoding="utf-8"))))
    db_path = tmp_path / "kb.db"
    db_path.write_bytes(Path(built_db).read_bytes())
    args = ["serve", "-s", str(SOURCES), "-d", str(db_path), "-m", str(ROOT / "metadata.yml"), "--base-url", BASE]
    assert CliRunner().invoke(cli, args, catch_exceptions=False).exit_code == 0
    served = Datasette(immutables=[str(db_path)], metadata=metadata[0])
    for path in (f"/r/{REC}", "/kb/recommendations.csv", f"/-/cite.bib?r={REC}", "/kb/recommendations.json"):
        response = await served.client.get(path, headers=SERVER)
        assert response.status_code == 200 and not _local(response.text), path
        assert BASE in response.text, path


@pytest.mark.parametrize("base_url", ["kb.example.org", "ftp://kb.example.org", "https://", "https://kb.example.org/?a=1",
                                      "javascript:alert(1)", "https://kb.example.org:99999"])
def test_kb_serve_refuses_a_base_url_that_is_not_one(tmp_path, monkeypatch, base_url):
    monkeypatch.setattr(cli_module, "run_datasette", lambda args: pytest.fail("started"))
    result = CliRunner().invoke(cli, ["serve", "-d", str(tmp_path / "kb.db"), "-m", str(ROOT / "metadata.yml"),
                                      "--base-url", base_url])
    assert result.exit_code != 0 and "--base-url: the public base URL" in result.output, result.output


# --- the downloads -----------------------------------------------------------

async def _download(public, path):
    response = await public.client.get(path, headers=SERVER)
    assert response.status_code == 200, (path, response.text[:300])
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    return response


async def test_ris_of_a_recommendation_and_a_paragraph(public):
    today = citations.today().replace("-", "/")
    response = await _download(public, f"/-/cite.ris?r={PAGED}")
    assert response.headers["content-type"].startswith("application/x-research-info-systems")
    [entry] = rispy.loads(response.text)
    assert entry["type_of_reference"] == "RPRT"
    assert entry["title"] == "Recommendation 7: 推廣製造業新形象"
    assert entry["secondary_title"] == (
        "New Quality Productive Forces: Revitalising Hong Kong Manufacturing — a study of Hong Kong's manufacturing industry "
        "(新質生產力 煥發香港製造新動能——香港製造業發展研究報告)")
    assert entry["authors"] == ["Hong Kong Productivity Council (香港生產力促進局)"] == [entry["publisher"]]
    assert entry["year"] == "2025" and entry["date"] == "2025/01//"
    assert entry["number"] == "7" and entry["start_page"] == "62"
    assert entry["urls"] == [f"{BASE}/r/{PAGED}"] and entry["access_date"] == today
    assert entry["id"] == PAGED

    [para] = rispy.loads((await _download(public, f"/-/cite.ris?p={PARA}")).text)
    assert para["type_of_reference"] == "GOVDOC"
    assert para["title"].startswith("Paragraph 127: 為了讓大學加強支援技術轉移")
    assert para["secondary_title"] == "The 2024-25 Budget (二零二四至二五財政年度政府財政預算案)"
    assert para["authors"] == ["HKSAR Government (香港特別行政區政府)"]
    assert para["date"] == "2024/02/28/" and para["number"] == "127" and para["start_page"] == "35"
    assert para["urls"] == [f"{BASE}/p/{PARA}"] and para["access_date"] == today


async def test_bibtex_of_a_recommendation_and_a_paragraph(public):
    library = bibtexparser.parse_string((await _download(public, f"/-/cite.bib?r={PAGED}&p={PARA}")).text)
    assert library.failed_blocks == []
    rec, para = library.entries
    fields = {name: field.value for name, field in rec.fields_dict.items()}
    assert rec.entry_type == "techreport" and rec.key == "hkpc-2025-manufacturing-study-7"
    assert fields["author"] == "{Hong Kong Productivity Council (香港生產力促進局)}"  # braced: a body, not a person
    assert fields["institution"] == "Hong Kong Productivity Council (香港生產力促進局)"
    assert fields["title"] == "Recommendation 7: 推廣製造業新形象"
    assert fields["number"] == "7" and fields["type"] == "Recommendation" and fields["pages"] == "62"
    assert fields["year"] == "2025" and fields["month"] == "jan" and fields["date"] == "2025-01"
    assert fields["url"] == f"{BASE}/r/{PAGED}" and fields["urldate"] == citations.today()
    assert "series" in fields  # the document
    fields = {name: field.value for name, field in para.fields_dict.items()}
    assert para.entry_type == "misc" and para.key == "hksarg-2024-25-budget-127"
    assert fields["howpublished"] == "The 2024-25 Budget (二零二四至二五財政年度政府財政預算案)"
    assert fields["number"] == "127" and fields["pages"] == "35" and fields["date"] == "2024-02-28"
    assert fields["url"] == f"{BASE}/p/{PARA}" and fields["urldate"] == citations.today()


async def test_csl_json_of_a_recommendation(public):
    response = await _download(public, f"/-/cite.csl.json?r={PAGED}")
    [item] = json.loads(response.text)
    assert item["type"] == "report" and item["id"] == PAGED
    assert item["author"] == [{"literal": "Hong Kong Productivity Council (香港生產力促進局)"}]
    assert item["publisher"] == "Hong Kong Productivity Council (香港生產力促進局)"
    assert item["title"] == "Recommendation 7: 推廣製造業新形象"
    assert item["container-title"] and item["number"] == "7" and item["page"] == "62"
    assert item["issued"] == {"date-parts": [[2025, 1]]} and item["URL"] == f"{BASE}/r/{PAGED}"
    year, month, day = (int(part) for part in citations.today().split("-"))
    assert item["accessed"] == {"date-parts": [[year, month, day]]}


async def test_a_whole_document_and_a_search(public):
    [document] = rispy.loads((await _download(public, "/-/cite.ris?document=hksarg-2023-policy-address")).text)
    assert document["type_of_reference"] == "GOVDOC" and document["title"] == "行政長官2023年施政報告"
    assert document["urls"] == [f"{BASE}/kb/documents/hksarg-2023-policy-address"] and document["date"] == "2023/10/25/"
    [report] = json.loads((await _download(public, "/-/cite.csl.json?document=cma-2024-budget")).text)
    assert report["type"] == "report" and report["issued"] == {"date-parts": [[2023, 12]]}
    found = (await public.client.get("/-/search.json?q=中試&in=all&limit=100")).json()["results"]
    entries = rispy.loads((await _download(public, "/-/cite.ris?q=中試&in=all")).text)
    assert [entry["id"] for entry in entries] == [result["id"] for result in found] and len(entries) > 5
    assert {entry["type_of_reference"] for entry in entries} == {"RPRT", "GOVDOC"}
    library = bibtexparser.parse_string((await _download(public, "/-/cite.bib?q=中試&in=all")).text)
    assert library.failed_blocks == [] and len(library.entries) == len(found)
    assert len(json.loads((await _download(public, "/-/cite.csl.json?q=中試&in=all")).text)) == len(found)


async def test_the_pages_link_the_downloads(public):
    page = (await public.client.get(f"/r/{REC}")).text
    assert f'href="/-/cite.ris?r={REC.replace("/", "%2F")}"' in page and "/-/cite.bib?r=" in page and "/-/cite.csl.json?r=" in page
    assert page.index("Cite this") < page.index("/-/cite.ris")
    page = (await public.client.get(f"/p/{PARA}")).text
    assert "/-/cite.ris?p=" in page and f"Accessed {citations.today()}." in page
    page = (await public.client.get("/kb/documents/cma-2024-budget")).text
    assert 'href="/-/cite.bib?document=cma-2024-budget"' in page and f"{BASE}/kb/documents/cma-2024-budget (kb id" in page
    page = (await public.client.get("/-/search?q=中試&publisher=cma")).text
    assert "/-/cite.ris?q=%E4%B8%AD%E8%A9%A6&amp;publisher=cma" in page


async def test_downloads_refuse_what_is_not_there(public):
    assert (await public.client.get("/-/cite.ris")).status_code == 400
    assert (await public.client.get("/-/cite.ris?r=cma-2023-policy-address/999")).status_code == 404
    assert (await public.client.get("/-/cite.bib?document=nothing")).status_code == 404


def test_bibtex_escapes_what_latex_would_read():
    it = citations.item({"id": "x/1", "kind": "recommendation", "number": "1", "title": "R&D {50%} $_#~^\\", "page": None,
                         "document_id": "x", "document_zh": "文件", "document_en": None, "document_kind": "report",
                         "published": "2024", "document_year": 2024, "publisher_zh": "機構", "publisher_en": "Body"},
                        "https://kb.example.org/r/x/1", "2025-01-02")
    library = bibtexparser.parse_string(citations.to_bibtex([it]))
    assert library.failed_blocks == []
    assert library.entries[0]["title"] == r"Recommendation 1: R\&D (50\%) \$\_\#\textasciitilde \textasciicircum \textbackslash "


# --- the CSV -----------------------------------------------------------------

def _expected(db, recommendation_id):
    with sqlite3.connect(db) as conn:
        status = conn.execute("select status, first_document_id, latest_document_id from response_status where recommendation_id = ?",
                              [recommendation_id]).fetchone()
        areas = [row[0] for row in conn.execute(
            "select a.name_en from recommendation_areas ra join policy_areas a on a.id = ra.area_id "
            "where ra.recommendation_id = ? order by ra.is_primary desc, ra.score desc", [recommendation_id])]
    return {"status": status[0], "first_document_id": status[1] or "", "latest_document_id": status[2] or "",
            "areas_en": "; ".join(areas), "permalink": f"{BASE}/r/{recommendation_id}"}


@pytest.mark.parametrize("path", ["/kb/recommendations.csv?_size=max", "/kb/recommendations.csv?_stream=on",
                                  "/kb/recommendations.excelcsv?_size=max",
                                  "/-/search.csv?q=中試"])
async def test_the_recommendations_and_search_csv_carry_status_speeches_areas_and_permalink(public, built_db, path):
    response = await public.client.get(path, headers=SERVER)
    assert response.status_code == 200 and not _local(response.text)
    rows = {row["id"]: row for row in _rows(response.text)}
    for recommendation_id in (REC, "bdc-2020-brand-relaunch-survey/8"):
        if "search" in path and recommendation_id not in rows:
            continue
        expected = _expected(built_db, recommendation_id)
        assert {key: rows[recommendation_id][key] for key in expected} == expected, path
    if "search" not in path:  # every area, not the primary alone
        assert len(rows["bdc-2020-brand-relaunch-survey/8"]["areas_en"].split("; ")) == 2
    assert rows[REC]["status"] == "addressed" and rows[REC]["first_document_id"] == "hksarg-2023-policy-address"
    if "search" not in path:
        with sqlite3.connect(built_db) as conn:
            assert len(rows) == conn.execute("select count(*) from recommendations").fetchone()[0]
        assert rows[PAGED]["areas_en"].count("; ") == 3 and rows[PAGED]["latest_document_id"] == ""


async def test_the_search_csv_has_government_paragraphs_too(public):
    rows = _rows((await public.client.get("/-/search.csv?q=中試&in=government")).text)
    assert rows and {row["kind"] for row in rows} == {"paragraph"}
    assert all(row["permalink"].startswith(f"{BASE}/p/") and row["title"] and row["body"] for row in rows)


@pytest.fixture(scope="module")
def formulas(built_db, tmp_path_factory):
    db = changed_copy(built_db, tmp_path_factory.mktemp("formulas"),
                      ("update recommendations set title = '=HYPERLINK(\"http://x\",\"中試\")' where id = ?", [REC]),
                      ("update policy_areas set name_en = '@SUM(1)' where id = (select area_id from recommendation_areas "
                       "where recommendation_id = ? and is_primary = 1)", [REC]),
                      ("update response_status set first_document_id = '-2+3' where recommendation_id = ?", [REC]))
    return _served(db)


@pytest.mark.parametrize("path", ["/kb/recommendations.csv?_size=max", "/kb/recommendations.csv?_stream=on",
                                  "/kb/recommendations.excelcsv?_size=max", "/-/search.csv?q=中試"])
async def test_the_csv_neutralise_formulas_in_kbs_columns_too(formulas, path):
    response = await formulas.client.get(path)
    assert response.status_code == 200
    row = next(row for row in _rows(response.text) if row["id"] == REC)
    assert row["title"] == "'=HYPERLINK(\"http://x\",\"中試\")"
    assert row["first_document_id"] == "'-2+3"
    assert row["areas_en"].split("; ")[0] == "'@SUM(1)"
