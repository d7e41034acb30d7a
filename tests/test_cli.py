import json
import os
from pathlib import Path

import click
import sqlite_utils
import yaml
from click.testing import CliRunner

from kb.cli import main as cli_module
from kb.cli import cli
from tests.conftest import ROOT, SOURCES

BUILD_LINES = [
    "bdc-2020-brand-relaunch-survey: 18 recommendations, 0 sub-items",
    "cma-2023-policy-address: 19 recommendations, 10 sub-items",
    "cma-2024-budget: 13 recommendations, 4 sub-items",
    "hkpc-2025-manufacturing-study: 7 recommendations, 3 strategies, 10 sub-items",
    "dsedt-2023-reply-written-inquiry: 9 measures, 0 sub-items",
    "hksarg-2020-policy-address: 167 paragraphs, 10 sub-items",
    "hksarg-2023-policy-address: 171 paragraphs, 185 sub-items",
    "hksarg-2024-25-budget: 249 paragraphs, 13 sub-items",
    "hksarg-2021-policy-address: 168 paragraphs, 30 sub-items",
    "hksarg-2022-policy-address: 150 paragraphs, 157 sub-items",
    "hksarg-2023-24-budget: 223 paragraphs, 21 sub-items",
]


def test_build_prints_one_line_per_document(tmp_path):
    db_path = tmp_path / "kb.db"
    result = CliRunner().invoke(cli, ["build", "--sources", str(SOURCES), "--db", str(db_path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()  # progress of slow steps goes to stderr
    assert lines[:11] == BUILD_LINES
    assert lines[11].startswith(f"Wrote {db_path}: 11 documents, 93 rows, 1544 paragraphs in ")
    assert sqlite_utils.Database(db_path)["recommendations"].count == 93


def test_build_defaults_to_sources_and_kb_db(tmp_path, monkeypatch, sources_copy):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["build"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "kb.db").is_file()


def test_build_error_names_the_file_and_keeps_the_database(tmp_path, sources_copy):
    db_path = tmp_path / "kb.db"
    runner = CliRunner()
    runner.invoke(cli, ["build", "-s", str(sources_copy), "-d", str(db_path)], catch_exceptions=False)
    before = db_path.read_bytes()
    (sources_copy / "cma-2023-policy-address.txt").write_text("沒有編號的建議。\n", encoding="utf-8")
    result = runner.invoke(cli, ["build", "-s", str(sources_copy), "-d", str(db_path)])
    assert result.exit_code == 1
    assert "Error: cma-2023-policy-address.txt: no numbered recommendations" in result.output
    assert f"The build stopped; {db_path} was left as it was." in result.output
    assert db_path.read_bytes() == before


def test_serve_builds_when_needed_then_starts_datasette(tmp_path, monkeypatch):
    started, metadata = [], []

    def run_datasette(args):  # the metadata passed lives as long as the server
        started.append(args)
        metadata.append(json.loads(Path(args[args.index("-m") + 1]).read_text(encoding="utf-8")))
    monkeypatch.setattr(cli_module, "run_datasette", run_datasette)
    db_path = tmp_path / "kb.db"
    args = ["serve", "-s", str(SOURCES), "-d", str(db_path), "-m", str(ROOT / "metadata.yml"), "-p", "8123"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "cma-2023-policy-address: 19 recommendations, 10 sub-items" in result.output
    snapshot = tmp_path / f".kb.db.serve-{os.getpid()}" / "kb.db"
    assert started == [["serve", "-i", str(snapshot), "-m", str(snapshot.parent / "metadata.json"), "-p", "8123", "-h", "127.0.0.1", "--setting", "truncate_cells_html", "300", "--setting", "suggest_facets", "off"]]
    # metadata.yml, with the sources folder for the plugin, which serves the originals kept there
    assert metadata == [dict(yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8")), plugins={"kb": {"sources": os.path.relpath(SOURCES.resolve())}})]
    again = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert again.output.splitlines() == [f"{db_path} is up to date with {SOURCES}/"]


def test_serve_without_metadata_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(cli, ["serve", "-d", str(tmp_path / "kb.db"), "-m", str(tmp_path / "none.yml")])
    assert result.exit_code == 1
    assert "none.yml: metadata file not found" in result.output


def test_every_command_and_option_has_help():
    for name, command in cli.commands.items():
        assert command.help, name
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"{name} {param.name}"
            else:  # arguments are described in the command's help
                assert param.name.upper() in command.help, f"{name} {param.name}"
