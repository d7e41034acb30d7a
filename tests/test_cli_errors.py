"""What the command line says when the input is wrong: one clear message
naming the file (and line), never a traceback, checked before the long
work where it can be."""

import codecs

import pytest
from click.testing import CliRunner

from kb.cli import main as cli_module
from kb.build.pipeline import build
from kb.cli import cli
from tests.conftest import ROOT

DSEDT = "dsedt-2023-reply-written-inquiry"


def _invoke(*args):
    return CliRunner().invoke(cli, list(args))


def test_serve_with_a_broken_manifest_and_an_existing_database(tmp_path, sources_copy, monkeypatch):
    db_path = tmp_path / "kb.db"
    build(sources_copy, db_path)
    before = db_path.read_bytes()
    (sources_copy / "manifest.yml").write_text("- [unclosed\n", encoding="utf-8")
    monkeypatch.setattr(cli_module, "run_datasette", lambda args: pytest.fail("served a database with a broken manifest"))
    result = _invoke("serve", "-s", str(sources_copy), "-d", str(db_path), "-m", str(ROOT / "metadata.yml"))
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "manifest.yml:2: not valid YAML" in result.output
    assert f"Nothing was served; {db_path} was left as it was." in result.output
    assert db_path.read_bytes() == before


def test_build_into_a_missing_folder_fails_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setattr("kb.build.pipeline.read_manifest", lambda sources: pytest.fail("parsed before checking --db"))
    db_path = tmp_path / "no" / "such" / "kb.db"
    result = _invoke("build", "--db", str(db_path))
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert f"{db_path}: cannot write the database there, folder {tmp_path / 'no' / 'such'} does not exist" in result.output


def test_a_byte_order_mark_is_dropped(tmp_path, sources_copy):
    path = sources_copy / f"{DSEDT}.txt"
    path.write_bytes(codecs.BOM_UTF8 + path.read_bytes())
    result = _invoke("build", "-s", str(sources_copy), "-d", str(tmp_path / "kb.db"))
    assert result.exit_code == 0, result.output
    assert f"{DSEDT}: 9 measures, 0 sub-items" in result.output


def test_a_file_in_big5_from_line_7_is_named_with_the_line_and_encoding(tmp_path, sources_copy):
    path = sources_copy / f"{DSEDT}.txt"
    lines = path.read_text(encoding="utf-8").split("\n")
    path.write_bytes("\n".join(lines[:6] + [""]).encode("utf-8") + "\n".join(lines[6:]).encode("big5hkscs", "replace"))
    result = _invoke("build", "-s", str(sources_copy), "-d", str(tmp_path / "kb.db"))
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert f"{DSEDT}.txt:7: not UTF-8 text (invalid start byte at byte 1 of the line); " in result.output
    assert "it looks like BIG5-HKSCS: convert it, e.g. iconv -f BIG5-HKSCS -t UTF-8" in result.output
    assert not (tmp_path / "kb.db").exists()


def test_a_file_saved_as_utf16_is_named_as_such(tmp_path, sources_copy):
    path = sources_copy / f"{DSEDT}.txt"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    result = _invoke("build", "-s", str(sources_copy), "-d", str(tmp_path / "kb.db"))
    assert result.exit_code == 1
    assert f"{DSEDT}.txt:1: not UTF-8 text (invalid start byte at byte 1 of the line); it looks like UTF-16" in result.output


def test_search_with_a_year_too_large_for_sqlite(built_db):
    result = _invoke("search", "中小企", "--db", str(built_db), "--year", "99999999999999999999999")
    assert result.exit_code == 2
    assert "Invalid value for '-y' / '--year'" in result.output
