"""What a build refuses or flags: counts other than the manifest's
``expect:``, a publisher without a loader, files outside the sources
folder, and a document whose last row ends mid-sentence."""

import os

import pytest
import yaml

from kb.build.pipeline import BuildError, build
from kb.build.manifest import ManifestError, read_manifest
from tests.conftest import SOURCES

CMA = "cma-2023-policy-address"


def _cut(sources, document_id, last_line):
    """Keep only the first ``last_line`` lines of a source file."""
    path = sources / f"{document_id}.txt"
    lines = path.read_text(encoding="utf-8").split("\n")
    path.write_text("\n".join(lines[:last_line]) + "\n", encoding="utf-8")


def _edit_manifest(sources, document_id, **changes):
    """Change (or, with ``None``, remove) keys of one manifest entry."""
    path = sources / "manifest.yml"
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    entry = next(entry for entry in entries if entry["id"] == document_id)
    for key, value in changes.items():
        if value is None:
            entry.pop(key, None)
        else:
            entry[key] = value
    path.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")


def test_the_manifest_records_what_each_document_holds(sources_copy):
    expect = {source.document.id: source.expect for source in read_manifest(sources_copy)}
    assert expect == {
        "bdc-2020-brand-relaunch-survey": {"recommendation": 18},
        CMA: {"recommendation": 19, "sub-item": 10},
        "cma-2024-budget": {"recommendation": 13, "sub-item": 4},
        "hkpc-2025-manufacturing-study": {"recommendation": 7, "strategy": 3, "sub-item": 10},
        "dsedt-2023-reply-written-inquiry": {"measure": 9},
        "hksarg-2020-policy-address": {"paragraph": 167, "sub-item": 10},
        "hksarg-2023-policy-address": {"paragraph": 171, "sub-item": 185},
        "hksarg-2024-25-budget": {"paragraph": 249, "sub-item": 13},
        "hksarg-2021-policy-address": {"paragraph": 168, "sub-item": 30},
        "hksarg-2022-policy-address": {"paragraph": 150, "sub-item": 157},
        "hksarg-2023-24-budget": {"paragraph": 223, "sub-item": 21},
    }


def test_the_real_sources_build_without_warnings(tmp_path):
    reports = build(SOURCES, tmp_path / "kb.db")
    assert [warning for report in reports for warning in report.warnings] == []


def test_a_document_cut_short_fails_with_both_counts(tmp_path, sources_copy):
    _cut(sources_copy, CMA, 1300)
    message = (
        rf"{CMA}.txt: {CMA}: the manifest expects {{recommendation: 19, sub-item: 10}}, "
        r"the document gives {recommendation: 17, sub-item: 10}"
    )
    with pytest.raises(BuildError, match=message):
        build(sources_copy, tmp_path / "kb.db")
    assert not (tmp_path / "kb.db").exists()


def test_a_last_row_cut_mid_sentence_is_flagged(tmp_path, sources_copy):
    _cut(sources_copy, CMA, 1400)  # inside recommendation 19, the last
    reports = build(sources_copy, tmp_path / "kb.db")
    assert reports[1].warnings == [
        f"{sources_copy / CMA}.txt:1400: {CMA}/19, the document's last row, ends mid-sentence (…門應加快推進商標註冊及保護制度的協調和整): "
        "is the file cut short?"
    ]


def test_a_last_row_cut_at_its_heading_is_flagged(tmp_path, sources_copy):
    _cut(sources_copy, CMA, 1380)  # the heading "19. 推進兩地商標合作"
    reports = build(sources_copy, tmp_path / "kb.db")
    assert reports[1].warnings == [
        f"{sources_copy / CMA}.txt:1380: {CMA}/19, the document's last row, has an empty body: is the file cut short?"
    ]


def test_an_entry_without_expect_is_flagged_with_the_counts_found(tmp_path, sources_copy):
    _edit_manifest(sources_copy, CMA, expect=None)
    reports = build(sources_copy, tmp_path / "kb.db")
    assert reports[1].warnings == [
        f"{sources_copy / CMA}.txt: no expect: counts in the manifest; this build found expect: {{recommendation: 19, sub-item: 10}}"
    ]


def test_a_publisher_without_a_loader_is_an_error(tmp_path, sources_copy):
    manifest = sources_copy / "manifest.yml"
    text = manifest.read_text(encoding="utf-8").replace("id: bdc\n", "id: bdcc\n").replace("  loader: bdc\n", "")
    manifest.write_text(text, encoding="utf-8")
    with pytest.raises(BuildError, match=r"bdc-2020-brand-relaunch-survey.txt: document 'bdc-2020-brand-relaunch-survey': no loader for publisher 'bdcc'"):
        build(sources_copy, tmp_path / "kb.db")
    assert not (tmp_path / "kb.db").exists()


@pytest.mark.parametrize(
    "expect,problem",
    [
        ("recommendation", "expect must map kinds to counts"),
        ({"recommendation": -1}, r"expect 'recommendation': -1 is not a kind with a count of 0 or more"),
        ({"recommendation": "19"}, r"expect 'recommendation': '19' is not"),
        ({"recommendation": True}, r"expect 'recommendation': True is not"),
    ],
)
def test_bad_expect_is_a_manifest_error(sources_copy, expect, problem):
    _edit_manifest(sources_copy, CMA, expect=expect)
    with pytest.raises(ManifestError, match=rf"manifest.yml:\d+: document \d \({CMA}\): {problem}"):
        read_manifest(sources_copy)


@pytest.mark.parametrize("name", ["../../../../etc/passwd", "/etc/passwd", "sub/../../outside.txt"])
def test_a_file_outside_the_sources_folder_is_refused(tmp_path, sources_copy, name):
    _edit_manifest(sources_copy, CMA, file=name)
    with pytest.raises(ManifestError, match=rf"\({CMA}\): file '{name}' must be a path inside"):
        build(sources_copy, tmp_path / "kb.db")


def test_a_symbolic_link_leading_out_of_the_sources_folder_is_refused(tmp_path, sources_copy):
    outside = tmp_path / "outside.txt"
    os.replace(sources_copy / f"{CMA}.txt", outside)
    (sources_copy / f"{CMA}.txt").symlink_to(outside)
    with pytest.raises(ManifestError, match=rf"\({CMA}\): file '{CMA}.txt' leads out of .*outside.txt"):
        build(sources_copy, tmp_path / "kb.db")


def test_a_symbolic_link_inside_the_sources_folder_is_allowed(tmp_path, sources_copy):
    os.replace(sources_copy / f"{CMA}.txt", sources_copy / "kept.txt")
    (sources_copy / f"{CMA}.txt").symlink_to(sources_copy / "kept.txt")
    assert read_manifest(sources_copy)[1].path == sources_copy / f"{CMA}.txt"


def test_a_source_changed_while_the_build_runs_is_refused_with_nothing_written(sources_copy, tmp_path, monkeypatch):
    """A build lets go of each text once parsed and reads the file again to
    write it: bytes other than those parsed are an error naming the file."""
    from kb.build import pipeline

    parse = pipeline.parse_sources

    def parse_then_edit(*args, **kwargs):
        found = parse(*args, **kwargs)
        path = sources_copy / f"{CMA}.txt"
        path.write_text(path.read_text(encoding="utf-8") + "\n補充一行。\n", encoding="utf-8")
        return found

    monkeypatch.setattr(pipeline, "parse_sources", parse_then_edit)
    db = tmp_path / "kb.db"
    with pytest.raises(BuildError, match=rf"{CMA}\.txt: changed while the build was running"):
        build(sources_copy, db)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("kb.db")) == ["kb.db.lock"]  # no database, no temporary
