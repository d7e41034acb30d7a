"""Incremental builds (kb.build.incremental): a build that keeps what the previous
database holds gives the same rows in every table as a full build, after
adding a newer document, inserting an older one, changing one and removing
one; it parses only what changed; and only a change to the code that decides
the stored rows makes the next build a full one."""

import re
import shutil
import sys
import sqlite3
from pathlib import Path

import pytest
import yaml

import loaders
from kb.build import incremental
from kb.build.pipeline import build
from kb.build.incremental import code_version, read_previous
from kb.build.store import common_prefix
from kb.rules import link_window, links
from tests.test_threads import threads_read_back, threads_table

ROOT = Path(__file__).parent.parent
SOURCES = ROOT / "sources"
REVIEWS = ("link_reviews.yml", "response_reviews.yml", "area_overrides.yml")
BDC, CMA_2023, CMA_2024, DSEDT = (
    "bdc-2020-brand-relaunch-survey", "cma-2023-policy-address", "cma-2024-budget", "dsedt-2023-reply-written-inquiry")


def entries() -> list[dict]:
    return yaml.safe_load((SOURCES / "manifest.yml").read_text(encoding="utf-8"))


def lay_out(folder: Path, ids: list[str], texts: dict[str, str] | None = None) -> None:
    """``folder`` holds the documents ``ids`` (texts replaced by ``texts``),
    and the reviewer's files with only the entries naming them."""
    folder.mkdir(exist_ok=True)
    chosen = [entry for entry in entries() if entry["id"] in ids]
    for entry in chosen:
        original = (entry.get("original") or {}).get("file")
        if original and not (folder / original).exists():
            shutil.copyfile(SOURCES / original, folder / original)
        text = (texts or {}).get(entry["id"])
        if text is None:
            shutil.copyfile(SOURCES / entry["file"], folder / entry["file"])
        else:
            (folder / entry["file"]).write_text(text, encoding="utf-8")
            entry.pop("sha256", None)
    (folder / "manifest.yml").write_text(yaml.safe_dump(chosen, allow_unicode=True, sort_keys=False), encoding="utf-8")
    present = lambda row_id: row_id.split("/")[0] in ids  # noqa: E731
    links = yaml.safe_load((SOURCES / REVIEWS[0]).read_text(encoding="utf-8")) or {}
    kept = {key: value for key, value in links.items() if all(present(i.strip()) for i in key.split("->"))}
    (folder / REVIEWS[0]).write_text(yaml.safe_dump(kept, allow_unicode=True), encoding="utf-8")
    responses = yaml.safe_load((SOURCES / REVIEWS[1]).read_text(encoding="utf-8")) or []
    kept = [r for r in responses if present(r["recommendation"]) and (not r.get("paragraph") or present(r["paragraph"]))]
    (folder / REVIEWS[1]).write_text(yaml.safe_dump(kept, allow_unicode=True), encoding="utf-8")
    areas = yaml.safe_load((SOURCES / REVIEWS[2]).read_text(encoding="utf-8")) or {}
    kept = {key: value for key, value in areas.items() if present(key)}
    (folder / REVIEWS[2]).write_text(yaml.safe_dump(kept, allow_unicode=True), encoding="utf-8")


# Tables pages read in rowid order: compared in that order (the search
# table's rowids are spaced apart and not the same numbers, kb.rules.search_index).
IN_ORDER = ("links", "threads", "recommendations_search")


def contents(db: Path) -> dict[str, list]:
    """Every table's rows, sorted, or in rowid order (``IN_ORDER``; the search
    table through its own columns)."""
    with sqlite3.connect(db) as conn:
        names = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'")]
        found = {}
        for name in names:
            if name.startswith("recommendations_search_"):
                continue  # FTS5's own storage; the search table itself is compared
            rows = conn.execute(f"select * from [{name}] order by rowid").fetchall()
            found[name] = rows if name in IN_ORDER else sorted(rows, key=repr)
        return found


@pytest.fixture(scope="module")
def steps(tmp_path_factory):
    """Build incrementally through a series of changes to the sources, and
    in full after each: (what changed, incremental database, full database, notes)."""
    root = tmp_path_factory.mktemp("incremental")
    folder, db = root / "sources", root / "kb.db"
    all_ids = [entry["id"] for entry in entries()]
    cma_2023 = (SOURCES / f"{CMA_2023}.txt").read_text(encoding="utf-8")
    changed = cma_2023.replace("港版中試", "香港中試", 1)
    assert changed != cma_2023
    states = [
        ("a newer document added", [i for i in all_ids if i != BDC], {}),
        ("an older document inserted", all_ids, {}),
        ("a document changed", all_ids, {CMA_2023: changed}),
        ("a document removed", [i for i in all_ids if i != DSEDT], {CMA_2023: changed}),
    ]
    lay_out(folder, [i for i in all_ids if i not in (BDC, CMA_2024)])
    build(folder, db)
    results = []
    for name, ids, texts in states:
        for stale in folder.glob("*.txt"):
            stale.unlink()
        lay_out(folder, ids, texts)
        notes = []
        build(folder, db, notify=notes.append)
        full = root / f"full-{len(results)}.db"
        build(folder, full, full=True)
        results.append((name, contents(db), contents(full), notes))
    return results


@pytest.mark.parametrize("step", range(4))
def test_an_incremental_build_gives_the_rows_of_a_full_build(steps, step):
    name, incremental, full, _ = steps[step]
    assert incremental.keys() == full.keys()
    for table in full:
        assert incremental[table] == full[table], f"{name}: table {table} differs"


def test_an_incremental_build_parses_only_what_changed(steps):
    notes = [next(n for n in step[3] if n.startswith("building incrementally")) for step in steps]
    assert notes == [
        "building incrementally: 9 documents kept, 1 added, changed or removed",
        "building incrementally: 10 documents kept, 1 added, changed or removed",
        "building incrementally: 10 documents kept, 1 added, changed or removed",
        "building incrementally: 10 documents kept, 1 added, changed or removed",
    ]
    _, incremental, _, _ = steps[0]
    links = {(row[0], row[1]) for row in incremental["links"]}
    assert (f"{CMA_2023}/10", f"{CMA_2024}/11") in links  # the new document is linked
    assert any(row[0].startswith(BDC) for row in steps[1][1]["links"])  # so is the older one inserted


def test_a_database_built_by_other_code_is_built_in_full(tmp_path, monkeypatch):
    db = tmp_path / "kb.db"
    build(SOURCES, db)
    assert read_previous(db) is not None
    monkeypatch.setattr("kb.build.incremental.code_version", lambda: "other")
    assert read_previous(db) is None
    notes = []
    build(SOURCES, db, notify=notes.append)
    assert not any(n.startswith("building incrementally") for n in notes)
    assert len(code_version()) == 16


def test_incremental_equals_full_on_a_corpus_longer_than_the_link_window(tmp_path):
    """Sixteen copies of the documents over eleven years: windows of five
    years matter, and the document added is published before the last ones."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import benchmark_build

    folder, db = tmp_path / "sources", tmp_path / "kb.db"
    entries = benchmark_build.make_corpus(16, folder)
    build(folder, db)
    added = benchmark_build.add_document(folder, entries, 16)
    assert added["published"] < max(str(entry["published"]) for entry in entries)
    notes = []
    build(folder, db, notify=notes.append)
    assert "building incrementally: 16 documents kept, 1 added, changed or removed" in notes
    build(folder, tmp_path / "full.db", full=True)
    assert contents(db) == contents(tmp_path / "full.db")
    assert threads_table(db) == threads_read_back(db)  # threads worked out in memory, as from the database


def test_incremental_equals_full_when_a_removed_government_text_brings_a_later_one_into_an_asks_window(tmp_path):
    """Removing a government text moves the next one into the answer window
    of the asks before it: a pair neither of whose documents changed."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import benchmark_build

    folder, db = tmp_path / "sources", tmp_path / "kb.db"
    entries = benchmark_build.make_corpus(16, folder)
    build(folder, db)
    government = sorted((e for e in entries if e["publisher"]["id"] == "hksarg"), key=lambda e: str(e["published"]))
    removed = government[1]
    benchmark_build.write_manifest(folder, [e for e in entries if e is not removed])
    build(folder, db)
    build(folder, tmp_path / "full.db", full=True)
    incremental, full = contents(db), contents(tmp_path / "full.db")
    assert any(row[1].startswith(government[2]["id"]) for row in full["responses"])
    assert incremental == full


# --- the code that decides the stored rows -----------------------------------------


@pytest.fixture(scope="module")
def built_once(tmp_path_factory):
    path = tmp_path_factory.mktemp("code") / "kb.db"
    build(SOURCES, path)
    return path


def code_copy(folder: Path, edited: tuple[str, ...] = ()) -> Path:
    """A copy of kb/ and loaders/ in ``folder``, with a comment added to the files ``edited``."""
    for name in ("kb", "loaders"):
        shutil.copytree(ROOT / name, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in edited:
        with open(folder / name, "a", encoding="utf-8") as file:
            file.write("\n# edited\n")
    return folder


def build_with_code(code: Path, built: Path, folder: Path, monkeypatch) -> list[str]:
    """Build a copy of ``built`` again, as the code in ``code`` would; what the build said."""
    monkeypatch.setattr(incremental, "CODE_ROOT", code)
    db = folder / "kb.db"
    shutil.copyfile(built, db)
    notes = []
    build(SOURCES, db, notify=notes.append)
    return notes


def test_a_change_to_the_pages_the_commands_or_the_read_side_keeps_the_build_incremental(tmp_path, monkeypatch, built_once):
    edited = ("kb/web/home.py", "kb/cli/main.py", "kb/read/search.py", "kb/__main__.py")
    notes = build_with_code(code_copy(tmp_path / "code", edited), built_once, tmp_path, monkeypatch)
    assert "building incrementally: 11 documents kept, 0 added, changed or removed" in notes


@pytest.mark.parametrize("edited", ["kb/rules/graph.py", "kb/rules/data/policy_areas.yml", "loaders/generic.py"])
def test_a_change_to_the_code_that_decides_the_rows_forces_a_full_build(tmp_path, monkeypatch, built_once, edited):
    version = code_version()
    monkeypatch.setattr(incremental, "CODE_ROOT", code_copy(tmp_path / "same"))
    assert code_version() == version  # the copy is hashed as the tree itself
    notes = build_with_code(code_copy(tmp_path / "code", (edited,)), built_once, tmp_path, monkeypatch)
    assert not any(note.startswith("building incrementally") for note in notes)


def test_an_incremental_build_warns_of_a_kept_documents_unread_lines_as_a_full_build_does(tmp_path, monkeypatch):
    """The lines a loader numbered but read into no row are kept by the build
    (build_info), so a document kept from the previous build is not parsed
    again to warn of them."""
    folder, db = tmp_path / "sources", tmp_path / "kb.db"
    shutil.copytree(SOURCES, folder, ignore=shutil.ignore_patterns(".*"))
    text = (folder / f"{CMA_2023}.txt").read_text(encoding="utf-8")
    stray = "1. 本會一向關注工業發展，並就施政報告提出以下建議。"
    (folder / f"{CMA_2023}.txt").write_text(text.replace("\n", f"\n{stray}\n", 1), encoding="utf-8")
    manifest = folder / "manifest.yml"
    manifest.write_text(re.sub(rf"(- id: {CMA_2023}\n  file: .*\n)(  sha256: .*\n)?", r"\1", manifest.read_text(encoding="utf-8")),
                        encoding="utf-8")
    full = {report.document_id: report.warnings for report in build(folder, db)}
    assert any(stray in warning for warning in full[CMA_2023])
    calls = []
    found_again = loaders.unread
    monkeypatch.setattr(loaders, "unread", lambda *args: calls.append(args) or found_again(*args))
    incremental = {report.document_id: report.warnings for report in build(folder, db)}
    assert incremental == full and calls == []


def test_one_synthetic_document_added_to_the_real_sources_builds_incrementally_as_a_full_build(tmp_path):
    """The real sources, then a CMA submission made from the 2024-25 one
    (a tenth of its Han characters changed) and published a year before
    it, among the real documents: the incremental build, which writes only
    the rows that differ, holds what a full build of the same sources
    holds, the links, threads and search rows in the same order."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import random

    import benchmark_build

    folder, db = tmp_path / "sources", tmp_path / "kb.db"
    shutil.copytree(SOURCES, folder, ignore=shutil.ignore_patterns(".*"))
    build(folder, db)
    seed = next(entry for entry in entries() if entry["id"] == CMA_2024)
    text = (SOURCES / seed["file"]).read_text(encoding="utf-8")
    pool = sorted(set(re.findall(r"[\u4e00-\u9fff]", text)) - benchmark_build._KEPT)
    added = {key: value for key, value in seed.items() if key not in ("expect", "sha256", "original")}
    added.update(id="cma-2023-budget-synthetic", file="cma-2023-budget-synthetic.txt", published="2022-12",
                 cycle="2023-24 Budget")
    (folder / added["file"]).write_text(benchmark_build.mutate(text, random.Random(7), pool), encoding="utf-8")
    manifest = yaml.safe_load((folder / "manifest.yml").read_text(encoding="utf-8"))
    (folder / "manifest.yml").write_text(yaml.safe_dump(manifest + [added], allow_unicode=True, sort_keys=False),
                                         encoding="utf-8")
    notes = []
    build(folder, db, notify=notes.append)
    assert f"building incrementally: {len(manifest)} documents kept, 1 added, changed or removed" in notes
    build(folder, tmp_path / "full.db", full=True)
    incremental, full = contents(db), contents(tmp_path / "full.db")
    assert any(row[1].startswith(added["id"]) for row in full["links"])  # the new document is linked
    assert incremental == full


def test_a_government_text_added_links_nothing_again(tmp_path, monkeypatch):
    """A window's statistics count rows, and a government text has none (its
    paragraphs are not linked): adding one finds no link again (only the
    documents the link reviews name are linked again at every build), and
    the build still holds what a full build does."""
    from kb.build import pipeline

    folder, db = tmp_path / "sources", tmp_path / "kb.db"
    budget = "hksarg-2024-25-budget"
    all_ids = [entry["id"] for entry in entries()]
    lay_out(folder, [i for i in all_ids if i != budget])
    build(folder, db)
    lay_out(folder, all_ids)
    linked_into = []
    found_links = pipeline.rule_links
    monkeypatch.setattr(pipeline, "rule_links", lambda *args, **kwargs: linked_into.append(kwargs.get("into")) or found_links(*args, **kwargs))
    notes = []
    build(folder, db, notify=notes.append)
    assert any(note.startswith("building incrementally") for note in notes)
    reviews = yaml.safe_load((folder / REVIEWS[0]).read_text(encoding="utf-8")) or {}
    reviewed = {i.strip().split("/")[0] for key in reviews for i in key.split("->")}
    assert linked_into == [reviewed]
    build(folder, tmp_path / "full.db", full=True)
    assert contents(db) == contents(tmp_path / "full.db")


def test_incremental_equals_full_when_the_response_verdicts_change(tmp_path):
    """The responses of the pairs a verdict names, added, changed or
    dropped since the previous build, are worked out again, and the asks'
    statuses with them; the other pairs' responses are kept as stored, not
    read (``kb.rules.answers.Kept``)."""
    folder, db = tmp_path / "sources", tmp_path / "kb.db"
    all_ids = [entry["id"] for entry in entries()]
    lay_out(folder, all_ids)
    build(folder, db)
    with sqlite3.connect(db) as conn:
        found = conn.execute("select recommendation_id, paragraph_id from responses where method = 'rule' "
                             "order by recommendation_id, paragraph_id").fetchall()
        asks = [row[0] for row in conn.execute("select recommendation_id from response_status where method = 'rule' "
                                               "order by recommendation_id")]
    path = folder / REVIEWS[1]
    verdicts = yaml.safe_load(path.read_text(encoding="utf-8"))
    rejected, relabelled = found[0], found[len(found) // 2]
    verdicts = verdicts[1:] + [
        {"recommendation": rejected[0], "paragraph": rejected[1], "verdict": "reject"},
        {"recommendation": relabelled[0], "paragraph": relabelled[1], "verdict": "confirm", "relation": "addresses"},
        {"recommendation": asks[-1], "status": "rejected", "note": "turned down"},
    ]
    path.write_text(yaml.safe_dump(verdicts, allow_unicode=True, sort_keys=False), encoding="utf-8")
    notes = []
    reports = build(folder, db, notify=notes.append)
    assert any(note.startswith("building incrementally: 11 documents kept") for note in notes)
    full = tmp_path / "full.db"
    # what each document holds, a kept government text's paragraphs counted without reading them
    assert [r.line() for r in reports] == [r.line() for r in build(folder, full, full=True)]
    incremental, expected = contents(db), contents(full)
    for table in expected:
        assert incremental[table] == expected[table], f"table {table} differs"
    # and back: the verdicts dropped again
    lay_out(folder, all_ids)
    build(folder, db)
    build(folder, full, full=True)
    assert contents(db) == contents(full)


@pytest.mark.parametrize("a, b, shared", [
    ([], [], 0), ([1, 2], [], 0), (list(range(10_000)), list(range(10_000)), 10_000),
    (list(range(10_000)), list(range(9_000)), 9_000), (list(range(10_000)), list(range(5_000)) + [-1] + list(range(5_001, 10_000)), 5_000),
    ([1, 2, 3], [1, 9, 3], 1),
])
def test_the_links_kept_from_the_start_are_counted_a_chunk_at_a_time_as_one_by_one(a, b, shared):
    assert common_prefix(a, b) == shared == common_prefix(b, a)


def test_an_entry_changed_over_an_unchanged_file_reads_the_file_once_and_is_built_again(sources_copy, tmp_path, monkeypatch):
    db = tmp_path / "kb.db"
    build(sources_copy, db)
    manifest = sources_copy / "manifest.yml"
    old = 'en: "Hong Kong Brands: The Road to Relaunch — survey analysis report"'
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(old, 'en: "Brands relaunched"'), encoding="utf-8")
    reads = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda path: reads.append(path.name) or real(path))
    notes = []
    build(sources_copy, db, notify=notes.append)
    assert "building incrementally: 10 documents kept, 1 added, changed or removed" in notes
    assert reads.count(f"{BDC}.txt") == 2  # read to parse it, and again to write it; the others not at all
    assert not [name for name in reads if name.endswith(".txt") and name != f"{BDC}.txt"]
    with sqlite3.connect(db) as conn:
        assert conn.execute("select title_en from documents where id = ?", [BDC]).fetchone() == ("Brands relaunched",)
    build(sources_copy, tmp_path / "full.db", full=True)
    assert contents(db) == contents(tmp_path / "full.db")


def _kept_links_never_read_whole(monkeypatch):
    """An incremental build that keeps every row reads no kept link back
    (kb.build.link_change): reading them all fails the test."""
    def read_all(self):
        raise AssertionError("every link read back")
    monkeypatch.setattr(incremental.StoredLinks, "all", read_all)


def _profiled_documents(monkeypatch) -> set[str]:
    """The documents whose rows linking profiles from now on."""
    profiled, real = set(), links.profiles
    monkeypatch.setattr(links, "profiles", lambda rows, order: profiled.update(r.document_id for r in rows) or real(rows, order))
    return profiled


def test_a_newer_document_added_reads_back_only_the_links_it_changes(tmp_path, monkeypatch):
    sys.path.insert(0, str(ROOT / "scripts"))
    import benchmark_build

    folder, db = tmp_path / "sources", tmp_path / "kb.db"
    entries = benchmark_build.make_corpus(12, folder)
    build(folder, db)
    added = benchmark_build.add_document(folder, entries, 12)
    added["published"] = f"{max(int(str(e['published'])[:4]) for e in entries) + 1}-06"  # after every other
    benchmark_build.write_manifest(folder, entries + [added])
    before = contents(db)["links"]
    _kept_links_never_read_whole(monkeypatch)
    profiled = _profiled_documents(monkeypatch)
    notes = []
    build(folder, db, notify=notes.append)
    assert "building incrementally: 12 documents kept, 1 added, changed or removed" in notes
    monkeypatch.undo()
    # Only the rows of the new document's window are profiled, not those of
    # its window's documents' windows (completed from what the previous build kept).
    years = {entry["id"]: int(str(entry["published"])[:4]) for entry in entries + [added]}
    first = years[added["id"]] - link_window.HORIZON_YEARS
    assert min(years[d] for d in profiled) >= first > min(years.values())
    assert any(first - link_window.HORIZON_YEARS <= year < first for year in years.values())  # the rows once profiled too
    build(folder, tmp_path / "full.db", full=True)
    incremental, full = contents(db), contents(tmp_path / "full.db")
    assert incremental == full
    assert len(full["links"]) > len(before) and common_prefix(before, full["links"]) > 0


def test_link_verdicts_added_between_builds_are_applied_as_a_full_build_applies_them(tmp_path, monkeypatch):
    """A confirmed link added reads back no kept link; a rejected one may
    split a thread, and the links are read to find the threads again."""
    folder, db = tmp_path / "sources", tmp_path / "kb.db"
    shutil.copytree(SOURCES, folder, ignore=shutil.ignore_patterns(".*"))
    build(folder, db)
    with sqlite3.connect(db) as conn:
        rejected = conn.execute("select from_id, to_id from links where method = 'rule' order by rowid limit 1").fetchone()
        linked = {pair for pair in conn.execute("select from_id, to_id from links")}
        later = conn.execute("select id from recommendations where document_id = ? and parent_id is null order by ordinal",
                             [rejected[1].split("/")[0]]).fetchall()
    confirmed = next((rejected[0], to_id) for (to_id,) in later if (rejected[0], to_id) not in linked)
    for verdict, pair in [("confirm", confirmed), ("reject", rejected)]:
        with open(folder / "link_reviews.yml", "a", encoding="utf-8") as file:
            file.write(f'\n"{pair[0]} -> {pair[1]}": {verdict}\n')
        if verdict == "confirm":
            _kept_links_never_read_whole(monkeypatch)
        build(folder, db)
        monkeypatch.undo()
        build(folder, tmp_path / "full.db", full=True)
        incremental, full = contents(db), contents(tmp_path / "full.db")
        links = {(row[0], row[1]): row[4] for row in full["links"]}
        assert links[confirmed] == "manual" and (verdict == "confirm") == (rejected in links)
        assert incremental == full
