"""kb.build.freshness: a built database is stale only when its sources' contents,
the kb version or the schema changed; unchanged files are not read."""

import json
import os
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from kb.build import build, freshness, needs_build
from kb.build.manifest import read_manifest


@pytest.fixture
def built(tmp_path, sources_copy):
    db_path = tmp_path / "kb.db"
    build(sources_copy, db_path)
    return sources_copy, db_path


def test_the_build_records_its_inputs_schema_and_version(built):
    sources, db_path = built
    with sqlite3.connect(db_path) as conn:
        info = dict(conn.execute("select key, value from build_info"))
    assert info["schema"] == freshness.schema_version() and info["kb_version"]
    assert '"cma-2023-policy-address.txt": [' in info["inputs"] and '"manifest.yml": [' in info["inputs"]
    assert int(info["candidate_pairs"]) > 0
    assert not needs_build(sources, db_path)


def test_a_touched_file_is_hashed_and_found_unchanged_but_new_contents_make_it_stale(built):
    sources, db_path = built
    path = sources / "cma-2024-budget.txt"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert not needs_build(sources, db_path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("香港", "本港", 1), encoding="utf-8")  # same size, other contents
    assert path.stat().st_size == len(text.encode()) and needs_build(sources, db_path)


def test_unread_files_are_not_hashed_when_size_and_time_are_as_recorded(built, monkeypatch):
    sources, db_path = built
    monkeypatch.setattr(freshness, "sha256", lambda path: pytest.fail(f"{path} was hashed"))
    assert not needs_build(sources, db_path)


def test_the_build_records_the_documents_as_it_read_them_without_hashing_them_again(tmp_path, sources_copy, monkeypatch):
    hashed = []
    real = freshness.sha256
    monkeypatch.setattr(freshness, "sha256", lambda path: hashed.append(path.name) or real(path))
    db_path = tmp_path / "kb.db"
    build(sources_copy, db_path)
    assert hashed and all(name.endswith(".yml") for name in hashed)  # the reviewer's files and the manifest only
    with sqlite3.connect(db_path) as conn:
        recorded = json.loads(conn.execute("select value from build_info where key = 'inputs'").fetchone()[0])
    assert recorded == freshness.input_state(sources_copy, [source.path for source in read_manifest(sources_copy)])


def test_a_new_reviews_file_another_kb_version_or_schema_make_it_stale(built, monkeypatch):
    sources, db_path = built
    monkeypatch.setattr(freshness.kb, "__version__", "99.0")
    assert needs_build(sources, db_path)
    monkeypatch.undo()
    monkeypatch.setattr(freshness, "schema_version", lambda: "another")
    assert needs_build(sources, db_path)
    monkeypatch.undo()
    (sources / "response_reviews.yml").write_text("{}\n", encoding="utf-8")
    assert needs_build(sources, db_path)


def test_a_missing_or_foreign_database_needs_a_build(tmp_path, sources_copy):
    assert needs_build(sources_copy, tmp_path / "none.db")
    foreign = tmp_path / "foreign.db"
    foreign.write_bytes(b"not a database")
    assert needs_build(sources_copy, foreign)


def test_the_schema_version_is_the_same_in_every_process():
    # Sets in the table definitions iterate in an order that changes with
    # each process's string hashing; the version must not.
    import subprocess
    import sys

    code = "from kb.build.freshness import schema_version; print(schema_version())"
    found = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            env={"PYTHONHASHSEED": str(seed), "PATH": ""}).stdout for seed in (1, 2, 3)}
    assert len(found) == 1 and found == {freshness.schema_version() + "\n"}


def test_a_build_reads_each_source_file_once_to_parse_and_hash_it_and_once_to_write_it(tmp_path, sources_copy, monkeypatch):
    """Hashed and parsed from one read; read again to be written (a build
    does not hold every text from parsing to writing: a quarter of a
    gigabyte at 3,000 documents), and nothing more."""
    reads = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda path: reads.append(path.name) or real(path))
    build(sources_copy, tmp_path / "kb.db")
    documents = [source.path.name for source in read_manifest(sources_copy)]
    assert Counter(name for name in reads if name in documents) == {name: 2 for name in documents}
