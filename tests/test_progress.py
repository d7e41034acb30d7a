"""Progress of long builds on stderr: slow steps with their times, large
documents announced before they are parsed; quick builds stay quiet."""

import re

from click.testing import CliRunner

from kb.build import pipeline as build_module
from kb.build import progress
from kb.build.pipeline import build
from kb.cli import cli
from tests.conftest import SOURCES


def test_a_quick_build_prints_no_progress(tmp_path, monkeypatch):
    monkeypatch.setattr(progress, "SLOW_SECONDS", 1000)
    messages = []
    build(SOURCES, tmp_path / "kb.db", notify=messages.append)
    assert messages == []


def test_slow_steps_and_large_documents_are_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(progress, "SLOW_SECONDS", 0)
    monkeypatch.setattr(build_module, "LARGE_BYTES", 100_000)  # the HKPC study is 127 KB
    messages = []
    build(SOURCES, tmp_path / "kb.db", notify=messages.append)
    steps = [re.sub(r"\d+\.\ds$", "<s>", message) for message in messages]
    assert steps == [
        "parsing bdc-2020-brand-relaunch-survey (50 KB): <s>",
        "parsing cma-2023-policy-address (60 KB): <s>",
        "parsing cma-2024-budget (41 KB): <s>",
        "parsing hkpc-2025-manufacturing-study (127 KB) …",
        "parsing hkpc-2025-manufacturing-study (127 KB): <s>",
        "parsing dsedt-2023-reply-written-inquiry (6 KB): <s>",
        "parsing hksarg-2020-policy-address (107 KB) …",
        "parsing hksarg-2020-policy-address (107 KB): <s>",
        "parsing hksarg-2023-policy-address (181 KB) …",
        "parsing hksarg-2023-policy-address (181 KB): <s>",
        "parsing hksarg-2024-25-budget (126 KB) …",
        "parsing hksarg-2024-25-budget (126 KB): <s>",
        "parsing hksarg-2021-policy-address (106 KB) …",
        "parsing hksarg-2021-policy-address (106 KB): <s>",
        "parsing hksarg-2022-policy-address (138 KB) …",
        "parsing hksarg-2022-policy-address (138 KB): <s>",
        "parsing hksarg-2023-24-budget (131 KB) …",
        "parsing hksarg-2023-24-budget (131 KB): <s>",
        "tagging policy areas: <s>",
        "linking 93 rows across documents: <s>",
        "finding government responses to 93 rows in 1544 paragraphs: <s>",
        f"writing {tmp_path / 'kb.db'}: <s>",
    ]


def test_kb_build_prints_progress_on_stderr_only(tmp_path, monkeypatch):
    monkeypatch.setattr(progress, "SLOW_SECONDS", 0)
    result = CliRunner().invoke(cli, ["build", "-s", str(SOURCES), "-d", str(tmp_path / "kb.db")], catch_exceptions=False)
    assert result.exit_code == 0
    assert "linking 93 rows across documents: " in result.stderr
    assert "linking" not in result.stdout
    assert result.stdout.splitlines()[0] == "bdc-2020-brand-relaunch-survey: 18 recommendations, 0 sub-items"


def test_size_text():
    assert [progress.size_text(n) for n in (5_809, 127_276, 5_059_930, 120)] == ["6 KB", "127 KB", "5.1 MB", "1 KB"]
