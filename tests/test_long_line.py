"""A build takes bounded time whatever the length of a line: a submission
whose asks hold a 1 MB line of one character repeated and one of Han
characters at random, without punctuation, builds in well under 30 s."""

import random
import shutil
import time

from kb.build.pipeline import build
from tests.conftest import SOURCES

LINE_CHARACTERS = 333_333  # 1 MB of UTF-8
KEPT = ("cma-2023-policy-address", "hksarg-2023-policy-address")

ENTRY = """
- id: generated-2023-long-lines
  file: generated-2023-long-lines.txt
  expect: {recommendation: 3}
  loader: generic
  publisher: {id: generated, zh: 生成商會, en: A generated chamber}
  title: {zh: 生成商會對2023年施政報告的建議, en: A generated chamber on the 2023 Policy Address}
  kind: submission on the Policy Address
  cycle: 2023 Policy Address
  published: "2023-08"
  language: zh-Hant
"""


def sources_with_long_lines(folder):
    """A CMA submission and a Policy Address from sources/, and a submission
    of three asks, the first two holding a 1 MB line each."""
    folder.mkdir()
    entries = (SOURCES / "manifest.yml").read_text(encoding="utf-8").split("\n- id: ")
    kept = [entry for entry in entries[1:] if entry.split("\n")[0] in KEPT]
    for entry in kept:
        for name in (f"{entry.split(chr(10))[0]}.txt", f"{entry.split(chr(10))[0]}.pdf"):
            if (SOURCES / name).exists():
                shutil.copy(SOURCES / name, folder / name)
    generator = random.Random(1)
    repeated = "發" * LINE_CHARACTERS
    drawn = "".join(chr(generator.randint(0x4E00, 0x9FA5)) for _ in range(LINE_CHARACTERS))
    text = "\n".join([
        "生成商會對2023年施政報告的建議", "",
        "1. 加強支援中小企業", "政府應設立專項基金，資助中小企業參加海外展覽。", repeated, "",
        "2. 推動再工業化", "建議政府擴大再工業化資助計劃的涵蓋範圍。", drawn, "",
        "3. 培育創科人才", "政府應增加職業專才教育的資源。", "",
    ])
    (folder / "generated-2023-long-lines.txt").write_text(text, encoding="utf-8")
    manifest = entries[0] + "".join("\n- id: " + entry for entry in kept) + ENTRY
    (folder / "manifest.yml").write_text(manifest, encoding="utf-8")
    return folder


def test_a_document_with_one_megabyte_lines_builds_in_bounded_time(tmp_path):
    sources = sources_with_long_lines(tmp_path / "sources")
    started = time.perf_counter()
    reports = build(sources, tmp_path / "kb.db", full=True)
    took = time.perf_counter() - started
    assert [sum(report.top_level.values()) + report.paragraphs for report in reports] == [19, 171, 3]
    assert took < 30, f"the build took {took:.1f} s"


LATER_ENTRY = ENTRY.replace("generated-2023-long-lines", "generated-2024-long-lines").replace(
    "2023年施政報告", "2024年施政報告").replace("2023 Policy Address", "2024 Policy Address").replace('"2023-08"', '"2024-08"')


def test_two_documents_sharing_a_one_megabyte_line_build_in_bounded_time(tmp_path):
    """Aligning two sentences costs the product of their lengths: two 1 MB
    lines in documents a link compares would take minutes and gigabytes, were
    sentences not cut to a length prose never reaches."""
    sources = sources_with_long_lines(tmp_path / "sources")
    text = (sources / "generated-2023-long-lines.txt").read_text(encoding="utf-8")
    (sources / "generated-2024-long-lines.txt").write_text(text, encoding="utf-8")
    with (sources / "manifest.yml").open("a", encoding="utf-8") as manifest:
        manifest.write(LATER_ENTRY)
    started = time.perf_counter()
    reports = build(sources, tmp_path / "kb.db", full=True)
    took = time.perf_counter() - started
    assert [sum(report.top_level.values()) + report.paragraphs for report in reports] == [19, 171, 3, 3]
    assert took < 30, f"the build took {took:.1f} s"
