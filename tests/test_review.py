"""kb review: a reviewer's verdict written to sources/response_reviews.yml,
checked first, then built into the knowledge base."""

import re
import sqlite3
from contextlib import closing

import pytest
import yaml
from click.testing import CliRunner

from kb.build.pipeline import build
from kb.cli import cli
from kb.rules.reviews import read_response_reviews

BUDGET = "hksarg-2024-25-budget"


def kb(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def built_copy(sources_copy, tmp_path):
    db = tmp_path / "kb.db"
    build(sources_copy, db)
    return sources_copy, db


def rows(db, sql, *params):
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql, params).fetchall()


def test_a_rejected_response_is_gone_after_the_build(built_copy):
    sources, db = built_copy
    ask, paragraph = "cma-2024-budget/11", f"{BUDGET}/76"  # 香港是國際金融中心 … 綠色金融中心: a topic, not SMEs' low-carbon shift
    assert rows(db, "select relation, method from responses where recommendation_id = ? and paragraph_id = ?", ask, paragraph) == [("related", "rule")]
    result = kb("review", ask, paragraph, "--reject", "--note", "green finance, not SMEs", "-s", str(sources), "-d", str(db))
    assert result.exit_code == 0, result.output
    assert f"Wrote to {sources / 'response_reviews.yml'}: {ask}: reject {paragraph}." in result.output
    assert rows(db, "select 1 from responses where recommendation_id = ? and paragraph_id = ?", ask, paragraph) == []
    last = read_response_reviews(sources / "response_reviews.yml")[-1]
    assert (last.from_id, last.to_id, last.verdict, last.note) == (ask, paragraph, "reject", "green finance, not SMEs")


def test_a_confirmed_paragraph_addresses_the_ask_and_changes_its_status(built_copy):
    sources, db = built_copy
    ask, paragraph = "cma-2024-budget/12", f"{BUDGET}/150"  # support for Hong Kong firms on the Mainland: the TDC's advice
    assert rows(db, "select status from response_status where recommendation_id = ?", ask) == [("possible response",)]
    result = kb("review", ask, paragraph, "--confirm", "-s", str(sources), "-d", str(db))
    assert result.exit_code == 0, result.output
    assert rows(db, "select relation, method, score from responses where recommendation_id = ? and paragraph_id = ?", ask, paragraph) == [
        ("addresses", "manual", 100)]
    assert rows(db, "select status, first_document_id, method from response_status where recommendation_id = ?", ask) == [
        ("addressed", BUDGET, "rule")]
    assert f"{ask}: addressed" in result.output and f"addresses {paragraph} (reviewed)" in result.output


def test_a_status_set_by_a_reviewer(built_copy):
    sources, db = built_copy
    ask = "cma-2023-policy-address/17"
    result = kb("review", ask, "--status", "rejected", "--note", "the government said no", "-s", str(sources), "-d", str(db))
    assert result.exit_code == 0, result.output
    assert rows(db, "select status, method, note from response_status where recommendation_id = ?", ask) == [
        ("rejected", "manual", "the government said no")]
    assert f"{ask}: rejected (set by a reviewer)" in result.output
    card = kb("responses", "cma-2023-policy-address", "-d", str(db)).output
    assert f"{ask} " in card and "[rejected, reviewed]" in card


def test_no_build_writes_the_verdict_only(built_copy):
    sources, db = built_copy
    before = db.read_bytes()
    result = kb("review", "cma-2024-budget/11", f"{BUDGET}/76", "--reject", "--no-build", "--reviewer", "mei",
                "-s", str(sources), "-d", str(db))
    assert result.exit_code == 0 and "Run kb build to apply it." in result.output
    assert db.read_bytes() == before
    last = yaml.safe_load((sources / "response_reviews.yml").read_text(encoding="utf-8"))[-1]
    assert re.fullmatch(r"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ", last.pop("at"))
    assert last == {"recommendation": "cma-2024-budget/11", "paragraph": f"{BUDGET}/76", "verdict": "reject",
                    "reviewer": "mei", "was": "related 52 (rule)"}


def test_the_log_lists_who_changed_what_from_what_to_what(built_copy):
    sources, db = built_copy
    ask, paragraph = "cma-2024-budget/11", f"{BUDGET}/76"
    for args in (["--reject", "--reviewer", "mei"], ["--confirm", "--relation", "related", "--reviewer", "sam", "--note", "a topic"]):
        assert kb("review", ask, paragraph, *args, "-s", str(sources), "-d", str(db)).exit_code == 0
    log = kb("review", "--log", ask, "-s", str(sources)).output.splitlines()
    assert [line.split("  ", 1)[1] for line in log[-2:]] == [
        f"mei  {ask} {paragraph}: related 52 (rule) → reject",
        f"sam  {ask} {paragraph}: no response → confirm related  (a topic)"]


@pytest.mark.parametrize("note, message", [
    ("x" * 501, "the note is 501 characters long; at most 500"),
    ('<img src=x onerror="alert(1)">', "the note holds markup"),
    ("=HYPERLINK(\"http://x\")", "the note starts with '='"),
    ("line\x07bell", "the note holds control characters"),
])
def test_a_note_that_is_not_short_plain_text_is_refused(built_copy, note, message):
    sources, db = built_copy
    before = (sources / "response_reviews.yml").read_bytes()
    result = kb("review", "cma-2024-budget/11", f"{BUDGET}/76", "--reject", "--note", note, "-s", str(sources), "-d", str(db))
    assert result.exit_code == 1 and message in result.output and "Nothing was written." in result.output
    assert (sources / "response_reviews.yml").read_bytes() == before


@pytest.mark.parametrize("args, message", [
    (["nope/1", "--status", "x"], "no recommendation nope/1"),
    (["cma-2024-budget/11", f"{BUDGET}/9999", "--reject"], f"no government paragraph {BUDGET}/9999"),
    (["cma-2024-budget/1", "hksarg-2023-policy-address/61.1", "--confirm"],
     "hksarg-2023-policy-address (2023-10-25) was not published after cma-2024-budget (2023-12): it cannot respond to it"),
    (["cma-2023-policy-address/4.1", "--status", "x"], "cma-2023-policy-address/4.1 is a sub-item of cma-2023-policy-address/4"),
    (["dsedt-2023-reply-written-inquiry/1", "--status", "x"], "is a measure, not an ask"),
    (["cma-2024-budget/11", "--confirm"], "--confirm and --reject need the PARAGRAPH"),
    (["cma-2024-budget/11", f"{BUDGET}/76"], "a paragraph needs --confirm or --reject"),
    (["cma-2024-budget/11", f"{BUDGET}/76", "--confirm", "--reject"], "not both"),
    (["cma-2024-budget/11", f"{BUDGET}/76", "--reject", "--relation", "related"], "--relation goes with --confirm"),
    (["cma-2024-budget/11"], "give a PARAGRAPH with --confirm or --reject, or --status"),
    (["cma-2024-budget/11", f"{BUDGET}/76", "--reject", "--status", "x"], "give --status without a PARAGRAPH"),
])
def test_a_bad_verdict_writes_nothing(built_db, sources_copy, args, message):
    reviews = sources_copy / "response_reviews.yml"
    before = reviews.read_bytes()
    result = kb("review", *args, "-s", str(sources_copy), "-d", str(built_db))
    assert result.exit_code == 1
    assert message in result.output and "Nothing was written." in result.output
    assert reviews.read_bytes() == before
    assert sorted(p.name for p in sources_copy.iterdir() if p.name.startswith("response_reviews")) == ["response_reviews.yml"]


def test_a_reviews_file_that_does_not_read_is_left_as_it_was(built_db, sources_copy):
    reviews = sources_copy / "response_reviews.yml"
    reviews.write_text("- recommendation: cma-2024-budget/11\n  verdict: maybe\n", encoding="utf-8")
    before = reviews.read_bytes()
    result = kb("review", "cma-2024-budget/11", f"{BUDGET}/76", "--reject", "-s", str(sources_copy), "-d", str(built_db))
    assert result.exit_code == 1
    assert f"{reviews}: review 1: a verdict needs the paragraph it is about" in result.output
    assert reviews.read_bytes() == before and not (sources_copy / "response_reviews.yml.new").exists()


def test_without_a_database_it_says_to_build_first(sources_copy, tmp_path):
    result = kb("review", "cma-2024-budget/11", "--status", "x", "-s", str(sources_copy), "-d", str(tmp_path / "none.db"))
    assert result.exit_code == 1 and "no database to check the ids against; run kb build first" in result.output


def test_a_file_that_is_not_a_database_is_refused_clearly(sources_copy, tmp_path):
    not_sqlite = tmp_path / "notes.db"
    not_sqlite.write_text("these are notes, not a database\n", encoding="utf-8")
    other_sqlite = tmp_path / "other.db"
    with closing(sqlite3.connect(other_sqlite)) as conn:
        conn.execute("create table t (x)")
    reviews = sources_copy / "response_reviews.yml"
    before = reviews.read_bytes()
    for db, reason in [(not_sqlite, "file is not a database"), (other_sqlite, "no such table: recommendations")]:
        result = kb("review", "cma-2024-budget/11", "--status", "x", "-s", str(sources_copy), "-d", str(db))
        assert result.exit_code == 1
        assert f"{db}: not a knowledge base kb can read ({reason}); build one with kb build" in result.output
        assert "Nothing was written." in result.output
    assert reviews.read_bytes() == before


def test_kb_reviewer_add_prints_the_hash_never_the_password():
    from datasette_auth_passwords.utils import verify_password

    result = CliRunner().invoke(cli, ["reviewer", "add", "mei"], input="a long reviewer password\n" * 2)
    assert result.exit_code == 0, result.output
    line = result.output.splitlines()[-1]
    assert line.startswith("export KB_REVIEWER_MEI_PASSWORD_HASH='pbkdf2_sha256$") and "a long reviewer password" not in line
    assert verify_password("a long reviewer password", line.split("'")[1])
    assert not verify_password("another password", line.split("'")[1])


@pytest.mark.parametrize("args, given, message", [
    (["Mei!"], "a long reviewer password", "1 to 40 lower-case letters, digits or _"),
    (["mei"], "short", "at least 10 characters"),
])
def test_kb_reviewer_add_refuses_a_bad_name_or_a_short_password(args, given, message):
    result = CliRunner().invoke(cli, ["reviewer", "add", *args], input=f"{given}\n" * 2)
    assert result.exit_code == 2 and message in result.output and "export" not in result.output


def test_kb_serve_configures_reviewers_by_their_hashes_in_the_environment(tmp_path, monkeypatch):
    """The metadata kb serve writes names the reviewers and reads each hash
    from the environment: neither file nor /-/metadata.json holds one."""
    import json

    from kb.cli.main import _with_sources
    from tests.conftest import ROOT

    monkeypatch.setenv("KB_REVIEWER_MEI_PASSWORD_HASH", "pbkdf2_sha256$480000$salt$hash")
    monkeypatch.setenv("KB_REVIEWER_SAM_LEE_PASSWORD_HASH", "pbkdf2_sha256$480000$salt$other")
    monkeypatch.chdir(tmp_path)
    path, _ = _with_sources(str(ROOT / "metadata.yml"), str(ROOT / "sources"), tmp_path, None, str(tmp_path / "kb.db"))
    plugins = json.loads(path.read_text(encoding="utf-8"))["plugins"]
    assert plugins["datasette-auth-passwords"] == {
        "mei_password_hash": {"$env": "KB_REVIEWER_MEI_PASSWORD_HASH"},
        "sam_lee_password_hash": {"$env": "KB_REVIEWER_SAM_LEE_PASSWORD_HASH"}}
    assert plugins["kb"]["reviewers"] == ["mei", "sam_lee"] and plugins["kb"]["database"] == "kb.db"
    assert "pbkdf2" not in path.read_text(encoding="utf-8")
