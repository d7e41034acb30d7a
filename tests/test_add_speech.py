"""kb add of a government speech: read by the speech loader as numbered
paragraphs, never as asks; its title keeps its year; a speech the loader
cannot read is refused with nothing written, never parsed by another loader."""

import shutil

import pytest
import yaml
from click.testing import CliRunner

from kb.build.add import AddError, AddRequest, add, own_title
from kb.cli import cli
from tests.conftest import ROOT, SOURCES

SPEECH_LAYOUTS = ROOT / "tests" / "speeches"

SPEECHES = ["hksarg-2020-policy-address", "hksarg-2021-policy-address", "hksarg-2022-policy-address",
            "hksarg-2023-policy-address", "hksarg-2023-24-budget", "hksarg-2024-25-budget"]
COUNTS = {
    "hksarg-2020-policy-address": {"paragraph": 167, "sub-item": 10},
    "hksarg-2021-policy-address": {"paragraph": 168, "sub-item": 30},
    "hksarg-2022-policy-address": {"paragraph": 150, "sub-item": 157},
    "hksarg-2023-policy-address": {"paragraph": 171, "sub-item": 185},
    "hksarg-2023-24-budget": {"paragraph": 223, "sub-item": 21},
    "hksarg-2024-25-budget": {"paragraph": 249, "sub-item": 13},
}
TITLES = {
    "hksarg-2020-policy-address": "行政長官2020年施政報告",
    "hksarg-2021-policy-address": "行政長官2021年施政報告",
    "hksarg-2022-policy-address": "行政長官2022年施政報告",
    "hksarg-2023-policy-address": "行政長官2023年施政報告",
    "hksarg-2023-24-budget": "二零二三至二四財政年度政府財政預算案",
    "hksarg-2024-25-budget": "二零二四至二五財政年度政府財政預算案",
}


@pytest.fixture
def without_speeches(tmp_path):
    """A copy of sources/ without its government speeches: as a user's
    sources before they add them."""
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES, sources, ignore=shutil.ignore_patterns("hksarg-*", "response_reviews.yml"))
    entries = yaml.safe_load((sources / "manifest.yml").read_text(encoding="utf-8"))
    kept = [entry for entry in entries if entry["publisher"]["id"] != "hksarg"]
    (sources / "manifest.yml").write_text(yaml.safe_dump(kept, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return sources


def request(sources, document_id, **options):
    kind = "budget" if "budget" in document_id else "policy-address"
    return AddRequest(path=SOURCES / f"{document_id}.pdf", sources_dir=sources, publisher="hksarg",
                      publisher_zh="香港特別行政區政府", publisher_en="HKSAR Government", kind=kind, **options)


@pytest.mark.parametrize("document_id", SPEECHES)
def test_every_speech_is_added_with_every_paragraph_and_its_year_in_the_title(without_speeches, document_id):
    added = add(request(without_speeches, document_id, id=document_id, dry_run=True))
    assert added.counts() == COUNTS[document_id]
    assert added.document.loader == "hksarg" and added.document.title_zh == TITLES[document_id]
    assert not added.parsed.recommendations  # paragraphs, never asks
    numbers = [p.number for p in added.parsed.paragraphs if not p.parent_id]
    assert numbers == [str(n) for n in range(1, len(numbers) + 1)]
    assert all(p.page for p in added.parsed.paragraphs)


def test_a_budget_is_dated_by_the_day_its_cover_prints_and_titled_in_english_by_its_cycle(without_speeches):
    added = add(request(without_speeches, "hksarg-2023-24-budget", cycle="2023-24 Budget", dry_run=True))
    assert (added.document.published, added.document.title_en) == ("2023-02-22", "The 2023-24 Budget")
    assert added.document.id == "hksarg-2023-24-budget"


def test_what_will_be_stored_is_shown_before_anything_is_written(without_speeches):
    shown = []

    def describe(added):
        shown.append((added.document.title_zh, added.document.kind, (without_speeches / added.document.source_file).exists()))

    added = add(request(without_speeches, "hksarg-2021-policy-address", id="hksarg-2021-policy-address"), describe=describe)
    assert shown == [("行政長官2021年施政報告", "policy-address", False)]
    assert (without_speeches / "hksarg-2021-policy-address.txt").exists() and added.written


def test_kb_add_prints_title_date_and_kind(without_speeches):
    result = CliRunner().invoke(cli, ["add", str(SOURCES / "hksarg-2022-policy-address.pdf"), "--sources", str(without_speeches),
                                      "--publisher", "hksarg", "--publisher-zh", "香港特別行政區政府", "--publisher-en",
                                      "HKSAR Government", "--kind", "policy-address", "--cycle", "2022 Policy Address",
                                      "--no-build"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("hksarg-2022-") and "行政長官2022年施政報告" in lines[0]
    assert lines[1] == "  kind: policy-address, published 2022-10, cycle 2022 Policy Address; title in English: The 2022 Policy Address"
    assert lines[2] == "  loader: hksarg (the loader of every policy-address)"


def snapshot(folder):
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_a_speech_the_loader_cannot_read_is_refused_and_never_read_as_asks(without_speeches):
    path = SPEECH_LAYOUTS / "missing-number.pdf"  # a speech whose paragraph 14 is not printed
    before = snapshot(without_speeches)
    with pytest.raises(AddError, match=r"missing-number.pdf: the hksarg loader cannot read it: .*page 5: paragraph 14 missing"):
        add(AddRequest(path=path, sources_dir=without_speeches, publisher="hksarg", publisher_zh="香港特別行政區政府",
                       publisher_en="HKSAR Government", kind="policy-address", published="2031-10"))
    assert snapshot(without_speeches) == before


def test_a_government_kind_is_never_given_to_the_asks_loaders(without_speeches):
    before = snapshot(without_speeches)
    with pytest.raises(AddError, match="--loader generic: a budget is read as numbered paragraphs by the hksarg loader, never as asks"):
        add(request(without_speeches, "hksarg-2023-24-budget", loader="generic"))
    assert snapshot(without_speeches) == before


def test_a_manifest_entry_giving_a_speech_to_an_asks_loader_is_refused(without_speeches):
    from kb.build.manifest import ManifestError, read_manifest

    manifest = without_speeches / "manifest.yml"
    entries = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    entries[0].update(kind="budget", loader="generic")
    manifest.write_text(yaml.safe_dump(entries, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(ManifestError, match="loader 'generic': a budget is read as numbered paragraphs by the hksarg loader"):
        read_manifest(without_speeches)


def test_a_cover_printing_its_year_apart_gives_the_title_its_year():
    assert own_title("行政長官年施政報告\n2025\n為市民謀幸福\n\f目錄\n") == "行政長官2025年施政報告"
    assert own_title("行政長官年施政報告行政長官年施政報告\n2021 2020\n") == "行政長官2021年施政報告"
    assert own_title("二零二五至二六財政年度\n政府財政預算案\n財政司司長\n") == "二零二五至二六財政年度政府財政預算案"
    assert own_title("香港中華廠商聯合會對2024-25年財政預算案的建議\n2023年12月\n") == "香港中華廠商聯合會對2024-25年財政預算案的建議"
