"""kb add: PDFs and text files into sources/, parsed before anything is written."""

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from datasette.app import Datasette

import loaders
from kb.build import build
from kb.build.add import default_id, own_title
from kb.cli import cli
from kb.build.manifest import read_manifest
from tests.conftest import ROOT, SOURCES
from tests.test_incremental import contents

SUBMISSIONS = ROOT / "tests" / "submissions"
TAXI_UNION = SUBMISSIONS / "cb3-710-4-hk-taxi-drivers-union.pdf"
NEW_PUBLISHER = ["--publisher", "hktdu", "--publisher-zh", "香港的士司機總會", "--publisher-en", "HK Taxi Drivers' Union"]
# The four submissions with a text layer, with a publisher each, and what kb add finds.
TEXT_LAYER = [
    ("cb3-710-6-path-of-democracy", ["--publisher", "pod", "--publisher-zh", "新思維", "--publisher-en", "Path of Democracy"], 6, 16),
    ("cb3-710-4-hk-taxi-drivers-union", NEW_PUBLISHER, 9, 0),
    ("cb3-688-2-didi", ["--publisher", "didi", "--publisher-zh", "滴滴出行", "--publisher-en", "DiDi"], 4, 0),
    ("cb3-710-10-hk-federation-of-insurers", ["--publisher", "hkfi", "--publisher-zh", "香港保險業聯會", "--publisher-en", "HK Federation of Insurers"], 5, 0),
]


def run(*args):
    """kb with these arguments; kb add without building, unless a test names a database."""
    args = [str(arg) for arg in args]
    if args[0] == "add" and "--db" not in args:
        args.append("--no-build")
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_kb_add_a_pdf_prints_what_it_found_and_writes_text_pdf_and_entry(sources_copy):
    before = (sources_copy / "manifest.yml").read_bytes()
    result = run("add", TAXI_UNION, "--sources", sources_copy, "--id", "hktdu-2026-ride-hailing", *NEW_PUBLISHER)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:6] == [
        "hktdu-2026-ride-hailing: 就網約車服務規管細節提交意見書 (hktdu, 2026, 11 pages)",
        "  kind: submission, published 2026; title in English: HK Taxi Drivers' Union submission, 2026",
        "  loader: generic",
        "  found: 9 recommendations",
        "  first: 1 關於車輛許可證上限 10,000 個 (page 1)",
        "  last:  9 關於第三者風險保險與平台統括保險 (page 8)",
    ]
    text = (sources_copy / "hktdu-2026-ride-hailing.txt").read_text(encoding="utf-8")
    assert text.count("\f") == 10
    assert (sources_copy / "hktdu-2026-ride-hailing.pdf").read_bytes() == TAXI_UNION.read_bytes()
    manifest = (sources_copy / "manifest.yml").read_bytes()
    assert manifest.startswith(before)  # existing entries and comments untouched
    entry = yaml.safe_load(manifest)[-1]
    assert entry["id"] == "hktdu-2026-ride-hailing"
    assert entry["expect"] == {"recommendation": 9}
    assert entry["loader"] == "generic"
    assert entry["original"]["file"] == "hktdu-2026-ride-hailing.pdf"
    assert len(entry["original"]["sha256"]) == 64 and len(entry["sha256"]) == 64
    source = read_manifest(sources_copy)[-1]
    assert source.document.loader == "generic" and source.document.original_file == "hktdu-2026-ride-hailing.pdf"


@pytest.mark.parametrize("name,publisher,asks,sub_items", TEXT_LAYER)
def test_each_text_layer_submission_is_added_and_built(tmp_path, sources_copy, name, publisher, asks, sub_items):
    result = run("add", SUBMISSIONS / f"{name}.pdf", "--sources", sources_copy, *publisher)
    assert result.exit_code == 0, result.output
    built = run("build", "--sources", sources_copy, "--db", tmp_path / "kb.db")
    assert built.exit_code == 0, built.output
    document_id = read_manifest(sources_copy)[-1].document.id
    found = f"{document_id}: {asks} recommendations, {sub_items} sub-items"
    assert found in built.output


def test_dry_run_writes_nothing_and_shows_the_entry(sources_copy):
    before = snapshot(sources_copy)
    result = run("add", TAXI_UNION, "--sources", sources_copy, "--dry-run", *NEW_PUBLISHER)
    assert result.exit_code == 0, result.output
    assert "Dry run: nothing was written" in result.output
    assert "  expect: {recommendation: 9}" in result.output
    assert snapshot(sources_copy) == before


def test_a_document_the_publishers_loader_does_not_fit_is_refused_with_the_command_that_reads_it(sources_copy, tmp_path):
    path = tmp_path / "asks.md"
    path.write_text("# 對網約車規管的建議\n\n## 一、設立檢討機制\n\n政府應每年檢討許可證數目。\n\n## 二、公開數據\n\n當局應每年公布營運數據。\n\n2026年6月\n", encoding="utf-8")
    output = refused(sources_copy, path, "--publisher", "cma")
    assert f"{path}: the cma loader cannot read it: cma-2026-asks.txt: no numbered recommendations" in output
    assert "cma is the loader of cma's documents and it does not fit this one." in output
    command = output.split("of another layout:\n  ", 1)[1].splitlines()[0]
    assert command == f"kb add {path} --publisher cma --loader generic --sources {sources_copy}"
    result = run(*command.split()[1:])  # the command given, as a user would paste it
    assert result.exit_code == 0, result.output
    assert "cma-2026-asks: 對網約車規管的建議 (cma, 2026-06)" in result.output
    assert "  loader: generic (asked for)" in result.output
    assert "  first: 1 設立檢討機制\n  last:  2 公開數據\n" in result.output
    assert not (sources_copy / "cma-2026-asks.pdf").exists()
    assert (sources_copy / "cma-2026-asks.txt").read_text(encoding="utf-8") == path.read_text(encoding="utf-8")


def test_the_publishers_own_loader_is_used_when_it_fits(sources_copy, tmp_path):
    path = tmp_path / "cma-2025-budget.txt"
    path.write_text((SOURCES / "cma-2024-budget.txt").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    result = run("add", path, "--sources", sources_copy, "--publisher", "cma", "--cycle", "2025-26 Budget", "--published", "2024-12")
    assert result.exit_code == 0, result.output
    assert "  loader: cma (the loader of cma's documents)" in result.output
    assert "cma-2025-budget" in result.output and "found: 13 recommendations, 4 sub-items" in result.output


# --- refusals: each leaves sources/ byte for byte as it was -------------------------


def refused(sources_copy, *args):
    before = snapshot(sources_copy)
    result = run("add", *args, "--sources", sources_copy)
    assert result.exit_code != 0
    assert "Nothing was written." in result.output
    assert snapshot(sources_copy) == before
    return result.output


def test_refuses_a_file_that_is_neither_pdf_nor_text(sources_copy, tmp_path):
    path = tmp_path / "notes.docx"
    path.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xdf\xa4\xd2lZ\x01\x00\x00 \x05\x00\x00")
    assert "notes.docx: not a PDF or UTF-8 text" in refused(sources_copy, path, *NEW_PUBLISHER)


def test_refuses_big5_text_and_names_the_encoding(sources_copy, tmp_path):
    path = tmp_path / "big5.txt"
    path.write_bytes("一、設立檢討機制\n政府應每年檢討許可證數目。\n".encode("big5"))
    output = refused(sources_copy, path, *NEW_PUBLISHER)
    assert "big5.txt: not a PDF or UTF-8 text" in output and "it looks like Big5" in output


def test_refuses_utf16_text_and_names_the_encoding(sources_copy, tmp_path):
    path = tmp_path / "utf16.txt"
    path.write_bytes("一、設立檢討機制\n政府應每年檢討許可證數目。\n".encode("utf-16"))
    assert "utf16.txt: not UTF-8 text: it looks like UTF-16" in refused(sources_copy, path, *NEW_PUBLISHER)


def test_refuses_an_encrypted_pdf(sources_copy):
    output = refused(sources_copy, ROOT / "tests" / "pdf" / "encrypted.pdf", *NEW_PUBLISHER)
    assert "encrypted.pdf: the PDF is encrypted" in output


def test_refuses_a_scan_without_ocr(sources_copy):
    output = refused(sources_copy, SUBMISSIONS / "cb3-641-2-hk-taxi-council.pdf", *NEW_PUBLISHER)
    assert "cb3-641-2-hk-taxi-council.pdf: no text layer: it looks scanned; add it with --ocr" in output


def test_refuses_an_id_already_in_the_manifest(sources_copy):
    output = refused(sources_copy, TAXI_UNION, "--id", "cma-2024-budget", *NEW_PUBLISHER)
    assert "id 'cma-2024-budget' is already in" in output


def test_refuses_a_file_already_in_the_manifest(sources_copy):
    output = refused(sources_copy, SOURCES / "cma-2024-budget.txt", "--publisher", "cma", "--id", "cma-again")
    assert "cma-2024-budget.txt: this file is already in the manifest, as cma-2024-budget (same sha256)" in output


def test_refuses_a_pdf_added_before(sources_copy):
    assert run("add", TAXI_UNION, "--sources", sources_copy, *NEW_PUBLISHER).exit_code == 0
    output = refused(sources_copy, TAXI_UNION, "--id", "another-id", *NEW_PUBLISHER)
    assert "already in the manifest, as hktdu-2026-hk-taxi-drivers-union (same sha256)" in output


def test_refuses_a_document_where_the_loader_finds_no_asks(sources_copy, tmp_path):
    path = tmp_path / "letter.txt"
    path.write_text("敬啟者：\n\n本會支持政府的方向，並無其他意見。\n\n2026年6月15日\n", encoding="utf-8")
    output = refused(sources_copy, path, *NEW_PUBLISHER)
    assert "letter.txt: the generic loader cannot read it" in output and "no asks found" in output


def test_refuses_a_new_publisher_without_names(sources_copy):
    output = refused(sources_copy, TAXI_UNION, "--publisher", "hktdu")
    assert "publisher 'hktdu' is new: give its names with --publisher-zh and --publisher-en" in output


def test_refuses_an_unknown_loader(sources_copy):
    assert "--loader 'nosuch': no such loader" in refused(sources_copy, TAXI_UNION, "--loader", "nosuch", *NEW_PUBLISHER)


def test_refuses_a_loader_that_does_not_fit(sources_copy):
    output = refused(sources_copy, TAXI_UNION, "--loader", "bdc", *NEW_PUBLISHER)
    assert "cb3-710-4-hk-taxi-drivers-union.pdf: the bdc loader cannot read it" in output


def test_refuses_a_missing_date(sources_copy, tmp_path):
    path = tmp_path / "undated.txt"
    path.write_text("一、設立檢討機制\n政府應每年檢討許可證數目。\n二、公開數據\n當局應每年公布營運數據。\n", encoding="utf-8")
    assert "undated.txt: no date found in the document; give --published" in refused(sources_copy, path, *NEW_PUBLISHER)


# --- OCR ---------------------------------------------------------------------------------


def test_a_scan_is_added_with_ocr(tmp_path, sources_copy):
    """The taxi council's scan (held out while the generic loader was
    written): OCR gives a text layer; its four asks are headings 一、 to 四、."""
    result = CliRunner().invoke(
        cli, ["add", str(SUBMISSIONS / "cb3-641-2-hk-taxi-council.pdf"), "--sources", str(sources_copy), "--ocr",
              "--publisher", "hktc", "--publisher-zh", "香港的士業議會", "--publisher-en", "HK Taxi Council"],
    )
    assert result.exit_code == 0, result.output + result.stderr
    assert "OCR page 1/3" in result.stderr and "OCR done" in result.stderr
    assert "(hktc, 2026, 3 pages, OCR)" in result.output
    # The headings are underlined: with the rules erased before OCR all four are read.
    assert "  found: 4 recommendations" in result.output
    assert "  first: 1 實施總量管控，以小步快走方式根據實際需要調整網約車數量 (page 1)" in result.output
    assert "  last:  4 " in result.output and "統一執法與規管標準規管司機服務水平 (page 2)" in result.output
    entry = yaml.safe_load((sources_copy / "manifest.yml").read_text(encoding="utf-8"))[-1]
    assert entry["ocr"] is True
    text = (sources_copy / f"{entry['id']}.txt").read_text(encoding="utf-8")
    assert text.count("\f") == 2 and "香港的士業議會" in text
    built = run("build", "--sources", sources_copy, "--db", tmp_path / "kb.db")
    assert built.exit_code == 0, built.output


# --- an added document everywhere a user looks ---------------------------------------------


@pytest.fixture(scope="module")
def added_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("added")
    sources = Path(shutil.copytree(SOURCES, folder / "sources"))
    assert run("add", TAXI_UNION, "--sources", sources, "--id", "hktdu-2026-ride-hailing", *NEW_PUBLISHER).exit_code == 0
    assert run("build", "--sources", sources, "--db", folder / "kb.db").exit_code == 0
    return folder / "kb.db"


def test_an_added_document_is_searched(added_db):
    result = run("search", "統括保險", "--db", added_db, "--json")
    ids = [found["id"] for found in json.loads(result.output)]
    assert "hktdu-2026-ride-hailing/9" in ids


def test_an_added_document_has_areas(added_db):
    result = run("areas", "--db", added_db, "--by", "publisher", "--json")
    assert "hktdu" in result.output


def test_an_added_document_is_compared(added_db):
    result = run("compare", "cma-2024-budget", "hktdu-2026-ride-hailing", "--db", added_db, "--json")
    assert result.exit_code == 0, result.output
    comparison = json.loads(result.output)
    assert len(comparison["new"]) + len(comparison["pairs"]) == 9


async def test_an_added_row_has_its_page_and_its_passage_in_the_source_view(added_db):
    datasette = Datasette([str(added_db)], immutables=[])
    row = (await datasette.client.get("/kb/recommendations/hktdu-2026-ride-hailing~2F2.json?_shape=objects")).json()["rows"][0]
    assert row["title"] == "新界及大嶼山的士所承受的不成比例損害"
    assert row["page"] == 3
    document = (await datasette.client.get("/kb/documents/hktdu-2026-ride-hailing.json?_shape=objects")).json()["rows"][0]
    assert document["loader"] == "generic" and document["original_file"] == "hktdu-2026-ride-hailing.pdf"
    page = (await datasette.client.get("/-/source/hktdu-2026-ride-hailing?id=hktdu-2026-ride-hailing%2F2")).text
    assert f'getElementById("L{row["line_start"]}").scrollIntoView' in page
    assert "新界及大嶼山的士所承受的不成比例損害" in page
    assert f"lines {row['line_start']}–{row['line_end']}, page 3" in page
    assert page.count('<tr class="kb-page">') == 11 and "page 3 第3頁" in page


# --- helpers -----------------------------------------------------------------------------


def test_default_id_leaves_out_what_it_repeats():
    assert default_id("cma", 2025, Path("CMA 2025 Budget.pdf")) == "cma-2025-budget"
    assert default_id("hktdu", 2026, Path("cb3-710-4.pdf")) == "hktdu-2026"  # a paper's codes and numbers say nothing
    assert default_id("hktdu", 2026, Path("cb3-710-4-hk-taxi-drivers-union.pdf")) == "hktdu-2026-hk-taxi-drivers-union"


def test_a_default_id_is_short_and_cut_at_a_word():
    name = Path("legco-2026-ridehailing-subcommittee-submission-of-the-hong-kong-taxi-council-cb3-641-2.pdf")
    document_id = default_id("hktc", 2026, name)
    assert document_id == "hktc-2026-legco-ridehailing-subcommittee"
    assert len(document_id) <= 40


def test_own_title_skips_stamps_and_letterheads():
    text = "立法會CB(3)710/2026(06)號文件\n本處檔號：TS-2606-BL004\n新思維就與規管網約車服務有關的四項附屬法例提交之意見書\n"
    assert own_title(text) == "新思維就與規管網約車服務有關的四項附屬法例提交之意見書"


def test_warnings_are_printed(sources_copy, tmp_path):
    path = tmp_path / "cut.txt"
    path.write_text("一、設立檢討機制\n政府應每年檢討許可證數目。\n二、公開數據\n當局應每年公布營運\n", encoding="utf-8")
    result = run("add", path, "--sources", sources_copy, "--published", "2026-06", *NEW_PUBLISHER)
    assert result.exit_code == 0, result.output
    assert "  warning: " in result.output and "the document's last row, ends mid-sentence (…當局應每年公布營運): is the file cut short?" in result.output


def test_kb_add_ends_with_an_incremental_build_of_the_database(sources_copy, tmp_path, monkeypatch):
    db = tmp_path / "kb.db"
    assert run("build", "--sources", sources_copy, "--db", db).exit_code == 0
    parsed = []
    generic = loaders.LOADERS["generic"]
    monkeypatch.setitem(loaders.LOADERS, "generic", lambda text, document: parsed.append(document.id) or generic(text, document))
    result = CliRunner().invoke(cli, ["add", str(TAXI_UNION), "--sources", str(sources_copy), "--db", str(db),
                                      "--id", "hktdu-2026-ride-hailing", *NEW_PUBLISHER], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"; building {db}." in result.output
    assert "building incrementally: 11 documents kept, 1 added, changed or removed" in result.stderr
    assert "hktdu-2026-ride-hailing: 9 recommendations, 0 sub-items" in result.stdout
    assert "cma-2023-policy-address: " not in result.stdout  # the documents kb add did not add are counted, not listed
    assert "11 other documents not listed: kb build lists them\nWrote " in result.stdout
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from recommendations where document_id = 'hktdu-2026-ride-hailing'").fetchone() == (9,)
    assert parsed == ["hktdu-2026-ride-hailing"]  # by kb add; the build takes its parse
    build(sources_copy, tmp_path / "full.db", full=True)
    assert contents(db) == contents(tmp_path / "full.db")


# --- headings found by their look, and the defaults ---------------------------------------

BOLD_HEADINGS = ROOT / "tests" / "generated" / "bold-unnumbered.pdf"
GREEN = ["--publisher", "green", "--publisher-zh", "綠色社區行動", "--publisher-en", "Green Community Action"]


def test_a_document_with_only_unnumbered_bold_headings_is_added_with_each_heading_s_ask(sources_copy, tmp_path):
    db = tmp_path / "kb.db"
    result = CliRunner().invoke(cli, ["add", str(BOLD_HEADINGS), "--sources", str(sources_copy), "--db", str(db), *GREEN],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:6] == [
        "green-2031-bold-unnumbered: 對廢物回收政策的建議書 (green, 2031-05-20, 1 page)",
        "  kind: submission, published 2031-05-20; title in English: Green Community Action submission, May 2031",
        "  loader: generic",
        "  found: 3 recommendations",
        "  first: 1 擴展社區回收網絡 (page 1)",
        "  last:  3 支援回收業界 (page 1)",
    ]
    assert (sources_copy / "green-2031-bold-unnumbered.pdf").read_bytes() == BOLD_HEADINGS.read_bytes()
    stored = (sources_copy / "green-2031-bold-unnumbered.txt").read_text(encoding="utf-8")
    assert "**推行廚餘收集**" in stored.split("\n")  # the look that makes it a heading, kept for the next build
    with sqlite3.connect(db) as conn:
        rows = conn.execute("select id, title, page from recommendations where document_id = 'green-2031-bold-unnumbered' order by ordinal").fetchall()
        shown = [text for (text,) in conn.execute("select text from document_lines where document_id = 'green-2031-bold-unnumbered'")]
    assert rows == [("green-2031-bold-unnumbered/1", "擴展社區回收網絡", 1), ("green-2031-bold-unnumbered/2", "推行廚餘收集", 1),
                    ("green-2031-bold-unnumbered/3", "支援回收業界", 1)]
    assert "推行廚餘收集" in shown and not any("**" in text or text.startswith("#") for text in shown)  # the reader sees no marks
    again = CliRunner().invoke(cli, ["build", "--sources", str(sources_copy), "--db", str(tmp_path / "again.db"), "--full"])
    assert "green-2031-bold-unnumbered: 3 recommendations, 0 sub-items" in again.output  # read back from sources/ alike


def test_the_date_is_the_one_the_paper_is_signed_with_not_a_meeting_s(sources_copy, tmp_path):
    path = tmp_path / "paper.txt"
    path.write_text("Submission on Elderly Care Services\n對安老服務的意見\n委員會將於2026年7月3日舉行會議。\n"
                    "一、增加宿位\n政府應增加資助宿位。\n二、培訓人手\n當局應培訓護理人員。\n本會\n2026年6月15日\n", encoding="utf-8")
    result = run("add", path, "--sources", sources_copy, "--dry-run", *GREEN)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == [
        "green-2026-paper: 對安老服務的意見 (green, 2026-06-15)",
        "  kind: submission, published 2026-06-15; title in English: Submission on Elderly Care Services",
    ]


def test_a_second_document_of_a_publisher_and_year_gets_the_next_free_id(sources_copy, tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        path = tmp_path / folder / "asks.txt"
        path.write_text(f"一、設立機制{folder}\n政府應設立檢討機制。\n二、公開數據\n當局應公開數據。\n2026年6月\n", encoding="utf-8")
        assert run("add", path, "--sources", sources_copy, *GREEN).exit_code == 0
    assert [source.document.id for source in read_manifest(sources_copy)][-2:] == ["green-2026-asks", "green-2026-asks-2"]
