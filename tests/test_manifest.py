import pytest

from kb.build.manifest import ManifestError, document_year, read_manifest
from tests.conftest import SOURCES


def test_manifest_documents_in_order():
    sources = read_manifest(SOURCES)
    assert [s.document.id for s in sources] == [
        "bdc-2020-brand-relaunch-survey",
        "cma-2023-policy-address",
        "cma-2024-budget",
        "hkpc-2025-manufacturing-study",
        "dsedt-2023-reply-written-inquiry",
        "hksarg-2020-policy-address",
        "hksarg-2023-policy-address",
        "hksarg-2024-25-budget",
        "hksarg-2021-policy-address",
        "hksarg-2022-policy-address",
        "hksarg-2023-24-budget",
    ]
    assert [s.document.year for s in sources] == [2020, 2023, 2024, 2025, 2023, 2020, 2023, 2024, 2021, 2022, 2023]
    assert sources[4].publisher.name_en.startswith("Macao SAR Government")


@pytest.mark.parametrize(
    "published,cycle,year",
    [("2023-12", "2024-25 Budget", 2024), ("2023", "2023 Policy Address", 2023), ("2025-01", None, 2025)],
)
def test_document_year(published, cycle, year):
    assert document_year(published, cycle) == year


@pytest.mark.parametrize(
    "text,message",
    [
        ("- id: x\n", r"document 1 \(x\): missing file, publisher, title, kind, published, language"),
        ("{}", "expected a list of documents"),
        ("- [unclosed", "not valid YAML"),
    ],
)
def test_bad_manifest_names_the_file_and_problem(tmp_path, text, message):
    (tmp_path / "manifest.yml").write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError, match=message) as error:
        read_manifest(tmp_path)
    assert "manifest.yml" in str(error.value)


def test_repeated_ids_are_an_error(sources_copy):
    manifest = sources_copy / "manifest.yml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace("- id: cma-2024-budget", "- id: cma-2023-policy-address"), encoding="utf-8")
    with pytest.raises(ManifestError, match="document ids repeated: cma-2023-policy-address"):
        read_manifest(sources_copy)


def test_a_manifest_read_again_gives_fresh_sources_and_checks_the_files_again(sources_copy):
    first = read_manifest(sources_copy)
    first[1].document.sha256 = "changed by whoever read it"
    again = read_manifest(sources_copy)
    assert again[1].document.sha256 == ""
    assert [s.document for s in again[2:]] == [s.document for s in first[2:]]
    assert again[1].document is not first[1].document
    (sources_copy / again[3].document.source_file).unlink()
    with pytest.raises(ManifestError, match=r"hkpc-2025-manufacturing-study\).*not found"):
        read_manifest(sources_copy)


def test_an_entry_appended_is_checked_and_the_others_kept(sources_copy):
    manifest = sources_copy / "manifest.yml"
    before = read_manifest(sources_copy)
    text = manifest.read_text(encoding="utf-8")
    entry = text[text.index("- id: cma-2024-budget"):].split("\n- id:")[0]
    manifest.write_text(text + "\n" + entry.replace("id: cma-2024-budget", "id: cma-2024-budget-again") + "\n", encoding="utf-8")
    after = read_manifest(sources_copy)
    assert [s.document.id for s in after] == [s.document.id for s in before] + ["cma-2024-budget-again"]
    manifest.write_text(text + "\n" + entry + "\n", encoding="utf-8")
    with pytest.raises(ManifestError, match="document ids repeated: cma-2024-budget$"):
        read_manifest(sources_copy)
